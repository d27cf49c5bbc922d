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
    collection: Optional[Path] = typer.Option(
        None, "--collection", help="Collection list '<videoId> HH:MM:SS' (or .csv/.jsonl); default: the store's videos.",
        show_default=False,
    ),
    anchors: Optional[Path] = typer.Option(
        None, "--anchors", help="Anchors file (XML of MediaEval/TRECVID, or CSV); default: the store's anchors.",
        show_default=False,
    ),
    blacklist: Optional[Path] = typer.Option(
        None, "--blacklist", help="Blacklisted video ids, one a line: also report (and drop) targets in them "
        "(default: the store's blacklist when the store gives the collection or anchors).",
    ),
    official: bool = typer.Option(
        False, "--official", help="Only the official checker's rules: no blacklist, ends past a video's listed "
        "length allowed (and left alone by --fix).",
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
    The collection, anchors and blacklist come from the store unless given as files.

    Beyond the official rules: blacklisted videos and ends past the video (TRECVID's "Valid" run fails); see --official.

    With --fix, also writes the run repaired as the official fixer does; each change answers a violation listed; exit 0.

    Example: hyperlink check-run run.txt --fix fixed.txt     (or: --collection bliptv2.txt --anchors tv16hlk_test_anchors.xml)
    """
    from ..runcheck import FIXES, RULES, check_run_file

    store = None
    if collection is None or anchors is None:
        from .common import open_store

        store = open_store()
    result = check_run_file(run, collection, anchors, blacklist, store=store, official=official,
                            exclude_anchor_video=exclude_anchor_video, fix_to=fix)
    if result.sources:
        say("checked against: " + ", ".join(f"{what} from {escape(where)}" for what, where in result.sources.items()))
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        for v in result.violations:
            _out(f"{escape(_where(result.run, v.line))}: [bold]\\[{v.rule}][/] {escape(v.message)}")
        if result.violations:
            _out(f"{len(result.violations)} violation(s) in {escape(result.run)}, by rule:")
            width = max(len(rule) for rule in result.counts())
            for rule, n in result.counts().items():
                _out(f"  {n:>6}  {rule:<{width}}  {escape(RULES[rule])}")
        else:
            _out(f"{escape(result.run)}: valid, no rule broken")
        if result.fixed is not None:
            _out(f"wrote {result.written} target(s) to {escape(result.fixed)}; changes:")
            width = max((len(action) for action in result.change_counts()), default=0)
            for action, n in result.change_counts().items():
                _out(f"  {n:>6}  {action:<{width}}  {escape(FIXES[action])}")
    for v in result.remaining:  # what no fix can repair, such as an anchor without targets
        err_console.print(f"[yellow]warning:[/] fixed run: {escape(v.message)}", highlight=False, soft_wrap=True)
    if result.fixed is not None:
        say("every change, line by line, is listed with --json")
        return
    if not result.valid:  # InputError: exit 3, as for any malformed input
        count = len(result.violations)
        raise InputError(f"{count} violation(s) of the submission rules; repair them with --fix OUT", run)
