"""`ingest media`: a folder of videos (+ subtitles) -> videos, keyframe vectors, cues, text vectors, segments.

Each video is ONE transaction: its row (duration read from the file, media_path), its keyframe
vectors in every feature space of the visual extractor, the record of which extractor version made
them, and its subtitle cues -- all committed together or not at all, so a corrupt file is reported
by name and the rest of the folder is still ingested. Videos an extractor of the same version has
already done are skipped (the run is resumable); a space holding another version's vectors is
refused unless ``force`` re-extracts. Then the text encoder runs over the store's cues and candidate
segments are cut as by ``hyperlink segment``.
"""

from __future__ import annotations

import hashlib
import re

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..checksum import file_sha256
from ..errors import HyperlinkError, InputError, MismatchError, MissingDependency, StoreError
from ..features.registry import VisualExtractor, text_extractor, visual_extractor
from ..parsed import Parsed
from ..segment import CutReport, WindowSpec, cut_segments
from ..store import DURATION_SLACK, IngestReport, Store
from ..store.extractions import extractions, forget_keyframes, record_extraction
from ..types import Video
from . import read_transcripts
from .decode import VIDEO_EXTENSIONS, KeyframeSpec, iter_keyframes
from .encode import encode_text

__all__ = ["MediaSpec", "VideoOutcome", "MediaReport", "find_videos", "ingest_media"]

SUBTITLE_EXTENSIONS = (".vtt", ".srt")
Progress = Callable[[int, int], None]
AUTO = "auto"  # MediaSpec.text: the text encoder this store's cues were encoded with, else tfidf-svd
DEFAULT_TEXT = "tfidf-svd"


def choose_text(store: Store, text: str | None) -> tuple[str | None, str | None]:
    """The text encoder to run and a warning: ``AUTO`` keeps the store's one (re-running without --text adds
    no second text space); naming another one than the store holds says that it adds a second space."""
    from ..features.registry import TEXT_EXTRACTORS

    if text is None:
        return None, None
    held = [name for name, x in sorted(TEXT_EXTRACTORS.items())
            if any(fs.name == x.space and fs.modality == "text" for fs in store.feature_spaces())]
    if text == AUTO:
        return (held[0] if held else DEFAULT_TEXT), None
    text_extractor(text)
    others = [h for h in held if h != text]
    if others:
        return text, (f"the store's cues already have {others[0]} vectors (space {TEXT_EXTRACTORS[others[0]].space!r}); "
                      f"--text {text} adds a second text space {TEXT_EXTRACTORS[text].space!r} (leave --text out "
                      "to keep one)")
    return text, None


def quiet_third_party() -> None:
    """No progress bars or info lines from the model libraries ("Loading weights", downloads): our own bar
    and messages say what happens. Set before they are imported; a user's own setting wins."""
    import os

    for name, value in (("HF_HUB_DISABLE_PROGRESS_BARS", "1"), ("TRANSFORMERS_VERBOSITY", "error"),
                        ("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1"), ("TQDM_DISABLE", "1"),
                        ("TOKENIZERS_PARALLELISM", "false")):
        os.environ.setdefault(name, value)
    import sys

    if "transformers" in sys.modules:  # already imported: switch its bars off directly
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
        except Exception:  # an old or partial install: the environment variables above still apply
            pass


@dataclass(frozen=True)
class MediaSpec:
    keyframes: KeyframeSpec = field(default_factory=KeyframeSpec)
    visual: str = "efficientnet-lite0"  # a key of VISUAL_EXTRACTORS
    text: str | None = "tfidf-svd"  # a key of TEXT_EXTRACTORS; None: no text vectors; AUTO: the store's own
    subtitles: Path | None = None  # folder of <videoId>.vtt/.srt; None: beside each video
    window: WindowSpec = field(default_factory=lambda: WindowSpec(60.0, 30.0, False))
    batch_size: int = 8  # keyframes per CNN forward pass (larger batches are slower on a 2-core CPU: cache)
    force: bool = False  # re-extract videos already done, and replace another version's vectors
    shard: tuple[int, int] = (0, 1)  # (I, N): only the videos whose id hashes to I of N (see shard_of)


@dataclass
class VideoOutcome:
    video: str
    path: str
    status: str  # 'ingested' | 'done already' | 'failed'
    keyframes: int = 0
    cues: int = 0
    error: str | None = None


@dataclass
class MediaReport:
    videos: list[VideoOutcome] = field(default_factory=list)
    text: str | None = None  # what the text encoder did
    cut: CutReport | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[VideoOutcome]:
        return [v for v in self.videos if v.status == "failed"]


def shard_of(video: str, shards: int) -> int:
    """The shard (0..shards-1) of a video id: a stable hash, the same on every machine and run.

    >>> shard_of("news0000", 4) in range(4), shard_of("news0000", 1)
    (True, 0)
    """
    return int.from_bytes(hashlib.sha256(video.encode("utf-8")).digest()[:8], "big") % shards


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> (I, N) with 0 <= I < N; InputError otherwise.

    >>> parse_shard("2/8")
    (2, 8)
    """
    m = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", text)
    if not m or not int(m.group(1)) < int(m.group(2)):
        raise InputError(f"--shard {text!r} is not I/N with 0 <= I < N (e.g. 0/4 ... 3/4 for four machines)")
    return int(m.group(1)), int(m.group(2))


def find_videos(folder: str | Path) -> list[Path]:
    """Video files (by extension) in ``folder``, sorted by name; a single file is returned as is."""
    folder = Path(folder)
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise InputError("no such folder; check the path", folder)
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS)
    if not found:
        raise InputError(f"folder has no video files ({', '.join(VIDEO_EXTENSIONS)})", folder)
    return found


def _subtitles(video: Path, folder: Path | None) -> Path | None:
    where = folder or video.parent
    for ext in SUBTITLE_EXTENSIONS:
        for candidate in (where / f"{video.stem}{ext}", where / f"{video.stem}{ext.upper()}"):
            if candidate.is_file():
                return candidate
    return None


def _check_versions(store: Store, vx: VisualExtractor) -> set[str]:
    """Videos already done by this extractor version in all its spaces; another version's vectors are refused."""
    done: Counter[str] = Counter()
    for spec in vx.spaces:
        records = extractions(store, spec.space)
        others = [e for e in records if (e.extractor, e.version) != (vx.name, vx.version)]
        if others:
            raise MismatchError(
                f"feature space {spec.space!r} holds vectors made by {others[0].extractor} {others[0].version} for "
                f"{len(others)} video(s) (e.g. {others[0].video!r}); this run's {vx.name} is version {vx.version}: "
                "re-run with --force to re-extract them, so the space holds one version's vectors"
            )
        done.update(e.video for e in records)
    return {v for v, n in done.items() if n == len(vx.spaces)}


def _embed_keyframes(path: Path, spec: MediaSpec, embed) -> tuple[float, np.ndarray, dict[str, np.ndarray]]:
    """Decode and embed one video, batch by batch (only vectors are kept): (duration, times, {key: vectors})."""
    info: list = []
    times: list[float] = []
    parts: dict[str, list[np.ndarray]] = {}
    batch: list[np.ndarray] = []

    def flush() -> None:
        for key, vectors in embed(batch, spec.batch_size, None).items():
            parts.setdefault(key, []).append(vectors)
        batch.clear()

    for keyframe in iter_keyframes(path, spec.keyframes, info):
        times.append(keyframe.time)
        batch.append(keyframe.image)
        if len(batch) == spec.batch_size:
            flush()
    if batch:
        flush()
    return info[0].duration, np.array(times, np.float64), {k: np.concatenate(v) for k, v in parts.items()}


def _ingest_video(store: Store, path: Path, spec: MediaSpec, vx: VisualExtractor, embed, done: bool,
                  known: dict[str, float], warnings: list[str]) -> VideoOutcome:
    video = path.stem
    outcome = VideoOutcome(video, str(path), "done already" if done else "ingested")
    subs = _subtitles(path, spec.subtitles)
    cues = read_transcripts(subs, video) if subs is not None else None
    if not done:
        duration, times, vectors = _embed_keyframes(path, spec, embed())
    checksums = {p: file_sha256(p) for p in (None if done else path, subs) if p is not None}  # before the write lock
    with store.transaction() as tx:
        if not done:
            if video not in known:
                tx.add_videos(Parsed(str(path), [Video(video, duration, str(path.resolve()))], [1]))
            elif abs(known[video] - duration) > DURATION_SLACK:
                warnings.append(f"{path}: lasts {duration:.1f} s, but the store lists video {video!r} as "
                                f"{known[video]:g} s; kept the store's duration")
            lines = list(range(1, len(times) + 1))  # keyframe k is reported as "FILE:k"
            for s in vx.spaces:
                fs = tx.ensure_space(s.space, "visual", s.dim, s.what)
                forget_keyframes(tx, video, fs)
                added = tx.add_keyframes(str(path), lines, [video] * len(times), times, vectors[s.key], fs).added
                record_extraction(tx, video, fs, vx.name, vx.version, added)
            outcome.keyframes = len(times)
            tx.log(IngestReport(f"media:{vx.name}", str(path), added=len(times)), checksums[path])
        if cues is not None:
            report = tx.add_cues(cues)
            tx.log(report, checksums[subs])
            outcome.cues = report.added
    return outcome


def _encode_text(store: Store, name: str, new_cues: int, report: MediaReport) -> None:
    tx_ = text_extractor(name)
    counts = store.counts()
    if counts["cues"] == 0:
        report.text = "no subtitles found: no text vectors"
        return
    covered = {c["space"]: c["cues"] for c in store.coverage()}
    if new_cues == 0 and covered.get(tx_.space) == counts["cues"]:
        report.text = f"{tx_.space}: every cue already has a vector"
        return
    try:
        n = encode_text(store, tx_.space, tx_.name, tx_.dim)
    except StoreError as exc:  # e.g. too little text to fit tf-idf: the visual side still stands
        report.warnings.append(f"text encoder {tx_.name}: {exc}")
        report.text = "no text vectors"
        return
    space = store.feature_space(tx_.space)
    per_video = store.cue_counts()
    with store.transaction() as tx:
        for video, count in sorted(per_video.items()):
            record_extraction(tx, video, space, tx_.name, tx_.version, count)
    report.text = f"{tx_.space}: {n} cues encoded ({tx_.name}, {tx_.dim}-d)"


def ingest_media(store: Store, folder: str | Path, spec: MediaSpec = MediaSpec(),
                 progress: Progress | None = None) -> MediaReport:
    """Ingest every video of ``folder`` (see the module docstring); failures are reported, not raised."""
    paths = find_videos(folder)
    index, shards = spec.shard
    if shards > 1:
        paths = [p for p in paths if shard_of(p.stem, shards) == index]
    vx = visual_extractor(spec.visual)
    quiet_third_party()
    text, warning = choose_text(store, spec.text)
    done = set() if spec.force else _check_versions(store, vx)
    known = {v.id: v.duration for v in store.videos()}
    model: list = []

    def embed():  # the model loads once, and only if some video needs it
        if not model:
            model.append(vx.load())
        return model[0]

    report = MediaReport()
    if warning:
        report.warnings.append(warning)
    stems = Counter(p.stem for p in paths)
    for i, path in enumerate(paths):
        if stems[path.stem] > 1:
            outcome = VideoOutcome(path.stem, str(path), "failed", error=f"{path}: another file in the folder has "
                                   f"the video id {path.stem!r}; rename one of them")
        else:
            try:
                outcome = _ingest_video(store, path, spec, vx, embed, path.stem in done, known, report.warnings)
            except MissingDependency:
                raise
            except InputError as exc:
                error = str(exc) if exc.path else f"{path}: {exc}"
                outcome = VideoOutcome(path.stem, str(path), "failed", error=error)
            except HyperlinkError as exc:  # e.g. a conflicting store fact: name the file it came from
                outcome = VideoOutcome(path.stem, str(path), "failed", error=f"{path}: {exc}")
        report.videos.append(outcome)
        if progress:
            progress(i + 1, len(paths))
    if text is not None:
        _encode_text(store, text, sum(v.cues for v in report.videos), report)
    report.cut = cut_segments(store, spec.window)
    return report
