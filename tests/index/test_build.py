"""Building from a store chunk by chunk gives the index the whole matrix gives; updates; the segment table."""

import numpy as np
import pytest

from hyperlink.embed import concat_embeddings, embed_segments
from hyperlink.errors import MismatchError, StoreError
from hyperlink.index import SearchIndex, SegmentLookup, build_index, update_index
from hyperlink.train import load_store_model
from hyperlink.types import Segment

from .conftest import N_VIDEOS, PER_VIDEO, brute_force, whole


def test_embedding_chunks_concatenate_to_the_whole_matrix(indexed):
    store, name = indexed
    record, model = load_store_model(store, name)
    chunks = list(embed_segments(store, record, model, chunk_rows=7))
    assert len(chunks) == -(-N_VIDEOS * PER_VIDEO // 7)
    got = concat_embeddings(chunks)
    x, ids = whole(store, name)
    np.testing.assert_array_equal(got.segment_ids, ids)
    np.testing.assert_allclose(got.vectors, x, atol=1e-6)
    assert got.excluded == 1
    skipped = concat_embeddings(embed_segments(store, record, model, exclude_ids=ids[::2], chunk_rows=7))
    np.testing.assert_array_equal(skipped.segment_ids, ids[1::2])


def test_model_batches_within_a_chunk_change_nothing(indexed, monkeypatch):
    import hyperlink.embed

    store, name = indexed
    record, model = load_store_model(store, name)
    monkeypatch.setattr(hyperlink.embed, "EMBED_ROWS", 5)
    got = concat_embeddings(embed_segments(store, record, model, chunk_rows=23))
    x, ids = whole(store, name)
    np.testing.assert_array_equal(got.segment_ids, ids)
    np.testing.assert_allclose(got.vectors, x, atol=1e-6)
    assert got.excluded == 1


def test_chunked_flat_index_ranks_as_numpy_brute_force(indexed, tmp_path):
    store, name = indexed
    index = build_index(store, name, tmp_path / "idx", factory="Flat", device="cpu", chunk_rows=7)
    x, ids = whole(store, name)
    assert index.manifest.count == len(ids) == N_VIDEOS * PER_VIDEO - 1 and index.manifest.excluded == 1
    loaded = SearchIndex.load(tmp_path / "idx", device="cpu")
    assert loaded.mapped
    for searched in (index, loaded):
        scores, got = searched.search(x, 40)
        ref_scores, ref_ids = brute_force(x, ids, x, 40)
        np.testing.assert_array_equal(got, ref_ids)
        np.testing.assert_allclose(scores, ref_scores, rtol=1e-5, atol=1e-6)


def test_chunked_ivf_index_is_exact_when_every_list_is_probed(indexed, tmp_path):
    store, name = indexed
    index = build_index(store, name, tmp_path / "idx", factory="IVF4,Flat", device="cpu", chunk_rows=7)
    assert index.manifest.nprobe is not None and index.manifest.recall >= 0.95
    assert "recall@100" in index.manifest.choice
    index.set_nprobe(4)
    x, ids = whole(store, name)
    np.testing.assert_array_equal(index.search(x, 20)[1], brute_force(x, ids, x, 20)[1])
    build_index(store, name, tmp_path / "again", factory="IVF4,Flat", device="cpu", chunk_rows=7)
    assert (tmp_path / "idx" / "index.faiss").read_bytes() == (tmp_path / "again" / "index.faiss").read_bytes()


def test_segment_table_beside_the_index(indexed, tmp_path):
    store, name = indexed
    build_index(store, name, tmp_path / "idx", factory="Flat", device="cpu", chunk_rows=7)
    table = SegmentLookup.open(tmp_path / "idx")
    stored = store.segments()
    assert len(table) == len(stored)
    batch = table.batch([stored[5].id, 10_000, stored[0].id, -1])
    assert sorted(batch) == [stored[0].id, stored[5].id] and 10_000 not in batch
    assert batch[stored[5].id] == Segment(stored[5].video, stored[5].start, stored[5].end, id=stored[5].id)
    assert batch.get(-1) is None


def test_update_adds_new_and_drops_deleted_segments(indexed, tmp_path):
    store, name = indexed
    build_index(store, name, tmp_path / "idx", factory="Flat", device="cpu", chunk_rows=7)
    with store.transaction() as tx:
        ids, _ = tx.add_segments([Segment("v0", 5.0, 65.0, origin="extra"), Segment("v1", 5.0, 65.0, origin="extra")])
        tx.set_segment_vectors(store.feature_space("t"), ids, np.ones((2, 5), np.float32))
    index, added = update_index(store, tmp_path / "idx", device="cpu", chunk_rows=7)
    assert added == 2 and index.manifest.count == N_VIDEOS * PER_VIDEO + 1
    assert len(SegmentLookup.open(tmp_path / "idx")) == N_VIDEOS * PER_VIDEO + 2
    with store.transaction() as tx:
        tx.delete_segments("extra")
    index, added = update_index(store, tmp_path / "idx", device="cpu", chunk_rows=7)
    assert added == 0 and sorted(index.ids().tolist()) == sorted(whole(store, name)[1].tolist())


def test_a_missing_table_file_is_refused(indexed, tmp_path):
    store, name = indexed
    build_index(store, name, tmp_path / "idx", factory="Flat", device="cpu")
    (tmp_path / "idx" / "segment_ids.npy").unlink()
    with pytest.raises(MismatchError, match="segment_ids.npy is missing; rebuild the index with `hyperlink index --model m`"):
        SearchIndex.load(tmp_path / "idx", device="cpu")
    with pytest.raises(MismatchError, match="no segment table beside the index"):
        SegmentLookup.open(tmp_path / "idx")


def test_a_store_without_segments_is_refused(tmp_path, indexed):
    store, name = indexed
    with store.transaction() as tx:
        tx.delete_segments("window")
    with pytest.raises(StoreError, match="no segments to index; cut some with `hyperlink segment`"):
        build_index(store, name, tmp_path / "idx", device="cpu")
    assert not (tmp_path / "idx").exists()
