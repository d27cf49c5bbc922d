"""The Milvus backend: the vectors in a Milvus collection (FLAT index, inner product), via pymilvus.

Embedded by default: a milvus-lite database inside the index folder (``<collection>.db``, a folder
of milvus-lite's own files); ``--uri`` names a Milvus server instead. The index folder keeps
``ids.npy`` (the indexed segment ids, digest-checked like every file the manifest lists), the
segment table and the manifest, whose ``collection`` and ``uri`` say where the vectors are; on load
the collection must hold exactly the manifest's count.

The collection is filled once the folder is in place (the atomic write copies plain files only),
from the vectors held since :meth:`add`; a collection of the same name on a server is replaced.
Milvus answers at most 16384 neighbours per query (``max_k``, so the linker pages within it); ties
are ordered by id as with every backend (``SearchIndex.search``).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import numpy as np

from ...errors import HyperlinkError, InputError, MismatchError, MissingDependency
from ..search_index import IndexManifest, SearchIndex, check_device
from .rows import GrowingRows

__all__ = ["MilvusIndex", "MILVUS_MAX_K"]

IDS_FILE = "ids.npy"
MILVUS_MAX_K = 16384  # Milvus's topk limit
QUERY_BATCH = 64  # queries per search call (a reply holds batch x k hits)
INSERT_ROWS = 4096  # vectors per insert call
VECTOR, ID = "vector", "id"


def _pymilvus():
    try:
        import pymilvus
    except ImportError:
        raise MissingDependency("--backend milvus needs pymilvus: `pip install -e '.[milvus]'` "
                                "(pymilvus with milvus-lite, the embedded Milvus)") from None
    return pymilvus


class MilvusIndex(GrowingRows, SearchIndex):
    """A FLAT, inner-product Milvus collection of segment ids and vectors."""

    backend = "milvus"
    has_server = True

    def __init__(self, manifest: IndexManifest, ids: np.ndarray, client=None, lite_path: Path | None = None):
        super().__init__(manifest, "cpu")
        self.max_k = MILVUS_MAX_K
        self._ids = ids  # indexed ids (during a build: capacity, first _count rows used)
        self._vectors = np.zeros((0, manifest.dim), np.float32)  # held until the collection is filled
        self._count = len(ids)
        self._client = client
        self._lite_path = lite_path

    @classmethod
    def library_version(cls) -> str:
        return f"pymilvus {_pymilvus().__version__}"

    @classmethod
    def _new(cls, manifest: IndexManifest) -> "MilvusIndex":
        _pymilvus()
        manifest.faiss_version = ""
        name = re.sub(r"[^0-9A-Za-z_]", "_", manifest.model)[:64]
        manifest.collection = f"hyperlink_{name}_{secrets.token_hex(4)}"  # a new name per build: never reused
        if manifest.uri:  # an unreachable server is refused before the embedding starts, and before any write
            _connect(Path("."), manifest)[0].close()
        return cls(manifest, np.zeros(0, np.int64))

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        if self._client is not None:
            raise HyperlinkError("a Milvus index is filled once, when it is saved; rebuild it with "
                                 f"`{self.manifest.rebuild_command}`")
        self.manifest.count = self._append(vectors, ids)

    def remove(self, ids: np.ndarray) -> int:
        raise InputError(f"--update: a Milvus index is not updated in place; rebuild it with "
                         f"`{self.manifest.rebuild_command}`")

    def to_device(self, device: str) -> None:
        check_device(device)  # Milvus chooses its own hardware: the search runs where the collection lives
        self.device = "cpu" if self.manifest.uri is None else "server"

    # --- persistence --------------------------------------------------------------------------

    def write(self, folder: Path) -> None:
        if self._client is not None:  # the collection lives in the folder being replaced (milvus-lite)
            raise HyperlinkError("a Milvus index is written once, when it is built; rebuild it with "
                                 f"`{self.manifest.rebuild_command}`")
        np.save(folder / IDS_FILE, np.ascontiguousarray(self._ids[:self._count], np.int64))

    def published(self, directory: Path) -> None:
        """Create the collection (FLAT, IP) and insert the held vectors, chunk by chunk."""
        if self._client is not None:
            return
        pymilvus = _pymilvus()
        client, lite = _connect(directory, self.manifest)
        name = self.manifest.collection
        if client.has_collection(name):
            client.drop_collection(name)
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field(ID, pymilvus.DataType.INT64, is_primary=True)
        schema.add_field(VECTOR, pymilvus.DataType.FLOAT_VECTOR, dim=self.manifest.dim)
        params = client.prepare_index_params()
        params.add_index(VECTOR, index_type="FLAT", metric_type="IP")
        client.create_collection(name, schema=schema, index_params=params)
        for lo in range(0, self._count, INSERT_ROWS):
            hi = min(self._count, lo + INSERT_ROWS)
            client.insert(name, [{ID: int(i), VECTOR: v} for i, v in zip(self._ids[lo:hi].tolist(), self._vectors[lo:hi])])
        client.flush(name)
        client.load_collection(name)
        self._vectors = np.zeros((0, self.manifest.dim), np.float32)
        self._ids = self._ids[:self._count].copy()
        self._client, self._lite_path = client, lite

    @classmethod
    def _open(cls, directory: Path, manifest: IndexManifest, mmap: bool) -> "MilvusIndex":
        try:
            ids = np.load(directory / IDS_FILE, mmap_mode="r" if mmap else None)
        except (OSError, ValueError) as exc:
            raise MismatchError(f"{directory}: unreadable {IDS_FILE} ({exc}); rebuild it with "
                                f"`{manifest.rebuild_command}`") from None
        lite = _lite_path(directory, manifest)
        if lite is not None and not lite.is_dir():
            raise MismatchError(f"{directory}: {lite.name} (milvus-lite, holding the vectors) is missing; rebuild the "
                                f"index with `{manifest.rebuild_command}`")
        client, lite = _connect(directory, manifest)
        where = manifest.uri or str(lite)
        if not manifest.collection or not client.has_collection(manifest.collection):
            raise MismatchError(f"{directory}: Milvus at {where} has no collection {manifest.collection!r}; rebuild "
                                f"the index with `{manifest.rebuild_command}`")
        client.load_collection(manifest.collection)
        rows = int(client.get_collection_stats(manifest.collection).get("row_count", -1))
        if rows != len(ids) or len(ids) != manifest.count:
            raise MismatchError(f"{directory}: Milvus collection {manifest.collection!r} holds {rows} vectors, "
                                f"{IDS_FILE} {len(ids)}, the manifest says {manifest.count}; rebuild it with "
                                f"`{manifest.rebuild_command}`")
        return cls(manifest, ids, client, lite)

    # --- searching ----------------------------------------------------------------------------

    def _search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self._client is None:
            raise HyperlinkError("a Milvus index is searchable once saved (its collection is filled then)")
        scores = np.full((len(q), k), -np.inf, np.float32)
        ids = np.full((len(q), k), -1, np.int64)
        for lo in range(0, len(q), QUERY_BATCH):
            batch = q[lo:lo + QUERY_BATCH]
            found = self._client.search(self.manifest.collection, data=[row.tolist() for row in batch], limit=k,
                                        anns_field=VECTOR, search_params={"metric_type": "IP"}, output_fields=[])
            for row, hits in enumerate(found, lo):
                scores[row, :len(hits)] = [h["distance"] for h in hits]
                ids[row, :len(hits)] = [h["id"] for h in hits]
        return scores, ids


def _connect(directory: Path, manifest: IndexManifest):
    """(client, milvus-lite folder or None): the server at ``manifest.uri``, else milvus-lite inside ``directory``."""
    pymilvus = _pymilvus()
    lite = _lite_path(directory, manifest)
    try:
        return pymilvus.MilvusClient(uri=manifest.uri or str(lite)), lite
    except pymilvus.exceptions.MilvusException as exc:
        where = manifest.uri or lite
        raise InputError(f"--uri: cannot reach Milvus at {where} ({exc.message})") from None


def _lite_path(directory: Path, manifest: IndexManifest) -> Path | None:
    """The milvus-lite folder inside the index folder, or None for a server."""
    return None if manifest.uri else Path(directory).resolve() / f"{manifest.collection}.db"
