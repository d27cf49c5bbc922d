"""Training data as a source of rows: in memory, or in an on-disk feature cache read chunk by chunk.

A :class:`Pairs` holds ``n`` rows of two modalities, ``a (n, m1)`` and ``b (n, m2)`` float32, with
masks ``has_a``/``has_b (n,)`` (kept in memory: one byte a row). It gives its rows in chunks in row
order (statistics, fingerprints) and by index (minibatches). Rows come out checked: float32,
C order, an absent modality's row zeroed, every value finite.

    pairs = ArrayPairs(a, b, has_a, has_b)                  # matrices in memory, read where they lie
    pairs = DiskPairs.write(folder, chunks)                 # (a, b, has_a, has_b) chunks -> two files
    for chunk in pairs.chunks(): ...                        # Chunk(start, a, b, has_a, has_b)
    a, b = pairs.rows(np.array([3, 17, 40]))                # any index array, or a slice

A disk source reads its files with plain reads into fresh arrays, never a memory map: the pages of
a mapped file count in the process's resident memory while mapped, and a random gather faults in
their neighbours too, so a map of a big cache grows RSS towards the file's size. Memory follows the
chunk, not the collection.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import InputError, MismatchError
from ..settings import chunk_rows as default_chunk_rows

__all__ = ["Pairs", "Chunk", "ArrayPairs", "DiskPairs", "as_pairs", "checked", "check_shapes"]

Index = np.ndarray | slice
RowMap = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class Chunk(NamedTuple):
    """Rows ``start .. start + len(a)`` of a source."""

    start: int
    a: np.ndarray  # (k, m1) float32
    b: np.ndarray  # (k, m2) float32
    has_a: np.ndarray  # (k,) bool
    has_b: np.ndarray  # (k,) bool


class Pairs(ABC):
    """``n`` rows of two modalities; subclasses implement :meth:`rows`."""

    in_memory: bool = False  # rows already in RAM (training may gather them all at once, as before)

    def __init__(self, has_a: np.ndarray, has_b: np.ndarray, dims: tuple[int, int], chunk_rows: int | None = None):
        self.has_a = np.asarray(has_a, dtype=bool).reshape(-1)  # (n,)
        self.has_b = np.asarray(has_b, dtype=bool).reshape(-1)  # (n,)
        self.dims = (int(dims[0]), int(dims[1]))  # (m1, m2)
        self.chunk_rows = chunk_rows  # None: settings.chunk_rows() at each use

    @property
    def n(self) -> int:
        return len(self.has_a)

    @abstractmethod
    def rows(self, index: Index) -> tuple[np.ndarray, np.ndarray]:
        """Checked ``(a (k, m1), b (k, m2))`` of rows ``index`` (in the index's order)."""

    def chunk_size(self) -> int:
        return self.chunk_rows or default_chunk_rows()

    def chunks(self) -> Iterator[Chunk]:
        """Every row once, in order, :meth:`chunk_size` rows at a time."""
        size = self.chunk_size()
        for start in range(0, self.n, size):
            part = slice(start, min(start + size, self.n))
            yield Chunk(start, *self.rows(part), self.has_a[part], self.has_b[part])

    def subset(self, index: np.ndarray) -> Pairs:
        """The rows ``index`` (ascending) as a source of their own."""
        return _Subset(self, index)

    def map(self, fn: RowMap) -> Pairs:
        """This source with ``fn(a, b, has_a, has_b) -> (a, b)`` applied to every row read (a per-row map)."""
        return _Mapped(self, fn)


class ArrayPairs(Pairs):
    """Matrices already in memory, read where they lie (each read is a checked copy of its rows)."""

    in_memory = True

    def __init__(self, a, b, has_a, has_b, *, chunk_rows: int | None = None):
        a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
        has_a, has_b = np.asarray(has_a, dtype=bool).reshape(-1), np.asarray(has_b, dtype=bool).reshape(-1)
        check_shapes(a, b, has_a, has_b)
        super().__init__(has_a, has_b, (a.shape[1], b.shape[1]), chunk_rows)
        self.a, self.b = a, b

    def rows(self, index: Index) -> tuple[np.ndarray, np.ndarray]:
        fresh = not isinstance(index, slice)  # fancy indexing has copied already
        return checked(self.a[index], self.b[index], self.has_a[index], self.has_b[index],
                       _row_numbers(index, self.n), copy=not fresh)


class DiskPairs(Pairs):
    """A feature cache: ``a.f32`` (n, m1) and ``b.f32`` (n, m2), raw float32 rows in C order, checked
    when written; the masks live in memory. Written chunk by chunk with :meth:`write`."""

    def __init__(self, folder: str | Path, has_a, has_b, dims: tuple[int, int], *, chunk_rows: int | None = None):
        super().__init__(has_a, has_b, dims, chunk_rows)
        self.folder = Path(folder)
        self.paths = (self.folder / "a.f32", self.folder / "b.f32")
        for path, m in zip(self.paths, self.dims):
            expected = self.n * m * 4
            if not path.is_file() or path.stat().st_size != expected:
                raise InputError(f"feature cache file is missing or not {self.n} x {m} float32 ({expected} bytes)", path)

    @classmethod
    def write(cls, folder: str | Path, chunks: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], *,
              dims: tuple[int, int] | None = None, chunk_rows: int | None = None) -> DiskPairs:
        """Write ``(a, b, has_a, has_b)`` chunks, in row order, into ``folder`` (created); the cache.

        Each chunk is checked as it arrives (widths, finite values; absent rows zeroed), so a bad
        row is reported by its number in the whole stream.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        masks_a: list[np.ndarray] = []
        masks_b: list[np.ndarray] = []
        n = 0
        with open(folder / "a.f32", "wb") as file_a, open(folder / "b.f32", "wb") as file_b:
            for a, b, has_a, has_b in chunks:
                a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
                has_a, has_b = np.asarray(has_a, dtype=bool).reshape(-1), np.asarray(has_b, dtype=bool).reshape(-1)
                check_shapes(a, b, has_a, has_b)
                if dims is None:
                    dims = (a.shape[1], b.shape[1])
                elif (a.shape[1], b.shape[1]) != tuple(dims):
                    raise MismatchError(f"chunk at row {n} has widths {(a.shape[1], b.shape[1])}, expected {tuple(dims)}")
                a, b = checked(a, b, has_a, has_b, np.arange(n, n + len(a)))
                a.tofile(file_a)
                b.tofile(file_b)
                masks_a.append(has_a)
                masks_b.append(has_b)
                n += len(a)
        has_a, has_b = (np.concatenate(masks) if masks else np.zeros(0, bool) for masks in (masks_a, masks_b))
        return cls(folder, has_a, has_b, dims or (0, 0), chunk_rows=chunk_rows)

    def rows(self, index: Index) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.n)
            if step == 1:  # a run of rows: plain file reads, nothing mapped
                return tuple(self._read(path, m, start, max(stop - start, 0)) for path, m in zip(self.paths, self.dims))
            index = np.arange(start, stop, step)
        index = np.asarray(index, dtype=np.int64)
        return tuple(self._gather(path, m, index) for path, m in zip(self.paths, self.dims))

    def _read(self, path: Path, m: int, start: int, count: int) -> np.ndarray:
        if not count or not m:
            return np.zeros((count, m), np.float32)
        return np.fromfile(path, dtype=np.float32, count=count * m, offset=start * m * 4).reshape(count, m)

    def _gather(self, path: Path, m: int, index: np.ndarray) -> np.ndarray:
        out = np.zeros((len(index), m), np.float32)
        if not len(index) or not m:
            return out
        if index.min() < 0 or index.max() >= self.n:
            raise IndexError(f"rows {index.min()}..{index.max()} outside the cache's {self.n}")
        size = m * 4  # bytes a row
        starts = np.flatnonzero(np.diff(index, prepend=index[0] - 2) != 1)  # runs of consecutive rows, one read each
        ends = np.append(starts[1:], len(index))
        buffer = memoryview(out).cast("B")
        with open(path, "rb", buffering=0) as file:
            for first, last in zip(starts.tolist(), ends.tolist()):
                file.seek(int(index[first]) * size)
                want = (last - first) * size
                if file.readinto(buffer[first * size:last * size]) != want:
                    raise InputError(f"feature cache file ended before row {int(index[last - 1])}", path)
        return out


class _Subset(Pairs):
    def __init__(self, base: Pairs, index: np.ndarray):
        index = np.asarray(index, dtype=np.int64)
        super().__init__(base.has_a[index], base.has_b[index], base.dims, base.chunk_rows)
        self.base, self.index = base, index
        self.in_memory = base.in_memory

    def rows(self, index: Index) -> tuple[np.ndarray, np.ndarray]:
        return self.base.rows(self.index[index])


class _Mapped(Pairs):
    def __init__(self, base: Pairs, fn: RowMap):
        super().__init__(base.has_a, base.has_b, base.dims, base.chunk_rows)
        self.base, self.fn = base, fn
        self.in_memory = base.in_memory

    def rows(self, index: Index) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.base.rows(index)
        return self.fn(a, b, self.has_a[index], self.has_b[index])


def as_pairs(a, b=None, has_a=None, has_b=None) -> Pairs:
    """A :class:`Pairs` as is, or four arrays wrapped as :class:`ArrayPairs`."""
    if isinstance(a, Pairs):
        if not (b is None and has_a is None and has_b is None):
            raise InputError("give either a Pairs source or the four arrays (a, b, has_a, has_b), not both")
        return a
    if b is None or has_a is None or has_b is None:
        raise InputError("give a, b, has_a and has_b (or one Pairs source)")
    return ArrayPairs(a, b, has_a, has_b)


def checked(a: np.ndarray, b: np.ndarray, has_a: np.ndarray, has_b: np.ndarray,
            row_numbers: np.ndarray | None = None, *, copy: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Float32 C-order copies of ``a``, ``b`` with absent rows zeroed; non-finite values are refused,
    naming the row (``row_numbers`` gives each row's number in the whole data). ``copy=False``: the
    caller owns ``a`` and ``b`` (fresh arrays), which may then be changed in place."""
    if copy:
        a = np.array(a, dtype=np.float32, copy=True, order="C")
        b = np.array(b, dtype=np.float32, copy=True, order="C")
    else:
        a, b = np.ascontiguousarray(a, dtype=np.float32), np.ascontiguousarray(b, dtype=np.float32)
    a[~has_a] = 0.0
    b[~has_b] = 0.0
    for name, x in (("a", a), ("b", b)):
        bad = ~np.isfinite(x).all(axis=1)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            row = first if row_numbers is None else int(row_numbers[first])
            raise InputError(f"{name} has non-finite values in row {row}")
    return a, b


def check_shapes(a: np.ndarray, b: np.ndarray, has_a: np.ndarray, has_b: np.ndarray) -> None:
    if a.ndim != 2 or b.ndim != 2:
        raise InputError(f"a and b must be matrices, got shapes {a.shape} and {b.shape}")
    n = a.shape[0]
    if b.shape[0] != n or len(has_a) != n or len(has_b) != n:
        raise InputError(f"row counts differ: a {a.shape[0]}, b {b.shape[0]}, has_a {len(has_a)}, has_b {len(has_b)}")


def _row_numbers(index: Index, n: int) -> np.ndarray:
    return np.arange(*index.indices(n)) if isinstance(index, slice) else np.asarray(index)
