"""Search indexes of joint embeddings: the self-describing index directory (faiss, torch or Milvus
backend), and building it from a store."""

from .search_index import IndexManifest, SearchIndex, faiss_module, gpu_available
from .backends import BACKENDS, backend_class
from .plan import IndexPlan, format_bytes, parse_bytes, plan_index
from .table import SegmentLookup
from .build import build_index, default_index_dir, update_index

__all__ = ["IndexManifest", "SearchIndex", "faiss_module", "gpu_available", "BACKENDS", "backend_class", "IndexPlan",
           "plan_index", "parse_bytes", "format_bytes", "SegmentLookup", "build_index", "update_index",
           "default_index_dir"]
