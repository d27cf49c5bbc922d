"""The store: opening (create/upgrade), transactions, and every read the pipeline needs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url

from ..errors import StoreError
from ..types import Anchor, Cue, Judgment, Segment, Video
from .migrate import upgrade_to_head
from .records import FeatureSpace, ModelRecord, SegmentMatrix
from .schema import (
    AnchorRow,
    CueRow,
    CueVectorRow,
    FeatureSpaceRow,
    IngestRow,
    JudgmentRow,
    KeyframeVectorRow,
    ModelRow,
    SegmentRow,
    SegmentVectorRow,
    VideoRow,
)
from .vectors import from_blobs

if TYPE_CHECKING:
    from .writer import Writer

__all__ = ["Store", "database_url"]


def database_url(target: str) -> str:
    """A SQLAlchemy URL from ``--db``: a URL is kept, anything else is a SQLite file path."""
    if "://" in target:
        make_url(target)  # raises on a malformed URL
        return target
    return f"sqlite:///{Path(target).expanduser()}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Store:
    """A collection store. Open with :meth:`open`; write inside :meth:`transaction`."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, target: str | Path) -> "Store":
        """Open ``target`` (a path or a SQLAlchemy URL), creating or upgrading it to the newest schema."""
        url = database_url(str(target))
        is_sqlite = url.startswith("sqlite")
        if is_sqlite and url != "sqlite://" and ":memory:" not in url:
            path = Path(make_url(url).database or "")
            if path.parent and not path.parent.exists():
                raise StoreError(f"cannot create the store {path}: folder {path.parent} does not exist")
        engine = create_engine(url)
        if is_sqlite:
            event.listen(engine, "connect", _sqlite_pragmas)
        with engine.begin() as conn:
            upgrade_to_head(conn)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator["Writer"]:
        """All writes of one ingest: committed together, or rolled back together on any error."""
        from .writer import Writer

        with self.engine.begin() as conn:
            yield Writer(conn)

    # --- reads -----------------------------------------------------------------------------------

    def _scalar(self, stmt):
        with self.engine.connect() as conn:
            return conn.execute(stmt).scalar()

    def _rows(self, stmt):
        with self.engine.connect() as conn:
            return conn.execute(stmt).all()

    def counts(self) -> dict[str, int]:
        tables = {
            "videos": VideoRow,
            "cues": CueRow,
            "keyframes": KeyframeVectorRow,
            "segments": SegmentRow,
            "anchors": AnchorRow,
            "judgments": JudgmentRow,
            "models": ModelRow,
        }
        with self.engine.connect() as conn:
            out = {name: conn.execute(select(func.count()).select_from(t)).scalar() for name, t in tables.items()}
            out["blacklisted"] = conn.execute(
                select(func.count()).select_from(VideoRow).where(VideoRow.blacklisted.is_(True))
            ).scalar()
            out["relevant"] = conn.execute(
                select(func.count()).select_from(JudgmentRow).where(JudgmentRow.rel == 1)
            ).scalar()
        return out

    def coverage(self) -> list[dict]:
        """Per feature space: how many segments, cues and keyframes carry a vector in it."""
        n_segments = self._scalar(select(func.count()).select_from(SegmentRow)) or 0
        rows = []
        for space in self.feature_spaces():
            seg = self._scalar(select(func.count()).select_from(SegmentVectorRow).where(SegmentVectorRow.space_id == space.id))
            cue = self._scalar(select(func.count()).select_from(CueVectorRow).where(CueVectorRow.space_id == space.id))
            key = self._scalar(
                select(func.count()).select_from(KeyframeVectorRow).where(KeyframeVectorRow.space_id == space.id)
            )
            rows.append(
                {
                    "space": space.name,
                    "modality": space.modality,
                    "dim": space.dim,
                    "segments": seg,
                    "segments_total": n_segments,
                    "cues": cue,
                    "keyframes": key,
                    "extractor": space.extractor,
                }
            )
        return rows

    def feature_spaces(self) -> list[FeatureSpace]:
        rows = self._rows(select(FeatureSpaceRow).order_by(FeatureSpaceRow.name))
        return [FeatureSpace(r.id, r.name, r.modality, r.dim, r.extractor) for r in rows]

    def feature_space(self, name: str) -> FeatureSpace:
        return _named(self.feature_spaces(), name, "feature space", "none yet")

    def videos(self) -> list[Video]:
        rows = self._rows(select(VideoRow.external_id, VideoRow.duration, VideoRow.media_path, VideoRow.blacklisted)
                          .order_by(VideoRow.external_id))
        return [Video(v, d, m, bool(b)) for v, d, m, b in rows]

    def cues(self, video: str | None = None) -> tuple[np.ndarray, list[Cue]]:
        """Cue ids and cues (ordered by video, start)."""
        stmt = (
            select(CueRow.id, VideoRow.external_id, CueRow.start, CueRow.end, CueRow.text)
            .join(VideoRow, CueRow.video_id == VideoRow.id)
            .order_by(VideoRow.external_id, CueRow.start, CueRow.id)
        )
        if video is not None:
            stmt = stmt.where(VideoRow.external_id == video)
        rows = self._rows(stmt)
        return np.array([r[0] for r in rows], dtype=np.int64), [Cue(r[1], r[2], r[3], r[4]) for r in rows]

    def cue_vectors(self, space: str, video: str | None = None):
        """(video ids, starts, ends, vectors) of the cues that have a vector in ``space``."""
        fs = self.feature_space(space)
        stmt = (
            select(VideoRow.external_id, CueRow.start, CueRow.end, CueVectorRow.vector)
            .join(CueRow, CueVectorRow.cue_id == CueRow.id)
            .join(VideoRow, CueRow.video_id == VideoRow.id)
            .where(CueVectorRow.space_id == fs.id)
            .order_by(VideoRow.external_id, CueRow.start, CueRow.id)
        )
        if video is not None:
            stmt = stmt.where(VideoRow.external_id == video)
        rows = self._rows(stmt)
        return (
            [r[0] for r in rows],
            np.array([r[1] for r in rows], dtype=np.float64),
            np.array([r[2] for r in rows], dtype=np.float64),
            from_blobs([r[3] for r in rows], fs.dim),
        )

    def keyframes(self, space: str, video: str | None = None):
        """(video ids, times, vectors) of the keyframes in ``space`` (ordered by video, time)."""
        fs = self.feature_space(space)
        stmt = (
            select(VideoRow.external_id, KeyframeVectorRow.time, KeyframeVectorRow.vector)
            .join(VideoRow, KeyframeVectorRow.video_id == VideoRow.id)
            .where(KeyframeVectorRow.space_id == fs.id)
            .order_by(VideoRow.external_id, KeyframeVectorRow.time)
        )
        if video is not None:
            stmt = stmt.where(VideoRow.external_id == video)
        rows = self._rows(stmt)
        return (
            [r[0] for r in rows],
            np.array([r[1] for r in rows], dtype=np.float64),
            from_blobs([r[2] for r in rows], fs.dim),
        )

    def segment_vectors_of(self, space: str, video: str):
        """(starts, ends, vectors) of one video's segments that have a vector in ``space``."""
        fs = self.feature_space(space)
        rows = self._rows(
            select(SegmentRow.start, SegmentRow.end, SegmentVectorRow.vector)
            .join(SegmentRow, SegmentVectorRow.segment_id == SegmentRow.id)
            .join(VideoRow, SegmentRow.video_id == VideoRow.id)
            .where(SegmentVectorRow.space_id == fs.id, VideoRow.external_id == video)
            .order_by(SegmentRow.start)
        )
        return (np.array([r[0] for r in rows], np.float64), np.array([r[1] for r in rows], np.float64),
                from_blobs([r[2] for r in rows], fs.dim))

    def segments(self, origin: str | None = None, ids: list[int] | None = None) -> list[Segment]:
        """Stored segments in id order; only ``origin`` or only ``ids`` when given."""
        stmt = (
            select(SegmentRow.id, VideoRow.external_id, SegmentRow.start, SegmentRow.end, SegmentRow.origin)
            .join(VideoRow, SegmentRow.video_id == VideoRow.id)
            .order_by(SegmentRow.id)
        )
        if origin is not None:
            stmt = stmt.where(SegmentRow.origin == origin)
        if ids is not None:
            stmt = stmt.where(SegmentRow.id.in_([int(i) for i in ids]))
        return [Segment(v, s, e, id=i, origin=o) for i, v, s, e, o in self._rows(stmt)]

    def _space_vectors(self, space: FeatureSpace, index: dict[int, int], n: int, only: bool):
        out = np.zeros((n, space.dim), dtype=np.float32)
        has = np.zeros(n, dtype=bool)
        stmt = select(SegmentVectorRow.segment_id, SegmentVectorRow.vector).where(SegmentVectorRow.space_id == space.id)
        if only:
            stmt = stmt.where(SegmentVectorRow.segment_id.in_(list(index)))
        rows = self._rows(stmt)
        rows = [(index[s], v) for s, v in rows if s in index]
        if rows:
            pos = np.array([p for p, _ in rows], dtype=np.int64)
            out[pos] = from_blobs([v for _, v in rows], space.dim)
            has[pos] = True
        return out, has

    def segment_matrix(self, text_space: str | None, visual_space: str | None, origin: str | None = None,
                       ids: list[int] | None = None) -> SegmentMatrix:
        """Segments' text and visual features (zeros + ``has_*=False`` where missing): every segment,
        or those of ``origin``, or just ``ids``."""
        only = ids is not None and len(ids) < 1000  # a few chosen segments: read just their vectors
        ids = np.array([s.id for s in self.segments(origin, ids)], dtype=np.int64)
        index = {int(s): i for i, s in enumerate(ids)}
        n = len(ids)
        parts = []
        for name, modality in ((text_space, "text"), (visual_space, "visual")):
            if name is None:
                parts.append((np.zeros((n, 0), np.float32), np.zeros(n, bool)))
                continue
            space = self.feature_space(name)
            if space.modality != modality:
                raise StoreError(f"feature space {name!r} holds {space.modality} features, not {modality}")
            parts.append(self._space_vectors(space, index, n, only))
        (text, has_text), (visual, has_visual) = parts
        return SegmentMatrix(ids, text, visual, has_text, has_visual)

    def vector_state(self, spaces: list[str]) -> dict:
        """Counts and highest row ids of segments and of their vectors in ``spaces``.

        Any write of segments or vectors changes it (each vector write bumps the space's revision),
        so it fingerprints what an index was built from.
        """
        with self.engine.connect() as conn:
            state = {"segments": list(conn.execute(select(func.count(), func.max(SegmentRow.id))).one())}
            for name in spaces:
                space = self.feature_space(name)
                row = conn.execute(
                    select(func.count(), func.max(SegmentVectorRow.segment_id), func.sum(SegmentVectorRow.segment_id))
                    .where(SegmentVectorRow.space_id == space.id)
                ).one()
                revision = conn.execute(select(FeatureSpaceRow.revision).where(FeatureSpaceRow.id == space.id)).scalar()
                state[name] = [space.dim, revision, *row]
        return state

    def anchors(self) -> list[Anchor]:
        rows = self._rows(
            select(AnchorRow.external_id, VideoRow.external_id, AnchorRow.start, AnchorRow.end)
            .join(VideoRow, AnchorRow.video_id == VideoRow.id)
            .order_by(AnchorRow.id)
        )
        return [Anchor(a, v, s, e) for a, v, s, e in rows]

    def judgments(self) -> list[Judgment]:
        rows = self._rows(
            select(AnchorRow.external_id, VideoRow.external_id, JudgmentRow.start, JudgmentRow.end, JudgmentRow.rel)
            .join(AnchorRow, JudgmentRow.anchor_id == AnchorRow.id)
            .join(VideoRow, JudgmentRow.video_id == VideoRow.id)
            .order_by(JudgmentRow.id)
        )
        return [Judgment(a, v, s, e, r) for a, v, s, e, r in rows]

    def models(self) -> list[ModelRecord]:
        rows = self._rows(select(ModelRow).order_by(ModelRow.name))
        return [
            ModelRecord(m.name, m.kind, m.text_space, m.visual_space, m.path, m.checksum, json.loads(m.config), m.created_at)
            for m in rows
        ]

    def model(self, name: str) -> ModelRecord:
        return _named(self.models(), name, "model", "none yet; run `hyperlink train`")

    def ingests(self) -> list[tuple[str, str, int, str]]:
        return [tuple(r) for r in self._rows(select(IngestRow.kind, IngestRow.path, IngestRow.added, IngestRow.at).order_by(IngestRow.id))]


def _named(items, name: str, what: str, none_hint: str):
    """The item called ``name``, or a StoreError listing the names there are."""
    found = {item.name: item for item in items}
    if name not in found:
        raise StoreError(f"no {what} {name!r} in the store (have: {', '.join(found) or none_hint})")
    return found[name]
