"""The backend registry, options each backend refuses, the manifest naming the backend, and faiss
shards (CPU shards search as the unsharded index does)."""

import json

import numpy as np
import pytest

from hyperlink.errors import InputError, MismatchError
from hyperlink.index import BACKENDS, SearchIndex, backend_class, build_index
from hyperlink.index.backends.faiss_backend import FaissIndex

from .conftest import brute_force, make_manifest, random_vectors, whole


def manifest(n, d, factory="Flat", **kw):
    return make_manifest(n, d, factory, **kw)


@pytest.fixture
def data():
    return random_vectors(3)


def test_the_registry_names_its_choices():
    assert sorted(BACKENDS) == ["faiss", "milvus", "torch"]
    assert backend_class("faiss") is FaissIndex
    with pytest.raises(InputError, match=r"unknown --backend 'annoy'; choose one of faiss, milvus, torch"):
        backend_class("annoy")


@pytest.mark.parametrize("kwargs,message", [
    (dict(backend="bogus"), "unknown --backend 'bogus'"),
    (dict(backend="torch", factory="IVF4,Flat"), "--factory 'IVF4,Flat': the torch backend searches exactly"),
    (dict(uri="http://localhost:19530"), "--uri 'http://localhost:19530' names a Milvus server; it needs --backend milvus"),
    (dict(backend="torch", shards=2), "--shards 2: only the faiss backend shards"),
    (dict(shards=0), "--shards must be at least 1"),
    (dict(factory="HNSW8", shards=2), "faiss cannot split 'HNSW8' indexes into shards"),
])
def test_options_a_backend_does_not_take_are_refused_before_any_write(indexed, tmp_path, kwargs, message):
    store, name = indexed
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace("+", r"\+")):
        build_index(store, name, tmp_path / "idx", device="cpu", **kwargs)
    assert not (tmp_path / "idx").exists()


def test_the_manifest_names_the_backend_and_load_follows_it(indexed, tmp_path):
    store, name = indexed
    for backend in ("faiss", "torch"):
        build_index(store, name, tmp_path / backend, factory="Flat", device="cpu", backend=backend)
        saved = json.loads((tmp_path / backend / "manifest.json").read_text())
        assert saved["backend"] == backend and saved["backend_version"].startswith(backend + " ")
        assert type(SearchIndex.load(tmp_path / backend, device="cpu")).backend == backend
    path = tmp_path / "faiss" / "manifest.json"
    saved = json.loads(path.read_text())
    for key in ("backend", "backend_version", "shards", "uri", "collection"):  # as an older version wrote it
        del saved[key]
    path.write_text(json.dumps(saved))
    old = SearchIndex.read_manifest(tmp_path / "faiss")
    assert old.backend == "faiss" and old.shards == 1
    saved["backend"] = "annoy"
    path.write_text(json.dumps(saved))
    with pytest.raises(MismatchError, match="written by backend 'annoy', which this version does not know"):
        SearchIndex.load(tmp_path / "faiss", device="cpu")


@pytest.mark.parametrize("shards", [2, 3, 7])
def test_cpu_shards_search_as_the_unsharded_flat_index(data, shards, tmp_path):
    x, ids, q = data
    whole_index = SearchIndex.build(x, ids, manifest(len(x), 32), device="cpu")
    sharded = SearchIndex.build(x, ids, manifest(len(x), 32, shards=shards), device="cpu")
    faiss = __import__("faiss")
    assert isinstance(sharded._search_index, faiss.IndexShards) and sharded._search_index.count() == shards
    for k in (1, 10, 500):
        got, want = sharded.search(q, k), whole_index.search(q, k)
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
    np.testing.assert_array_equal(sharded.search(q, 100)[1], brute_force(x, ids, q, 100)[1])
    sharded.save(tmp_path / "idx")  # one index.faiss whatever the layout; shards made again on load
    loaded = SearchIndex.load(tmp_path / "idx", device="cpu")
    assert loaded.manifest.shards == shards and isinstance(loaded._search_index, faiss.IndexShards)
    np.testing.assert_array_equal(loaded.search(q, 50)[1], whole_index.search(q, 50)[1])


def test_sharded_ivf_probing_every_list_is_exact(data, tmp_path):
    x, ids, q = data
    sharded = SearchIndex.build(x, ids, manifest(len(x), 32, "IVF8,Flat", shards=3), device="cpu", nprobe=8)
    assert sharded._search_index.count() == 3
    np.testing.assert_array_equal(sharded.search(q, 30)[1], brute_force(x, ids, q, 30)[1])
    sharded.save(tmp_path / "idx")
    loaded = SearchIndex.load(tmp_path / "idx", device="cpu", nprobe=8)  # read whole: faiss cannot split a mapped IVF
    assert not loaded.mapped and loaded._search_index.count() == 3
    np.testing.assert_array_equal(loaded.search(q, 30)[1], brute_force(x, ids, q, 30)[1])


def test_adding_to_a_sharded_index_reshards_it(data):
    x, ids, q = data
    sharded = SearchIndex.build(x[:1000], ids[:1000], manifest(1000, 32, shards=4), device="cpu")
    sharded.add(x[1000:], ids[1000:])
    np.testing.assert_array_equal(sharded.search(q, 40)[1], brute_force(x, ids, q, 40)[1])


def test_a_sharded_store_index_equals_the_unsharded_one(indexed, tmp_path):
    store, name = indexed
    build_index(store, name, tmp_path / "one", factory="Flat", device="cpu")
    build_index(store, name, tmp_path / "four", factory="Flat", device="cpu", shards=4)
    x, _ = whole(store, name)
    one, four = (SearchIndex.load(tmp_path / p, device="cpu") for p in ("one", "four"))
    np.testing.assert_array_equal(four.search(x, 30)[1], one.search(x, 30)[1])
    assert (tmp_path / "one" / "index.faiss").read_bytes() == (tmp_path / "four" / "index.faiss").read_bytes()


def test_the_cli_builds_each_local_backend_and_runs_give_the_same_targets(cli, tmp_path):
    assert cli("demo", "--out", tmp_path / "demo", "--videos", "4")[0] == 0
    assert cli("train", "--model", "cca", "--name", "m", "--text", "tfidf", "--visual", "demo-cnn")[0] == 0
    lines = {}
    for backend, extra in (("faiss", []), ("torch", []), ("faiss", ["--shards", "3"])):
        folder = tmp_path / f"ix-{backend}-{len(extra)}"
        code, out, err = cli("index", "--model", "m", "--out", folder, "--backend", backend, *extra, "--device", "cpu")
        assert code == 0, err
        assert f"Flat ({backend} " in out + err
        run = tmp_path / f"{folder.name}.txt"
        assert cli("run", "--model", "m", "--index", folder, "--out", run, "-k", "50", "--device", "cpu")[0] == 0
        lines[folder.name] = [line.split()[:6] for line in run.read_text().splitlines()]
    first, *rest = lines.values()
    assert first and all(other == first for other in rest)
    code, out, err = cli("index", "--model", "m", "--out", tmp_path / "bad", "--backend", "annoy")
    assert code == 3 and "unknown --backend 'annoy'; choose one of faiss, milvus, torch" in out + err
    assert not (tmp_path / "bad").exists()


def test_milvus_without_pymilvus_names_the_extra(indexed, tmp_path, monkeypatch):
    from hyperlink.errors import MissingDependency

    store, name = indexed
    monkeypatch.setitem(__import__("sys").modules, "pymilvus", None)  # as if the extra were not installed
    with pytest.raises(MissingDependency, match=r"--backend milvus needs pymilvus: `pip install -e '\.\[milvus\]'`"):
        build_index(store, name, tmp_path / "idx", device="cpu", backend="milvus")
    assert not (tmp_path / "idx").exists()
