"""Per-keyframe feature vectors: (video, time, vector) rows.

Formats, chosen by extension:

* ``.npy`` -- an (n, d) matrix plus an index CSV whose row i (``video,time``, header optional)
  describes matrix row i. ``index`` defaults to the file beside the matrix with a ``.csv`` extension;
* ``.csv`` -- rows ``video,time,v1,...,vd`` (header optional; if present it starts ``video,time``);
* ``.parquet`` -- columns ``video``, ``time`` and either a list column ``vector`` or d numeric
  columns (all other columns, in order). Needs pyarrow (``hyperlink[parquet]``).

Times are seconds or HH:MM:SS. ``lines`` are the CSV lines (of the index, for NPY) or Parquet rows,
1-based. Vectors must be finite and all of one length (``dim``, when given).

:func:`iter_keyframes` reads a file in chunks of ``settings.chunk_rows()`` rows (memory grows with
the chunk, not the file); :func:`read_keyframes` gathers them, for small files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from ..errors import InputError, MissingDependency
from ..files import input_file
from ._common import dispatch, header_index, time_of
from ._matrix import Lines, NpyMatrix, first_bad_row, iter_csv_matrix, rows_per_chunk, split_csv_line

__all__ = ["KeyframeTable", "iter_keyframes", "read_keyframes"]

_INDEX_COLUMNS = {"video": ("video", "video_id", "id"), "time": ("time", "timestamp", "t")}


@dataclass
class KeyframeTable:
    """Keyframe vectors of a file; row i is ``videos[i]`` at ``times[i]`` seconds."""

    path: str
    videos: list[str]
    times: np.ndarray  # float64 (n,) seconds
    vectors: np.ndarray  # float32 (n, d)
    lines: list[int]  # 1-based line (CSV, NPY index) or row (Parquet) of each keyframe
    warnings: list[str] = field(default_factory=list)
    line_file: str = ""  # the file ``lines`` number: the index CSV of an .npy matrix, else ``path``

    def __len__(self) -> int:
        return len(self.videos)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def where(self) -> str:
        """The file to name with a line of ``lines``."""
        return self.line_file or self.path


def iter_keyframes(path: str | Path, index: str | Path | None = None, *, dim: int | None = None,
                   chunk_rows: int | None = None) -> Iterator[KeyframeTable]:
    """Keyframe vectors in chunks of at most ``chunk_rows`` rows (default ``settings.chunk_rows()``).

    Format by extension; ``dim`` checks the vector length if given. Warnings about the whole file
    come with the first chunk.
    """
    path = Path(path)
    read = dispatch(path, _READERS, "keyframe file")
    rows = rows_per_chunk(chunk_rows)
    first = True
    for table in read(path, index, rows):
        if first:
            if dim is not None and table.dim != dim:
                raise InputError(f"vectors have {table.dim} values; expected {dim}", path,
                                 None if table.line_file else table.lines[0])
            if index is not None and path.suffix.lower() != ".npy":
                table.warnings.insert(0, f"{path}: the index {index} is only used with an .npy matrix; ignored")
            first = False
        yield table


def read_keyframes(path: str | Path, index: str | Path | None = None, *, dim: int | None = None) -> KeyframeTable:
    """The whole file as one table (for small files; the store loads with :func:`iter_keyframes`)."""
    tables = list(iter_keyframes(path, index, dim=dim))
    table = tables[0]
    if len(tables) > 1:
        table = KeyframeTable(
            table.path,
            [v for t in tables for v in t.videos],
            np.concatenate([t.times for t in tables]),
            np.concatenate([t.vectors for t in tables]),
            [line for t in tables for line in t.lines],
            table.warnings,
            table.line_file,
        )
    keys = pd.Series(table.videos).str.cat(pd.Series(table.times).astype(str), sep="\t")
    repeats = int(keys.duplicated().sum())
    if repeats:
        table.warnings.append(f"{path}: {repeats} keyframe(s) repeat an earlier (video, time); all are kept")
    return table


def parse_times(values: list[str], lines: list[int], path: str | Path) -> np.ndarray:
    """Seconds or HH:MM:SS strings to float64, vectorised for the common all-seconds case."""
    times = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=np.float64, copy=True)
    for i in np.flatnonzero(~(np.isfinite(times) & (times >= 0))):
        times[i] = time_of(values[i], path, lines[i], "time")
    return times


def _is_time(fields: list[str]) -> bool:
    try:
        time_of(fields[1], "", 0, "time")
    except (InputError, IndexError):
        return False
    return True


def _read_npy(path: Path, index: str | Path | None, rows: int) -> Iterator[KeyframeTable]:
    index = Path(index) if index is not None else path.with_suffix(".csv")
    if not index.exists():
        raise InputError(f"an .npy matrix needs an index CSV (video,time per row); {index} does not exist", path)
    matrix = NpyMatrix(path, "keyframe matrix")
    lines = Lines(index, "keyframe index")
    number, first = lines.peek()  # type: ignore[misc]  # Lines refuses a file without lines
    head = split_csv_line(first, index, number)
    if _is_time(head):
        cols = {"video": 0, "time": 1}
    else:
        cols = header_index(head, _INDEX_COLUMNS, set(), index, number)
        lines.skip()
    width = max(cols.values()) + 1

    def mismatch(listed: int, where: int | None) -> InputError:
        return InputError(
            f"index lists {listed} keyframes but {path.name} has {len(matrix)} rows; "
            "row i of the index must describe row i of the matrix",
            index,
            where,
        )

    done = 0
    for numbers, chunk in lines.chunks(rows):
        if done + len(chunk) > len(matrix):
            rest = sum(len(c) for _, c in lines.chunks(rows))
            raise mismatch(done + len(chunk) + rest, numbers[len(matrix) - done])
        videos, times = [], []
        for number, line in zip(numbers, chunk):
            fields = split_csv_line(line, index, number)
            if len(fields) < width or not fields[cols["video"]]:
                raise InputError("row needs a video id and a time; it may be cut short", index, number)
            videos.append(fields[cols["video"]])
            times.append(fields[cols["time"]])
        vectors = matrix.read(done, done + len(chunk))
        yield KeyframeTable(str(path), videos, parse_times(times, numbers, index), vectors, numbers,
                            line_file=str(index))
        done += len(chunk)
    if done < len(matrix):
        raise mismatch(done, None)


def _read_csv(path: Path, index: str | Path | None, rows: int) -> Iterator[KeyframeTable]:
    for chunk in iter_csv_matrix(path, ("video", "time"), "keyframe", _is_time, chunk_rows=rows):
        videos, times = chunk.keys
        yield KeyframeTable(str(path), videos, parse_times(times, chunk.lines, path), chunk.values, chunk.lines)


def _read_parquet(path: Path, index: str | Path | None, rows: int) -> Iterator[KeyframeTable]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependency("reading Parquet needs pyarrow; pip install 'hyperlink[parquet]'") from None
    input_file(path, "keyframe file")

    def unreadable(e: Exception) -> InputError:
        return InputError(f"not a readable Parquet file ({e}); the file may be truncated", path)

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as e:
        raise unreadable(e) from None
    schema = parquet.schema_arrow
    names = schema.names
    for needed in ("video", "time"):
        if needed not in names:
            raise InputError(f"no {needed!r} column (found: {', '.join(names)})", path)
    if parquet.metadata.num_rows == 0:
        raise InputError("file has no rows; expected one row per keyframe", path)
    if "vector" in names:
        kind = schema.field("vector").type
        if not (pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)):
            raise InputError(f"column 'vector' has type {kind}; store a list of floats per row", path)
        value_names = ["vector"]
    else:
        value_names = [n for n in names if n not in ("video", "time")]
        if not value_names:
            raise InputError("no vector columns: add a list column 'vector' or numeric columns", path)
        for n in value_names:
            kind = schema.field(n).type
            if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)):
                raise InputError(f"column {n!r} has type {kind}; vector columns must be numeric", path)
    batches = parquet.iter_batches(batch_size=rows, columns=["video", "time", *value_names])
    done, width = 0, None
    while True:
        try:
            batch = next(batches, None)
        except (pa.ArrowException, OSError) as e:
            raise unreadable(e) from None
        if batch is None:
            return
        table = _parquet_chunk(path, batch, done, width, value_names)
        width = table.dim
        done += len(table)
        yield table


def _parquet_chunk(path: Path, batch, done: int, width: int | None, value_names: list[str]) -> KeyframeTable:
    """One record batch (rows ``done + 1`` on) as a table; ``width`` is the first batch's vector length."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lines = list(range(done + 1, done + batch.num_rows + 1))
    videos = batch.column("video").to_pylist()
    for i, v in enumerate(videos):
        if not isinstance(v, str) or not v:
            raise InputError(f"video {v!r} must be a non-empty string", path, lines[i])
    time_col = batch.column("time")
    if pa.types.is_string(time_col.type) or pa.types.is_large_string(time_col.type):
        times = parse_times([str(t) for t in time_col.to_pylist()], lines, path)
    else:
        times = parse_times(time_col.to_numpy(zero_copy_only=False).astype(str).tolist(), lines, path)
    if value_names == ["vector"]:
        column = batch.column("vector")
        lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy(zero_copy_only=False)
        first = int(lengths[0]) if width is None else width
        bad = np.flatnonzero(lengths != first)
        if len(bad) or first == 0:
            i = int(bad[0]) if len(bad) else 0
            raise InputError(
                f"vector has {lengths[i]} values; the first row has {first}; every vector needs the same length",
                path,
                lines[i],
            )
        flat = pc.list_flatten(column).cast(pa.float32()).to_numpy(zero_copy_only=False)
        matrix = flat.astype(np.float32).reshape(len(lengths), first)
    else:
        parts = [batch.column(n).cast(pa.float32()).to_numpy(zero_copy_only=False) for n in value_names]
        matrix = np.column_stack(parts).astype(np.float32)
    row = first_bad_row(matrix)
    if row is not None:
        raise InputError("vector holds NaN, infinity or a missing value; vectors must be finite", path, lines[row])
    return KeyframeTable(str(path), videos, times, matrix, lines)


_READERS = {".npy": _read_npy, ".csv": _read_csv, ".parquet": _read_parquet}
