"""Paired significance of per-anchor differences between two runs: t-test and randomisation test.

Results are marked as in the papers: ``*`` p < 0.05, ``**`` p < 0.01, ``***`` p < 1e-4, using the
larger of the two p-values (a difference is marked only when both tests agree).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

__all__ = ["PairedTest", "paired_t_test", "randomisation_test", "mark", "compare", "LEVELS"]

LEVELS = ((1e-4, "***"), (0.01, "**"), (0.05, "*"))


def mark(p: float) -> str:
    """Stars for the smallest level ``p`` is below.

    >>> mark(0.03), mark(0.005), mark(5e-5), mark(0.2)
    ('*', '**', '***', '')
    """
    for level, stars in LEVELS:
        if p < level:
            return stars
    return ""


def paired_t_test(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided paired t-test p-value for mean(a − b) = 0 (1.0 when every difference is 0)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    if len(d) < 2 or not np.any(d):
        return 1.0
    if np.allclose(d, d[0]):  # constant non-zero difference: t is infinite
        return 0.0
    from scipy import stats  # imported here: scipy.stats takes seconds to import and one run needs no test

    p = float(stats.ttest_rel(a, b).pvalue)
    return 1.0 if math.isnan(p) else p


def _sign_flips(n: int, trials: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice(np.array([-1.0, 1.0]), size=(trials, n))


def randomisation_test(a: Sequence[float], b: Sequence[float], trials: int = 10_000, seed: int = 0) -> float:
    """Two-sided paired randomisation (sign-flip) test, seeded.

    Under the null hypothesis each per-anchor difference d_i = a_i − b_i is as likely to have
    the opposite sign; p = (1 + #{trials: |mean(±d)| ≥ |mean(d)|}) / (1 + trials).
    """
    return float(_randomisation(np.asarray(a, float)[:, None] - np.asarray(b, float)[:, None], trials, seed)[0])


def _randomisation(d: np.ndarray, trials: int, seed: int) -> np.ndarray:
    """p-values for each column of the (anchors × measures) difference matrix ``d``, one sign matrix for all."""
    n = d.shape[0]
    if n == 0:
        return np.ones(d.shape[1])
    observed = np.abs(d.mean(axis=0))
    flipped = np.abs(_sign_flips(n, trials, seed) @ d / n)
    # A tolerance so that a trial equal to the observed mean up to rounding counts as "as extreme".
    extreme = (flipped >= observed - 1e-12).sum(axis=0)
    return (1.0 + extreme) / (1.0 + trials)


@dataclass(frozen=True)
class PairedTest:
    """One measure of ``run`` against ``baseline`` over the anchors both evaluated."""

    measure: str
    run: str
    baseline: str
    anchors: int
    mean_difference: float  # mean over anchors of run − baseline
    p_t: float
    p_randomisation: float

    @property
    def mark(self) -> str:
        return mark(max(self.p_t, self.p_randomisation))


def compare(
    baseline: tuple[str, Mapping[str, Mapping[str, float]]],
    run: tuple[str, Mapping[str, Mapping[str, float]]],
    measures: Sequence[str],
    trials: int = 10_000,
    seed: int = 0,
) -> list[PairedTest]:
    """Test each measure of ``run`` against ``baseline``: ``(name, {anchor: {measure: value}})`` pairs."""
    (base_name, base), (run_name, values) = baseline, run
    anchors = sorted(set(base) & set(values))
    a = np.array([[values[x][m] for m in measures] for x in anchors], float).reshape(len(anchors), len(measures))
    b = np.array([[base[x][m] for m in measures] for x in anchors], float).reshape(len(anchors), len(measures))
    p_rand = _randomisation(a - b, trials, seed)
    return [
        PairedTest(m, run_name, base_name, len(anchors), float((a[:, j] - b[:, j]).mean()) if anchors else 0.0,
                   paired_t_test(a[:, j], b[:, j]), float(p_rand[j]))
        for j, m in enumerate(measures)
    ]
