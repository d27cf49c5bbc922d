"""Baselines without learning: one modality alone (text, visual), and early fusion (concat)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import Model
from .loop import TrainResult
from .registry import register

__all__ = ["SingleConfig", "ConcatConfig", "TextModel", "VisualModel", "ConcatModel"]


@dataclass(frozen=True)
class SingleConfig:
    scaling: str = "none"  # input scaling (see scaling.SCALINGS); cosine of the raw features by default
    norm: str = "l2"  # embedding normalisation: l2 | frobenius | none


@dataclass(frozen=True)
class ConcatConfig:
    scaling: str = "zscore"  # each column z-scored with the training rows' statistics
    balanced: bool = True  # each modality unit length before joining (the 0.507 reference); False: one block [z_A | z_B]
    norm: str = "l2"  # embedding normalisation: l2 | frobenius | none


class _Unlearned(Model):
    def _fit(self, pairs, progress, warm_start) -> TrainResult:
        return TrainResult(n_train=int((pairs.has_a | pairs.has_b).sum()))  # only the scaling is fitted

    def state_tensors(self):
        return {}

    def load_tensors(self, tensors):
        pass


@register("text")
class TextModel(_Unlearned):
    """Modality A alone; rows without A are excluded."""

    config_class = SingleConfig

    def _blocks(self, a, b, has_a, has_b):
        return [a], has_a


@register("visual")
class VisualModel(_Unlearned):
    """Modality B alone; rows without B are excluded."""

    config_class = SingleConfig

    def _blocks(self, a, b, has_a, has_b):
        return [b], has_b


@register("concat")
class ConcatModel(_Unlearned):
    """Early fusion: [z_A | z_B], a missing modality at its training mean (zeros after z-scoring)."""

    config_class = ConcatConfig

    def _blocks(self, a, b, has_a, has_b):
        blocks = [a, b] if self.config.balanced else [np.concatenate([a, b], axis=1)]
        return blocks, has_a | has_b
