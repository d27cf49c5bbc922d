"""Validity of a linking run: every TRECVID / MediaEval submission rule, each violation with its line.

Overlap, decided once and shared with the fixer (:mod:`hyperlink.runcheck.fix`), in whole seconds:

* with the **anchor** -- closed intervals, touching counts: ``[50, 60]`` overlaps an anchor
  ``[60, 90]`` (the official checker's ``overlapTime`` and the evaluation's rule);
* with a **target already returned** for the anchor -- shared seconds only, touching endpoints do
  not count: ``[50, 60]`` then ``[60, 70]`` is valid. The official checker looks earlier targets up
  second by second in an interval tree (``begin <= t < end``), and its fixer clips a target to
  the end of the one it overlaps, leaving exactly such touching pairs.

A target is compared with every earlier target of its anchor on the same video, whatever else is
wrong with either (the evaluator sees them all). The start is checked against the video's length,
as officially, with ``LENGTH_SLACK`` = 1 s of grace: collection lists give lengths in whole
seconds (rounded down) and runs round times to the second, so a start one second past the listed
length may still be inside the video (the official tv16 valid run has 19 such starts).

Two rules are not the official checker's: ``end-beyond-video`` (the end within the listed length;
the official check tests only the start, but the fixer clips such ends, and every change the fixer
makes must answer a reported violation) and ``blacklisted`` (only with a blacklist). So a run the
official checker calls valid -- the tv16 run named Valid has 1,611 ends past the listed lengths --
breaks them here; ``video_end=False`` and an empty blacklist give exactly the official rules.

>>> from hyperlink.types import Anchor
>>> from hyperlink.evaluate.trec import RunLine
>>> run = [(1, RunLine("a1", "v", 0, 8, 1, 0.9, "r")), (2, RunLine("a1", "v", 30, 40, 3, 0.5, "r"))]
>>> [(v.line, v.rule) for v in check_run(run, {"v": 300.0}, set(), {"a1": Anchor("a1", "v", 40, 60)})]
[(1, 'duration'), (2, 'rank'), (2, 'anchor-overlap')]
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Protocol

from ..parsed import Parsed
from ..timecode import format_mss
from ..types import MAX_TARGET, MAX_TARGETS, MIN_TARGET, Anchor, overlaps, shares_seconds

__all__ = [
    "LENGTH_SLACK", "MAX_LENGTH", "MAX_TARGETS", "MIN_LENGTH", "RULES",
    "Target", "Violation", "check_run", "numbered", "shares_seconds", "span_text",
]

MIN_LENGTH, MAX_LENGTH = int(MIN_TARGET), int(MAX_TARGET)
LENGTH_SLACK = 1  # seconds a start may pass the listed video length (whole-second rounding)

#: Every rule, by its short code, with what it asks for.
RULES: dict[str, str] = {
    "fields": "each line must have 8 whitespace-separated fields",
    "time": "start and end must be M.SS (minutes.seconds, seconds 00-59)",
    "rank": "ranks must run 1, 2, 3, ... within each anchor",
    "score": "the score must be a finite number",
    "block": "an anchor's lines must form one contiguous block",
    "unknown-anchor": "the anchor must be in the anchors file",
    "unknown-video": "the video must be in the collection",
    "blacklisted": "the video must not be blacklisted (not an official rule)",
    "start-beyond-video": "the start must be within the video's length",
    "end-beyond-video": "the end must be within the video's listed length (not an official rule)",
    "end-before-start": "the end must come after the start",
    "duration": f"a target must last {MIN_LENGTH} to {MAX_LENGTH} s",
    "anchor-overlap": "a target must not overlap the anchor (closed intervals: touching counts)",
    "anchor-video": "a target must not be in the anchor's video (--exclude-anchor-video)",
    "target-overlap": "a target must share no second with one returned earlier for its anchor",
    "too-many": f"an anchor may have at most {MAX_TARGETS} targets",
    "missing-anchor": "every anchor of the anchors file must have targets",
}


class Target(Protocol):
    """What the checker reads: a :class:`RunLine`, or a lenient ``RawRunLine`` (None = did not parse)."""

    anchor: str
    video: str
    start: float | None
    end: float | None
    rank: int | None


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: ``line`` of the run (0 for the whole run), its anchor, a ``RULES`` code, why."""

    line: int
    anchor: str
    rule: str
    message: str

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule!r}; choose one of {', '.join(RULES)}")


def numbered(lines: Parsed | Iterable[tuple[int, Target]]) -> list[tuple[int, Target]]:
    """``(line number, target)`` pairs from a reader's Parsed or from pairs already."""
    if isinstance(lines, Parsed):
        return list(zip(lines.lines, lines.items))
    return list(lines)


def span_text(start: float, end: float) -> str:
    """``[M.SS-M.SS]``, as a run writes the span."""
    return f"[{format_mss(start)}-{format_mss(end)}]"


def check_run(
    lines: Parsed | Iterable[tuple[int, Target]],
    videos: Mapping[str, float],
    blacklist: set[str] | frozenset[str],
    anchors: Mapping[str, Anchor] | None,
    *,
    exclude_anchor_video: bool = False,
    video_end: bool = True,
) -> list[Violation]:
    """Every violation of the submission rules (``RULES``), in line order; missing anchors last.

    ``videos`` maps video ids to durations in seconds; ``anchors`` None skips the anchor rules;
    ``video_end`` False skips the (unofficial) ``end-beyond-video`` rule.
    A line with the wrong field count gets only the ``fields`` violation; an inverted or empty
    span gets ``end-before-start`` but no ``duration``.
    """
    pairs = numbered(lines)
    out: list[Violation] = []
    totals: dict[str, int] = defaultdict(int)
    for _, x in pairs:
        totals[x.anchor] += 1
    block_of: dict[str, int] = {}
    last_rank: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    earlier: dict[tuple[str, str], list[tuple[int, float, float]]] = defaultdict(list)
    current = None
    for number, x in pairs:
        def add(rule: str, message: str) -> None:
            out.append(Violation(number, x.anchor, rule, message))

        if x.anchor != current:
            if x.anchor in block_of:
                add("block", f"{x.anchor} already had a block of lines from line {block_of[x.anchor]}; "
                             "keep each anchor's lines together")
            block_of.setdefault(x.anchor, number)
            current = x.anchor
        anchor = None if anchors is None else anchors.get(x.anchor)
        if anchors is not None and anchor is None:
            add("unknown-anchor", f"anchor {x.anchor!r} is not in the anchors file; remove its lines")
        problems = getattr(x, "problems", ())
        for rule, message in problems:
            add(rule, message)
        if any(rule == "fields" for rule, _ in problems):
            continue
        count[x.anchor] += 1
        if count[x.anchor] == MAX_TARGETS + 1:
            add("too-many", f"{x.anchor} has {totals[x.anchor]} targets; this one is past the limit of "
                            f"{MAX_TARGETS}: keep the best {MAX_TARGETS}")
        expected = last_rank[x.anchor] + 1
        if x.rank is not None and x.rank >= 1 and x.rank != expected:
            add("rank", f"rank {x.rank} where {expected} was due; number each anchor's targets 1, 2, 3, ...")
        last_rank[x.anchor] = x.rank if x.rank is not None and x.rank >= 1 else expected
        length = videos.get(x.video)
        if length is None:
            add("unknown-video", f"video {x.video!r} is not in the collection; check the id or drop the line")
        elif x.video in blacklist:
            add("blacklisted", f"video {x.video!r} is blacklisted; drop the line")
        if x.start is None or x.end is None:
            continue
        for rule, message in _span_rules(x.video, x.start, x.end, length, anchor, exclude_anchor_video, video_end):
            add(rule, message)
        lo, hi = min(x.start, x.end), max(x.start, x.end)
        for line, b0, b1 in earlier[(x.anchor, x.video)]:
            if shares_seconds(lo, hi, b0, b1):
                add("target-overlap", f"target {span_text(lo, hi)} overlaps the target {span_text(b0, b1)} "
                                      f"of line {line}; clip it or drop it")
                break
        earlier[(x.anchor, x.video)].append((number, lo, hi))
    if anchors is not None:
        for anchor_id in anchors:
            if anchor_id not in block_of:
                message = f"anchor {anchor_id} has no targets; return every anchor"
                out.append(Violation(0, anchor_id, "missing-anchor", message))
    return out


def _span_rules(
    video: str, start: float, end: float, length: float | None, anchor: Anchor | None, exclude_anchor_video: bool,
    video_end: bool = True,
) -> list[tuple[str, str]]:
    """The rules about one target's own span: order, duration, video length, the anchor."""
    out = []
    if end <= start:
        how = "ends where it starts" if end == start else "ends before it starts"
        out.append(("end-before-start", f"target {span_text(start, end)} {how}; the end must come after the start"))
    elif not MIN_LENGTH <= end - start <= MAX_LENGTH:
        out.append(("duration", f"target {span_text(start, end)} lasts {end - start:g} s; "
                                f"targets must last {MIN_LENGTH} to {MAX_LENGTH} s"))
    if length is not None and start > length + LENGTH_SLACK:
        out.append(("start-beyond-video", f"target starts at {format_mss(start)}, after the end of {video} "
                                          f"({format_mss(length)}); drop it or move it into the video"))
    elif video_end and length is not None and max(start, end) > math.floor(length):
        # the fixer's test (whole seconds of the listed length), so that each clip answers a violation
        out.append(("end-beyond-video", f"target ends at {format_mss(max(start, end))}, after the end of {video} "
                                        f"({format_mss(math.floor(length))}); clip the end to the video's length"))
    lo, hi = min(start, end), max(start, end)
    if anchor is not None and anchor.video == video:
        if overlaps(lo, hi, anchor.start, anchor.end):
            out.append(("anchor-overlap", f"target {span_text(lo, hi)} overlaps the anchor "
                                          f"{span_text(anchor.start, anchor.end)} (touching counts); move it off the anchor"))
        if exclude_anchor_video:
            out.append(("anchor-video", f"target is in the anchor's video {video}, excluded by --exclude-anchor-video"))
    return out
