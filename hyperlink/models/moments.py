"""Means and (cross-)covariances accumulated chunk by chunk, in float64.

Chunks are merged with the pairwise update of Chan, Golub and LeVeque (1979): each chunk is centred
on its own mean, and for two parts with counts n₁, n₂, means μ₁, μ₂ and centred sums of products S₁, S₂,

    n = n₁ + n₂,   δ = μ₂ − μ₁,   μ = μ₁ + δ·n₂/n,   S = S₁ + S₂ + δ δᵀ · n₁n₂/n

so no large uncentred sum cancels. One chunk gives exactly the whole-matrix computation.

>>> m = ColumnMoments()
>>> for part in (np.array([[1.0], [2.0]]), np.array([[6.0]])):
...     m.add(part)
>>> float(m.mean[0]), float(m.var()[0])   # mean of 1, 2, 6 is 3; squares of deviations 4 + 1 + 9 = 14, / 3
(3.0, 4.666666666666667)
"""

from __future__ import annotations

import numpy as np

__all__ = ["ColumnMoments", "CrossMoments"]


class ColumnMoments:
    """Count, mean and centred sum of squares of every column."""

    def __init__(self) -> None:
        self.n = 0
        self.mean: np.ndarray | None = None  # (m,) float64
        self.m2: np.ndarray | None = None  # (m,) float64: Σ (x − mean)²

    def add(self, x: np.ndarray) -> None:
        """Take in rows ``x (k, m)`` (converted to float64)."""
        if not len(x):
            return
        x = np.asarray(x, dtype=np.float64)
        k, mean = len(x), x.sum(axis=0) / len(x)
        centred = x - mean
        m2 = np.multiply(centred, centred, out=centred).sum(axis=0)  # in place: one temporary per chunk
        if self.n == 0:
            self.n, self.mean, self.m2 = k, mean, m2
            return
        n, delta = self.n + k, mean - self.mean
        self.mean = self.mean + delta * (k / n)
        self.m2 = self.m2 + m2 + delta * delta * (self.n * k / n)
        self.n = n

    def var(self) -> np.ndarray:
        """Population variance (divided by n), as ``np.var``."""
        return self.m2 / self.n


class CrossMoments:
    """Means of two paired sets of columns and their centred sums of products (auto and cross)."""

    def __init__(self) -> None:
        self.n = 0
        self.mean_a = self.mean_b = None  # (m1,), (m2,) float64
        self.s_aa = self.s_bb = self.s_ab = None  # (m1, m1), (m2, m2), (m1, m2) float64: Σ centred products

    def add(self, x_a: np.ndarray, x_b: np.ndarray) -> None:
        """Take in paired rows ``x_a (k, m1)``, ``x_b (k, m2)``."""
        if not len(x_a):
            return
        x_a, x_b = np.array(x_a, dtype=np.float64), np.array(x_b, dtype=np.float64)  # copies, centred in place
        k, mean_a, mean_b = len(x_a), x_a.mean(axis=0), x_b.mean(axis=0)
        x_a -= mean_a
        x_b -= mean_b
        s_aa, s_bb, s_ab = x_a.T @ x_a, x_b.T @ x_b, x_a.T @ x_b
        if self.n == 0:
            self.n, self.mean_a, self.mean_b, self.s_aa, self.s_bb, self.s_ab = k, mean_a, mean_b, s_aa, s_bb, s_ab
            return
        n = self.n + k
        d_a, d_b, w = mean_a - self.mean_a, mean_b - self.mean_b, self.n * k / n
        self.s_aa = self.s_aa + s_aa + np.outer(d_a, d_a) * w
        self.s_bb = self.s_bb + s_bb + np.outer(d_b, d_b) * w
        self.s_ab = self.s_ab + s_ab + np.outer(d_a, d_b) * w
        self.mean_a = self.mean_a + d_a * (k / n)
        self.mean_b = self.mean_b + d_b * (k / n)
        self.n = n
