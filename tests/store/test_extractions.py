"""The extraction log: who made each video's vectors, replaced on re-extraction, deleted with its keyframes."""

import numpy as np
import pytest

from hyperlink.errors import InputError
from hyperlink.parsed import Parsed
from hyperlink.types import Video
from hyperlink.store.extractions import extractions, forget_keyframes, record_extraction


@pytest.fixture
def two_videos(store):
    with store.transaction() as tx:
        tx.add_videos(Parsed("c.txt", [Video("a", 100.0), Video("b", 50.0)], [1, 2]))
        space = tx.ensure_space("cnn", "visual", 2, "test")
        tx.add_keyframes("k.csv", [1, 2, 3], ["a", "a", "b"], np.array([0.0, 5.0, 0.0]),
                         np.ones((3, 2), np.float32), space)
    return store, space


def test_record_and_list(two_videos):
    store, space = two_videos
    with store.transaction() as tx:
        record_extraction(tx, "a", space, "cnn-x", "1", 2)
        record_extraction(tx, "b", space, "cnn-x", "1", 1)
    got = [(e.video, e.space, e.extractor, e.version, e.items) for e in extractions(store)]
    assert got == [("a", "cnn", "cnn-x", "1", 2), ("b", "cnn", "cnn-x", "1", 1)]
    assert extractions(store, "other") == []


def test_a_new_record_replaces_the_old_one(two_videos):
    store, space = two_videos
    with store.transaction() as tx:
        record_extraction(tx, "a", space, "cnn-x", "1", 2)
    with store.transaction() as tx:
        record_extraction(tx, "a", space, "cnn-x", "2", 3)
    assert [(e.version, e.items) for e in extractions(store)] == [("2", 3)]


def test_forget_deletes_one_videos_keyframes_and_record(two_videos):
    store, space = two_videos
    with store.transaction() as tx:
        record_extraction(tx, "a", space, "cnn-x", "1", 2)
        assert forget_keyframes(tx, "a", space) == 2
    videos, times, _ = store.keyframes("cnn")
    assert videos == ["b"] and extractions(store) == []


def test_a_failed_transaction_leaves_no_record(two_videos):
    store, space = two_videos
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            record_extraction(tx, "a", space, "cnn-x", "1", 2)
            raise RuntimeError("decoder crashed")
    assert extractions(store) == []


def test_unknown_video_is_an_input_error(two_videos):
    store, space = two_videos
    with pytest.raises(InputError, match="unknown video 'zz'"):
        with store.transaction() as tx:
            record_extraction(tx, "zz", space, "cnn-x", "1", 0)
