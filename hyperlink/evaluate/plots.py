"""A one-image summary of runs: per-anchor P@10 bars and interpolated segment-precision curves.

Drawn with matplotlib's object API on an Agg canvas, so it needs no display and leaves pyplot's
global state alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .maisp import mean_isp_curve
from .report import RunResult, natural_key

__all__ = ["plot_runs"]

RECALL_LEVELS = np.linspace(0.0, 1.0, 101)


def plot_runs(runs: Sequence[RunResult], path: str | Path, measure: str = "P_10") -> Path:
    """Save a PNG (or any format matplotlib knows from the suffix) comparing ``runs``; returns the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    anchors = sorted({a for r in runs for a in r.per_anchor}, key=natural_key)
    width = max(8.0, 0.32 * len(anchors) * max(1, len(runs)) ** 0.5 + 3)
    fig = Figure(figsize=(width, 9), layout="constrained")
    FigureCanvasAgg(fig)
    bars, curves = fig.subplots(2, 1, height_ratios=[1.1, 1])
    colours = [f"C{i % 10}" for i in range(len(runs))]

    x = np.arange(len(anchors))
    step = 0.8 / max(1, len(runs))
    for i, (run, colour) in enumerate(zip(runs, colours)):
        values = [run.per_anchor.get(a, {}).get(measure, np.nan) for a in anchors]
        label = f"{run.run} (mean {run.all[measure]:.4f})"
        bars.bar(x - 0.4 + step * (i + 0.5), values, width=step, color=colour, label=label)
    label = measure.replace("_", "@")
    bars.set_title(f"{label} per anchor, by run")
    bars.set_xlabel("anchor number")
    bars.set_ylabel(f"{label} (relevant share of the top targets)")
    bars.set_xticks(x, [a.replace("anchor_", "") for a in anchors], rotation=90 if len(anchors) > 40 else 0)
    bars.set_ylim(0, 1.05)
    bars.legend(loc="upper right", fontsize="small")
    bars.grid(axis="y", alpha=0.3)

    for run, colour in zip(runs, colours):
        curve = mean_isp_curve((o.maisp for o in run.outcomes.values()), RECALL_LEVELS)
        curves.plot(RECALL_LEVELS, curve, color=colour, label=f"{run.run} (MAiSP {run.all['maisp']:.4f})")
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
