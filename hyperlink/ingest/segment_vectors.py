"""Per-segment vectors: the BiDNN tool's LibSVM files, and matrices with a segment table.

LibSVM (the original BiDNN's input and output): ``label idx:val idx:val ...``, indices 1-based and
strictly increasing; 1..dim_a are modality A, dim_a+1..dim_a+dim_b modality B; omitted entries are 0.
A slice that is all zero means the modality is missing. Labels are kept verbatim.

Matrix + segment table: an ``.npy`` or ``.csv`` matrix (header optional) whose row i belongs to row i
of a CSV segment table ``video,start,end`` (header optional; times in seconds or HH:MM:SS).
An all-zero row means the segment has no vector (``has[i]`` False).
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..parsed import Parsed
from ..types import Segment
from ._common import check_span, check_utf8, csv_rows, header_index, read_bytes, read_text, time_of
from ._matrix import CHUNK_ROWS, load_npy, nonblank_lines, read_csv_matrix

_TO_COMMA = bytes.maketrans(b": ", b",,")

__all__ = [
    "LibsvmTable",
    "SegmentVectorTable",
    "read_libsvm",
    "write_libsvm",
    "read_segment_table",
    "read_segment_vectors",
]


@dataclass
class LibsvmTable:
    """Rows of a LibSVM file split into the two modalities."""

    path: str
    labels: list[str]
    a: np.ndarray  # float32 (n, dim_a)
    b: np.ndarray  # float32 (n, dim_b)
    has_a: np.ndarray  # bool (n,): False where the A slice is all zero (modality missing)
    has_b: np.ndarray  # bool (n,)
    lines: list[int]
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)


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


def read_libsvm(path: str | Path, dim_a: int, dim_b: int) -> LibsvmTable:
    """Read a LibSVM file of ``dim_a + dim_b`` columns (parsed in chunks by pandas' C reader)."""
    if dim_a < 1 or dim_b < 1:
        raise ValueError(f"modality sizes must be positive, got {dim_a} and {dim_b}")
    raw = read_bytes(path, "LibSVM file")
    check_utf8(raw, path)
    numbers, starts, ends = nonblank_lines(raw)
    nnz = np.array([raw.count(b":", s, e) for s, e in zip(starts, ends)], dtype=np.int64)
    # Single spaces between tokens (what writers produce) make a plain CSV for pandas' fast path.
    simple = b"\t" not in raw and b"," not in raw and all(
        raw.count(b" ", s, e) == n and raw[s] != 32 and raw[e - 1 - (raw[e - 1] == 13)] != 32
        for s, e, n in zip(starts, ends, nnz.tolist())
    )
    if simple:
        labels = [raw[s:e if (c := raw.find(b" ", s, e)) < 0 else c].decode("utf-8-sig").rstrip("\r")
                  for s, e in zip(starts, ends)]
        text, sep = raw.translate(_TO_COMMA), ","
    else:
        labels = [raw[s:e].decode("utf-8-sig").split(None, 1)[0] for s, e in zip(starts, ends)]
        text, sep = raw.replace(b":", b" "), r"\s+"
    dim = dim_a + dim_b
    out = np.zeros((len(numbers), dim), dtype=np.float32)

    def explain(row: int) -> InputError:
        for r in range(row, len(numbers)):
            _explain_libsvm(raw[starts[r]:ends[r]].decode("utf-8-sig"), dim, path, numbers[r])
        return InputError("cannot parse the LibSVM file; check it holds 'label idx:val ...' lines", path)

    done = 0
    if nnz.max() > 0:
        width = 1 + 2 * int(nnz.max())
        try:
            for chunk in pd.read_csv(
                io.BytesIO(text), sep=sep, header=None, names=range(width), usecols=range(1, width),
                dtype=np.float32, quoting=csv.QUOTE_NONE, chunksize=CHUNK_ROWS, encoding="utf-8-sig",
                index_col=False,
            ):
                if not _scatter(chunk.to_numpy(), nnz[done:done + len(chunk)], out[done:done + len(chunk)]):
                    raise explain(done)
                done += len(chunk)
        except InputError:
            raise
        except (ValueError, pd.errors.ParserError):
            raise explain(done) from None
    for r, label in enumerate(labels):
        if ":" in label:
            _explain_libsvm(raw[starts[r]:ends[r]].decode("utf-8-sig"), dim, path, numbers[r])
    a, b = np.ascontiguousarray(out[:, :dim_a]), np.ascontiguousarray(out[:, dim_a:])
    return LibsvmTable(str(path), labels, a, b, a.any(axis=1), b.any(axis=1), numbers)


def _scatter(values: np.ndarray, nnz: np.ndarray, out: np.ndarray) -> bool:
    """Write a chunk's pairs into ``out``; False if any row is malformed (then explained line by line)."""
    idx, val = values[:, 0::2], values[:, 1::2]  # (rows, most pairs in the file)
    used = np.arange(idx.shape[1])[None, :] < nnz[:, None]
    cols = idx[used]
    if not (np.isfinite(cols).all() and np.isfinite(val[used]).all()):
        return False  # a missing number, or NaN / infinity
    if not (np.isnan(idx[~used]).all() and np.isnan(val[~used]).all()):
        return False  # a token without a colon
    if not ((cols == np.floor(cols)).all() and (cols >= 1).all() and (cols <= out.shape[1]).all()):
        return False
    if not (np.diff(idx, axis=1)[used[:, 1:]] > 0).all():
        return False
    rows = np.repeat(np.arange(len(nnz)), nnz)
    out[rows, cols.astype(np.int64) - 1] = val[used]
    return True


def _explain_libsvm(text: str, dim: int, path: str | Path, line: int) -> None:
    """Raise the precise error for one LibSVM line, or return if it is well-formed."""
    tokens = text.split()
    if ":" in tokens[0]:
        raise InputError(
            f"line starts with {tokens[0]!r}; a LibSVM line starts with a label, then idx:val pairs", path, line
        )
    previous = 0
    for token in tokens[1:]:
        idx_text, colon, val_text = token.partition(":")
        if not colon or ":" in val_text:
            raise InputError(f"{token!r} is not an idx:val pair; write e.g. 3:0.25", path, line)
        try:
            idx = float(idx_text)
        except ValueError:
            idx = float("nan")
        if not idx.is_integer():
            raise InputError(f"index {idx_text!r} is not an integer", path, line)
        if idx < 1:
            raise InputError(f"index {idx_text} is invalid; LibSVM indices start at 1", path, line)
        if idx > dim:
            raise InputError(
                f"index {int(idx)} is beyond the {dim} columns (dim_a + dim_b); check the modality sizes", path, line
            )
        if idx <= previous:
            raise InputError(
                f"index {int(idx)} follows {previous}; indices must be strictly increasing, without repeats",
                path,
                line,
            )
        try:
            value = float(val_text)
        except ValueError:
            raise InputError(f"value {val_text!r} of index {int(idx)} is not a number", path, line) from None
        if not np.isfinite(value):
            raise InputError(
                f"value of index {int(idx)} is {val_text}; values must be finite (no NaN or infinity)", path, line
            )
        previous = int(idx)


def write_libsvm(path: str | Path, labels: Sequence[str], a: np.ndarray, b: np.ndarray) -> None:
    """Write ``label idx:val ...`` lines: zeros omitted, B's columns after A's, shortest digits
    (6 to 9 significant) that read back as the same float32."""
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    if a.ndim != 2 or b.ndim != 2 or not (len(a) == len(b) == len(labels)):
        raise ValueError(f"need {len(labels)} labels and 2-D a, b of as many rows; got {a.shape}, {b.shape}")
    for label in labels:
        if not label or len(label.split()) != 1 or ":" in label:
            raise ValueError(f"label {label!r} must be one token without ':' to be written as LibSVM")
    x = np.hstack([a, b])
    if not np.isfinite(x).all():
        raise ValueError("cannot write NaN or infinity to a LibSVM file")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for lo in range(0, len(x), CHUNK_ROWS):
            block = x[lo:lo + CHUNK_ROWS]
            digits = _digits(block)
            for label, row, prec in zip(labels[lo:lo + CHUNK_ROWS], block, digits):
                nz = np.flatnonzero(row)
                pairs = zip((nz + 1).tolist(), prec[nz].tolist(), row[nz].tolist())
                f.write(label + " " * bool(len(nz)) + _row_format(len(nz)) % tuple(itertools.chain(*pairs)) + "\n")


def _row_format(n: int, _cache: dict[int, str] = {}) -> str:  # noqa: B006 - deliberate memo
    if n not in _cache:
        _cache[n] = " ".join(["%d:%.*g"] * n)
    return _cache[n]


def _digits(x: np.ndarray) -> np.ndarray:
    """Fewest significant digits (6..9) whose decimal reads back as the same float32.

    The decimal rounding is done in float64 and accepted only when it lands within 0.45 float32 ulp of
    the value (0.05 ulp of slack is far above float64's error), so printing that many digits round-trips.
    """
    v = x.astype(np.float64)
    mag = np.abs(v)
    mag[mag == 0] = 1.0
    e = np.floor(np.log10(mag))
    e += mag >= 10.0 ** (e + 1)
    e -= mag < 10.0 ** e
    ax = np.abs(x)
    tol = 0.45 * (ax - np.nextafter(ax, np.float32(0))).astype(np.float64)  # gap below: the smaller one
    best = np.full(x.shape, 9, dtype=np.int64)
    scale = 10.0 ** (5 - e)
    for digits in (6, 7, 8):
        fits = np.abs(np.round(v * scale) / scale - v) <= tol
        best[fits & (best == 9)] = digits
        scale *= 10.0
    return best


def read_segment_table(path: str | Path) -> Parsed[Segment]:
    """Segments of a CSV ``video,start,end`` (header optional), origin "imported"; repeats are warned."""
    out: Parsed[Segment] = Parsed(str(path))
    rows = list(csv_rows(read_text(path, "segment table"), path))
    width = len(rows[0][1])
    if _is_span(rows[0][1]):
        cols = {"video": 0, "start": 1, "end": 2}
    else:
        cols = header_index(rows[0][1], _SEGMENT_COLUMNS, set(), path, rows[0][0])
        rows = rows[1:]
    seen: dict[tuple[str, float, float], int] = {}
    for line, fields in rows:
        if len(fields) != width:
            raise InputError(f"row has {len(fields)} fields; the first row has {width}", path, line)
        video = fields[cols["video"]]
        if not video:
            raise InputError("row has an empty video id", path, line)
        start = time_of(fields[cols["start"]], path, line, "start")
        end = time_of(fields[cols["end"]], path, line, "end")
        check_span(start, end, path, line)
        if (video, start, end) in seen:
            out.warnings.append(f"{path}:{line}: segment repeats line {seen[video, start, end]}; both kept")
        seen.setdefault((video, start, end), line)
        out.add(Segment(video, start, end, origin="imported"), line)
    return out


def read_segment_vectors(path: str | Path, segments: str | Path) -> SegmentVectorTable:
    """Read an ``.npy`` / ``.csv`` matrix and the segment table (``video,start,end``) describing its rows."""
    suffix = Path(path).suffix.lower()
    if suffix == ".npy":
        matrix = load_npy(path, "segment vector matrix")
    elif suffix == ".csv":
        matrix = read_csv_matrix(path, (), "segment vector")[1]
    else:
        raise InputError(f"unknown matrix extension {suffix or '(none)'!r}; use one of .csv, .npy", path)
    table = read_segment_table(segments)
    if len(table) != len(matrix):
        raise InputError(
            f"segment table lists {len(table)} segments but {Path(path).name} has {len(matrix)} rows; "
            "row i of the table must describe row i of the matrix",
            segments,
            table.lines[len(matrix)] if len(table) > len(matrix) else None,
        )
    out = SegmentVectorTable(str(path), table.items, matrix, matrix.any(axis=1), table.lines, table.warnings)
    missing = int((~out.has).sum())
    if missing:
        out.warnings.append(f"{path}: {missing} row(s) are all zero; those segments have no vector")
    return out


_SEGMENT_COLUMNS = {"video": ("video", "video_id"), "start": ("start",), "end": ("end",)}


def _is_span(fields: list[str]) -> bool:
    try:
        time_of(fields[1], "", 0, "start"), time_of(fields[2], "", 0, "end")
    except (InputError, IndexError):
        return False
    return True
