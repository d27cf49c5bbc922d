"""Joint vectors of stored segments and of arbitrary spans, from a trained model.

Modality A of every model is text, B is visual. Embeddings follow the model's readout: ``direct``
(a missing modality's half is the present one's central layer, duplicated) or ``expansion``
(predict the missing modality first, then embed both). Segments with neither modality are left out
and counted, never given a constant vector.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from .errors import MismatchError
from .models import Model
from .segment import span_features
from .store import ModelRecord, Store
from .types import Span

__all__ = ["embed_segments", "concat_embeddings", "embed_spans", "store_fingerprint", "SegmentEmbedding"]


def store_fingerprint(store: Store, record: ModelRecord) -> str:
    """Changes whenever the segments or their vectors in the model's spaces change."""
    state = store.vector_state([s for s in (record.text_space, record.visual_space) if s])
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]


EMBED_ROWS = 8192  # rows per model call within a chunk (see _embed_in_batches)


@dataclass
class SegmentEmbedding:
    vectors: np.ndarray  # (k, d) float32, L2-normalised rows
    segment_ids: np.ndarray  # (k,) int64, ascending
    excluded: int  # segments with neither modality


def embed_segments(store: Store, record: ModelRecord, model: Model, readout: str = "direct",
                   exclude_ids: np.ndarray | None = None, chunk_rows: int | None = None
                   ) -> Iterator[SegmentEmbedding]:
    """Joint vectors of every stored segment (minus ``exclude_ids``, e.g. those already indexed),
    one chunk of ``chunk_rows`` segments at a time in id order. Memory: one chunk.

    With the model's ``frobenius`` norm (a whole-set statistic) each chunk is normalised on its own.
    """
    skip = np.unique(np.asarray(exclude_ids, np.int64)) if exclude_ids is not None else np.zeros(0, np.int64)
    for m in store.iter_segment_matrix(record.text_space, record.visual_space, chunk_rows=chunk_rows):
        parts = (m.segment_ids, m.text, m.visual, m.has_text, m.has_visual)
        keep = ~_member(m.segment_ids, skip)
        if not keep.any():
            continue
        if not keep.all():  # a boolean index copies: only when some rows go
            parts = tuple(x[keep] for x in parts)
        del m  # else the store builds the next chunk while this one is still held
        ids, text, visual, has_text, has_visual = parts
        del parts
        vectors, kept, excluded = _embed_in_batches(model, text, visual, has_text, has_visual, readout)
        del text, visual
        yield SegmentEmbedding(vectors, ids[kept], excluded)


def _embed_in_batches(model: Model, a, b, has_a, has_b, readout: str) -> tuple[np.ndarray, np.ndarray, int]:
    """``model.embed`` over :data:`EMBED_ROWS` rows at a time: a model holds about twice its input in
    scaled copies and activations while it embeds (measured: BiDNN 384+2048 -> 256, 32768 rows,
    +608 MiB; 8192 rows, +156 MiB). Row-wise norms only; ``frobenius`` needs every row in one call."""
    n = len(has_a)
    if getattr(model.config, "norm", "l2") == "frobenius" or n <= EMBED_ROWS:
        emb = model.embed(a, b, has_a, has_b, readout=readout)
        return emb.vectors, emb.kept_index, emb.n_excluded
    vectors, kept, excluded = [], [], 0
    for lo in range(0, n, EMBED_ROWS):
        part = slice(lo, lo + EMBED_ROWS)
        emb = model.embed(a[part], b[part], has_a[part], has_b[part], readout=readout)
        vectors.append(emb.vectors)
        kept.append(emb.kept_index + lo)
        excluded += emb.n_excluded
    return np.concatenate(vectors), np.concatenate(kept), excluded


def concat_embeddings(chunks: Iterable[SegmentEmbedding], dim: int = 0) -> SegmentEmbedding:
    """All chunks as one embedding: for tests and small stores only (memory grows with the collection)."""
    chunks = list(chunks)
    if not chunks:
        return SegmentEmbedding(np.zeros((0, dim), np.float32), np.zeros(0, np.int64), 0)
    return SegmentEmbedding(np.concatenate([c.vectors for c in chunks]), np.concatenate([c.segment_ids for c in chunks]),
                            sum(c.excluded for c in chunks))


def _member(ids: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin(ids, sorted_set)`` by binary search (no copy of the set per chunk)."""
    if not len(sorted_set):
        return np.zeros(len(ids), bool)
    pos = np.minimum(np.searchsorted(sorted_set, ids), len(sorted_set) - 1)
    return sorted_set[pos] == ids


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
