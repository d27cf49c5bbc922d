"""Assessor mode: a judgment given on a page is written to the store (one transaction), and the
store's judgments export as an official qrels file (``<anchor> Q0 <video> <start> <end> <rel>``, M.SS)."""

from __future__ import annotations

import math

from ..errors import InputError
from ..evaluate.report import natural_key
from ..parsed import Parsed
from ..store import Store
from ..timecode import format_mss
from ..types import Judgment

__all__ = ["judge", "qrels_text"]

SOURCE = "assessor (hyperlink serve)"  # what the store's error messages name as the judgment's origin


def judge(store: Store, anchor: str, video: str, start: float, end: float, rel: int) -> Judgment:
    """Store one judgment. Times are whole seconds (the qrels resolution). Judging a span again with
    the same mark changes nothing; with the other mark it is refused (one judgment per span)."""
    if not (math.isfinite(start) and math.isfinite(end)):
        raise InputError(f"times must be finite numbers of seconds, got {start!r}-{end!r}")
    try:
        judgment = Judgment(anchor, video, float(round(start)), float(round(end)), int(rel))
    except ValueError as exc:
        raise InputError(str(exc)) from None
    with store.transaction() as tx:
        tx.add_judgments(Parsed(SOURCE, [judgment], [1]))
    return judgment


def qrels_text(store: Store) -> str:
    """Every stored judgment as official qrels lines, sorted by anchor (naturally), video, start, end."""
    rows = sorted(store.judgments(), key=lambda j: (natural_key(j.anchor), j.video, j.start, j.end))
    return "".join(f"{j.anchor} Q0 {j.video} {format_mss(j.start)} {format_mss(j.end)} {j.rel}\n" for j in rows)
