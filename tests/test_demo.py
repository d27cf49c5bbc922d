import json

import numpy as np

from hyperlink.demo import DemoSpec, generate_demo
from hyperlink.store import Store


def test_generator_is_deterministic(tmp_path):
    a = generate_demo(tmp_path / "a", DemoSpec(videos=4, seed=3))
    b = generate_demo(tmp_path / "b", DemoSpec(videos=4, seed=3))
    for name in ("collection", "transcripts", "keyframe_index", "anchors", "qrels"):
        assert getattr(a, name).read_bytes() == getattr(b, name).read_bytes()
    np.testing.assert_array_equal(np.load(a.keyframes), np.load(b.keyframes))
    c = generate_demo(tmp_path / "c", DemoSpec(videos=4, seed=4))
    assert c.transcripts.read_bytes() != a.transcripts.read_bytes()


def test_demo_command_ingests_end_to_end(cli, tmp_path):
    code, _, err = cli("demo", "--out", tmp_path / "demo", "--videos", "8", "--seed", "1")
    assert code == 0, err
    code, out, _ = cli("stats", "--json")
    stats = json.loads(out)
    counts = stats["counts"]
    assert counts["videos"] == 8 and counts["anchors"] > 0 and counts["judgments"] > 0
    assert counts["cues"] > 100 and counts["keyframes"] > 100 and counts["segments"] > 50
    spaces = {s["space"]: s for s in stats["feature_spaces"]}
    assert set(spaces) == {"tfidf", "demo-cnn"}
    for s in spaces.values():  # most segments have both modalities, but not all
        assert 0.5 * s["segments_total"] < s["segments"] <= s["segments_total"]


def test_demo_text_visuals_and_judgments_agree(tmp_path, cli):
    """Relevant targets are closer to their anchor than non-relevant ones, in both modalities."""
    from hyperlink.segment import span_features

    assert cli("demo", "--out", tmp_path / "d", "--videos", "12")[0] == 0
    store = Store.open(cli.db)
    anchors = {a.id: a for a in store.anchors()}
    gaps = {"text": [], "visual": []}
    for a in list(anchors.values())[:6]:
        t, ht, v, hv = span_features(store, a.span, "tfidf", "demo-cnn")
        sims = {"text": {0: [], 1: []}, "visual": {0: [], 1: []}}
        for j in (j for j in store.judgments() if j.anchor == a.id):
            jt, jht, jv, jhv = span_features(store, type(a.span)(j.video, j.start, j.end), "tfidf", "demo-cnn")
            if ht and jht:
                sims["text"][j.rel].append(float(t @ jt / (np.linalg.norm(t) * np.linalg.norm(jt))))
            if hv and jhv:
                sims["visual"][j.rel].append(float(v @ jv / (np.linalg.norm(v) * np.linalg.norm(jv))))
        for m in gaps:
            if sims[m][0] and sims[m][1]:
                gaps[m].append(np.mean(sims[m][1]) - np.mean(sims[m][0]))
    assert gaps["text"] and np.mean(gaps["text"]) > 0.1
    assert gaps["visual"] and np.mean(gaps["visual"]) > 0.1
