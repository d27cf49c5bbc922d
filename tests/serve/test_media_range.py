"""Media: HTTP Range responses over the store's recorded files only, and thumbnails decoded at the right time."""

from __future__ import annotations

import io

import numpy as np
import pytest

from hyperlink.serve.media import ByteRange, RangeError, parse_range, thumb_times, thumbnail
from hyperlink.store import Store


@pytest.mark.parametrize("header,expected", [
    (None, None), ("", None), ("bytes=0-0", ByteRange(0, 0)), ("bytes=10-19", ByteRange(10, 19)),
    ("bytes=990-", ByteRange(990, 999)), ("bytes=-1", ByteRange(999, 999)), ("bytes=-5000", ByteRange(0, 999)),
    ("bytes=0-99999", ByteRange(0, 999)), ("items=0-5", None), ("bytes=0-5,10-20", None), ("bytes=-", None),
])
def test_parse_range(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0", "bytes=20-10"])
def test_unsatisfiable_ranges(header):
    with pytest.raises(RangeError):
        parse_range(header, 1000)


def test_whole_file_partial_content_and_416(demo, client_of):
    client = client_of(demo)
    data = demo.media["news0000"].read_bytes()
    size = len(data)
    r = client.get("/media/news0000")
    assert r.status_code == 200 and r.content == data and r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-type"] == "video/webm" and int(r.headers["content-length"]) == size
    r = client.get("/media/news0000", headers={"Range": "bytes=10-109"})
    assert r.status_code == 206 and r.content == data[10:110]
    assert r.headers["content-range"] == f"bytes 10-109/{size}" and r.headers["content-length"] == "100"
    r = client.get("/media/news0000", headers={"Range": "bytes=-7"})
    assert r.status_code == 206 and r.content == data[-7:]
    r = client.get("/media/news0000", headers={"Range": f"bytes={size - 3}-"})
    assert r.status_code == 206 and r.content == data[-3:]
    r = client.get("/media/news0000", headers={"Range": f"bytes={size}-"})
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{size}"


@pytest.mark.parametrize("path", ["/media/..%2F..%2F..%2Fetc%2Fpasswd", "/media/../../etc/passwd",
                                  "/media/%2Fetc%2Fpasswd", "/media/news0009", "/media/no-such-video"])
def test_only_recorded_files_are_served(demo, client_of, path):
    r = client_of(demo).get(path)
    assert r.status_code == 404 and "root:" not in r.text


def test_a_recorded_file_that_is_gone_is_a_404_naming_it(demo_copy, client_of, tmp_path):
    import shutil

    moved = tmp_path / "gone.webm"
    shutil.copyfile(demo_copy.media["news0001"], moved)
    with Store.open(demo_copy.db, create=False) as store, store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE videos SET media_path = ? WHERE external_id = 'news0001'", (str(moved),))
    moved.unlink()
    r = client_of(demo_copy).get("/media/news0001")
    assert r.status_code == 404 and "missing" in r.text and "gone.webm" in r.text


def test_thumbnails_show_the_frame_at_their_time(demo):
    from PIL import Image

    path = demo.media["news0002"]
    base = np.random.default_rng(2).integers(30, 220, size=3)  # the colours write_video drew (seed = row 2)
    for second in (3, 40, 90):
        jpeg = thumbnail(path, second * 1000)
        assert jpeg[:2] == b"\xff\xd8"
        pixel = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))[5, 5].astype(int)
        expected = (base + np.array([second * 3, second * 5, second * 7])) % 256
        assert np.abs(pixel - expected).max() <= 24, (second, pixel, expected)
    assert thumbnail(path, 3000) != thumbnail(path, 40000)


def test_thumb_times_spread_inside_the_span():
    assert thumb_times(60, 120) == [70000, 90000, 110000]
    assert thumb_times(0, 10, 1) == [5000]
