"""Choosing an IVF index's ``nprobe`` by measured recall.

A few hundred sample vectors serve as queries. Their exact top 100 is gathered while the vectors
are added, chunk by chunk (:class:`ExactTopK`, memory: queries x 2k). Then ``nprobe`` climbs the
ladder 1, 2, 4, ... and stops at the first value whose recall@100 against exact search is >= 0.95
(:data:`TARGET`). Product-quantised codes can cap recall below that: the climb also stops when
doubling ``nprobe`` gains less than 0.005, and keeps the smaller value.
"""

from __future__ import annotations

import numpy as np

from .search_index import SearchIndex, order_hits

__all__ = ["ExactTopK", "recall_at", "choose_nprobe", "TARGET", "QUERIES", "DEPTH"]

TARGET = 0.95  # recall@DEPTH wanted against exact search
QUERIES = 256  # sample vectors used as queries
DEPTH = 100
PLATEAU = 0.005  # a doubling of nprobe that gains less than this ends the climb


class ExactTopK:
    """The exact top ``k`` ids of fixed queries over vectors seen chunk by chunk (ties by ascending id)."""

    def __init__(self, queries: np.ndarray, k: int = DEPTH):
        self.queries = np.ascontiguousarray(queries, np.float32)
        self.k = k
        nq = len(self.queries)
        self.scores = np.full((nq, 0), -np.inf, np.float32)
        self.ids = np.full((nq, 0), -1, np.int64)

    def update(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        if not len(ids) or not len(self.queries):
            return
        scores = self.queries @ np.asarray(vectors, np.float32).T  # (nq, chunk)
        ids = np.broadcast_to(np.asarray(ids, np.int64), scores.shape)
        if scores.shape[1] > self.k:  # ties at the cut are settled by order_hits below, not here
            keep = np.argpartition(-scores, self.k - 1, axis=1)[:, : self.k]
            cut = np.take_along_axis(scores, keep, 1).min(axis=1, keepdims=True)
            scores, ids = _at_least(scores, ids, cut)
        scores, ids = order_hits(np.hstack([self.scores, scores]), np.hstack([self.ids, ids]))
        self.scores, self.ids = scores[:, : self.k], ids[:, : self.k]


def _at_least(scores: np.ndarray, ids: np.ndarray, cut: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the entries scoring >= its cut (all ties kept), padded to one width with (-inf, -1)."""
    mask = scores >= cut
    width = int(mask.sum(axis=1).max())
    order = np.argsort(~mask, axis=1, kind="stable")[:, :width]
    s, i = np.take_along_axis(scores, order, 1), np.take_along_axis(ids, order, 1)
    kept = np.take_along_axis(mask, order, 1)
    return np.where(kept, s, -np.inf), np.where(kept, i, -1)


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each row of ``truth`` (ids, -1 padding ignored) present in the same row of ``found``.

    >>> round(recall_at(np.array([[1, 2, 3], [4, 5, 6]]), np.array([[1, 2, 9], [6, 5, 4]])), 4)  # (2/3 + 3/3) / 2
    0.8333
    """
    shares = []
    for got, want in zip(found, truth):
        want = want[want >= 0]
        if len(want):
            shares.append(len(np.intersect1d(got, want)) / len(want))
    return float(np.mean(shares)) if shares else 1.0


def choose_nprobe(index: SearchIndex, truth: ExactTopK) -> tuple[int, float, str]:
    """(nprobe, recall@k at it, one line saying why) for an IVF ``index``; see the module docstring."""
    lists = index.lists
    ladder = [p for p in (2**i for i in range(32)) if p < lists] + [lists]
    best: tuple[int, float] | None = None
    for nprobe in ladder:
        index.set_nprobe(nprobe)
        got = index.search(truth.queries, truth.k)[1]
        recall = recall_at(got, truth.ids)
        if recall >= TARGET:
            return nprobe, recall, _why(nprobe, recall, truth, f">= {TARGET}")
        if best is not None and recall - best[1] < PLATEAU:
            return best[0], best[1], _why(best[0], best[1], truth, f"recall stops growing (x2 nprobe: {recall:.3f})")
        best = (nprobe, recall)
    return best[0], best[1], _why(best[0], best[1], truth, "every list probed")


def _why(nprobe: int, recall: float, truth: ExactTopK, because: str) -> str:
    return f"nprobe {nprobe}: recall@{truth.k} {recall:.3f} on {len(truth.queries)} sample queries, {because}"
