"""The original BiDNN tool's LibSVM files: ``label idx:val idx:val ...``, read in chunks and written.

Indices are 1-based and strictly increasing; 1..dim_a are modality A, dim_a+1..dim_a+dim_b modality
B; omitted entries are 0. A slice that is all zero means the modality is missing. Labels are kept
verbatim. :func:`iter_libsvm` reads chunks of ``settings.chunk_rows()`` lines (each parsed by pandas'
C reader, a failing chunk re-read line by line to name the problem); :func:`read_libsvm` gathers
them, for small files.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import pandas as pd

from .. import settings
from ..errors import InputError
from ._matrix import CHUNK_BYTES, Lines, rows_per_chunk

__all__ = ["LibsvmTable", "iter_libsvm", "read_libsvm", "write_libsvm"]

_TO_COMMA = bytes.maketrans(b": ", b",,")


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

    def rows(self, lo: int, hi: int) -> LibsvmTable:
        """Rows ``lo:hi`` (views of the matrices)."""
        return LibsvmTable(self.path, self.labels[lo:hi], self.a[lo:hi], self.b[lo:hi], self.has_a[lo:hi],
                           self.has_b[lo:hi], self.lines[lo:hi])


def iter_libsvm(path: str | Path, dim_a: int, dim_b: int, *, chunk_rows: int | None = None) -> Iterator[LibsvmTable]:
    """A LibSVM file of ``dim_a + dim_b`` columns in chunks of at most ``chunk_rows`` lines."""
    for flag, dim in (("--a-dim", dim_a), ("--b-dim", dim_b)):
        if not 1 <= dim <= settings.MAX_DIM:
            raise InputError(f"{flag} {dim} is not a modality width; give the number of columns, 1 to {settings.MAX_DIM}")
    # A dense chunk holds rows x (dim_a + dim_b) float32: keep it near CHUNK_BYTES whatever the width.
    rows = max(1, min(rows_per_chunk(chunk_rows), CHUNK_BYTES // (4 * (dim_a + dim_b))))
    for numbers, chunk in Lines(path, "LibSVM file").chunks(rows):
        yield _parse_chunk(numbers, chunk, dim_a, dim_b, path)


def read_libsvm(path: str | Path, dim_a: int, dim_b: int) -> LibsvmTable:
    """The whole file as one table (for small files; the store loads with :func:`iter_libsvm`)."""
    tables = list(iter_libsvm(path, dim_a, dim_b))
    if len(tables) == 1:
        return tables[0]
    return LibsvmTable(
        str(path),
        [label for t in tables for label in t.labels],
        np.concatenate([t.a for t in tables]),
        np.concatenate([t.b for t in tables]),
        np.concatenate([t.has_a for t in tables]),
        np.concatenate([t.has_b for t in tables]),
        [line for t in tables for line in t.lines],
    )


def _parse_chunk(numbers: list[int], chunk: list[bytes], dim_a: int, dim_b: int, path: str | Path) -> LibsvmTable:
    nnz = np.array([line.count(b":") for line in chunk], dtype=np.int64)
    # Single spaces between tokens (what writers produce) make a plain CSV for pandas' fast path.
    simple = all(
        b"\t" not in line and b"," not in line and line.count(b" ") == n and line[0] != 32 and line[-1] != 32
        for line, n in zip(chunk, nnz.tolist())
    )
    text = b"\n".join(chunk) + b"\n"
    if simple:
        labels = [line.split(b" ", 1)[0].decode("utf-8") for line in chunk]
        text, sep = text.translate(_TO_COMMA), ","
    else:
        labels = [line.decode("utf-8").split(None, 1)[0] for line in chunk]
        text, sep = text.replace(b":", b" "), r"\s+"
    dim = dim_a + dim_b
    out = np.zeros((len(chunk), dim), dtype=np.float32)

    def explain() -> InputError:
        for number, line in zip(numbers, chunk):
            _explain_libsvm(line.decode("utf-8"), dim, path, number)
        return InputError("cannot parse the LibSVM file; check it holds 'label idx:val ...' lines", path, numbers[0])

    if nnz.max() > 0:
        width = 1 + 2 * int(nnz.max())
        try:
            frame = pd.read_csv(
                io.BytesIO(text), sep=sep, header=None, names=range(width), usecols=range(1, width),
                dtype=np.float32, quoting=csv.QUOTE_NONE, encoding="utf-8", index_col=False,
            )
        except (ValueError, pd.errors.ParserError):
            raise explain() from None
        del text
        if len(frame) != len(chunk) or not _scatter(frame.to_numpy(), nnz, out):
            raise explain()
    for number, label, line in zip(numbers, labels, chunk):
        if ":" in label:
            _explain_libsvm(line.decode("utf-8"), dim, path, number)
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
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("cannot write NaN or infinity to a LibSVM file")
    step = settings.chunk_rows()
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for lo in range(0, len(a), step):
            block = np.hstack([a[lo:lo + step], b[lo:lo + step]])
            digits = _digits(block)
            for label, row, prec in zip(labels[lo:lo + step], block, digits):
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
