"""hyperlink: crossmodal video hyperlinking as a library; the `hyperlink` command is a thin layer over it.

The pipeline, one call per stage (every stage streams in chunks of ``settings.chunk_rows()``)::

    import hyperlink as hl

    store = hl.Store.open("archive.db")
    hl.load_collection(store, "collection.txt")
    hl.load_transcripts(store, ["transcripts.jsonl"])
    hl.load_keyframes(store, "keyframes.npy", space="cnn", index="keyframes.csv")
    hl.load_anchors(store, "anchors.xml")
    hl.encode_text(store, space="tfidf", encoder="tfidf-svd", dim=100)
    hl.cut_segments(store, hl.WindowSpec(length=60, stride=30))
    hl.train_from_store(store, "bidnn", "bidnn", "tfidf", "cnn", {"epochs": 10}, out_dir=Path("models"))
    hl.build_index(store, "bidnn", "indexes/bidnn")
    linker = hl.Linker(store, "bidnn", "indexes/bidnn")
    lines, empty, widened = linker.run(store.anchors(), "my-run", hl.LinkOptions(k=1000))

Names are imported on first use, so ``import hyperlink`` stays light (torch and faiss load only when
a model or an index is touched).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    # the nouns and errors
    "Span": "hyperlink.types", "Video": "hyperlink.types", "Cue": "hyperlink.types", "Segment": "hyperlink.types",
    "Anchor": "hyperlink.types", "Judgment": "hyperlink.types", "Hit": "hyperlink.types",
    "HyperlinkError": "hyperlink.errors", "InputError": "hyperlink.errors", "StoreError": "hyperlink.errors",
    "MismatchError": "hyperlink.errors", "MissingDependency": "hyperlink.errors",
    "settings": "hyperlink.settings",
    # store
    "Store": "hyperlink.store",
    # ingest
    "load_collection": "hyperlink.ingest.load", "load_blacklist": "hyperlink.ingest.load",
    "load_transcripts": "hyperlink.ingest.load", "load_keyframes": "hyperlink.ingest.load",
    "load_segment_vectors": "hyperlink.ingest.load", "load_libsvm": "hyperlink.ingest.load",
    "load_anchors": "hyperlink.ingest.load", "load_qrels": "hyperlink.ingest.load",
    "encode_text": "hyperlink.ingest.encode",
    # segments
    "WindowSpec": "hyperlink.segment", "cut_segments": "hyperlink.segment",
    # models
    "train_from_store": "hyperlink.train", "load_store_model": "hyperlink.train",
    "available_models": "hyperlink.models", "train_model": "hyperlink.models", "load_model": "hyperlink.models",
    # index and linking
    "build_index": "hyperlink.index", "update_index": "hyperlink.index", "SearchIndex": "hyperlink.index",
    "Linker": "hyperlink.link", "LinkOptions": "hyperlink.link",
    # evaluation and run checking
    "evaluate_files": "hyperlink.evaluate", "EvalOptions": "hyperlink.evaluate",
    "read_run": "hyperlink.evaluate", "write_run": "hyperlink.evaluate", "read_qrels": "hyperlink.evaluate",
    "check_run_file": "hyperlink.runcheck",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hyperlink' has no attribute {name!r}")
    value = importlib.import_module(module) if name == "settings" else getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
