"""What the pages show, as plain data: anchors, ranked targets of a model or a run file, their
relevance marks (the evaluator's overlap rule), the anchor's P@5 / P@10 / AP, shared terms, and
which targets only one of two compared sources found. No HTML here; no SQL either (the store does that).

A *source* ranks targets for an anchor: a trained model with its index (through
:meth:`hyperlink.link.Linker.answer`, the call behind `hyperlink query`) or a run file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, StoreError
from ..evaluate.measures import average_precision, precision_at
from ..evaluate.relevance import Ranking, build_qrels, label_segments
from ..link import Linker, LinkOptions, QueryResult, transcript
from ..store import Store
from ..types import Anchor, Hit, Span, shares_seconds

__all__ = ["Catalogue", "Target", "Column", "AnchorPage", "shared_terms", "result_json", "mark_only"]

_WORD = re.compile(r"\w+|\W+")
MARK_NAMES = {"1": "relevant", "0": "not relevant", "-": "unjudged"}


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def shared_terms(anchor_text: str, text: str) -> tuple[tuple[str, bool], ...]:
    """``text`` cut into pieces, each word marked when the anchor's transcript has it too (case
    ignored; stop words and one-letter words never marked).

    >>> shared_terms("the rain in Spain", "Rain, the plain!")
    (('Rain', True), (', ', False), ('the', False), (' ', False), ('plain', False), ('!', False))
    """
    stop = _stop_words()
    terms = {w.lower() for w in re.findall(r"\w+", anchor_text)} - stop
    return tuple((piece, len(piece) > 1 and piece.lower() in terms) for piece in _WORD.findall(text))


@dataclass(frozen=True)
class Target:
    rank: int
    video: str
    start: float
    end: float
    score: float
    segment: int | None
    text: str
    words: tuple[tuple[str, bool], ...]  # the transcript, shared terms marked
    mark: str  # "1" relevant, "0" not relevant, "-" unjudged (the evaluator's labelling)
    media: bool  # the store records a media file for the video
    only_here: bool = False  # no target of the compared source shares a second with it
    own: str | None = None  # "1"/"0": the stored judgment of exactly this span (whole seconds), else None

    @property
    def mark_name(self) -> str:
        return MARK_NAMES[self.mark]


@dataclass(frozen=True)
class Column:
    """The ranked targets of one source for one query."""

    source: str
    targets: list[Target]
    p5: float | None  # None: the anchor has no judgments
    p10: float | None
    ap: float | None
    reason: str | None = None  # why nothing came back


@dataclass(frozen=True)
class AnchorPage:
    anchor: Anchor
    text: str
    media: bool
    columns: list[Column]
    judged: int  # judgments stored for the anchor
    k: int


def mark_only(a: list[Target], b: list[Target]) -> list[Target]:
    """``a`` with ``only_here`` set on each target that shares no second with any target of ``b``."""
    from dataclasses import replace

    return [replace(t, only_here=not any(t.video == o.video and shares_seconds(t.start, t.end, o.start, o.end)
                                         for o in b)) for t in a]


def result_json(result: QueryResult) -> dict:
    """A query result as `hyperlink query --json` prints it (same keys, same order)."""
    from ..textquery import query_json

    return query_json(result)


class Catalogue:
    """The store, its models with an index, and run files: everything the pages rank from.

    ``index_dir(model)`` says where a model's index lies; models without one are not offered.
    Linkers are loaded on first use and kept.
    """

    def __init__(self, store: Store, index_dir, models: Sequence[str] = (), runs: Sequence[Path] = (),
                 device: str = "cpu"):
        self.store, self._index_dir, self.device = store, index_dir, device
        known = {m.name for m in store.models()}
        for name in models:
            if name not in known:
                raise StoreError(f"no model named {name!r} in the store; models: {', '.join(sorted(known)) or 'none'}"
                                 " (see `hyperlink models`)")
            if not (Path(index_dir(name)) / "manifest.json").is_file():
                raise StoreError(f"model {name!r} has no index; build it: hyperlink index --model {name}")
        indexed = [m for m in sorted(known) if (Path(index_dir(m)) / "manifest.json").is_file()]
        self.models = list(models) or indexed
        self.runs = self._read_runs(runs)
        self._linkers: dict[str, Linker] = {}

    @staticmethod
    def _read_runs(paths: Sequence[Path]) -> dict[str, dict[str, list]]:
        from ..evaluate.report import rankings_of
        from ..evaluate.trec import read_run

        runs: dict[str, dict[str, list]] = {}
        for path in paths:
            lines = read_run(path).items
            name = lines[0].run_name if lines else Path(path).name
            if name in runs:
                name = Path(path).name
            runs[name] = rankings_of(lines)
        return runs

    @property
    def sources(self) -> list[str]:
        return [*self.models, *[r for r in self.runs if r not in self.models]]

    def anchors(self) -> list[Anchor]:
        from ..evaluate.report import natural_key

        return sorted(self.store.anchors(), key=lambda a: natural_key(a.id))

    def anchor(self, anchor_id: str) -> Anchor:
        for a in self.store.anchors():
            if a.id == anchor_id:
                return a
        raise StoreError(f"no anchor {anchor_id!r} in the store")

    def media_videos(self) -> set[str]:
        return {v.id for v in self.store.videos() if v.media_path}

    def linker(self, model: str) -> Linker:
        if model not in self.models:
            raise InputError(f"unknown model {model!r}; choose one of {', '.join(self.models) or '(none indexed)'}")
        if model not in self._linkers:
            self._linkers[model] = Linker(self.store, model, self._index_dir(model), self.device)
        return self._linkers[model]

    def answer(self, anchor_id: str, model: str, k: int) -> QueryResult:
        """`hyperlink query ANCHOR --model MODEL -k K`, the same library call."""
        self.anchor(anchor_id)
        return self.linker(model).answer(anchor_id, LinkOptions(k))

    def _ranked(self, anchor: Anchor, source: str, k: int) -> tuple[list[Hit], list[str], str | None]:
        """(hits, their transcripts, why empty) of ``source`` for ``anchor``."""
        options = LinkOptions(k)  # checks k
        if source in self.models:
            result = self.linker(source).answer(anchor.id, options)
            return result.hits, result.snippets, result.reason
        if source not in self.runs:
            raise InputError(f"unknown model or run {source!r}; choose one of {', '.join(self.sources) or '(none)'}")
        lines = self.runs[source].get(anchor.id, [])[:options.k]
        hits = [Hit(x.video, x.start, x.end, x.score) for x in lines]
        texts = [transcript(self.store, Span(h.video, h.start, h.end)) for h in hits]
        return hits, texts, None if hits else f"the run has no targets for {anchor.id}"

    def column(self, anchor: Anchor, source: str, k: int, anchor_text: str) -> Column:
        hits, texts, reason = self._ranked(anchor, source, k)
        judged = [j for j in self.store.judgments() if j.anchor == anchor.id]
        qrels = build_qrels(judged).get(anchor.id)
        labels = (label_segments(Ranking.of(anchor.id, [(h.video, h.start, h.end) for h in hits]), qrels)
                  if qrels else "-" * len(hits))
        media = self.media_videos()
        exact = {(j.video, j.start, j.end): str(j.rel) for j in judged}  # what "clear" can withdraw
        targets = [Target(r, h.video, h.start, h.end, h.score, h.segment_id, text, shared_terms(anchor_text, text),
                          mark, h.video in media,
                          own=exact.get((h.video, float(round(h.start)), float(round(h.end)))))
                   for r, (h, text, mark) in enumerate(zip(hits, texts, labels), 1)]
        if qrels is None:
            return Column(source, targets, None, None, None, reason)
        return Column(source, targets, precision_at(labels, 5), precision_at(labels, 10),
                      average_precision(labels, qrels.num_rel), reason)

    def anchor_page(self, anchor_id: str, sources: Sequence[str], k: int) -> AnchorPage:
        """One anchor with the targets of one source, or of two side by side (each target found by
        only one of them marked)."""
        anchor = self.anchor(anchor_id)
        if len(sources) > 2:
            raise InputError("compare at most two models or runs at a time")
        text = transcript(self.store, anchor.span)
        columns = [self.column(anchor, s, k, text) for s in sources]
        if len(columns) == 2:
            a, b = columns
            columns = [_with(a, mark_only(a.targets, b.targets)), _with(b, mark_only(b.targets, a.targets))]
        judged = sum(1 for j in self.store.judgments() if j.anchor == anchor.id)
        return AnchorPage(anchor, text, anchor.video in self.media_videos(), columns, judged, k)


def _with(column: Column, targets: list[Target]) -> Column:
    from dataclasses import replace

    return replace(column, targets=targets)
