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


def demo_beside_faiss(tmp_path_factory, backend: str):
    """The demo collection, a CCA model ``m``, its faiss Flat index (``faiss/``) and a ``backend`` one
    (``<backend>/``), for comparing backends anchor by anchor; yields (store, root)."""
    from hyperlink.cli import main
    from hyperlink.index import build_index
    from hyperlink.store import Store

    root = tmp_path_factory.mktemp(f"{backend}-demo")
    db = str(root / "store.db")
    assert main(["-q", "--db", db, "demo", "--out", str(root / "demo"), "--videos", "8", "--seed", "5"]) == 0
    assert main(["-q", "--db", db, "train", "--model", "cca", "--name", "m", "--text", "tfidf", "--visual",
                 "demo-cnn"]) == 0
    store = Store.open(db)
    build_index(store, "m", root / "faiss", factory="Flat", device="cpu", chunk_rows=7)
    build_index(store, "m", root / backend, device="cpu", chunk_rows=7, backend=backend)
    yield store, root
    store.close()


def make_manifest(n: int, d: int, factory: str = "Flat", **kw):
    """A manifest for an index of ``n`` random ``d``-d vectors (no store behind it)."""
    from hyperlink.index import IndexManifest

    base = dict(model="m", model_checksum="abc", text_space="t", visual_space="v", readout="direct", dim=d,
                count=n, excluded=0, store_fingerprint="fp", factory=factory, faiss_version="x")
    base.update(kw)
    return IndexManifest(**base)


def random_vectors(seed: int, n: int = 2000, d: int = 32, queries: int = 25):
    """(unit vectors (n, d), distinct ids among 1..10000, queries (queries, d)), seeded."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ids = rng.permutation(10_000)[:n].astype(np.int64) + 1
    return x, ids, rng.normal(size=(queries, d)).astype(np.float32)


def flip_byte(path, offset: int) -> None:
    """Corrupt ``path`` in place: invert the byte at ``offset`` (negative: from the end)."""
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))
