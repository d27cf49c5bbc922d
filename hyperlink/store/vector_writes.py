"""Writes of feature spaces and vectors (keyframes, cues, segments), mixed into ``Writer``.

Vectors are checked against their feature space before insertion; the hot paths insert plain
tuples through one compiled statement per table.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import delete, insert, select

from ..errors import InputError, StoreError
from ..types import Segment
from .records import DURATION_SLACK, MODALITIES, FeatureSpace, IngestReport
from .schema import CueVectorRow, FeatureSpaceRow, KeyframeVectorRow, SegmentRow, SegmentVectorRow
from .vectors import check_matrix, to_blobs

__all__ = ["VectorWrites"]


class VectorWrites:
    """Needs ``self.conn`` and the Writer's ``_locate_video`` / ``_check_within``."""

    def _bulk_insert(self, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """executemany of plain tuples: the hot path for vectors, skipping per-row parameter processing.

        The statement is compiled once for the connection's dialect, so any backend works.
        """
        if not rows:
            return
        compiled = insert(table.__table__).compile(dialect=self.conn.dialect, column_keys=list(columns))
        order = compiled.positiontup
        if order is None:  # named paramstyle
            self.conn.exec_driver_sql(compiled.string, [dict(zip(columns, r)) for r in rows])
            return
        if list(order) != list(columns):
            index = [columns.index(name) for name in order]
            rows = [tuple(r[i] for i in index) for r in rows]
        self.conn.exec_driver_sql(compiled.string, rows)

    def ensure_space(self, name: str, modality: str, dim: int, extractor: str = "") -> FeatureSpace:
        """The feature space ``name``, created if new; an existing one must agree on modality and dim."""
        if modality not in MODALITIES:
            raise StoreError(f"modality must be one of {', '.join(MODALITIES)}, got {modality!r}")
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

    def add_keyframes(self, path: str, lines: list[int], videos: list[str], times: np.ndarray,
                      vectors: np.ndarray, space: FeatureSpace) -> IngestReport:
        report = IngestReport(f"keyframes:{space.name}", path)
        vectors = self._vectors(vectors, space, path, lines)
        existing: set[tuple[int, float]] = set(
            tuple(r)
            for r in self.conn.execute(
                select(KeyframeVectorRow.video_id, KeyframeVectorRow.time).where(KeyframeVectorRow.space_id == space.id)
            ).all()
        )
        keep, rows = [], []
        for i, (video, t) in enumerate(zip(videos, times.tolist())):
            vid, duration = self._locate_video((path, lines[i]), video)
            if t < 0 or t > duration + DURATION_SLACK:
                raise InputError(f"keyframe time {t:g} s is outside video {video!r} (0-{duration:g} s)", path, lines[i])
            if (vid, t) in existing:
                report.skipped += 1
                continue
            existing.add((vid, t))
            keep.append(i)
            rows.append((vid, t))
        blobs = to_blobs(vectors[keep]) if keep else []
        self._bulk_insert(KeyframeVectorRow, ("video_id", "space_id", "time", "vector"),
                          [(v, space.id, t, b) for (v, t), b in zip(rows, blobs)])
        report.added = len(rows)
        return report

    def set_cue_vectors(self, space: FeatureSpace, cue_ids: np.ndarray, matrix: np.ndarray) -> int:
        """Replace the vectors of ``space`` for these cues."""
        matrix = check_matrix(matrix, space.dim, f"{space.name} cue vectors")
        self.conn.execute(delete(CueVectorRow).where(CueVectorRow.space_id == space.id))
        self._bulk_insert(CueVectorRow, ("cue_id", "space_id", "vector"),
                          [(c, space.id, b) for c, b in zip(cue_ids.tolist(), to_blobs(matrix))])
        return len(cue_ids)

    def add_segments(self, segments: list[Segment], path: str | None = None,
                     lines: list[int] | None = None) -> tuple[np.ndarray, int]:
        """Store ``segments`` (skipping spans already there); returns every segment's id and the count added."""
        ids = np.zeros(len(segments), dtype=np.int64)
        video_ids = {}
        for i, seg in enumerate(segments):
            where = (path, lines[i] if lines else None)
            vid, duration = self._locate_video(where, seg.video)
            self._check_within(where, seg.video, seg.end, duration, "segment")
            video_ids[seg.video] = vid
        existing = {}
        if video_ids:
            rows = self.conn.execute(
                select(SegmentRow.video_id, SegmentRow.start, SegmentRow.end, SegmentRow.id).where(
                    SegmentRow.video_id.in_(list(video_ids.values()))
                )
            ).all()
            existing = {(v, s, e): i for v, s, e, i in rows}
        next_id = (self.conn.execute(select(SegmentRow.id).order_by(SegmentRow.id.desc()).limit(1)).scalar() or 0) + 1
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
        return ids, len(new)

    def set_segment_vectors(self, space: FeatureSpace, segment_ids: np.ndarray, matrix: np.ndarray,
                            has: np.ndarray | None = None, replace: bool = False,
                            path: str | None = None, lines: list[int] | None = None) -> int:
        """Vectors of ``space`` for segments; rows with ``has[i] == False`` are the modality missing."""
        matrix = self._vectors(matrix, space, path or space.name, lines)
        keep = np.ones(len(segment_ids), dtype=bool) if has is None else np.asarray(has, dtype=bool).copy()
        ids = np.asarray(segment_ids, dtype=np.int64)
        if replace:
            self.conn.execute(
                delete(SegmentVectorRow).where(
                    SegmentVectorRow.space_id == space.id, SegmentVectorRow.segment_id.in_(ids.tolist())
                )
            )
        else:
            done = set(
                self.conn.execute(
                    select(SegmentVectorRow.segment_id).where(SegmentVectorRow.space_id == space.id)
                ).scalars()
            )
            if done:
                keep &= ~np.isin(ids, np.fromiter(done, dtype=np.int64))
        _, first = np.unique(ids, return_index=True)  # a span listed twice gets one vector
        once = np.zeros(len(ids), dtype=bool)
        once[first] = True
        keep &= once
        idx = np.flatnonzero(keep)
        blobs = to_blobs(matrix[idx]) if len(idx) else []
        self.conn.execute(
            FeatureSpaceRow.__table__.update().where(FeatureSpaceRow.id == space.id)
            .values(revision=FeatureSpaceRow.revision + 1)
        )
        self._bulk_insert(SegmentVectorRow, ("segment_id", "space_id", "vector"),
                          [(s, space.id, b) for s, b in zip(ids[idx].tolist(), blobs)])
        return len(idx)

