"""Candidate target segments: windows over a video, optionally snapped to cue boundaries.

Windows: per video, spans of ``length`` seconds every ``stride`` seconds; the last window is
shifted back to end at the video's end so no content is left uncovered. Targets must last
10-120 s (the official run rules), so ``length`` is checked against that range. With ``snap``,
each boundary moves to the nearest transcript cue boundary within ``stride / 2``, so segments
do not cut sentences, while staying within 10-120 s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..types import MAX_TARGET, MIN_TARGET

__all__ = ["MIN_TARGET", "MAX_TARGET", "WindowSpec", "cut_windows", "snap_to_cues"]



@dataclass(frozen=True)
class WindowSpec:
    """How candidate targets are cut."""

    length: float = 60.0  # seconds per window, within 10-120
    stride: float = 30.0  # seconds between window starts (< length overlaps them)
    snap: bool = False  # move boundaries to the nearest cue boundary

    def __post_init__(self) -> None:
        if not MIN_TARGET <= self.length <= MAX_TARGET:
            raise ValueError(f"window length must be within {MIN_TARGET:g}-{MAX_TARGET:g} s, got {self.length:g}")
        if not 0 < self.stride <= self.length:
            raise ValueError(f"stride must be > 0 and <= the window length ({self.length:g} s), got {self.stride:g}")


def cut_windows(duration: float, spec: WindowSpec) -> np.ndarray:
    """Window spans (k, 2) for a video of ``duration`` seconds; none for a video shorter than 10 s.

    >>> cut_windows(100, WindowSpec(60, 30)).tolist()
    [[0.0, 60.0], [30.0, 90.0], [40.0, 100.0]]
    >>> cut_windows(25, WindowSpec(60, 30)).tolist()
    [[0.0, 25.0]]
    """
    if duration < MIN_TARGET:
        return np.zeros((0, 2))
    if duration <= spec.length:
        return np.array([[0.0, float(duration)]])
    starts = np.arange(0.0, duration - spec.length, spec.stride)
    starts = np.append(starts, duration - spec.length)  # last window ends exactly at the end
    starts = np.unique(np.round(starts, 3))
    return np.stack([starts, starts + spec.length], axis=1)


def snap_to_cues(spans: np.ndarray, cue_starts: np.ndarray, cue_ends: np.ndarray, tolerance: float) -> np.ndarray:
    """Move each start to the nearest cue start and each end to the nearest cue end within ``tolerance``.

    A move that would take the span outside 10-120 s is not made.

    >>> snap_to_cues(np.array([[0., 60.]]), np.array([2., 30.]), np.array([29., 58.]), 5).tolist()
    [[2.0, 58.0]]
    """
    out = spans.astype(float).copy()
    if len(cue_starts) == 0:
        return out
    for k, (s, e) in enumerate(out):
        i = int(np.argmin(np.abs(cue_starts - s)))
        j = int(np.argmin(np.abs(cue_ends - e)))
        ns = cue_starts[i] if abs(cue_starts[i] - s) <= tolerance else s
        ne = cue_ends[j] if abs(cue_ends[j] - e) <= tolerance else e
        if MIN_TARGET <= ne - ns <= MAX_TARGET:
            out[k] = (ns, ne)
        elif MIN_TARGET <= e - ns <= MAX_TARGET:
            out[k] = (ns, e)
        elif MIN_TARGET <= ne - s <= MAX_TARGET:
            out[k] = (s, ne)
    return out
