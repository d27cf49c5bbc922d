"""`hyperlink check-run`: list every violation of the submission rules in a linking run, or repair it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from ..errors import InputError
from .common import app, console, err_console, say


def _where(run: str, line: int) -> str:
    return f"{run}:{line}" if line else run


def _out(text: str) -> None:
    console.print(text, highlight=False, soft_wrap=True)


@app.command("check-run")
def check_run(
    run: Path = typer.Argument(..., help="Linking run, 8 fields a line (.gz allowed).", show_default=False),
    collection: Path = typer.Option(
        ..., "--collection", help="Collection list '<videoId> HH:MM:SS' (or .csv/.jsonl).", show_default=False
    ),
    anchors: Path = typer.Option(
        ..., "--anchors", help="Anchors file (XML of MediaEval/TRECVID, or CSV).", show_default=False
    ),
    blacklist: Optional[Path] = typer.Option(
        None, "--blacklist", help="Blacklisted video ids, one a line: also report (and drop) targets in them."
    ),
    exclude_anchor_video: bool = typer.Option(
        False, "--exclude-anchor-video", help="Stricter: no target anywhere in the anchor's video."
    ),
    fix: Optional[Path] = typer.Option(
        None, "--fix", metavar="OUT", help="Write the repaired run to OUT (what the official fixer does) and exit 0."
    ),
    as_json: bool = typer.Option(False, "--json", help='One JSON object: {"run", "valid", "counts", "violations", ...}.'),
) -> None:
    r"""Check a linking run against the TRECVID / MediaEval submission rules.

    Lists each violation as RUN:LINE: \[rule] message, then a count per rule; exit 0 if valid, 3 if not.

    With --fix, also writes the run repaired as the official fixer does (drop, swap, clip, cut, stretch,
    renumber, truncate) and counts the changes; exit 0.

    Example: hyperlink check-run run.txt --collection bliptv2.txt --anchors tv16hlk_test_anchors.xml --fix fixed.txt
    """
    from ..runcheck import FIXES, RULES, check_run_file

    result = check_run_file(
        run, collection, anchors, blacklist, exclude_anchor_video=exclude_anchor_video, fix_to=fix
    )
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        for v in result.violations:
            _out(f"{escape(_where(result.run, v.line))}: [bold]\\[{v.rule}][/] {escape(v.message)}")
        if result.violations:
            _out(f"{len(result.violations)} violation(s) in {escape(result.run)}:")
            for rule, n in result.counts().items():
                _out(f"  {rule:<20} {n:>6}  {escape(RULES[rule])}")
        else:
            _out(f"{escape(result.run)}: valid, no rule broken")
        if result.fixed is not None:
            _out(f"wrote {result.written} target(s) to {escape(result.fixed)}; changes:")
            for action, n in result.change_counts().items():
                _out(f"  {action:<20} {n:>6}  {escape(FIXES[action])}")
    for v in result.remaining:  # what no fix can repair, such as an anchor without targets
        err_console.print(f"[yellow]warning:[/] fixed run: {escape(v.message)}", highlight=False, soft_wrap=True)
    if result.fixed is not None:
        say("every change, line by line, is listed with --json")
        return
    if not result.valid:  # InputError: exit 3, as for any malformed input
        count = len(result.violations)
        raise InputError(f"{count} violation(s) of the submission rules; repair them with --fix OUT", run)
