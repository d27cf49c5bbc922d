"""Deep CCA, Andrew, Arora, Bilmes, Livescu, ICML 2013.

Two networks f_A: x_A (n,m1) → o_A (n,o) and f_B: x_B (n,m2) → o_B (n,o) maximise the total
canonical correlation of their outputs,

    corr(o_A, o_B) = ||T||_* (sum of singular values),  T = Σ_AA^{-1/2} Σ_AB Σ_BB^{-1/2},

with Σ_AA, Σ_BB ridge-regularised (r·I). After training, linear CCA on the training outputs gives the
projections; the embedding is their [u_A | u_B] with a missing half duplicated, as BiDNN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .base import duplicate_missing
from .cca import solve_cca
from .config import TrainConfig
from .data import Pairs
from .moments import CrossMoments
from .neural import NeuralModel, activation, complete_pairs
from .registry import register

__all__ = ["DCCAConfig", "DCCAModel", "cca_loss"]


@dataclass(frozen=True)
class DCCAConfig:
    hidden: int = 256  # width of each network's hidden layers
    layers: int = 2  # hidden layers per view
    out_dim: int = 10  # o: output width of each view's network (and CCA components kept)
    reg: float = 1e-3  # r: ridge on the output covariances in the objective
    activation: str = "tanh"  # hidden layers; outputs are linear
    scaling: str = "zscore"  # input scaling fitted on training rows (see scaling.SCALINGS)
    norm: str = "l2"  # embedding normalisation: l2 | frobenius | none
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=100, optimiser="adam", lr=1e-3, batch_size=512))


class _Tower(nn.Module):
    def __init__(self, m: int, hidden: int, layers: int, out: int, act):
        super().__init__()
        widths = [m] + [hidden] * layers
        self.hidden = nn.ModuleList(nn.Linear(i, o) for i, o in zip(widths, widths[1:]))
        self.out, self.act = nn.Linear(widths[-1], out), act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden:
            x = self.act(layer(x))
        return self.out(x)


class DCCANet(nn.Module):
    def __init__(self, m1: int, m2: int, hidden: int, layers: int, out_dim: int, activation_name: str = "tanh"):
        super().__init__()
        act = activation(activation_name)
        self.f_a, self.f_b = _Tower(m1, hidden, layers, out_dim, act), _Tower(m2, hidden, layers, out_dim, act)

    def forward(self, x_a: torch.Tensor, x_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(o_A (n, o), o_B (n, o))."""
        return self.f_a(x_a), self.f_b(x_b)


def _inv_sqrt(c: torch.Tensor) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh(c)
    return (vecs * vals.clamp_min(1e-12).rsqrt()) @ vecs.T


def cca_loss(o_a: torch.Tensor, o_b: torch.Tensor, reg: float) -> torch.Tensor:
    """−||Σ_AA^{-1/2} Σ_AB Σ_BB^{-1/2}||_* for outputs (n, o), in float64 for stability."""
    o_a, o_b = o_a.double(), o_b.double()
    o_a, o_b = o_a - o_a.mean(0), o_b - o_b.mean(0)
    n, eye = max(len(o_a) - 1, 1), torch.eye(o_a.shape[1], dtype=o_a.dtype, device=o_a.device)
    c_aa, c_bb, c_ab = o_a.T @ o_a / n + reg * eye, o_b.T @ o_b / n + reg * eye, o_a.T @ o_b / n
    t = _inv_sqrt(c_aa) @ c_ab @ _inv_sqrt(c_bb)
    return -torch.linalg.svdvals(t).sum().float()


@register("dcca")
class DCCAModel(NeuralModel):
    config_class = DCCAConfig
    net: DCCANet

    def build(self, m1: int, m2: int) -> DCCANet:
        c = self.config
        return DCCANet(m1, m2, c.hidden, c.layers, c.out_dim, c.activation)

    def loss(self, x_a: torch.Tensor, x_b: torch.Tensor) -> torch.Tensor:
        return cca_loss(*self.net(x_a, x_b), self.config.reg)

    def _fit(self, pairs: Pairs, progress, warm_start):
        self._pairs = complete_pairs(pairs)  # so embeddings asked for during training (callbacks) work
        try:
            return super()._fit(pairs, progress, warm_start)
        finally:
            self._pairs = None

    def after_fit(self, complete: Pairs) -> None:
        self.cca = self._linear_cca(complete)

    def _linear_cca(self, complete: Pairs) -> list[np.ndarray]:
        """mean_A, mean_B, W_A, W_B, rho of linear CCA on the networks' outputs for the complete pairs."""
        moments = CrossMoments()
        for chunk in complete.chunks():
            moments.add(*self.run(self.net, chunk.a, chunk.b))
        return [x.astype(np.float32) for x in solve_cca(moments, self.config.out_dim, self.config.reg)]

    def _blocks(self, a, b, has_a, has_b):
        pairs = getattr(self, "_pairs", None)
        mean_a, mean_b, w_a, w_b, _ = self.cca if pairs is None else self._linear_cca(pairs)
        o_a, o_b = self.run(self.net, a, b)
        return duplicate_missing((o_a - mean_a) @ w_a, (o_b - mean_b) @ w_b, has_a, has_b), has_a | has_b

    def state_tensors(self):
        names = ("cca.mean_a", "cca.mean_b", "cca.w_a", "cca.w_b", "cca.rho")
        return super().state_tensors() | {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in zip(names, self.cca)}

    def load_extra(self, tensors):
        names = ("cca.mean_a", "cca.mean_b", "cca.w_a", "cca.w_b", "cca.rho")
        self.cca = [tensors[k].numpy() for k in names]
