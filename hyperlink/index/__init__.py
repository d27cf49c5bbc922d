"""Search indexes of joint embeddings: the self-describing faiss index directory, and building it from a store."""

from .search_index import IndexManifest, SearchIndex, auto_factory, faiss_module, gpu_available
from .build import build_index, default_index_dir, update_index

__all__ = ["IndexManifest", "SearchIndex", "auto_factory", "faiss_module", "gpu_available",
           "build_index", "update_index", "default_index_dir"]
