"""Where each indexed segment is: the id -> (video, start, end) table kept beside the index.

Linking needs a hit's video and times, not the store's Segment rows. The table is written with the
index (streamed from the store in id order) as three files:

* ``segment_ids.npy``   int64 (n,), ascending: searched by bisection;
* ``segment_spans.npy`` (n,) records ``video`` (int32, a row of videos.json), ``start``, ``end`` (float64 s);
* ``videos.json``       the external video ids.

They are read memory-mapped, so a lookup touches a few pages, never the whole table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

from ..errors import MismatchError, StoreError
from ..types import Segment

__all__ = ["SegmentLookup", "write_segment_table", "TABLE_FILES"]

IDS_FILE, SPANS_FILE, VIDEOS_FILE = "segment_ids.npy", "segment_spans.npy", "videos.json"
TABLE_FILES = (IDS_FILE, SPANS_FILE, VIDEOS_FILE)
SPAN_DTYPE = np.dtype([("video", "<i4"), ("start", "<f8"), ("end", "<f8")])


def write_segment_table(store, folder: str | Path, chunk_rows: int | None = None) -> int:
    """Write every stored segment's span into ``folder``, a chunk at a time; returns the rows written."""
    folder = Path(folder)
    n = store.count_segments()
    videos: dict[str, int] = {}
    written = 0
    with open(folder / IDS_FILE, "wb") as ids_f, open(folder / SPANS_FILE, "wb") as spans_f:
        _header(ids_f, np.dtype("<i8"), n)
        _header(spans_f, SPAN_DTYPE, n)
        for chunk in store.iter_segment_table(chunk_rows=chunk_rows):
            rows = np.empty(len(chunk.ids), SPAN_DTYPE)
            rows["video"] = [videos.setdefault(v, len(videos)) for v in chunk.videos]
            rows["start"], rows["end"] = chunk.starts, chunk.ends
            written += len(rows)
            if written > n:
                break
            ids_f.write(np.ascontiguousarray(chunk.ids, "<i8").tobytes())
            spans_f.write(rows.tobytes())
    if written != n:
        raise StoreError(f"the store changed while the index was built ({n} segments, then {written}); run it again")
    (folder / VIDEOS_FILE).write_text(json.dumps(list(videos)) + "\n")
    return written


def _header(f, dtype: np.dtype, n: int) -> None:
    np.lib.format.write_array_header_1_0(
        f, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (n,)})


class SegmentLookup:
    """The table beside an index, memory-mapped: ids -> Segments (origin is not kept)."""

    def __init__(self, ids: np.ndarray, spans: np.ndarray, videos: list[str]):
        self.ids = ids  # int64 (n,) ascending
        self.spans = spans  # SPAN_DTYPE (n,)
        self.videos = videos

    @classmethod
    def open(cls, folder: str | Path, rebuild: str = "hyperlink index") -> "SegmentLookup":
        folder = Path(folder)
        missing = [name for name in TABLE_FILES if not (folder / name).is_file()]
        if missing:
            raise MismatchError(f"{folder}: no segment table beside the index ({', '.join(missing)} missing: "
                                f"an index written by an older version); rebuild it with `{rebuild}`")
        ids = np.load(folder / IDS_FILE, mmap_mode="r")
        spans = np.load(folder / SPANS_FILE, mmap_mode="r")
        if ids.dtype != np.dtype("<i8") or spans.dtype != SPAN_DTYPE or ids.shape != spans.shape:
            raise MismatchError(f"{folder}: the segment table is malformed; rebuild the index with `{rebuild}`")
        return cls(ids, spans, json.loads((folder / VIDEOS_FILE).read_text()))

    def __len__(self) -> int:
        return len(self.ids)

    def batch(self, ids: Iterable[int] | np.ndarray) -> "SegmentBatch":
        """The segments among ``ids`` (e.g. one query's candidates), resolved by one bisection."""
        ids = np.asarray(ids, np.int64).ravel()
        n = len(self.ids)
        if not n or not len(ids):
            return SegmentBatch(self, {})
        pos = np.minimum(np.searchsorted(self.ids, ids), n - 1)
        found = np.asarray(self.ids[pos]) == ids
        return SegmentBatch(self, dict(zip(ids[found].tolist(), pos[found].tolist())))

    def segment(self, row: int, sid: int) -> Segment:
        video, start, end = self.spans[row].tolist()
        return Segment(self.videos[video], start, end, id=sid)


class SegmentBatch(Mapping):
    """A few resolved ids as a read-only ``{id: Segment}`` for :func:`hyperlink.link.filter_targets`;
    a Segment is built only for the candidates the walk reaches."""

    def __init__(self, lookup: SegmentLookup, rows: dict[int, int]):
        self._lookup = lookup
        self._rows = rows

    def __getitem__(self, sid: int) -> Segment:
        return self._lookup.segment(self._rows[sid], sid)

    def __contains__(self, sid: object) -> bool:
        return sid in self._rows

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)
