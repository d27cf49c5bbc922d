"""`train_from_store`: the store's features streamed through a feature cache give the model the whole matrix gives."""

import numpy as np
import pytest

from hyperlink.errors import InputError, StoreError
from hyperlink.models import train_model
from hyperlink.parsed import Parsed
from hyperlink.train import load_store_model, train_from_store
from hyperlink.types import Segment, Video

from .conftest import FAST, make_pairs


@pytest.fixture
def filled(store):
    """40 one-minute segments over 4 videos with text (5-d) and visual (7-d) vectors, some missing."""
    a, b, has_a, has_b = make_pairs()
    videos = [Video(f"v{i}", 600.0) for i in range(4)]
    segments = [Segment(f"v{i // 10}", 60.0 * (i % 10), 60.0 * (i % 10) + 60.0) for i in range(40)]
    with store.transaction() as tx:
        tx.add_videos(Parsed("videos", videos, list(range(1, 5))))
        ids, _ = tx.add_segments(segments)
        text, visual = tx.ensure_space("t", "text", 5), tx.ensure_space("v", "visual", 7)
        tx.set_segment_vectors(text, ids, a, has=has_a)
        tx.set_segment_vectors(visual, ids, b, has=has_b)
    return store


@pytest.mark.parametrize("kind", ["bidnn", "cca"])
def test_streamed_training_matches_the_whole_matrix_and_is_recorded(filled, kind, tmp_path):
    settings = FAST[kind] | ({"device": "cpu", "scaling": "zscore"} if kind == "bidnn" else {})
    record, model, result = train_from_store(filled, kind, "m", "t", "v", settings, tmp_path / "models", chunk_rows=6)
    m = filled.segment_matrix("t", "v")
    whole, _ = train_model(kind, m.text, m.visual, m.has_text, m.has_visual, settings)
    assert record.config["fingerprint"] == model.fingerprint == whole.fingerprint
    assert record.config["segments"] == 40 and record.config["complete_pairs"] == 35
    np.testing.assert_allclose(model.embed(m.text, m.visual, m.has_text, m.has_visual).vectors,
                               whole.embed(m.text, m.visual, m.has_text, m.has_visual).vectors, atol=1e-5)
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["m.safetensors"]  # the cache is gone
    _, loaded = load_store_model(filled, "m")
    assert loaded.fingerprint == whole.fingerprint


def test_an_empty_store_and_a_failed_fit_leave_no_cache(filled, tmp_path):
    with filled.__class__.open(tmp_path / "empty.db") as empty, pytest.raises(StoreError, match="the store has no segments"):
        train_from_store(empty, "bidnn", "m", None, None, {}, tmp_path / "a")
    with pytest.raises(InputError, match="lr must be > 0"):
        train_from_store(filled, "bidnn", "m", "t", "v", {"hidden": 8, "rep": 6, "lr": -1}, tmp_path / "b")
    assert list((tmp_path / "a").iterdir()) == list((tmp_path / "b").iterdir()) == []


def test_caches_of_killed_trainings_are_removed(tmp_path):
    import os

    from hyperlink.train import _remove_stale_caches

    dead = tmp_path / ".m.features-999999999-abc"
    mine = tmp_path / f".m.features-{os.getpid()}-def"
    other = tmp_path / "not-ours"
    for d in (dead, mine, other):
        d.mkdir()
    _remove_stale_caches(tmp_path)
    assert not dead.exists() and mine.exists() and other.exists()
