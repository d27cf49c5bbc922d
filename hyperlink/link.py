"""Anchor -> ranked targets that obey the official run rules, and whole runs over an anchor set.

Rules applied to the index's nearest neighbours, in rank order (``evaluation.md``, "Run validity"):
  * targets last 10-120 s (times are whole seconds, as runs write them);
  * no overlap with the anchor (same video, closed intervals: touching counts) — or, with
    ``exclude_anchor_video``, nothing from the anchor's video at all;
  * no second shared with a better-ranked target already returned (the better one is kept;
    touching is allowed, as by the official checker);
  * never a blacklisted video; at most 1000 targets.
Ties are broken by segment id (ascending), so the same query gives a byte-identical run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .embed import embed_spans, store_fingerprint
from .errors import InputError, StoreError
from .evaluate.trec import RunLine
from .index import SearchIndex, SegmentLookup
from .store import Store
from .train import load_store_model
from .types import MAX_TARGET, MAX_TARGETS, MIN_TARGET, Anchor, Hit, Segment, Span, overlaps, shares_seconds

__all__ = ["LinkOptions", "filter_targets", "Linker", "MAX_TARGETS", "parse_query", "QueryResult", "format_clock",
           "span_text", "why_empty"]

CONTEXT = (30.0, 60.0, 120.0, 300.0, float("inf"))  # seconds of context tried for an empty query span
EXPLAIN_DEPTH = 10_000  # nearest candidates examined to say why a query returned nothing


@dataclass(frozen=True)
class LinkOptions:
    k: int = 10  # targets wanted (at most 1000)
    exclude_anchor_video: bool = False  # stricter than the rules: nothing from the anchor's own video

    def __post_init__(self) -> None:
        if not 1 <= self.k <= MAX_TARGETS:
            raise InputError(f"k must be within 1-{MAX_TARGETS} (the run rules' limit), got {self.k}")


def _verdict(seg: Segment | None, anchor: Span | None, taken: Mapping[str, list[tuple[float, float]]],
             blacklisted: set[str], options: LinkOptions) -> str | None:
    """Why the run rules refuse candidate ``seg`` (a key of ``REFUSALS``), or None when it may be returned."""
    if seg is None:
        return "deleted"
    if seg.video in blacklisted:
        return "blacklisted"
    start, end = float(round(seg.start)), float(round(seg.end))
    if end - start < MIN_TARGET:
        return "too-short"
    if end - start > MAX_TARGET:
        return "too-long"
    if anchor is not None and seg.video == anchor.video:
        if options.exclude_anchor_video:
            return "own-video"
        if overlaps(start, end, anchor.start, anchor.end):
            return "overlaps-query"
    if any(shares_seconds(start, end, s, e) for s, e in taken.get(seg.video, ())):
        return "overlaps-target"
    return None


#: Why a candidate segment was not returned, as a reader is told when a query returns nothing.
REFUSALS = {
    "too-short": f"last under {MIN_TARGET:g} s, the shortest target a run may return (a video shorter than that "
                 "has no possible target)",
    "too-long": f"last over {MAX_TARGET:g} s, the longest target a run may return",
    "overlaps-query": "overlap the query span itself",
    "own-video": "lie in the query's own video (--exclude-video)",
    "blacklisted": "lie in blacklisted videos",
    "overlaps-target": "overlap a better-ranked target",
    "deleted": "were deleted from the store since the index was built",
}


def filter_targets(anchor: Span | None, scores: np.ndarray, ids: np.ndarray, segments: Mapping[int, Segment],
                   blacklisted: set[str], options: LinkOptions) -> list[Hit]:
    """Walk candidates in order and keep those the rules allow, until ``options.k`` are kept.

    ``segments`` resolves ids (``.get``): a dict, or a :class:`~hyperlink.index.table.SegmentBatch`;
    an id it does not know (a segment deleted since indexing) is skipped."""
    kept: list[Hit] = []
    taken: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for score, sid in zip(scores.tolist(), ids.tolist()):
        if sid < 0:
            continue
        seg = segments.get(sid)
        if _verdict(seg, anchor, taken, blacklisted, options) is not None:
            continue
        start, end = float(round(seg.start)), float(round(seg.end))
        taken[seg.video].append((start, end))
        kept.append(Hit(seg.video, start, end, float(score), sid))
        if len(kept) == options.k:
            break
    return kept


def why_empty(anchor: Span | None, ids: np.ndarray, segments: Mapping[int, Segment], blacklisted: set[str],
              options: LinkOptions) -> str:
    """The reason, in words, why none of the candidate ``ids`` was returned for ``anchor``."""
    refused: Counter = Counter()
    for sid in ids.tolist():
        if sid >= 0:
            refused[_verdict(segments.get(sid), anchor, {}, blacklisted, options)] += 1
    total = sum(refused.values())
    if not total:
        return "the index holds no segments; add segments and rebuild it (hyperlink segment, hyperlink index)"
    parts = [f"{n} {REFUSALS[why]}" for why, n in sorted(refused.items(), key=lambda x: (-x[1], str(x[0]))) if why]
    return f"no target returned: of the {total} nearest candidate segments, " + "; ".join(parts)


def format_clock(seconds: float) -> str:
    """``H:MM:SS`` (whole seconds), as people read times.

    >>> format_clock(508), format_clock(3725.4)
    ('0:08:28', '1:02:05')
    """
    total = int(round(seconds))
    return "%d:%02d:%02d" % (total // 3600, total % 3600 // 60, total % 60)


def span_text(start: float, end: float) -> str:
    """``0:08:28-0:09:29``."""
    return f"{format_clock(start)}-{format_clock(end)}"


@dataclass(frozen=True)
class QueryResult:
    """What `hyperlink query` shows: the query, its own transcript, the targets with theirs, and the
    stored judgments of the targets when the query is a judged anchor."""

    label: str
    span: Span
    text: str  # the query span's transcript ("" when it has none)
    hits: list[Hit]
    snippets: list[str]  # each target's transcript
    relevance: list[str] | None = None  # official marks per target: 1 relevant, 0 not, - unjudged; None: no judgments
    widened: float | None = None  # seconds of context added because the span itself had no content
    reason: str | None = None  # why nothing was returned, when ``hits`` is empty
    anchor: str | None = field(default=None)  # the anchor id when the query is an anchor of the store


def transcript(store: Store, span: Span, cues: Mapping[str, list] | None = None) -> str:
    """The words spoken during ``span``: the text of every cue overlapping it, in order."""
    found = cues[span.video] if cues is not None else store.cues(span.video)[1]
    return " ".join(c.text for c in found if c.start < span.end and c.end > span.start)


def _relevance(store: Store, anchor: str, hits: list[Hit]) -> list[str] | None:
    from .evaluate.relevance import Ranking, build_qrels, label_segments

    judged = [j for j in store.judgments() if j.anchor == anchor]
    if not judged:
        return None
    qrels = build_qrels(judged)[anchor]
    return list(label_segments(Ranking.of(anchor, [(h.video, h.start, h.end) for h in hits]), qrels))


class Linker:
    """A trained model + its index + the store: turns anchors and spans into ranked targets."""

    def __init__(self, store: Store, model_name: str, index_dir: str | Path, device: str = "auto"):
        self.store = store
        self.record, self.model = load_store_model(store, model_name)
        self.index = SearchIndex.load(index_dir, device=device)
        self.index.manifest.check(model=self.record.name, model_checksum=self.record.checksum,
                                  store_fingerprint=store_fingerprint(store, self.record))
        self.readout = self.index.manifest.readout
        # id -> span from the table beside the index (memory-mapped), not every Segment of the store
        self.segments = SegmentLookup.open(index_dir, self.index.manifest.rebuild_command)
        self.blacklisted = {v.id for v in store.videos() if v.blacklisted}

    def _rank(self, vectors: list[np.ndarray | None], anchors: list[Span | None],
              options: LinkOptions) -> list[list[Hit]]:
        """Targets for several queries, searched as one batch (faiss's fast path); a query whose
        candidates the rules thin out below k is searched again, deeper, on its own."""
        out: list[list[Hit]] = [[] for _ in vectors]
        todo = [i for i, v in enumerate(vectors) if v is not None]
        total = self.index.count
        limit = self.index.max_k  # faiss-gpu: at most 2048 neighbours per search, Milvus 16384
        if limit:
            total = min(total, limit)
        depth = min(total, max(4 * options.k, options.k + 100))
        while todo:
            scores, ids = self.index.search(np.stack([vectors[i] for i in todo]), depth)
            again = []
            for row, i in enumerate(todo):
                candidates = self.segments.batch(ids[row])
                out[i] = filter_targets(anchors[i], scores[row], ids[row], candidates, self.blacklisted, options)
                if len(out[i]) < options.k and depth < total:
                    again.append(i)
            todo, depth = again, min(total, depth * 4)
        return out

    def vectors(self, spans: list[Span]) -> list[np.ndarray | None]:
        """Query vectors of spans; None for a span with no text and no visual content."""
        vecs, kept = embed_spans(self.store, self.record, self.model, spans, self.readout)
        out: list[np.ndarray | None] = [None] * len(spans)
        for row, i in enumerate(kept.tolist()):
            out[i] = vecs[row]
        return out

    def vectors_with_context(self, spans: list[Span]) -> tuple[list[np.ndarray | None], dict[int, float]]:
        """As :meth:`vectors`, but a span with no content is widened (by CONTEXT seconds each side,
        then to its whole video) until it has some; returns the widening used per span index."""
        vectors = self.vectors(spans)
        widened: dict[int, float] = {}
        durations = {v.id: v.duration for v in self.store.videos()}
        for i, span in enumerate(spans):
            for pad in CONTEXT:
                if vectors[i] is not None:
                    break
                end = min(durations.get(span.video, span.end), span.end + pad)
                wide = Span(span.video, max(0.0, span.start - pad), max(end, span.end))
                vectors[i] = self.vectors([wide])[0]
                widened[i] = pad
        return vectors, widened

    def segment_vector(self, segment_id: int) -> np.ndarray | None:
        m = self.store.segment_matrix(self.record.text_space, self.record.visual_space, ids=[segment_id])
        if not len(m.segment_ids):
            raise StoreError(f"no segment {segment_id} in the store")
        emb = self.model.embed(m.text, m.visual, m.has_text, m.has_visual, readout=self.readout)
        return emb.vectors[0] if len(emb.kept_index) else None

    def query(self, span: Span, options: LinkOptions, vector: np.ndarray | None = None) -> list[Hit]:
        """Ranked targets for ``span`` (its own vector unless ``vector`` is given)."""
        if vector is None:
            vector = self.vectors([span])[0]
        return self._rank([vector], [span], options)[0]

    def answer(self, target: str, options: LinkOptions, mss: bool = False) -> QueryResult:
        """`hyperlink query`: parse ``target`` (see :func:`parse_query`), rank its targets, and gather
        what a reader needs beside them (transcripts, stored judgments, why nothing came back)."""
        span, segment_id, label = parse_query(target, self.store, mss)
        anchor = label if segment_id is None and label in {a.id for a in self.store.anchors()} else None
        widened = None
        if segment_id is not None:
            vector = self.segment_vector(segment_id)
        else:
            vectors, pads = self.vectors_with_context([span])
            vector, widened = vectors[0], pads.get(0)
        hits = self.query(span, options, vector) if vector is not None else []
        reason = None
        if not hits:
            if vector is None:
                reason = ("the query span has no transcript or keyframe in the model's feature spaces, "
                          "even with its whole video as context")
            else:
                depth = min(self.index.count, self.index.max_k or EXPLAIN_DEPTH, EXPLAIN_DEPTH)
                ids = self.index.search(vector[None, :], depth)[1][0] if depth else np.empty(0, np.int64)
                reason = why_empty(span, ids, self.segments.batch(ids), self.blacklisted, options)
                if not depth and all(v.duration < MIN_TARGET for v in self.store.videos()):
                    reason = (f"no target returned: every video of the store is shorter than {MIN_TARGET:g} s, "
                              "the shortest target a run may return")
        cues = {video: self.store.cues(video)[1] for video in {h.video for h in hits} | {span.video}}
        return QueryResult(
            label, span, transcript(self.store, span, cues), hits,
            [transcript(self.store, Span(h.video, h.start, h.end), cues) for h in hits],
            _relevance(self.store, anchor, hits) if anchor is not None else None,
            widened, reason, anchor,
        )

    def run(self, anchors: list[Anchor], run_name: str,
            options: LinkOptions) -> tuple[list[RunLine], list[str], dict[str, float]]:
        """A complete run: one block per anchor, ranks from 1.

        Returns the lines, the anchors left without targets, and the anchors whose span had no
        content and was widened (with the seconds of context used).
        """
        vectors, widened = self.vectors_with_context([a.span for a in anchors])
        lines: list[RunLine] = []
        empty: list[str] = []
        ranked = self._rank(vectors, [a.span for a in anchors], options)
        for anchor, hits in zip(anchors, ranked):
            if not hits:
                empty.append(anchor.id)
            lines += [RunLine(anchor.id, h.video, h.start, h.end, r, h.score, run_name) for r, h in enumerate(hits, 1)]
        return lines, empty, {anchors[i].id: pad for i, pad in widened.items()}


def parse_query(text: str, store: Store, mss: bool = False) -> tuple[Span, int | None, str]:
    """What `hyperlink query` was given -> (span, segment id or None, a label).

    ``anchor_12`` (an anchor of the store), ``123`` (a segment id), or ``VIDEO@START-END`` with
    times in seconds or HH:MM:SS (or official M.SS with ``mss``).
    """
    from .timecode import TimeFormatError, parse_mss, parse_time

    anchors = {a.id: a for a in store.anchors()}
    if text in anchors:
        return anchors[text].span, None, text
    if text.isdigit():
        sid = int(text)
        seg = next(iter(store.segments(ids=[sid])), None)
        if seg is None:
            raise InputError(f"no segment {sid} in the store (and no anchor of that name)")
        return seg.span, sid, f"segment {sid}"
    video, at, times = text.rpartition("@")
    start, dash, end = times.partition("-")
    if not (at and video and dash):
        raise InputError(f"{text!r} is not an anchor id, a segment id or VIDEO@START-END")
    try:
        parse = parse_mss if mss else parse_time
        span = Span(video, float(parse(start)), float(parse(end)))
    except (TimeFormatError, ValueError) as exc:
        raise InputError(f"{text!r}: {exc}") from None
    lengths = {v.id: v.duration for v in store.videos()}
    if video not in lengths:
        raise InputError(f"unknown video {video!r} in {text!r}")
    if span.end > lengths[video]:
        raise InputError(f"{text!r} ends at {format_clock(span.end)}, past the end of {video}, which lasts "
                         f"{format_clock(lengths[video])} ({lengths[video]:g} s); give a span inside the video")
    return span, None, text
