"""The Milvus backend on milvus-lite: the same targets in the same order as the faiss Flat index for
every demo anchor, the same digests and staleness checks, Milvus's topk cap respected by the linker."""

import shutil

import numpy as np
import pytest

pytest.importorskip("pymilvus", reason="the [milvus] extra (pymilvus with milvus-lite) is not installed")

from hyperlink.errors import InputError, MismatchError  # noqa: E402
from hyperlink.index import IndexManifest, SearchIndex, update_index  # noqa: E402
from hyperlink.index.backends.milvus_backend import MILVUS_MAX_K, MilvusIndex  # noqa: E402

from .conftest import demo_beside_faiss, make_manifest  # noqa: E402

pytestmark = pytest.mark.milvus


def manifest(n, d, backend="milvus"):
    return make_manifest(n, d, faiss_version="", backend=backend)


@pytest.fixture
def data():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1500, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x[200:204] = x[3]  # exact duplicates: ties settled by id
    # ascending, as the store streams them: faiss settles ties at its k-th neighbour by insertion order
    ids = np.sort(rng.permutation(20_000)[:1500]).astype(np.int64) + 1
    return x, ids, np.vstack([x[3:4], rng.normal(size=(80, 16)).astype(np.float32)])


def test_random_vectors_rank_as_faiss_flat_and_survive_a_reload(data, tmp_path):
    x, ids, q = data
    SearchIndex.build(x, ids, manifest(len(x), 16), device="cpu").save(tmp_path / "idx")
    loaded = SearchIndex.load(tmp_path / "idx", device="cpu")
    assert isinstance(loaded, MilvusIndex) and loaded.max_k == MILVUS_MAX_K
    assert set(loaded.manifest.checksums) == {"ids.npy"} and loaded.manifest.collection
    assert (tmp_path / "idx" / f"{loaded.manifest.collection}.db").is_dir()  # milvus-lite inside the folder
    want = SearchIndex.build(x, ids, manifest(len(x), 16, "faiss"), device="cpu").search(q, 300)
    got = loaded.search(q, 300)
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-5)
    assert got[1][0, :5].tolist() == sorted(ids[[3, 200, 201, 202, 203]].tolist())
    assert sorted(loaded.ids().tolist()) == sorted(ids.tolist())


def test_tampered_or_missing_data_is_refused(data, tmp_path):
    x, ids, _ = data
    SearchIndex.build(x, ids, manifest(len(x), 16), device="cpu").save(tmp_path / "idx")
    collection = SearchIndex.read_manifest(tmp_path / "idx").collection
    shutil.rmtree(tmp_path / "idx" / f"{collection}.db")
    with pytest.raises(MismatchError, match=f"{collection}.db \\(milvus-lite, holding the vectors\\) is missing; rebuild "
                                            "the index with `hyperlink index --model m --backend milvus`"):
        SearchIndex.load(tmp_path / "idx", device="cpu")
    np.save(tmp_path / "idx" / "ids.npy", ids[:-1])
    with pytest.raises(MismatchError, match=r"ids\.npy: sha256 .* differs"):
        SearchIndex.load(tmp_path / "idx", device="cpu")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo collection, a CCA model, its faiss Flat index and its Milvus collection."""
    yield from demo_beside_faiss(tmp_path_factory, "milvus")


def test_milvus_and_faiss_flat_give_every_demo_anchor_the_same_neighbours(demo):
    from hyperlink.link import Linker

    store, root = demo
    faiss_linker = Linker(store, "m", root / "faiss", device="cpu")
    milvus_linker = Linker(store, "m", root / "milvus", device="cpu")
    assert isinstance(milvus_linker.index, MilvusIndex)
    anchors = store.anchors()
    vectors = np.stack(faiss_linker.vectors_with_context([a.span for a in anchors])[0])
    n = min(faiss_linker.index.count, MILVUS_MAX_K)
    want, got = faiss_linker.index.search(vectors, n), milvus_linker.index.search(vectors, n)
    assert len(anchors) >= 8 and got[1].shape == (len(anchors), n)
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("k", [10, 1000])
def test_milvus_and_faiss_runs_are_identical(demo, k):
    from hyperlink.link import Linker, LinkOptions

    store, root = demo
    anchors = store.anchors()
    runs = [Linker(store, "m", root / b, device="cpu").run(anchors, "r", LinkOptions(k))[0] for b in ("faiss", "milvus")]
    assert runs[0] and [(l.anchor, l.video, l.start, l.end, l.rank) for l in runs[0]] == \
           [(l.anchor, l.video, l.start, l.end, l.rank) for l in runs[1]]


def test_the_linker_stays_within_milvus_topk(demo):
    """Milvus answers at most 16384 neighbours a query; simulated with a tiny cap, as for faiss-gpu."""
    from hyperlink.link import Linker, LinkOptions

    store, root = demo
    linker = Linker(store, "m", root / "milvus", device="cpu")
    linker.index.max_k = 40
    asked = []
    search = linker.index.search
    linker.index.search = lambda q, k: asked.append(k) or search(q, k)
    lines, _, _ = linker.run(store.anchors(), "r", LinkOptions(30))
    assert asked and max(asked) <= 40 and lines


def test_update_is_refused_without_touching_the_index(demo):
    store, root = demo
    before = sorted((p.name, p.stat().st_mtime_ns) for p in (root / "milvus").iterdir())
    with pytest.raises(InputError, match="a Milvus index is not updated in place; rebuild it with "
                                         "`hyperlink index --model m --backend milvus`"):
        update_index(store, root / "milvus", device="cpu")
    assert sorted((p.name, p.stat().st_mtime_ns) for p in (root / "milvus").iterdir()) == before


def test_the_cli_builds_a_milvus_index(cli, tmp_path):
    assert cli("demo", "--out", tmp_path / "demo", "--videos", "3")[0] == 0
    assert cli("train", "--model", "cca", "--name", "m", "--text", "tfidf", "--visual", "demo-cnn")[0] == 0
    code, out, err = cli("index", "--model", "m", "--out", tmp_path / "ix", "--backend", "milvus")
    assert code == 0, err
    assert "Flat (pymilvus " in out + err
    code, out, err = cli("query", "anchor_1", "--model", "m", "--index", tmp_path / "ix", "-k", "3", "--json")
    assert code == 0, err


def test_an_unreachable_server_is_refused_before_any_write(cli, tmp_path):
    assert cli("demo", "--out", tmp_path / "demo", "--videos", "3")[0] == 0
    assert cli("train", "--model", "cca", "--name", "m", "--text", "tfidf", "--visual", "demo-cnn")[0] == 0
    code, out, err = cli("index", "--model", "m", "--out", tmp_path / "ix", "--backend", "milvus",
                         "--uri", "http://127.0.0.1:1")
    assert code == 3 and "--uri: cannot reach Milvus at http://127.0.0.1:1" in out + err
    assert "Traceback" not in out + err and not (tmp_path / "ix").exists()
