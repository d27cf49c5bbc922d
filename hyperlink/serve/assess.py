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

__all__ = ["judge", "qrels_text", "unjudge"]

SOURCE = "assessor (hyperlink serve)"  # what the store's error messages name as the judgment's origin


def judge(store: Store, anchor: str, video: str, start: float, end: float, rel: int) -> Judgment:
    """Store one judgment. Times are whole seconds (the qrels resolution). Judging a span again with
    the same mark changes nothing; with the other mark it replaces the first (an assessor correcting
    a click), in one transaction. (Ingesting a qrels file still refuses a span judged both ways.)"""
    judgment = _judgment(anchor, video, start, end, rel)
    with store.transaction() as tx:
        tx.remove_judgment(judgment.anchor, judgment.video, judgment.start, judgment.end)
        tx.add_judgments(Parsed(SOURCE, [judgment], [1]))
    return judgment


def unjudge(store: Store, anchor: str, video: str, start: float, end: float) -> int:
    """Withdraw the judgment of ``anchor`` on exactly this span (whole seconds, as :func:`judge` stores
    it); 1, or 0 when there was none (withdrawing twice is harmless)."""
    key = _judgment(anchor, video, start, end, 0)
    with store.transaction() as tx:
        return tx.remove_judgment(key.anchor, key.video, key.start, key.end)


def _judgment(anchor: str, video: str, start: float, end: float, rel: int) -> Judgment:
    if not (math.isfinite(start) and math.isfinite(end)):
        raise InputError(f"times must be finite numbers of seconds, got {start!r}-{end!r}")
    try:
        return Judgment(anchor, video, float(round(start)), float(round(end)), int(rel))
    except ValueError as exc:
        raise InputError(str(exc)) from None


def qrels_text(store: Store) -> str:
    """Every stored judgment as official qrels lines, sorted by anchor (naturally), video, start, end."""
    rows = sorted(store.judgments(), key=lambda j: (natural_key(j.anchor), j.video, j.start, j.end))
    return "".join(f"{j.anchor} Q0 {j.video} {format_mss(j.start)} {format_mss(j.end)} {j.rel}\n" for j in rows)
