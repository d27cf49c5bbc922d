"""The rule that gives any span its features (the documented aggregation rule).

  * text   = mean of the vectors of the cues that overlap the span, each weighted by the seconds
             of overlap (a cue merely touching the span does not count);
  * visual = mean of the vectors of the keyframes with start <= time <= end.
No cue (or no keyframe) in the span means the modality is missing for that span.
"""

from __future__ import annotations

import numpy as np

__all__ = ["text_features", "visual_features"]


def text_features(spans: np.ndarray, cue_starts: np.ndarray, cue_ends: np.ndarray,
                  cue_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overlap-weighted mean of cue vectors per span -> (vectors (k, d) float32, has (k,) bool).

    >>> v, has = text_features(np.array([[0., 10.], [20., 30.]]), np.array([0., 5.]), np.array([5., 15.]),
    ...                        np.array([[1., 0.], [0., 1.]], np.float32))
    >>> v.tolist(), has.tolist()
    ([[0.5, 0.5], [0.0, 0.0]], [True, False])
    """
    k, d = len(spans), cue_vectors.shape[1]
    if k == 0 or len(cue_starts) == 0:
        return np.zeros((k, d), np.float32), np.zeros(k, bool)
    # (k, c) seconds of overlap between span k and cue c
    overlap = np.minimum(spans[:, 1:2], cue_ends[None, :]) - np.maximum(spans[:, 0:1], cue_starts[None, :])
    weights = np.clip(overlap, 0.0, None)
    total = weights.sum(axis=1)
    has = total > 0
    out = np.zeros((k, d), np.float32)
    out[has] = (weights[has] @ cue_vectors.astype(np.float64)) / total[has, None]
    return out, has


def visual_features(spans: np.ndarray, times: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the keyframe vectors with start <= time <= end -> (vectors (k, d) float32, has (k,) bool).

    ``times`` must be sorted. Uses prefix sums, so cost is O(keyframes + spans).

    >>> v, has = visual_features(np.array([[0., 10.], [11., 12.]]), np.array([0., 5., 10.]),
    ...                          np.array([[1.], [2.], [6.]], np.float32))
    >>> v.tolist(), has.tolist()
    ([[3.0], [0.0]], [True, False])
    """
    k, d = len(spans), vectors.shape[1]
    if k == 0 or len(times) == 0:
        return np.zeros((k, d), np.float32), np.zeros(k, bool)
    prefix = np.vstack([np.zeros((1, d)), np.cumsum(vectors.astype(np.float64), axis=0)])
    lo = np.searchsorted(times, spans[:, 0], side="left")
    hi = np.searchsorted(times, spans[:, 1], side="right")
    count = hi - lo
    has = count > 0
    out = np.zeros((k, d), np.float32)
    out[has] = (prefix[hi[has]] - prefix[lo[has]]) / count[has, None]
    return out, has
