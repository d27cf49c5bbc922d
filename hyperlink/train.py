"""Train a model on the store's segment features and record its checkpoint; find and load recorded models."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .errors import StoreError
from .models import EpochStats, Model, TrainResult, load_model, save_model, train_model
from .models.config import config_to_dict
from .store import ModelRecord, Store
from .store.store import database_url

__all__ = ["default_model_dir", "train_from_store", "load_store_model"]


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
    checksum = save_model(model, path)
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
