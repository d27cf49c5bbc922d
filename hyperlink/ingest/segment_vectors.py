"""Per-segment vectors: a matrix, or the BiDNN tool's LibSVM file, with a segment table.

A segment table is a CSV ``video,start,end`` (header optional, naming the columns in any order;
times in seconds or HH:MM:SS) whose row i describes row i of an ``.npy`` or ``.csv`` matrix (header
optional), or line i of a LibSVM file (see ``libsvm``). An all-zero row means the segment has no
vector in that space (``has[i]`` False).

The ``iter_*`` readers go through both files together in chunks of ``settings.chunk_rows()`` rows;
the ``read_*`` ones gather the chunks, for small files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import InputError
from ..parsed import Parsed
from ..types import Segment
from ._common import check_span, header_index, time_of
from ._matrix import (
    Lines,
    MatrixRows,
    NpyMatrix,
    RowCountMismatch,
    iter_csv_matrix,
    rows_per_chunk,
    split_csv_line,
    zip_rows,
)
from .libsvm import LibsvmTable, iter_libsvm, read_libsvm, write_libsvm

__all__ = [
    "LibsvmTable",
    "SegmentVectorTable",
    "iter_libsvm",
    "iter_libsvm_segments",
    "iter_segment_table",
    "iter_segment_vectors",
    "read_libsvm",
    "write_libsvm",
    "read_segment_table",
    "read_segment_vectors",
]


@dataclass
class SegmentVectorTable:
    """Imported segments with one vector each; ``has[i]`` is False for an all-zero row."""

    path: str
    segments: list[Segment]
    vectors: np.ndarray  # float32 (n, d)
    has: np.ndarray  # bool (n,)
    lines: list[int]  # line of each segment in the segment table
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.segments)


def iter_segment_table(path: str | Path, *, chunk_rows: int | None = None) -> Iterator[Parsed[Segment]]:
    """Segments of a CSV ``video,start,end`` (header optional), origin "imported", in chunks."""
    rows = rows_per_chunk(chunk_rows)
    lines = Lines(path, "segment table")
    number, first = lines.peek()  # type: ignore[misc]  # Lines refuses a file without lines
    head = split_csv_line(first, path, number)
    width = len(head)
    if _is_span(head):
        cols = {"video": 0, "start": 1, "end": 2}
    else:
        cols = header_index(head, _SEGMENT_COLUMNS, set(), path, number)
        lines.skip()
    for numbers, chunk in lines.chunks(rows):
        out: Parsed[Segment] = Parsed(str(path))
        for line, raw in zip(numbers, chunk):
            fields = split_csv_line(raw, path, line)
            if len(fields) != width:
                raise InputError(f"row has {len(fields)} fields; the first row has {width}", path, line)
            video = fields[cols["video"]]
            if not video:
                raise InputError("row has an empty video id", path, line)
            start = time_of(fields[cols["start"]], path, line, "start")
            end = time_of(fields[cols["end"]], path, line, "end")
            check_span(start, end, path, line)
            out.add(Segment(video, start, end, origin="imported"), line)
        yield out


def read_segment_table(path: str | Path) -> Parsed[Segment]:
    """The whole segment table (for small files); a span listed twice is warned about."""
    out: Parsed[Segment] = Parsed(str(path))
    for chunk in iter_segment_table(path):
        out.items += chunk.items
        out.lines += chunk.lines
    out.warnings += _repeats(out)
    return out


def _repeats(table: Parsed[Segment]) -> list[str]:
    seen: dict[tuple[str, float, float], int] = {}
    warnings = []
    for seg, line in zip(table.items, table.lines):
        key = (seg.video, seg.start, seg.end)
        if key in seen:
            warnings.append(f"{table.path}:{line}: segment repeats line {seen[key]}; both kept")
        seen.setdefault(key, line)
    return warnings


def _cut(table: Parsed[Segment], lo: int, hi: int) -> Parsed[Segment]:
    return Parsed(table.path, table.items[lo:hi], table.lines[lo:hi])


def iter_segment_vectors(path: str | Path, segments: str | Path, *,
                         chunk_rows: int | None = None) -> Iterator[SegmentVectorTable]:
    """An ``.npy`` / ``.csv`` matrix and the segment table describing its rows, in chunks."""
    rows = rows_per_chunk(chunk_rows)
    suffix = Path(path).suffix.lower()
    matrix: Iterator[MatrixRows]
    if suffix == ".npy":
        matrix = NpyMatrix(path, "segment vector matrix").chunks(rows)
    elif suffix == ".csv":
        matrix = iter_csv_matrix(path, (), "segment vector", chunk_rows=rows)
    else:
        raise InputError(f"unknown matrix extension {suffix or '(none)'!r}; use one of .csv, .npy", path)
    try:
        for values, table in zip_rows(matrix, iter_segment_table(segments, chunk_rows=rows), MatrixRows.rows, _cut):
            yield SegmentVectorTable(str(path), table.items, values.values, values.values.any(axis=1), table.lines)
    except RowCountMismatch as e:
        raise InputError(
            f"segment table lists {e.right} segments but {Path(path).name} has {e.left} rows; "
            "row i of the table must describe row i of the matrix",
            segments,
            e.extra.lines[0] if e.extra is not None else None,  # type: ignore[attr-defined]
        ) from None


def read_segment_vectors(path: str | Path, segments: str | Path) -> SegmentVectorTable:
    """The whole matrix and segment table (for small files; the store loads with :func:`iter_segment_vectors`)."""
    chunks = list(iter_segment_vectors(path, segments))
    table = Parsed(str(segments), [s for c in chunks for s in c.segments], [n for c in chunks for n in c.lines])
    out = SegmentVectorTable(str(path), table.items, np.concatenate([c.vectors for c in chunks]),
                             np.concatenate([c.has for c in chunks]), table.lines, _repeats(table))
    missing = int((~out.has).sum())
    if missing:
        out.warnings.append(f"{path}: {missing} row(s) are all zero; those segments have no vector")
    return out


def iter_libsvm_segments(path: str | Path, segments: str | Path, dim_a: int, dim_b: int, *,
                         chunk_rows: int | None = None) -> Iterator[tuple[Parsed[Segment], LibsvmTable]]:
    """A LibSVM file and the segment table describing its lines, row by row, in chunks."""
    rows = rows_per_chunk(chunk_rows)
    vectors = iter_libsvm(path, dim_a, dim_b, chunk_rows=rows)
    try:
        for table, segs in zip_rows(vectors, iter_segment_table(segments, chunk_rows=rows), LibsvmTable.rows, _cut):
            yield segs, table
    except RowCountMismatch as e:
        raise InputError(
            f"the segment table has {e.right} rows but {Path(path).name} has {e.left}; "
            "they must describe the same segments in the same order",
            segments,
        ) from None


_SEGMENT_COLUMNS = {"video": ("video", "video_id"), "start": ("start",), "end": ("end",)}


def _is_span(fields: list[str]) -> bool:
    try:
        time_of(fields[1], "", 0, "start"), time_of(fields[2], "", 0, "end")
    except (InputError, IndexError):
        return False
    return True
