"""`--factory auto`: the most exact index whose estimated size fits a memory budget.

Exact search (``Flat``) while it fits; then an inverted file of full vectors (``IVF<nlist>,Flat``),
then of product-quantised codes (``IVF<nlist>,PQ<m>``, 8-bit codes). Estimates, in bytes, for ``n``
vectors of ``d`` floats (an id takes 8 bytes):

* Flat:     n (4d + 8) + 4 x 1024 x min(n, 32768) (the distance block of a batched exact search,
            see ``search_index._tune``; an IVF search never scans every vector at once)
* IVF-Flat: n (4d + 8) + nlist 4d (centroids) + nlist 48 (list headers)
* IVF-PQ:   n (m + 8)  + nlist 4d + 256 4d (codebooks) + nlist 48

``nlist`` is about 4 sqrt(n), a power of two, with at least 39 training vectors per list (faiss's
minimum). ``m`` is the largest divisor of ``d`` that fits, at most d/2 (2 dims per sub-vector) and 256.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..errors import InputError
from .search_index import BLAS_DATABASE_BS, BLAS_QUERY_BS

__all__ = ["IndexPlan", "plan_index", "estimate_bytes", "ivf_lists", "pq_bytes", "parse_bytes", "format_bytes"]

ID_BYTES = 8
LIST_BYTES = 48  # a std::vector pair per inverted list
PQ_KSUB = 256  # 8-bit codes: 256 centroids per sub-quantizer
MIN_PER_LIST = 39  # faiss k-means warns below this many training points per centroid
MAX_PQ_M = 256

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_bytes(text: str | int) -> int:
    """A size in bytes from ``6G``, ``512M``, ``1.5GiB``, ``300k`` or a plain number (units are powers of 1024).

    >>> parse_bytes("6G"), parse_bytes("512M"), parse_bytes("1.5GiB"), parse_bytes("1000")
    (6442450944, 536870912, 1610612736, 1000)
    """
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", str(text))
    if not match:
        raise InputError(f"--max-memory: {text!r} is not a size; write e.g. 6G, 512M or 1500000000")
    value = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    if value <= 0:
        raise InputError(f"--max-memory: {text!r} must be more than 0 bytes")
    return value


def format_bytes(n: int) -> str:
    """Bytes for humans.

    >>> format_bytes(6 << 30), format_bytes(1536), format_bytes(12)
    ('6.0 GiB', '1.5 KiB', '12 B')
    """
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def ivf_lists(n: int) -> int:
    """Inverted lists for ``n`` vectors: about 4 sqrt(n), a power of two, >= 39 vectors per list.

    >>> ivf_lists(1_000_000), ivf_lists(100_000), ivf_lists(2000), ivf_lists(10)
    (4096, 1024, 32, 1)
    """
    want = 2 ** round(math.log2(max(1.0, 4 * math.sqrt(n))))
    most = 2 ** int(math.log2(max(1, n // MIN_PER_LIST)))
    return max(1, min(want, most))


def estimate_bytes(kind: str, n: int, d: int, nlist: int = 0, m: int = 0) -> int:
    """Bytes an index of ``kind`` (flat, ivf-flat, ivf-pq) takes in memory, by the formulas above."""
    if kind == "flat":
        return n * (4 * d + ID_BYTES) + 4 * BLAS_QUERY_BS * min(n, BLAS_DATABASE_BS)
    lists = nlist * (4 * d + LIST_BYTES)
    if kind == "ivf-flat":
        return n * (4 * d + ID_BYTES) + lists
    if kind == "ivf-pq":
        return n * (m + ID_BYTES) + lists + PQ_KSUB * 4 * d
    raise ValueError(f"unknown index kind {kind!r}")


def pq_bytes(d: int) -> list[int]:
    """Code sizes (sub-quantizers) the plan may use for ``d`` dims, largest first.

    >>> pq_bytes(2048)[:3], pq_bytes(32)
    ([256, 128, 64], [16, 8, 4, 2, 1])
    """
    cap = max(1, min(MAX_PQ_M, d // 2))
    return [m for m in range(cap, 0, -1) if d % m == 0]


@dataclass(frozen=True)
class IndexPlan:
    """The factory chosen and why."""

    factory: str  # a faiss factory string
    estimate: int  # bytes the index should take
    budget: int  # bytes allowed
    reason: str  # one line for humans: each estimate against the budget


def plan_index(n: int, d: int, budget: int) -> IndexPlan:
    """The most exact index of ``n`` ``d``-dim vectors whose estimate fits ``budget`` bytes.

    >>> plan_index(1000, 64, 5 << 20).factory, plan_index(1000, 64, 4 << 20).factory
    ('Flat', 'IVF16,Flat')
    >>> plan_index(1000, 64, 200_000).factory
    'IVF16,PQ32'
    """
    within = f"within {format_bytes(budget)}"
    flat = estimate_bytes("flat", n, d)
    if flat <= budget:
        return IndexPlan("Flat", flat, budget, f"Flat (exact): {format_bytes(flat)} {within}")
    why = [f"Flat would take {format_bytes(flat)}"]
    nlist = ivf_lists(n)
    ivf = estimate_bytes("ivf-flat", n, d, nlist)
    if ivf <= budget:
        return IndexPlan(f"IVF{nlist},Flat", ivf, budget,
                         f"IVF{nlist},Flat: {format_bytes(ivf)} {within} ({why[0]})")
    why.append(f"IVF{nlist},Flat {format_bytes(ivf)}")
    for m in pq_bytes(d):
        pq = estimate_bytes("ivf-pq", n, d, nlist, m)
        if pq <= budget:
            return IndexPlan(f"IVF{nlist},PQ{m}", pq, budget,
                             f"IVF{nlist},PQ{m}: {format_bytes(pq)} {within} ({'; '.join(why)})")
    smallest = estimate_bytes("ivf-pq", n, d, nlist, pq_bytes(d)[-1])
    raise InputError(f"--max-memory {format_bytes(budget)} is too small for {n} vectors of {d} dims: even "
                     f"IVF{nlist},PQ{pq_bytes(d)[-1]} needs {format_bytes(smallest)}; raise --max-memory")
