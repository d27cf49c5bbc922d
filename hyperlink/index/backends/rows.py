"""The growing (vectors, ids) buffer that the torch and Milvus backends fill chunk by chunk."""

from __future__ import annotations

import numpy as np

__all__ = ["GrowingRows"]


class GrowingRows:
    """Rows ``[0, _count)`` of ``_vectors`` (capacity x d, float32) and ``_ids`` (capacity, int64) are in use.

    Capacity doubles when full, so adding chunk by chunk copies each vector O(1) times; ``reserve``
    sizes it once when the total is known, so nothing is copied at all.
    """

    _vectors: np.ndarray
    _ids: np.ndarray
    _count: int

    @property
    def count(self) -> int:
        return self._count

    def reserve(self, n: int) -> None:
        """Allocate ``n`` rows at once, so that adding chunk by chunk never copies the vectors."""
        if n > len(self._ids):
            self._grow(n)

    def _grow(self, n: int) -> None:
        vectors = np.empty((n, self._vectors.shape[1]), np.float32)
        ids = np.empty(n, np.int64)
        vectors[:self._count], ids[:self._count] = self._vectors[:self._count], self._ids[:self._count]
        self._vectors, self._ids = vectors, ids

    def _append(self, vectors: np.ndarray, ids: np.ndarray) -> int:
        """Add rows after the used ones; the new count."""
        end = self._count + len(ids)
        if end > len(self._ids):
            self._grow(max(end, 2 * len(self._ids)))
        self._vectors[self._count:end], self._ids[self._count:end] = vectors, ids
        self._count = end
        return end

    def ids(self) -> np.ndarray:
        return np.array(self._ids[:self._count], np.int64)
