"""Per-keyframe feature vectors: (video, time, vector) rows.

Formats, chosen by extension:

* ``.npy`` -- an (n, d) matrix plus an index CSV whose row i (``video,time``, header optional)
  describes matrix row i. ``index`` defaults to the file beside the matrix with a ``.csv`` extension;
* ``.csv`` -- rows ``video,time,v1,...,vd`` (header optional; if present it starts ``video,time``);
* ``.parquet`` -- columns ``video``, ``time`` and either a list column ``vector`` or d numeric
  columns (all other columns, in order). Needs pyarrow (``hyperlink[parquet]``).

Times are seconds or HH:MM:SS. ``lines`` are the CSV lines (of the index, for NPY) or Parquet rows,
1-based. Vectors must be finite and all of one length (``dim``, when given).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, MissingDependency
from ._common import csv_rows, dispatch, header_index, read_text, time_of
from ._matrix import first_bad_row, load_npy, read_csv_matrix

__all__ = ["KeyframeTable", "read_keyframes"]

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

    def __len__(self) -> int:
        return len(self.videos)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])


def read_keyframes(path: str | Path, index: str | Path | None = None, *, dim: int | None = None) -> KeyframeTable:
    """Read keyframe vectors (format by extension); ``dim`` checks the vector length if given."""
    table = dispatch(path, _READERS, "keyframe file")(Path(path), index)
    if index is not None and Path(path).suffix.lower() != ".npy":
        table.warnings.append(f"{path}: the index {index} is only used with an .npy matrix; ignored")
    if dim is not None and table.dim != dim:
        raise InputError(f"vectors have {table.dim} values; expected {dim}", path, table.lines[0])
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


def _read_npy(path: Path, index: str | Path | None) -> KeyframeTable:
    index = Path(index) if index is not None else path.with_suffix(".csv")
    if not index.exists():
        raise InputError(f"an .npy matrix needs an index CSV (video,time per row); {index} does not exist", path)
    matrix = load_npy(path, "keyframe matrix")
    rows = list(csv_rows(read_text(index, "keyframe index"), index))
    if rows and not _is_time(rows[0][1]):
        cols = header_index(rows[0][1], _INDEX_COLUMNS, set(), index, rows[0][0])
        rows = rows[1:]
    else:
        cols = {"video": 0, "time": 1}
    if len(rows) != len(matrix):
        where = rows[len(matrix)][0] if len(rows) > len(matrix) else None
        raise InputError(
            f"index lists {len(rows)} keyframes but {path.name} has {len(matrix)} rows; "
            "row i of the index must describe row i of the matrix",
            index,
            where,
        )
    width = max(cols.values()) + 1
    for line, fields in rows:
        if len(fields) < width or not fields[cols["video"]]:
            raise InputError("row needs a video id and a time; it may be cut short", index, line)
    lines = [line for line, _ in rows]
    videos = [fields[cols["video"]] for _, fields in rows]
    times = parse_times([fields[cols["time"]] for _, fields in rows], lines, index)
    return KeyframeTable(str(path), videos, times, matrix, lines)


def _read_csv(path: Path, index: str | Path | None) -> KeyframeTable:
    (videos, times), matrix, lines = read_csv_matrix(path, ("video", "time"), "keyframe", _is_time)
    return KeyframeTable(str(path), videos, parse_times(times, lines, path), matrix, lines)


def _read_parquet(path: Path, index: str | Path | None) -> KeyframeTable:
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependency("reading Parquet needs pyarrow; pip install 'hyperlink[parquet]'") from None
    if not path.exists():
        raise InputError("no such file; check the path of the keyframe file", path)
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as e:
        raise InputError(f"not a readable Parquet file ({e}); the file may be truncated", path) from None
    names = table.column_names
    for needed in ("video", "time"):
        if needed not in names:
            raise InputError(f"no {needed!r} column (found: {', '.join(names)})", path)
    if table.num_rows == 0:
        raise InputError("file has no rows; expected one row per keyframe", path)
    lines = list(range(1, table.num_rows + 1))
    videos = table.column("video").to_pylist()
    for i, v in enumerate(videos):
        if not isinstance(v, str) or not v:
            raise InputError(f"video {v!r} must be a non-empty string", path, i + 1)
    time_col = table.column("time")
    if pa.types.is_string(time_col.type) or pa.types.is_large_string(time_col.type):
        times = parse_times([str(t) for t in time_col.to_pylist()], lines, path)
    else:
        times = parse_times(time_col.to_numpy(zero_copy_only=False).astype(str).tolist(), lines, path)
    if "vector" in names:
        column = table.column("vector").combine_chunks()
        if not (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)
                or pa.types.is_fixed_size_list(column.type)):
            raise InputError(f"column 'vector' has type {column.type}; store a list of floats per row", path)
        lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(lengths != lengths[0])
        if len(bad) or lengths[0] == 0:
            i = int(bad[0]) if len(bad) else 0
            raise InputError(
                f"vector has {lengths[i]} values; the first row has {lengths[0]}; every vector needs the same length",
                path,
                i + 1,
            )
        flat = pc.list_flatten(column).cast(pa.float32()).to_numpy(zero_copy_only=False)
        matrix = flat.astype(np.float32).reshape(len(lengths), int(lengths[0]))
    else:
        value_names = [n for n in names if n not in ("video", "time")]
        if not value_names:
            raise InputError("no vector columns: add a list column 'vector' or numeric columns", path)
        parts = []
        for n in value_names:
            col = table.column(n)
            if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)):
                raise InputError(f"column {n!r} has type {col.type}; vector columns must be numeric", path)
            parts.append(col.cast(pa.float32()).to_numpy(zero_copy_only=False))
        matrix = np.column_stack(parts).astype(np.float32)
    row = first_bad_row(matrix)
    if row is not None:
        raise InputError("vector holds NaN, infinity or a missing value; vectors must be finite", path, row + 1)
    return KeyframeTable(str(path), videos, times, matrix, lines)


_READERS = {".npy": _read_npy, ".csv": _read_csv, ".parquet": _read_parquet}
