"""Evaluate runs against qrels into result objects, and render them (rich table, JSON, CSV).

Which anchors count: those in both the qrels and the run (the official rule; ``num_q`` drops
for anchors the run misses). ``missing_as_zero`` scores judged anchors absent from the run as 0.

A run is named by its run tag (the 8th field) when the file has one tag and no other run shares
it; otherwise by its file name. The table shows ``DEFAULT_MEASURES`` (the campaigns' headline
measures) unless told otherwise, and a note whenever an (M)AP exceeds 1 and why.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ..errors import InputError
from .maisp import segment_precision
from .measures import MEASURES, ONCE, VARIANTS, AnchorOutcome, aggregate
from .relevance import AnchorQrels, Ranking, build_qrels, label_bins, label_segments, label_tolerance
from .significance import PairedTest, compare
from .trec import RunLine, read_qrels, read_run

__all__ = [
    "EvalOptions", "RunResult", "Report", "evaluate_run", "evaluate_files", "FORMATS", "TESTED_MEASURES",
    "DEFAULT_MEASURES", "select_measures", "notes", "summary",
]

# Effectiveness measures tested for significance when several runs are compared.
TESTED_MEASURES = tuple(
    f"{m}{s}" for s in ("", "_bin", "_tol") for m in ("map", "P_5", "P_10", "P_20")
) + ("maisp", "maisp_0.05", "maisp_0.10", "maisp_0.20", f"map{ONCE}")

#: The table's default rows: the headline measures of MediaEval 2014 (map, P@5/10/20, map_bin,
#: map_tol) and TRECVID 2015-16 (MAiSP, precision with tolerance to irrelevance), plus the
#: count-once variant beside map and num_q (how many anchors were averaged).
DEFAULT_MEASURES = (
    "num_q", "map", f"map{ONCE}", "P_5", "P_10", "P_20", "map_bin", "map_tol", "P_5_tol", "P_10_tol", "P_20_tol",
    "maisp",
)


def select_measures(spec: str | Sequence[str] | None) -> tuple[str, ...]:
    """Measure names from ``"map,P_10,maisp"`` (or a list); None or ``default`` gives DEFAULT_MEASURES,
    ``all`` every measure. An unknown name is an InputError naming the choices.

    >>> select_measures("map, P_10")
    ('map', 'P_10')
    """
    if spec is None:
        return DEFAULT_MEASURES
    parts = [spec] if isinstance(spec, str) else list(spec)
    names = [name.strip() for part in parts for name in part.split(",") if name.strip()]
    if names == ["all"]:
        return tuple(MEASURES)
    if names in ([], ["default"]):
        return DEFAULT_MEASURES
    for name in names:
        if name not in MEASURES:
            raise InputError(f"unknown measure {name}; choose one of {', '.join(MEASURES)} (or all, default)")
    return tuple(dict.fromkeys(names))


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
            "": (official := label_segments(ranking, qrels)),
            "_bin": bin_labels,
            "_tol": label_tolerance(ranking, qrels, options.tolerance),
            ONCE: label_once(ranking, qrels, official),
        },
        num_rel={"": qrels.num_rel, "_bin": num_rel_bin, "_tol": qrels.num_rel},
        maisp=segment_precision(ranking.triples(), qrels.relevant),
        videos_ret=len(set(ranking.videos)),
        videos_rel=len(qrels.relevant),
        avglength_ret=sum(lengths) / len(lengths) if lengths else 0.0,
        avglength_rel=sum(rel_lengths) / len(rel_lengths) if rel_lengths else 0.0,
    )


def label_once(ranking: Ranking, qrels: AnchorQrels, official: str) -> str:
    """The variant labelling of ``map_once``: ``1`` for a target that overlaps (closed intervals, as
    the official labelling) a merged relevant segment no better-ranked target overlapped, ``s`` for
    one whose relevant segments were all credited already; other marks as in ``official``.

    >>> from hyperlink.types import Judgment
    >>> q = build_qrels([Judgment("a", "v", 10, 20, 1), Judgment("a", "v", 50, 60, 1)])["a"]
    >>> r = Ranking.of("a", [("v", 0, 12), ("v", 15, 30), ("v", 40, 55), ("w", 0, 9)])
    >>> label_segments(r, q), label_once(r, q, label_segments(r, q))
    ('111-', '1s1-')
    """
    credited: set[tuple[str, int, int]] = set()
    marks = []
    for (video, start, end), mark in zip(ranking.triples(), official):
        if mark != "1":
            marks.append(mark)
            continue
        hit = {(video, s, e) for s, e in qrels.relevant.get(video, ()) if s <= end and start <= e}
        marks.append("1" if hit - credited else "s")
        credited |= hit
    return "".join(marks)


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


def run_names(paths: Sequence[Path], tags: Sequence[set[str]]) -> list[str]:
    """Column names of runs: the run tag when a file has exactly one and no other run has it,
    else the file name (the whole path when file names clash too).

    >>> run_names([Path("a/r.txt"), Path("b/r.txt"), Path("c.txt")], [{"x"}, {"x"}, {"bidnn"}])
    ['a/r.txt', 'b/r.txt', 'bidnn']
    """
    single = [next(iter(t)) if len(t) == 1 else None for t in tags]
    counts: dict[str, int] = defaultdict(int)
    for tag in single:
        if tag is not None:
            counts[tag] += 1
    names: list[str] = []
    for path, tag in zip(paths, single):
        wanted = tag if tag is not None and counts[tag] == 1 else path.name
        clash = wanted == path.name and sum(p.name == path.name for p in paths) > 1
        if clash or wanted in names:
            wanted = str(path)
        names.append(wanted)
    return names


def evaluate_files(
    qrels_path: str | Path,
    run_paths: Sequence[str | Path],
    options: EvalOptions = EvalOptions(),
    trials: int = 10_000,
    seed: int = 0,
) -> Report:
    """Read the qrels and each run, evaluate, and test every later run against the first."""
    qrels = build_qrels(read_qrels(qrels_path))
    paths = [Path(p) for p in run_paths]
    runs = [read_run(path).items for path in paths]
    names = run_names(paths, [{line.run_name for line in lines} for lines in runs])
    results: list[RunResult] = []
    for path, name, lines in zip(paths, names, runs):
        results.append(evaluate_run(qrels, lines, name, options, str(path)))
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


_AP = ("map", "map_bin", "map_tol")  # official AP measures that can pass 1

_WHY = {
    "map": "every target overlapping a relevant segment counts as a hit, so several targets on one relevant "
           "segment all count while num_rel counts each segment once",
    "map_bin": "relevant bins are credited by every judgment covering them",
    "map_tol": "a target is credited when its first seconds meet relevant content not yet seen, so one long "
               "relevant segment can be credited several times",
}


def notes(report: Report) -> list[str]:
    """Plain sentences a reader needs beside the numbers: where an official (M)AP exceeds 1, and why."""
    over: list[str] = []
    why: list[str] = []
    for name in _AP:
        for r in report.runs:
            anchors = sum(1 for v in r.per_anchor.values() if v[name] > 1)
            if not anchors:
                continue
            counts = f"; num_rel_ret {r.all['num_rel_ret']} > num_rel {r.all['num_rel']}" if (
                name == "map" and r.all["num_rel_ret"] > r.all["num_rel"]) else ""
            head = f"{name} {r.all[name]:.4f} > 1" if r.all[name] > 1 else f"{name} {r.all[name]:.4f}"
            over.append(f"{r.run}: {head}, AP > 1 on {anchors} of {len(r.per_anchor)} anchors{counts}")
            if _WHY[name] not in why:
                why.append(_WHY[name])
    if not over:
        return []
    return over + [
        "AP above 1 is the official evaluator's counting, matched here on purpose: " + "; ".join(why)
        + f". map{ONCE} (not official) credits each relevant segment once and never exceeds 1."
    ]


_EXAMPLES = ("P_10", "maisp", "map_once", "map", "P_5")  # measures quoted in a summary, by preference


def summary(report: Report, measures: Sequence[str] | None = None) -> list[str]:
    """One plain sentence per later run: how it compares with the first on ``measures`` (the tested
    ones among DEFAULT_MEASURES unless given), where the difference is significant (p < 0.05 on
    both the paired t-test and the randomisation test), and the values of a few headline measures.
    """
    shown = DEFAULT_MEASURES if measures is None else tuple(measures)
    out = []
    base = report.runs[0] if report.runs else None
    for r in report.runs[1:]:
        tests = sorted((t for t in report.comparisons if t.run == r.run and t.measure in shown),
                       key=lambda t: shown.index(t.measure))
        if not tests:
            continue
        n = len(tests)
        higher = sum(t.mean_difference > 0 for t in tests)
        lower = sum(t.mean_difference < 0 for t in tests)
        if higher == n or lower == n:
            direction = f"{'higher' if higher == n else 'lower'} on all {n} measures"
        else:
            direction = f"higher on {higher}, lower on {lower} of {n} measures"
        sig = [t.measure for t in tests if t.mark]
        if not sig:
            significance = "no difference is significant (p < 0.05 in both tests)"
        elif len(sig) == n:
            significance = f"significant on all {n} (p < 0.05 in both tests)"
        else:
            significance = f"significant on {len(sig)} of {n} (p < 0.05 in both tests: {', '.join(sig)})"
        by_name = {t.measure: t for t in tests}
        quoted = [m for m in _EXAMPLES if m in by_name][:3] or [tests[0].measure]
        examples = ", ".join(f"{m} {format_value(m, base.all[m])} -> {format_value(m, r.all[m])}"
                             + (f" {by_name[m].mark}" if by_name[m].mark else "") for m in quoted)
        out.append(f"{r.run} vs {base.run} over {tests[0].anchors} anchors: {direction}, {significance}; {examples}.")
    return out


def _marks(report: Report) -> dict[tuple[str, str], str]:
    return {(t.run, t.measure): t.mark for t in report.comparisons}


def _headers(report: Report, measures: Sequence[str], width: int | None) -> tuple[list[str], list[str]]:
    """Column heads of the runs, and a legend: ``run 1`` .. when the run names would not fit ``width``."""
    names = [r.run for r in report.runs]
    if width is None:
        return names, []
    value = max((len(format_value(m, r.all[m])) for m in measures for r in report.runs), default=6)
    value += 4 if report.comparisons else 0
    label = max(len(m) for m in measures)
    table = label + 4 + sum(max(value, len(n)) + 3 for n in names)
    tests = 10 + 3 + max(len(n) for n in names) + 3 + 40 if report.comparisons else 0
    if max(table, tests) <= width:
        return names, []
    short = [f"run {i}" for i in range(1, len(names) + 1)]
    return short, [f"{s} = {n}" for s, n in zip(short, names)]


def render_table(report: Report, measures: Sequence[str] | None = None, width: int | None = None):
    """A rich table: one row per measure (DEFAULT_MEASURES unless given), one column per run, later
    runs marked against the first; then the paired tests of the shown measures and any notes.

    With ``width`` (the terminal's), run names too long to fit are replaced by ``run 1``, ``run 2`` ...
    and listed above the table, so that nothing wraps in the middle of a word.
    """
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    shown = DEFAULT_MEASURES if measures is None else tuple(measures)
    marks = _marks(report)
    heads, legend = _headers(report, shown, width)

    def suffix(run: str, name: str) -> str:  # keeps columns aligned when some values carry stars
        return f" {marks.get((run, name), ''):<3}" if report.comparisons else ""

    o = report.options
    title = Text(f"{Path(report.qrels).name}: bin {o.bin_size} s, tolerance {o.tolerance} s"
                 + (", missing anchors = 0" if o.missing_as_zero else ""))  # a line of its own: never wrapped to the table
    table = Table()
    table.add_column("measure", no_wrap=True)
    for head in heads:
        table.add_column(Text(head), justify="right", no_wrap=True)  # Text: names are never markup
    for name in shown:
        table.add_row(name, *(format_value(name, r.all[name]) + suffix(r.run, name) for r in report.runs))
    parts: list = [title, *(Text(line) for line in legend), table]
    if report.comparisons:
        parts.append(Text(f"vs {heads[0]}: * p<0.05  ** p<0.01  *** p<1e-4 (t-test and randomisation test agree)"))
        tested = [t for t in report.comparisons if t.measure in shown]
        if tested:
            head_of = {r.run: h for r, h in zip(report.runs, heads)}
            parts.append(Text(f"Paired tests over anchors (run - {heads[0]})"))
            tests = Table()
            for column in ("measure", "run", "anchors", "mean diff", "p t-test", "p random.", ""):
                tests.add_column(column, justify="left" if column in ("measure", "run") else "right", no_wrap=True)
            order = {m: i for i, m in enumerate(shown)}
            for t in sorted(tested, key=lambda t: (order[t.measure], [r.run for r in report.runs].index(t.run))):
                p_values = f"{t.p_t:.4g}", f"{t.p_randomisation:.4g}"
                tests.add_row(t.measure, Text(head_of[t.run]), str(t.anchors), f"{t.mean_difference:+.4f}", *p_values, t.mark)
            parts.append(tests)
    variants = [m for m in shown if m in VARIANTS]
    if variants:
        parts.append(Text(f"{', '.join(variants)}: not official, each relevant segment counted once."))
    parts += [Text(f"note: {line}") for line in notes(report)]  # wrapped at spaces, never inside a word
    parts += [Text(f"summary: {line}") for line in summary(report, shown)]  # last: what a reader looks for
    return Group(*parts)


def render_json(report: Report, measures: Sequence[str] | None = None) -> str:
    """``{"runs": [{"run", "all", "per_anchor"}], "options", "comparisons", "notes"}`` on one line;
    every measure unless ``measures`` are given."""
    import json
    from dataclasses import asdict

    keep = None if measures is None else set(measures)

    def pick(values: Mapping[str, float]) -> dict[str, float]:
        return dict(values) if keep is None else {m: v for m, v in values.items() if m in keep}

    doc: dict = {
        "runs": [{"run": r.run, "all": pick(r.all), "per_anchor": {a: pick(v) for a, v in r.per_anchor.items()}}
                 for r in report.runs],
        "options": asdict(report.options),
    }
    if report.comparisons:
        doc["comparisons"] = [asdict(t) | {"mark": t.mark} for t in report.comparisons
                              if keep is None or t.measure in keep]
    if report.comparisons:
        doc["summary"] = summary(report, measures)
    found = notes(report)
    if found:
        doc["notes"] = found
    return json.dumps(doc) + "\n"


def render_csv(report: Report, measures: Sequence[str] | None = None) -> str:
    """Wide CSV: ``run,anchor,<measures>``, one row per anchor, then the ``all`` row of each run;
    every measure unless ``measures`` are given."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = list(MEASURES) if measures is None else list(measures)
    writer.writerow(["run", "anchor", *names])
    for r in report.runs:
        for anchor, values in r.per_anchor.items():
            writer.writerow([r.run, anchor, *(values.get(n, "") for n in names)])
        writer.writerow([r.run, "all", *(r.all[n] for n in names)])
    return buffer.getvalue()


FORMATS = {"table": render_table, "json": render_json, "csv": render_csv}
