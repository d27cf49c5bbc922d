"""The faiss backend: any faiss factory over segment ids, on the CPU, a GPU, or in shards.

The stored index is one ``index.faiss`` whatever the search layout. On load (or after building) it
is searched as it is, copied to the GPU, sharded over every GPU when several are present
(``index_cpu_to_all_gpus`` with ``shard``), or split into ``manifest.shards`` CPU shards searched
in parallel by ``IndexShards`` (flat and IVF indexes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import HyperlinkError, InputError, MismatchError, MissingDependency
from ..search_index import INDEX_FILE, IndexManifest, SearchIndex, check_device
from .faiss_lib import GPU_MAX_K, faiss_module, gpu_count

__all__ = ["FaissIndex"]

TRAIN_PER_LIST = 64  # training vectors per IVF list (faiss warns below 39, samples 256 at most)
PQ_TRAIN_ROWS = 1 << 16  # a product quantizer trains each 256-word codebook on at most 256 x 256 vectors
PQ_KSUB = 256  # 8-bit codes
# k-means iterations of the coarse quantizer (faiss: 25). A partition, not precise centroids, is what
# the lists need; measured 65536 x 256-d into 1024 lists on 2 cores: 24.1 s at 25, 8.3 s at 10.
IVF_NITER = 10


class FaissIndex(SearchIndex):
    """A FAISS index over segment ids. Loaded memory-mapped by default (read-only: search only)."""

    backend = "faiss"
    has_factories = True
    can_shard = True

    def __init__(self, index, manifest: IndexManifest, device: str = "cpu", mapped: bool = False):
        super().__init__(manifest, device)
        self.index = index  # the CPU index that is saved
        self.mapped = mapped  # codes memory-mapped from index.faiss: adding would abort faiss
        self._search_index = index  # what searches: the same, a GPU copy, or shards

    @classmethod
    def library_version(cls) -> str:
        return f"faiss {faiss_module().__version__}"

    # --- building -----------------------------------------------------------------------------

    @classmethod
    def _new(cls, manifest: IndexManifest) -> "FaissIndex":
        faiss = faiss_module()
        manifest.faiss_version = faiss.__version__
        try:
            base = faiss.index_factory(manifest.dim, manifest.factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as exc:
            raise InputError(f"faiss cannot build index {manifest.factory!r}: {str(exc).splitlines()[-1]}") from None
        index = base if _takes_ids(faiss, base) else faiss.IndexIDMap(base)
        if manifest.shards > 1 and not (_ivf_lists(faiss, index) or isinstance(base, faiss.IndexFlat)):
            raise InputError(f"--shards {manifest.shards}: faiss cannot split {manifest.factory!r} indexes into shards; "
                             "use a Flat or IVF factory, or --shards 1")
        faiss.ParameterSpace().set_index_parameter(index, "verbose", 0)
        if _ivf_lists(faiss, index):
            ivf = faiss.downcast_index(faiss.extract_index_ivf(index))
            ivf.cp.niter = IVF_NITER
            if hasattr(ivf, "do_polysemous_training"):  # only for polysemous search, which we never use:
                ivf.do_polysemous_training = False  # 65536 x 256-d, IVF1024,PQ128: 266 s of training -> 51 s
        return cls(index, manifest)

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    @property
    def needs_training(self) -> bool:  # type: ignore[override]
        return not self.index.is_trained

    @property
    def lists(self) -> int:  # type: ignore[override]
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
        self._relayout()

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
        if removed:
            self._relayout()
        return removed

    def _relayout(self) -> None:
        """After a change of the saved index: its GPU copy or shards are made again at the next search."""
        if self._search_index is not self.index:
            self._search_index = None

    def set_nprobe(self, nprobe: int | None) -> None:
        """How hard approximate indexes search: IVF lists probed, or HNSW's efSearch (same knob).
        Default: the manifest's (chosen for recall when built), else min(lists, 64)."""
        faiss = faiss_module()
        nprobe = nprobe or self.manifest.nprobe
        lists = _ivf_lists(faiss, self.index)
        if lists:
            value = min(lists, nprobe or 64)
            faiss.extract_index_ivf(self.index).nprobe = value
            if self._search_index is not None and self._search_index is not self.index:
                space = faiss.GpuParameterSpace() if self.device == "gpu" else faiss.ParameterSpace()
                space.set_index_parameter(self._search_index, "nprobe", value)
            return
        inner = faiss.downcast_index(self.index.index) if hasattr(self.index, "id_map") else self.index
        if hasattr(inner, "hnsw"):
            inner.hnsw.efSearch = nprobe or 256

    def to_device(self, device: str) -> None:
        """Search on the GPU(s) when asked ('gpu') or when there are some ('auto'), sharded over all
        of them when several are present; CPU otherwise, in ``manifest.shards`` shards."""
        faiss = faiss_module()
        check_device(device)
        gpus = gpu_count()
        if device == "gpu" and not gpus:
            raise MissingDependency("--device gpu: faiss reports no GPU (install the [gpu] extra on a CUDA machine)")
        if device in ("gpu", "auto") and gpus:
            if gpus > 1:
                options = faiss.GpuMultipleClonerOptions()
                options.shard = True  # each GPU holds 1/gpus of the vectors; results are merged
                self._search_index = faiss.index_cpu_to_all_gpus(self.index, options)
            else:
                self._resources = faiss.StandardGpuResources()
                self._search_index = faiss.index_cpu_to_gpu(self._resources, 0, self.index)
            self.device = "gpu"
            self.max_k = GPU_MAX_K
        else:
            self._search_index = _cpu_shards(faiss, self.index, self.manifest.shards) if self.manifest.shards > 1 \
                else self.index
            self.device = "cpu"
            self.max_k = None

    # --- searching ----------------------------------------------------------------------------

    def _search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self._search_index is None:
            self.to_device(self.device)
        scores, ids = self._search_index.search(q, k)
        lists = self.lists
        if lists:
            scores, ids = self._probe_more(q, k, scores, ids, lists)
        return scores, ids

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

    def write(self, folder: Path) -> None:
        faiss_module().write_index(self.index, str(folder / INDEX_FILE))

    @classmethod
    def _open(cls, directory: Path, manifest: IndexManifest, mmap: bool) -> "FaissIndex":
        # shards hold copies of the vectors anyway, and faiss cannot clone an IVF index it maps
        index, mapped = _read(faiss_module(), directory / INDEX_FILE, mmap and manifest.shards <= 1)
        if index.d != manifest.dim:
            raise MismatchError(f"{directory}: index.faiss holds {index.ntotal} x {index.d}, the manifest says "
                                f"{manifest.count} x {manifest.dim}; rebuild it with `{manifest.rebuild_command}`")
        return cls(index, manifest, mapped=mapped)

    def ids(self) -> np.ndarray:
        """Every indexed id (ID-map indexes and IVF ones)."""
        faiss = faiss_module()
        if hasattr(self.index, "id_map"):
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        invlists = faiss.extract_index_ivf(self.index).invlists
        out = [faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
               for i in range(invlists.nlist) if invlists.list_size(i)]
        return np.concatenate(out).astype(np.int64) if out else np.zeros(0, np.int64)


def _cpu_shards(faiss, index, shards: int):
    """``index`` split into ``shards`` parts searched in parallel threads (``IndexShards``), each part
    holding a copy of its vectors: flat indexes by contiguous rows, IVF ones by ``id % shards``."""
    out = faiss.IndexShards(index.d, True, False)  # threaded; shards keep their own ids
    out.metric_type = index.metric_type
    parts = []
    if hasattr(index, "id_map"):
        flat = faiss.downcast_index(index.index)
        if not isinstance(flat, faiss.IndexFlat):
            raise InputError(f"--shards: faiss cannot split {type(flat).__name__} indexes; use Flat or IVF factories")
        n = int(index.ntotal)
        x = faiss.rev_swig_ptr(flat.get_xb(), n * index.d).reshape(n, index.d) if n else np.zeros((0, index.d), np.float32)
        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        for rows in np.array_split(np.arange(n), shards):
            part = faiss.IndexIDMap(faiss.IndexFlat(index.d, index.metric_type))
            if len(rows):
                part.add_with_ids(np.ascontiguousarray(x[rows[0]:rows[-1] + 1]), ids[rows[0]:rows[-1] + 1])
            parts.append(part)
    elif _ivf_lists(faiss, index):
        ivf = faiss.extract_index_ivf(index)
        for i in range(shards):
            part = faiss.clone_index(index)
            part.reset()
            ivf.copy_subset_to(faiss.extract_index_ivf(part), faiss.InvertedLists.SUBSET_TYPE_ID_MOD, shards, i)
            part.ntotal = faiss.extract_index_ivf(part).ntotal
            parts.append(part)
    else:
        raise InputError(f"--shards: faiss cannot split {type(faiss.downcast_index(index)).__name__} indexes; "
                         "use Flat or IVF factories")
    for part in parts:
        out.add_shard(part)
    return out


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
