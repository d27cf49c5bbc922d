"""Evaluate runs against qrels into result objects, and render them (rich table, JSON, CSV).

Which anchors count: those in both the qrels and the run (the official rule; ``num_q`` drops
for anchors the run misses). ``missing_as_zero`` scores judged anchors absent from the run as 0.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ..errors import InputError
from .maisp import segment_precision
from .measures import MEASURES, AnchorOutcome, aggregate
from .relevance import AnchorQrels, Ranking, build_qrels, label_bins, label_segments, label_tolerance
from .significance import PairedTest, compare
from .trec import RunLine, read_qrels, read_run

__all__ = ["EvalOptions", "RunResult", "Report", "evaluate_run", "evaluate_files", "FORMATS", "TESTED_MEASURES"]

# Effectiveness measures tested for significance when several runs are compared.
TESTED_MEASURES = tuple(
    f"{m}{s}" for s in ("", "_bin", "_tol") for m in ("map", "P_5", "P_10", "P_20")
) + ("maisp", "maisp_0.05", "maisp_0.10", "maisp_0.20")


@dataclass(frozen=True)
class EvalOptions:
    bin_size: int = 300  # seconds per bin of the *_bin measures
    tolerance: int = 15  # seconds of non-relevant content the *_tol user tolerates
    missing_as_zero: bool = False  # strict variant: judged anchors missing from the run score 0

    def __post_init__(self) -> None:
        if self.bin_size < 1:
            raise InputError(f"bin size must be at least 1 second, got {self.bin_size}")
        if self.tolerance < 0:
            raise InputError(f"tolerance window cannot be negative, got {self.tolerance}")


@dataclass(frozen=True)
class RunResult:
    """One run's values, ``all`` (combined over anchors) and ``per_anchor``; ``outcomes`` keep labels and MAiSP."""

    run: str
    all: dict[str, float]
    per_anchor: dict[str, dict[str, float]]
    outcomes: dict[str, AnchorOutcome]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """Several runs evaluated with the same qrels and options; comparisons are against the first run."""

    qrels: str
    options: EvalOptions
    runs: tuple[RunResult, ...]
    comparisons: tuple[PairedTest, ...] = field(default=())


def natural_key(text: str) -> list:
    """Sort ``anchor_2`` before ``anchor_10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def rankings_of(lines: Iterable[RunLine]) -> dict[str, list[RunLine]]:
    """Group a run by anchor, each in rank order (ties keep file order, as the official sort does)."""
    grouped: dict[str, list[RunLine]] = defaultdict(list)
    for line in lines:
        grouped[line.anchor].append(line)
    return {anchor: sorted(group, key=lambda x: x.rank) for anchor, group in grouped.items()}


def _ranking(anchor: str, lines: Sequence[RunLine]) -> Ranking:
    return Ranking.of(anchor, [(x.video, x.start, x.end) for x in lines])


def outcome(qrels: AnchorQrels, ranking: Ranking, options: EvalOptions) -> AnchorOutcome:
    """Label one anchor's ranking every way and walk it for MAiSP."""
    bin_labels, num_rel_bin = label_bins(ranking, qrels, options.bin_size)
    rel_lengths = [e - s for spans in qrels.relevant.values() for s, e in spans]
    lengths = (ranking.ends - ranking.starts).tolist()
    return AnchorOutcome(
        anchor=qrels.anchor,
        labels={
            "": label_segments(ranking, qrels),
            "_bin": bin_labels,
            "_tol": label_tolerance(ranking, qrels, options.tolerance),
        },
        num_rel={"": qrels.num_rel, "_bin": num_rel_bin, "_tol": qrels.num_rel},
        maisp=segment_precision(ranking.triples(), qrels.relevant),
        videos_ret=len(set(ranking.videos)),
        videos_rel=len(qrels.relevant),
        avglength_ret=sum(lengths) / len(lengths) if lengths else 0.0,
        avglength_rel=sum(rel_lengths) / len(rel_lengths) if rel_lengths else 0.0,
    )


def _typed(name: str, value: float) -> float:
    """Whole counts as int, everything else as float (JSON shows ``37``, not ``37.0``)."""
    return int(value) if MEASURES[name].integer and float(value).is_integer() else float(value)


def evaluate_run(
    qrels: Mapping[str, AnchorQrels],
    lines: Sequence[RunLine],
    name: str,
    options: EvalOptions = EvalOptions(),
    path: str | None = None,
) -> RunResult:
    """Every measure of MEASURES for one run, per anchor and combined; ``path`` names the run in messages."""
    where = path or name
    rankings = rankings_of(lines)
    warnings = []
    unknown = sorted(set(rankings) - set(qrels), key=natural_key)
    if unknown:
        warnings.append(f"{where}: {len(unknown)} anchor(s) not in the qrels, left out: {', '.join(unknown)}")
    judged = [a for a in qrels if a in rankings]
    if not judged:
        raise InputError(
            f"none of the run's {len(rankings)} anchors is in the qrels; is this the right qrels file?", where
        )
    missing = sorted(set(qrels) - set(rankings), key=natural_key)
    if missing:
        action = "scored 0" if options.missing_as_zero else "not averaged (official rule; --missing-as-zero: 0)"
        warnings.append(f"{where}: {len(missing)} judged anchor(s) not in the run, {action}: {', '.join(missing)}")
        if options.missing_as_zero:
            judged = list(qrels)
    judged.sort(key=natural_key)
    outcomes = {a: outcome(qrels[a], _ranking(a, rankings.get(a, [])), options) for a in judged}
    values = {a: {m: _typed(m, f.compute(o)) for m, f in MEASURES.items()} for a, o in outcomes.items()}
    combined = {m: _typed(m, aggregate(measure, [v[m] for v in values.values()])) for m, measure in MEASURES.items()}
    per_anchor = {a: {m: x for m, x in v.items() if m != "num_q"} for a, v in values.items()}  # num_q is 1 per anchor
    return RunResult(name, combined, per_anchor, outcomes, tuple(warnings))


def _run_name(path: Path, taken: set[str]) -> str:
    return path.name if path.name not in taken else str(path)


def evaluate_files(
    qrels_path: str | Path,
    run_paths: Sequence[str | Path],
    options: EvalOptions = EvalOptions(),
    trials: int = 10_000,
    seed: int = 0,
) -> Report:
    """Read the qrels and each run, evaluate, and test every later run against the first."""
    qrels = build_qrels(read_qrels(qrels_path))
    results: list[RunResult] = []
    for path in map(Path, run_paths):
        name = _run_name(path, {r.run for r in results})
        results.append(evaluate_run(qrels, read_run(path).items, name, options, str(path)))
    tests: list[PairedTest] = []
    for other in results[1:]:
        baseline = (results[0].run, results[0].per_anchor)
        tests += compare(baseline, (other.run, other.per_anchor), TESTED_MEASURES, trials, seed)
    return Report(str(qrels_path), options, tuple(results), tuple(tests))



# ---- rendering: one function per output format, chosen from FORMATS ----


def format_value(name: str, value: float) -> str:
    """Counts as integers, averaged counts with one decimal, measures with 4 decimals (official precision)."""
    measure = MEASURES[name]
    if measure.integer:
        return f"{int(value)}" if measure.combine == "sum" else f"{value:.1f}"
    return f"{value:.4f}"


def render_table(report: Report):
    """A rich table: one row per measure, one column per run; later runs marked against the first."""
    from rich.console import Group
    from rich.table import Table

    marks = {(t.run, t.measure): t.mark for t in report.comparisons}

    def suffix(run: str, name: str) -> str:  # keeps columns aligned when some values carry stars
        return f" {marks.get((run, name), ''):<3}" if report.comparisons else ""

    o = report.options
    table = Table(title=f"{Path(report.qrels).name}: bin {o.bin_size} s, tolerance {o.tolerance} s"
                  + (", missing anchors = 0" if o.missing_as_zero else ""), title_justify="left")
    table.add_column("measure")
    for run in report.runs:
        table.add_column(run.run, justify="right", overflow="fold")
    for name in MEASURES:
        table.add_row(name, *(format_value(name, r.all[name]) + suffix(r.run, name) for r in report.runs))
    if not report.comparisons:
        return table
    table.caption = (
        f"vs {report.runs[0].run}: * p<0.05  ** p<0.01  *** p<1e-4 (paired t-test and randomisation test agree)"
    )
    tests = Table(title="Paired tests over anchors (run − baseline)", title_justify="left")
    for column in ("measure", "run", "anchors", "mean diff", "p (t-test)", "p (random.)", ""):
        tests.add_column(column, justify="left" if column in ("measure", "run") else "right")
    for t in report.comparisons:
        p_values = f"{t.p_t:.4g}", f"{t.p_randomisation:.4g}"
        tests.add_row(t.measure, t.run, str(t.anchors), f"{t.mean_difference:+.4f}", *p_values, t.mark)
    return Group(table, tests)


def render_json(report: Report) -> str:
    """``{"runs": [{"run", "all", "per_anchor"}], "options", "comparisons"}`` on one line."""
    import json
    from dataclasses import asdict

    doc: dict = {
        "runs": [{"run": r.run, "all": r.all, "per_anchor": r.per_anchor} for r in report.runs],
        "options": asdict(report.options),
    }
    if report.comparisons:
        doc["comparisons"] = [asdict(t) | {"mark": t.mark} for t in report.comparisons]
    return json.dumps(doc) + "\n"


def render_csv(report: Report) -> str:
    """Wide CSV: ``run,anchor,<measures>``, one row per anchor, then the ``all`` row of each run."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = list(MEASURES)
    writer.writerow(["run", "anchor", *names])
    for r in report.runs:
        for anchor, values in r.per_anchor.items():
            writer.writerow([r.run, anchor, *(values.get(n, "") for n in names)])
        writer.writerow([r.run, "all", *(r.all[n] for n in names)])
    return buffer.getvalue()


FORMATS = {"table": render_table, "json": render_json, "csv": render_csv}
