"""Time-overlap relevance: qrel merging and the three labellings of a ranking (segments, bins, tolerance).

A labelling is a string with one mark per ranked item, the official ``relString``:
``1`` relevant, ``0`` judged non-relevant, ``-`` unjudged, ``s`` relevant but already seen,
``S`` non-relevant and already seen. Measures (``measures.py``) read only these strings.

Times are whole seconds, the resolution of the official ``M.SS`` files.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

from ..types import Judgment

__all__ = ["AnchorQrels", "Ranking", "build_qrels", "merge_spans", "label_segments", "label_bins", "label_tolerance"]

Span = tuple[int, int]
_STRIDE = np.int64(1) << 32  # composite sort key video * stride + second; times stay below 2**32 s


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Merge overlapping closed intervals (touching counts), sorted by start.

    >>> merge_spans([(30, 40), (0, 10), (10, 20), (25, 26)])
    [(0, 20), (25, 26), (30, 40)]
    """
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class AnchorQrels:
    """The judgments of one anchor: merged spans per video, and the raw ones (used for bins)."""

    anchor: str
    relevant: Mapping[str, tuple[Span, ...]]
    nonrelevant: Mapping[str, tuple[Span, ...]]
    raw_relevant: tuple[tuple[str, int, int], ...]
    raw_nonrelevant: tuple[tuple[str, int, int], ...]

    @property
    def num_rel(self) -> int:
        """Number of merged relevant segments."""
        return sum(len(spans) for spans in self.relevant.values())


def build_qrels(judgments: Iterable[Judgment]) -> dict[str, AnchorQrels]:
    """Group judgments by anchor; merge relevant and non-relevant spans per video separately."""
    raw: dict[str, dict[int, list[tuple[str, int, int]]]] = defaultdict(lambda: {0: [], 1: []})
    for j in judgments:
        raw[j.anchor][1 if j.rel > 0 else 0].append((j.video, _sec(j.start), _sec(j.end)))
    return {anchor: _anchor_qrels(anchor, sides[1], sides[0]) for anchor, sides in sorted(raw.items())}


def _anchor_qrels(anchor: str, rel: list[tuple[str, int, int]], nonrel: list[tuple[str, int, int]]) -> AnchorQrels:
    def merged(spans: list[tuple[str, int, int]]) -> dict[str, tuple[Span, ...]]:
        by_video: dict[str, list[Span]] = defaultdict(list)
        for video, start, end in spans:
            by_video[video].append((start, end))
        return {video: tuple(merge_spans(s)) for video, s in sorted(by_video.items())}

    return AnchorQrels(anchor, merged(rel), merged(nonrel), tuple(sorted(rel)), tuple(sorted(nonrel)))


def _sec(t: float) -> int:
    return int(round(t))


@dataclass(frozen=True, eq=False)
class Ranking:
    """The targets returned for one anchor, in rank order (``starts``/``ends`` int64 seconds)."""

    anchor: str
    videos: tuple[str, ...]
    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def of(cls, anchor: str, targets: Sequence[tuple[str, float, float]]) -> "Ranking":
        """From ``(video, start, end)`` triples already in rank order."""
        return cls(
            anchor,
            tuple(t[0] for t in targets),
            np.fromiter((_sec(t[1]) for t in targets), np.int64, len(targets)),
            np.fromiter((_sec(t[2]) for t in targets), np.int64, len(targets)),
        )

    def __len__(self) -> int:
        return len(self.videos)

    def triples(self) -> Iterable[tuple[str, int, int]]:
        return zip(self.videos, self.starts.tolist(), self.ends.tolist())


def _closed_hits(ranking: Ranking, spans: Mapping[str, tuple[Span, ...]]) -> np.ndarray:
    """Which targets overlap (closed intervals) one of ``spans`` of their video; vectorised.

    Merged spans of a video are disjoint and sorted, so their ends are increasing: the first
    span ending at or after the target's start is the only candidate; it hits if it starts by
    the target's end.
    """
    n = len(ranking)
    if not spans or n == 0:
        return np.zeros(n, dtype=bool)
    ids = {video: i for i, video in enumerate(spans)}
    vid = np.fromiter((ids.get(v, -1) for v in ranking.videos), np.int64, n)
    span_vid = np.concatenate([np.full(len(s), i, np.int64) for i, s in enumerate(spans.values())])
    flat = np.array([span for s in spans.values() for span in s], dtype=np.int64)
    end_keys = span_vid * _STRIDE + flat[:, 1]
    idx = np.searchsorted(end_keys, vid * _STRIDE + ranking.starts, side="left")
    safe = np.minimum(idx, len(flat) - 1)
    return (vid >= 0) & (idx < len(flat)) & (span_vid[safe] == vid) & (flat[safe, 0] <= ranking.ends)


def label_segments(ranking: Ranking, qrels: AnchorQrels) -> str:
    """(a) ``1`` if the target overlaps a merged relevant span, else ``0`` if a non-relevant one, else ``-``.

    >>> q = build_qrels([Judgment("a", "v", 10, 20, 1), Judgment("a", "v", 30, 40, 0)])["a"]
    >>> label_segments(Ranking.of("a", [("v", 20, 25), ("v", 25, 29), ("v", 0, 30), ("w", 0, 99)]), q)
    '1-1-'
    """
    codes = np.full(len(ranking), ord("-"), dtype=np.uint8)
    codes[_closed_hits(ranking, qrels.nonrelevant)] = ord("0")
    codes[_closed_hits(ranking, qrels.relevant)] = ord("1")
    return codes.tobytes().decode("ascii")


def _bins(start: int, end: int, size: int) -> range:
    # The official expansion: a target ending exactly on a bin border does not enter the next bin.
    return range(start // size, (end - 1) // size + 1)


def label_bins(ranking: Ranking, qrels: AnchorQrels, size: int) -> tuple[str, int]:
    """(b) Labels of the distinct ``(video, bin)`` pairs in order of first appearance, and num_rel_bin.

    A target covers bins ``start//size .. (end-1)//size``; a bin is relevant if a raw relevant
    judgment covers it, else non-relevant if a non-relevant one does, else unjudged.

    >>> q = build_qrels([Judgment("a", "v", 0, 20, 1), Judgment("a", "v", 30, 45, 1)])["a"]
    >>> label_bins(Ranking.of("a", [("v", 0, 40), ("v", 5, 15), ("w", 0, 5)]), q, 20)
    ('11-', 3)
    """
    rel = {(v, b) for v, s, e in qrels.raw_relevant for b in _bins(s, e, size)}
    nonrel = {(v, b) for v, s, e in qrels.raw_nonrelevant for b in _bins(s, e, size)}
    seen: set[tuple[str, int]] = set()
    marks: list[str] = []
    for video, start, end in ranking.triples():
        for b in _bins(start, end, size):
            key = (video, b)
            if key not in seen:
                seen.add(key)
                marks.append("1" if key in rel else "0" if key in nonrel else "-")
    return "".join(marks), len(rel)


def _half_open_hit(spans: Iterable[Span], start: int, end: int) -> list[Span]:
    """Spans sharing an integer second with ``[start, end)``.

    The official interval tree searches ``[start, end)`` point by point, except that an end of 0
    is read as "no end" and searches the single point ``start``.
    """
    if end == 0:
        end = start + 1
    return [s for s in spans if max(s[0], start) < min(s[1], end)]


def label_tolerance(ranking: Ranking, qrels: AnchorQrels, window: int) -> str:
    """(c) Tolerance to irrelevance: the user watches from the start and tolerates ``window`` s.

    Relevant (``1``) if a merged relevant span meets ``[start, start+window)`` and no content of
    ``[start, end)`` was seen before; then ``[start, max(relevant ends, start+window))`` becomes
    seen; ``s`` if it was seen. Otherwise ``0``/``S`` if it meets a non-relevant span, else ``-``.
    Intervals are half-open integer seconds, as in the official code.

    >>> q = build_qrels([Judgment("a", "v", 15, 25, 1), Judgment("a", "v", 40, 45, 0)])["a"]
    >>> label_tolerance(Ranking.of("a", [("v", 10, 20), ("v", 12, 30), ("v", 40, 50), ("v", 0, 1)]), q, 15)
    '1s0-'
    """
    seen: dict[str, list[Span]] = defaultdict(list)
    marks: list[str] = []
    for video, start, end in ranking.triples():
        if video not in qrels.relevant and video not in qrels.nonrelevant:
            marks.append("-")  # nothing judged in this video: seen or not, it stays unjudged
            continue
        relevant = _half_open_hit(qrels.relevant.get(video, ()), start, start + window)
        was_seen = bool(_half_open_hit(seen.get(video, ()), start, end))
        if relevant:
            if was_seen:
                marks.append("s")
            else:
                seen[video].append((start, max(max(s[1] for s in relevant), start + window)))
                marks.append("1")
        elif _half_open_hit(qrels.nonrelevant.get(video, ()), start, end):
            marks.append("S" if was_seen else "0")
        else:
            marks.append("-")
    return "".join(marks)
