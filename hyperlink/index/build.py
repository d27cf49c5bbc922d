"""Build, update and locate the index of a trained model's embeddings of every stored segment.

Streams: memory holds one chunk of embeddings, the training sample (approximate indexes only) and
the index itself, never the whole collection's features.

1. Approximate (IVF, PQ) indexes are trained on a seeded sample of the segments: a first pass over
   the store embeds only the sampled rows.
2. A second pass embeds every chunk and adds it (and, for IVF, collects the exact top 100 of a
   few sample queries, to choose ``nprobe`` by recall: ``recall.py``).
3. The index, the segment table (``table.py``) and the manifest are written atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import settings
from ..embed import embed_segments, store_fingerprint
from ..errors import InputError, StoreError
from ..models import Model
from ..store import ModelRecord, Store
from ..train import default_model_dir, load_store_model
from ..types import check_name
from .plan import MIN_PER_LIST, PQ_KSUB, IndexPlan, parse_bytes, plan_index
from .recall import QUERIES, ExactTopK, choose_nprobe
from .backends import backend_class
from .search_index import IndexManifest, SearchIndex, check_device
from .table import write_segment_table

__all__ = ["default_index_dir", "build_index", "update_index", "joint_dim", "check_backend"]

SAMPLE_SHARE = 4  # the training sample may take at most 1/SAMPLE_SHARE of the memory budget


def default_index_dir(db: str, model: str) -> Path:
    """``indexes/<model>/`` beside the store's ``models/`` folder."""
    try:
        check_name(model, "model name")
    except ValueError as exc:
        raise InputError(f"--model: {exc}") from None
    return default_model_dir(db).parent / settings.INDEX_DIR / model


def joint_dim(model: Model, readout: str = "direct") -> int:
    """Width of the model's joint vectors (embeds one blank row)."""
    m1, m2 = model.dims or (0, 0)
    has_a = np.array([m1 > 0])
    emb = model.embed(np.zeros((1, m1), np.float32), np.zeros((1, m2), np.float32), has_a, ~has_a, readout=readout)
    return int(emb.vectors.shape[1])


def build_index(store: Store, model: str, out: str | Path, readout: str = "direct", factory: str = "auto",
                device: str = "auto", nprobe: int | None = None, max_memory: int | str | None = None,
                chunk_rows: int | None = None, seed: int = settings.SEED, backend: str = "faiss",
                uri: str | None = None, shards: int = 1) -> SearchIndex:
    """Embed every segment with ``model`` and write a fresh index directory to ``out`` (replacing one there).

    ``backend`` is a key of :data:`~hyperlink.index.backends.BACKENDS`. With faiss, ``factory="auto"``
    picks the most exact index whose estimate fits ``max_memory`` bytes (default
    :func:`hyperlink.settings.default_max_memory`) and ``shards`` splits it for parallel CPU search;
    torch and Milvus search exactly (Flat); ``uri`` is a Milvus server (default: milvus-lite inside
    ``out``). ``manifest.choice`` says what and why.
    """
    check_device(device)
    impl = check_backend(backend, factory, uri, shards)
    record, m = load_store_model(store, model)
    n = store.count_segments()
    if not n:
        raise StoreError("the store has no segments to index; cut some with `hyperlink segment`")
    d = joint_dim(m, readout)
    budget = parse_bytes(max_memory) if max_memory is not None else settings.default_max_memory()
    if not impl.has_factories:
        plan = IndexPlan("Flat", 0, budget, f"Flat (exact): the {backend} backend searches every vector")
    elif factory == "auto":
        plan = plan_index(n, d, budget)
    else:
        plan = IndexPlan(factory, 0, budget, f"{factory}: as given")
    manifest = IndexManifest(
        model=record.name, model_checksum=record.checksum, text_space=record.text_space,
        visual_space=record.visual_space, readout=readout, dim=d, count=0, excluded=0,
        store_fingerprint=store_fingerprint(store, record), factory=plan.factory,
        faiss_version="", choice=plan.reason, backend=backend, backend_version=impl.library_version(),
        shards=shards, uri=uri,
    )
    index = SearchIndex.create(manifest)
    truth = None
    if index.needs_training:
        want = min(index.training_rows(n), _sample_cap(index, d, budget))
        sample = _training_sample(store, record, m, readout, n, want, chunk_rows, seed)
        if not len(sample):
            raise StoreError(f"no segment has {record.text_space!r} or {record.visual_space!r} features to index")
        index.train(sample, available=n)
        if index.lists and nprobe is None:
            pick = np.random.default_rng(seed + 1).choice(len(sample), min(QUERIES, len(sample)), replace=False)
            truth = ExactTopK(sample[np.sort(pick)])
        del sample
    index.reserve(n)
    for emb in embed_segments(store, record, m, readout, chunk_rows=chunk_rows):
        if len(emb.segment_ids):
            index.add(emb.vectors, emb.segment_ids)
        if truth is not None:
            truth.update(emb.vectors, emb.segment_ids)
        manifest.excluded += emb.excluded
    if not index.count:
        raise StoreError(f"no segment has {record.text_space!r} or {record.visual_space!r} features to index")
    if truth is not None:
        manifest.nprobe, manifest.recall, why = choose_nprobe(index, truth)
        manifest.choice += f"; {why}"
    elif nprobe is not None:
        manifest.nprobe = nprobe
    index.set_nprobe(None)
    index.save(out, extra=lambda folder: write_segment_table(store, folder, chunk_rows))
    index.to_device(device)
    return index


def check_backend(backend: str, factory: str = "auto", uri: str | None = None, shards: int = 1):
    """The backend class, after refusing options it does not take (before any work or write)."""
    impl = backend_class(backend)
    if not impl.has_factories and factory not in ("auto", "Flat"):
        raise InputError(f"--factory {factory!r}: the {backend} backend searches exactly; use --factory Flat (or "
                         "auto), or --backend faiss for approximate indexes")
    if uri is not None and not impl.has_server:
        raise InputError(f"--uri {uri!r} names a Milvus server; it needs --backend milvus")
    if not isinstance(shards, int) or shards < 1:
        raise InputError(f"--shards must be at least 1, got {shards!r}")
    if shards > 1 and not impl.can_shard:
        raise InputError(f"--shards {shards}: only the faiss backend shards (torch and Milvus search in one piece)")
    return impl


def _sample_cap(index: SearchIndex, d: int, budget: int) -> int:
    """Most sample rows the budget allows, but never fewer than training needs (39 per list, 256 for PQ)."""
    floor = max(MIN_PER_LIST * max(1, index.lists), PQ_KSUB)
    return max(floor, budget // SAMPLE_SHARE // (4 * d))


def _training_sample(store: Store, record: ModelRecord, model: Model, readout: str, n: int, want: int,
                     chunk_rows: int | None, seed: int) -> np.ndarray:
    """Joint vectors of ``want`` segments drawn at random (seeded) out of the ``n`` stored: a pass over
    the store that embeds only the drawn rows of each chunk (rows with no modality drop out)."""
    rows = np.sort(np.random.default_rng(seed).choice(n, size=min(want, n), replace=False))
    parts, offset = [], 0
    for chunk in store.iter_segment_matrix(record.text_space, record.visual_space, chunk_rows=chunk_rows):
        lo, hi = np.searchsorted(rows, [offset, offset + len(chunk.segment_ids)])
        take = rows[lo:hi] - offset
        offset += len(chunk.segment_ids)
        if len(take):
            emb = model.embed(chunk.text[take], chunk.visual[take], chunk.has_text[take], chunk.has_visual[take],
                              readout=readout)
            parts.append(emb.vectors)
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)


def update_index(store: Store, out: str | Path, device: str = "auto",
                 chunk_rows: int | None = None) -> tuple[SearchIndex, int]:
    """Add the segments stored since the index was built, and drop those deleted since, without
    rebuilding; returns the count added.

    Refused when the model changed. It assumes the features of already-indexed segments did not
    change (e.g. a new text encoder): after such a change rebuild with `hyperlink index`.
    """
    check_device(device)
    index = SearchIndex.load(out, device="cpu", mmap=False)
    record, m = load_store_model(store, index.manifest.model)
    index.manifest.check(model_checksum=record.checksum)
    have = np.sort(index.ids())
    index.remove(have[~_alive(store, have, chunk_rows)])
    added = excluded = 0
    for emb in embed_segments(store, record, m, index.manifest.readout, exclude_ids=have, chunk_rows=chunk_rows):
        if len(emb.segment_ids):
            index.add(emb.vectors, emb.segment_ids)
            added += len(emb.segment_ids)
        excluded += emb.excluded
    index.manifest.excluded = excluded
    index.manifest.store_fingerprint = store_fingerprint(store, record)
    index.save(out, extra=lambda folder: write_segment_table(store, folder, chunk_rows))
    index.to_device(device)
    return index, added


def _alive(store: Store, ids: np.ndarray, chunk_rows: int | None) -> np.ndarray:
    """Which of the sorted ``ids`` are still stored (streams the store's ids)."""
    alive = np.zeros(len(ids), bool)
    for chunk in store.iter_segment_table(chunk_rows=chunk_rows):
        if len(chunk.ids):
            lo, hi = np.searchsorted(ids, [chunk.ids[0], chunk.ids[-1] + 1])
            alive[lo:hi] = np.isin(ids[lo:hi], chunk.ids)
    return alive
