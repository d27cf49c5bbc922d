"""Fast numeric matrices (NPY, CSV) that still report problems at ``FILE:LINE``.

CSV matrices are parsed by pandas' C reader in chunks; when a chunk fails (a non-number, a short or
long row, NaN/inf) its lines are re-read in Python to say exactly what is wrong and where. Only the
failing chunk pays for the slow path.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import InputError
from ._common import check_utf8, read_bytes

CHUNK_ROWS = 4096
_BLANK = b" \t\r\x0b\x0c"


def nonblank_lines(raw: bytes) -> tuple[list[int], list[int], list[int]]:
    """(line number, start offset, end offset) of every line that is not blank (pandas skips those)."""
    numbers: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    pos, number, size = 0, 1, len(raw)
    find = raw.find
    while pos < size:
        nl = find(b"\n", pos)
        if nl < 0:
            nl = size
        if nl > pos and (raw[pos] not in _BLANK or raw[pos:nl].strip()):
            numbers.append(number)
            starts.append(pos)
            ends.append(nl)
        pos, number = nl + 1, number + 1
    return numbers, starts, ends


def first_bad_row(matrix: np.ndarray) -> int | None:
    """Index of the first row holding NaN or infinity, or None."""
    finite = np.isfinite(matrix).all(axis=1)
    if finite.all():
        return None
    return int(np.argmin(finite))


def load_npy(path: str | Path, what: str) -> np.ndarray:
    """A 2-D float32 matrix from an ``.npy`` file; non-finite values are refused with their row."""
    read_bytes(path, what)  # existence, emptiness
    try:
        matrix = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, OSError) as e:
        raise InputError(
            f"not a readable NPY matrix ({e}); the file may be truncated: save it again with numpy.save", path
        ) from None
    if not isinstance(matrix, np.ndarray) or matrix.ndim != 2:
        shape = getattr(matrix, "shape", None)
        raise InputError(f"expected a 2-D matrix (rows x dimensions), got shape {shape}", path)
    if matrix.dtype.kind not in "fiub":
        raise InputError(f"matrix has dtype {matrix.dtype}; save numbers (float32)", path)
    if matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise InputError(f"matrix has shape {matrix.shape}; expected at least one row and one column", path)
    matrix = matrix.astype(np.float32, copy=False)
    bad = first_bad_row(matrix)
    if bad is not None:
        raise InputError(
            f"matrix row {bad + 1} holds NaN or infinity; vectors must be finite numbers", path, bad + 1
        )
    return matrix


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_csv_line(raw: bytes, start: int, end: int) -> list[str]:
    return [f.strip() for f in next(csv.reader([raw[start:end].decode("utf-8-sig").rstrip("\r")]))]


def explain_values(fields: list[str], width: int, first: int, path: str | Path, line: int, what: str) -> None:
    """Raise the precise error for a CSV row of ``first`` key columns then ``width - first`` values."""
    if len(fields) <= first:
        raise InputError(f"row has only {len(fields)} field(s); the first row has {width}", path, line)
    if len(fields) != width:
        raise InputError(
            f"row has {len(fields) - first} {what} values; the first row has {width - first}; "
            "every row needs the same number of columns (the row may be cut short)",
            path,
            line,
        )
    for j in range(first, width):
        try:
            value = float(fields[j])
        except ValueError:
            raise InputError(f"column {j + 1}: {fields[j]!r} is not a number", path, line) from None
        if not math.isfinite(value):
            raise InputError(
                f"column {j + 1} is {fields[j]}; vectors must be finite numbers (no NaN or infinity)", path, line
            )


def _keys(raw: bytes, start: int, end: int, k: int) -> list[str]:
    """The first ``k`` fields of a CSV line, cheaply (no copy of the numbers that follow)."""
    cuts = [start - 1]
    for _ in range(k):
        cut = raw.find(b",", cuts[-1] + 1, end)
        cuts.append(end if cut < 0 else cut)
    if raw.find(b'"', start, cuts[-1]) >= 0:
        return split_csv_line(raw, start, end)[:k]
    return [raw[a + 1:b].decode("utf-8-sig").strip() for a, b in zip(cuts, cuts[1:])]


def read_csv_matrix(
    path: str | Path,
    keys: tuple[str, ...],
    what: str,
    is_key_row: Callable[[list[str]], bool] = lambda fields: True,
) -> tuple[list[list[str]], np.ndarray, list[int]]:
    """Rows of ``len(keys)`` text columns followed by numbers, with an optional header line.

    The first line is a header when its value columns are not all numbers or ``is_key_row`` rejects
    its key columns; a header must start with the ``keys`` names. Returns (key columns, float32 matrix,
    line of each row).
    """
    raw = read_bytes(path, what)
    check_utf8(raw, path)
    numbers, starts, ends = nonblank_lines(raw)
    k = len(keys)
    head = split_csv_line(raw, starts[0], ends[0])
    if not (all(_is_float(f) for f in head[k:]) and is_key_row(head[:k])):
        if [f.lower() for f in head[:k]] != list(keys) or len(head) <= k:
            expected = ",".join(keys) + ("," if k else "") + "<numbers...>"
            raise InputError(
                f"first line is neither a data row nor a header {expected}; check the columns", path, numbers[0]
            )
        numbers, starts, ends = numbers[1:], starts[1:], ends[1:]
        if not numbers:
            raise InputError("has a header but no rows", path, 1)
    width = len(head)
    if width <= k:
        raise InputError(f"row has no vector values after the {k} key column(s)", path, numbers[0])

    def explain(rows_from: int, cause: Exception | None) -> InputError:
        for r in range(rows_from, len(numbers)):
            explain_values(split_csv_line(raw, starts[r], ends[r]), width, k, path, numbers[r], what)
        return InputError(f"cannot parse the CSV ({cause}); check its columns", path)

    # pandas silently drops the fields of a row that has too many: count commas (a quoted comma
    # in a key column also counts, hence the check of each suspect row).
    for r, (start, end) in enumerate(zip(starts, ends)):
        if raw.count(b",", start, end) != width - 1:
            explain_values(split_csv_line(raw, start, end), width, k, path, numbers[r], what)
    blocks: list[np.ndarray] = []
    done = 0
    try:
        for chunk in pd.read_csv(
            io.BytesIO(raw), header=None, names=range(width), usecols=range(k, width), dtype=np.float32,
            skiprows=numbers[0] - 1, encoding="utf-8-sig", chunksize=CHUNK_ROWS, index_col=False,
        ):
            values = chunk.to_numpy(dtype=np.float32)
            if first_bad_row(values) is not None:
                raise explain(done, None)
            blocks.append(values)
            done += len(values)
    except InputError:
        raise
    except (ValueError, pd.errors.ParserError) as e:
        raise explain(done, e) from None
    if done != len(numbers):
        raise InputError(
            f"read {done} rows from {len(numbers)} non-blank lines; a quoted field may span lines", path
        )
    columns: list[list[str]] = [[] for _ in range(k)]
    if k:
        for number, start, end in zip(numbers, starts, ends):
            fields = _keys(raw, start, end, k)
            if not all(fields):
                raise InputError(f"row has an empty {keys[fields.index('')]}; fill it in", path, number)
            for column, value in zip(columns, fields):
                column.append(value)
    return columns, np.concatenate(blocks), numbers
