"""Multimodal (bimodal deep) autoencoder, Ngiam et al., "Multimodal Deep Learning", ICML 2011.

    h_A = σ(W1_A x_A) (n,h),  h_B = σ(W1_B x_B) (n,h)          modality-specific layers
    s   = σ(W_s [h_A | h_B] + b_s) (n,r)                        shared representation (the embedding)
    x̂_A = out(W4_A σ(W3_A s)) (n,m1),  x̂_B = out(W4_B σ(W3_B s)) (n,m2)

Trained on every complete pair three times, as (x_A, x_B), (x_A, 0) and (0, x_B), always
reconstructing both: the network learns to represent one modality from the other. A missing
modality is given as zeros at embedding time, as in training.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .config import TrainConfig
from .neural import NeuralModel, activation, fill_missing
from .registry import register

__all__ = ["MAEConfig", "MultimodalAutoencoder", "MAEModel"]


@dataclass(frozen=True)
class MAEConfig:
    hidden: int = 256  # h: width of each modality-specific layer (encoder and decoder)
    rep: int = 128  # r: width of the shared layer, the embedding
    activation: str = "tanh"  # hidden layers
    output_activation: str = "linear"  # reconstruction layers (linear suits z-scored inputs)
    dropout: float = 0.0  # inverted dropout on the shared layer while training
    balanced_loss: bool = True  # mean of per-modality MSEs (False: one MSE over m1+m2 outputs)
    scaling: str = "zscore"  # input scaling fitted on training rows (see scaling.SCALINGS)
    norm: str = "l2"  # embedding normalisation: l2 | frobenius | none
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=200, optimiser="adam", lr=1e-3))


class MultimodalAutoencoder(nn.Module):
    def __init__(self, m1: int, m2: int, hidden: int, rep: int, *, activation_name: str = "tanh",
                 output_activation: str = "linear", dropout: float = 0.0):
        super().__init__()
        self.act, self.out_act, self.p = activation(activation_name), activation(output_activation), dropout
        self.enc_a, self.enc_b = nn.Linear(m1, hidden), nn.Linear(m2, hidden)
        self.shared = nn.Linear(2 * hidden, rep)
        self.dec_a, self.dec_b = nn.Linear(rep, hidden), nn.Linear(rep, hidden)
        self.out_a, self.out_b = nn.Linear(hidden, m1), nn.Linear(hidden, m2)
        for p in self.parameters():
            nn.init.xavier_uniform_(p) if p.dim() == 2 else nn.init.zeros_(p)

    def encode(self, x_a: torch.Tensor, x_b: torch.Tensor) -> torch.Tensor:
        """x_A (n, m1), x_B (n, m2) (zeros where missing) → s (n, r)."""
        return self.act(self.shared(torch.cat([self.act(self.enc_a(x_a)), self.act(self.enc_b(x_b))], dim=1)))

    def decode(self, s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """s (n, r) → (x̂_A (n, m1), x̂_B (n, m2))."""
        s = F.dropout(s, self.p, self.training) if self.p else s
        return self.out_act(self.out_a(self.act(self.dec_a(s)))), self.out_act(self.out_b(self.act(self.dec_b(s))))

    def forward(self, x_a: torch.Tensor, x_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.decode(self.encode(x_a, x_b))


def reconstruction_loss(x_a_hat, x_b_hat, x_a, x_b, balanced: bool) -> torch.Tensor:
    if balanced:
        return 0.5 * (F.mse_loss(x_a_hat, x_a) + F.mse_loss(x_b_hat, x_b))
    return F.mse_loss(torch.cat([x_a_hat, x_b_hat], 1), torch.cat([x_a, x_b], 1))


@register("mae")
class MAEModel(NeuralModel):
    config_class = MAEConfig
    can_expand = True
    net: MultimodalAutoencoder

    def build(self, m1: int, m2: int) -> MultimodalAutoencoder:
        c = self.config
        return MultimodalAutoencoder(m1, m2, c.hidden, c.rep, activation_name=c.activation,
                                     output_activation=c.output_activation, dropout=c.dropout)

    def loss(self, x_a: torch.Tensor, x_b: torch.Tensor) -> torch.Tensor:
        zero_a, zero_b = torch.zeros_like(x_a), torch.zeros_like(x_b)
        inputs_a = torch.cat([x_a, x_a, zero_a])  # (3n, m1): both, A only, B only
        inputs_b = torch.cat([x_b, zero_b, x_b])  # (3n, m2)
        x_a_hat, x_b_hat = self.net(inputs_a, inputs_b)
        return reconstruction_loss(x_a_hat, x_b_hat, x_a.repeat(3, 1), x_b.repeat(3, 1), self.config.balanced_loss)

    def _blocks(self, a, b, has_a, has_b):
        (s,) = self.run(self.net.encode, a, b)  # absent rows are zeros, as in training
        return [s], has_a | has_b

    def _expand(self, a, b, has_a, has_b):
        pred_a, pred_b = self.run(self.net, a, b)
        return fill_missing(a, b, has_a, has_b, pred_a, pred_b)
