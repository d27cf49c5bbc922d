"""A one-image summary of runs: a chosen measure per anchor, and interpolated segment-precision curves.

Drawn with matplotlib's object API on an Agg canvas, so it needs no display and leaves pyplot's
global state alone. Later runs carry the significance marks of their paired tests against the
first run (``*`` p < 0.05, ``**`` p < 0.01, ``***`` p < 1e-4); an anchor judged but missing from
a run is drawn as a grey ``x`` on the axis, not as a zero bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .maisp import mean_isp_curve
from .measures import MEASURES
from .report import RunResult, natural_key
from .significance import PairedTest

__all__ = ["plot_runs"]

RECALL_LEVELS = np.linspace(0.0, 1.0, 101)


def _label(run: RunResult, measure: str, shown: str, tests: dict[tuple[str, str], PairedTest]) -> str:
    text = f"{run.run} ({shown} {run.all[measure]:.4f}"
    test = tests.get((run.run, measure))
    if test is not None:
        text += f", {test.mark or 'n.s.'} vs {test.baseline}"
    return text + ")"


def plot_runs(runs: Sequence[RunResult], path: str | Path, measure: str = "map",
              comparisons: Sequence[PairedTest] = ()) -> Path:
    """Save a PNG (or any format matplotlib knows from the suffix) comparing ``runs`` on ``measure``
    per anchor, marked with the ``comparisons`` (paired tests against the first run); returns the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    tests = {(t.run, t.measure): t for t in comparisons}
    anchors = sorted({a for r in runs for a in r.per_anchor}, key=natural_key)
    width = max(8.0, 0.32 * len(anchors) * max(1, len(runs)) ** 0.5 + 3)
    fig = Figure(figsize=(width, 9), layout="constrained")
    FigureCanvasAgg(fig)
    bars, curves = fig.subplots(2, 1, height_ratios=[1.1, 1])
    colours = [f"C{i % 10}" for i in range(len(runs))]
    label = measure.replace("_", "@") if measure.startswith("P_") else measure

    x = np.arange(len(anchors))
    step = 0.8 / max(1, len(runs))
    top = 1.0
    any_missing = False
    for i, (run, colour) in enumerate(zip(runs, colours)):
        values = np.array([run.per_anchor.get(a, {}).get(measure, np.nan) for a in anchors], float)
        where = x - 0.4 + step * (i + 0.5)
        bars.bar(where, np.nan_to_num(values), width=step, color=colour, label=_label(run, measure, label, tests))
        missing = np.isnan(values)
        if missing.any():
            any_missing = True
            bars.plot(where[missing], np.zeros(missing.sum()), linestyle="none", marker="x", color="0.4",
                      markersize=7, clip_on=False, zorder=3)
        if (~missing).any():
            top = max(top, float(np.nanmax(values)))
    if any_missing:
        bars.plot([], [], linestyle="none", marker="x", color="0.4", label="x: anchor missing from the run")
    tested = [t for t in comparisons if t.measure == measure]
    note = f"; marks vs {runs[0].run}: * p<0.05 ** p<0.01 *** p<1e-4" if tested else ""
    bars.set_title(f"{label} per anchor, by run{note}")
    bars.set_xlabel("anchor")
    bars.set_ylabel(f"{label}: {MEASURES[measure].help}")
    bars.set_xticks(x, [a.replace("anchor_", "") for a in anchors], rotation=90 if len(anchors) > 40 else 0)
    bars.set_ylim(0, top * 1.05)
    bars.legend(loc="upper right", fontsize="small")
    bars.grid(axis="y", alpha=0.3)

    for run, colour in zip(runs, colours):
        curve = mean_isp_curve((o.maisp for o in run.outcomes.values()), RECALL_LEVELS)
        curves.plot(RECALL_LEVELS, curve, color=colour, label=_label(run, "maisp", "MAiSP", tests))
    curves.set_title("Interpolated segment precision, averaged over anchors")
    curves.set_xlabel("recall (share of relevant seconds watched)")
    curves.set_ylabel("interpolated segment precision")
    curves.set_xlim(0, 1)
    curves.set_ylim(0, 1.05)
    curves.legend(loc="upper right", fontsize="small")
    curves.grid(alpha=0.3)

    out = Path(path)
    fig.savefig(out, dpi=110)
    return out
