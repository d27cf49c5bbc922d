"""Correlational neural network, Chandar et al., Neural Computation 28(2), 2016.

    h(x_A, x_B) = σ(W x_A + V x_B + b) (n,r)         one hidden layer shared by both views
    ẑ = [out(W' h + b'_A) (n,m1) | out(V' h + b'_B) (n,m2)]

    L = Σ_{z ∈ {(a,b), (a,0), (0,b)}} MSE(ẑ(z), (a,b)) − λ · mean_j corr(h_j(a,0), h_j(0,b))

Self- and cross-reconstruction plus the correlation of the two views' hidden codes (averaged over
units rather than the paper's sum, so λ does not grow with r).
The embedding is [h(x_A, 0) | h(0, x_B)] with a missing half duplicated, as BiDNN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from .base import duplicate_missing
from .config import TrainConfig
from .mae import reconstruction_loss
from .neural import NeuralModel, activation, fill_missing
from .registry import register

__all__ = ["CorrNetConfig", "CorrNet", "CorrNetModel", "correlation"]


@dataclass(frozen=True)
class CorrNetConfig:
    rep: int = 128  # r: width of the common hidden layer (each half of the embedding)
    lam: float = 2.0  # λ: weight of the correlation term
    activation: str = "tanh"  # hidden layer
    output_activation: str = "linear"  # reconstruction layers
    balanced_loss: bool = True  # mean of per-modality MSEs (False: one MSE over m1+m2 outputs)
    scaling: str = "zscore"  # input scaling fitted on training rows (see scaling.SCALINGS)
    norm: str = "l2"  # embedding normalisation: l2 | frobenius | none
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=200, optimiser="adam", lr=1e-3))


class CorrNet(nn.Module):
    def __init__(self, m1: int, m2: int, rep: int, *, activation_name: str = "tanh", output_activation: str = "linear"):
        super().__init__()
        self.act, self.out_act = activation(activation_name), activation(output_activation)
        self.W, self.V = nn.Linear(m1, rep, bias=False), nn.Linear(m2, rep, bias=False)
        self.b = nn.Parameter(torch.zeros(rep))
        self.W_out, self.V_out = nn.Linear(rep, m1), nn.Linear(rep, m2)
        for p in self.parameters():
            nn.init.xavier_uniform_(p) if p.dim() == 2 else nn.init.zeros_(p)

    def hidden(self, x_a: torch.Tensor | None, x_b: torch.Tensor | None) -> torch.Tensor:
        """h (n, r) from either or both views (None = absent)."""
        pre = self.b
        if x_a is not None:
            pre = pre + self.W(x_a)
        if x_b is not None:
            pre = pre + self.V(x_b)
        return self.act(pre)

    def reconstruct(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """h (n, r) → (x̂_A (n, m1), x̂_B (n, m2))."""
        return self.out_act(self.W_out(h)), self.out_act(self.V_out(h))

    def forward(self, x_a: torch.Tensor, x_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Views' codes (h(x_A, 0), h(0, x_B)), each (n, r)."""
        return self.hidden(x_a, None), self.hidden(None, x_b)


def correlation(h_a: torch.Tensor, h_b: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Σ_j corr(h_A[:, j], h_B[:, j]) over the batch."""
    h_a, h_b = h_a - h_a.mean(0), h_b - h_b.mean(0)
    return ((h_a * h_b).sum(0) / (h_a.pow(2).sum(0).add(eps).sqrt() * h_b.pow(2).sum(0).add(eps).sqrt())).sum()


@register("corrnet")
class CorrNetModel(NeuralModel):
    config_class = CorrNetConfig
    can_expand = True
    net: CorrNet

    def build(self, m1: int, m2: int) -> CorrNet:
        c = self.config
        return CorrNet(m1, m2, c.rep, activation_name=c.activation, output_activation=c.output_activation)

    def loss(self, x_a: torch.Tensor, x_b: torch.Tensor) -> torch.Tensor:
        h_a, h_b = self.net(x_a, x_b)
        total = 0.0
        for h in (self.net.hidden(x_a, x_b), h_a, h_b):  # self- and cross-reconstruction
            total = total + reconstruction_loss(*self.net.reconstruct(h), x_a, x_b, self.config.balanced_loss)
        return total - self.config.lam * correlation(h_a, h_b) / h_a.shape[1]

    def _blocks(self, a, b, has_a, has_b):
        h_a, h_b = self.run(self.net, a, b)
        return duplicate_missing(h_a, h_b, has_a, has_b), has_a | has_b

    def _expand(self, a, b, has_a, has_b):
        def predict(x_a, x_b):
            from_a = self.net.reconstruct(self.net.hidden(x_a, None))[1]  # x̂_B (n, m2)
            from_b = self.net.reconstruct(self.net.hidden(None, x_b))[0]  # x̂_A (n, m1)
            return from_b, from_a

        pred_a, pred_b = self.run(predict, a, b)
        return fill_missing(a, b, has_a, has_b, pred_a, pred_b)
