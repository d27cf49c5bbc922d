"""FAISS indexes of joint embeddings, persisted as a self-describing directory.

A directory holds ``index.faiss`` (ids are the store's segment ids, kept inside an ID map or the
inverted lists), the segment table written beside it (``table.py``: where each id's span is), and
``manifest.json`` (model checksum, feature spaces, dim, count, store fingerprint, faiss version, the
sha256 of every file...). It is written atomically (``directory.py``); loading verifies the digests,
compares the manifest with what the caller expects and refuses a stale index with a message naming
both sides and the command to run.

Vectors are compared by inner product; the embeddings are L2-normalised, so it is cosine similarity.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import HyperlinkError, InputError, MismatchError, MissingDependency
from .directory import atomic_directory, digests, verify_digests

GPU_MAX_K = 2048  # faiss-gpu returns at most this many neighbours per call

__all__ = ["faiss_module", "gpu_available", "order_hits", "IndexManifest", "SearchIndex", "INDEX_FILE", "MANIFEST_FILE"]

INDEX_FILE, MANIFEST_FILE = "index.faiss", "manifest.json"
TRAIN_PER_LIST = 64  # training vectors per IVF list (faiss warns below 39, samples 256 at most)
PQ_TRAIN_ROWS = 1 << 16  # a product quantizer trains each 256-word codebook on at most 256 x 256 vectors
PQ_KSUB = 256  # 8-bit codes
# k-means iterations of the coarse quantizer (faiss: 25). A partition, not precise centroids, is what
# the lists need; measured 65536 x 256-d into 1024 lists on 2 cores: 24.1 s at 25, 8.3 s at 10.
IVF_NITER = 10


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


# Exact search blocks (see _tune): queries and database rows per sgemm call.
BLAS_QUERY_BS, BLAS_DATABASE_BS = 1024, 32768


def _tune(faiss) -> None:
    """Exact search settings. The faiss-cpu 1.15 wheel ships a BLAS threshold of 128000 queries, so a
    batch of anchors takes the slow non-BLAS path, and database blocks of 1024 rows, which makes many
    small sgemm calls. Measured at 100k x 1024, 100 queries, k=1000 on 2 cores: 3.9 s as shipped,
    0.31 s with these, numpy matmul+argpartition 0.34-0.54 s. Scratch memory: at most 1024 x 32768
    floats (128 MiB)."""
    if getattr(faiss, "_hyperlink_tuned", False):
        return
    faiss.cvar.distance_compute_blas_threshold = 20
    faiss.cvar.distance_compute_blas_query_bs = BLAS_QUERY_BS
    faiss.cvar.distance_compute_blas_database_bs = BLAS_DATABASE_BS
    faiss._hyperlink_tuned = True


def check_device(device: str) -> None:
    """Refuse an unknown --device before any work (and any write) starts."""
    if device not in ("auto", "cpu", "gpu"):
        raise InputError(f"unknown --device {device!r}; choose one of auto, cpu, gpu")


def gpu_available() -> bool:
    faiss = faiss_module()
    return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0


def order_hits(scores: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row by descending score, ties by ascending id, padding (id -1) last.

    >>> s, i = order_hits(np.array([[0.5, 0.9, 0.5, -np.inf]]), np.array([[7, 2, 3, -1]]))
    >>> i.tolist(), s.tolist()
    ([[2, 3, 7, -1]], [[0.9, 0.5, 0.5, -inf]])
    """
    order = np.lexsort((np.where(ids < 0, np.iinfo(np.int64).max, ids), -scores), axis=1)
    return np.take_along_axis(scores, order, 1), np.take_along_axis(ids, order, 1)


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
    nprobe: int | None = None  # IVF lists probed by default (None: min(lists, 64))
    recall: float | None = None  # recall@100 against exact search measured at ``nprobe`` when it was chosen
    choice: str = ""  # why this factory and nprobe (the estimate against the memory budget)
    checksums: dict[str, str] = field(default_factory=dict)  # sha256 of every data file, checked on load

    def check(self, **expected: Any) -> None:
        """Raise MismatchError for every field that differs from ``expected``."""
        changed = [f"{k}: index has {getattr(self, k)!r}, now {v!r}" for k, v in expected.items() if getattr(self, k) != v]
        if changed:
            raise MismatchError(
                "the index is stale (" + "; ".join(changed) + f"); rebuild it with `{self.rebuild_command}`"
                " (or add new segments with `--update` when only the store grew)"
            )

    @property
    def rebuild_command(self) -> str:
        return f"hyperlink index --model {self.model}"


class SearchIndex:
    """A FAISS index over segment ids, with its manifest.

    Built whole from arrays (:meth:`build`) or streamed: :meth:`create`, :meth:`train` on a sample,
    then :meth:`add` chunk by chunk. Loaded memory-mapped by default (read-only: search only).
    """

    def __init__(self, index, manifest: IndexManifest, device: str = "cpu", mapped: bool = False):
        self.index = index
        self.manifest = manifest
        self.device = device
        self.mapped = mapped  # codes memory-mapped from index.faiss: adding would abort faiss
        self.max_k: int | None = None  # most neighbours one search may ask for (GPU_MAX_K on a GPU)
        self._search_index = index

    # --- building -----------------------------------------------------------------------------

    @classmethod
    def create(cls, manifest: IndexManifest) -> "SearchIndex":
        """An empty index of ``manifest.factory`` over ``manifest.dim`` dims (inner product)."""
        faiss = faiss_module()
        try:
            base = faiss.index_factory(manifest.dim, manifest.factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as exc:
            raise InputError(f"faiss cannot build index {manifest.factory!r}: {str(exc).splitlines()[-1]}") from None
        index = base if _takes_ids(faiss, base) else faiss.IndexIDMap(base)
        faiss.ParameterSpace().set_index_parameter(index, "verbose", 0)
        if _ivf_lists(faiss, index):
            ivf = faiss.downcast_index(faiss.extract_index_ivf(index))
            ivf.cp.niter = IVF_NITER
            if hasattr(ivf, "do_polysemous_training"):  # only for polysemous search, which we never use:
                ivf.do_polysemous_training = False  # 65536 x 256-d, IVF1024,PQ128: 266 s of training -> 51 s
        return cls(index, manifest)

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray, manifest: IndexManifest, device: str = "auto",
              nprobe: int | None = None, seed: int = 0) -> "SearchIndex":
        """Index ``vectors`` (n, d) under ``ids`` (n,) with ``manifest.factory`` (inner product), all at once."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        out = cls.create(manifest)
        if out.needs_training:
            want = out.training_rows(len(vectors))
            rows = np.random.default_rng(seed).choice(len(vectors), want, replace=False) if want < len(vectors) else None
            out.train(vectors if rows is None else vectors[np.sort(rows)], available=len(vectors))
        out.add(vectors, ids)
        out.set_nprobe(nprobe)
        out.to_device(device)
        return out

    @property
    def needs_training(self) -> bool:
        return not self.index.is_trained

    @property
    def lists(self) -> int:
        """IVF lists (0 for other indexes)."""
        return _ivf_lists(faiss_module(), self.index)

    def training_rows(self, n: int) -> int:
        """Sample size to train on out of ``n`` vectors: 64 per IVF list (faiss wants at least 39),
        and 2^16 for product quantizers (faiss's own ceiling: 256 per code word)."""
        want = TRAIN_PER_LIST * max(1, self.lists)
        if _has_pq(faiss_module(), self.index):
            want = max(want, PQ_TRAIN_ROWS)
        return int(min(n, want))

    def train(self, sample: np.ndarray, available: int | None = None) -> None:
        """Train the quantizers on ``sample`` (n, d); ``available`` is how many vectors it was drawn from."""
        faiss = faiss_module()
        sample = np.ascontiguousarray(sample, dtype=np.float32)
        available = len(sample) if available is None else available
        need = max(self.lists, PQ_KSUB if _has_pq(faiss, self.index) else 0)
        if len(sample) < need:
            raise InputError(f"{self.manifest.factory!r} needs at least {need} vectors to train; the store has {available}")
        self.index.train(sample)

    def reserve(self, n: int) -> None:
        """Room for ``n`` vectors in a flat index before adding chunk by chunk: without it its buffer
        grows by doubling and briefly holds up to twice the index (std::vector keeps the capacity)."""
        faiss = faiss_module()
        inner = faiss.downcast_index(self.index.index) if hasattr(self.index, "id_map") else self.index
        if self.index.ntotal or not hasattr(inner, "codes") or not hasattr(inner.codes, "resize"):
            return
        inner.codes.resize(int(n) * int(inner.code_size))
        inner.codes.resize(0)
        self.index.id_map.resize(int(n))
        self.index.id_map.resize(0)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Add segments without rebuilding (kept on the CPU copy that is saved)."""
        if self.mapped:
            raise HyperlinkError("this index was loaded memory-mapped (read-only); load it with mmap=False to add")
        self.index.add_with_ids(np.ascontiguousarray(vectors, np.float32), np.ascontiguousarray(ids, np.int64))
        self.manifest.count = int(self.index.ntotal)
        if self.device != "cpu":
            self.to_device(self.device)

    def remove(self, ids: np.ndarray) -> int:
        """Drop ``ids`` (e.g. segments deleted from the store); 0 where the index cannot remove (HNSW)."""
        faiss = faiss_module()
        if self.mapped:
            raise HyperlinkError("this index was loaded memory-mapped (read-only); load it with mmap=False to remove")
        ids = np.ascontiguousarray(ids, np.int64)
        if not len(ids):
            return 0
        try:
            removed = int(self.index.remove_ids(faiss.IDSelectorBatch(len(ids), faiss.swig_ptr(ids))))
        except RuntimeError:
            return 0
        self.manifest.count = int(self.index.ntotal)
        return removed

    def set_nprobe(self, nprobe: int | None) -> None:
        """How hard approximate indexes search: IVF lists probed, or HNSW's efSearch (same knob).
        Default: the manifest's (chosen for recall when built), else min(lists, 64)."""
        faiss = faiss_module()
        nprobe = nprobe or self.manifest.nprobe
        lists = _ivf_lists(faiss, self.index)
        if lists:
            faiss.extract_index_ivf(self.index).nprobe = min(lists, nprobe or 64)
            return
        inner = faiss.downcast_index(self.index.index) if hasattr(self.index, "id_map") else self.index
        if hasattr(inner, "hnsw"):
            inner.hnsw.efSearch = nprobe or 256

    def to_device(self, device: str) -> None:
        """Search on the GPU when asked ('gpu') or when one is present ('auto'); CPU otherwise."""
        faiss = faiss_module()
        check_device(device)
        if device == "gpu" and not gpu_available():
            raise MissingDependency("--device gpu: faiss reports no GPU (install the [gpu] extra on a CUDA machine)")
        if device in ("gpu", "auto") and gpu_available():
            self._resources = faiss.StandardGpuResources()
            self._search_index = faiss.index_cpu_to_gpu(self._resources, 0, self.index)
            self.device = "gpu"
            self.max_k = GPU_MAX_K
        else:
            self._search_index = self.index
            self.device = "cpu"
            self.max_k = None

    # --- searching ----------------------------------------------------------------------------

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (scores, ids) per query, ties broken by ascending id; id -1 pads short lists."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if q.shape[1] != self.manifest.dim:
            raise MismatchError(f"query vectors have {q.shape[1]} dims; the index holds {self.manifest.dim}")
        k = max(1, min(int(k), int(self.index.ntotal)))
        scores, ids = self._search_index.search(q, k)
        lists = self.lists
        if lists:
            scores, ids = self._probe_more(q, k, scores, ids, lists)
        return order_hits(scores, ids)

    def _probe_more(self, q: np.ndarray, k: int, scores: np.ndarray, ids: np.ndarray, lists: int):
        """Search again, probing twice as many lists each time, the queries whose probed lists held
        fewer than ``k`` vectors (a run asks 1000 targets, i.e. thousands of candidates, of an nprobe
        chosen for recall@100); then restore nprobe."""
        faiss = faiss_module()
        nprobe = start = int(faiss.extract_index_ivf(self.index).nprobe)
        short = np.flatnonzero(ids[:, -1] < 0)
        space = faiss.GpuParameterSpace() if self.device == "gpu" else faiss.ParameterSpace()
        try:
            while len(short) and nprobe < lists:
                nprobe = min(lists, nprobe * 2)
                space.set_index_parameter(self._search_index, "nprobe", nprobe)
                scores[short], ids[short] = self._search_index.search(q[short], k)
                short = short[ids[short, -1] < 0]
        finally:
            if nprobe != start:
                space.set_index_parameter(self._search_index, "nprobe", start)
        return scores, ids

    # --- persistence --------------------------------------------------------------------------

    def save(self, directory: str | Path, extra: Callable[[Path], None] | None = None) -> Path:
        """Write the index atomically: a temporary folder beside ``directory`` holding ``index.faiss``,
        whatever ``extra(folder)`` writes there, and ``manifest.json`` with every file's sha256 (last),
        then renamed into place (replacing an older index there)."""
        faiss = faiss_module()
        directory = Path(directory)
        with atomic_directory(directory) as tmp:
            faiss.write_index(self.index, str(tmp / INDEX_FILE))
            if extra is not None:
                extra(tmp)
            self.manifest.checksums = digests(tmp, [p.name for p in tmp.iterdir()])
            (tmp / MANIFEST_FILE).write_text(json.dumps(asdict(self.manifest), indent=2, sort_keys=True) + "\n")
        return directory

    @staticmethod
    def read_manifest(directory: str | Path) -> IndexManifest:
        directory = Path(directory)
        manifest_path = directory / MANIFEST_FILE
        if not manifest_path.is_file() or not (directory / INDEX_FILE).is_file():
            raise InputError("not an index directory (needs index.faiss and manifest.json); build one with "
                             "`hyperlink index`", directory)
        try:
            return IndexManifest(**json.loads(manifest_path.read_text()))
        except (ValueError, TypeError) as exc:
            raise InputError(f"unreadable manifest ({exc}); rebuild the index", manifest_path) from None

    @classmethod
    def load(cls, directory: str | Path, device: str = "auto", nprobe: int | None = None,
             mmap: bool = True) -> "SearchIndex":
        """Open an index directory after checking every file against the manifest's sha256.

        ``mmap`` maps the stored vectors instead of reading them (flat and IVF indexes): memory then
        holds only the pages searches touch, and the index is read-only.
        """
        faiss = faiss_module()
        directory = Path(directory)
        manifest = cls.read_manifest(directory)
        verify_digests(directory, manifest.checksums, manifest.rebuild_command)
        index, mapped = _read(faiss, directory / INDEX_FILE, mmap)
        if index.ntotal != manifest.count or index.d != manifest.dim:
            raise MismatchError(f"{directory}: index.faiss holds {index.ntotal} x {index.d}, the manifest says "
                                f"{manifest.count} x {manifest.dim}; rebuild it with `{manifest.rebuild_command}`")
        out = cls(index, manifest, mapped=mapped)
        out.set_nprobe(nprobe)
        out.to_device(device)
        return out

    def ids(self) -> np.ndarray:
        """Every indexed id (ID-map indexes and IVF ones)."""
        faiss = faiss_module()
        if hasattr(self.index, "id_map"):
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        invlists = faiss.extract_index_ivf(self.index).invlists
        out = [faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
               for i in range(invlists.nlist) if invlists.list_size(i)]
        return np.concatenate(out).astype(np.int64) if out else np.zeros(0, np.int64)


def _read(faiss, path: Path, mmap: bool):
    """(index, mapped): memory-mapped where this faiss can (IO_FLAG_MMAP_IFC maps flat codes and IVF
    lists), else read whole."""
    flag = getattr(faiss, "IO_FLAG_MMAP_IFC", None) if mmap else None
    if flag is not None:
        try:
            return faiss.read_index(str(path), flag), True
        except RuntimeError:
            pass
    try:
        return faiss.read_index(str(path)), False
    except RuntimeError as exc:
        raise MismatchError(f"{path}: faiss cannot read it ({str(exc).splitlines()[-1]}); rebuild the index") from None


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


def _has_pq(faiss, index) -> bool:
    try:
        return hasattr(faiss.extract_index_ivf(index), "pq")
    except RuntimeError:
        return hasattr(faiss.downcast_index(index), "pq")
