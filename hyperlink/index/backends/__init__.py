"""Search backends: where an index's vectors live and how they are searched.

Every backend stores the same manifest and segment table and answers the same calls
(:class:`~hyperlink.index.search_index.SearchIndex`); the run rules are applied above them, by the
linker. A backend's module is imported only when it is used, so a missing optional package (faiss,
pymilvus) matters only to the backend that needs it.

* ``faiss``:  any faiss factory (exact Flat, IVF, PQ, HNSW), CPU or GPU, optionally in shards;
* ``torch``:  exact search by matrix products + top-k in chunks, on a CUDA device or the CPU;
* ``milvus``: a Milvus collection (FLAT, inner product), embedded (milvus-lite) or on a server.
"""

from __future__ import annotations

import importlib

from ...errors import InputError

__all__ = ["BACKENDS", "backend_class"]

#: name -> (module of this package, class): the registry `--backend` chooses from.
BACKENDS: dict[str, tuple[str, str]] = {
    "faiss": ("faiss_backend", "FaissIndex"),
    "milvus": ("milvus_backend", "MilvusIndex"),
    "torch": ("torch_backend", "TorchIndex"),
}


def backend_class(name: str):
    """The index class registered as ``name``; InputError naming the choices otherwise."""
    if name not in BACKENDS:
        raise InputError(f"unknown --backend {name!r}; choose one of {', '.join(BACKENDS)}")
    module, cls = BACKENDS[name]
    return getattr(importlib.import_module(f".{module}", __name__), cls)
