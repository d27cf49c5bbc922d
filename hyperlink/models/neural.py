"""Shared plumbing of the torch models: build seeded, train on complete pairs, run batched inference."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from .base import Model
from .data import Pairs
from .distributed import join
from .loop import EpochStats, TrainResult, fit_network, resolve_device, seeded

__all__ = ["NeuralModel", "ACTIVATIONS", "activation"]

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "rectify": torch.relu,  # the original's (Lasagne's) name
    "linear": lambda x: x,
}


def activation(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    from ..errors import InputError

    if name not in ACTIVATIONS:
        raise InputError(f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


class NeuralModel(Model):
    """A model whose learned part is one ``nn.Module`` trained on the rows with both modalities."""

    def __init__(self, config=None):
        super().__init__(config)
        self.net: nn.Module | None = None
        self.device = torch.device("cpu")

    @abstractmethod
    def build(self, m1: int, m2: int) -> nn.Module:
        """A freshly initialised network for input widths ``m1``, ``m2``."""

    @abstractmethod
    def loss(self, x_a: torch.Tensor, x_b: torch.Tensor) -> torch.Tensor:
        """Training objective on a batch of complete pairs ``x_A (n, m1)``, ``x_B (n, m2)``."""

    def after_fit(self, complete: Pairs) -> None:
        """Hook run on the complete training pairs once the network is trained (e.g. DCCA's linear CCA)."""

    def _fit(self, pairs: Pairs, progress: Callable[[EpochStats], None] | None, warm_start: bool) -> TrainResult:
        config = self.train_config
        world, self.device = join(resolve_device(config.device), config.batch_size)  # torchrun: one of N processes
        complete = complete_pairs(pairs)
        with seeded(config.seed, self.device):
            previous = self.net.state_dict() if warm_start and self.net is not None else None
            self.net = self.build(*self.dims)  # rebuilt so changed settings (e.g. dropout) apply
            if previous is not None:
                self.net.load_state_dict(previous)
            self.net.to(self.device)
            result = fit_network(self.net, self.loss, complete, config, device=self.device, progress=progress,
                                 world=world)
        self.after_fit(complete)
        return result

    @torch.no_grad()
    def run(self, fn: Callable[..., torch.Tensor | tuple[torch.Tensor, ...]], *arrays: np.ndarray,
            chunk: int = 4096) -> list[np.ndarray]:
        """Apply ``fn`` to row chunks of ``arrays`` in eval mode; numpy float32 results."""
        self.net.eval()
        parts: list[list[np.ndarray]] = []
        n = len(arrays[0])
        for i in range(0, max(n, 1), chunk):
            out = fn(*(torch.from_numpy(x[i:i + chunk]).to(self.device) for x in arrays))
            out = out if isinstance(out, tuple) else (out,)
            parts.append([o.float().cpu().numpy() for o in out])
        return [np.concatenate(cols, axis=0) for cols in zip(*parts)]

    def state_tensors(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().cpu().contiguous() for k, v in self.net.state_dict().items()}

    def load_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        self.device = resolve_device(self.train_config.device)
        self.net = self.build(*self.dims)
        net_keys = set(self.net.state_dict())
        self.net.load_state_dict({k: v for k, v in tensors.items() if k in net_keys}, strict=True)
        self.net.to(self.device).eval()
        self.load_extra({k: v for k, v in tensors.items() if k not in net_keys})

    def load_extra(self, tensors: dict[str, torch.Tensor]) -> None:
        """Restore tensors stored beside the network's (subclasses with extra state)."""


def complete_pairs(pairs: Pairs) -> Pairs:
    """The rows of ``pairs`` with both modalities, the only ones the networks train on."""
    return pairs.subset(np.flatnonzero(pairs.has_a & pairs.has_b))


def fill_missing(a: np.ndarray, b: np.ndarray, has_a: np.ndarray, has_b: np.ndarray,
                 pred_a: np.ndarray, pred_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expansion: a missing modality takes the prediction; present ones are left untouched."""
    fill_a = ~has_a & has_b  # (n,)
    fill_b = ~has_b & has_a
    return np.where(fill_a[:, None], pred_a, a), np.where(fill_b[:, None], pred_b, b)
