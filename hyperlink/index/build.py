"""Build, update and locate the index of a trained model's embeddings of every stored segment."""

from __future__ import annotations

from pathlib import Path

from ..embed import embed_segments, store_fingerprint
from ..train import default_model_dir, load_store_model
from ..errors import StoreError
from .search_index import IndexManifest, SearchIndex, auto_factory, faiss_module
from ..store import Store

__all__ = ["default_index_dir", "build_index", "update_index"]


def default_index_dir(db: str, model: str) -> Path:
    """``indexes/<model>/`` beside the store's ``models/`` folder."""
    return default_model_dir(db).parent / "indexes" / model


def build_index(store: Store, model: str, out: str | Path, readout: str = "direct", factory: str = "Flat",
                device: str = "auto", nprobe: int | None = None) -> SearchIndex:
    """Embed every segment with ``model`` and write a fresh index directory to ``out``."""
    record, m = load_store_model(store, model)
    emb = embed_segments(store, record, m, readout)
    if not len(emb.segment_ids):
        raise StoreError(f"no segment has {record.text_space!r} or {record.visual_space!r} features to index")
    factory = auto_factory(len(emb.segment_ids)) if factory == "auto" else factory
    manifest = IndexManifest(
        model=record.name, model_checksum=record.checksum, text_space=record.text_space,
        visual_space=record.visual_space, readout=readout, dim=int(emb.vectors.shape[1]),
        count=int(len(emb.segment_ids)), excluded=emb.excluded,
        store_fingerprint=store_fingerprint(store, record), factory=factory, faiss_version=faiss_module().__version__,
    )
    index = SearchIndex.build(emb.vectors, emb.segment_ids, manifest, device=device, nprobe=nprobe)
    index.save(out)
    return index


def update_index(store: Store, out: str | Path, device: str = "auto") -> tuple[SearchIndex, int]:
    """Add the segments stored since the index was built, without rebuilding; returns the count added.

    Refused when the model changed. It assumes the features of already-indexed segments did not
    change (e.g. a new text encoder): after such a change rebuild with `hyperlink index`.
    """
    index = SearchIndex.load(out, device="cpu")
    record, m = load_store_model(store, index.manifest.model)
    index.manifest.check(model_checksum=record.checksum)
    emb = embed_segments(store, record, m, index.manifest.readout, exclude_ids=index.ids())
    if len(emb.segment_ids):
        index.add(emb.vectors, emb.segment_ids)
    index.manifest.excluded = emb.excluded
    index.manifest.store_fingerprint = store_fingerprint(store, record)
    index.save(out)
    index.to_device(device)
    return index, int(len(emb.segment_ids))
