"""cut_segments: batched cutting equals the naive whole-collection cut; replace-on-resegment; one transaction."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from hyperlink.demo import DemoSpec, generate_demo
from hyperlink.ingest.encode import encode_text
from hyperlink.ingest.load import load_blacklist, load_collection, load_keyframes, load_transcripts
from hyperlink.segment import WindowSpec, cut_segments, cut_windows, snap_to_cues, text_features, visual_features
from hyperlink.store import Store
from hyperlink.types import Segment

SNAPPED = WindowSpec(60.0, 30.0, snap=True)


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("cut")
    files = generate_demo(root / "demo", DemoSpec(videos=8, seed=5))
    (root / "black.txt").write_text("news0006\n")
    return files, root / "black.txt"


@pytest.fixture
def demo(tmp_path, demo_files):
    """A store with the demo's videos (one blacklisted), cues with tf-idf vectors and keyframes; no segments."""
    files, black = demo_files
    store = Store.open(tmp_path / "demo.db")
    load_collection(store, files.collection)
    load_blacklist(store, black)
    load_transcripts(store, [files.transcripts])
    load_keyframes(store, files.keyframes, "demo-cnn", files.keyframe_index)
    encode_text(store, "tfidf", "tfidf-svd", 16, 0)
    yield store
    store.close()


def naive_cut(store: Store, spec: WindowSpec) -> dict[tuple[str, float, float], dict[str, tuple]]:
    """Every window of the collection with its features, cut and aggregated video by video from whole reads."""
    bounds = defaultdict(list)
    for c in store.cues()[1]:
        bounds[c.video].append((c.start, c.end))
    out = {}
    for video in store.videos():
        if video.blacklisted:
            continue
        spans = cut_windows(video.duration, spec)
        if spec.snap and bounds.get(video.id):
            b = np.array(sorted(bounds[video.id]))
            spans = snap_to_cues(spans, b[:, 0], b[:, 1], spec.stride / 2)
        spans = np.unique(spans, axis=0)
        _, starts, ends, cue_vecs = store.cue_vectors("tfidf", video=video.id)
        _, times, key_vecs = store.keyframes("demo-cnn", video=video.id)
        text, has_text = text_features(spans, starts, ends, cue_vecs)
        visual, has_visual = visual_features(spans, times, key_vecs)
        for k, (s, e) in enumerate(spans):
            out[(video.id, float(s), float(e))] = {"tfidf": (text[k], has_text[k]), "demo-cnn": (visual[k], has_visual[k])}
    return out


def stored(store: Store, origin: str = "window") -> dict[tuple[str, float, float], dict[str, tuple]]:
    m = store.segment_matrix("tfidf", "demo-cnn", origin=origin)
    segs = store.segments(origin=origin)
    assert [s.id for s in segs] == m.segment_ids.tolist()
    return {(s.video, s.start, s.end): {"tfidf": (m.text[i], m.has_text[i]), "demo-cnn": (m.visual[i], m.has_visual[i])}
            for i, s in enumerate(segs)}


def assert_same(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for key, spaces in want.items():
        for name, (vector, has) in spaces.items():
            assert bool(got[key][name][1]) == bool(has), (key, name)
            np.testing.assert_array_equal(got[key][name][0], vector if has else np.zeros_like(vector), err_msg=str(key))


@pytest.mark.parametrize("spec", [SNAPPED, WindowSpec(45.0, 20.0)])
def test_batched_cut_equals_the_naive_whole_collection_cut(demo, spec):
    calls = []
    report = cut_segments(demo, spec, lambda done, total: calls.append((done, total)), batch=3)
    want = naive_cut(demo, spec)
    assert_same(stored(demo), want)
    assert report.videos == 7 and report.segments == report.added == len(want)
    assert calls == [(3, 7), (6, 7), (7, 7)]  # one call per batch of 3 videos; the blacklisted one is not cut
    assert not any(video == "news0006" for video, _, _ in want)
    assert report.with_vectors == {"tfidf": sum(bool(v["tfidf"][1]) for v in want.values()),
                                   "demo-cnn": sum(bool(v["demo-cnn"][1]) for v in want.values())}
    recorded = {"length": spec.length, "stride": spec.stride, "snap": spec.snap}
    assert demo.window_spec() == (recorded | {"cues": demo.count_cues()} if spec.snap else recorded)


def test_batch_size_does_not_change_the_result(demo, tmp_path, demo_files):
    cut_segments(demo, SNAPPED, batch=1)
    one = stored(demo)
    other = Store.open(tmp_path / "other.db")
    files, black = demo_files
    load_collection(other, files.collection, black)
    load_transcripts(other, [files.transcripts])
    load_keyframes(other, files.keyframes, "demo-cnn", files.keyframe_index)
    encode_text(other, "tfidf", "tfidf-svd", 16, 0)
    cut_segments(other, SNAPPED, batch=100)
    assert_same(stored(other), one)
    other.close()


def test_same_spec_again_keeps_the_windows_and_picks_up_new_spaces(demo):
    first = cut_segments(demo, SNAPPED, batch=3)
    ids = [s.id for s in demo.segments()]
    _, times, vectors = demo.keyframes("demo-cnn")
    videos = demo.keyframes("demo-cnn")[0]
    with demo.transaction() as tx:  # a second visual space appears after the first cut
        fs = tx.ensure_space("half-cnn", "visual", vectors.shape[1] // 2)
        tx.add_keyframes("half.npy", list(range(1, len(times) + 1)), videos, times, vectors[:, ::2], fs)
    again = cut_segments(demo, SNAPPED, batch=3)
    assert [s.id for s in demo.segments()] == ids
    assert (again.added, again.removed, again.previous) == (0, 0, None)
    assert again.segments == first.segments
    assert again.with_vectors["demo-cnn"] == first.with_vectors["demo-cnn"] == again.with_vectors["half-cnn"]
    assert_same(stored(demo), naive_cut(demo, SNAPPED))
    m = demo.segment_matrix(None, "half-cnn")
    np.testing.assert_allclose(m.visual, demo.segment_matrix(None, "demo-cnn").visual[:, ::2], rtol=1e-6, atol=1e-6)


def test_another_spec_replaces_the_windows_and_leaves_imported_segments_alone(demo):
    with demo.transaction() as tx:  # an imported segment, one of them on exactly a window's span
        w2v = tx.ensure_space("w2v", "text", 3)
        ids, _ = tx.add_segments([Segment("news0000", 5.0, 25.0, origin="imported"),
                                  Segment("news0001", 0.0, 60.0, origin="imported")])
        tx.set_segment_vectors(w2v, ids, np.array([[1, 2, 3], [4, 5, 6]], np.float32))
        tfidf = demo.feature_space("tfidf")
        tx.set_segment_vectors(tfidf, ids[1:], np.full((1, 16), 0.25, np.float32))
    imported = demo.segments(origin="imported")
    before = cut_segments(demo, WindowSpec(60.0, 30.0), batch=3)
    assert before.removed == 0 and before.segments == before.added + 1  # one window is the imported span
    report = cut_segments(demo, WindowSpec(30.0, 15.0), batch=3)
    assert report.removed == before.added
    assert report.previous == {"length": 60.0, "stride": 30.0, "snap": False}
    assert report.spec == {"length": 30.0, "stride": 15.0, "snap": False}
    windows = demo.segments(origin="window")
    assert len(windows) == report.added == report.segments
    assert {round(s.end - s.start, 6) for s in windows} <= {30.0} | {v.duration for v in demo.videos()}
    assert demo.segments(origin="imported") == imported
    m = demo.segment_matrix("w2v", "demo-cnn", origin="imported")
    assert m.text.tolist() == [[1, 2, 3], [4, 5, 6]]
    np.testing.assert_array_equal(demo.segment_matrix("tfidf", None, ids=[imported[1].id]).text, 0.25)
    assert demo.window_spec() == report.spec
    assert_same(stored(demo), naive_cut(demo, WindowSpec(30.0, 15.0)))


def test_snapped_windows_are_recut_when_cues_were_added(demo, tmp_path):
    first = cut_segments(demo, SNAPPED, batch=3)
    # a new cue ending 2 s before the first window's end: that window now snaps to it
    (tmp_path / "more.jsonl").write_text('{"video": "news0000", "start": 50.0, "end": 58.0, "text": "breaking news"}\n')
    load_transcripts(demo, [tmp_path / "more.jsonl"])
    encode_text(demo, "tfidf", "tfidf-svd", 16, 0)
    again = cut_segments(demo, SNAPPED, batch=3)
    assert again.removed == first.segments and again.previous == first.spec
    assert again.spec["cues"] == first.spec["cues"] + 1
    assert_same(stored(demo), naive_cut(demo, SNAPPED))  # no window of the old cut is left over
    assert ("news0000", 0.0, 58.0) in stored(demo)


def test_a_failure_leaves_the_store_as_it_was(demo, monkeypatch):
    from hyperlink.store import Writer

    cut_segments(demo, WindowSpec(60.0, 30.0), batch=3)
    before, spec = stored(demo), demo.window_spec()
    real = Writer.set_segment_vectors
    calls = []

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 4:  # the second batch
            raise RuntimeError("disk full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Writer, "set_segment_vectors", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        cut_segments(demo, WindowSpec(30.0, 15.0), batch=3)
    monkeypatch.undo()
    assert demo.window_spec() == spec
    assert_same(stored(demo), before)
