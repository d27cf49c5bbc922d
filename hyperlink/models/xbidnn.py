"""XBiDNN: BiDNN extended for crossmodal search and joint linking alike (ours, not the paper's).

The network is BiDNN's (see ``bidnn.py``): A→B and B→A translations whose central weights are tied
by transposition, so both directions write into one code space and read out of it:

    c_A = central_a(x_A) (n, r/2),   c_B = central_b(x_B) (n, r/2)
    decode_b(c) (n, m2) predicts x_B and decode_a(c) (n, m1) predicts x_A from any code c

What we add, each chosen on the Wikipedia benchmark's validation folds (``bench/wikipedia.py
--ablation`` removes them one at a time and reports what each is worth):

1. Self-reconstruction by code swapping. Each row's decoders read its own modality's code with
   probability ``self_rec``, else the other's (BiDNN: always the other's). The expected loss is
   (1 − p)·translation + p·self-reconstruction at BiDNN's cost per step: no extra decoder pass.
2. Alignment: ``align`` · MSE(c_A, c_B). Nothing in BiDNN's loss makes the two codes of a pair
   equal, yet the direct readout compares them; this term does.
3. A linear readout beside the learned one: regularised CCA fitted on the same (scaled) complete
   pairs before the network. It whitens each modality and is what the linear baselines do best; the
   learned codes capture the nonlinear rest. Each half of the embedding is

       h_X = [√(1−β)·unit(c_X) | √β·unit(u_X)],   u_X = ρ^power ⊙ (x_X − μ_X) W_X  (n, k)

   so a cosine between halves is (1−β)·cos(c) + β·cos(u): an ensemble of the two readouts.
4. Centred codes: the training codes' mean is taken off c_A and c_B before the cosine (tanh codes
   share a common offset that otherwise dominates every cosine).
5. Weighted halves: the joint vector is [√α·h_A | √(1−α)·h_B] (unit length: one block, so the
   ``l2`` normalisation keeps the weights), so the more reliable modality can count for more when
   an item has both; a missing half is the other duplicated (as BiDNN), so one-modality items are
   unaffected by α. Which modality is the reliable one depends on the features: α is a setting.
6. The pair's mean code, for items with both modalities. In training, each row's decoders read, with
   probability ``fuse``, the mean m = (c_A + c_B)/2 of its two codes instead of the swapped or own
   one: the expected loss adds fuse·(reconstruction of both from m), the third of the multimodal
   autoencoder's input versions ((x_A, x_B) besides (x_A, 0) and (0, x_B)), so m becomes a code of
   the pair, at no extra cost per step. In the embedding (``fused_weight`` η) such an item's vector is
   [√(1−η)·(its vector from 5.) | √η·unit(m)] (before the inputs of 7.), m from the centred codes;
   one-modality items get zeros there, so their vectors and crossmodal search do not change.
7. The inputs themselves beside the codes, for items with both modalities (``raw_weight`` γ, default
   0: off). Such an item's vector becomes

       [√(1−γ)·v | √γ·[√α·unit(x_A − μ_A) | √(1−α)·unit(x_B − μ_B)]]

   with v its vector from 5. and 6., x the scaled inputs and μ their mean over the complete training
   pairs, so its cosine with another such item is (1−γ)·(cosine of v) + γ·(the centred inputs'
   cosine): an ensemble with what the ``text``/``visual`` baselines compare. It adds m1 + m2 columns; every one-modality item
   (and, under ``expansion``, every item whose modality was predicted) gets zeros there, so its vector
   is the one it had without it (same cosines among one-modality items, crossmodal search unchanged).

Readout ``expansion`` (BiDNN's) fills a missing modality with the network's prediction first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import InputError
from .base import duplicate_missing
from .bidnn import BiDNN
from .cca import solve_cca
from .config import TrainConfig
from .data import Pairs
from .moments import ColumnMoments, CrossMoments
from .neural import NeuralModel, complete_pairs, fill_missing
from .registry import register

__all__ = ["XBiDNNConfig", "XBiDNNModel", "xbidnn_loss"]


@dataclass(frozen=True)
class XBiDNNConfig:
    hidden: int = 256  # h: width of layers 1 and 3 of each direction
    rep: int = 128  # r: both codes together; each direction's central layer is r/2 wide (must be even)
    activation: str = "tanh"  # hidden and central layers
    output_activation: str = "linear"  # predictions (linear: inputs need not lie in tanh's range)
    dropout: float = 0.0  # inverted dropout on the code fed to the decoders while training
    tied: bool = True  # central weights shared by transposition (BiDNN's); False: 8 independent layers
    self_rec: float = 0.5  # probability a decoder reads the row's own code (self-reconstruction); 0: BiDNN
    align: float = 0.0  # weight of MSE(c_A, c_B) in the loss; 0: none (validation never chose it on Wikipedia)
    fuse: float = 0.33  # probability a row's decoders read the pair's mean code (c_A + c_B)/2; 0: never
    fused_weight: float = 0.5  # η: share of the mean code in the vector of an item with both; 0: none
    center: bool = True  # take the training codes' mean off c_A, c_B before the cosine
    linear_dim: int = 10  # k: CCA components of the linear readout; 0: learned codes only
    linear_reg: float = 1.0  # ridge on each CCA covariance, relative to its mean variance
    linear_power: float = 1.0  # component j weighted by ρ_j ** power
    linear_weight: float = 0.5  # β: share of the linear readout in each half's cosine (1: linear only)
    weight_a: float = 0.9  # α: share of modality A's half in the joint vector of an item with both
    raw_weight: float = 0.0  # γ: share of the centred scaled inputs in the vector of an item with both; 0: none
    scaling: str = "l2"  # input scaling fitted on training rows (see scaling.SCALINGS)
    norm: str = "l2"  # embedding normalisation: l2 | frobenius | none (the halves are unit length already)
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=200, optimiser="adam-fused", lr=1e-3))
    # Checkpoints written before a field existed get the value that reproduces them (config_from_dict).
    ABSENT: ClassVar[dict[str, float]] = {"fuse": 0.0, "fused_weight": 0.0}

    def __post_init__(self) -> None:
        checks = (
            (self.rep >= 2 and self.rep % 2 == 0, f"rep must be even (two halves of r/2), got {self.rep}"),
            (self.hidden >= 1, f"hidden must be >= 1, got {self.hidden}"),
            (0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}"),
            (0 <= self.self_rec <= 1, f"self_rec must be in [0, 1], got {self.self_rec}"),
            (0 <= self.fuse <= 1, f"fuse must be in [0, 1], got {self.fuse}"),
            (0 <= self.fused_weight < 1, f"fused_weight must be in [0, 1), got {self.fused_weight}"),
            (self.align >= 0, f"align must be >= 0, got {self.align}"),
            (self.linear_dim >= 0 and self.linear_reg >= 0, "linear_dim and linear_reg must be >= 0"),
            (0 <= self.linear_weight <= 1, f"linear_weight must be in [0, 1], got {self.linear_weight}"),
            (self.linear_weight < 1 or self.linear_dim > 0, "linear_weight 1 needs linear_dim > 0"),
            (0 < self.weight_a < 1, f"weight_a must be in (0, 1), got {self.weight_a}"),
            (0 <= self.raw_weight < 1, f"raw_weight must be in [0, 1), got {self.raw_weight}"),
        )
        for ok, message in checks:
            if not ok:
                raise InputError(message)


def xbidnn_loss(net: BiDNN, x_a: torch.Tensor, x_b: torch.Tensor, self_rec: float, align: float,
                fuse: float = 0.0) -> torch.Tensor:
    """Mean of the two modalities' reconstruction MSEs from swapped codes, plus ``align``·MSE(c_A, c_B).

    Each row's decoders read, with probability ``fuse``, the pair's mean code; otherwise their own
    code with probability ``self_rec``, else the other modality's (BiDNN's translation)."""
    c_a, c_b = net.central_a(x_a), net.central_b(x_b)  # (n, r/2) each
    if self_rec > 0:
        own = torch.rand(len(x_a), 1, device=x_a.device) < self_rec  # (n, 1): decoders read their own code
        to_b, to_a = torch.where(own, c_b, c_a), torch.where(own, c_a, c_b)
    else:
        to_b, to_a = c_a, c_b
    if fuse > 0:
        mixed = torch.rand(len(x_a), 1, device=x_a.device) < fuse  # (n, 1): decoders read (c_A + c_B)/2
        mean = 0.5 * (c_a + c_b)
        to_b, to_a = torch.where(mixed, mean, to_b), torch.where(mixed, mean, to_a)
    loss = 0.5 * (F.mse_loss(net.decode_b(to_b), x_b) + F.mse_loss(net.decode_a(to_a), x_a))
    return loss + align * F.mse_loss(c_a, c_b) if align else loss


@register("xbidnn")
class XBiDNNModel(NeuralModel):
    """Ours: BiDNN with code swapping, alignment, a CCA readout, the pair's mean code and the inputs (module docstring)."""

    config_class = XBiDNNConfig
    can_expand = True
    net: BiDNN

    def __init__(self, config=None):
        super().__init__(config)
        self.linear: list[np.ndarray] | None = None  # mean_A, mean_B, W_A (m1, k), W_B (m2, k), ρ (k,)
        self.code_mean: np.ndarray | None = None  # (2, r/2): training mean of c_A and of c_B
        self.raw_mean: list[np.ndarray] | None = None  # μ_A (m1,), μ_B (m2,): only with raw_weight > 0
        self._observed_both: np.ndarray | None = None  # expansion: rows that had both before filling

    def build(self, m1: int, m2: int) -> BiDNN:
        c = self.config
        return BiDNN(m1, m2, c.hidden, c.rep, activation_name=c.activation, output_activation=c.output_activation,
                     dropout=c.dropout, tied=c.tied)

    def loss(self, x_a: torch.Tensor, x_b: torch.Tensor) -> torch.Tensor:
        c = self.config
        return xbidnn_loss(self.net, x_a, x_b, c.self_rec, c.align, c.fuse)

    def _fit(self, pairs: Pairs, progress, warm_start):
        complete = complete_pairs(pairs)
        # The linear readout first: it does not depend on the network, and embeddings asked for
        # during training (progress callbacks) need it.
        self.linear = self._fit_linear(complete) if complete.n >= 2 else None
        self.raw_mean = self._fit_raw_mean(complete) if self.config.raw_weight > 0 and complete.n else None
        self._pairs, self.code_mean = complete, None  # codes centred on the current network meanwhile
        try:
            return super()._fit(pairs, progress, warm_start)
        finally:
            self._pairs = None

    def after_fit(self, complete: Pairs) -> None:
        self.code_mean = self._code_mean(complete)

    def _fit_linear(self, complete: Pairs) -> list[np.ndarray] | None:
        c = self.config
        if not c.linear_dim:
            return None
        moments = CrossMoments()
        for chunk in complete.chunks():
            moments.add(chunk.a, chunk.b)
        return [x.astype(np.float32) for x in solve_cca(moments, c.linear_dim, c.linear_reg)]

    @staticmethod
    def _fit_raw_mean(complete: Pairs) -> list[np.ndarray]:
        """μ_A (m1,), μ_B (m2,): mean scaled inputs over the complete training pairs."""
        mean_a, mean_b = ColumnMoments(), ColumnMoments()
        for chunk in complete.chunks():
            mean_a.add(chunk.a)
            mean_b.add(chunk.b)
        return [mean_a.mean.astype(np.float32), mean_b.mean.astype(np.float32)]

    def _code_mean(self, complete: Pairs) -> np.ndarray:
        """(2, r/2): mean of c_A and of c_B over the complete training pairs."""
        mean_a, mean_b = ColumnMoments(), ColumnMoments()
        for chunk in complete.chunks():
            c_a, c_b = self.run(lambda x_a, x_b: (self.net.central_a(x_a), self.net.central_b(x_b)), chunk.a, chunk.b)
            mean_a.add(c_a)
            mean_b.add(c_b)
        return np.stack([mean_a.mean, mean_b.mean]).astype(np.float32)

    def _blocks(self, a, b, has_a, has_b):
        c = self.config
        c_a, c_b = self.run(lambda x_a, x_b: (self.net.central_a(x_a), self.net.central_b(x_b)), a, b)  # (n, r/2)
        pairs = getattr(self, "_pairs", None)
        mean = self._code_mean(pairs) if c.center and pairs is not None else self.code_mean
        if c.center and mean is not None:
            c_a, c_b = c_a - mean[0], c_b - mean[1]
        halves = [_unit_rows(c_a), _unit_rows(c_b)]
        if self.linear is not None and c.linear_weight > 0:
            mean_a, mean_b, w_a, w_b, rho = self.linear
            weight = rho ** c.linear_power  # (k,)
            u_a, u_b = (a - mean_a) @ w_a * weight, (b - mean_b) @ w_b * weight  # (n, k) each
            beta = c.linear_weight
            halves = [np.concatenate([np.sqrt(1 - beta) * h, np.sqrt(beta) * _unit_rows(u)], axis=1)
                      for h, u in zip(halves, (u_a, u_b))]
        h_a, h_b = duplicate_missing(*halves, has_a, has_b)
        joint = np.concatenate([np.sqrt(c.weight_a) * h_a, np.sqrt(1 - c.weight_a) * h_b], axis=1)
        both = has_a & has_b  # (n,): only these get the mean code's and the inputs' blocks
        if self._observed_both is not None:  # expansion: predicted modalities do not count
            both = both & self._observed_both
        if c.fused_weight > 0:
            eta = np.where(both, c.fused_weight, 0.0)[:, None]  # (n, 1)
            joint = np.concatenate([np.sqrt(1 - eta) * joint, np.sqrt(eta) * _unit_rows(0.5 * (c_a + c_b))], axis=1)
        if c.raw_weight > 0 and self.raw_mean is not None:
            raw = np.concatenate([np.sqrt(c.weight_a) * _unit_rows(a - self.raw_mean[0]),
                                  np.sqrt(1 - c.weight_a) * _unit_rows(b - self.raw_mean[1])], axis=1)
            gamma = np.where(both, c.raw_weight, 0.0)[:, None]  # (n, 1)
            joint = np.concatenate([np.sqrt(1 - gamma) * joint, np.sqrt(gamma) * raw], axis=1)
        return [joint.astype(np.float32)], has_a | has_b

    def embed(self, a, b, has_a, has_b, *, readout="direct", norm=None):
        self._observed_both = None  # set by _expand for this call only
        try:
            return super().embed(a, b, has_a, has_b, readout=readout, norm=norm)
        finally:
            self._observed_both = None

    def _expand(self, a, b, has_a, has_b):
        self._observed_both = has_a & has_b  # read by _blocks within the same embed call
        pred_b, pred_a = self.run(lambda x_a, x_b: (self.net.decode_b(self.net.central_a(x_a)),
                                                    self.net.decode_a(self.net.central_b(x_b))), a, b)
        return fill_missing(a, b, has_a, has_b, pred_a, pred_b)

    def state_tensors(self):
        extra = {"code_mean": self.code_mean} if self.code_mean is not None else {}
        if self.linear is not None:
            extra |= dict(zip(_LINEAR, self.linear))
        if self.raw_mean is not None:
            extra |= dict(zip(_RAW, self.raw_mean))
        return super().state_tensors() | {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in extra.items()}

    def load_extra(self, tensors):
        self.code_mean = tensors["code_mean"].numpy() if "code_mean" in tensors else None
        self.linear = [tensors[k].numpy() for k in _LINEAR] if _LINEAR[0] in tensors else None
        self.raw_mean = [tensors[k].numpy() for k in _RAW] if _RAW[0] in tensors else None


_LINEAR = ("linear.mean_a", "linear.mean_b", "linear.w_a", "linear.w_b", "linear.rho")
_RAW = ("raw.mean_a", "raw.mean_b")


def _unit_rows(x: np.ndarray) -> np.ndarray:
    length = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(length > 0, length, 1.0)
