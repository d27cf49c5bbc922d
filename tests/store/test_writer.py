import numpy as np
import pytest

from hyperlink.errors import InputError, StoreError
from hyperlink.parsed import Parsed
from hyperlink.types import Anchor, Cue, Judgment, Segment, Video


def parsed(path, *items):
    p = Parsed(path)
    for i, item in enumerate(items):
        p.add(item, i + 1)
    return p


@pytest.fixture
def videos(store):
    with store.transaction() as tx:
        tx.add_videos(parsed("c.txt", Video("a", 100.0), Video("b", 300.0)))
    return store


def test_videos_are_added_once(videos):
    with videos.transaction() as tx:
        r = tx.add_videos(parsed("c.txt", Video("a", 100.0), Video("c", 50.0)))
    assert (r.added, r.skipped) == (1, 1)
    assert [v.id for v in videos.videos()] == ["a", "b", "c"]


def test_conflicting_duration_names_file_and_line(videos):
    with pytest.raises(InputError, match=r"^c2.txt:2: video 'b' is already in the store with duration 300 s"):
        with videos.transaction() as tx:
            tx.add_videos(parsed("c2.txt", Video("z", 10.0), Video("b", 200.0)))
    assert [v.id for v in videos.videos()] == ["a", "b"]  # z rolled back with the rest


def test_cue_for_unknown_video_is_refused_and_nothing_written(videos):
    with pytest.raises(InputError, match=r"^t.jsonl:2: unknown video 'nope'; ingest the collection list"):
        with videos.transaction() as tx:
            tx.add_cues(parsed("t.jsonl", Cue("a", 0, 5, "hello"), Cue("nope", 0, 5, "x")))
    assert videos.counts()["cues"] == 0


def test_span_beyond_the_video_is_refused(videos):
    with pytest.raises(InputError, match=r"^t.jsonl:1: cue ends at 102 s, beyond the end of video 'a' \(100 s\)"):
        with videos.transaction() as tx:
            tx.add_cues(parsed("t.jsonl", Cue("a", 90, 102, "late")))
    with videos.transaction() as tx:  # within the one-second slack of whole-second durations
        assert tx.add_cues(parsed("t.jsonl", Cue("a", 90, 100.5, "ok"))).added == 1


def test_cues_reingested_add_nothing(videos):
    cues = parsed("t.jsonl", Cue("a", 0, 5, "hello"), Cue("a", 5, 9, "world"))
    with videos.transaction() as tx:
        assert tx.add_cues(cues).added == 2
    with videos.transaction() as tx:
        assert tx.add_cues(cues).skipped == 2
    assert videos.counts()["cues"] == 2


def test_feature_space_dim_conflict(videos):
    with videos.transaction() as tx:
        tx.ensure_space("cnn", "visual", 4)
    with pytest.raises(StoreError, match="already holds 4-d visual vectors; these are 5-d visual"):
        with videos.transaction() as tx:
            tx.ensure_space("cnn", "visual", 5)


def test_keyframes_checked_and_idempotent(videos):
    vecs = np.arange(8, dtype=np.float32).reshape(2, 4)
    with videos.transaction() as tx:
        fs = tx.ensure_space("cnn", "visual", 4)
        assert tx.add_keyframes("k.csv", [2, 3], ["a", "a"], np.array([0.0, 5.0]), vecs, fs).added == 2
    with videos.transaction() as tx:
        assert tx.add_keyframes("k.csv", [2, 3], ["a", "a"], np.array([0.0, 5.0]), vecs, fs).skipped == 2
    bad = vecs.copy()
    bad[1, 2] = np.nan
    with pytest.raises(InputError, match=r"^k.csv:3: cnn vectors contains NaN or infinite values"):
        with videos.transaction() as tx:
            tx.add_keyframes("k.csv", [2, 3], ["b", "b"], np.array([0.0, 5.0]), bad, fs)
    with pytest.raises(InputError, match=r"^k.csv: cnn vectors: vectors have 3 values; the feature space expects 4"):
        with videos.transaction() as tx:
            tx.add_keyframes("k.csv", [2], ["b"], np.array([0.0]), vecs[:1, :3], fs)
    videos_, times, got = videos.keyframes("cnn")
    assert videos_ == ["a", "a"] and times.tolist() == [0.0, 5.0]
    np.testing.assert_array_equal(got, vecs)


def test_segment_vectors_round_trip_with_missing_rows(videos):
    segs = [Segment("a", 0, 60), Segment("a", 30, 90), Segment("b", 0, 60)]
    text = np.array([[1, 0], [0, 0], [0, 1]], np.float32)
    with videos.transaction() as tx:
        ids, added = tx.add_segments(segs)
        fs = tx.ensure_space("w2v", "text", 2)
        tx.set_segment_vectors(fs, ids, text, has=np.array([True, False, True]))
    assert added == 3
    m = videos.segment_matrix("w2v", None)
    assert m.segment_ids.tolist() == ids.tolist()
    assert m.has_text.tolist() == [True, False, True]
    np.testing.assert_array_equal(m.text, text)
    assert m.visual.shape == (3, 0) and not m.has_visual.any()
    with videos.transaction() as tx:
        ids2, added2 = tx.add_segments(segs)
    assert added2 == 0 and ids2.tolist() == ids.tolist()


def test_segment_matrix_refuses_wrong_modality(videos):
    with videos.transaction() as tx:
        tx.ensure_space("w2v", "text", 2)
    with pytest.raises(StoreError, match="holds text features, not visual"):
        videos.segment_matrix(None, "w2v")
    with pytest.raises(StoreError, match=r"no feature space 'nope' in the store \(have: w2v\)"):
        videos.segment_matrix("nope", None)


def test_anchors_and_judgments(videos):
    with videos.transaction() as tx:
        tx.add_anchors(parsed("a.xml", Anchor("anchor_1", "a", 10, 40)))
        r = tx.add_judgments(parsed("q.txt", Judgment("anchor_1", "b", 0, 60, 1), Judgment("anchor_1", "b", 250, 400, 0)))
    assert r.added == 2 and "1 judged span(s) end after their video's listed duration" in r.warnings[0]
    assert videos.counts()["relevant"] == 1
    with pytest.raises(InputError, match=r"^q.txt:1: unknown anchor 'anchor_9'; ingest the anchors file first"):
        with videos.transaction() as tx:
            tx.add_judgments(parsed("q.txt", Judgment("anchor_9", "b", 0, 60, 1)))
    with pytest.raises(InputError, match=r"^q2.txt:1: anchor_1 b 0-60 is judged 1 already; this line says 0"):
        with videos.transaction() as tx:
            tx.add_judgments(parsed("q2.txt", Judgment("anchor_1", "b", 0, 60, 0)))


def test_duplicate_anchor_ids(videos):
    with pytest.raises(InputError, match=r"^a.xml:2: duplicate anchor id 'x' \(first at line 1\)"):
        with videos.transaction() as tx:
            tx.add_anchors(parsed("a.xml", Anchor("x", "a", 1, 5), Anchor("x", "b", 1, 5)))
    with videos.transaction() as tx:
        tx.add_anchors(parsed("a.xml", Anchor("x", "a", 1, 5)))
    with pytest.raises(InputError, match=r"^b.xml:1: anchor 'x' is already in the store as a 1-5 s"):
        with videos.transaction() as tx:
            tx.add_anchors(parsed("b.xml", Anchor("x", "a", 2, 5)))


def test_blacklist_marks_known_and_warns_unknown(videos):
    with videos.transaction() as tx:
        r = tx.set_blacklist(parsed("bl.txt", "a", "zzz"))
    assert r.added == 1 and "1 blacklisted id(s) are not in the collection" in r.warnings[0]
    assert [v.blacklisted for v in videos.videos()] == [True, False]


def test_segment_matrix_of_chosen_ids(videos):
    segs = [Segment("a", 0, 60), Segment("a", 30, 90), Segment("b", 0, 60)]
    with videos.transaction() as tx:
        ids, _ = tx.add_segments(segs)
        tx.set_segment_vectors(tx.ensure_space("w2v", "text", 2), ids, np.arange(6, dtype=np.float32).reshape(3, 2))
    m = videos.segment_matrix("w2v", None, ids=[int(ids[2])])
    assert m.segment_ids.tolist() == [ids[2]] and m.text.tolist() == [[4.0, 5.0]] and m.has_text.tolist() == [True]
    assert [s.video for s in videos.segments(ids=[int(ids[0])])] == ["a"]
