"""The run fixer: repair a linking run the way the official ``sh_fix`` does, so that it passes the check.

It keeps the check's overlap rules (see :mod:`hyperlink.runcheck.check`): off the anchor with
closed intervals, off earlier targets with touching allowed. ``sh_fix`` treats linking runs more
bluntly than search runs: it drops inverted targets, overlaps with earlier targets and every
target in the anchor's video, and leaves ends past the video's end. Its search-run branch swaps,
clips overlaps and clips to the video end; this fixer does that for linking runs too, as the
evaluation notes describe (``exclude_anchor_video=True`` drops the anchor's video as ``sh_fix``
does), and where a stretched target would pass the video's end it moves the start back.

>>> from hyperlink.evaluate.trec import RunLine
>>> fixed, changes = fix_run([(1, RunLine("a1", "v", 295, 297, 1, 0.9, "r"))], {"v": 300.0}, set(), None)
>>> fixed[0].start, fixed[0].end, [c.action for c in changes]
(290, 300, ['stretch'])
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping

from ..evaluate.trec import RunLine
from ..parsed import Parsed
from ..timecode import format_mss
from ..types import Anchor
from .check import LENGTH_SLACK, MAX_LENGTH, MAX_TARGETS, MIN_LENGTH, Target, numbered, span_text

__all__ = ["ANSWERS", "FIXES", "Change", "fix_run"]

#: What the fixer does, by short code; every change it makes names one.
FIXES: dict[str, str] = {
    "drop-malformed": "dropped: a field does not parse (field count, time or score)",
    "drop-unknown-anchor": "dropped: the anchor is not in the anchors file",
    "drop-unknown-video": "dropped: the video is not in the collection",
    "drop-blacklisted": "dropped: the video is blacklisted",
    "drop-anchor-video": "dropped: in the anchor's video (--exclude-anchor-video)",
    "drop-beyond-video": "dropped: starts after the video's end (more than LENGTH_SLACK past it)",
    "drop-no-room": "dropped: no free 10 s for it (inside earlier targets or the anchor, or a video under 10 s)",
    "swap": "inverted start and end swapped",
    "clip-video-end": "end clipped to the video's length",
    "clip-anchor": "clipped off the anchor segment",
    "clip-target": "clipped off targets returned earlier",
    "cut": f"cut to {MAX_LENGTH} s from its start",
    "stretch": f"stretched to {MIN_LENGTH} s (start moved back where the end met a limit)",
    "reorder": "an anchor's lines gathered into one block, in rank order",
    "renumber": "ranks renumbered 1, 2, 3, ...",
    "truncate": f"targets past the {MAX_TARGETS}th dropped",
}
_UNFIXABLE = {"fields", "time", "score"}
_SPAN = {"duration", "end-beyond-video", "anchor-overlap", "target-overlap"}

#: The violations (``RULES`` codes) each fix answers: every change the fixer makes repairs a
#: violation :func:`~hyperlink.runcheck.check.check_run` reports for the same anchor (with the same
#: ``exclude_anchor_video`` and ``video_end``); ``renumber`` also follows any dropped line.
ANSWERS: dict[str, frozenset[str]] = {
    "drop-malformed": frozenset({"fields", "time", "score"}),
    "drop-unknown-anchor": frozenset({"unknown-anchor"}),
    "drop-unknown-video": frozenset({"unknown-video"}),
    "drop-blacklisted": frozenset({"blacklisted"}),
    "drop-anchor-video": frozenset({"anchor-video"}),
    "drop-beyond-video": frozenset({"start-beyond-video"}),
    "drop-no-room": frozenset(_SPAN),
    "swap": frozenset({"end-before-start"}),
    "clip-video-end": frozenset({"end-beyond-video"}),
    "clip-anchor": frozenset({"anchor-overlap"}),
    "clip-target": frozenset({"target-overlap"}),
    "cut": frozenset({"duration"}),
    "stretch": frozenset(_SPAN),
    "reorder": frozenset({"block", "rank"}),
    "renumber": frozenset({"rank", "fields", "time", "score", "unknown-video", "blacklisted", "anchor-video",
                           "start-beyond-video", *_SPAN}),
    "truncate": frozenset({"too-many"}),
}


@dataclass(frozen=True, slots=True)
class Change:
    """One repair: the input ``line`` (of the anchor's first line for per-anchor ones), a ``FIXES`` code, what."""

    line: int
    anchor: str
    action: str
    message: str

    def __post_init__(self) -> None:
        if self.action not in FIXES:
            raise ValueError(f"unknown fix {self.action!r}; choose one of {', '.join(FIXES)}")


def _gaps(blocked: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Free stretches ``[g0, g1]`` of ``[0, length]``: a target inside one conflicts with no
    blocked ``(lo, hi)``, where a target conflicts when ``start < hi and lo < end``."""
    gaps, at = [], 0
    for lo, hi in sorted(blocked):
        if min(lo, length) > at:
            gaps.append((at, min(lo, length)))
        at = max(at, hi)
    if at < length:
        gaps.append((at, length))
    return gaps


def _place(start: int, end: int, gaps: list[tuple[int, int]]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The longest free piece of ``[start, end]`` (earliest on ties) and its gap; None if none is left."""
    best = None
    for g0, g1 in gaps:
        p0, p1 = max(start, g0), min(end, g1)
        if p0 < p1 or (start == end and p0 == p1):
            if best is None or p1 - p0 > best[0][1] - best[0][0]:
                best = ((p0, p1), (g0, g1))
    return best


def fix_run(
    lines: Parsed | Iterable[tuple[int, Target]],
    videos: Mapping[str, float],
    blacklist: set[str] | frozenset[str],
    anchors: Mapping[str, Anchor] | None,
    *,
    exclude_anchor_video: bool = False,
    video_end: bool = True,
) -> tuple[list[RunLine], list[Change]]:
    """Repair a run the way the official fixer does, so that the result passes :func:`check_run`.

    Per anchor (in order of first appearance, lines in rank order, file order on ties): drop lines
    that do not parse, name no known video or a blacklisted one (or, with ``exclude_anchor_video``,
    the anchor's video); swap inverted times; clip the span to the free part of the video -- the
    video's length, off the anchor (touching counts) and off earlier kept targets (touching is
    fine) -- keeping the longest piece; cut it to 120 s from its start; stretch it to 10 s, moving
    the start back where the end meets the video end or the next blocked span; drop it when no
    10 s are free. Then renumber ranks 1..n and keep the first 1000. Missing anchors stay missing.

    Clipping comes before cutting so that a long target on top of an earlier one keeps its free
    part, and stretching comes last so that no clip can shorten it again. Times are whole seconds.
    ``video_end`` False leaves ends past the video's length alone, as the official fixer does for
    linking runs (and as :func:`check_run` with ``video_end=False`` accepts them).
    """
    pairs = numbered(lines)
    groups: dict[str, list[tuple[int, int, Target]]] = {}
    for index, (number, x) in enumerate(pairs):
        groups.setdefault(x.anchor, []).append((index, number, x))
    fixed: list[RunLine] = []
    changes: list[Change] = []
    for anchor_id, group in groups.items():
        first = group[0][1]
        anchor = None if anchors is None else anchors.get(anchor_id)
        if anchors is not None and anchor is None:
            changes.append(Change(first, anchor_id, "drop-unknown-anchor",
                                  f"{len(group)} line(s) of {anchor_id!r}, which is not in the anchors file"))
            continue
        ordered = sorted(group, key=lambda t: (t[2].rank if t[2].rank is not None else math.inf, t[0]))
        if ordered != group or group[-1][0] - group[0][0] != len(group) - 1:
            changes.append(Change(first, anchor_id, "reorder", f"{len(group)} lines of {anchor_id} written in one block, by rank"))
        kept = _fix_anchor(anchor, [(n, x) for _, n, x in ordered], videos, blacklist, exclude_anchor_video, changes,
                           video_end)
        if len(kept) > MAX_TARGETS:
            extra = len(kept) - MAX_TARGETS
            changes.append(Change(kept[MAX_TARGETS][0], anchor_id, "truncate", f"{extra} target(s) past the {MAX_TARGETS}th dropped"))
            kept = kept[:MAX_TARGETS]
        moved = [n for rank, (n, old, _) in enumerate(kept, 1) if old != rank]
        if moved:
            message = f"ranks of {anchor_id} renumbered 1..{len(kept)} ({len(moved)} changed)"
            changes.append(Change(moved[0], anchor_id, "renumber", message))
        fixed.extend(replace(x, rank=rank) for rank, (_, _, x) in enumerate(kept, 1))
    return fixed, changes


def _fix_anchor(
    anchor: Anchor | None,
    ordered: list[tuple[int, Target]],
    videos: Mapping[str, float],
    blacklist: set[str] | frozenset[str],
    exclude_anchor_video: bool,
    changes: list[Change],
    video_end: bool = True,
) -> list[tuple[int, int | None, RunLine]]:
    """The kept targets of one anchor as (input line, input rank, target ranked 1 for now)."""
    kept: list[tuple[int, int | None, RunLine]] = []
    blocked: dict[str, list[tuple[int, int, int]]] = defaultdict(list)  # video -> (lo, hi, line); line 0: the anchor
    if anchor is not None:  # closed interval: a target must end before it starts, or start after it ends
        blocked[anchor.video].append((math.ceil(anchor.start) - 1, math.floor(anchor.end) + 1, 0))
    for number, x in ordered:
        def change(action: str, message: str) -> None:
            changes.append(Change(number, x.anchor, action, message))

        problems = [m for rule, m in getattr(x, "problems", ()) if rule in _UNFIXABLE]
        length = videos.get(x.video)
        if problems:
            change("drop-malformed", problems[0])
        elif length is None:
            change("drop-unknown-video", f"video {x.video!r} is not in the collection")
        elif x.video in blacklist:
            change("drop-blacklisted", f"video {x.video!r} is blacklisted")
        elif exclude_anchor_video and anchor is not None and x.video == anchor.video:
            change("drop-anchor-video", f"target is in the anchor's video {x.video}")
        else:
            span = _fix_target(round(x.start), round(x.end), math.floor(length), x.video, blocked[x.video], change,
                               video_end)
            if span is not None:
                blocked[x.video].append((*span, number))
                kept.append((number, x.rank, RunLine(x.anchor, x.video, *span, 1, x.score, x.run_name)))
    return kept


def _fix_target(
    start: int, end: int, length: int, video: str, blocked: list[tuple[int, int, int]], change: Callable[[str, str], None],
    video_end: bool = True,
) -> tuple[int, int] | None:
    """The repaired span of one target, or None to drop it; each step reported through ``change``."""
    if end < start:
        change("swap", f"start and end swapped: {span_text(end, start)} is now {span_text(start, end)}")
        start, end = end, start
    if start > length + LENGTH_SLACK:
        change("drop-beyond-video", f"{span_text(start, end)} starts after the end of {video} ({format_mss(length)})")
        return None
    listed = length
    if not video_end:  # the official linking-run fixer: the video's end limits nothing
        length = max(length, end)
    if end > length:
        clipped = (min(start, length), length)
        ends = f"{video} ends at {format_mss(length)}"
        change("clip-video-end", f"{span_text(start, end)} clipped to {span_text(*clipped)}: {ends}")
        start, end = clipped
    hits = [line for lo, hi, line in blocked if start < hi and lo < end]
    why = []
    if 0 in hits:
        lo, hi = next((lo, hi) for lo, hi, line in blocked if line == 0)
        why.append(("clip-anchor", f"the anchor is {span_text(lo + 1, hi - 1)}, touching counts"))
    if any(hits):
        why.append(("clip-target", "it overlapped the target(s) of line(s) " + ", ".join(str(n) for n in hits if n)))
    placed = _place(start, end, _gaps([(lo, hi) for lo, hi, _ in blocked], length))
    if placed is None:
        reason = "; ".join(m for _, m in why) or f"{video} lasts {length} s"
        change("drop-no-room", f"{span_text(start, end)} has no free part: {reason}")
        return None
    (p0, p1), (g0, g1) = placed
    if (p0, p1) != (start, end):
        for action, message in why:
            change(action, f"{span_text(start, end)} clipped to {span_text(p0, p1)}: {message}")
    if p1 - p0 > MAX_LENGTH:
        change("cut", f"{span_text(p0, p1)} lasted {p1 - p0} s; cut to {span_text(p0, p0 + MAX_LENGTH)}")
        p1 = p0 + MAX_LENGTH
    if p1 - p0 < MIN_LENGTH:
        if g1 - g0 < MIN_LENGTH:
            room = f"{video} lasts only {length} s" if (g0, g1) == (0, length) else f"only {g1 - g0} s around it are free"
            change("drop-no-room", f"{span_text(p0, p1)} is shorter than {MIN_LENGTH} s and {room}")
            return None
        e2 = min(g1, p0 + MIN_LENGTH)
        limit = f"{video} ends" if g1 == length else "the next blocked span starts"
        moved = f" (start moved back: {limit} at {format_mss(g1)})" if e2 - MIN_LENGTH < p0 else ""
        change("stretch", f"{span_text(p0, p1)} lasted {p1 - p0} s; stretched to {span_text(e2 - MIN_LENGTH, e2)}{moved}")
        p0, p1 = e2 - MIN_LENGTH, e2
    if p0 > listed + LENGTH_SLACK:  # only without video_end: clipping off earlier targets pushed it out
        change("drop-no-room", f"{span_text(start, end)} has no free part that starts inside {video} "
                               f"({format_mss(listed)})")
        return None
    return p0, p1
