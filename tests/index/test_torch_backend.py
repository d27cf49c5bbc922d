"""The torch backend: chunked exact top-k against numpy brute force, ties, persistence, and the same
targets in the same order as the faiss Flat index for every demo anchor."""

import numpy as np
import pytest

from hyperlink.errors import HyperlinkError, MismatchError, MissingDependency
from hyperlink.index import IndexManifest, SearchIndex, build_index, update_index
from hyperlink.index.backends import torch_backend
from hyperlink.index.backends.torch_backend import TorchIndex
from hyperlink.types import Segment

from .conftest import N_VIDEOS, PER_VIDEO, brute_force, demo_beside_faiss, flip_byte, make_manifest, whole


def manifest(n, d, backend="torch"):
    return make_manifest(n, d, faiss_version="", backend=backend)


@pytest.fixture
def data():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(3000, 24)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x[100:110] = x[7]  # ten exact duplicates: ties that straddle chunk borders and the k cut
    ids = rng.permutation(50_000)[:3000].astype(np.int64) + 1
    q = np.vstack([x[7:8], rng.normal(size=(30, 24)).astype(np.float32)])
    return x, ids, q


@pytest.mark.parametrize("chunk,k", [(64, 1), (64, 5), (97, 40), (5000, 300), (1, 3)])
def test_chunked_top_k_equals_numpy_brute_force(data, monkeypatch, chunk, k):
    x, ids, q = data
    monkeypatch.setattr(torch_backend, "DATABASE_CHUNK", chunk)
    monkeypatch.setattr(torch_backend, "QUERY_BLOCK", 7)  # several query blocks too
    index = SearchIndex.build(x, ids, manifest(len(x), 24), device="cpu")
    assert isinstance(index, TorchIndex) and index.device == "cpu"
    scores, got = index.search(q, k)
    ref_scores, ref_ids = brute_force(x, ids, q, k)
    np.testing.assert_array_equal(got, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-5, atol=1e-6)


def test_ties_are_broken_by_ascending_id_whatever_the_chunks(monkeypatch):
    x = np.ones((9, 4), np.float32) / 2
    ids = np.array([9, 3, 7, 1, 5, 8, 2, 6, 4])
    for chunk in (1, 2, 4, 9):
        monkeypatch.setattr(torch_backend, "DATABASE_CHUNK", chunk)
        index = SearchIndex.build(x, ids, manifest(9, 4), device="cpu")
        assert index.search(x[:1], 4)[1].tolist() == [[1, 2, 3, 4]], chunk


def test_same_ids_and_scores_as_the_faiss_flat_index(data):
    x, ids, q = data
    ids = np.sort(ids)  # as the store streams them: faiss settles ties at its k-th neighbour by insertion order
    torch_hits = SearchIndex.build(x, ids, manifest(len(x), 24), device="cpu").search(q, 500)
    faiss_hits = SearchIndex.build(x, ids, manifest(len(x), 24, "faiss"), device="cpu").search(q, 500)
    np.testing.assert_array_equal(torch_hits[1], faiss_hits[1])
    np.testing.assert_allclose(torch_hits[0], faiss_hits[0], rtol=1e-5, atol=1e-6)


def test_save_load_round_trip_with_digests(data, tmp_path):
    x, ids, q = data
    SearchIndex.build(x, ids, manifest(len(x), 24), device="cpu").save(tmp_path / "idx")
    loaded = SearchIndex.load(tmp_path / "idx", device="cpu")
    assert isinstance(loaded, TorchIndex) and loaded.mapped
    assert set(loaded.manifest.checksums) == {"vectors.npy", "ids.npy"}
    assert loaded.manifest.backend == "torch" and loaded.manifest.backend_version.startswith("torch ")
    assert np.load(tmp_path / "idx" / "vectors.npy").dtype == np.float32
    np.testing.assert_array_equal(loaded.search(q, 10)[1], brute_force(x, ids, q, 10)[1])
    assert sorted(loaded.ids().tolist()) == sorted(ids.tolist())
    with pytest.raises(HyperlinkError, match="memory-mapped"):
        loaded.add(x[:1], np.array([99_999]))
    flip_byte(tmp_path / "idx" / "vectors.npy", -3)
    with pytest.raises(MismatchError, match=r"vectors\.npy: sha256 .* rebuild the index with "
                                            r"`hyperlink index --model m --backend torch`"):
        SearchIndex.load(tmp_path / "idx", device="cpu")


def test_add_and_remove_without_rebuild(data):
    x, ids, q = data
    index = SearchIndex.build(x[:2000], ids[:2000], manifest(2000, 24), device="cpu")
    index.search(q, 5)  # a search before the change must not leave stale tensors behind
    index.add(x[2000:], ids[2000:])
    assert index.count == index.manifest.count == 3000
    np.testing.assert_array_equal(index.search(q, 50)[1], brute_force(x, ids, q, 50)[1])
    assert index.remove(ids[:500]) == 500 and index.count == 2500
    np.testing.assert_array_equal(index.search(q, 50)[1], brute_force(x[500:], ids[500:], q, 50)[1])


def test_gpu_is_refused_without_cuda(data):
    import torch

    x, ids, _ = data
    index = SearchIndex.build(x, ids, manifest(len(x), 24), device="auto")
    assert index.device == ("gpu" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(MissingDependency, match="torch reports no CUDA device"):
            index.to_device("gpu")


def test_built_from_the_store_in_chunks_and_updated(indexed, tmp_path):
    store, name = indexed
    index = build_index(store, name, tmp_path / "idx", factory="auto", device="cpu", chunk_rows=7, backend="torch")
    x, ids = whole(store, name)
    assert index.manifest.factory == "Flat" and "torch backend searches every vector" in index.manifest.choice
    assert index.count == len(ids) == N_VIDEOS * PER_VIDEO - 1
    loaded = SearchIndex.load(tmp_path / "idx", device="cpu")
    np.testing.assert_array_equal(loaded.search(x, 40)[1], brute_force(x, ids, x, 40)[1])
    with store.transaction() as tx:
        new, _ = tx.add_segments([Segment("v0", 5.0, 65.0, origin="extra")])
        tx.set_segment_vectors(store.feature_space("t"), new, np.ones((1, 5), np.float32))
    index, added = update_index(store, tmp_path / "idx", device="cpu", chunk_rows=7)
    assert added == 1 and isinstance(index, TorchIndex)
    assert SearchIndex.load(tmp_path / "idx", device="cpu").count == len(ids) + 1


# --- the demo collection: torch and faiss Flat agree for every anchor -------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo collection, a CCA model, and its faiss Flat and torch indexes."""
    yield from demo_beside_faiss(tmp_path_factory, "torch")


def test_torch_and_faiss_flat_give_every_demo_anchor_the_same_neighbours(demo, monkeypatch):
    from hyperlink.link import Linker

    store, root = demo
    monkeypatch.setattr(torch_backend, "DATABASE_CHUNK", 13)  # many chunks: the merge is exercised
    faiss_linker = Linker(store, "m", root / "faiss", device="cpu")
    torch_linker = Linker(store, "m", root / "torch", device="cpu")
    assert isinstance(torch_linker.index, TorchIndex) and faiss_linker.index.manifest.backend == "faiss"
    anchors = store.anchors()
    vectors = [v for v in faiss_linker.vectors_with_context([a.span for a in anchors])[0]]
    assert len(anchors) >= 8 and all(v is not None for v in vectors)
    n = faiss_linker.index.count
    f_scores, f_ids = faiss_linker.index.search(np.stack(vectors), n)  # every segment, in order
    t_scores, t_ids = torch_linker.index.search(np.stack(vectors), n)
    np.testing.assert_array_equal(t_ids, f_ids)
    np.testing.assert_allclose(t_scores, f_scores, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("k", [10, 1000])
def test_torch_and_faiss_runs_are_identical(demo, k):
    from hyperlink.link import Linker, LinkOptions

    store, root = demo
    anchors = store.anchors()
    runs = [Linker(store, "m", root / b, device="cpu").run(anchors, "r", LinkOptions(k))[0] for b in ("faiss", "torch")]
    assert runs[0] and [(l.anchor, l.video, l.start, l.end, l.rank) for l in runs[0]] == \
           [(l.anchor, l.video, l.start, l.end, l.rank) for l in runs[1]]
    np.testing.assert_allclose([l.score for l in runs[0]], [l.score for l in runs[1]], rtol=1e-5, atol=1e-6)
