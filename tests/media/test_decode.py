"""Keyframes from real video files: durations, periodic keyframes, shot changes, broken files."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("av", reason="needs the media extra: pip install -e '.[media]'")

from hyperlink.errors import InputError  # noqa: E402
from hyperlink.ingest.decode import KeyframeSpec, iter_keyframes, probe  # noqa: E402
from hyperlink.ingest.decode import frame_distance  # noqa: E402

from .conftest import sample_frames, write_video  # noqa: E402

# The cuts of bikes.mp4 (25 fps), found by eye on a contact sheet: switch -> traffic -> car -> ...
BIKES_CUTS = [1.2, 3.04, 5.48, 7.48, 9.68]


def keyframes(path, **spec):
    info = []
    keys = list(iter_keyframes(path, KeyframeSpec(**spec), info))
    return keys, info[0]


def test_durations_are_read_from_the_files(samples):
    assert probe(samples["bikes"]).duration == pytest.approx(10.0)
    assert probe(samples["bigbuckbunny"]).duration == pytest.approx(5.28)
    info = probe(samples["carphone_pristine"])
    assert (info.width, info.height, info.codec) == (176, 144, "h264")
    assert info.duration == pytest.approx(4.004) and info.fps == pytest.approx(30000 / 1001)


def test_one_keyframe_every_n_seconds(samples):
    keys, info = keyframes(samples["bigbuckbunny"], every=1.0, shots=False)
    assert [k.time for k in keys] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert {k.reason for k in keys} == {"interval"}
    assert info.duration == pytest.approx(5.28)
    # 1280x720 scaled to a shorter side of 256, aspect kept
    assert keys[0].image.shape == (256, 455, 3) and keys[0].image.dtype == np.uint8


def test_shot_changes_of_a_real_video(samples):
    keys, _ = keyframes(samples["bikes"], every=None, shots=True)
    cuts = [k.time for k in keys if k.time > 0]
    assert keys[0].time == 0.0  # the first frame opens the first shot
    assert cuts == pytest.approx(BIKES_CUTS, abs=0.041)  # within one frame


def test_a_single_shot_video_has_no_cut(samples):
    keys, _ = keyframes(samples["bigbuckbunny"], every=None, shots=True)
    assert [k.time for k in keys] == [0.0]


def test_interval_and_shot_keyframes_merge_in_time_order(samples):
    keys, _ = keyframes(samples["bikes"], every=4.0, shots=True)
    times = [k.time for k in keys]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert [k.time for k in keys if k.reason == "interval"] == [4.0, 8.0]  # 0.0 is the first shot's


def test_frame_distance_is_total_variation():
    a, b = np.array([0.5, 0.5, 0, 0]), np.array([0, 0.5, 0.5, 0])
    assert frame_distance(a, a) == 0 and frame_distance(a, b) == 0.5
    assert frame_distance(a, np.array([0, 0, 0.5, 0.5])) == 1.0


@pytest.mark.parametrize("name,codec", [("clip.webm", "libvpx"), ("clip.mkv", "mpeg4"), ("clip.mp4", "libx264")])
def test_other_containers_and_codecs(samples, tmp_path, name, codec):
    frames = sample_frames(samples["bikes"], every=0.5)  # 20 frames, one shot change at 1.5 s
    path = write_video(tmp_path / name, frames, fps=2, codec=codec)
    keys, info = keyframes(path, every=2.0, shots=True)
    assert info.duration == pytest.approx(10.0, abs=0.6)
    assert {0.0, 2.0, 4.0, 6.0, 8.0} <= {k.time for k in keys}


def test_spec_needs_some_keyframes():
    with pytest.raises(ValueError, match="--every SECONDS, --shots"):
        KeyframeSpec(every=None, shots=False)
    with pytest.raises(ValueError, match="--every must be > 0"):
        KeyframeSpec(every=-1)


def test_not_a_video_is_an_error_naming_the_file(tmp_path):
    bad = tmp_path / "noise.mp4"
    bad.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(InputError, match=r"noise\.mp4: cannot open as a video"):
        keyframes(bad)


def test_truncated_file_is_an_error_naming_the_file(samples, tmp_path):
    # moov atom first ("faststart"), so the header opens and decoding hits the missing end
    frames = sample_frames(samples["bikes"], every=0.2)
    whole = write_video(tmp_path / "whole.mp4", frames, fps=5, codec="libx264", options={"movflags": "faststart"})
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.mp4: .*(corrupt or truncated|truncated)"):
        keyframes(cut, every=1.0)
