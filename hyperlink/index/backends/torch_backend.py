"""The torch backend: exact inner-product search by matrix products and top-k, chunk by chunk.

The index folder holds the vectors as ``vectors.npy`` (float32, n x d) and their segment ids as
``ids.npy`` (int64, n), both digest-checked on load and memory-mapped on the CPU. A search takes a
block of queries against a chunk of the database at a time, so scratch memory is one
``QUERY_BLOCK x DATABASE_CHUNK`` score block whatever n is; each chunk's top k (all ties at its
cut kept) is merged into the running top k by (score descending, id ascending), the order the faiss
path's ``order_hits`` gives, so ties are broken the same way on every device and chunk size.

On a CUDA device (``--device gpu``, or ``auto`` when torch sees one) the vectors are copied there
once, chunk by chunk; otherwise the CPU searches the memory-mapped file.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ...errors import HyperlinkError, MismatchError, MissingDependency
from ..search_index import IndexManifest, SearchIndex, check_device
from .rows import GrowingRows

__all__ = ["TorchIndex", "topk_inner_product", "VECTORS_FILE", "IDS_FILE"]

VECTORS_FILE, IDS_FILE = "vectors.npy", "ids.npy"
QUERY_BLOCK = 1024  # queries per score block
DATABASE_CHUNK = 32768  # database rows per score block: at most 1024 x 32768 floats (128 MiB) of scores


def _torch():
    import torch

    return torch


def topk_inner_product(q, x, ids, k: int, chunk: int = DATABASE_CHUNK):
    """Top ``k`` (scores, ids) by inner product of queries ``q`` (nq, d) against database rows ``x``
    (n, d, a tensor or an array read chunk by chunk) with ids ``ids`` (n,), ordered by score
    descending then id ascending; ``k <= n``. Tensors stay on ``q``'s device.

    >>> import torch
    >>> s, i = topk_inner_product(torch.tensor([[1.0, 0.0]]), np.array([[0.5, 1], [1, 0], [0.5, 0]], np.float32),
    ...                           torch.tensor([9, 4, 2]), 2, chunk=2)
    >>> i.tolist(), s.tolist()
    ([[4, 2]], [[1.0, 0.5]])
    """
    torch = _torch()
    nq = q.shape[0]
    best_s = torch.empty((nq, 0), dtype=torch.float32, device=q.device)
    best_i = torch.empty((nq, 0), dtype=torch.int64, device=q.device)
    for lo in range(0, x.shape[0], chunk):
        block = x[lo:lo + chunk]
        if not isinstance(block, torch.Tensor):  # an array (memory-mapped: read this chunk only)
            block = _as_tensor(np.ascontiguousarray(block, dtype=np.float32))
        scores = q @ block.to(q.device).T  # (nq, chunk)
        block_ids = ids[lo:lo + chunk].to(q.device)
        s, i = _keep_top(scores, block_ids, k)
        best_s, best_i = _by_score_then_id(torch.cat([best_s, s], 1), torch.cat([best_i, i], 1))
        best_s, best_i = best_s[:, :k], best_i[:, :k]
    return best_s, best_i


def _as_tensor(array: np.ndarray):
    """A tensor sharing ``array``'s memory, also when it is a read-only map (it is only read)."""
    torch = _torch()
    if array.flags.writeable:
        return torch.from_numpy(array)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "non-writable tensors": never written here
        return torch.from_numpy(array)


def _keep_top(scores, ids, k: int):
    """Each row's top ``k`` entries and every entry tied with its k-th (so that the id order, not
    torch's choice among equal scores, settles ties), padded with (-inf, -1)."""
    torch = _torch()
    kk = min(k, scores.shape[1])
    top_s, top_pos = torch.topk(scores, kk, dim=1)
    cut = top_s[:, -1:]
    tied = (scores >= cut).sum(dim=1)
    if int(tied.max()) == kk:  # no tie across the cut: topk's choice is the only one
        return top_s, ids[top_pos]
    keep = scores >= cut
    width = int(tied.max())
    pos = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)[:, :width]
    kept = torch.gather(keep, 1, pos)
    s = torch.where(kept, torch.gather(scores, 1, pos), torch.full_like(cut.expand(-1, width), -float("inf")))
    i = torch.where(kept, ids[pos], torch.full_like(pos, -1))
    return s, i


def _by_score_then_id(scores, ids):
    """Rows sorted by score descending, ties by id ascending, padding (id -1) last (two stable sorts)."""
    torch = _torch()
    key = torch.where(ids < 0, torch.iinfo(torch.int64).max, ids)
    order = torch.argsort(key, dim=1, stable=True)
    scores, ids = torch.gather(scores, 1, order), torch.gather(ids, 1, order)
    order = torch.argsort(-scores, dim=1, stable=True)
    return torch.gather(scores, 1, order), torch.gather(ids, 1, order)


class TorchIndex(GrowingRows, SearchIndex):
    """Exact search over vectors held in a float32 array (memory-mapped on load) or on a CUDA device."""

    backend = "torch"

    def __init__(self, vectors: np.ndarray, ids: np.ndarray, count: int, manifest: IndexManifest,
                 mapped: bool = False):
        super().__init__(manifest, "cpu")
        self._vectors = vectors  # (capacity, d) float32; rows [0, count) hold vectors
        self._ids = ids  # (capacity,) int64
        self._count = count
        self.mapped = mapped
        self._device_vectors = None  # (count, d) tensor on the CUDA device, when searching there
        self._search_ids = None  # (count,) int64 tensor on the searching device

    @classmethod
    def library_version(cls) -> str:
        return f"torch {_torch().__version__}"

    @classmethod
    def _new(cls, manifest: IndexManifest) -> "TorchIndex":
        manifest.faiss_version = ""
        return cls(np.zeros((0, manifest.dim), np.float32), np.zeros(0, np.int64), 0, manifest)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        if self.mapped:
            raise HyperlinkError("this index was loaded memory-mapped (read-only); load it with mmap=False to add")
        vectors, ids = np.asarray(vectors, np.float32), np.asarray(ids, np.int64)
        self.manifest.count = self._append(vectors, ids)
        self._search_ids = self._device_vectors = None  # copied again at the next search

    def remove(self, ids: np.ndarray) -> int:
        if self.mapped:
            raise HyperlinkError("this index was loaded memory-mapped (read-only); load it with mmap=False to remove")
        gone = np.isin(self._ids[:self._count], np.asarray(ids, np.int64))
        removed = int(gone.sum())
        if removed:
            keep = np.flatnonzero(~gone)
            self._vectors, self._ids = self._vectors[keep], self._ids[keep]
            self._count = len(keep)
            self.manifest.count = self._count
            self._search_ids = self._device_vectors = None
        return removed

    def to_device(self, device: str) -> None:
        torch = _torch()
        check_device(device)
        if device == "gpu" and not torch.cuda.is_available():
            raise MissingDependency("--device gpu: torch reports no CUDA device (install a CUDA build of torch on a "
                                    "machine with an NVIDIA GPU)")
        self.device = "gpu" if device in ("gpu", "auto") and torch.cuda.is_available() else "cpu"
        self._search_ids = self._device_vectors = None  # copied at the first search

    def _refresh(self) -> None:
        """The ids as a tensor, and the vectors copied to the CUDA device a chunk at a time (no second
        host copy) when searching there."""
        torch = _torch()
        self._device_vectors = None
        self._search_ids = torch.from_numpy(np.array(self._ids[:self._count], np.int64))
        if self.device != "gpu":
            return
        n, d = self._count, self.manifest.dim
        out = torch.empty((n, d), dtype=torch.float32, device="cuda")
        for lo in range(0, n, DATABASE_CHUNK):
            hi = min(n, lo + DATABASE_CHUNK)
            out[lo:hi] = _as_tensor(np.ascontiguousarray(self._vectors[lo:hi], np.float32)).to("cuda")
        self._device_vectors = out
        self._search_ids = self._search_ids.to("cuda")

    def _search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        torch = _torch()
        if self._search_ids is None:
            self._refresh()
        on_gpu = self._device_vectors is not None
        x = self._device_vectors if on_gpu else self._vectors[:self._count]
        ids = self._search_ids
        scores, found = [], []
        with torch.inference_mode():
            for lo in range(0, len(q), QUERY_BLOCK):
                qb = torch.from_numpy(q[lo:lo + QUERY_BLOCK]).to("cuda" if on_gpu else "cpu")
                s, i = topk_inner_product(qb, x, ids, k)
                scores.append(s.cpu().numpy())
                found.append(i.cpu().numpy())
        return np.concatenate(scores), np.concatenate(found)

    def write(self, folder: Path) -> None:
        np.save(folder / VECTORS_FILE, np.ascontiguousarray(self._vectors[:self._count], np.float32))
        np.save(folder / IDS_FILE, np.ascontiguousarray(self._ids[:self._count], np.int64))

    @classmethod
    def _open(cls, directory: Path, manifest: IndexManifest, mmap: bool) -> "TorchIndex":
        vectors, ids = read_vectors(directory, manifest, mmap)
        return cls(vectors, ids, len(ids), manifest, mapped=mmap)


def read_vectors(directory: Path, manifest: IndexManifest, mmap: bool) -> tuple[np.ndarray, np.ndarray]:
    """``vectors.npy`` and ``ids.npy`` of an index folder, shapes checked against the manifest."""
    try:
        vectors = np.load(directory / VECTORS_FILE, mmap_mode="r" if mmap else None)
        ids = np.load(directory / IDS_FILE, mmap_mode="r" if mmap else None)
    except (OSError, ValueError) as exc:
        raise MismatchError(f"{directory}: unreadable vectors ({exc}); rebuild it with `{manifest.rebuild_command}`") \
            from None
    if vectors.dtype != np.float32 or vectors.ndim != 2 or vectors.shape[1] != manifest.dim or ids.dtype != np.int64 \
            or ids.shape != (len(vectors),):
        raise MismatchError(f"{directory}: {VECTORS_FILE} holds {vectors.shape} {vectors.dtype} and {IDS_FILE} "
                            f"{ids.shape} {ids.dtype}; the manifest says {manifest.count} x {manifest.dim} float32; "
                            f"rebuild it with `{manifest.rebuild_command}`")
    return vectors, ids
