"""Store glue of segmentation: cut candidate segments, give any span its features.

These join the store to the pure functions of ``windows`` and ``aggregate``. Cutting works one
batch of videos at a time (their cues, keyframes and windows only), so memory follows the batch,
never the collection; every batch is written in the same transaction, so a failure leaves the
store as it was.

The window spec used is recorded with the windows (snapped windows depend on the cues too, so
their spec includes the number of cues). Cutting again with the same spec keeps the windows (and
refreshes their vectors, picking up new feature spaces); cutting with another spec first removes
the old windows, so the store never mixes two cuts. Models and indexes built on the
old windows are then refused as stale (a model records the window spec it was trained on, an
index the store fingerprint). Segments of
other origins (``imported`` ones) are never touched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from .. import settings
from ..store import FeatureSpace, Store
from ..types import Segment, Span, Video
from .aggregate import text_features, visual_features
from .windows import WindowSpec, cut_windows, snap_to_cues

__all__ = ["cut_segments", "span_features", "CutReport", "describe_spec", "spec_record", "videos_per_batch"]

Progress = Callable[[int, int], None]  # (videos done, videos in all)

ORIGIN = "window"
# Rows (cues, keyframes, windows) a video brings, roughly: a batch of chunk_rows() / this many videos.
_ROWS_PER_VIDEO = 512


def videos_per_batch() -> int:
    """Videos cut per batch: follows ``settings.chunk_rows()`` (env HYPERLINK_CHUNK_ROWS)."""
    return max(1, settings.chunk_rows() // _ROWS_PER_VIDEO)


def describe_spec(spec: dict | None) -> str:
    """``60/30 s`` (length/stride), ``snapped to N cues`` when boundaries move to cues.

    >>> describe_spec({"length": 60.0, "stride": 30.0, "snap": True, "cues": 812}), describe_spec(None)
    ('60/30 s snapped to 812 cues', 'an unrecorded spec')
    """
    if spec is None:
        return "an unrecorded spec"
    snapped = f" snapped to {spec.get('cues', '?')} cues" if spec.get("snap") else ""
    return f"{spec['length']:g}/{spec['stride']:g} s{snapped}"


def spec_record(store: Store, spec: WindowSpec) -> dict:
    """What is recorded of a cut: the spec, and for snapped windows the cues they snapped to
    (cues are only ever added, so their count tells whether the snapped spans may have moved)."""
    record: dict = asdict(spec)
    if spec.snap:
        record["cues"] = store.count_cues()
    return record


@dataclass
class CutReport:
    videos: int = 0  # videos cut (blacklisted ones are not)
    segments: int = 0  # windows the spec gives
    added: int = 0  # of which new in the store
    with_vectors: dict[str, int] = field(default_factory=dict)  # space -> windows that have a vector in it
    spec: dict | None = None  # the spec used
    removed: int = 0  # windows of another spec removed first
    previous: dict | None = None  # that other spec (None: unrecorded, or none removed)


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


def _windows(videos: list[Video], spec: WindowSpec, bounds: dict[str, np.ndarray]) -> list[Segment]:
    """The windows of these videos, in video order, each video's spans sorted and distinct."""
    out: list[Segment] = []
    for video in videos:
        spans = cut_windows(video.duration, spec)
        b = bounds.get(video.id)
        if b is not None and len(b):
            spans = snap_to_cues(spans, b[:, 0], b[:, 1], spec.stride / 2)
        out.extend(Segment(video.id, float(s), float(e), origin=ORIGIN) for s, e in np.unique(spans, axis=0))
    return out


def _features(store: Store, space: FeatureSpace, videos: list[str], segments: list[Segment]):
    """(matrix (k, dim) float32, has (k,) bool) of ``space`` for the batch's windows."""
    k = len(segments)
    matrix, has = np.zeros((k, space.dim), np.float32), np.zeros(k, bool)
    if space.modality == "text":
        source = _group(*store.cue_vectors(space.name, videos=videos))
    else:
        source = _group(*store.keyframes(space.name, videos=videos))
    rows = _group([s.video for s in segments], np.arange(k))
    for video, (r,) in rows.items():
        if video not in source:
            continue
        spans = np.array([[segments[i].start, segments[i].end] for i in r])
        if space.modality == "text":
            starts, ends, vecs = source[video]
            matrix[r], has[r] = text_features(spans, starts, ends, vecs)
        else:
            times, vecs = source[video]
            matrix[r], has[r] = visual_features(spans, times, vecs)
    return matrix, has


def _sourced_spaces(store: Store) -> list[FeatureSpace]:
    """Spaces whose vectors windows can take: text spaces with cue vectors, visual ones with keyframes.

    A space with neither (e.g. features imported already cut per segment) is left alone.
    """
    coverage = {c["space"]: c for c in store.coverage()}
    return [s for s in store.feature_spaces()
            if coverage.get(s.name, {}).get("cues" if s.modality == "text" else "keyframes", 0) > 0]


def cut_segments(store: Store, spec: WindowSpec, progress: Progress | None = None, *,
                 batch: int | None = None) -> CutReport:
    """Cut windows in every non-blacklisted video and give each the features of every feature space.

    Text spaces aggregate cue vectors, visual spaces keyframe vectors (see ``aggregate``), ``batch``
    videos at a time (default :func:`videos_per_batch`). Windows of another recorded spec are
    replaced; those of the same spec kept and their vectors refreshed.
    """
    batch = batch or videos_per_batch()
    wanted = spec_record(store, spec)
    previous = store.window_spec(ORIGIN)
    existing = store.count_segments(ORIGIN)
    replace = existing > 0 and previous != wanted
    # a window span may coincide with an imported segment: that one keeps its vectors
    foreign = store.count_segments() > existing
    spaces = _sourced_spaces(store)
    counts = store.counts()
    total = counts["videos"] - counts["blacklisted"]
    report = CutReport(spec=wanted, with_vectors={s.name: 0 for s in spaces})
    if replace:
        report.previous = previous
    with store.transaction() as tx:
        if replace:
            report.removed = tx.delete_segments(ORIGIN)
        tx.set_window_spec(wanted, ORIGIN)
        for videos in store.iter_video_batches(batch):
            names = [v.id for v in videos]
            segments = _windows(videos, spec, store.cue_bounds(names) if spec.snap else {})
            report.videos += len(videos)
            if segments:
                ids, added = tx.add_segments(segments)
                report.segments += len(segments)
                report.added += added
                own = np.ones(len(ids), bool)
                if foreign:
                    others = {s.id for s in store.segments(ids=ids.tolist()) if s.origin != ORIGIN}
                    own = np.array([int(i) not in others for i in ids], bool)
                for space in spaces:
                    matrix, has = _features(store, space, names, segments)
                    report.with_vectors[space.name] += tx.set_segment_vectors(
                        space, ids[own], matrix[own], has[own], replace=True)
            if progress:
                progress(report.videos, max(total, report.videos))
    return report


def span_features(store: Store, span: Span, text_space: str | None, visual_space: str | None):
    """Features of an arbitrary span by the same rule as segments -> (text, has_text, visual, has_visual).

    Reads only the span's video. Where a space has no cue or keyframe vector in the span
    (collections distributed with features already cut per segment have none), the span takes the
    overlap-weighted mean of the stored segment vectors of that space that overlap it -- the text
    rule, applied to segments.
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
