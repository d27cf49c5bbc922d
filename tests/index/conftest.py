"""A small store with per-segment vectors and a trained model: 3 videos x 30 one-minute windows."""

from __future__ import annotations

import numpy as np
import pytest

from hyperlink.parsed import Parsed
from hyperlink.train import load_store_model, train_from_store
from hyperlink.types import Segment, Video

N_VIDEOS, PER_VIDEO = 3, 30


def fill(store, per_video: int = PER_VIDEO, seed: int = 0) -> None:
    """Segments every 30 s (overlapping 60 s windows) with text (5-d) and visual (7-d) vectors, a few missing."""
    rng = np.random.default_rng(seed)
    videos = [Video(f"v{i}", 30.0 * per_video + 60) for i in range(N_VIDEOS)]
    segments = [Segment(f"v{i // per_video}", 30.0 * (i % per_video), 30.0 * (i % per_video) + 60.0)
                for i in range(N_VIDEOS * per_video)]
    n = len(segments)
    has_t = rng.random(n) > 0.1
    has_v = ~has_t | (rng.random(n) > 0.1)
    has_t[4] = has_v[4] = False  # one segment with nothing: never indexed
    with store.transaction() as tx:
        tx.add_videos(Parsed("videos", videos, list(range(1, N_VIDEOS + 1))))
        ids, _ = tx.add_segments(segments)
        text, visual = tx.ensure_space("t", "text", 5), tx.ensure_space("v", "visual", 7)
        tx.set_segment_vectors(text, ids, rng.normal(size=(n, 5)).astype(np.float32), has=has_t)
        tx.set_segment_vectors(visual, ids, rng.normal(size=(n, 7)).astype(np.float32), has=has_v)


@pytest.fixture
def indexed(store, tmp_path):
    """(store, model name): 90 segments and a CCA model trained on them (6-d joint vectors)."""
    fill(store)
    train_from_store(store, "cca", "m", "t", "v", {"dim": 3}, tmp_path / "models")
    return store, "m"


@pytest.fixture
def indexed_360(store, tmp_path):
    """As ``indexed`` with 360 segments: enough to train 8-bit product quantizers (256 codes)."""
    fill(store, per_video=120)
    train_from_store(store, "cca", "m", "t", "v", {"dim": 3}, tmp_path / "models")
    return store, "m"


def whole(store, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(vectors, ids): every segment's joint vector from the whole matrix at once (the reference)."""
    _, model = load_store_model(store, name)
    m = store.segment_matrix("t", "v")
    emb = model.embed(m.text, m.visual, m.has_text, m.has_visual)
    return emb.vectors, m.segment_ids[emb.kept_index]


def brute_force(x: np.ndarray, ids: np.ndarray, q: np.ndarray, k: int):
    """Exact top k by inner product, ties by ascending id (numpy)."""
    scores = q @ x.T
    order = np.lexsort((np.broadcast_to(ids, scores.shape), -scores), axis=1)[:, :k]
    return np.take_along_axis(scores, order, 1), ids[order]
