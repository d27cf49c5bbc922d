"""Data-parallel training across processes with ``torch.distributed`` (started by ``torchrun``).

``torchrun --nproc_per_node=N -m hyperlink train ...`` runs N copies of the command. Each joins one
process group (gloo on the CPU, nccl on CUDA devices, one device per process), draws the same
seeded shuffle, and takes its 1/N share of every batch (what ``DistributedSampler`` does, at batch
granularity, so that the union of the shares is exactly the single-process batch). After each
backward pass the gradients are averaged across processes with one all-reduce of the flattened
gradients, as DDP does; since the losses are means over rows, every process then takes the step one
process would take on the whole batch, and the weights stay identical everywhere. Only rank 0
writes the checkpoint and the store record (:func:`is_main`).

Without ``torchrun`` (``WORLD_SIZE`` unset or 1) none of this runs.
"""

from __future__ import annotations

import os

import torch

from ..errors import InputError

__all__ = ["World", "join", "is_main"]


def _size_from_env() -> int:
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        raise InputError(f"WORLD_SIZE={os.environ['WORLD_SIZE']!r} is not a number of processes") from None


def is_main() -> bool:
    """True in the only process, or in rank 0 of a distributed run."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank() == 0
    return int(os.environ.get("RANK", "0") or 0) == 0


class World:
    """This process's place in the run: ``rank`` of ``size`` (size 1 without torchrun)."""

    def __init__(self, rank: int = 0, size: int = 1):
        self.rank, self.size = rank, size

    def share(self, x_a: torch.Tensor, x_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """This process's rows of a batch: the rank-th of ``size`` equal slices."""
        if self.size == 1:
            return x_a, x_b
        per = len(x_a) // self.size
        lo = self.rank * per
        return x_a[lo:lo + per], x_b[lo:lo + per]

    def average_gradients(self, params: list[torch.nn.Parameter]) -> None:
        """Replace each gradient by its mean over the processes (one all-reduce for all of them)."""
        if self.size == 1:
            return
        grads = [p.grad for p in params if p.grad is not None]
        flat = torch.cat([g.reshape(-1) for g in grads])
        torch.distributed.all_reduce(flat)
        flat /= self.size
        offset = 0
        for g in grads:
            g.copy_(flat[offset:offset + g.numel()].view_as(g))
            offset += g.numel()

    def total(self, value: torch.Tensor) -> torch.Tensor:
        """The sum of ``value`` over the processes (for the epoch's mean loss)."""
        if self.size > 1:
            value = value.clone()
            torch.distributed.all_reduce(value)
        return value


def join(device: torch.device, batch_size: int) -> tuple[World, torch.device]:
    """Join the process group torchrun describes (if any); the world and this process's device."""
    size = _size_from_env()
    if size <= 1:
        return World(), device
    if batch_size % size:
        raise InputError(f"--batch-size {batch_size} must be a multiple of the {size} processes, so that every "
                         "process takes an equal share of each batch")
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    if device.type == "cuda":
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    return World(torch.distributed.get_rank(), torch.distributed.get_world_size()), device
