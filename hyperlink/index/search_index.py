"""FAISS indexes of joint embeddings, persisted as a self-describing directory.

A directory holds ``index.faiss`` (ids are the store's segment ids, kept inside an ID map) and
``manifest.json`` (model checksum, feature spaces, dim, count, store fingerprint, faiss version...).
Loading compares the manifest with what the caller expects and refuses a stale index with a
message naming both sides and the command to run.

Vectors are compared by inner product; the embeddings are L2-normalised, so it is cosine similarity.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, MismatchError, MissingDependency

__all__ = ["faiss_module", "gpu_available", "IndexManifest", "SearchIndex", "auto_factory"]

INDEX_FILE, MANIFEST_FILE = "index.faiss", "manifest.json"


def faiss_module():
    """The faiss module, or a clear error naming the extras that provide it."""
    try:
        import faiss
    except ImportError:
        raise MissingDependency(
            "faiss is not installed: `pip install -e '.[cpu]'` (faiss-cpu) or `.[gpu]` (faiss-gpu); "
            "`make install` picks the right one"
        ) from None
    _tune(faiss)
    return faiss


def _tune(faiss) -> None:
    """Exact search settings. The faiss-cpu 1.15 wheel ships a BLAS threshold of 128000 queries, so a
    batch of anchors takes the slow non-BLAS path, and database blocks of 1024 rows, which makes many
    small sgemm calls. Measured at 100k x 1024, 100 queries, k=1000 on 2 cores: 3.9 s as shipped,
    0.31 s with these, numpy matmul+argpartition 0.34-0.54 s. Scratch memory: at most 1024 x 32768
    floats (128 MiB)."""
    if getattr(faiss, "_hyperlink_tuned", False):
        return
    faiss.cvar.distance_compute_blas_threshold = 20
    faiss.cvar.distance_compute_blas_query_bs = 1024
    faiss.cvar.distance_compute_blas_database_bs = 32768
    faiss._hyperlink_tuned = True


def gpu_available() -> bool:
    faiss = faiss_module()
    return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0


def auto_factory(n: int) -> str:
    """Exact search up to 200k vectors; beyond, an IVF index with about 4*sqrt(n) lists.

    >>> auto_factory(1000), auto_factory(1_000_000)
    ('Flat', 'IVF4096,Flat')
    """
    if n <= 200_000:
        return "Flat"
    lists = 2 ** round(math.log2(4 * math.sqrt(n)))
    return f"IVF{lists},Flat"


@dataclass
class IndexManifest:
    """What an index was built from; compared on load."""

    model: str
    model_checksum: str
    text_space: str | None
    visual_space: str | None
    readout: str
    dim: int
    count: int
    excluded: int  # segments with no modality at all: never indexed
    store_fingerprint: str
    factory: str
    faiss_version: str
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def check(self, **expected: Any) -> None:
        """Raise MismatchError for every field that differs from ``expected``."""
        changed = [f"{k}: index has {getattr(self, k)!r}, now {v!r}" for k, v in expected.items() if getattr(self, k) != v]
        if changed:
            raise MismatchError(
                "the index is stale (" + "; ".join(changed) + f"); rebuild it with `hyperlink index --model {self.model}`"
                " (or add new segments with `--update` when only the store grew)"
            )


class SearchIndex:
    """A FAISS index over segment ids, with its manifest."""

    def __init__(self, index, manifest: IndexManifest, device: str = "cpu"):
        self.index = index
        self.manifest = manifest
        self.device = device
        self._search_index = index

    # --- building -----------------------------------------------------------------------------

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray, manifest: IndexManifest, device: str = "auto",
              nprobe: int | None = None, seed: int = 0) -> "SearchIndex":
        """Index ``vectors`` (n, d) under ``ids`` (n,) with ``manifest.factory`` (inner product)."""
        faiss = faiss_module()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        d = vectors.shape[1]
        try:
            base = faiss.index_factory(d, manifest.factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as exc:
            raise InputError(f"faiss cannot build index {manifest.factory!r}: {str(exc).splitlines()[-1]}") from None
        index = base if _takes_ids(faiss, base) else faiss.IndexIDMap2(base)
        if not index.is_trained:
            lists = _ivf_lists(faiss, index)
            if lists and len(vectors) < lists:
                raise InputError(f"{manifest.factory!r} needs at least {lists} vectors to train; the store has {len(vectors)}")
            faiss.ParameterSpace().set_index_parameter(index, "verbose", 0)
            train = vectors
            if len(vectors) > 256 * max(lists, 1):  # faiss samples 256 points per list anyway
                rng = np.random.default_rng(seed)
                train = vectors[rng.choice(len(vectors), 256 * lists, replace=False)]
            index.train(train)
        index.add_with_ids(vectors, ids)
        out = cls(index, manifest)
        out.set_nprobe(nprobe)
        out.to_device(device)
        return out

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Add new segments without rebuilding (kept on the CPU copy that is saved)."""
        self.index.add_with_ids(np.ascontiguousarray(vectors, np.float32), np.ascontiguousarray(ids, np.int64))
        self.manifest.count = int(self.index.ntotal)
        self.to_device(self.device)

    def set_nprobe(self, nprobe: int | None) -> None:
        """How hard approximate indexes search: IVF lists probed, or HNSW's efSearch (same knob)."""
        faiss = faiss_module()
        lists = _ivf_lists(faiss, self.index)
        if lists:
            faiss.extract_index_ivf(self.index).nprobe = nprobe or max(1, min(lists, 64))
            return
        inner = faiss.downcast_index(self.index.index) if isinstance(self.index, faiss.IndexIDMap2) else self.index
        if hasattr(inner, "hnsw"):
            inner.hnsw.efSearch = nprobe or 256

    def to_device(self, device: str) -> None:
        """Search on the GPU when asked ('gpu') or when one is present ('auto'); CPU otherwise."""
        faiss = faiss_module()
        if device not in ("auto", "cpu", "gpu"):
            raise InputError(f"--device must be auto, cpu or gpu, got {device!r}")
        if device == "gpu" and not gpu_available():
            raise MissingDependency("--device gpu: faiss reports no GPU (install the [gpu] extra on a CUDA machine)")
        if device in ("gpu", "auto") and gpu_available():
            self._resources = faiss.StandardGpuResources()
            self._search_index = faiss.index_cpu_to_gpu(self._resources, 0, self.index)
            self.device = "gpu"
        else:
            self._search_index = self.index
            self.device = "cpu"

    # --- searching ----------------------------------------------------------------------------

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (scores, ids) per query, ties broken by ascending id; id -1 pads short lists."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if q.shape[1] != self.manifest.dim:
            raise MismatchError(f"query vectors have {q.shape[1]} dims; the index holds {self.manifest.dim}")
        k = max(1, min(int(k), int(self.index.ntotal)))
        scores, ids = self._search_index.search(q, k)
        order = np.lexsort((np.where(ids < 0, np.iinfo(np.int64).max, ids), -scores), axis=1)
        return np.take_along_axis(scores, order, 1), np.take_along_axis(ids, order, 1)

    # --- persistence --------------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        faiss = faiss_module()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(directory / INDEX_FILE))
        (directory / MANIFEST_FILE).write_text(json.dumps(asdict(self.manifest), indent=2, sort_keys=True) + "\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path, device: str = "auto", nprobe: int | None = None) -> "SearchIndex":
        faiss = faiss_module()
        directory = Path(directory)
        manifest_path = directory / MANIFEST_FILE
        if not manifest_path.is_file() or not (directory / INDEX_FILE).is_file():
            raise InputError("not an index directory (needs index.faiss and manifest.json); build one with "
                             "`hyperlink index`", directory)
        try:
            manifest = IndexManifest(**json.loads(manifest_path.read_text()))
        except (ValueError, TypeError) as exc:
            raise InputError(f"unreadable manifest ({exc}); rebuild the index", manifest_path) from None
        index = faiss.read_index(str(directory / INDEX_FILE))
        if index.ntotal != manifest.count or index.d != manifest.dim:
            raise MismatchError(f"{directory}: index.faiss holds {index.ntotal} x {index.d}, the manifest says "
                                f"{manifest.count} x {manifest.dim}; rebuild the index")
        out = cls(index, manifest)
        out.set_nprobe(nprobe)
        out.to_device(device)
        return out

    def ids(self) -> np.ndarray:
        """Every indexed id (ID-map indexes only: the exact default and HNSW)."""
        faiss = faiss_module()
        if isinstance(self.index, faiss.IndexIDMap2):
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        invlists = faiss.extract_index_ivf(self.index).invlists
        out = [faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy() for i in range(invlists.nlist)]
        return np.concatenate(out).astype(np.int64) if out else np.zeros(0, np.int64)


def _takes_ids(faiss, index) -> bool:
    """IVF indexes store ids themselves; flat and HNSW ones need an ID map around them."""
    try:
        faiss.extract_index_ivf(index)
        return True
    except RuntimeError:
        return False


def _ivf_lists(faiss, index) -> int:
    try:
        return int(faiss.extract_index_ivf(index).nlist)
    except RuntimeError:
        return 0
