"""Regularised linear CCA (Hotelling 1936; the Wikipedia benchmark's reference, Rasiwasia et al. 2010).

Find W_A (m1, k), W_B (m2, k) maximising corr(x_A W_A, x_B W_B) component by component:
with C_AA, C_BB ridge-regularised covariances and C_AB the cross-covariance,
T = C_AA^{-1/2} C_AB C_BB^{-1/2} = U S Vᵀ, W_A = C_AA^{-1/2} U_k, W_B = C_BB^{-1/2} V_k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import torch

from ..errors import InputError
from .base import Model, duplicate_missing
from .data import Pairs
from .loop import TrainResult
from .moments import CrossMoments
from .registry import register

__all__ = ["CCAConfig", "CCAModel", "fit_cca", "solve_cca"]


@dataclass(frozen=True)
class CCAConfig:
    dim: int = 10  # k: canonical components kept (at most min(m1, m2))
    reg: float = 1e-3  # ridge on each covariance, relative to its mean variance (trace / width)
    corr_power: float = 0.0  # weight component j by rho_j ** corr_power (0: unweighted)
    scaling: str = "none"  # input scaling fitted on training rows (see scaling.SCALINGS)
    norm: str = "l2"  # embedding normalisation: l2 | frobenius | none

    def __post_init__(self) -> None:
        if self.dim < 1 or self.reg < 0:
            raise InputError(f"cca needs dim >= 1 and reg >= 0, got dim={self.dim}, reg={self.reg}")


def _inv_sqrt(c: np.ndarray) -> np.ndarray:
    """C^{-1/2} of a symmetric positive definite matrix."""
    vals, vecs = scipy.linalg.eigh(c)
    return (vecs / np.sqrt(np.maximum(vals, 1e-12))) @ vecs.T


def fit_cca(x_a: np.ndarray, x_b: np.ndarray, dim: int, reg: float):
    """(mean_A (m1,), mean_B (m2,), W_A (m1,k), W_B (m2,k), rho (k,)) from paired rows (n, m1), (n, m2)."""
    moments = CrossMoments()
    moments.add(x_a, x_b)
    return solve_cca(moments, dim, reg)


def solve_cca(moments: CrossMoments, dim: int, reg: float):
    """:func:`fit_cca` from the moments of the paired rows (accumulated chunk by chunk)."""
    n = max(moments.n - 1, 1)
    c_aa, c_bb, c_ab = moments.s_aa / n, moments.s_bb / n, moments.s_ab / n
    c_aa += reg * max(np.trace(c_aa) / len(c_aa), 1e-12) * np.eye(len(c_aa))
    c_bb += reg * max(np.trace(c_bb) / len(c_bb), 1e-12) * np.eye(len(c_bb))
    s_aa, s_bb = _inv_sqrt(c_aa), _inv_sqrt(c_bb)
    u, rho, vt = scipy.linalg.svd(s_aa @ c_ab @ s_bb, full_matrices=False)
    k = min(dim, len(rho))
    return moments.mean_a, moments.mean_b, s_aa @ u[:, :k], s_bb @ vt.T[:, :k], rho[:k]


@register("cca")
class CCAModel(Model):
    """Linear CCA; an item's halves are its two projections, a missing one duplicated (as BiDNN)."""

    config_class = CCAConfig

    def _fit(self, pairs: Pairs, progress, warm_start) -> TrainResult:
        both = pairs.has_a & pairs.has_b
        if both.sum() < 2:
            raise InputError("cca needs at least 2 training rows with both modalities")
        moments = CrossMoments()
        for chunk in pairs.subset(np.flatnonzero(both)).chunks():
            moments.add(chunk.a, chunk.b)
        fitted = solve_cca(moments, self.config.dim, self.config.reg)
        self.mean_a, self.mean_b, self.w_a, self.w_b, self.rho = (x.astype(np.float32) for x in fitted)
        return TrainResult(n_train=int(both.sum()))

    def _blocks(self, a, b, has_a, has_b):
        weight = self.rho ** self.config.corr_power  # (k,)
        u = (a - self.mean_a) @ self.w_a * weight  # (n, k)
        v = (b - self.mean_b) @ self.w_b * weight  # (n, k)
        return duplicate_missing(u, v, has_a, has_b), has_a | has_b

    def state_tensors(self):
        names = ("mean_a", "mean_b", "w_a", "w_b", "rho")
        return {name: torch.from_numpy(np.ascontiguousarray(getattr(self, name))) for name in names}

    def load_tensors(self, tensors):
        for name, value in tensors.items():
            setattr(self, name, value.numpy())
