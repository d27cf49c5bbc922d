"""`hyperlink evaluate`: official measures of linking runs, side by side, with significance and a plot."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape

from ..errors import InputError
from .common import app, console, err_console, say


@app.command("evaluate")
def evaluate(
    qrels: Path = typer.Argument(..., help="Qrels: '<anchor> Q0 <video> <start> <end> <rel>' (.gz allowed).", show_default=False),
    runs: List[Path] = typer.Argument(
        ..., help="Linking runs, 8 fields a line (.gz allowed); later runs are tested against the first.", show_default=False
    ),
    bin_size: int = typer.Option(300, "--bin-size", help="Seconds per bin for the *_bin measures."),
    tolerance: int = typer.Option(15, "--tolerance", help="Seconds of non-relevant content tolerated (*_tol measures)."),
    missing_as_zero: bool = typer.Option(
        False, "--missing-as-zero", help="Score judged anchors missing from a run as 0 (official: left out of the mean)."
    ),
    as_json: bool = typer.Option(False, "--json", help='One JSON object: {"runs": [{"run", "all", "per_anchor"}], ...}.'),
    as_csv: bool = typer.Option(False, "--csv", help="CSV, one row per run and anchor (plus 'all')."),
    plot: Optional[Path] = typer.Option(None, "--plot", metavar="FILE.png", help="Draw per-anchor P@10 and precision curves."),
    trials: int = typer.Option(10_000, "--trials", help="Randomisation-test trials when comparing runs."),
    seed: int = typer.Option(0, "--seed", help="Seed of the randomisation test."),
) -> None:
    """Score linking runs with the official MediaEval / TRECVID hyperlinking measures.

    Overlap (map, P_k), 5-minute bins (*_bin), tolerance to irrelevance (*_tol) and MAiSP, per anchor and averaged.

    With several runs, each is tested against the first: * ** *** mark p < 0.05, 0.01, 1e-4.

    Example: hyperlink evaluate me14sh_linking_testSet.qrel run_a.txt.gz run_b.txt --plot runs.png
    """
    from ..evaluate.report import FORMATS, EvalOptions, evaluate_files

    if as_json and as_csv:
        raise InputError("choose one output format: --json or --csv, not both")
    if plot is not None and not plot.parent.is_dir():
        raise InputError("the folder for the plot does not exist; create it or pick another path", plot)
    if trials < 1:
        raise InputError(f"--trials must be at least 1, got {trials}")
    report = evaluate_files(qrels, runs, EvalOptions(bin_size, tolerance, missing_as_zero), trials=trials, seed=seed)
    for run in report.runs:
        for warning in run.warnings:
            err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    rendered = FORMATS["json" if as_json else "csv" if as_csv else "table"](report)
    if isinstance(rendered, str):
        sys.stdout.write(rendered)
    else:
        console.print(rendered)
    if plot is not None:
        from ..evaluate.plots import plot_runs

        say(f"wrote {plot_runs(report.runs, plot)}")
