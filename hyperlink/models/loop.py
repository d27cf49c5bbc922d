"""The training loop, kept apart from the models: minibatch descent on complete pairs.

As the original: reshuffle every epoch, drop the last partial batch, Nesterov SGD by default.
Beyond it: a seed for everything, an optional seeded validation split with early stopping and
best-epoch selection, and a progress callback.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ..errors import InputError
from .config import TrainConfig


__all__ = ["EpochStats", "TrainResult", "plot_history", "make_optimiser", "train_step",
           "fit_network", "resolve_device", "seeded"]

log = logging.getLogger("hyperlink.models")

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (x_A (n, m1), x_B (n, m2)) -> scalar


@dataclass(frozen=True)
class EpochStats:
    """What the progress callback receives after each epoch."""

    epoch: int  # 1-based
    epochs: int  # planned total
    loss: float  # mean training loss over the epoch's batches
    val_loss: float | None  # loss on the validation pairs (None without a split)
    samples_per_s: float  # training rows per second this epoch (validation excluded)


@dataclass
class TrainResult:
    history: list[EpochStats] = field(default_factory=list)
    best_epoch: int = 0  # epoch whose weights the model ends with
    n_train: int = 0  # complete pairs trained on
    n_val: int = 0  # complete pairs held out
    seconds: float = 0.0
    device: str = "cpu"

    def summary(self) -> dict[str, Any]:
        """Scalars stored in the checkpoint's metrics."""
        last = self.history[-1] if self.history else None
        vals = [h.val_loss for h in self.history if h.val_loss is not None]
        speeds = [h.samples_per_s for h in self.history]
        return {
            "epochs_run": len(self.history), "best_epoch": self.best_epoch,
            "final_loss": None if last is None else last.loss,
            "best_val_loss": min(vals) if vals else None,
            "n_train": self.n_train, "n_val": self.n_val, "seconds": round(self.seconds, 3),
            "samples_per_s": float(np.mean(speeds)) if speeds else None, "device": self.device,
        }


_OPTIMISERS: dict[str, Callable[[Any, TrainConfig], torch.optim.Optimizer]] = {
    # Nesterov momentum as Lasagne's nesterov_momentum (identical update, see the tests).
    "sgd": lambda params, c: torch.optim.SGD(params, lr=c.lr, momentum=c.momentum,
                                             nesterov=c.momentum > 0, weight_decay=c.weight_decay),
    "adam": lambda params, c: torch.optim.Adam(params, lr=c.lr, weight_decay=c.weight_decay),
}


def make_optimiser(params, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimiser not in _OPTIMISERS:
        raise InputError(f"unknown optimiser {config.optimiser!r}; choose one of: {', '.join(_OPTIMISERS)}")
    return _OPTIMISERS[config.optimiser](params, config)


def train_step(loss_fn: Loss, optimiser: torch.optim.Optimizer, x_a: torch.Tensor, x_b: torch.Tensor) -> torch.Tensor:
    """One descent step on a batch; returns the (detached) loss without synchronising."""
    optimiser.zero_grad(set_to_none=True)
    loss = loss_fn(x_a, x_b)
    loss.backward()
    optimiser.step()
    return loss.detach()


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda' requested but CUDA is not available; use --device cpu or auto")
    return torch.device(name)


@contextlib.contextmanager
def seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch's global generators (init, dropout) without disturbing the caller's."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def fit_network(net: nn.Module, loss_fn: Loss, a: np.ndarray, b: np.ndarray, config: TrainConfig, *,
                device: torch.device, progress: Callable[[EpochStats], None] | None = None) -> TrainResult:
    """Train ``net`` on complete pairs ``a (n, m1)``, ``b (n, m2)`` (already scaled)."""
    started = time.perf_counter()
    n = len(a)
    if n == 0:
        raise InputError("no training rows with both modalities present")
    order = np.random.default_rng(config.seed).permutation(n)
    n_val = int(round(n * config.val_fraction)) if n > 1 else 0
    val_rows, train_rows = order[:n_val], order[n_val:]
    t_a, t_b = (torch.from_numpy(x[np.sort(train_rows)]).to(device) for x in (a, b))
    v_a, v_b = (torch.from_numpy(x[np.sort(val_rows)]).to(device) for x in (a, b))
    n_train = len(train_rows)
    batch = config.batch_size
    if n_train < batch:
        message = f"only {n_train} training pairs, fewer than a batch of {batch}: training on one batch of {n_train}"
        warnings.warn(message, stacklevel=2)
        batch = n_train
    n_batches = n_train // batch  # the last partial batch is dropped, as the original
    optimiser = make_optimiser(net.parameters(), config)
    shuffle = torch.Generator().manual_seed(config.seed)
    result = TrainResult(n_train=n_train, n_val=n_val, device=str(device))
    best, best_state, stale, best_epoch = float("inf"), None, 0, 0
    for epoch in range(1, config.epochs + 1):
        net.train()
        tick = time.perf_counter()
        perm = torch.randperm(n_train, generator=shuffle).to(device)
        total = torch.zeros((), device=device)
        for i in range(n_batches):
            rows = perm[i * batch:(i + 1) * batch]
            total += train_step(loss_fn, optimiser, t_a[rows], t_b[rows])
        loss = float(total) / n_batches  # one synchronisation per epoch
        speed = n_batches * batch / max(time.perf_counter() - tick, 1e-9)
        val = validation_loss(net, loss_fn, v_a, v_b) if n_val else None
        stats = EpochStats(epoch, config.epochs, loss, val, speed)
        result.history.append(stats)
        result.best_epoch = epoch
        if progress is not None:
            progress(stats)
        if val is None:
            continue
        if val < best:
            best, best_state, stale, best_epoch = val, copy.deepcopy(net.state_dict()), 0, epoch
        else:
            stale += 1
        result.best_epoch = best_epoch
        if config.patience and stale >= config.patience:
            log.info("early stop at epoch %d (best %d)", epoch, best_epoch)
            break
    if best_state is not None and config.restore_best:
        net.load_state_dict(best_state)
    elif best_state is not None:
        result.best_epoch = len(result.history)
    net.eval()
    result.seconds = time.perf_counter() - started
    return result


@torch.no_grad()
def validation_loss(net: nn.Module, loss_fn: Loss, v_a: torch.Tensor, v_b: torch.Tensor, chunk: int = 8192) -> float:
    """Mean loss over the validation pairs, dropout off."""
    net.eval()
    total = 0.0
    for i in range(0, len(v_a), chunk):
        part = slice(i, i + chunk)
        total += float(loss_fn(v_a[part], v_b[part])) * len(v_a[part])
    return total / len(v_a)


def plot_history(history: list[EpochStats], path) -> None:
    """Write the training curve (loss, validation loss per epoch) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    epochs = [h.epoch for h in history]
    ax.plot(epochs, [h.loss for h in history], label="training loss")
    vals = [(h.epoch, h.val_loss) for h in history if h.val_loss is not None]
    if vals:
        ax.plot(*zip(*vals), label="validation loss")
        best = min(vals, key=lambda ev: ev[1])
        ax.axvline(best[0], color="grey", linestyle=":", label=f"best epoch {best[0]}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if history and min(h.loss for h in history) > 0:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
