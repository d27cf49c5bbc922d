"""The store's tables (SQLAlchemy 2 ORM). Only hyperlink.store touches SQL.

Vectors live in ``.npy`` block files beside the database (``vector_files``); a vector row holds
where its vector is: ``(block_id, row)``. Times are seconds (REAL).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "VideoRow",
    "CueRow",
    "FeatureSpaceRow",
    "CueVectorRow",
    "KeyframeVectorRow",
    "SegmentRow",
    "SegmentVectorRow",
    "AnchorRow",
    "JudgmentRow",
    "ModelRow",
    "IngestRow",
    "ExtractionRow",
    "VectorBlockRow",
    "StoreMetaRow",
]


class Base(DeclarativeBase):
    pass


class VideoRow(Base):
    __tablename__ = "videos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String, unique=True, nullable=False)
    duration: Mapped[float] = mapped_column(Float, nullable=False)
    media_path: Mapped[str | None] = mapped_column(String, nullable=True)
    blacklisted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    meta: Mapped[str | None] = mapped_column("metadata", Text, nullable=True)  # JSON object
    __table_args__ = (CheckConstraint("duration >= 0", name="ck_videos_duration"),)


class CueRow(Base):
    __tablename__ = "cues"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), nullable=False)
    start: Mapped[float] = mapped_column(Float, nullable=False)
    end: Mapped[float] = mapped_column(Float, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    __table_args__ = (
        UniqueConstraint("video_id", "start", "end", "text", name="uq_cues_span_text"),
        CheckConstraint("\"end\" > start", name="ck_cues_span"),
    )


class FeatureSpaceRow(Base):
    __tablename__ = "feature_spaces"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True, nullable=False)
    modality: Mapped[str] = mapped_column(String, nullable=False)  # 'text' | 'visual'
    dim: Mapped[int] = mapped_column(Integer, nullable=False)
    extractor: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Bumped by every write of this space's segment vectors: indexes record it to detect staleness.
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    __table_args__ = (
        CheckConstraint("modality IN ('text', 'visual')", name="ck_feature_spaces_modality"),
        CheckConstraint("dim > 0", name="ck_feature_spaces_dim"),
    )


class VectorBlockRow(Base):
    """One ``.npy`` file of vectors (``rows`` x ``dim`` float32) in the store's vectors folder."""

    __tablename__ = "vector_blocks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("feature_spaces.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String, nullable=False)  # 'segment' | 'keyframe' | 'cue'
    file: Mapped[str] = mapped_column(String, unique=True, nullable=False)  # relative to the vectors folder
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    dim: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String, nullable=False)  # of the float32 data
    __table_args__ = (CheckConstraint("kind IN ('segment', 'keyframe', 'cue')", name="ck_vector_blocks_kind"),)


class StoreMetaRow(Base):
    """Small facts about the store as a whole (e.g. the window spec the stored windows were cut with)."""

    __tablename__ = "store_meta"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)  # JSON


class CueVectorRow(Base):
    __tablename__ = "cue_vectors"
    cue_id: Mapped[int] = mapped_column(ForeignKey("cues.id", ondelete="CASCADE"), primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("feature_spaces.id", ondelete="CASCADE"), primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("vector_blocks.id"), nullable=False)
    row: Mapped[int] = mapped_column(Integer, nullable=False)
    __table_args__ = (Index("ix_cue_vectors_block", "block_id"),)


class KeyframeVectorRow(Base):
    __tablename__ = "keyframe_vectors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), nullable=False)
    space_id: Mapped[int] = mapped_column(ForeignKey("feature_spaces.id", ondelete="CASCADE"), nullable=False)
    time: Mapped[float] = mapped_column(Float, nullable=False)
    block_id: Mapped[int] = mapped_column(ForeignKey("vector_blocks.id"), nullable=False)
    row: Mapped[int] = mapped_column(Integer, nullable=False)
    __table_args__ = (
        UniqueConstraint("video_id", "space_id", "time", name="uq_keyframes_time"),
        Index("ix_keyframe_vectors_block", "block_id"),
    )


class SegmentRow(Base):
    __tablename__ = "segments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), nullable=False)
    start: Mapped[float] = mapped_column(Float, nullable=False)
    end: Mapped[float] = mapped_column(Float, nullable=False)
    origin: Mapped[str] = mapped_column(String, nullable=False)  # 'window' | 'imported' | ...
    __table_args__ = (
        UniqueConstraint("video_id", "start", "end", name="uq_segments_span"),
        Index("ix_segments_origin", "origin"),
        CheckConstraint("\"end\" > start", name="ck_segments_span"),
    )


class SegmentVectorRow(Base):
    __tablename__ = "segment_vectors"
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("feature_spaces.id", ondelete="CASCADE"), primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("vector_blocks.id"), nullable=False)
    row: Mapped[int] = mapped_column(Integer, nullable=False)
    __table_args__ = (Index("ix_segment_vectors_block", "block_id"), Index("ix_segment_vectors_space", "space_id", "segment_id"))


class AnchorRow(Base):
    __tablename__ = "anchors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String, unique=True, nullable=False)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), nullable=False)
    start: Mapped[float] = mapped_column(Float, nullable=False)
    end: Mapped[float] = mapped_column(Float, nullable=False)
    __table_args__ = (CheckConstraint("\"end\" > start", name="ck_anchors_span"),)


class JudgmentRow(Base):
    __tablename__ = "judgments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    anchor_id: Mapped[int] = mapped_column(ForeignKey("anchors.id", ondelete="CASCADE"), nullable=False)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), nullable=False)
    start: Mapped[float] = mapped_column(Float, nullable=False)
    end: Mapped[float] = mapped_column(Float, nullable=False)
    rel: Mapped[int] = mapped_column(Integer, nullable=False)
    __table_args__ = (
        UniqueConstraint("anchor_id", "video_id", "start", "end", name="uq_judgments_span"),
        CheckConstraint("rel IN (0, 1)", name="ck_judgments_rel"),
        Index("ix_judgments_anchor", "anchor_id"),
    )


class ModelRow(Base):
    __tablename__ = "models"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String, nullable=False)
    text_space: Mapped[str | None] = mapped_column(String, nullable=True)
    visual_space: Mapped[str | None] = mapped_column(String, nullable=True)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    checksum: Mapped[str] = mapped_column(String, nullable=False)  # sha256 of the checkpoint file
    config: Mapped[str] = mapped_column(Text, nullable=False)  # JSON
    created_at: Mapped[str] = mapped_column(String, nullable=False)  # ISO 8601 UTC


class IngestRow(Base):
    """One row per ingested file: what, when, how many rows were new."""

    __tablename__ = "ingests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String, nullable=False)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String, nullable=False)
    added: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[str] = mapped_column(String, nullable=False)


class ExtractionRow(Base):
    """Which extractor (name, version) made a video's vectors in a feature space, and when.

    One row per (video, space): re-running an ingest skips videos already done by the same version
    and refuses, until forced, to mix versions in one space.
    """

    __tablename__ = "extractions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), nullable=False)
    space_id: Mapped[int] = mapped_column(ForeignKey("feature_spaces.id", ondelete="CASCADE"), nullable=False)
    extractor: Mapped[str] = mapped_column(String, nullable=False)
    version: Mapped[str] = mapped_column(String, nullable=False)
    items: Mapped[int] = mapped_column(Integer, nullable=False)  # keyframes or cues given a vector
    at: Mapped[str] = mapped_column(String, nullable=False)  # ISO 8601 UTC
    __table_args__ = (UniqueConstraint("video_id", "space_id", name="uq_extractions_video_space"),)
