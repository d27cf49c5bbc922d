"""Search indexes of joint embeddings, persisted as a self-describing directory.

A directory holds the backend's data files (``index.faiss`` for faiss, ``vectors.npy`` +
``ids.npy`` for torch, ``ids.npy`` and a milvus-lite folder or a server collection for Milvus; ids
are the store's segment ids), the segment table written beside them (``table.py``: where each id's
span is), and ``manifest.json`` (backend, model checksum, feature spaces, dim, count, store
fingerprint, library version, the sha256 of every file...). It is written atomically
(``directory.py``); loading verifies the digests, picks the backend the manifest names, compares the
manifest with what the caller expects and refuses a stale index with a message naming both sides
and the command to run.

:class:`SearchIndex` is the interface every backend implements (``backends/``); its classmethods
(:meth:`SearchIndex.create`, :meth:`SearchIndex.build`, :meth:`SearchIndex.load`) dispatch on the
manifest's ``backend``. Vectors are compared by inner product; the embeddings are L2-normalised, so
it is cosine similarity.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..errors import InputError, MismatchError
from .backends import backend_class
from .backends.faiss_lib import BLAS_DATABASE_BS, BLAS_QUERY_BS, GPU_MAX_K, faiss_module, gpu_available
from .directory import atomic_directory, digests, verify_digests

__all__ = ["faiss_module", "gpu_available", "order_hits", "check_device", "IndexManifest", "SearchIndex",
           "INDEX_FILE", "MANIFEST_FILE", "BLAS_QUERY_BS", "BLAS_DATABASE_BS", "GPU_MAX_K"]

INDEX_FILE, MANIFEST_FILE = "index.faiss", "manifest.json"
TIE_MARGIN = 16  # neighbours asked beyond k, so that ties at the k-th score are settled by id (see search)


def check_device(device: str) -> None:
    """Refuse an unknown --device before any work (and any write) starts."""
    if device not in ("auto", "cpu", "gpu"):
        raise InputError(f"unknown --device {device!r}; choose one of auto, cpu, gpu")


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
    faiss_version: str  # "" when the backend is not faiss
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    nprobe: int | None = None  # IVF lists probed by default (None: min(lists, 64))
    recall: float | None = None  # recall@100 against exact search measured at ``nprobe`` when it was chosen
    choice: str = ""  # why this factory and nprobe (the estimate against the memory budget)
    checksums: dict[str, str] = field(default_factory=dict)  # sha256 of every data file, checked on load
    backend: str = "faiss"  # a key of backends.BACKENDS: which class loads this index
    backend_version: str = ""  # the searching library's version, e.g. "torch 2.13.0"
    shards: int = 1  # faiss: CPU shards searched in parallel (GPUs: all of them, whatever this says)
    uri: str | None = None  # milvus: the server (None: milvus-lite inside the index folder)
    collection: str | None = None  # milvus: the collection holding the vectors

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
        backend = "" if self.backend == "faiss" else f" --backend {self.backend}"
        return f"hyperlink index --model {self.model}{backend}"


class SearchIndex:
    """An index over segment ids, with its manifest: the interface of every backend.

    Built whole from arrays (:meth:`build`) or streamed: :meth:`create`, :meth:`train` on a sample
    (approximate faiss indexes only), then :meth:`add` chunk by chunk; :meth:`save` writes the
    directory, :meth:`load` opens one with the backend its manifest names.
    """

    backend: ClassVar[str] = ""  # the registry key of a subclass
    has_factories: ClassVar[bool] = False  # builds approximate indexes by factory string (else: exact Flat only)
    can_shard: ClassVar[bool] = False  # splits into CPU shards searched in parallel (manifest.shards)
    has_server: ClassVar[bool] = False  # may live on a server named by manifest.uri

    def __init__(self, manifest: IndexManifest, device: str = "cpu"):
        self.manifest = manifest
        self.device = device
        self.mapped = False  # read-only view of the stored vectors: add/remove refused
        self.max_k: int | None = None  # most neighbours one search may ask for (faiss-gpu 2048, Milvus 16384)

    # --- what a backend implements -------------------------------------------------------------

    @classmethod
    def _new(cls, manifest: IndexManifest) -> "SearchIndex":
        """An empty index for ``manifest``."""
        raise NotImplementedError

    @classmethod
    def _open(cls, directory: Path, manifest: IndexManifest, mmap: bool) -> "SearchIndex":
        """The index stored in ``directory`` (digests already verified)."""
        raise NotImplementedError

    @classmethod
    def library_version(cls) -> str:
        """``"name version"`` of the library that searches (recorded in the manifest)."""
        raise NotImplementedError

    @property
    def count(self) -> int:
        """Vectors indexed."""
        raise NotImplementedError

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        raise NotImplementedError

    def remove(self, ids: np.ndarray) -> int:
        """Drop ``ids``; returns how many were there."""
        raise NotImplementedError

    def ids(self) -> np.ndarray:
        """Every indexed id."""
        raise NotImplementedError

    def to_device(self, device: str) -> None:
        """Search on a GPU when asked ('gpu') or when one is present ('auto'); CPU otherwise."""
        raise NotImplementedError

    def _search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (scores, ids) of float32 queries ``q`` (nq, dim), 1 <= k <= count, any tie order."""
        raise NotImplementedError

    def write(self, folder: Path) -> None:
        """Write the data files into ``folder`` (the temporary folder of an atomic save)."""
        raise NotImplementedError

    def published(self, directory: Path) -> None:
        """Called once the saved directory is in place (Milvus fills its collection then)."""

    # approximate indexes only (faiss); exact backends keep these defaults
    needs_training = False
    lists = 0

    def training_rows(self, n: int) -> int:
        return 0

    def train(self, sample: np.ndarray, available: int | None = None) -> None:
        pass

    def reserve(self, n: int) -> None:
        """Room for ``n`` vectors before adding chunk by chunk (no-op where it does not help)."""

    def set_nprobe(self, nprobe: int | None) -> None:
        pass

    # --- common to every backend ---------------------------------------------------------------

    @classmethod
    def create(cls, manifest: IndexManifest) -> "SearchIndex":
        """An empty index of ``manifest.backend`` (and, for faiss, ``manifest.factory``) over ``manifest.dim``."""
        impl = backend_class(manifest.backend)
        if not manifest.backend_version:
            manifest.backend_version = impl.library_version()
        return impl._new(manifest)

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray, manifest: IndexManifest, device: str = "auto",
              nprobe: int | None = None, seed: int = 0) -> "SearchIndex":
        """Index ``vectors`` (n, d) under ``ids`` (n,) with ``manifest``'s backend and factory, all at once."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        out = cls.create(manifest)
        if out.needs_training:
            want = out.training_rows(len(vectors))
            rows = np.random.default_rng(seed).choice(len(vectors), want, replace=False) if want < len(vectors) else None
            out.train(vectors if rows is None else vectors[np.sort(rows)], available=len(vectors))
        out.reserve(len(vectors))
        out.add(vectors, ids)
        out.set_nprobe(nprobe)
        out.to_device(device)
        return out

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (scores, ids) per query, ties broken by ascending id; id -1 pads short lists.

        The backend is asked for ``TIE_MARGIN`` more than ``k`` (within ``max_k``): faiss and Milvus
        keep whichever of several equal scores their heaps meet last at the k-th place, so the
        ids order the ties only when the whole tie is in hand."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if q.shape[1] != self.manifest.dim:
            raise MismatchError(f"query vectors have {q.shape[1]} dims; the index holds {self.manifest.dim}")
        k = max(1, min(int(k), self.count))
        ask = max(k, min(k + TIE_MARGIN, self.count, self.max_k or k + TIE_MARGIN))
        scores, ids = order_hits(*self._search(q, ask))
        return scores[:, :k], ids[:, :k]

    def save(self, directory: str | Path, extra: Callable[[Path], None] | None = None) -> Path:
        """Write the index atomically: a temporary folder beside ``directory`` holding the backend's
        files, whatever ``extra(folder)`` writes there, and ``manifest.json`` with every file's sha256
        (last), then renamed into place (replacing an older index there)."""
        directory = Path(directory)
        with atomic_directory(directory) as tmp:
            self.write(tmp)
            if extra is not None:
                extra(tmp)
            self.manifest.checksums = digests(tmp, [p.name for p in tmp.iterdir() if p.is_file()])
            (tmp / MANIFEST_FILE).write_text(json.dumps(asdict(self.manifest), indent=2, sort_keys=True) + "\n")
        self.published(directory)
        return directory

    @staticmethod
    def read_manifest(directory: str | Path) -> IndexManifest:
        directory = Path(directory)
        manifest_path = directory / MANIFEST_FILE
        if not manifest_path.is_file():
            raise InputError("not an index directory (needs manifest.json and the backend's files); build one with "
                             "`hyperlink index`", directory)
        try:
            return IndexManifest(**json.loads(manifest_path.read_text()))
        except (ValueError, TypeError) as exc:
            raise InputError(f"unreadable manifest ({exc}); rebuild the index", manifest_path) from None

    @classmethod
    def load(cls, directory: str | Path, device: str = "auto", nprobe: int | None = None,
             mmap: bool = True) -> "SearchIndex":
        """Open an index directory with the backend its manifest names, after checking every file
        against the manifest's sha256.

        ``mmap`` maps the stored vectors instead of reading them (faiss flat and IVF indexes, torch):
        memory then holds only the pages searches touch, and the index is read-only.
        """
        directory = Path(directory)
        manifest = cls.read_manifest(directory)
        try:
            impl = backend_class(manifest.backend)
        except InputError:
            raise MismatchError(f"{directory}: written by backend {manifest.backend!r}, which this version does not "
                                f"know; rebuild it with `hyperlink index --model {manifest.model}`") from None
        verify_digests(directory, manifest.checksums, manifest.rebuild_command)
        out = impl._open(directory, manifest, mmap)
        if out.count != manifest.count:
            raise MismatchError(f"{directory}: the {manifest.backend} index holds {out.count} vectors, the manifest "
                                f"says {manifest.count}; rebuild it with `{manifest.rebuild_command}`")
        out.set_nprobe(nprobe)
        out.to_device(device)
        return out
