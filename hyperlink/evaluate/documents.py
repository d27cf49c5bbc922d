"""Document-level measures for collections without time: pre-cut segments, image–text items.

Two entry points with the same measures and trec_eval names (``map``, ``P_k``, ``Rprec``, ``ndcg_cut_k``):

* ``evaluate_rankings(run, qrels)`` -- ranked id lists (or id → score maps) against relevance sets
  (or id → graded gain maps);
* ``category_retrieval(similarity, query_labels, item_labels)`` -- the benchmark setting "rank all
  N items by similarity, relevant = same category", vectorised with numpy.

Ties in scores are broken by item order (stable), so results are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Hashable, Mapping, Sequence

import numpy as np

__all__ = [
    "DocumentScores",
    "precision_at",
    "average_precision",
    "r_precision",
    "ndcg_at",
    "rank_by_score",
    "evaluate_rankings",
    "category_retrieval",
]

Relevance = Collection[Hashable] | Mapping[Hashable, float]  # a set of relevant ids, or id -> gain (> 0 relevant)


def _gains(relevant: Relevance) -> dict[Hashable, float]:
    if isinstance(relevant, Mapping):
        return {doc: float(g) for doc, g in relevant.items() if g > 0}
    return {doc: 1.0 for doc in relevant}


def precision_at(ranking: Sequence[Hashable], relevant: Relevance, k: int) -> float:
    """P@k = |relevant ∩ top k| / k.

    >>> precision_at(["a", "x", "b"], {"a", "b"}, 2)
    0.5
    """
    rel = _gains(relevant)
    return sum(doc in rel for doc in ranking[:k]) / k


def average_precision(ranking: Sequence[Hashable], relevant: Relevance) -> float:
    """AP = (1/R) Σ_{r: doc_r relevant} P@r over the whole ranking, R = number of relevant ids (0 if R = 0).

    >>> round(average_precision(["a", "x", "b"], {"a", "b", "c"}), 4)  # (1/1 + 2/3) / 3
    0.5556
    """
    rel = _gains(relevant)
    hits, total = 0, 0.0
    for rank, doc in enumerate(ranking, 1):
        if doc in rel:
            hits += 1
            total += hits / rank
    return total / len(rel) if rel else 0.0


def r_precision(ranking: Sequence[Hashable], relevant: Relevance) -> float:
    """R-precision = P@R, R = number of relevant ids (0 if R = 0).

    >>> r_precision(["a", "x", "b"], {"a", "b"})
    0.5
    """
    rel = _gains(relevant)
    return precision_at(ranking, rel, len(rel)) if rel else 0.0


def ndcg_at(ranking: Sequence[Hashable], relevant: Relevance, k: int) -> float:
    """nDCG@k = DCG@k / ideal DCG@k, DCG@k = Σ_{i ≤ k} gain_i / log2(i + 1) (linear gains, Järvelin & Kekäläinen).

    >>> round(ndcg_at(["x", "a"], {"a"}, 2), 4)  # (1/log2 3) / (1/log2 2)
    0.6309
    """
    rel = _gains(relevant)
    dcg = sum(rel.get(doc, 0.0) / np.log2(i + 2) for i, doc in enumerate(ranking[:k]))
    ideal = sum(g / np.log2(i + 2) for i, g in enumerate(sorted(rel.values(), reverse=True)[:k]))
    return float(dcg / ideal) if ideal > 0 else 0.0


def rank_by_score(scores: Mapping[Hashable, float]) -> list[Hashable]:
    """Ids by decreasing score, ties by id: a deterministic ranking."""
    return [doc for doc, _ in sorted(scores.items(), key=lambda item: (-item[1], str(item[0])))]


@dataclass(frozen=True)
class DocumentScores:
    """Per-query values of each measure (arrays aligned with ``queries``) and their means."""

    queries: tuple[Hashable, ...]
    per_query: Mapping[str, np.ndarray]

    def mean(self) -> dict[str, float]:
        return {name: float(v.mean()) if len(v) else 0.0 for name, v in self.per_query.items()}


def _names(ks: Sequence[int], ndcg_ks: Sequence[int]) -> list[str]:
    return ["map", *(f"P_{k}" for k in ks), "Rprec", *(f"ndcg_cut_{k}" for k in ndcg_ks)]


def evaluate_rankings(
    run: Mapping[Hashable, Sequence[Hashable] | Mapping[Hashable, float]],
    qrels: Mapping[Hashable, Relevance],
    ks: Sequence[int] = (5, 10, 20),
    ndcg_ks: Sequence[int] = (10,),
    missing_as_zero: bool = False,
) -> DocumentScores:
    """Score each query of ``qrels`` found in ``run`` (all of them, absent ones as 0, with ``missing_as_zero``).

    A run entry is a ranked id list, or an id → score map ranked by ``rank_by_score``.
    """
    queries = tuple(q for q in qrels if missing_as_zero or q in run)
    values: dict[str, list[float]] = {name: [] for name in _names(ks, ndcg_ks)}
    for q in queries:
        entry = run.get(q, [])
        ranking = rank_by_score(entry) if isinstance(entry, Mapping) else list(entry)
        rel = _gains(qrels[q])
        values["map"].append(average_precision(ranking, rel))
        for k in ks:
            values[f"P_{k}"].append(precision_at(ranking, rel, k))
        values["Rprec"].append(r_precision(ranking, rel))
        for k in ndcg_ks:
            values[f"ndcg_cut_{k}"].append(ndcg_at(ranking, rel, k))
    return DocumentScores(queries, {name: np.asarray(v, float) for name, v in values.items()})


def category_retrieval(
    similarity: np.ndarray,
    query_labels: Sequence,
    item_labels: Sequence,
    ks: Sequence[int] = (1, 5, 10),
    ndcg_ks: Sequence[int] = (10,),
    exclude_self: bool = False,
) -> DocumentScores:
    """Rank all items for each query by ``similarity`` (queries × items, higher = closer); relevant = same label.

    ``exclude_self`` (square matrix, queries = items) drops each query's own item from its ranking,
    as in leave-one-out retrieval within one modality. Rows are processed in chunks to bound memory.
    """
    sim = np.asarray(similarity, dtype=np.float64)
    qlab, ilab = np.asarray(query_labels), np.asarray(item_labels)
    if sim.ndim != 2 or sim.shape != (len(qlab), len(ilab)):
        raise ValueError(f"similarity must be (queries × items) = ({len(qlab)} × {len(ilab)}), got {sim.shape}")
    if not np.isfinite(sim).all():
        raise ValueError("similarity holds NaN or infinite values")
    if exclude_self and sim.shape[0] != sim.shape[1]:
        raise ValueError("exclude_self needs a square similarity matrix (queries and items the same list)")
    n_items = sim.shape[1] - (1 if exclude_self else 0)
    out: dict[str, list[np.ndarray]] = {name: [] for name in _names(ks, ndcg_ks)}
    ranks = np.arange(1, n_items + 1)
    discount = 1.0 / np.log2(ranks + 1.0)
    ideal = np.concatenate([[0.0], np.cumsum(discount)])  # ideal[m] = DCG of m relevant at the top
    chunk = max(1, (1 << 23) // max(1, sim.shape[1]))
    for lo in range(0, sim.shape[0], chunk):
        rows = sim[lo : lo + chunk].copy()
        if exclude_self:
            rows[np.arange(len(rows)), np.arange(lo, lo + len(rows))] = -np.inf  # sorts last, then cut
        order = np.argsort(-rows, axis=1, kind="stable")[:, :n_items]
        rel = ilab[order] == qlab[lo : lo + chunk, None]
        hits = np.cumsum(rel, axis=1)
        num_rel = hits[:, -1] if n_items else np.zeros(len(rows), int)
        safe = np.maximum(num_rel, 1)
        out["map"].append(np.where(num_rel > 0, (rel * hits / ranks).sum(axis=1) / safe, 0.0))
        for k in ks:
            out[f"P_{k}"].append(hits[:, min(k, n_items) - 1] / k if n_items else np.zeros(len(rows)))
        at_r = np.take_along_axis(hits, (safe - 1)[:, None], axis=1)[:, 0] if n_items else np.zeros(len(rows))
        out["Rprec"].append(np.where(num_rel > 0, at_r / safe, 0.0))
        for k in ndcg_ks:
            dcg = (rel[:, :k] * discount[:k]).sum(axis=1)
            best = ideal[np.minimum(num_rel, k)]
            out[f"ndcg_cut_{k}"].append(np.where(best > 0, dcg / np.where(best > 0, best, 1.0), 0.0))
    per_query = {name: np.concatenate(v) if v else np.zeros(0) for name, v in out.items()}
    return DocumentScores(tuple(range(sim.shape[0])), per_query)
