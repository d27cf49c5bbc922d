"""Load files into the store: read (pure readers in ``ingest``), then write in ONE transaction.

Vector files (keyframes, per-segment vectors, LibSVM) are read and written chunk by chunk inside
that transaction, so memory grows with the chunk, not the file. Any error leaves the store exactly
as it was; re-loading a file adds nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ..checksum import file_sha256 as _sha256
from ..errors import InputError
from ..files import input_file
from ..evaluate.trec import read_qrels
from ..parsed import Parsed
from ..store import IngestReport, Store, Writer
from ..types import Segment
from . import read_anchors, read_blacklist, read_collection, read_transcripts
from .keyframes import iter_keyframes
from .segment_vectors import iter_libsvm_segments, iter_segment_vectors

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
    return input_file(path)


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


def load_transcripts(store: Store, paths: list[str | Path], video: str | None = None, *,
                     progress: Progress | None = None) -> list[IngestReport]:
    """Transcript files (or folders of them) in one transaction; VTT/SRT take the video id from the file stem.
    ``progress(files done, files)`` after each file."""
    files = _transcript_files(paths)
    if video is not None and len(files) > 1:
        raise InputError("--video names one video, but several transcript files were given", files[1])
    reports = []
    with store.transaction() as tx:  # file by file: memory is one file's cues, the transaction all of them
        for f in files:
            reports.append(tx.add_cues(read_transcripts(f, video)))
            tx.log(reports[-1], _sha256(f))
            if progress is not None:
                progress(len(reports), len(files))
    return reports


Progress = Callable[[int, "int | None"], None]  # (done, total or None when unknown)


def _tick(progress: Progress | None, report: IngestReport) -> None:
    """Rows read so far (new + already stored); the total of a streamed file is not known ahead."""
    if progress is not None:
        progress(report.added + report.skipped, None)


def _add(report: IngestReport, part: IngestReport) -> None:
    report.added += part.added
    report.skipped += part.skipped
    report.warnings += part.warnings


def load_keyframes(store: Store, path: str | Path, space: str, index: str | Path | None = None,
                   extractor: str = "", *, chunk_rows: int | None = None,
                   progress: Progress | None = None) -> IngestReport:
    """Keyframe vectors of one visual feature space (NPY + CSV index, or CSV/Parquet rows).

    Read and written chunk by chunk (``chunk_rows``, default ``settings.chunk_rows()``), all in one
    transaction; ``progress(rows done, None)`` after each chunk.
    """
    path = _exists(path)
    chunks = iter_keyframes(path, _exists(index) if index is not None else None, chunk_rows=chunk_rows)
    report = IngestReport(f"keyframes:{space}", str(path))
    with store.transaction() as tx:
        fs = None
        for chunk in chunks:
            if fs is None:
                fs = tx.ensure_space(space, "visual", chunk.dim, extractor or f"keyframes from {path.name}")
            report.warnings += chunk.warnings
            _add(report, tx.add_keyframes(chunk.where, chunk.lines, chunk.videos, chunk.times, chunk.vectors, fs))
            _tick(progress, report)
        tx.log(report, _sha256(path))
    return report


def _add_segments(tx: Writer, report: IngestReport, segments: Parsed[Segment]) -> np.ndarray:
    """Store a chunk of imported segments (those already there are counted as skipped); their ids."""
    ids, added = tx.add_segments(segments.items, segments.path, segments.lines)
    report.added += added
    report.skipped += len(segments) - added
    return ids


def load_segment_vectors(store: Store, path: str | Path, segments: str | Path, space: str, modality: str,
                         extractor: str = "", *, chunk_rows: int | None = None,
                         progress: Progress | None = None) -> IngestReport:
    """Features already cut per segment: an NPY/CSV matrix + a segment table (video, start, end).

    Read and written chunk by chunk, all in one transaction.
    """
    path = _exists(path)
    chunks = iter_segment_vectors(path, _exists(segments), chunk_rows=chunk_rows)
    report = IngestReport("segment-vectors", str(path))
    missing = 0
    with store.transaction() as tx:
        fs = None
        for chunk in chunks:
            ids = _add_segments(tx, report, Parsed(str(segments), chunk.segments, chunk.lines))
            if fs is None:
                fs = tx.ensure_space(space, modality, chunk.vectors.shape[1],
                                     extractor or f"per-segment vectors from {path.name}")
            tx.set_segment_vectors(fs, ids, chunk.vectors, chunk.has, path=str(segments), lines=chunk.lines)
            missing += int((~chunk.has).sum())
            _tick(progress, report)
        if missing:
            report.warnings.append(f"{path}: {missing} row(s) are all zero; those segments have no vector")
        tx.log(report, _sha256(path))
    return report


def load_libsvm(store: Store, path: str | Path, segments: str | Path, a_space: str, a_dim: int, b_space: str,
                b_dim: int, a_modality: str = "text", *, chunk_rows: int | None = None,
                progress: Progress | None = None) -> IngestReport:
    """The original BiDNN tool's LibSVM file (modality A in columns 1..a_dim, B after) + a segment table.

    Read and written chunk by chunk, all in one transaction.
    """
    path = _exists(path)
    chunks = iter_libsvm_segments(path, _exists(segments), a_dim, b_dim, chunk_rows=chunk_rows)
    b_modality = "visual" if a_modality == "text" else "text"
    report = IngestReport("segment-vectors", str(path))
    with store.transaction() as tx:
        spaces = None
        for segs, table in chunks:
            ids = _add_segments(tx, report, segs)
            if spaces is None:
                spaces = (tx.ensure_space(a_space, a_modality, a_dim, f"libsvm columns 1-{a_dim} of {path.name}"),
                          tx.ensure_space(b_space, b_modality, b_dim,
                                          f"libsvm columns {a_dim + 1}-{a_dim + b_dim} of {path.name}"))
            tx.set_segment_vectors(spaces[0], ids, table.a, table.has_a, path=str(path), lines=table.lines)
            tx.set_segment_vectors(spaces[1], ids, table.b, table.has_b, path=str(path), lines=table.lines)
            _tick(progress, report)
        tx.log(report, _sha256(path))
    return report


def load_anchors(store: Store, path: str | Path) -> IngestReport:
    return _load_one(store, path, read_anchors, Writer.add_anchors)


def load_qrels(store: Store, path: str | Path) -> IngestReport:
    return _load_one(store, path, read_qrels, Writer.add_judgments)


