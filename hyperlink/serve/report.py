"""`hyperlink report-html`: the server's pages written as a static folder that opens offline.

``index.html`` lists the anchors; ``anchors/ID.html`` shows each anchor's targets (one source, or two
side by side); ``thumbs/`` holds the keyframe thumbnails; ``qrels.txt`` the stored judgments. Every
link is relative. Videos are linked where they lie (relative paths), or copied into ``media/`` with
``copy_media`` so that the folder can be shared. The folder is written under a temporary name and
renamed into place, so a failed export leaves the previous report as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, StoreError
from .render import STATIC, StaticLinks, file_name, render

__all__ = ["ReportSummary", "write_report", "MARKER"]

MARKER = ".hyperlink-report"  # a folder holding it is a report this command may replace


@dataclass
class ReportSummary:
    anchors: int
    thumbnails: int
    sources: list[str]
    warnings: list[str] = field(default_factory=list)


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder; choose another --out", out)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise InputError("is a non-empty folder that holds no report; refusing to replace it, choose another --out", out)
    if not out.parent.is_dir():
        raise InputError(f"folder {out.parent} does not exist; create it first", out)


def _media_links(catalogue, out: Path, folder: Path, copy: bool) -> dict[str, str]:
    links: dict[str, str] = {}
    for video in catalogue.store.videos():
        if not video.media_path or not Path(video.media_path).is_file():
            continue
        source = Path(video.media_path)
        if copy:
            name = f"media/{file_name(video.id)}{source.suffix}"
            (folder / "media").mkdir(exist_ok=True)
            shutil.copyfile(source, folder / name)
            links[video.id] = name
        else:
            links[video.id] = Path(os.path.relpath(source.resolve(), out.resolve())).as_posix()
    return links


def write_report(db: str, out: str | Path, models: Sequence[str] = (), runs: Sequence[Path] = (), k: int = 10,
                 copy_media: bool = False) -> ReportSummary:
    """Write the report of the store ``db`` to the folder ``out``; at most two models / runs compared."""
    from ..link import LinkOptions, transcript
    from .app import open_catalogue
    from .assess import qrels_text
    from .media import thumb_times, thumbnail

    LinkOptions(k)  # checks k before any work
    out = Path(out)
    _check_out(out)
    catalogue = open_catalogue(db, models, runs)
    try:
        sources = [*models, *catalogue.runs] or catalogue.sources[:1]
        if len(sources) > 2:
            raise InputError(f"compare at most two models or runs at a time, not {len(sources)}: {', '.join(sources)}")
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".new", dir=out.parent))
        try:
            summary = _write(catalogue, out, tmp, sources, k, copy_media, transcript, qrels_text, thumb_times, thumbnail)
            _replace(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        catalogue.store.close()
    return summary


def _write(catalogue, out, tmp, sources, k, copy_media, transcript, qrels_text, thumb_times, thumbnail) -> ReportSummary:
    from .media import media_file

    (tmp / MARKER).write_text("a folder written by `hyperlink report-html`; it may replace it\n")
    shutil.copyfile(STATIC / "style.css", tmp / "style.css")
    (tmp / "anchors").mkdir()
    (tmp / "thumbs").mkdir()
    links = StaticLinks(_media_links(catalogue, out, tmp, copy_media))
    common = {"models": [], "search_text": "", "search_model": "", "back": ""}
    anchors = catalogue.anchors()
    rows = [{"anchor": a, "text": transcript(catalogue.store, a.span)} for a in anchors]
    (tmp / "index.html").write_text(render("anchors.html", links=links, anchors=rows, sources=sources, **common))
    (tmp / "qrels.txt").write_text(qrels_text(catalogue.store))
    summary = ReportSummary(len(anchors), 0, list(sources))
    done: set[tuple[str, int]] = set()
    deep = links.at(1)
    for anchor in anchors:
        page = catalogue.anchor_page(anchor.id, sources, k)
        page_file = tmp / "anchors" / f"{file_name(anchor.id)}.html"
        page_file.write_text(render("anchor.html", links=deep, page=page, sources=sources, **common))
        for target in (t for column in page.columns for t in column.targets if t.media):
            for millis in thumb_times(target.start, target.end):
                if (target.video, millis) in done:
                    continue
                done.add((target.video, millis))
                try:
                    data = thumbnail(media_file(catalogue.store, target.video), millis)
                except StoreError as exc:
                    summary.warnings.append(str(exc))
                    continue
                (tmp / "thumbs" / f"{file_name(target.video)}_{millis}.jpg").write_bytes(data)
                summary.thumbnails += 1
    return summary


def _replace(tmp: Path, out: Path) -> None:
    """Put ``tmp`` in the place of ``out`` (an older report there is removed once the new one is in)."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
