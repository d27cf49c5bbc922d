"""Train a model on the store's segment features and record its checkpoint; find and load recorded models.

The features are streamed from the store chunk by chunk into a feature cache (two raw float32 files
in a temporary folder beside the model files, removed afterwards) and the model trains from that
cache, so memory follows the chunk and the model, not the number of segments.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from .errors import InputError, MismatchError, StoreError
from .models import DiskPairs, EpochStats, Model, TrainResult, load_model, save_model, train_model
from .models.distributed import is_main
from .models.config import config_to_dict
from .store import ModelRecord, Store
from .store.store import database_url
from .store.vector_files import process_alive
from .types import check_name

__all__ = ["default_model_dir", "train_from_store", "load_store_model"]


def default_model_dir(db: str) -> Path:
    """``models/`` beside a SQLite store file; ``./models`` for other databases."""
    url = database_url(db)
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///"):]).parent / "models"
    return Path("models")


def train_from_store(store: Store, kind: str, name: str, text_space: str, visual_space: str,
                     settings: dict, out_dir: Path, *, replace: bool = False,
                     progress: Callable[[EpochStats], None] | None = None,
                     chunk_rows: int | None = None) -> tuple[ModelRecord, Model, TrainResult]:
    """Train ``kind`` on every stored segment's features and record the checkpoint under ``name``.

    ``chunk_rows``: segments read from the store (and statistics accumulated) per chunk;
    ``hyperlink.settings.chunk_rows()`` by default. The cache takes n x (m1 + m2) x 4 bytes of disk meanwhile.
    """
    try:
        check_name(name, "model name")
    except ValueError as exc:
        raise InputError(f"--name: {exc}") from None
    if not replace and any(m.name == name for m in store.models()):
        raise StoreError(f"a model named {name!r} exists; choose another --name or pass --replace")
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_caches(out_dir)
    with tempfile.TemporaryDirectory(prefix=f".{name}.features-{os.getpid()}-", dir=out_dir) as cache:
        chunks = store.iter_segment_matrix(text_space, visual_space, chunk_rows=chunk_rows)
        pairs = DiskPairs.write(cache, ((m.text, m.visual, m.has_text, m.has_visual) for m in chunks),
                                chunk_rows=chunk_rows)
        if not pairs.n:
            raise StoreError("the store has no segments; run `hyperlink segment` or ingest per-segment vectors first")
        complete = int((pairs.has_a & pairs.has_b).sum())
        if complete == 0 and kind not in ("text", "visual"):
            raise StoreError(f"no segment has both {text_space!r} and {visual_space!r} vectors; nothing to train on")
        model, result = train_model(kind, pairs, config=settings, progress=progress)
    path = (out_dir / f"{name}.safetensors").resolve()
    main = is_main()  # under torchrun, only rank 0 writes the checkpoint and the record
    checksum = save_model(model, path) if main else ""  # written to a temporary name, then renamed
    record = ModelRecord(
        name=name, kind=kind, text_space=text_space, visual_space=visual_space, path=str(path), checksum=checksum,
        config={"model": config_to_dict(model.config), "fingerprint": model.fingerprint, "metrics": model.metrics,
                "segments": pairs.n, "complete_pairs": complete,
                "held_out_pairs": result.n_val,  # of the complete pairs: `train` and `models` report both
                "window_spec": store.window_spec()},  # windows replaced by another spec make the model stale
    )
    if main:
        with store.transaction() as tx:
            tx.add_model(record, replace=replace)
    return record, model, result


_CACHE = re.compile(r"^\..+\.features-(\d+)-[^/]+$")


def _remove_stale_caches(out_dir: Path) -> None:
    """Feature caches left by a killed `train` (its process is gone): they only take disk."""
    for path in out_dir.glob(".*.features-*"):
        found = _CACHE.match(path.name)
        if not found or not path.is_dir():
            continue
        if not process_alive(int(found.group(1))):
            shutil.rmtree(path, ignore_errors=True)


def load_store_model(store: Store, name: str) -> tuple[ModelRecord, Model]:
    """The model recorded as ``name``, its file checked against the recorded checksum."""
    record = store.model(name)
    if not Path(record.path).is_file():
        raise StoreError(f"model {name!r}: its file {record.path} is missing; retrain with `hyperlink train --name {name} --replace`")
    trained_on, now = record.config.get("window_spec"), store.window_spec()
    if trained_on is not None and trained_on != now:
        raise MismatchError(f"model {name!r} was trained on windows cut with {_spec(trained_on)}; the store's windows are "
                            f"now {_spec(now)}: retrain it with `hyperlink train --name {name} --replace` (same settings)")
    return record, load_model(record.path, expected_sha256=record.checksum)


def _spec(spec: dict | None) -> str:
    if not spec:
        return "none"
    return ", ".join(f"{k} {v}" for k, v in sorted(spec.items()))
