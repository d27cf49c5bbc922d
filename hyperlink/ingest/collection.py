"""Collection lists (which videos exist and how long they are) and blacklists.

Formats, chosen by extension:

* ``.txt`` / ``.lst`` / ``.list`` -- the official ``<videoId> HH:MM:SS`` lines (cAXES.txt, bliptv2.txt);
* ``.csv`` -- a header naming ``id`` (or ``video``), ``duration`` and optionally ``media_path``;
* ``.jsonl`` / ``.ndjson`` -- objects ``{"id", "duration", "media_path"?}``.

Durations are seconds or ``HH:MM:SS``. Columns or keys beyond those are kept, per video, in
``Collection.metadata`` (CSV values as strings, JSON values as decoded).
A zero duration (two videos of bliptv2.txt say ``00:00:00``) is kept with a warning: the id must
resolve (runs and judgments may name it), but no candidate target can be cut from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..parsed import Parsed
from ..types import Video
from ._common import (
    check_unique,
    check_width,
    csv_rows,
    decode,
    dispatch,
    header_index,
    jsonl_records,
    made,
    read_bytes,
    read_text,
    require,
    time_of,
)

__all__ = ["Collection", "read_collection", "read_blacklist"]

_OFFICIAL_DURATION = re.compile(r"^\d+:\d\d:\d\d(?:[.,]\d+)?$")
_CSV_COLUMNS = {"id": ("id", "video", "video_id"), "duration": ("duration",), "media_path": ("media_path",)}


@dataclass
class Collection(Parsed[Video]):
    """The videos of a collection file; ``metadata[i]`` holds the extra columns of ``items[i]``."""

    metadata: list[dict[str, Any]] = field(default_factory=list)

    def add(self, item: Video, line: int, metadata: dict[str, Any] | None = None) -> None:  # type: ignore[override]
        super().add(item, line)
        self.metadata.append(metadata or {})


def read_collection(path: str | Path) -> Collection:
    """Read a collection list (format by extension); ids must be unique, durations positive."""
    reader = dispatch(path, _READERS, "collection list")
    text = read_text(path, "collection list")
    out = Collection(str(path))
    reader(text, out)
    if not out.items:
        raise InputError("lists no videos; expected one video per line", path)
    return out


def read_blacklist(path: str | Path) -> Parsed[str]:
    """Video ids, one per line. A repeated id or an empty file is only a warning."""
    out: Parsed[str] = Parsed(str(path))
    raw = read_bytes(path, "blacklist", allow_empty=True)
    if not raw:
        out.warnings.append(f"{path}: blacklist is empty; no video is blacklisted")
        return out
    seen: dict[str, int] = {}
    for number, line in enumerate(decode(raw, path).split("\n"), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) > 1:
            raise InputError(f"expected one video id per line, got {len(fields)} fields", path, number)
        if fields[0] in seen:
            out.warnings.append(f"{path}:{number}: {fields[0]!r} repeats line {seen[fields[0]]}; ignored")
            continue
        seen[fields[0]] = number
        out.add(fields[0], number)
    return out


def _add(
    out: Collection, seen: dict[str, int], vid: str, duration: float, line: int,
    media_path: str | None, metadata: dict[str, Any] | None = None,
) -> None:
    if not vid:
        raise InputError("empty video id; every row needs an id", out.path, line)
    check_unique(seen, vid, line, out.path, "video id")
    if duration == 0:
        out.warnings.append(f"{out.path}:{line}: video {vid!r} has duration 0; kept, but no target can be cut from it")
    out.add(made(Video, out.path, line, vid, duration, media_path or None), line, metadata)


def _read_list(text: str, out: Collection) -> None:
    seen: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) != 2:
            raise InputError(
                f"expected '<videoId> HH:MM:SS', got {len(fields)} field(s); the line may be cut short",
                out.path,
                number,
            )
        if ":" in fields[1] and not _OFFICIAL_DURATION.match(fields[1]):
            raise InputError(
                f"duration {fields[1]!r} is not HH:MM:SS (two digits each for minutes and seconds); "
                "the line may be cut short",
                out.path,
                number,
            )
        _add(out, seen, fields[0], time_of(fields[1], out.path, number, "duration"), number, None)


def _read_csv(text: str, out: Collection) -> None:
    rows = csv_rows(text, out.path)
    first = next(rows, None)
    if first is None:
        raise InputError("file is empty; expected a CSV header (id, duration[, media_path])", out.path)
    head_line, header = first
    cols = header_index(header, _CSV_COLUMNS, {"media_path"}, out.path, head_line)
    extra = [(i, name) for i, name in enumerate(header) if i not in cols.values()]
    seen: dict[str, int] = {}
    for number, fields in rows:
        check_width(fields, header, out.path, number)
        duration = time_of(fields[cols["duration"]], out.path, number, "duration")
        media = fields[cols["media_path"]] if "media_path" in cols else None
        _add(out, seen, fields[cols["id"]], duration, number, media, {name: fields[i] for i, name in extra})


def _read_jsonl(text: str, out: Collection) -> None:
    seen: dict[str, int] = {}
    for number, record in jsonl_records(text, out.path):
        vid = require(record, "id", out.path, number)
        if not isinstance(vid, str):
            raise InputError(f"id {vid!r} must be a string; quote it", out.path, number)
        duration = time_of(require(record, "duration", out.path, number), out.path, number, "duration")
        media = record.get("media_path")
        if media is not None and not isinstance(media, str):
            raise InputError(f"media_path {media!r} must be a string", out.path, number)
        extra = {k: v for k, v in record.items() if k not in ("id", "duration", "media_path")}
        _add(out, seen, vid, duration, number, media, extra)


_READERS = {
    ".txt": _read_list,
    ".lst": _read_list,
    ".list": _read_list,
    ".csv": _read_csv,
    ".jsonl": _read_jsonl,
    ".ndjson": _read_jsonl,
}
