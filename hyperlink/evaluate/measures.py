"""Segment measures over labelled rankings, and the registry of every measure the tool reports.

The metric functions are pure: they read a label string (``relevance.py``: ``1`` relevant,
``0`` non-relevant, ``-`` unjudged, ``s``/``S`` seen) and return a number.

Why ``map`` can exceed 1: the official evaluator labels every target overlapping a relevant
segment ``1``, so several targets on one relevant segment all count as hits while ``num_rel``
counts each merged relevant segment once (``num_rel_ret`` can exceed ``num_rel``). The official
measures keep that counting on purpose. ``map_once`` / ``num_rel_ret_once`` are the variant that
credits each relevant segment once -- at the first target that overlaps it -- and so stay <= 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from .maisp import MaispResult

__all__ = [
    "AnchorOutcome", "Measure", "MEASURES", "VARIANTS", "precision_at", "average_precision",
    "average_precision_once", "judged_at", "aggregate",
]

FAMILIES = {"": "segments", "_bin": "bins", "_tol": "tolerance"}  # name suffix -> label family
ONCE = "_once"  # labels key of the variant labelling: each relevant segment credited once (not official)


def precision_at(labels: str, k: int) -> float:
    """P@k = |relevant in the top k| / k (the denominator stays k when fewer are returned).

    >>> precision_at("1-01", 5)
    0.4
    """
    return labels[:k].count("1") / k


def average_precision(labels: str, num_rel: int) -> float:
    """AP = Σ_{r: label_r = 1} (relevant in the top r) / r, divided by num_rel.

    Several targets hitting one relevant segment all count, so AP can exceed 1 (the official
    evaluator's counting, kept on purpose); 0 when nothing is hit. The variant that counts each
    relevant segment once is :func:`average_precision_once` (``map_once``).

    >>> round(average_precision("1-01", 4), 4)  # (1/1 + 2/4) / 4
    0.375
    """
    total, hits, i = 0.0, 0, labels.find("1")
    while i >= 0:
        hits += 1
        total += hits / (i + 1)
        i = labels.find("1", i + 1)
    return total / num_rel if total else 0.0


def average_precision_once(labels: str, num_rel: int) -> float:
    """The variant AP, each relevant segment counted once (not an official measure; at most 1).

    ``labels`` is the *once* labelling: ``1`` only for the first target overlapping a relevant
    segment not credited before, ``s`` for a later target on segments already credited. Then it is
    the textbook AP = Σ_{r: label_r = 1} (credited in the top r) / r, divided by num_rel; since at
    most num_rel targets are credited, it never exceeds 1. Compare :func:`average_precision` on the
    official labelling, where the ``s`` targets would count too:

    >>> round(average_precision_once("1s1", 2), 4)  # (1/1 + 2/3) / 2; the official AP of "111" is 1.5
    0.8333
    """
    return average_precision(labels, num_rel)


def judged_at(labels: str, k: int) -> float:
    """Judged@k = |judged (not ``-``) in the top k| / k.

    >>> judged_at("10-s", 4)
    0.75
    """
    top = labels[:k]
    return (len(top) - top.count("-")) / k


@dataclass(frozen=True)
class AnchorOutcome:
    """Everything measured for one anchor: labels and num_rel per family (``""``, ``"_bin"``, ``"_tol"``)."""

    anchor: str
    labels: Mapping[str, str]
    num_rel: Mapping[str, int]
    maisp: MaispResult
    videos_ret: int
    videos_rel: int
    avglength_ret: float
    avglength_rel: float


@dataclass(frozen=True)
class Measure:
    """A named per-anchor value and how anchors combine into ``all`` (``sum`` or ``mean``)."""

    name: str
    compute: Callable[[AnchorOutcome], float]
    combine: str = "mean"
    integer: bool = False  # printed without decimals, as the official tool does
    help: str = ""


def _family(suffix: str) -> list[Measure]:
    def labels(o: AnchorOutcome) -> str:
        return o.labels[suffix]

    out = [
        Measure(f"num_rel{suffix}", lambda o: o.num_rel[suffix], "sum", True, "relevant segments/bins"),
        Measure(f"num_ret{suffix}", lambda o: len(labels(o)), "sum", True, "returned targets/bins"),
        Measure(f"num_rel_ret{suffix}", lambda o: labels(o).count("1"), "sum", True, "returned and relevant"),
        Measure(f"map{suffix}", lambda o: average_precision(labels(o), o.num_rel[suffix]), help="average precision"),
    ]
    for k in (5, 10, 20):
        out.append(Measure(f"P_{k}{suffix}", lambda o, k=k: precision_at(labels(o), k), help=f"precision at {k}"))
    for k in (10, 20, 30):
        out.append(Measure(f"Judged_{k}{suffix}", lambda o, k=k: judged_at(labels(o), k), help=f"judged in top {k}"))
    return out


def _registry() -> dict[str, Measure]:
    measures = [
        Measure("num_q", lambda o: 1, "sum", True, "anchors averaged"),
        Measure("videos_ret", lambda o: o.videos_ret, "mean", True, "distinct videos returned"),
        Measure("videos_rel", lambda o: o.videos_rel, "mean", True, "videos with relevant content"),
        Measure("avglength_ret", lambda o: o.avglength_ret, "mean", True, "mean target length (s)"),
        Measure("avglength_rel", lambda o: o.avglength_rel, "mean", True, "mean merged relevant length (s)"),
    ]
    for suffix in FAMILIES:
        measures += _family(suffix)
    measures += [
        Measure("num_rel_secs", lambda o: o.maisp.rel_secs, "sum", True, "relevant seconds"),
        Measure("num_ret_secs", lambda o: o.maisp.ret_secs, "sum", True, "seconds watched"),
        Measure("num_rel_ret_secs", lambda o: o.maisp.rel_ret_secs, "sum", True, "relevant seconds watched"),
        Measure("maisp", lambda o: o.maisp.iasp, help="mean average interpolated segment precision"),
    ]
    # Official names; the values are isp[5], isp[10], isp[20] (list indices, kept as published).
    for name, i in (("0.05", 5), ("0.10", 10), ("0.20", 20)):
        measures.append(Measure(f"maisp_{name}", lambda o, i=i: o.maisp.isp_at(i), help=f"isp[{i}]"))
    measures += [  # the variant, not official: each relevant segment counted once (see the module docstring)
        Measure(f"num_rel_ret{ONCE}", lambda o: o.labels.get(ONCE, "").count("1"), "sum", True,
                "relevant segments hit, each counted once (variant)"),
        Measure(f"map{ONCE}", lambda o: average_precision_once(o.labels.get(ONCE, ""), o.num_rel[""]),
                help="average precision, each relevant segment counted once (variant, <= 1)"),
    ]
    return {m.name: m for m in measures}


MEASURES: dict[str, Measure] = _registry()
#: Measures that are not the official evaluator's (listed so that reports can say so).
VARIANTS = frozenset({f"num_rel_ret{ONCE}", f"map{ONCE}"})


def aggregate(measure: Measure, values: list[float]) -> float:
    """Combine per-anchor values into ``all``: a sum for counts, the arithmetic mean otherwise (0 for none)."""
    if measure.combine == "sum":
        return float(sum(values))
    return sum(values) / len(values) if values else 0.0
