"""MAiSP: mean average interpolated segment precision (Racca & Jones), as the official tool computes it.

A user watches the ranking from the top. Precision is measured in seconds at recall points
spread over the relevant seconds; the user who meets relevant content consumes it to the end of
the relevant segment, and content consumed once is not relevant again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

__all__ = ["MaispResult", "recall_points", "segment_precision", "mean_isp_curve"]

Span = tuple[int, int]
_EPSILON = 1  # seconds removed around consumed content, as in the official code


@dataclass(frozen=True)
class MaispResult:
    """Per-anchor MAiSP state after the whole ranking; ``isp[i]`` belongs to ``recall_points[i + 1]``."""

    rel_secs: int
    ret_secs: int
    rel_ret_secs: int
    recall_points: tuple[int, ...]
    sp: tuple[float, ...]
    isp: tuple[float, ...]

    @property
    def iasp(self) -> float:
        """iAsp = (1 + Σ isp) / |recall points|, recall point 0 counting precision 1; 0 if no point is reached."""
        return (1.0 + sum(self.isp)) / len(self.recall_points) if self.isp else 0.0

    def isp_at(self, index: int) -> float:
        """``isp[index]`` (0 if that recall point was never reached); ``maisp_0.05`` is ``isp_at(5)``."""
        return self.isp[index] if index < len(self.isp) else 0.0

    def curve(self, levels: np.ndarray) -> np.ndarray:
        """Interpolated segment precision at recall ``levels`` in [0, 1]: the best precision at or beyond each.

        Recall of a point is ``point / rel_secs`` (capped at 1); unreached levels score 0.
        """
        levels = np.asarray(levels, dtype=float)
        if not self.isp or self.rel_secs <= 0:
            return np.zeros_like(levels)
        recall = np.minimum(np.asarray(self.recall_points[1 : len(self.isp) + 1], float) / self.rel_secs, 1.0)
        recall = np.concatenate([[0.0], recall])
        precision = np.concatenate([[1.0], self.isp])
        # isp is already a suffix maximum, so the first reached point at or beyond a level holds its value.
        idx = np.searchsorted(recall, levels, side="left")
        return np.where(idx < len(recall), precision[np.minimum(idx, len(recall) - 1)], 0.0)


def recall_points(rel_secs: int) -> list[int]:
    """Recall points in seconds: about 100 evenly spaced, or one per second when ``rel_secs <= 100``.

    The step is ``floor(rel_secs/100)`` (``ceil`` when ``rel_secs % 100 > 50``) and the last point is
    raised by ``rel_secs % 100`` -- the official rule, even where that passes ``rel_secs``.

    >>> recall_points(3), recall_points(250)[-3:], len(recall_points(3497)), recall_points(3497)[-1]
    ([0, 1, 2, 3], [244, 246, 298], 100, 3562)
    """
    if rel_secs > 100:
        remainder = rel_secs % 100
        step = math.floor(rel_secs / 100) if remainder <= 50 else math.ceil(rel_secs / 100)
        points = list(range(0, rel_secs, step))
        points[-1] += remainder
        return points
    return list(range(0, rel_secs)) + [rel_secs]


def _closed_overlap(a: Span, b: Span) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _subtract(rel: Span, consumed: Span) -> list[Span]:
    """What is left of ``rel`` after ``consumed`` (a part of it ending where it ends), ε = 1 s."""
    left = (rel[0], consumed[0] - _EPSILON)
    return [left] if rel[0] < consumed[0] and left[1] - left[0] >= 0.01 else []


def segment_precision(targets: Iterable[tuple[str, int, int]], relevant: Mapping[str, Sequence[Span]]) -> MaispResult:
    """Walk the ranked ``(video, start, end)`` targets against merged ``relevant`` spans per video.

    For target window w: a video without relevant content adds its length to ret_secs. Otherwise,
    for each relevant segment r meeting w (closed intervals): the user watches w.start → r∩w start
    (non-relevant) and then r to *its* end; rel_ret_secs grows by that; each recall point rp newly
    reached records ``sp = rp / (ret_secs + seen_secs − (rel_ret_secs − rp))``; r's consumed part is
    removed; w.start advances by the seconds seen so far. Then ``ret_secs += max(seen_secs, end − start)``.

    >>> r = segment_precision([("1", 0, 5), ("1", 5, 10), ("1", 10, 15), ("1", 23, 23), ("1", 27, 27),
    ...     ("1", 100, 200), ("3", 10, 15)], {"1": [(15, 25), (30, 35)], "2": [(3, 20)]})
    >>> r.rel_secs, r.ret_secs, r.rel_ret_secs, round(r.iasp, 4)
    (32, 130, 10, 0.1515)
    """
    remaining = {video: list(spans) for video, spans in relevant.items()}
    rel_secs = sum(max(e - s, 0) for spans in remaining.values() for s, e in spans)
    points = recall_points(rel_secs)
    sp: list[float] = []
    next_point = 1
    ret_secs = rel_ret_secs = 0
    for video, start, end in targets:
        spans = remaining.get(video)
        if spans is None:
            ret_secs += max(end - start, 0)
            continue
        window = (start, end)
        kept: list[Span] = []
        seen_secs = 0
        for rel in spans:
            if not _closed_overlap(rel, window):
                kept.append(rel)
                continue
            consumed = (max(rel[0], window[0]), rel[1])
            rel_over = max(consumed[1] - consumed[0], 0)
            rel_ret_secs += rel_over
            seen_secs += consumed[0] - window[0] + rel_over
            while next_point < len(points) and points[next_point] <= rel_ret_secs:
                rp = points[next_point]
                sp.append(rp / (ret_secs + seen_secs - (rel_ret_secs - rp)))
                next_point += 1
            kept.extend(_subtract(rel, consumed))
            # The official code advances by the running total, not by this segment alone.
            window = (window[0] + seen_secs, window[1])
        ret_secs += max(seen_secs, end - start)
        remaining[video] = kept
    isp = np.maximum.accumulate(np.asarray(sp[::-1], dtype=float))[::-1].tolist() if sp else []
    return MaispResult(rel_secs, ret_secs, rel_ret_secs, tuple(points), tuple(sp), tuple(isp))


def mean_isp_curve(results: Iterable[MaispResult], levels: np.ndarray) -> np.ndarray:
    """Interpolated segment precision at recall ``levels``, macro-averaged over anchors."""
    curves = [r.curve(levels) for r in results]
    return np.mean(curves, axis=0) if curves else np.zeros_like(np.asarray(levels, dtype=float))
