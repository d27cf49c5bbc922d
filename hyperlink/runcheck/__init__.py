"""Validity of linking runs (the TRECVID / MediaEval submission rules) and the official-style fixer.

Typical use::

    from hyperlink.runcheck import check_run_file
    result = check_run_file("run.txt", "bliptv2.txt", "anchors.xml", fix_to="run.fixed.txt")
    result.counts(), result.change_counts()

or, on data already read: ``check_run(read_run(path, strict=False), videos, blacklist, anchors)``
and ``fix_run(...)`` with the same arguments.
"""

from .check import LENGTH_SLACK, MAX_LENGTH, MAX_TARGETS, MIN_LENGTH, RULES, Violation, check_run, shares_seconds
from .files import RunCheck, RunContext, check_run_file, run_context
from .fix import ANSWERS, FIXES, Change, fix_run

__all__ = [
    "ANSWERS",
    "FIXES",
    "LENGTH_SLACK",
    "MAX_LENGTH",
    "MAX_TARGETS",
    "MIN_LENGTH",
    "RULES",
    "Change",
    "RunCheck",
    "RunContext",
    "Violation",
    "check_run",
    "check_run_file",
    "fix_run",
    "run_context",
    "shares_seconds",
]
