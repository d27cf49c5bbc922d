"""Writes of feature spaces and vectors (keyframes, cues, segments), mixed into ``Writer``.

Vectors are checked against their feature space, then written as one block file per call (see
``vector_files``); the database rows only say where each vector is. Every method may be called many
times in one transaction (chunk by chunk); all of it commits or none of it does. No statement grows
with the collection: look-ups of what is already stored are limited to the chunk's own items.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import Column, Float, Integer, MetaData, Table, and_, delete, exists, insert, select

from ..errors import InputError, StoreError
from ..types import Segment
from .batching import batch_size, batched
from .records import DURATION_SLACK, MODALITIES, FeatureSpace, IngestReport
from .schema import (
    CueVectorRow,
    FeatureSpaceRow,
    KeyframeVectorRow,
    SegmentRow,
    SegmentVectorRow,
    StoreMetaRow,
    VectorBlockRow,
)
from .vector_files import VectorFiles
from .vectors import check_matrix

__all__ = ["VectorWrites"]

_LOCATORS = (SegmentVectorRow, CueVectorRow, KeyframeVectorRow)
_SEGMENT_MARK = "segment_id_high_water"  # store_meta key: the highest segment id ever given


class VectorWrites:
    """Needs ``self.conn``, ``self.files`` and the Writer's ``_locate_video`` / ``_check_within``."""

    files: VectorFiles

    def _init_vectors(self, files: VectorFiles) -> None:
        self.files = files
        self._written: list[tuple[str, Path]] = []  # (final name, temporary path) of this transaction
        self._doomed: list[str] = []  # final names of blocks dropped by this transaction
        self._dropped = False  # did this transaction delete any vector? (only then can a block be unused)
        self._key_tables: dict[str, Table] = {}  # temporary key tables by column shape

    # --- the transaction's files ---------------------------------------------------------------

    def drop_vectors(self, statement) -> int:
        """Run a DELETE of vector rows; their blocks are checked for other users before the commit."""
        self._dropped = True
        return self.conn.execute(statement).rowcount or 0

    def before_commit(self) -> None:
        """Drop blocks that no vector refers to any more (their files go after the commit). Only a
        transaction that deleted vectors can leave such blocks, so the others skip the look-up."""
        if not self._dropped:
            return
        unused = select(VectorBlockRow.id, VectorBlockRow.file).where(
            *[~exists().where(t.block_id == VectorBlockRow.id) for t in _LOCATORS]
        )
        rows = self.conn.execute(unused).all()
        for part in batched([r[0] for r in rows], batch_size(self.conn)):
            self.conn.execute(delete(VectorBlockRow).where(VectorBlockRow.id.in_(part)))
        self._doomed += [r[1] for r in rows]

    def after_commit(self) -> None:
        doomed = set(self._doomed)
        for name, temp in self._written:
            if name in doomed:
                self.files.discard([temp])
            else:
                self.files.publish(name, temp)
        self.files.discard(self.files.final_path(n) for n in doomed)
        self._written, self._doomed = [], []

    def after_rollback(self) -> None:
        self.files.discard(temp for _, temp in self._written)
        self._written, self._doomed = [], []

    def _write_block(self, space: FeatureSpace, kind: str, matrix: np.ndarray) -> int:
        name = self.files.new_name(space.id, kind)
        temp, digest = self.files.write_temp(name, matrix)
        self._written.append((name, temp))
        result = self.conn.execute(insert(VectorBlockRow.__table__).values(
            space_id=space.id, kind=kind, file=name, rows=int(len(matrix)), dim=int(space.dim), sha256=digest))
        return int(result.inserted_primary_key[0])

    # --- helpers -------------------------------------------------------------------------------

    def _bulk_insert(self, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """executemany of plain tuples: the hot path, skipping per-row parameter processing.

        The statement is compiled once for the connection's dialect, so any backend works.
        """
        if not rows:
            return
        table = getattr(table, "__table__", table)  # an ORM class or a plain (temporary) Table
        if self.conn.dialect.name == "postgresql" and self.conn.dialect.driver == "psycopg":
            self._copy(table.name, columns, rows)
            return
        compiled = insert(table).compile(dialect=self.conn.dialect, column_keys=list(columns))
        order = compiled.positiontup
        if order is None:  # named paramstyle
            self.conn.exec_driver_sql(compiled.string, [dict(zip(columns, r)) for r in rows])
            return
        if list(order) != list(columns):
            index = [columns.index(name) for name in order]
            rows = [tuple(r[i] for i in index) for r in rows]
        self.conn.exec_driver_sql(compiled.string, rows)

    def _copy(self, name: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """PostgreSQL's bulk path: one ``COPY ... FROM STDIN`` in the open transaction (psycopg 3)."""
        quoted = ", ".join(f'"{c}"' for c in columns)
        cursor = self.conn.connection.dbapi_connection.cursor()
        try:
            with cursor.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()

    def _in(self, stmt, column, values) -> list:
        """Rows of ``stmt`` with ``column IN values``, in batches the driver accepts."""
        out: list = []
        for part in batched(list(values), batch_size(self.conn)):
            out += self.conn.execute(stmt.where(column.in_(part))).all()
        return out

    def _with_keys(self, stmt, columns: tuple, keys: list[tuple]) -> list:
        """Rows of ``stmt`` whose ``columns`` equal one of ``keys`` (tuples of ints and floats).

        The keys go into a temporary table that ``stmt`` is joined with: one statement of fixed size
        whatever the number of keys, and one index seek per key (SQLite scans the whole table for a
        row-value ``(a, b) IN (...)`` list, and long ``OR`` chains cost more to build than to run).
        """
        if not keys:
            return []
        table = self._fill_keys(keys)
        match = and_(*[c == table.c[f"k{i}"] for i, c in enumerate(columns)])
        rows = self.conn.execute(stmt.join_from(columns[0].table, table, match)).all()
        self.conn.execute(delete(table))
        return rows

    def _fill_keys(self, keys: list[tuple]) -> Table:
        """The temporary key table of this shape, holding exactly ``keys``."""
        table = self._key_table(tuple(type(v) for v in keys[0]))
        self.conn.execute(delete(table))
        self._bulk_insert(table, tuple(f"k{i}" for i in range(len(keys[0]))), keys)
        return table

    def _key_table(self, types: tuple[type, ...]) -> Table:
        """A session-private temporary table with one column per key part (created once per shape)."""
        shape = "".join("i" if t is int else "f" for t in types)
        cache = self._key_tables
        if shape not in cache:
            table = Table(f"hyperlink_keys_{shape}", MetaData(),
                          *[Column(f"k{i}", Integer if c == "i" else Float) for i, c in enumerate(shape)],
                          prefixes=["TEMPORARY"])
            table.create(self.conn, checkfirst=True)
            cache[shape] = table
        return cache[shape]

    def ensure_space(self, name: str, modality: str, dim: int, extractor: str = "") -> FeatureSpace:
        """The feature space ``name``, created if new; an existing one must agree on modality and dim."""
        if modality not in MODALITIES:
            raise InputError(f"unknown modality {modality!r}; choose one of {', '.join(MODALITIES)}")
        row = self.conn.execute(select(FeatureSpaceRow).where(FeatureSpaceRow.name == name)).first()
        if row is not None:
            if row.modality != modality or row.dim != dim:
                raise StoreError(
                    f"feature space {name!r} already holds {row.dim}-d {row.modality} vectors; "
                    f"these are {dim}-d {modality}: use another --space name"
                )
            return FeatureSpace(row.id, row.name, row.modality, row.dim, row.extractor)
        result = self.conn.execute(
            insert(FeatureSpaceRow.__table__).values(name=name, modality=modality, dim=int(dim), extractor=extractor)
        )
        return FeatureSpace(result.inserted_primary_key[0], name, modality, int(dim), extractor)

    def _vectors(self, matrix, space: FeatureSpace, path: str, lines: list[int] | None) -> np.ndarray:
        try:
            return check_matrix(matrix, space.dim, f"{space.name} vectors")
        except ValueError as exc:
            msg = str(exc)
            if msg.startswith("row ") and lines:
                row = int(msg.split(":")[0][4:])
                raise InputError(msg.split(": ", 1)[1], path, lines[row]) from None
            raise InputError(msg, path) from None

    # --- keyframes -----------------------------------------------------------------------------

    def add_keyframes(self, path: str, lines: list[int], videos: list[str], times: np.ndarray,
                      vectors: np.ndarray, space: FeatureSpace) -> IngestReport:
        """Keyframe vectors of a file (or one chunk of it); (video, time) pairs already stored are skipped."""
        report = IngestReport(f"keyframes:{space.name}", path)
        vectors = self._vectors(vectors, space, path, lines)
        located = [self._locate_video((path, lines[i]), v) for i, v in enumerate(videos)]
        # only this chunk's own (video, time) pairs are looked up: the statement and the set stay chunk-sized
        # (the row value matches the unique index (video_id, space_id, time), so each look-up is a seek)
        wanted = sorted({(vid, space.id, float(t)) for (vid, _), t in zip(located, np.asarray(times).tolist())})
        existing: set[tuple[int, float]] = set(
            tuple(r) for r in self._with_keys(
                select(KeyframeVectorRow.video_id, KeyframeVectorRow.time),
                (KeyframeVectorRow.video_id, KeyframeVectorRow.space_id, KeyframeVectorRow.time), wanted)
        )
        keep, rows = [], []
        for i, ((vid, duration), t) in enumerate(zip(located, np.asarray(times).tolist())):
            if t < 0 or t > duration + DURATION_SLACK:
                raise InputError(f"keyframe time {t:g} s is outside video {videos[i]!r} (0-{duration:g} s)", path, lines[i])
            if (vid, t) in existing:
                report.skipped += 1
                continue
            existing.add((vid, t))
            keep.append(i)
            rows.append((vid, t))
        if keep:
            block = self._write_block(space, "keyframe", vectors[keep])
            self._bulk_insert(KeyframeVectorRow, ("video_id", "space_id", "time", "block_id", "row"),
                              [(v, space.id, t, block, r) for r, (v, t) in enumerate(rows)])
        report.added = len(rows)
        return report

    # --- cues ----------------------------------------------------------------------------------

    def clear_cue_vectors(self, space: FeatureSpace) -> None:
        """Forget every cue vector of ``space`` (their files go when the transaction commits)."""
        self.drop_vectors(delete(CueVectorRow).where(CueVectorRow.space_id == space.id))

    def add_cue_vectors(self, space: FeatureSpace, cue_ids: np.ndarray, matrix: np.ndarray) -> int:
        """Vectors of ``space`` for cues that have none in it yet (a chunk of an encode-text run)."""
        matrix = check_matrix(matrix, space.dim, f"{space.name} cue vectors")
        ids = np.asarray(cue_ids, dtype=np.int64)
        if len(ids) != len(matrix):
            raise StoreError(f"{len(ids)} cue ids for {len(matrix)} vectors")
        if not len(ids):
            return 0
        block = self._write_block(space, "cue", matrix)
        self._bulk_insert(CueVectorRow, ("cue_id", "space_id", "block_id", "row"),
                          [(c, space.id, block, r) for r, c in enumerate(ids.tolist())])
        return len(ids)

    def set_cue_vectors(self, space: FeatureSpace, cue_ids: np.ndarray, matrix: np.ndarray) -> int:
        """Replace every vector of ``space`` by these cues' (small data; stream with clear + add)."""
        self.clear_cue_vectors(space)
        return self.add_cue_vectors(space, cue_ids, matrix)

    # --- segments ------------------------------------------------------------------------------

    def add_segments(self, segments: list[Segment], path: str | None = None,
                     lines: list[int] | None = None) -> tuple[np.ndarray, int]:
        """Store ``segments`` (skipping spans already there); returns every segment's id and the count added."""
        ids = np.zeros(len(segments), dtype=np.int64)
        latest: dict[str, float] = {}  # per video, the latest end: one check per video, not per segment
        for seg in segments:
            if seg.end > latest.get(seg.video, -1.0):
                latest[seg.video] = seg.end
        known = self._video_map()
        video_ids = {}
        for video, end in latest.items():
            found = known.get(video)
            if found is None or end > found[1] + DURATION_SLACK:  # name the first offending line
                for i, seg in enumerate(segments):
                    if seg.video == video:
                        where = (path, lines[i] if lines else None)
                        vid, duration = self._locate_video(where, seg.video)
                        self._check_within(where, seg.video, seg.end, duration, "segment")
            video_ids[video] = found[0]
        # only these spans are looked up (chunk-sized, whatever the store holds), and only in videos that
        # have segments already: a fresh ingest looks nothing up
        occupied = {r[0] for r in self._in(select(SegmentRow.video_id).distinct(), SegmentRow.video_id,
                                            sorted(set(video_ids.values())))}
        keys = sorted({(video_ids[seg.video], seg.start, seg.end) for seg in segments
                       if video_ids[seg.video] in occupied})
        existing = {
            (v, s, e): i for v, s, e, i in self._with_keys(
                select(SegmentRow.video_id, SegmentRow.start, SegmentRow.end, SegmentRow.id),
                (SegmentRow.video_id, SegmentRow.start, SegmentRow.end), keys)
        }
        # ids are never reused (an index or a run may still name a deleted segment): past the high-water mark
        top = self.conn.execute(select(SegmentRow.id).order_by(SegmentRow.id.desc()).limit(1)).scalar() or 0
        mark = self.conn.execute(select(StoreMetaRow.value).where(StoreMetaRow.key == _SEGMENT_MARK)).scalar()
        next_id = max(int(top), int(mark or 0)) + 1
        new = []
        for i, seg in enumerate(segments):
            key = (video_ids[seg.video], seg.start, seg.end)
            if key in existing:
                ids[i] = existing[key]
                continue
            existing[key] = ids[i] = next_id
            new.append((next_id, key[0], seg.start, seg.end, seg.origin))
            next_id += 1
        self._bulk_insert(SegmentRow, ("id", "video_id", "start", "end", "origin"), new)
        if new:
            self.conn.execute(delete(StoreMetaRow).where(StoreMetaRow.key == _SEGMENT_MARK))
            self.conn.execute(insert(StoreMetaRow.__table__).values(key=_SEGMENT_MARK, value=str(next_id - 1)))
        return ids, len(new)

    def delete_segments(self, origin: str) -> int:
        """Remove every segment of ``origin`` with its vectors (their files go when the transaction commits)."""
        ids = select(SegmentRow.id).where(SegmentRow.origin == origin)
        self.drop_vectors(delete(SegmentVectorRow).where(SegmentVectorRow.segment_id.in_(ids)))
        removed = self.conn.execute(delete(SegmentRow).where(SegmentRow.origin == origin)).rowcount or 0
        self.conn.execute(FeatureSpaceRow.__table__.update().values(revision=FeatureSpaceRow.revision + 1))
        return int(removed)

    def set_window_spec(self, spec: dict, origin: str = "window") -> None:
        """Record the spec ``origin`` windows were cut with (see ``Store.window_spec``)."""
        import json

        key = f"window_spec:{origin}"
        self.conn.execute(delete(StoreMetaRow).where(StoreMetaRow.key == key))
        self.conn.execute(insert(StoreMetaRow.__table__).values(key=key, value=json.dumps(spec, sort_keys=True)))

    @staticmethod
    def _line(lines: list[int] | None, i: int) -> int:
        return lines[i] if lines else i + 1

    def _check_repeats(self, ids: np.ndarray, matrix: np.ndarray, has: np.ndarray, first: np.ndarray,
                       where: str, lines: list[int] | None) -> None:
        """A segment listed twice in one chunk must carry the same vector (or be missing) both times."""
        if len(first) == len(ids):
            return
        firsts = dict(zip(ids[first].tolist(), first.tolist()))
        for i in np.setdiff1d(np.arange(len(ids)), first).tolist():  # the repeats, in file order
            j = firsts[int(ids[i])]
            if has[i] and has[j] and not np.array_equal(matrix[i], matrix[j]):
                raise InputError(
                    f"this row repeats the segment of row {self._line(lines, j)} with a different vector; "
                    "a segment has one vector per feature space: remove one of the two rows", where,
                    self._line(lines, i))

    def _stored_rows(self, space: FeatureSpace, unique: list[tuple[int]]) -> list:
        """(segment id, block file, block rows, row) of the segments of ``unique`` with a vector in ``space``."""
        have = select(SegmentVectorRow.segment_id, VectorBlockRow.file, VectorBlockRow.rows, SegmentVectorRow.row)
        have = have.join_from(SegmentVectorRow, VectorBlockRow, VectorBlockRow.id == SegmentVectorRow.block_id)
        have = have.where(SegmentVectorRow.space_id == space.id)
        lo, hi = unique[0][0], unique[-1][0]
        if hi - lo < 2 * len(unique):  # dense ids (a fresh chunk): one range scan, no key table
            return self.conn.execute(have.where(SegmentVectorRow.segment_id.between(lo, hi))).all()
        return self._with_keys(have, (SegmentVectorRow.segment_id,), unique)

    def _first_difference(self, space: FeatureSpace, done: list, ids: np.ndarray, matrix: np.ndarray,
                          has: np.ndarray) -> tuple[int, str] | None:
        """(position in ``ids``, block file) of the first new vector that differs from the stored one.

        The stored vectors are read block by block (bounded memory), from the temporary file for
        blocks of this transaction.
        """
        position = {int(s): i for i, s in enumerate(ids.tolist()) if has[i]}
        temps = {name: temp for name, temp in self._written}
        by_file: dict[str, list[tuple[int, int, int]]] = {}
        for segment_id, file, rows, row in done:
            if int(segment_id) in position:
                by_file.setdefault(file, []).append((position[int(segment_id)], int(row), int(rows)))
        for file, items in by_file.items():
            got = np.empty((len(items), space.dim), dtype=np.float32)
            at = np.array(items, dtype=np.int64)
            self.files.gather(file, int(at[0, 2]), space.dim, at[:, 1], got, np.arange(len(items)), temps.get(file))
            differ = np.flatnonzero(~(got == matrix[at[:, 0]]).all(axis=1))
            if len(differ):
                return int(at[differ[0], 0]), file
        return None

    def _check_stored(self, space: FeatureSpace, done: list, ids: np.ndarray, matrix: np.ndarray, has: np.ndarray,
                      where: str, lines: list[int] | None) -> None:
        """Segments that already have a vector in ``space`` keep it; a different new one is refused.

        A re-ingest of the same file is thus a no-op, and a repeat across chunks or an edited file
        cannot be dropped silently.
        """
        found = self._first_difference(space, done, ids, matrix, has)
        if found is not None:
            i, file = found
            earlier = "a row earlier in this file" if file in dict(self._written) else "an earlier ingest"
            raise InputError(
                f"this segment already has a different {space.name!r} vector (from {earlier}); a segment has one "
                "vector per feature space: remove the repeated row, or ingest into a new --space name",
                where, self._line(lines, i))

    def set_segment_vectors(self, space: FeatureSpace, segment_ids: np.ndarray, matrix: np.ndarray,
                            has: np.ndarray | None = None, replace: bool = False,
                            path: str | None = None, lines: list[int] | None = None) -> int:
        """Vectors of ``space`` for segments; rows with ``has[i] == False`` are the modality missing.

        Without ``replace``, segments that already have a vector in ``space`` keep it.
        """
        matrix = self._vectors(matrix, space, path or space.name, lines)
        keep = np.ones(len(segment_ids), dtype=bool) if has is None else np.asarray(has, dtype=bool).copy()
        ids = np.asarray(segment_ids, dtype=np.int64)
        if len(ids) != len(matrix):
            raise StoreError(f"{len(ids)} segment ids for {len(matrix)} vectors")
        unique = [(i,) for i in sorted(set(ids.tolist()))]
        where = path or space.name
        _, first = np.unique(ids, return_index=True)  # a span listed twice gets one vector ...
        once = np.zeros(len(ids), dtype=bool)
        once[first] = True
        self._check_repeats(ids, matrix, keep, first, where, lines)  # ... the same one each time
        done = self._stored_rows(space, unique) if unique else []
        if replace and unique:
            wanted = keep & once
            if sorted(int(d[0]) for d in done) == sorted(ids[wanted].tolist()) and \
                    self._first_difference(space, done, ids, matrix, wanted) is None:
                return int(wanted.sum())  # the very vectors stored already: change nothing, not even the revision
            keys = self._fill_keys(unique)
            self.drop_vectors(delete(SegmentVectorRow).where(SegmentVectorRow.space_id == space.id,
                                                             SegmentVectorRow.segment_id.in_(select(keys.c.k0))))
            self.conn.execute(delete(keys))
        elif done:
            self._check_stored(space, done, ids, matrix, keep & once, where, lines)
            keep &= ~np.isin(ids, np.array([d[0] for d in done], dtype=np.int64))
        keep &= once
        idx = np.flatnonzero(keep)
        if len(idx) or (replace and done):  # the space's revision (the store's fingerprint) moves only on change
            self.conn.execute(
                FeatureSpaceRow.__table__.update().where(FeatureSpaceRow.id == space.id)
                .values(revision=FeatureSpaceRow.revision + 1)
            )
        if len(idx):
            kept = matrix if len(idx) == len(matrix) else matrix[idx]  # no copy when every row is kept
            block = self._write_block(space, "segment", kept)
            self._bulk_insert(SegmentVectorRow, ("segment_id", "space_id", "block_id", "row"),
                              [(s, space.id, block, r) for r, s in enumerate(ids[idx].tolist())])
        return len(idx)
