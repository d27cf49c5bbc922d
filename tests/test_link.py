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


def test_why_empty_names_the_rules_that_refused_every_candidate():
    from hyperlink.link import why_empty

    short = {1: Segment("v9", 0, 8, id=1), 2: Segment("v9", 0, 9, id=2)}
    text = why_empty(Span("v1", 0, 5), np.array([1, 2, -1]), short, set(), LinkOptions(5))
    assert text == ("no target returned: of the 2 nearest candidate segments, 2 last under 10 s, the shortest "
                    "target a run may return (a video shorter than that has no possible target)")
    text = why_empty(ANCHOR, np.array([1, 8, 7]), SEGMENTS, {"v4"}, LinkOptions(5))
    assert "1 overlap the query span itself" in text and "1 lie in blacklisted videos" in text
    assert "1 last over 120 s" in text
    assert why_empty(ANCHOR, np.array([], np.int64), SEGMENTS, set(), LinkOptions(5)).startswith("the index holds no")


def test_format_clock():
    from hyperlink.link import format_clock, span_text

    assert format_clock(0) == "0:00:00" and format_clock(59.6) == "0:01:00" and span_text(508, 569) == "0:08:28-0:09:29"


@pytest.fixture(scope="module")
def demo_db(demo_store):
    return str(demo_store[1].parents[1] / "store.db")


def test_query_shows_anchor_text_clock_times_judgments_and_wide_snippets(demo_store, demo_db, cli):
    import re

    store, _ = demo_store
    anchor = store.anchors()[0]
    code, out, err = cli("query", anchor.id, "--model", "m", "-k", "5", "--device", "cpu", db_path=demo_db)
    assert code == 0, err
    lines = out.splitlines()
    assert re.fullmatch(rf"{anchor.id}: {anchor.video} \d:\d\d:\d\d-\d:\d\d:\d\d \(\d+ s\)", lines[0].rstrip())
    cues = store.cues(anchor.video)[1]
    first = next(c.text for c in cues if c.start < anchor.end and c.end > anchor.start)
    assert first.split()[0] in lines[1]
    rows = [l for l in lines if l.startswith("│")]
    assert len(rows) == 5 and all(re.search(r"│ \d:\d\d:\d\d-\d:\d\d:\d\d │", r) for r in rows)
    marks = {r.split("│")[2].strip() for r in rows}
    assert marks <= {"yes", "no", "-"} and "rel: the stored judgments of" in out
    assert max(len(l) for l in lines) <= 80  # the test console is 80 wide: the snippets fill it, no more
    assert all(len(r) == 80 for r in rows)


def test_query_json_has_text_and_relevance(demo_store, demo_db, cli):
    import json

    from hyperlink.evaluate.relevance import Ranking, build_qrels, label_segments

    store, _ = demo_store
    anchor = store.anchors()[0]
    code, out, err = cli("query", anchor.id, "--model", "m", "-k", "8", "--json", "--device", "cpu", db_path=demo_db)
    doc = json.loads(out)
    assert code == 0 and doc["text"] and doc["reason"] is None and len(doc["hits"]) == 8
    qrels = build_qrels([j for j in store.judgments() if j.anchor == anchor.id])[anchor.id]
    expected = label_segments(Ranking.of(anchor.id, [(h["video"], h["start"], h["end"]) for h in doc["hits"]]), qrels)
    assert "".join("-" if h["relevant"] is None else str(h["relevant"]) for h in doc["hits"]) == expected
    assert all(isinstance(h["text"], str) for h in doc["hits"]) and any(h["text"] for h in doc["hits"])


def test_query_that_returns_nothing_says_why(demo_store, demo_db, cli):
    """Every video but the query's own blacklisted, and --exclude-video: nothing is left (exit 0)."""
    import json

    from hyperlink.parsed import Parsed
    from hyperlink.store import Store

    store, _ = demo_store
    anchor = store.anchors()[0]
    others = [v.id for v in store.videos() if v.id != anchor.video]
    before = [v.id for v in store.videos() if v.blacklisted]
    tmp = Store.open(demo_db)
    try:
        with tmp.transaction() as tx:
            tx.set_blacklist(Parsed("b.txt", others, list(range(1, len(others) + 1))))
        code, out, err = cli("query", anchor.id, "--model", "m", "--exclude-video", "--device", "cpu", db_path=demo_db)
        assert code == 0 and "targets for" not in out
        assert "no target returned" in err and "lie in blacklisted videos" in err and "own video" in err
        code, out, err = cli("query", anchor.id, "--model", "m", "--exclude-video", "--json", "--device", "cpu",
                             db_path=demo_db)
        assert code == 0 and json.loads(out)["hits"] == [] and "no target returned" in json.loads(out)["reason"]
    finally:
        with tmp.transaction() as tx:
            tx.set_blacklist(Parsed("b.txt", before, list(range(1, len(before) + 1))))
        tmp.close()


def test_query_span_past_the_video_end_is_bad_input(demo_store, demo_db, cli):
    store, _ = demo_store
    video = store.videos()[0]
    end = int(video.duration) + 30
    code, out, err = cli("query", f"{video.id}@10-{end}", "--model", "m", "--device", "cpu", db_path=demo_db)
    assert code == 3 and out == "" and f"past the end of {video.id}, which lasts" in err and "Traceback" not in err
    assert f"({video.duration:g} s)" in err
