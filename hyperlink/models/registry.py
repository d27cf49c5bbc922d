"""Models by name (``--model NAME``): each model module registers its class here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..errors import InputError
from .base import Model
from .config import config_from_dict, config_to_dict, override
from .loop import EpochStats, TrainResult

__all__ = ["register", "model_class", "available_models", "create_model", "make_config", "model_settings", "train_model"]

_MODELS: dict[str, type[Model]] = {}
M = TypeVar("M", bound=type[Model])


def register(kind: str) -> Callable[[M], M]:
    """Class decorator: make a model available as ``kind``."""

    def add(cls: M) -> M:
        if kind in _MODELS:
            raise ValueError(f"model {kind!r} registered twice")
        cls.kind = kind
        _MODELS[kind] = cls
        return cls

    return add


def available_models() -> tuple[str, ...]:
    return tuple(_MODELS)


def model_class(kind: str) -> type[Model]:
    if kind not in _MODELS:
        raise InputError(f"unknown model {kind!r}; choose one of: {', '.join(_MODELS)}")
    return _MODELS[kind]


def make_config(kind: str, config: Any = None) -> Any:
    """The config of ``kind``: given as is, defaults (None), flat overrides or a dict from a checkpoint.

    >>> make_config("bidnn", {"hidden": 64, "epochs": 3}).train.epochs
    3
    """
    cls = model_class(kind).config_class
    if config is None:
        return cls()
    if isinstance(config, cls):
        return config
    if isinstance(config, Mapping):
        nested = isinstance(config.get("train"), Mapping) and set(config) <= {f for f in cls.__dataclass_fields__}
        return config_from_dict(cls, config) if nested else override(cls(), config)
    raise InputError(f"config for {kind!r} must be a {cls.__name__} or a dict, not {type(config).__name__}")


def model_settings(kind: str) -> dict[str, Any]:
    """Every flat setting ``kind`` accepts (its own fields, then its ``train`` fields) with defaults.

    >>> model_settings("cca")["reg"]
    0.001
    """
    config = model_class(kind).config_class()
    flat = {k: v for k, v in config_to_dict(config).items() if k != "train"}
    return flat | config_to_dict(config).get("train", {})


def create_model(kind: str, config: Any = None) -> Model:
    """An untrained model ``kind`` with ``config`` (see :func:`make_config`)."""
    return model_class(kind)(make_config(kind, config))


def train_model(kind: str, a, b=None, has_a=None, has_b=None, config: Any = None, *,
                progress: Callable[[EpochStats], None] | None = None) -> tuple[Model, TrainResult]:
    """Build model ``kind`` from the registry with ``config`` (its config, a flat dict of overrides,
    or None for defaults) and fit it on four arrays or one ``Pairs`` source (``train_model(kind,
    pairs, config=...)``); the entry point of ``hyperlink train``."""
    model = create_model(kind, config)
    result = model.fit(a, b, has_a, has_b, progress=progress)
    return model, result
