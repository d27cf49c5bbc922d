"""Typed training settings shared by every learned model, and config <-> JSON.

Each model has its own frozen config dataclass (architecture and objective) whose ``train`` field is a
:class:`TrainConfig`. Configs travel inside checkpoints as JSON, so every field is a plain value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, TypeVar

from ..errors import InputError

__all__ = ["TrainConfig", "config_to_dict", "config_from_dict", "override"]

C = TypeVar("C")


@dataclass(frozen=True)
class TrainConfig:
    """How a network is optimised. Defaults are the original BiDNN tool's."""

    epochs: int = 1000  # passes over the complete training pairs (the original's default)
    batch_size: int = 128  # rows per step; the last partial batch of an epoch is dropped
    optimiser: str = "sgd"  # sgd (Nesterov when momentum > 0, as the original) | adam | adam-fused (same update, faster)
    lr: float = 0.1  # learning rate
    momentum: float = 0.9  # SGD momentum; 0 gives plain SGD (the original could not turn it off)
    weight_decay: float = 0.0  # L2 penalty on all parameters (the original has none)
    val_fraction: float = 0.0  # share of the complete pairs held out (seeded) for validation loss
    patience: int = 0  # stop after this many epochs without a better validation loss; 0 = never
    restore_best: bool = True  # with validation: end with the weights of the best validation epoch
    seed: int = 0  # seeds the init, dropout, the shuffles and the validation split
    device: str = "auto"  # auto (CUDA when available) | cpu | cuda

    def __post_init__(self) -> None:
        _check(self.epochs >= 0, "epochs must be >= 0")
        _check(self.batch_size >= 1, "batch_size must be >= 1")
        _check(self.lr > 0, "lr must be > 0")
        _check(0 <= self.momentum < 1, "momentum must be in [0, 1)")
        _check(0 <= self.val_fraction < 1, "val_fraction must be in [0, 1)")
        _check(self.patience >= 0, "patience must be >= 0")
        _check(self.device in ("auto", "cpu", "cuda"), f"device must be auto, cpu or cuda, not {self.device!r}")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise InputError(message)


def config_to_dict(config: Any) -> dict[str, Any]:
    """A JSON-ready dict of a (possibly nested) config dataclass."""
    return dataclasses.asdict(config)


def config_from_dict(cls: type[C], data: Mapping[str, Any]) -> C:
    """Rebuild ``cls`` from :func:`config_to_dict` output; unknown keys are an error.

    A field added after a checkpoint was written is absent from its dict: it takes the value listed
    in the class's ``ABSENT`` mapping (the behaviour before the field existed), else its default.
    """
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise InputError(f"unknown {cls.__name__} field(s) {', '.join(unknown)}; known: {', '.join(known)}")
    values = {k: v for k, v in getattr(cls, "ABSENT", {}).items() if k not in data}
    for name, value in data.items():
        sub = _dataclass_type(cls, name)
        values[name] = config_from_dict(sub, value) if sub is not None and isinstance(value, Mapping) else value
    return cls(**values)


def override(config: C, values: Mapping[str, Any]) -> C:
    """``config`` with flat ``values`` applied: keys of the config itself or of its ``train`` part.

    >>> override(TrainConfig(), {"epochs": 5}).epochs
    5
    """
    own = {f.name for f in fields(config)}
    train = getattr(config, "train", None)
    train_keys = {f.name for f in fields(train)} if is_dataclass(train) else set()
    unknown = sorted(set(values) - own - train_keys)
    if unknown:
        choices = ", ".join(sorted((own | train_keys) - {"train"}))
        raise InputError(f"unknown setting(s) {', '.join(unknown)} for {type(config).__name__}; choose from: {choices}")
    top = {k: _coerce(k, v, getattr(config, k)) for k, v in values.items() if k in own and k != "train"}
    sub = {k: _coerce(k, v, getattr(train, k)) for k, v in values.items() if k in train_keys and k not in own}
    if isinstance(values.get("train"), Mapping):
        sub.update(values["train"])
    if sub:
        top["train"] = dataclasses.replace(train, **sub)
    elif "train" in values and is_dataclass(values["train"]):
        top["train"] = values["train"]
    return dataclasses.replace(config, **top)


_KINDS = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _int_bound(name: str) -> int:
    """The largest value an integer setting may take: beyond it a value is a typo that would run for
    days or allocate terabytes (widths, epochs, batch sizes, seeds), not a setting."""
    from ..settings import MAX_BATCH, MAX_DIM, MAX_EPOCHS, MAX_SEED

    if name in ("epochs", "patience"):
        return MAX_EPOCHS
    if name == "batch_size":
        return MAX_BATCH
    if name == "seed":
        return MAX_SEED
    return MAX_DIM  # widths (hidden, rep, out_dim, linear_dim, ...) and the other counts


def _coerce(name: str, value: Any, default: Any) -> Any:
    """``value`` coerced by :func:`_convert`; integers bounded to [0, :func:`_int_bound`]."""
    out = _convert(name, value, default)
    if isinstance(out, int) and not isinstance(out, bool) and isinstance(default, int) and not isinstance(default, bool):
        if not 0 <= out <= _int_bound(name):
            raise InputError(f"setting {name} must be between 0 and {_int_bound(name)}, got {out}")
    return out


def _convert(name: str, value: Any, default: Any) -> Any:
    """``value`` as the type of the setting's default (int, float, bool, str); InputError naming the setting.

    >>> _coerce("hidden", "512", 100), _coerce("lr", 1, 0.1), _coerce("tied", "false", True)
    (512, 1.0, False)
    """
    kind = type(default)
    if default is None or kind not in _KINDS or isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    try:
        if kind is bool:
            text = str(value).strip().lower()
            if text not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return text in ("true", "1", "yes")
        if kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(str(value).strip()) if not isinstance(value, float) else int(value)
        if kind is float:
            out = float(value)
            if out != out or out in (float("inf"), float("-inf")):
                raise ValueError
            return out
        return str(value)
    except (TypeError, ValueError):
        raise InputError(f"setting {name} must be {_KINDS[kind]}, got {value!r}") from None


def _dataclass_type(cls: type, name: str) -> type | None:
    # Resolve the nested config class from the default instance, since annotations are strings here.
    default = cls()
    value = getattr(default, name)
    return type(value) if is_dataclass(value) else None

