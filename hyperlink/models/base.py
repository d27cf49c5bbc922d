"""The interface every model shares: fit on two modalities with explicit masks, embed, save.

Modality A (e.g. text, ``m1`` dims) and modality B (e.g. visual, ``m2`` dims) arrive as float32
matrices ``a (n, m1)`` and ``b (n, m2)`` with boolean masks ``has_a``/``has_b (n,)``; the values of an
absent modality's row are ignored. Rows with neither modality never get a vector: they are left out of
the result and counted (never given a constant vector).

Training also takes a :class:`~hyperlink.models.data.Pairs` source (e.g. an on-disk feature cache):
statistics and fingerprints are then accumulated chunk by chunk and minibatches read row by row, so
memory follows the chunk and the model, not the collection. Embedding works on any rows given, so
callers embed a collection chunk by chunk.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple

import numpy as np
import torch

from ..errors import InputError, MismatchError
from .config import TrainConfig
from .data import Pairs, as_pairs, check_shapes, checked
from .scaling import Scaler

if TYPE_CHECKING:
    from .loop import EpochStats, TrainResult

__all__ = ["Model", "Embedding", "Readout", "Norm", "READOUTS", "NORMS", "check_inputs", "fit_scalers", "fingerprint"]

Readout = Literal["direct", "expansion"]
Norm = Literal["l2", "frobenius", "none"]
READOUTS: tuple[str, ...] = ("direct", "expansion")
NORMS: tuple[str, ...] = ("l2", "frobenius", "none")


class Embedding(NamedTuple):
    """Joint vectors for the rows that have at least one modality."""

    vectors: np.ndarray  # (k, d) float32
    kept_index: np.ndarray  # (k,) int64: input row of each vector
    n_excluded: int  # rows with neither modality


class Model(ABC):
    """A joint-embedding model. Subclasses register under a name (see ``registry``)."""

    kind: ClassVar[str] = ""
    config_class: ClassVar[type] = object
    can_expand: ClassVar[bool] = False  # predicts a missing modality (the "expansion" readout)

    def __init__(self, config: Any = None):
        self.config = self.config_class() if config is None else config
        self.dims: tuple[int, int] | None = None  # (m1, m2) seen at fit
        self.fingerprint: str | None = None  # sha256 of the training matrices and masks
        self.metrics: dict[str, Any] = {}
        self.scalers: tuple[Scaler, Scaler] | None = None  # input scaling of A and B, fitted at fit

    @property
    def train_config(self) -> TrainConfig:
        return getattr(self.config, "train", TrainConfig())

    # --- what subclasses implement -------------------------------------------------------------
    @abstractmethod
    def _fit(self, pairs: Pairs, progress: Callable[[EpochStats], None] | None, warm_start: bool) -> TrainResult:
        """Learn from checked, scaled rows (absent rows zeroed), read from ``pairs`` chunk by chunk."""

    @abstractmethod
    def _blocks(self, a: np.ndarray, b: np.ndarray, has_a: np.ndarray, has_b: np.ndarray
                ) -> tuple[list[np.ndarray], np.ndarray]:
        """The embedding's blocks, each (n, d_i), and the rows (n,) bool that get a vector (scaled inputs)."""

    def _expand(self, a: np.ndarray, b: np.ndarray, has_a: np.ndarray, has_b: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Scaled ``(a, b)`` with each row's missing modality predicted from the present one."""
        raise InputError(f"model {self.kind!r} cannot predict a modality; use readout 'direct'")

    @abstractmethod
    def state_tensors(self) -> dict[str, torch.Tensor]:
        """Everything learned, as named CPU tensors (for the checkpoint)."""

    @abstractmethod
    def load_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        """Restore :meth:`state_tensors` output; ``self.dims`` is set before this is called."""

    # --- the public interface ------------------------------------------------------------------
    def fit(self, a, b=None, has_a=None, has_b=None, *, progress: Callable[[EpochStats], None] | None = None,
            warm_start: bool = False) -> TrainResult:
        """Learn from ``a (n, m1)``, ``b (n, m2)`` and their masks, or from one :class:`Pairs` source
        given as ``a``; ``warm_start`` continues from the current weights."""
        pairs = as_pairs(a, b, has_a, has_b)
        if warm_start and self.dims is not None and pairs.dims != tuple(self.dims):
            raise MismatchError(f"the model was trained on (m1, m2) = {tuple(self.dims)}, the input has {pairs.dims}")
        if not warm_start:
            scaling = getattr(self.config, "scaling", "none")
            self.scalers = fit_scalers(pairs, scaling)
            self.dims = pairs.dims
        self.fingerprint = fingerprint(pairs)
        result = self._fit(pairs.map(self._scale), progress, warm_start)
        self.metrics = result.summary()
        return result

    def embed(self, a, b, has_a, has_b, *, readout: Readout = "direct", norm: Norm | None = None) -> Embedding:
        """Joint vectors; ``readout="expansion"`` first predicts each row's missing modality.

        Each row's vector depends on that row alone (so a collection can be embedded chunk by
        chunk), except with ``norm="frobenius"``, which divides by norms over all the rows of the call.
        """
        self._require_fitted()
        a, b, has_a, has_b = check_inputs(a, b, has_a, has_b, self.dims)
        a, b = self._scale(a, b, has_a, has_b)
        if readout not in READOUTS:
            raise InputError(f"unknown readout {readout!r}; choose one of: {', '.join(READOUTS)}")
        norm = norm or getattr(self.config, "norm", "l2")
        if norm not in NORMS:
            raise InputError(f"unknown norm {norm!r}; choose one of: {', '.join(NORMS)}")
        if readout == "expansion":
            a, b = self._expand(a, b, has_a, has_b)
            has_a = has_b = has_a | has_b
        blocks, keep = self._blocks(a, b, has_a, has_b)
        vectors = normalise([blk[keep] for blk in blocks], norm)
        kept = np.flatnonzero(keep).astype(np.int64)
        return Embedding(vectors, kept, int(len(keep) - len(kept)))

    def expand(self, a, b, has_a, has_b) -> tuple[np.ndarray, np.ndarray]:
        """Crossmodal expansion: fill each missing modality with the prediction from the other.

        Present rows are returned untouched; rows with neither modality stay zero. Values are in the
        model's input space (after its ``scaling``, which is ``none`` for the original BiDNN).
        """
        self._require_fitted()
        a, b, has_a, has_b = check_inputs(a, b, has_a, has_b, self.dims)
        return self._expand(*self._scale(a, b, has_a, has_b), has_a, has_b)

    def tensors(self) -> dict[str, torch.Tensor]:
        """:meth:`state_tensors` plus the input scaling's statistics."""
        out = dict(self.state_tensors())
        if self.scalers is not None:
            out.update(self.scalers[0].tensors("scale.a") | self.scalers[1].tensors("scale.b"))
        return out

    def restore(self, dims: tuple[int, int], tensors: dict[str, torch.Tensor]) -> None:
        """Inverse of :meth:`tensors` (used by the checkpoint loader)."""
        self.dims = (int(dims[0]), int(dims[1]))
        scaling = getattr(self.config, "scaling", "none")
        self.scalers = (Scaler(scaling, self.dims[0]), Scaler(scaling, self.dims[1]))
        self.scalers[0].load(tensors, "scale.a")
        self.scalers[1].load(tensors, "scale.b")
        self.load_tensors({k: v for k, v in tensors.items() if not k.startswith("scale.")})

    def _scale(self, a: np.ndarray, b: np.ndarray, has_a: np.ndarray, has_b: np.ndarray):
        if self.scalers is None:
            return a, b
        return self.scalers[0](a, has_a), self.scalers[1](b, has_b)

    def _require_fitted(self) -> None:
        if self.dims is None:
            raise InputError(f"model {self.kind!r} is not trained yet: fit or load it first")


def check_inputs(a, b, has_a, has_b, dims: tuple[int, int] | None = None):
    """Validated float32 copies with absent rows zeroed, and bool masks."""
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    has_a = np.asarray(has_a, dtype=bool).reshape(-1)
    has_b = np.asarray(has_b, dtype=bool).reshape(-1)
    check_shapes(a, b, has_a, has_b)
    if dims is not None and (a.shape[1], b.shape[1]) != tuple(dims):
        raise MismatchError(f"the model was trained on (m1, m2) = {tuple(dims)}, the input has {(a.shape[1], b.shape[1])}")
    return (*checked(a, b, has_a, has_b), has_a, has_b)


def fit_scalers(pairs: Pairs, scaling: str) -> tuple[Scaler, Scaler]:
    """The input scaling of A and B fitted on their present rows (one pass over the chunks, if any statistics)."""
    scalers = Scaler(scaling, pairs.dims[0]), Scaler(scaling, pairs.dims[1])
    if scalers[0].zscore:
        for chunk in pairs.chunks():
            scalers[0].partial_fit(chunk.a[chunk.has_a])
            scalers[1].partial_fit(chunk.b[chunk.has_b])
    return scalers


def fingerprint(a, b=None, has_a=None, has_b=None) -> str:
    """sha256 over the training matrices (float32, C order, absent rows zeroed) and masks, shapes included.

    Takes the four arrays or one :class:`Pairs` source; hashed chunk by chunk (A's rows, then B's),
    the same digest either way.
    """
    pairs = as_pairs(a, b, has_a, has_b)
    n, (m1, m2) = pairs.n, pairs.dims
    h = hashlib.sha256()
    for name, shape, column in (("a", (n, m1), 1), ("b", (n, m2), 2)):
        h.update(f"{name}:{shape}:{np.dtype(np.float32).str};".encode())
        for chunk in pairs.chunks():
            h.update(np.ascontiguousarray(chunk[column], dtype=np.float32))
    for name, mask in (("has_a", pairs.has_a), ("has_b", pairs.has_b)):
        mask = np.ascontiguousarray(mask, dtype=bool)
        h.update(f"{name}:{mask.shape}:{mask.dtype.str};".encode())
        h.update(mask.tobytes())
    return h.hexdigest()


def duplicate_missing(h_a: np.ndarray, h_b: np.ndarray, has_a: np.ndarray, has_b: np.ndarray) -> list[np.ndarray]:
    """[h_A | h_B] halves where a missing side takes the present one's code ("duplicated central layer")."""
    h_a = np.where(has_a[:, None], h_a, h_b)
    h_b = np.where(has_b[:, None], h_b, h_a)
    return [h_a, h_b]


def normalise(blocks: list[np.ndarray], norm: str) -> np.ndarray:
    """Concatenate blocks after normalising them.

    ``l2``: each block's rows to unit length, then the concatenated rows (so inner product = cosine);
    ``frobenius``: each block (all rows) divided by its Frobenius norm, as the original's ``-n`` flag
    (a whole-set statistic: give every row in one call, or the result depends on the chunking);
    ``none``: as is.
    """
    if norm == "l2":
        return _unit_rows(np.concatenate([_unit_rows(x) for x in blocks], axis=1))
    if norm == "frobenius":
        blocks = [x / (np.linalg.norm(x) or 1.0) for x in blocks]
    return np.ascontiguousarray(np.concatenate(blocks, axis=1), dtype=np.float32)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    length = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(length > 0, length, 1.0)).astype(np.float32)
