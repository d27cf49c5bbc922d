"""Joint vectors of stored segments and of arbitrary spans, from a trained model.

Modality A of every model is text, B is visual. Embeddings follow the model's readout: ``direct``
(a missing modality's half is the present one's central layer, duplicated) or ``expansion``
(predict the missing modality first, then embed both). Segments with neither modality are left out
and counted, never given a constant vector.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import MismatchError, StoreError
from .models import Model
from .segment import span_features
from .types import Span
from .store import ModelRecord, Store

__all__ = ["embed_segments", "embed_spans", "store_fingerprint", "SegmentEmbedding"]


def store_fingerprint(store: Store, record: ModelRecord) -> str:
    """Changes whenever the segments or their vectors in the model's spaces change."""
    state = store.vector_state([s for s in (record.text_space, record.visual_space) if s])
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class SegmentEmbedding:
    vectors: np.ndarray  # (k, d) float32, L2-normalised rows
    segment_ids: np.ndarray  # (k,) int64
    excluded: int  # segments with neither modality


def embed_segments(store: Store, record: ModelRecord, model: Model, readout: str = "direct",
                   exclude_ids: np.ndarray | None = None) -> SegmentEmbedding:
    """Joint vectors of every stored segment (minus ``exclude_ids``, e.g. those already indexed)."""
    m = store.segment_matrix(record.text_space, record.visual_space)
    keep = np.ones(len(m.segment_ids), bool)
    if exclude_ids is not None and len(exclude_ids):
        keep = ~np.isin(m.segment_ids, exclude_ids)
    emb = model.embed(m.text[keep], m.visual[keep], m.has_text[keep], m.has_visual[keep], readout=readout)
    return SegmentEmbedding(emb.vectors, m.segment_ids[keep][emb.kept_index], emb.n_excluded)


def embed_spans(store: Store, record: ModelRecord, model: Model, spans: list[Span],
                readout: str = "direct") -> tuple[np.ndarray, np.ndarray]:
    """Joint vectors of arbitrary spans (features by the segment rule) -> (vectors (k, d), kept (k,) row index)."""
    dims = model.dims or (0, 0)
    a = np.zeros((len(spans), dims[0]), np.float32)
    b = np.zeros((len(spans), dims[1]), np.float32)
    has_a, has_b = np.zeros(len(spans), bool), np.zeros(len(spans), bool)
    for i, span in enumerate(spans):
        a[i], has_a[i], b[i], has_b[i] = span_features(store, span, record.text_space, record.visual_space)
    if (a.shape[1], b.shape[1]) != tuple(dims):
        raise MismatchError(f"model {record.name!r} expects ({dims[0]}, {dims[1]})-d features; the store gives "
                            f"({a.shape[1]}, {b.shape[1]})")
    emb = model.embed(a, b, has_a, has_b, readout=readout)
    return emb.vectors, emb.kept_index
