"""The training loop, kept apart from the models: minibatch descent on complete pairs.

As the original: reshuffle every epoch, drop the last partial batch, Nesterov SGD by default.
Beyond it: a seed for everything, an optional seeded validation split with early stopping and
best-epoch selection, and a progress callback.

Pairs already in memory are moved to the device once; pairs from a disk cache are read a group of
batches at a time (a chunk's worth of rows, in the shuffled order), so memory follows the chunk. The
batches hold the same rows in the same order either way.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ..errors import InputError
from .config import TrainConfig
from .data import Pairs
from .distributed import World

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
    # The same Adam update in one fused kernel per parameter: on CPU plain Adam makes about ten passes
    # over every weight, which costs 20 % of a step for BiDNN-sized layers (bench/train_speed.py --xbidnn).
    "adam-fused": lambda params, c: torch.optim.Adam(params, lr=c.lr, weight_decay=c.weight_decay, fused=True),
}


def make_optimiser(params, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimiser not in _OPTIMISERS:
        raise InputError(f"unknown optimiser {config.optimiser!r}; choose one of: {', '.join(_OPTIMISERS)}")
    return _OPTIMISERS[config.optimiser](params, config)


def train_step(loss_fn: Loss, optimiser: torch.optim.Optimizer, x_a: torch.Tensor, x_b: torch.Tensor,
               world: World | None = None) -> torch.Tensor:
    """One descent step on a batch; returns the (detached) loss without synchronising.

    In a distributed run the gradients are averaged over the processes before the step."""
    optimiser.zero_grad(set_to_none=True)
    loss = loss_fn(x_a, x_b)
    loss.backward()
    if world is not None and world.size > 1:
        world.average_gradients([p for group in optimiser.param_groups for p in group["params"]])
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


def fit_network(net: nn.Module, loss_fn: Loss, pairs: Pairs, config: TrainConfig, *,
                device: torch.device, progress: Callable[[EpochStats], None] | None = None,
                world: World | None = None) -> TrainResult:
    """Train ``net`` on the complete pairs of ``pairs`` (already scaled; every row has both modalities).

    ``world``: this process's share of a distributed run (see ``distributed``); every process
    draws the same batches and trains on its slice of each, with gradients averaged."""
    world = world or World()
    started = time.perf_counter()
    n = pairs.n
    if n == 0:
        raise InputError("no training rows with both modalities present")
    order = np.random.default_rng(config.seed).permutation(n)
    n_val = int(round(n * config.val_fraction)) if n > 1 else 0
    val_rows, train_rows = np.sort(order[:n_val]), np.sort(order[n_val:])
    n_train = len(train_rows)
    batch = config.batch_size
    if n_train < batch:
        message = f"only {n_train} training pairs, fewer than a batch of {batch}: training on one batch of {n_train}"
        warnings.warn(message, stacklevel=2)
        batch = n_train
    n_batches = n_train // batch  # the last partial batch is dropped, as the original
    if pairs.in_memory:
        batches, validation = _resident(pairs, train_rows, val_rows, batch, n_batches, device)
    else:
        batches, validation = _streamed(pairs, train_rows, val_rows, batch, n_batches, device)
    optimiser = make_optimiser(net.parameters(), config)
    shuffle = torch.Generator().manual_seed(config.seed)
    result = TrainResult(n_train=n_train, n_val=n_val, device=str(device))
    best, best_state, stale, best_epoch = float("inf"), None, 0, 0
    for epoch in range(1, config.epochs + 1):
        net.train()
        tick = time.perf_counter()
        perm = torch.randperm(n_train, generator=shuffle)  # positions in train_rows
        total = torch.zeros((), device=device)
        for x_a, x_b in batches(perm):
            total += train_step(loss_fn, optimiser, *world.share(x_a, x_b), world=world)
        loss = float(world.total(total)) / (n_batches * world.size)  # one synchronisation per epoch
        speed = n_batches * batch / max(time.perf_counter() - tick, 1e-9)
        val = validation_loss(net, loss_fn, validation()) if n_val else None
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


Batches = Callable[[torch.Tensor], Iterator[tuple[torch.Tensor, torch.Tensor]]]  # epoch's permutation -> batches
Parts = Callable[[], Iterator[tuple[torch.Tensor, torch.Tensor]]]  # validation pairs, part by part

_VAL_PART = 8192  # validation pairs per forward pass


def _resident(pairs: Pairs, train_rows: np.ndarray, val_rows: np.ndarray, batch: int, n_batches: int,
              device: torch.device) -> tuple[Batches, Parts]:
    """Every training and validation pair on the device once; batches are gathered there."""
    t_a, t_b = (torch.from_numpy(x).to(device) for x in pairs.rows(train_rows))
    v_a, v_b = (torch.from_numpy(x).to(device) for x in pairs.rows(val_rows))

    def batches(perm: torch.Tensor) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        perm = perm.to(device)
        for i in range(n_batches):
            rows = perm[i * batch:(i + 1) * batch]
            yield t_a[rows], t_b[rows]

    def validation() -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for i in range(0, len(v_a), _VAL_PART):
            yield v_a[i:i + _VAL_PART], v_b[i:i + _VAL_PART]

    return batches, validation


def _streamed(pairs: Pairs, train_rows: np.ndarray, val_rows: np.ndarray, batch: int, n_batches: int,
              device: torch.device) -> tuple[Batches, Parts]:
    """Pairs read from the source a group of batches at a time (about a chunk of rows) in file order;
    each batch then takes its rows in the shuffled order, so it holds what the resident path gives."""
    group = max(1, pairs.chunk_size() // batch)  # batches per read

    def batches(perm: torch.Tensor) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        perm = perm.numpy()
        for first in range(0, n_batches, group):
            count = min(group, n_batches - first)
            rows = train_rows[perm[first * batch:(first + count) * batch]]  # (count * batch,) source rows
            ordered = np.argsort(rows, kind="stable")
            back = np.empty_like(ordered)  # position of each shuffled row among the read (sorted) ones
            back[ordered] = np.arange(len(ordered))
            x_a, x_b = (torch.from_numpy(x).to(device) for x in pairs.rows(rows[ordered]))
            back = torch.from_numpy(back).to(device)
            for i in range(count):
                take = back[i * batch:(i + 1) * batch]
                yield x_a[take], x_b[take]
            del x_a, x_b  # before the next group is read

    def validation() -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for i in range(0, len(val_rows), _VAL_PART):
            x_a, x_b = pairs.rows(val_rows[i:i + _VAL_PART])
            yield torch.from_numpy(x_a).to(device), torch.from_numpy(x_b).to(device)

    return batches, validation


@torch.no_grad()
def validation_loss(net: nn.Module, loss_fn: Loss, parts: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Mean loss over the validation pairs, given part by part, dropout off."""
    net.eval()
    total, count = 0.0, 0
    for v_a, v_b in parts:
        total += float(loss_fn(v_a, v_b)) * len(v_a)
        count += len(v_a)
    return total / count


def plot_history(history: list[EpochStats], path, title: str = "training loss per epoch") -> None:
    """Write the training curve (loss, validation loss per epoch) as a PNG, titled ``title``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, ScalarFormatter

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
        # plain numbers at 1, 2, 5 x 10^k instead of bare powers of ten
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
