"""Load files into the store: read (pure readers in ``ingest``), then write in ONE transaction.

Any error leaves the store exactly as it was; re-loading a file adds nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable


from ..checksum import file_sha256 as _sha256
from ..errors import InputError
from ..evaluate.trec import read_qrels
from . import (
    read_anchors,
    read_blacklist,
    read_collection,
    read_keyframes,
    read_libsvm,
    read_segment_vectors,
    read_transcripts,
)
from ..store import IngestReport, Store, Writer

__all__ = [
    "load_collection",
    "load_blacklist",
    "load_transcripts",
    "load_keyframes",
    "load_segment_vectors",
    "load_libsvm",
    "load_anchors",
    "load_qrels",
]


def _exists(path: str | Path) -> Path:
    p = Path(path)
    if not p.is_file():
        raise InputError("no such file; check the path", p)
    return p


def load_collection(store: Store, path: str | Path, blacklist: str | Path | None = None) -> list[IngestReport]:
    """A collection list (+ optional blacklist) in one transaction."""
    parsed = read_collection(_exists(path))
    black = read_blacklist(_exists(blacklist)) if blacklist is not None else None
    reports = []
    with store.transaction() as tx:
        reports.append(tx.add_videos(parsed, getattr(parsed, "metadata", None)))
        tx.log(reports[-1], _sha256(path))
        if black is not None:
            reports.append(tx.set_blacklist(black))
            tx.log(reports[-1], _sha256(blacklist))
    return reports


def _load_one(store: Store, path: str | Path, read: Callable, write: Callable) -> IngestReport:
    """Read one file, write it in one transaction with ``write(tx, parsed)``, log it."""
    parsed = read(_exists(path))
    with store.transaction() as tx:
        report = write(tx, parsed)
        tx.log(report, _sha256(path))
    return report


def load_blacklist(store: Store, path: str | Path) -> IngestReport:
    return _load_one(store, path, read_blacklist, Writer.set_blacklist)


def _transcript_files(paths: list[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(x for x in p.iterdir() if x.suffix.lower() in (".vtt", ".srt", ".jsonl", ".ndjson"))
            if not found:
                raise InputError("folder has no .vtt, .srt or .jsonl transcripts", p)
            files += found
        else:
            files.append(_exists(p))
    return files


def load_transcripts(store: Store, paths: list[str | Path], video: str | None = None) -> list[IngestReport]:
    """Transcript files (or folders of them) in one transaction; VTT/SRT take the video id from the file stem."""
    files = _transcript_files(paths)
    if video is not None and len(files) > 1:
        raise InputError("--video names one video, but several transcript files were given", files[1])
    parsed = [read_transcripts(f, video) for f in files]
    reports = []
    with store.transaction() as tx:
        for f, p in zip(files, parsed):
            reports.append(tx.add_cues(p))
            tx.log(reports[-1], _sha256(f))
    return reports


def load_keyframes(store: Store, path: str | Path, space: str, index: str | Path | None = None,
                   extractor: str = "") -> IngestReport:
    """Keyframe vectors of one visual feature space (NPY + CSV index, or CSV/Parquet rows)."""
    table = read_keyframes(_exists(path), _exists(index) if index is not None else None)
    with store.transaction() as tx:
        fs = tx.ensure_space(space, "visual", table.vectors.shape[1], extractor or f"keyframes from {Path(path).name}")
        report = tx.add_keyframes(str(table.path), table.lines, table.videos, table.times, table.vectors, fs)
        tx.log(report, _sha256(path))
    return report


def _store_segment_vectors(tx, segments, lines, path, parts) -> IngestReport:
    report = IngestReport("segment-vectors", str(path))
    ids, report.added = tx.add_segments(segments, str(path), lines)
    report.skipped = len(segments) - report.added
    for name, modality, matrix, has, extractor in parts:
        fs = tx.ensure_space(name, modality, matrix.shape[1], extractor)
        tx.set_segment_vectors(fs, ids, matrix, has, path=str(path), lines=lines)
    return report


def load_segment_vectors(store: Store, path: str | Path, segments: str | Path, space: str, modality: str,
                         extractor: str = "") -> IngestReport:
    """Features already cut per segment: an NPY/CSV matrix + a segment table (video, start, end)."""
    table = read_segment_vectors(_exists(path), _exists(segments))
    with store.transaction() as tx:
        report = _store_segment_vectors(
            tx, table.segments, table.lines, path,
            [(space, modality, table.vectors, table.has, extractor or f"per-segment vectors from {Path(path).name}")],
        )
        tx.log(report, _sha256(path))
    return report


def load_libsvm(store: Store, path: str | Path, segments: str | Path, a_space: str, a_dim: int, b_space: str,
                b_dim: int, a_modality: str = "text") -> IngestReport:
    """The original BiDNN tool's LibSVM file (modality A in columns 1..a_dim, B after) + a segment table."""
    from . import read_segment_table

    table = read_libsvm(_exists(path), a_dim, b_dim)
    segs = read_segment_table(_exists(segments))
    if len(segs) != len(table.labels):
        raise InputError(f"the segment table has {len(segs)} rows but {Path(path).name} has {len(table.labels)}; "
                         "they must describe the same segments in the same order", segments)
    b_modality = "visual" if a_modality == "text" else "text"
    with store.transaction() as tx:
        report = _store_segment_vectors(
            tx, segs.items, table.lines, path,
            [(a_space, a_modality, table.a, table.has_a, f"libsvm columns 1-{a_dim} of {Path(path).name}"),
             (b_space, b_modality, table.b, table.has_b, f"libsvm columns {a_dim + 1}-{a_dim + b_dim} of {Path(path).name}")],
        )
        tx.log(report, _sha256(path))
    return report


def load_anchors(store: Store, path: str | Path) -> IngestReport:
    return _load_one(store, path, read_anchors, Writer.add_anchors)


def load_qrels(store: Store, path: str | Path) -> IngestReport:
    return _load_one(store, path, read_qrels, Writer.add_judgments)


