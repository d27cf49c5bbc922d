import numpy as np
import pytest

from hyperlink.errors import InputError
from hyperlink.link import LinkOptions, filter_targets
from hyperlink.types import Segment, Span

SEGMENTS = {
    1: Segment("v1", 100, 160, id=1),  # overlaps the anchor v1 [150, 200]
    2: Segment("v1", 200, 260, id=2),  # touches the anchor's end: overlap (closed intervals)
    3: Segment("v1", 201, 261, id=3),  # after the anchor: fine
    4: Segment("v2", 0, 60, id=4),
    5: Segment("v2", 30, 90, id=5),  # overlaps 4, which ranks better
    6: Segment("v2", 60, 65, id=6),  # 5 s: too short
    7: Segment("v3", 0, 130, id=7),  # 130 s: too long
    8: Segment("v4", 0, 60, id=8),  # blacklisted video
    9: Segment("v2", 90.4, 150.2, id=9),  # rounds to 90-150: no overlap with 4 (0-60)
}
ANCHOR = Span("v1", 150, 200)


def run(order, k=10, **kw):
    ids = np.array(order)
    scores = np.linspace(1, 0, len(order))
    hits = filter_targets(ANCHOR, scores, ids, SEGMENTS, {"v4"}, LinkOptions(k, **kw))
    return [h.segment_id for h in hits]


def test_rules_on_hand_made_overlaps():
    assert run([1, 2, 3, 4, 5, 6, 7, 8, 9]) == [3, 4, 9]


def test_better_ranked_target_wins_an_overlap():
    assert run([5, 4]) == [5]


def test_exclude_anchor_video():
    assert run([3, 4], exclude_anchor_video=True) == [4]


def test_k_stops_the_walk_and_padding_ids_are_skipped():
    assert run([-1, 3, 4, 9], k=2) == [3, 4]


def test_times_are_whole_seconds():
    hits = filter_targets(ANCHOR, np.array([1.0]), np.array([9]), SEGMENTS, set(), LinkOptions(5))
    assert (hits[0].start, hits[0].end) == (90.0, 150.0)


@pytest.mark.parametrize("k", [0, 1001])
def test_k_within_the_run_limit(k):
    with pytest.raises(InputError, match="k must be within 1-1000"):
        LinkOptions(k)


def test_touching_targets_are_both_kept():
    segments = {1: Segment("v2", 0, 60, id=1), 2: Segment("v2", 60, 120, id=2)}
    hits = filter_targets(ANCHOR, np.array([1.0, 0.9]), np.array([1, 2]), segments, set(), LinkOptions(5))
    assert [h.segment_id for h in hits] == [1, 2]


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    """The demo collection with a CCA model and its index (built in chunks of 7 segments)."""
    from hyperlink.cli import main
    from hyperlink.index import build_index, default_index_dir
    from hyperlink.parsed import Parsed
    from hyperlink.store import Store

    root = tmp_path_factory.mktemp("link")
    db = str(root / "store.db")
    assert main(["-q", "--db", db, "demo", "--out", str(root / "demo"), "--videos", "8", "--seed", "3"]) == 0
    assert main(["-q", "--db", db, "train", "--model", "cca", "--name", "m", "--text", "tfidf", "--visual", "demo-cnn"]) == 0
    store = Store.open(db)
    with store.transaction() as tx:  # targets from this video must never be returned
        tx.set_blacklist(Parsed("blacklist.txt", [store.videos()[1].id], [1]))
    build_index(store, "m", default_index_dir(db, "m"), factory="Flat", device="cpu", chunk_rows=7)
    yield store, default_index_dir(db, "m")
    store.close()


def naive_run(store, linker, anchors, options):
    """Every Segment of the store, every joint vector at once, numpy brute force: the reference."""
    from hyperlink.evaluate.trec import RunLine

    m = store.segment_matrix(linker.record.text_space, linker.record.visual_space)
    emb = linker.model.embed(m.text, m.visual, m.has_text, m.has_visual, readout=linker.readout)
    x, ids = emb.vectors, m.segment_ids[emb.kept_index]
    segments = {s.id: s for s in store.segments()}
    blacklisted = {v.id for v in store.videos() if v.blacklisted}
    vectors, _ = linker.vectors_with_context([a.span for a in anchors])
    lines = []
    for anchor, vector in zip(anchors, vectors):
        scores = x @ vector
        order = np.lexsort((ids, -scores))
        hits = filter_targets(anchor.span, scores[order], ids[order], segments, blacklisted, options)
        lines += [RunLine(anchor.id, h.video, h.start, h.end, r, h.score, "r") for r, h in enumerate(hits, 1)]
    return lines


@pytest.mark.parametrize("options", [LinkOptions(50), LinkOptions(1000), LinkOptions(20, exclude_anchor_video=True)])
def test_linker_with_the_side_table_gives_the_naive_run(demo_store, options):
    from hyperlink.index import SegmentLookup
    from hyperlink.link import Linker

    store, index_dir = demo_store
    linker = Linker(store, "m", index_dir, device="cpu")
    assert isinstance(linker.segments, SegmentLookup) and len(linker.segments) == len(store.segments())
    anchors = store.anchors()
    blacklisted = {v.id for v in store.videos() if v.blacklisted}
    lines, empty, _ = linker.run(anchors, "r", options)
    expected = naive_run(store, linker, anchors, options)
    assert [(l.anchor, l.video, l.start, l.end, l.rank) for l in lines] == \
           [(l.anchor, l.video, l.start, l.end, l.rank) for l in expected]
    np.testing.assert_allclose([l.score for l in lines], [l.score for l in expected], rtol=1e-5, atol=1e-6)
    assert not empty and {l.anchor for l in lines} == {a.id for a in anchors}
    assert blacklisted and not blacklisted & {l.video for l in lines}


def test_searches_stay_within_a_gpu_index_depth_limit(demo_store):
    """faiss-gpu answers at most 2048 neighbours per search: the linker never asks for more there.
    Simulated on the CPU path with a tiny limit, so the capped walk is exercised."""
    from hyperlink.link import Linker

    store, index_dir = demo_store
    linker = Linker(store, "m", index_dir, device="cpu")
    linker.index.max_k = 40
    asked = []
    search = linker.index.search
    linker.index.search = lambda q, k: asked.append(k) or search(q, k)
    lines, empty, _ = linker.run(store.anchors(), "r", LinkOptions(30))
    assert asked and max(asked) <= 40
    assert lines and all(l.rank <= 30 for l in lines)
