"""encode-text: fitted on all cues or a seeded sample, transformed and written chunk by chunk."""

from __future__ import annotations

import numpy as np
import pytest

from hyperlink.demo import DemoSpec, generate_demo
from hyperlink.features import make_text_encoder
from hyperlink.ingest.encode import encode_text, fit_sample
from hyperlink.ingest.load import load_collection, load_transcripts
from hyperlink.store import Store


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    return generate_demo(tmp_path_factory.mktemp("encode") / "demo", DemoSpec(videos=6, seed=7))


@pytest.fixture
def demo(tmp_path, demo_files):
    store = Store.open(tmp_path / "demo.db")
    load_collection(store, demo_files.collection)
    load_transcripts(store, [demo_files.transcripts])
    yield store
    store.close()


def texts_in_id_order(store: Store) -> tuple[np.ndarray, list[str]]:
    ids, texts = [], []
    for i, t in store.iter_cues(chunk_rows=1_000_000):
        ids += i.tolist()
        texts += t
    return np.array(ids), texts


def stored_vectors(store: Store, space: str, ids: np.ndarray) -> np.ndarray:
    """Cue vectors of ``space`` in cue id order (the store gives them by video and start)."""
    order = np.argsort(ids)
    by_position = dict(zip(ids[order].tolist(), range(len(ids))))
    cue_ids, cues = store.cues()
    _, _, _, vectors = store.cue_vectors(space)
    out = np.zeros_like(vectors)
    out[[by_position[i] for i in cue_ids.tolist()]] = vectors
    return out


def old_fit_transform(texts: list[str], dim: int, seed: int) -> np.ndarray:
    """What encode-text stored before it streamed: one fit_transform of every cue (U * Sigma)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2, dtype=np.float32).fit_transform(texts)
    z = TruncatedSVD(n_components=dim, random_state=seed, algorithm="randomized", n_iter=7).fit_transform(x)
    z = z.astype(np.float32)
    return z / np.linalg.norm(z, axis=1, keepdims=True)


def test_small_store_chunked_equals_one_fit_transform(demo):
    ids, texts = texts_in_id_order(demo)
    assert encode_text(demo, "tfidf", "tfidf-svd", 24, 3, chunk_rows=37) == len(texts) > 200
    got = stored_vectors(demo, "tfidf", ids)
    np.testing.assert_array_equal(got, make_text_encoder("tfidf-svd", dim=24, seed=3).fit_transform(texts))
    np.testing.assert_allclose(got, old_fit_transform(texts, 24, 3), atol=1e-5)
    assert f"fitted on {len(texts)} cues" in demo.feature_space("tfidf").extractor


def test_large_store_fits_on_a_seeded_sample(demo):
    ids, texts = texts_in_id_order(demo)
    sample = fit_sample(len(texts), 100, 5)
    assert len(sample) == 100 and (np.diff(sample) > 0).all()
    calls = []
    n = encode_text(demo, "tfidf", "tfidf-svd", 16, 5, chunk_rows=50, fit_size=100,
                    progress=lambda done, total: calls.append((done, total)))
    assert n == len(texts)
    assert calls[0] == (50, n) and calls[-1] == (n, n) and len(calls) == -(-n // 50)
    want = make_text_encoder("tfidf-svd", dim=16, seed=5).fit([texts[i] for i in sample]).transform(texts)
    np.testing.assert_array_equal(stored_vectors(demo, "tfidf", ids), want)
    assert "fitted on 100 cues" in demo.feature_space("tfidf").extractor
    assert fit_sample(len(texts), 100, 6).tolist() != sample.tolist()  # another seed, another sample


def test_encoding_again_replaces_the_space(demo):
    n = encode_text(demo, "tfidf", "tfidf-svd", 8, 0, chunk_rows=64)
    first = demo.cue_vectors("tfidf")[3]
    assert encode_text(demo, "tfidf", "tfidf-svd", 8, 1, chunk_rows=1000) == n
    again = demo.cue_vectors("tfidf")[3]
    assert again.shape == first.shape == (n, 8) and not np.array_equal(first, again)


def test_no_cues_is_a_clear_error(tmp_path):
    from hyperlink.errors import StoreError

    with Store.open(tmp_path / "empty.db") as store, pytest.raises(StoreError, match="no transcript cues"):
        encode_text(store)
