"""Models meet the store: train on stored segment features, record checkpoints, embed segments and spans.

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
from .models import EpochStats, Model, TrainResult, load_model, train_model
from .models.config import config_to_dict
from .prepare import span_features
from .segments import Span
from .store import ModelRecord, Store
from .store.store import database_url

__all__ = ["default_model_dir", "train_from_store", "load_store_model", "embed_segments", "embed_spans",
           "store_fingerprint", "SegmentEmbedding"]


def default_model_dir(db: str) -> Path:
    """``models/`` beside a SQLite store file; ``./models`` for other databases."""
    url = database_url(db)
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///"):]).parent / "models"
    return Path("models")


def train_from_store(store: Store, kind: str, name: str, text_space: str, visual_space: str,
                     settings: dict, out_dir: Path, *, replace: bool = False,
                     progress: Callable[[EpochStats], None] | None = None) -> tuple[ModelRecord, Model, TrainResult]:
    """Train ``kind`` on every stored segment's features and record the checkpoint under ``name``."""
    if not replace and any(m.name == name for m in store.models()):
        raise StoreError(f"a model named {name!r} exists; choose another --name or pass --replace")
    m = store.segment_matrix(text_space, visual_space)
    if not len(m.segment_ids):
        raise StoreError("the store has no segments; run `hyperlink segment` or ingest per-segment vectors first")
    complete = int((m.has_text & m.has_visual).sum())
    if complete == 0 and kind not in ("text", "visual"):
        raise StoreError(f"no segment has both {text_space!r} and {visual_space!r} vectors; nothing to train on")
    model, result = train_model(kind, m.text, m.visual, m.has_text, m.has_visual, settings, progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = (out_dir / f"{name}.safetensors").resolve()
    checksum = model.save(path)
    record = ModelRecord(
        name=name, kind=kind, text_space=text_space, visual_space=visual_space, path=str(path), checksum=checksum,
        config={"model": config_to_dict(model.config), "fingerprint": model.fingerprint, "metrics": model.metrics,
                "segments": int(len(m.segment_ids)), "complete_pairs": complete},
    )
    with store.transaction() as tx:
        tx.add_model(record, replace=replace)
    return record, model, result


def load_store_model(store: Store, name: str) -> tuple[ModelRecord, Model]:
    """The model recorded as ``name``, its file checked against the recorded checksum."""
    record = store.model(name)
    if not Path(record.path).is_file():
        raise StoreError(f"model {name!r}: its file {record.path} is missing; retrain with `hyperlink train --name {name} --replace`")
    return record, load_model(record.path, expected_sha256=record.checksum)


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
