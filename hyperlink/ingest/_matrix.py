"""Numeric matrices (NPY, CSV) read in chunks of rows that still report problems at ``FILE:LINE``.

Memory grows with the chunk, never with the file:

* NPY matrices are read through a memory map that is opened for one chunk and dropped after it
  (the pages of a map stay in the resident set until it is unmapped);
* text files are read line by line into chunks of at most ``rows`` non-blank lines and
  :data:`CHUNK_BYTES` bytes; each chunk of a CSV matrix is parsed by pandas' C reader, and when it
  fails (a non-number, a short or long row, NaN/inf) its lines are re-read in Python to say exactly
  what is wrong and where. Only the failing chunk pays for the slow path.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import numpy as np
import pandas as pd

from .. import settings
from ..errors import InputError
from ..files import input_file

# A chunk of a text file also stops at this many bytes, so that wide rows (a 4096-d vector is ~40 kB
# of text) do not make a chunk of settings.chunk_rows() lines weigh gigabytes.
CHUNK_BYTES = 64 << 20

A = TypeVar("A")
B = TypeVar("B")


def first_bad_row(matrix: np.ndarray) -> int | None:
    """Index of the first row holding NaN or infinity, or None."""
    finite = np.isfinite(matrix).all(axis=1)
    if finite.all():
        return None
    return int(np.argmin(finite))


def rows_per_chunk(chunk_rows: int | None) -> int:
    rows = settings.chunk_rows() if chunk_rows is None else int(chunk_rows)
    if rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {rows}")
    return rows


def _check_file(path: Path, what: str) -> None:
    input_file(path, what)


def _empty(path: Path, what: str) -> InputError:
    return InputError(f"file is empty; expected {'an' if what[0] in 'aeiou' else 'a'} {what}", path)


# --- text files, line by line ------------------------------------------------------------------------


class Lines:
    """The non-blank lines of a UTF-8 text file, read lazily as ``(line number, bytes)``.

    Lines keep neither their newline nor a trailing carriage return; a UTF-8 byte-order mark is
    dropped. Non-UTF-8 bytes are refused with their line. A file with no non-blank line is refused
    as empty when opened.
    """

    def __init__(self, path: str | Path, what: str):
        self.path = Path(path)
        self.what = what
        _check_file(self.path, what)
        self._lines = self._read()
        self._next: tuple[int, bytes] | None = next(self._lines, None)
        if self._next is None:
            raise _empty(self.path, what)

    def _read(self) -> Iterator[tuple[int, bytes]]:
        try:
            f = open(self.path, "rb")
        except OSError as e:
            raise InputError(f"cannot read the file ({e.strerror}); check its permissions", self.path) from None
        with f:
            for number, line in enumerate(f, start=1):
                if number == 1:
                    if line.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                        raise InputError("is UTF-16, not UTF-8; re-encode the file as UTF-8", self.path, 1)
                    line = line.removeprefix(codecs.BOM_UTF8)
                if not line.isascii():
                    try:
                        line.decode("utf-8")
                    except UnicodeDecodeError as e:
                        raise InputError(
                            f"not UTF-8 (byte 0x{line[e.start]:02x} at line {number}); re-encode the file as UTF-8",
                            self.path,
                            number,
                        ) from None
                if line.strip():
                    line = line.removesuffix(b"\n")
                    yield number, line.removesuffix(b"\r")

    def peek(self) -> tuple[int, bytes] | None:
        """The next non-blank line without consuming it, or None at the end."""
        return self._next

    def skip(self) -> None:
        """Consume the next line (a header)."""
        self._next = next(self._lines, None)

    def chunks(self, rows: int, max_bytes: int = CHUNK_BYTES) -> Iterator[tuple[list[int], list[bytes]]]:
        """(line numbers, lines) of at most ``rows`` lines and about ``max_bytes`` bytes each."""
        while self._next is not None:
            numbers: list[int] = []
            lines: list[bytes] = []
            size = 0
            while self._next is not None and len(lines) < rows and (size < max_bytes or not lines):
                number, line = self._next
                numbers.append(number)
                lines.append(line)
                size += len(line) + 1
                self._next = next(self._lines, None)
            yield numbers, lines


# --- NPY --------------------------------------------------------------------------------------------


class NpyMatrix:
    """A 2-D ``.npy`` matrix read in chunks of rows as float32; non-finite values refused with their row.

    The header is checked when opened. Each chunk re-opens the file as a memory map, copies its rows
    out and drops the map, so the resident set holds one chunk, not the pages touched so far.
    """

    def __init__(self, path: str | Path, what: str):
        self.path = Path(path)
        _check_file(self.path, what)
        if self.path.stat().st_size == 0:
            raise _empty(self.path, what)
        matrix = self._map()
        if not isinstance(matrix, np.ndarray) or matrix.ndim != 2:
            shape = getattr(matrix, "shape", None)
            raise InputError(f"expected a 2-D matrix (rows x dimensions), got shape {shape}", self.path)
        if matrix.dtype.kind not in "fiub":
            raise InputError(f"matrix has dtype {matrix.dtype}; save numbers (float32)", self.path)
        if matrix.shape[0] == 0 or matrix.shape[1] == 0:
            raise InputError(
                f"matrix has shape {matrix.shape}; expected at least one row and one column", self.path
            )
        self.shape: tuple[int, int] = (int(matrix.shape[0]), int(matrix.shape[1]))
        del matrix

    def _map(self):
        try:
            return np.load(self.path, mmap_mode="r", allow_pickle=False)
        except (ValueError, EOFError, OSError) as e:
            raise InputError(
                f"not a readable NPY matrix ({e}); the file may be truncated: save it again with numpy.save",
                self.path,
            ) from None

    def __len__(self) -> int:
        return self.shape[0]

    def read(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``lo:hi`` as a float32 copy (C order) that keeps no reference to the map."""
        matrix = self._map()
        block = np.array(matrix[lo:hi], dtype=np.float32, order="C", copy=True)
        del matrix  # unmaps the file: its touched pages leave the resident set
        bad = first_bad_row(block)
        if bad is not None:
            row = lo + bad + 1
            raise InputError(f"matrix row {row} holds NaN or infinity; vectors must be finite numbers", self.path, row)
        return block

    def chunks(self, chunk_rows: int | None = None) -> Iterator[MatrixRows]:
        """The whole matrix in chunks of ``chunk_rows`` rows; ``lines`` are 1-based row numbers."""
        rows = rows_per_chunk(chunk_rows)
        for lo in range(0, len(self), rows):
            hi = min(lo + rows, len(self))
            yield MatrixRows(self.read(lo, hi), list(range(lo + 1, hi + 1)), [])


# --- CSV ---------------------------------------------------------------------------------------------


@dataclass
class MatrixRows:
    """A chunk of a matrix file: ``values[i]`` came from ``lines[i]`` (CSV line, or NPY row), whose
    text columns are ``keys[j][i]``."""

    values: np.ndarray  # float32 (n, d)
    lines: list[int]
    keys: list[list[str]]  # one list per key column

    def __len__(self) -> int:
        return len(self.lines)

    def rows(self, lo: int, hi: int) -> MatrixRows:
        return MatrixRows(self.values[lo:hi], self.lines[lo:hi], [column[lo:hi] for column in self.keys])


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_csv_line(line: bytes, path: str | Path, number: int) -> list[str]:
    """The fields of one CSV line, stripped of surrounding spaces."""
    try:
        return [f.strip() for f in next(csv.reader([line.decode("utf-8")], strict=True))]
    except csv.Error as e:
        raise InputError(f"malformed CSV ({e}); check the quotes on this row", path, number) from None


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


def _keys(line: bytes, k: int, path: str | Path, number: int) -> list[str]:
    """The first ``k`` fields of a CSV line, cheaply (no copy of the numbers that follow)."""
    cuts = [-1]
    for _ in range(k):
        cut = line.find(b",", cuts[-1] + 1)
        cuts.append(len(line) if cut < 0 else cut)
    if line.find(b'"', 0, cuts[-1]) >= 0:
        return split_csv_line(line, path, number)[:k]
    return [line[a + 1:b].decode("utf-8").strip() for a, b in zip(cuts, cuts[1:])]


def iter_csv_matrix(
    path: str | Path,
    keys: tuple[str, ...],
    what: str,
    is_key_row: Callable[[list[str]], bool] = lambda fields: True,
    *,
    chunk_rows: int | None = None,
) -> Iterator[MatrixRows]:
    """Rows of ``len(keys)`` text columns followed by numbers, with an optional header line, in chunks.

    The first line is a header when its value columns are not all numbers or ``is_key_row`` rejects
    its key columns; a header must start with the ``keys`` names. Every row must have as many
    columns as the first.
    """
    rows = rows_per_chunk(chunk_rows)
    lines = Lines(path, what)
    k = len(keys)
    number, first = lines.peek()  # type: ignore[misc]  # Lines refuses a file without lines
    head = split_csv_line(first, path, number)
    if not (all(_is_float(f) for f in head[k:]) and is_key_row(head[:k])):
        if [f.lower() for f in head[:k]] != list(keys) or len(head) <= k:
            expected = ",".join(keys) + ("," if k else "") + "<numbers...>"
            raise InputError(
                f"first line is neither a data row nor a header {expected}; check the columns", path, number
            )
        lines.skip()
        if lines.peek() is None:
            raise InputError("has a header but no rows", path, number)
    width = len(head)
    if width <= k:
        raise InputError(f"row has no vector values after the {k} key column(s)", path, number)
    for numbers, chunk in lines.chunks(rows):
        yield _parse_csv_chunk(numbers, chunk, width, keys, path, what)


def _parse_csv_chunk(numbers: list[int], chunk: list[bytes], width: int, keys: tuple[str, ...],
                     path: str | Path, what: str) -> MatrixRows:
    k = len(keys)

    def explain(cause: Exception | None) -> InputError:
        for number, line in zip(numbers, chunk):
            explain_values(split_csv_line(line, path, number), width, k, path, number, what)
        return InputError(f"cannot parse the CSV ({cause}); check its columns", path, numbers[0])

    # pandas silently drops the fields of a row that has too many: count commas (a quoted comma
    # in a key column also counts, hence the check of each suspect row).
    for number, line in zip(numbers, chunk):
        if line.count(b",") != width - 1:
            explain_values(split_csv_line(line, path, number), width, k, path, number, what)
    try:
        frame = pd.read_csv(
            io.BytesIO(b"\n".join(chunk) + b"\n"), header=None, names=range(width), usecols=range(k, width),
            dtype=np.float32, encoding="utf-8", index_col=False,
        )
    except (ValueError, pd.errors.ParserError) as e:
        raise explain(e) from None
    values = frame.to_numpy(dtype=np.float32)
    del frame
    if len(values) != len(chunk):
        raise InputError(
            f"read {len(values)} rows from {len(chunk)} non-blank lines from line {numbers[0]} on; "
            "a quoted field may span lines",
            path,
            numbers[0],
        )
    if first_bad_row(values) is not None:
        raise explain(None)
    columns: list[list[str]] = [[] for _ in range(k)]
    if k:
        for number, line in zip(numbers, chunk):
            fields = _keys(line, k, path, number)
            if not all(fields):
                raise InputError(f"row has an empty {keys[fields.index('')]}; fill it in", path, number)
            for column, value in zip(columns, fields):
                column.append(value)
    return MatrixRows(values, numbers, columns)


# --- two chunk streams, row by row --------------------------------------------------------------------


class RowCountMismatch(Exception):
    """Two streams that must pair row by row have ``left`` and ``right`` rows.

    ``extra`` is the first right-hand chunk piece without a left-hand partner (None when the left
    stream is the longer one). Not a HyperlinkError: the caller words the message.
    """

    def __init__(self, left: int, right: int, extra: object | None):
        super().__init__(f"{left} rows against {right}")
        self.left, self.right, self.extra = left, right, extra


def zip_rows(
    left: Iterator[A],
    right: Iterator[B],
    cut_left: Callable[[A, int, int], A],
    cut_right: Callable[[B, int, int], B],
) -> Iterator[tuple[A, B]]:
    """Pieces of equal length of two chunk streams, whatever their chunk sizes (``len`` gives a
    chunk's rows, ``cut(chunk, lo, hi)`` its rows ``lo:hi``).

    When one stream ends before the other, the rest of the other is counted and
    :class:`RowCountMismatch` raised.
    """
    a = b = piece = None
    ia = ib = 0  # rows of a / b already paired
    n_left = n_right = 0
    while True:
        piece = None  # hold no chunk while the next ones are read
        if a is None or ia == len(a):
            a = None
            a, ia = next(left, None), 0
        if b is None or ib == len(b):
            b = None
            b, ib = next(right, None), 0
        if a is None or b is None:
            if a is None and b is None:
                return
            extra = None if b is None else cut_right(b, ib, len(b))
            n_left += 0 if a is None else len(a) - ia
            n_right += 0 if b is None else len(b) - ib
            n_left += sum(len(c) for c in left)
            n_right += sum(len(c) for c in right)
            raise RowCountMismatch(n_left, n_right, extra)
        m = min(len(a) - ia, len(b) - ib)
        piece = (a if ia == 0 and m == len(a) else cut_left(a, ia, ia + m),
                 b if ib == 0 and m == len(b) else cut_right(b, ib, ib + m))
        ia, ib = ia + m, ib + m
        n_left, n_right = n_left + m, n_right + m
        yield piece
