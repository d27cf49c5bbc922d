"""Input scaling fitted on training rows and stored with the model.

tanh outputs lie in [-1, 1], so a network reconstructing raw features needs them scaled; the
statistics must be the training data's and travel with the checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ..errors import InputError
from .moments import ColumnMoments

__all__ = ["Scaler", "SCALINGS"]


def _unit(x: np.ndarray) -> np.ndarray:
    length = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(length > 0, length, 1.0)


# Stateless per-row maps, applied before any fitted statistics.
_ROW_MAPS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "none": lambda x: x,
    "l2": _unit,  # unit-length rows
    "sqrt-l2": lambda x: _unit(np.sqrt(np.maximum(x, 0.0))),  # Hellinger map for histograms
}
# name -> (row map, then z-score each column with the training rows' mean and std?)
_KINDS: dict[str, tuple[str, bool]] = {
    "none": ("none", False),
    "l2": ("l2", False),
    "sqrt-l2": ("sqrt-l2", False),
    "zscore": ("none", True),
    "l2-zscore": ("l2", True),
}
SCALINGS: tuple[str, ...] = tuple(_KINDS)


class Scaler:
    """One modality's scaling: ``kind`` in :data:`SCALINGS`."""

    def __init__(self, kind: str, dim: int):
        if kind not in SCALINGS:
            raise InputError(f"unknown scaling {kind!r}; choose one of: {', '.join(SCALINGS)}")
        self.kind = kind
        row_map, self.zscore = _KINDS[kind]
        self.row_map = _ROW_MAPS[row_map]
        self.mean = np.zeros(dim, np.float32)  # (dim,)
        self.std = np.ones(dim, np.float32)  # (dim,)
        self._moments = ColumnMoments()

    def fit(self, x: np.ndarray) -> Scaler:
        """Column statistics of the (present) training rows ``x (n, dim)``."""
        self._moments = ColumnMoments()
        self.partial_fit(x)
        return self

    def partial_fit(self, x: np.ndarray) -> None:
        """Take in more present training rows ``x (k, dim)``: the statistics become those of every row
        given since :meth:`fit` (or construction), accumulated in float64 chunk by chunk."""
        if not self.zscore or not len(x):
            return
        self._moments.add(self.row_map(x.astype(np.float64)))
        self.mean = self._moments.mean.astype(np.float32)
        std = np.sqrt(self._moments.var())
        self.std = np.where(std > 1e-8, std, 1.0).astype(np.float32)

    def __call__(self, x: np.ndarray, present: np.ndarray) -> np.ndarray:
        """Scaled copy of ``x (n, dim)``; absent rows stay zero."""
        y = self.row_map(np.array(x, dtype=np.float32))  # one copy, then changed in place
        if self.zscore:
            y -= self.mean
            y /= self.std
        y[~present] = 0.0
        return y

    def tensors(self, prefix: str) -> dict[str, torch.Tensor]:
        return {f"{prefix}.mean": torch.from_numpy(self.mean.copy()), f"{prefix}.std": torch.from_numpy(self.std.copy())}

    def load(self, tensors: dict[str, torch.Tensor], prefix: str) -> None:
        self.mean = tensors[f"{prefix}.mean"].numpy().astype(np.float32)
        self.std = tensors[f"{prefix}.std"].numpy().astype(np.float32)
