import numpy as np
import pytest

from hyperlink.errors import HyperlinkError, InputError, MismatchError, MissingDependency
from hyperlink.index import SearchIndex, faiss_module, gpu_available

from .conftest import flip_byte, make_manifest, random_vectors


def manifest(n, d, factory="Flat", **kw):
    return make_manifest(n, d, factory, **kw)


@pytest.fixture
def data():
    return random_vectors(7)


def brute_force(x, ids, q, k):
    scores = q @ x.T
    order = np.lexsort((np.broadcast_to(ids, scores.shape), -scores), axis=1)[:, :k]
    return np.take_along_axis(scores, order, 1), ids[order]


def test_exact_index_equals_numpy_brute_force(data):
    x, ids, q = data
    index = SearchIndex.build(x, ids, manifest(len(x), 32), device="cpu")
    scores, got = index.search(q, 100)
    ref_scores, ref_ids = brute_force(x, ids, q, 100)
    np.testing.assert_array_equal(got, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-5, atol=1e-6)


def test_ties_are_broken_by_ascending_id():
    x = np.ones((5, 4), np.float32) / 2
    index = SearchIndex.build(x, np.array([9, 3, 7, 1, 5]), manifest(5, 4), device="cpu")
    _, got = index.search(x[:1], 5)
    assert got.tolist() == [[1, 3, 5, 7, 9]]


@pytest.mark.parametrize("factory", ["IVF16,Flat", "HNSW16"])
def test_approximate_indexes_find_most_neighbours(data, factory):
    x, ids, q = data
    index = SearchIndex.build(x, ids, manifest(len(x), 32, factory), device="cpu", nprobe=8)
    _, got = index.search(x[:20], 10)  # a vector's own id must come first
    assert (got[:, 0] == ids[:20]).mean() >= 0.9


def test_save_load_round_trip_and_manifest_checks(data, tmp_path):
    x, ids, q = data
    SearchIndex.build(x, ids, manifest(len(x), 32), device="cpu").save(tmp_path / "idx")
    loaded = SearchIndex.load(tmp_path / "idx", device="cpu")
    np.testing.assert_array_equal(loaded.search(q, 10)[1], brute_force(x, ids, q, 10)[1])
    assert sorted(loaded.ids().tolist()) == sorted(ids.tolist())
    loaded.manifest.check(model_checksum="abc", store_fingerprint="fp")
    with pytest.raises(MismatchError, match=r"stale \(store_fingerprint: index has 'fp', now 'new'\).*hyperlink index --model m"):
        loaded.manifest.check(model_checksum="abc", store_fingerprint="new")


def test_add_without_rebuild(data):
    x, ids, q = data
    index = SearchIndex.build(x[:1500], ids[:1500], manifest(1500, 32), device="cpu")
    index.add(x[1500:], ids[1500:])
    assert index.manifest.count == 2000
    np.testing.assert_array_equal(index.search(q, 50)[1], brute_force(x, ids, q, 50)[1])


def test_bad_directory_and_factory(tmp_path, data):
    x, ids, _ = data
    with pytest.raises(InputError, match="not an index directory"):
        SearchIndex.load(tmp_path)
    with pytest.raises(InputError, match="faiss cannot build index 'Bogus'"):
        SearchIndex.build(x, ids, manifest(len(x), 32, "Bogus"), device="cpu")
    with pytest.raises(InputError, match="needs at least 4096 vectors to train"):
        SearchIndex.build(x, ids, manifest(len(x), 32, "IVF4096,Flat"), device="cpu")


def test_device_falls_back_to_cpu_without_a_gpu(data):
    x, ids, _ = data
    index = SearchIndex.build(x, ids, manifest(len(x), 32), device="auto")
    assert index.device == ("gpu" if gpu_available() else "cpu")
    if not gpu_available():
        with pytest.raises(MissingDependency, match="faiss reports no GPU"):
            index.to_device("gpu")


def test_tampered_index_file_is_refused(data, tmp_path):
    x, ids, _ = data
    SearchIndex.build(x, ids, manifest(len(x), 32), device="cpu").save(tmp_path / "idx")
    flip_byte(tmp_path / "idx" / "index.faiss", -5)
    with pytest.raises(MismatchError, match=r"index\.faiss: sha256 .* differs from the manifest's .*"
                                            r"rebuild the index with `hyperlink index --model m`"):
        SearchIndex.load(tmp_path / "idx", device="cpu")


def test_save_replaces_an_index_whole_or_not_at_all(data, tmp_path):
    x, ids, q = data
    SearchIndex.build(x[:100], ids[:100], manifest(100, 32), device="cpu").save(tmp_path / "idx")
    bigger = SearchIndex.build(x, ids, manifest(len(x), 32), device="cpu")

    def fail(folder):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        bigger.save(tmp_path / "idx", extra=fail)
    assert SearchIndex.load(tmp_path / "idx", device="cpu").manifest.count == 100  # the old one, intact
    bigger.save(tmp_path / "idx", extra=lambda folder: (folder / "note.txt").write_text("beside\n"))
    loaded = SearchIndex.load(tmp_path / "idx", device="cpu")
    assert loaded.manifest.count == len(x) and set(loaded.manifest.checksums) == {"index.faiss", "note.txt"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]  # no temporary folder left behind


def test_save_refuses_to_replace_a_folder_that_is_not_an_index(data, tmp_path):
    x, ids, _ = data
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(InputError, match="holds no index .*refusing to replace it"):
        SearchIndex.build(x, ids, manifest(len(x), 32), device="cpu").save(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_memory_mapped_index_is_read_only(data, tmp_path):
    x, ids, q = data
    SearchIndex.build(x, ids, manifest(len(x), 32), device="cpu").save(tmp_path / "idx")
    mapped = SearchIndex.load(tmp_path / "idx", device="cpu")
    assert mapped.mapped
    np.testing.assert_array_equal(mapped.search(q, 10)[1], brute_force(x, ids, q, 10)[1])
    with pytest.raises(HyperlinkError, match="memory-mapped"):
        mapped.add(x[:1], np.array([99_999]))
    writable = SearchIndex.load(tmp_path / "idx", device="cpu", mmap=False)
    writable.add(x[:1], np.array([99_999]))
    assert not writable.mapped and writable.manifest.count == len(x) + 1


def test_ivf_probes_more_lists_when_they_hold_fewer_than_k(data):
    x, ids, q = data
    index = SearchIndex.build(x, ids, manifest(len(x), 32, "IVF16,Flat"), device="cpu", nprobe=1)
    _, few = index.search(q, 20)
    _, many = index.search(q, 1000)  # about 125 vectors a list: one list cannot give 1000
    assert (many >= 0).all() and (few >= 0).all()
    assert len(np.unique(many[0])) == 1000
    faiss = faiss_module()
    assert faiss.extract_index_ivf(index.index).nprobe == 1  # restored
