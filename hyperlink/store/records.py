"""Plain records the store hands out (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["FeatureSpace", "SegmentMatrix", "SegmentTable", "ModelRecord", "IngestReport", "MODALITIES", "DURATION_SLACK"]

MODALITIES = ("text", "visual")
# Collection lists give durations in whole seconds: a span may end up to this much after them.
DURATION_SLACK = 1.0


@dataclass(frozen=True)
class FeatureSpace:
    id: int
    name: str
    modality: str  # 'text' | 'visual'
    dim: int
    extractor: str


@dataclass
class SegmentMatrix:
    """Features of segments in two spaces; a row of zeros where ``has_*`` is False."""

    segment_ids: np.ndarray  # int64 (n,)
    text: np.ndarray  # float32 (n, m1)
    visual: np.ndarray  # float32 (n, m2)
    has_text: np.ndarray  # bool (n,)
    has_visual: np.ndarray  # bool (n,)


@dataclass
class SegmentTable:
    """Where segments are: one row per segment, ascending id."""

    ids: np.ndarray  # int64 (n,)
    videos: list[str]  # (n,) external video ids
    starts: np.ndarray  # float64 (n,) seconds
    ends: np.ndarray  # float64 (n,) seconds


@dataclass(frozen=True)
class ModelRecord:
    name: str
    kind: str
    text_space: str | None
    visual_space: str | None
    path: str
    checksum: str
    config: dict
    created_at: str = ""


@dataclass
class IngestReport:
    """What one ingest did: rows new to the store and rows already there."""

    kind: str
    path: str
    added: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
