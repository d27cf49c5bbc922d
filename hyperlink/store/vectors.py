"""The checks every vector passes before it is stored, and BLOBs -> float32 (for migrating old stores)."""

from __future__ import annotations

import numpy as np

__all__ = ["from_blobs", "check_matrix"]


def check_matrix(matrix: np.ndarray, dim: int, what: str) -> np.ndarray:
    """Return ``matrix`` as C-contiguous float32 (n, dim); ValueError names the first bad row (0-based)."""
    m = np.asarray(matrix)
    if m.ndim != 2:
        raise ValueError(f"{what}: expected a 2-d matrix, got shape {m.shape}")
    if m.shape[1] != dim:
        raise ValueError(f"{what}: vectors have {m.shape[1]} values; the feature space expects {dim}")
    m = np.ascontiguousarray(m, dtype=np.float32)
    finite = np.isfinite(m).all(axis=1)
    if not finite.all():
        row = int(np.argmin(finite))
        raise ValueError(f"row {row}: {what} contains NaN or infinite values")
    return m


def from_blobs(blobs: list[bytes], dim: int) -> np.ndarray:
    """Stack BLOBs back into a float32 (n, dim) matrix."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dim).astype(np.float32, copy=False)
