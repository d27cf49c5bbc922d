"""`hyperlink evaluate`: official measures of linking runs, side by side, with significance and a plot."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape

from ..errors import InputError
from ..settings import MAX_SEED, MAX_TIME
from .common import app, console, err_console, say


@app.command("evaluate")
def evaluate(
    qrels: Path = typer.Argument(..., help="Qrels: '<anchor> Q0 <video> <start> <end> <rel>' (.gz allowed).", show_default=False),
    runs: List[Path] = typer.Argument(
        ..., help="Linking runs, 8 fields a line (.gz allowed); later runs are tested against the first.", show_default=False
    ),
    bin_size: int = typer.Option(300, "--bin-size", min=1, max=MAX_TIME, help="Seconds per bin for the *_bin measures."),
    tolerance: int = typer.Option(15, "--tolerance", min=0, max=MAX_TIME, help="Seconds of non-relevant content tolerated (*_tol measures)."),
    missing_as_zero: bool = typer.Option(
        False, "--missing-as-zero", help="Score judged anchors missing from a run as 0 (official: left out of the mean)."
    ),
    as_json: bool = typer.Option(False, "--json", help='One JSON object: {"runs": [{"run", "all", "per_anchor"}], ...}.'),
    as_csv: bool = typer.Option(False, "--csv", help="CSV, one row per run and anchor (plus 'all')."),
    measures: Optional[str] = typer.Option(
        None, "--measures", metavar="M1,M2,...",
        help="Measures to show, comma-separated, or 'all' (default: the headline measures; with --json/--csv: all).",
    ),
    plot: Optional[Path] = typer.Option(None, "--plot", metavar="FILE.png", help="Draw a measure per anchor and precision curves."),
    plot_measure: str = typer.Option("map", "--plot-measure", metavar="MEASURE", help="The measure --plot draws per anchor."),
    trials: int = typer.Option(10_000, "--trials", min=1, max=10_000_000, help="Randomisation-test trials when comparing runs."),
    seed: int = typer.Option(0, "--seed", min=0, max=MAX_SEED, help="Seed of the randomisation test."),
) -> None:
    """Score linking runs with the official MediaEval / TRECVID hyperlinking measures.

    Overlap (map, P_k), 5-minute bins (*_bin), tolerance to irrelevance (*_tol) and MAiSP, per anchor and averaged.
    The table shows the headline measures; --measures all shows every one. Columns are named by run tag.

    With several runs, each is tested against the first: * ** *** mark p < 0.05, 0.01, 1e-4.

    map can exceed 1: as in the official tool, every target on a relevant segment counts (map_once: each segment once).

    Example: hyperlink evaluate me14sh_linking_testSet.qrel run_a.txt.gz run_b.txt --plot runs.png
    """
    from ..evaluate.report import FORMATS, EvalOptions, evaluate_files, select_measures

    chosen = select_measures(measures)
    select_measures([plot_measure])
    if plot is None and plot_measure != "map":
        raise InputError("--plot-measure needs --plot FILE.png")
    if as_json and as_csv:
        raise InputError("choose one output format: --json or --csv, not both")
    if plot is not None:
        from ..files import output_file

        output_file(plot, "plot")
    if trials < 1:
        raise InputError(f"--trials must be at least 1, got {trials}")
    report = evaluate_files(qrels, runs, EvalOptions(bin_size, tolerance, missing_as_zero), trials=trials, seed=seed)
    for run in report.runs:
        for warning in run.warnings:
            err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    if plot is not None:  # drawn first, so that the table and its summary are the last lines printed
        from ..evaluate.plots import plot_runs

        say(f"wrote {escape(str(plot_runs(report.runs, plot, plot_measure, report.comparisons)))}")
    if as_json or as_csv:
        sys.stdout.write(FORMATS["json" if as_json else "csv"](report, None if measures is None else chosen))
    else:
        console.print(FORMATS["table"](report, chosen, console.width))
