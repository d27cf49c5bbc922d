"""BiDNN: bidirectional (symmetrical) deep neural networks (Vukotić, Raymond, Gravier, ICMR 2016).

Two crossmodal networks, A→B and B→A, four layers each:

    A→B:  x_A (n,m1) -W1_A-> (n,h) -W2_A-> c_A (n,r/2) -W3_A-> (n,h) -W4_A-> x̂_B (n,m2)
    B→A:  x_B (n,m2) -W1_B-> (n,h) -W2_B-> c_B (n,r/2) -W3_B-> (n,h) -W4_B-> x̂_A (n,m1)

with the central weights tied by transposition, W2_B = W3_Aᵀ and W3_B = W2_Aᵀ (one parameter each,
receiving gradients from both directions); every layer keeps its own bias. The joint embedding is
[c_A | c_B], read before dropout; a missing modality's half is the other half duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InputError
from .base import duplicate_missing
from .config import TrainConfig
from .neural import NeuralModel, activation, fill_missing
from .registry import register

__all__ = ["BiDNN", "BiDNNConfig", "BiDNNModel"]


@dataclass(frozen=True)
class BiDNNConfig:
    hidden: int = 2048  # h: width of layers 1 and 3 of each direction
    rep: int = 2048  # r: embedding width; each direction's central layer is r/2 wide (must be even)
    activation: str = "tanh"  # on every layer, outputs included (so targets should lie in its range)
    output_activation: str | None = None  # None = same as ``activation`` (the original)
    dropout: float = 0.2  # inverted dropout after each central layer while training; 0 disables
    tied: bool = True  # central weights shared by transposition; False gives 8 independent layers
    balanced_loss: bool = False  # mean of the two per-modality MSEs instead of one MSE over m1+m2 outputs
    scaling: str = "none"  # input scaling fitted on training rows (see scaling.SCALINGS)
    norm: str = "l2"  # embedding normalisation: l2 (per half, then whole) | frobenius (original -n) | none
    train: TrainConfig = field(default_factory=TrainConfig)  # optimisation (defaults: the original's)

    def __post_init__(self) -> None:
        if self.rep % 2 or self.rep < 2:
            raise InputError(f"rep must be even (two halves of r/2), got {self.rep}")
        if not 0 <= self.dropout < 1:
            raise InputError(f"dropout must be in [0, 1), got {self.dropout}")


class BiDNN(nn.Module):
    def __init__(self, m1: int, m2: int, hidden: int, rep: int, *, activation_name: str = "tanh",
                 output_activation: str | None = None, dropout: float = 0.2, tied: bool = True):
        super().__init__()
        half = rep // 2
        self.tied, self.p = tied, dropout
        self.act = activation(activation_name)
        self.out_act = activation(output_activation or activation_name)
        self.layer1_a, self.layer4_a = nn.Linear(m1, hidden), nn.Linear(hidden, m2)
        self.layer1_b, self.layer4_b = nn.Linear(m2, hidden), nn.Linear(hidden, m1)
        self.w2_a = nn.Parameter(torch.empty(half, hidden))  # A's layer 2 (h → r/2); B's layer 3 is its ᵀ
        self.w3_a = nn.Parameter(torch.empty(hidden, half))  # A's layer 3 (r/2 → h); B's layer 2 is its ᵀ
        if not tied:
            self.w2_b = nn.Parameter(torch.empty(half, hidden))
            self.w3_b = nn.Parameter(torch.empty(hidden, half))
        self.b2_a, self.b2_b = nn.Parameter(torch.empty(half)), nn.Parameter(torch.empty(half))
        self.b3_a, self.b3_b = nn.Parameter(torch.empty(hidden)), nn.Parameter(torch.empty(hidden))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Glorot uniform weights (gain 1), zero biases, as Lasagne's defaults in the original."""
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.xavier_uniform_(p)
            else:
                nn.init.zeros_(p)

    def central_weights(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(W2_A, W3_A, W2_B, W3_B); tied, W2_B = W3_Aᵀ and W3_B = W2_Aᵀ are views of the same storage."""
        if self.tied:
            return self.w2_a, self.w3_a, self.w3_a.t(), self.w2_a.t()
        return self.w2_a, self.w3_a, self.w2_b, self.w3_b

    def central_a(self, x_a: torch.Tensor) -> torch.Tensor:
        """x_A (n, m1) → c_A (n, r/2), the A→B central layer (before dropout)."""
        w2_a = self.central_weights()[0]
        return self.act(F.linear(self.act(self.layer1_a(x_a)), w2_a, self.b2_a))

    def central_b(self, x_b: torch.Tensor) -> torch.Tensor:
        """x_B (n, m2) → c_B (n, r/2), the B→A central layer (before dropout)."""
        w2_b = self.central_weights()[2]
        return self.act(F.linear(self.act(self.layer1_b(x_b)), w2_b, self.b2_b))

    def decode_b(self, c_a: torch.Tensor) -> torch.Tensor:
        """c_A (n, r/2) → x̂_B (n, m2), dropout on c_A while training."""
        w3_a = self.central_weights()[1]
        c_a = F.dropout(c_a, self.p, self.training) if self.p else c_a
        return self.out_act(self.layer4_a(self.act(F.linear(c_a, w3_a, self.b3_a))))

    def decode_a(self, c_b: torch.Tensor) -> torch.Tensor:
        """c_B (n, r/2) → x̂_A (n, m1), dropout on c_B while training."""
        w3_b = self.central_weights()[3]
        c_b = F.dropout(c_b, self.p, self.training) if self.p else c_b
        return self.out_act(self.layer4_b(self.act(F.linear(c_b, w3_b, self.b3_b))))

    def forward(self, x_a: torch.Tensor, x_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both crossmodal translations: (x̂_B (n, m2) from x_A, x̂_A (n, m1) from x_B)."""
        return self.decode_b(self.central_a(x_a)), self.decode_a(self.central_b(x_b))


def bidnn_loss(net: BiDNN, x_a: torch.Tensor, x_b: torch.Tensor, balanced: bool = False) -> torch.Tensor:
    """One MSE over concat(x̂_B, x̂_A) vs concat(x_B, x_A), batch × (m1+m2) elements (the original);
    ``balanced``: the mean of the two modalities' MSEs, so the wider one does not dominate."""
    x_b_hat, x_a_hat = net(x_a, x_b)
    if balanced:
        return 0.5 * (F.mse_loss(x_b_hat, x_b) + F.mse_loss(x_a_hat, x_a))
    return F.mse_loss(torch.cat([x_b_hat, x_a_hat], dim=1), torch.cat([x_b, x_a], dim=1))


@register("bidnn")
class BiDNNModel(NeuralModel):
    """BiDNN as in the original tool, behind the common model interface."""

    config_class = BiDNNConfig
    can_expand = True
    net: BiDNN

    def build(self, m1: int, m2: int) -> BiDNN:
        c = self.config
        return BiDNN(m1, m2, c.hidden, c.rep, activation_name=c.activation, output_activation=c.output_activation,
                     dropout=c.dropout, tied=c.tied)

    def loss(self, x_a: torch.Tensor, x_b: torch.Tensor) -> torch.Tensor:
        return bidnn_loss(self.net, x_a, x_b, self.config.balanced_loss)

    def _blocks(self, a, b, has_a, has_b) -> tuple[list[np.ndarray], np.ndarray]:
        c_a, c_b = self.run(lambda x_a, x_b: (self.net.central_a(x_a), self.net.central_b(x_b)), a, b)
        return duplicate_missing(c_a, c_b, has_a, has_b), has_a | has_b

    def _expand(self, a, b, has_a, has_b) -> tuple[np.ndarray, np.ndarray]:
        pred_b, pred_a = self.run(self.net, a, b)  # x̂_B (n, m2) from A, x̂_A (n, m1) from B
        return fill_missing(a, b, has_a, has_b, pred_a, pred_b)
