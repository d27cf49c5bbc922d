"""Store glue of segmentation: cut candidate segments, give any span its features.

These join the store to the pure functions of ``windows`` and ``aggregate``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import StoreError
from .aggregate import text_features, visual_features
from .windows import WindowSpec, cut_windows, snap_to_cues
from ..types import Segment, Span
from ..store import Store

__all__ = ["cut_segments", "span_features", "CutReport"]

Progress = Callable[[int, int], None]  # (done, total)


def _group(videos: list[str], *arrays: np.ndarray) -> dict[str, tuple[np.ndarray, ...]]:
    """Split row-aligned arrays (already ordered by video) into per-video slices."""
    out: dict[str, tuple[np.ndarray, ...]] = {}
    if not videos:
        return out
    v = np.asarray(videos)
    cuts = np.flatnonzero(v[1:] != v[:-1]) + 1
    bounds = np.concatenate([[0], cuts, [len(v)]])
    for a, b in zip(bounds[:-1], bounds[1:]):
        out[str(v[a])] = tuple(x[a:b] for x in arrays)
    return out


@dataclass
class CutReport:
    videos: int = 0
    segments: int = 0
    added: int = 0
    with_vectors: dict[str, int] | None = None


def cut_segments(store: Store, spec: WindowSpec, progress: Progress | None = None) -> CutReport:
    """Cut windows in every non-blacklisted video and give each the features of every feature space.

    Text spaces aggregate cue vectors, visual spaces keyframe vectors (see ``aggregate``).
    Re-running replaces the window segments' vectors, so it also picks up new feature spaces.
    """
    spaces = store.feature_spaces()
    cues = {s.name: _group(*store.cue_vectors(s.name)) for s in spaces if s.modality == "text"}
    keys = {s.name: _group(*store.keyframes(s.name)) for s in spaces if s.modality == "visual"}
    bounds: dict[str, list[tuple[float, float]]] = defaultdict(list)
    if spec.snap:  # cue boundaries are only needed to snap to them
        for c in store.cues()[1]:
            bounds[c.video].append((c.start, c.end))

    segments: list[Segment] = []
    videos = [v for v in store.videos() if not v.blacklisted]
    for k, video in enumerate(videos):
        spans = cut_windows(video.duration, spec)
        if spec.snap and bounds.get(video.id):
            b = np.array(bounds[video.id])
            spans = snap_to_cues(spans, b[:, 0], b[:, 1], spec.stride / 2)
        segments.extend(Segment(video.id, float(s), float(e)) for s, e in np.unique(spans, axis=0))
        if progress:
            progress(k + 1, 2 * len(videos))
    report = CutReport(videos=len(videos), segments=len(segments), with_vectors={})
    spans_by_video: dict[str, list[int]] = defaultdict(list)
    for i, seg in enumerate(segments):
        spans_by_video[seg.video].append(i)
    with store.transaction() as tx:
        ids, report.added = tx.add_segments(segments)
        for space in spaces:
            matrix = np.zeros((len(segments), space.dim), np.float32)
            has = np.zeros(len(segments), bool)
            source = cues.get(space.name) if space.modality == "text" else keys.get(space.name)
            if source is None:
                continue
            for video, rows in spans_by_video.items():
                if video not in source:
                    continue
                rows = np.asarray(rows)
                spans = np.array([[segments[r].start, segments[r].end] for r in rows])
                if space.modality == "text":
                    starts, ends, vecs = source[video]
                    matrix[rows], has[rows] = text_features(spans, starts, ends, vecs)
                else:
                    times, vecs = source[video]
                    matrix[rows], has[rows] = visual_features(spans, times, vecs)
            report.with_vectors[space.name] = tx.set_segment_vectors(space, ids, matrix, has, replace=True)
    if progress:
        progress(2 * len(videos), 2 * len(videos))
    return report


def span_features(store: Store, span: Span, text_space: str | None, visual_space: str | None):
    """Features of an arbitrary span by the same rule as segments -> (text, has_text, visual, has_visual).

    Where a space has no cue or keyframe vector in the span (collections distributed with features
    already cut per segment have none), the span takes the overlap-weighted mean of the stored
    segment vectors of that space that overlap it -- the text rule, applied to segments.
    """
    out = []
    spans = np.array([[span.start, span.end]])
    for name, modality in ((text_space, "text"), (visual_space, "visual")):
        if name is None:
            out += [np.zeros(0, np.float32), False]
            continue
        space = store.feature_space(name)
        if modality == "text":
            _, starts, ends, vecs = store.cue_vectors(name, video=span.video)
            v, has = text_features(spans, starts, ends, vecs.reshape(-1, space.dim))
        else:
            _, times, vecs = store.keyframes(name, video=span.video)
            v, has = visual_features(spans, times, vecs.reshape(-1, space.dim))
        if not has[0]:
            starts, ends, vecs = store.segment_vectors_of(name, span.video)
            v, has = text_features(spans, starts, ends, vecs)
        out += [v[0], bool(has[0])]
    return tuple(out)
