"""The extraction log: which extractor (name, version) made a video's vectors in each feature space.

Functions over a ``Store`` (reads) or a ``Writer`` (writes, inside the caller's transaction), so a
video's vectors and the record of who made them are committed together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, insert, select

from ..errors import InputError
from .records import FeatureSpace
from .schema import ExtractionRow, FeatureSpaceRow, KeyframeVectorRow, VideoRow
from .store import Store
from .writer import Writer

__all__ = ["Extraction", "extractions", "record_extraction", "forget_keyframes"]


@dataclass(frozen=True)
class Extraction:
    """``extractor`` at ``version`` gave ``items`` vectors of ``video`` in feature space ``space``."""

    video: str
    space: str
    extractor: str
    version: str
    items: int
    at: str  # ISO 8601 UTC


def extractions(store: Store, space: str | None = None) -> list[Extraction]:
    """Every recorded extraction (ordered by space, video), or those of one feature space."""
    stmt = (
        select(VideoRow.external_id, FeatureSpaceRow.name, ExtractionRow.extractor, ExtractionRow.version,
               ExtractionRow.items, ExtractionRow.at)
        .join(VideoRow, ExtractionRow.video_id == VideoRow.id)
        .join(FeatureSpaceRow, ExtractionRow.space_id == FeatureSpaceRow.id)
        .order_by(FeatureSpaceRow.name, VideoRow.external_id)
    )
    if space is not None:
        stmt = stmt.where(FeatureSpaceRow.name == space)
    with store.engine.connect() as conn:
        return [Extraction(*row) for row in conn.execute(stmt).all()]


def _video_id(tx: Writer, video: str) -> int:
    vid = tx.conn.execute(select(VideoRow.id).where(VideoRow.external_id == video)).scalar()
    if vid is None:
        raise InputError(f"unknown video {video!r}; add it to the collection first")
    return vid


def record_extraction(tx: Writer, video: str, space: FeatureSpace, extractor: str, version: str, items: int) -> None:
    """Record (replacing any earlier record) that ``extractor`` ``version`` made ``video``'s vectors in ``space``."""
    vid = _video_id(tx, video)
    tx.conn.execute(delete(ExtractionRow).where(ExtractionRow.video_id == vid, ExtractionRow.space_id == space.id))
    tx.conn.execute(
        insert(ExtractionRow.__table__).values(
            video_id=vid, space_id=space.id, extractor=extractor, version=version, items=int(items),
            at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
    )


def forget_keyframes(tx: Writer, video: str, space: FeatureSpace) -> int:
    """Delete ``video``'s keyframe vectors in ``space`` and their extraction record (to re-extract them)."""
    vid = _video_id(tx, video)
    tx.conn.execute(delete(ExtractionRow).where(ExtractionRow.video_id == vid, ExtractionRow.space_id == space.id))
    return tx.drop_vectors(
        delete(KeyframeVectorRow).where(KeyframeVectorRow.video_id == vid, KeyframeVectorRow.space_id == space.id)
    )
