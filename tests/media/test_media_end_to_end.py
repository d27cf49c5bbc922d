"""A folder of real-content videos + WebVTT -> ingest media -> train -> index -> query, through the CLI."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("av", reason="needs the media extra: pip install -e '.[media]'")
pytest.importorskip("efficientnet_lite_pytorch", reason="needs the media extra: pip install -e '.[media]'")
pytest.importorskip("faiss", reason="needs faiss (the cpu or gpu extra)")

from .conftest import sample_frames, write_video  # noqa: E402

pytestmark = pytest.mark.slow


def test_videos_to_query(cli, tmp_path, samples, vtt):
    # Two ~30-40 s videos (2 fps) cut together from the sample clips: long enough for 10 s targets.
    bikes = sample_frames(samples["bikes"], every=0.25)  # 40 frames = 20 s
    bunny = sample_frames(samples["bigbuckbunny"], every=0.25)  # 22 frames = 11 s
    phone = sample_frames(samples["carphone_pristine"], every=0.25)  # 17 frames
    folder = tmp_path / "videos"
    folder.mkdir()
    write_video(folder / "street.webm", bikes + bunny, fps=2, codec="libvpx")
    write_video(folder / "morning.mp4", bunny + phone + bikes, fps=2, codec="libx264")
    vtt("street.vtt", [(0, 10, "Cars and taxis drive through the busy city street."),
                       (10, 20, "A cyclist locks his bike to the iron fence."),
                       (20, 30, "A big grey rabbit wakes up in the forest.")], folder)
    vtt("morning.vtt", [(0, 11, "The rabbit stretches in the morning sun of the forest."),
                        (11, 19, "A man in a suit calls from his car."),
                        (19, 38, "Traffic fills the city street, a bike is locked to the fence.")], folder)

    code, _, err = cli("ingest", "media", folder, "--every", "1", "--length", "10", "--stride", "5")
    assert code == 0, err
    code, out, _ = cli("stats", "--json")
    s = json.loads(out)
    assert s["counts"]["videos"] == 2 and s["counts"]["segments"] >= 8
    spaces = {f["space"]: f for f in s["feature_spaces"]}
    assert spaces["lite0-concepts"]["segments"] == s["counts"]["segments"]  # every window has keyframes

    code, _, err = cli("train", "--model", "bidnn", "--text", "tfidf", "--visual", "lite0-concepts",
                       "--hidden", "32", "--rep", "16", "--epochs", "2")
    assert code == 0, err
    assert cli("index", "--model", "bidnn")[0] == 0
    code, out, err = cli("query", "street@10-20", "--model", "bidnn", "-k", "3", "--json")
    assert code == 0, err
    hits = json.loads(out)["hits"]
    assert 1 <= len(hits) <= 3 and all(10 <= h["end"] - h["start"] <= 120 for h in hits)
