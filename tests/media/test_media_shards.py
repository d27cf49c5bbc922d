"""`ingest media --shard I/N`: N shards take every video exactly once, by a stable hash of its id."""

from __future__ import annotations

import pytest

from hyperlink.errors import InputError
from hyperlink.ingest import media
from hyperlink.ingest.media import MediaSpec, VideoOutcome, ingest_media, parse_shard, shard_of


@pytest.fixture
def folder(tmp_path):
    videos = tmp_path / "videos"
    videos.mkdir()
    for i in range(40):
        (videos / f"clip{i:03d}.mp4").write_bytes(b"not decoded in this test")
    return videos


def _ingested(monkeypatch, store, folder, shard) -> list[str]:
    seen: list[str] = []

    def fake(store, path, spec, vx, embed, done, known, warnings):
        seen.append(path.stem)
        return VideoOutcome(path.stem, str(path), "ingested")

    monkeypatch.setattr(media, "_ingest_video", fake)
    monkeypatch.setattr(media, "_check_versions", lambda store, vx: set())
    ingest_media(store, folder, MediaSpec(text=None, shard=shard))
    return seen


def test_the_shards_cover_every_video_once(monkeypatch, store, folder):
    everything = _ingested(monkeypatch, store, folder, (0, 1))
    shards = [_ingested(monkeypatch, store, folder, (i, 4)) for i in range(4)]
    assert sorted(v for s in shards for v in s) == sorted(everything) and len(everything) == 40
    assert all(shards), "40 ids over 4 shards: none is empty"
    assert all(shard_of(v, 4) == i for i, s in enumerate(shards) for v in s)


def test_the_hash_is_stable_across_runs():
    # sha256-based, not Python's per-process hash(): machines of a cluster agree, and so do releases
    assert [shard_of(f"news{i:04d}", 4) for i in range(8)] == [3, 3, 2, 3, 2, 3, 3, 1]
    assert shard_of("news0000", 1) == 0


@pytest.mark.parametrize("text", ["4/4", "a/b", "-1/3", "3/0", "1", ""])
def test_a_bad_shard_is_bad_input(text):
    with pytest.raises(InputError, match="is not I/N"):
        parse_shard(text)


def test_the_cli_refuses_a_bad_shard(cli, folder):
    code, _, err = cli("ingest", "media", folder, "--shard", "5/4")
    assert code == 3 and "--shard '5/4' is not I/N" in err
