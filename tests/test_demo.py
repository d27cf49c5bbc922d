import json
from pathlib import Path

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


def _read_demo(files):
    """Per video: cues (start, end, words) and keyframes (time, vector), from the generated files only."""
    import csv
    from collections import defaultdict

    cues = defaultdict(list)
    for line in files.transcripts.read_text().splitlines():
        c = json.loads(line)
        cues[c["video"]].append((c["start"], c["end"], set(c["text"].split())))
    vectors = np.load(files.keyframes)
    keys = defaultdict(list)
    with files.keyframe_index.open() as f:
        for i, row in enumerate(csv.DictReader(f)):
            keys[row["video"]].append((float(row["time"]), vectors[i]))
    return cues, keys


def test_default_demo_judges_30_anchors_and_hides_topics_from_the_words(tmp_path, spec=DemoSpec()):
    """>= 30 judged anchors; many relevant targets have no or misleading words but telling pictures,
    which is what a joint model can use and a text-only one cannot."""
    import xml.etree.ElementTree as ET

    from hyperlink.demo import _COMMON
    from hyperlink.evaluate.trec import read_qrels
    from hyperlink.ingest import read_anchors

    files = generate_demo(tmp_path / "d", spec)
    anchors = {a.id: a for a in read_anchors(files.anchors)}
    judged = {j.anchor for j in read_qrels(files.qrels)}
    assert len(ET.parse(files.anchors).getroot()) >= 30 and len(judged) >= 30 and judged <= set(anchors)
    cues, keys = _read_demo(files)

    def words(video, start, end):
        return set().union(*(w for s, e, w in cues[video] if s < end and e > start)) - set(_COMMON)

    def picture(video, start, end):
        rows = [v for t, v in keys[video] if start <= t < end]
        return np.mean(rows, axis=0) if rows else None

    blind = seen = 0
    for j in read_qrels(files.qrels):
        a = anchors[j.anchor]
        aw, ap = words(a.video, a.start, a.end), picture(a.video, a.start, a.end)
        tp = picture(j.video, j.start, j.end)
        if j.rel != 1 or not aw or ap is None or tp is None:
            continue
        seen += 1
        cosine = float(ap @ tp / np.linalg.norm(ap) / np.linalg.norm(tp))
        if not words(j.video, j.start, j.end) & aw and cosine > 0.5:
            blind += 1  # the words give nothing away, the pictures do
    assert seen > 300 and 0.2 < blind / seen < 0.6


def test_the_data_folder_is_in_the_repository_with_a_readme():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    text = (root / "data" / "README.md").read_text()
    assert "data/demo/" in text and "make demo" in text and "generated" in text
    ignored = [line.strip() for line in (root / ".gitignore").read_text().splitlines()]
    assert "/data/demo/" in ignored and not any(line in ("data/", "/data/", "data", "/data") for line in ignored)


def test_media_videos_show_each_story_in_its_topics_colour(tmp_path):
    """`--media`: one VP8 file per video, as long as the video, each story its topic's colour, feed gaps black."""
    import pytest

    av = pytest.importorskip("av", reason="PyAV (the media extra) is not installed")
    spec = DemoSpec(videos=3, seed=2, min_minutes=2, max_minutes=3, anchors=2, judged_per_anchor=4, blank=0.3,
                    media=True, media_size=(32, 16))
    files = generate_demo(tmp_path / "d", spec)
    plain = generate_demo(tmp_path / "p", DemoSpec(videos=3, seed=2, min_minutes=2, max_minutes=3, anchors=2,
                                                   judged_per_anchor=4, blank=0.3))
    assert files.collection.name == "collection.csv" and (tmp_path / "d" / "collection.txt").is_file()
    assert files.transcripts.read_bytes() == plain.transcripts.read_bytes()  # media change nothing else
    assert files.qrels.read_bytes() == plain.qrels.read_bytes()
    rows = [line.split(",") for line in files.collection.read_text().splitlines()[1:]]
    keyframes = {}
    for line in files.keyframe_index.read_text().splitlines()[1:]:
        vid, t = line.split(",")
        keyframes.setdefault(vid, set()).add(float(t))
    colours = set()
    for vid, duration, path in rows:
        assert Path(path).is_absolute() and Path(path).is_file() and not list(Path(path).parent.glob("*.tmp.webm"))
        with av.open(path) as container:
            frames = [(float(f.time), f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]
        assert len(frames) == int(duration)
        for t, frame in frames[::5]:
            pixel = tuple(int(x) for x in frame[4, 4])
            if any(abs(t - k) < 0.5 for k in keyframes.get(vid, ())):  # the feed is on: a topic colour
                assert max(pixel) > 30
                colours.add(tuple(x // 16 for x in pixel))
    assert len(colours) >= 2  # more than one topic shows


def test_demo_command_with_media_records_playable_paths(cli, tmp_path):
    import pytest

    pytest.importorskip("av", reason="PyAV (the media extra) is not installed")
    code, out, err = cli("demo", "--out", tmp_path / "demo", "--videos", "2", "--media")
    assert code == 0, err
    with Store.open(cli.db) as store:
        videos = list(store.videos())
    assert len(videos) == 2 and all(v.media_path and Path(v.media_path).is_file() for v in videos)
    code, _, err = cli("demo", "--out", tmp_path / "plain", "--videos", "2", "--no-ingest")
    assert code == 0 and not (tmp_path / "plain" / "media").exists()
