"""Candidate segments: windows (pure), the aggregation rule (pure), and the store glue that cuts them."""

from .aggregate import text_features, visual_features
from .cut import CutReport, cut_segments, describe_spec, span_features, videos_per_batch
from .windows import MAX_TARGET, MIN_TARGET, WindowSpec, cut_windows, snap_to_cues

__all__ = ["WindowSpec", "cut_windows", "snap_to_cues", "text_features", "visual_features",
           "cut_segments", "span_features", "CutReport", "describe_spec", "videos_per_batch",
           "MIN_TARGET", "MAX_TARGET"]
