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


@pytest.mark.slow
def test_the_ray_recipe_ingests_every_shard_into_one_store(samples, tmp_path):
    """scripts/ray_shards.py on real sample videos (needs Ray: `pip install 'ray>=2.9'`)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("ray", reason="the recipe needs Ray (pip install 'ray>=2.9')")
    from hyperlink.store import Store

    videos = tmp_path / "videos"
    videos.mkdir()
    for name in ("bikes", "bigbuckbunny"):
        shutil.copy(samples[name], videos / f"{name}.mp4")
        shutil.copy(samples[name], videos / f"{name}_copy.mp4")
    script = Path(__file__).resolve().parents[2] / "scripts" / "ray_shards.py"
    proc = subprocess.run([sys.executable, str(script), str(videos), "--db", str(tmp_path / "s.db"), "--shards", "3"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with Store.open(tmp_path / "s.db", create=False) as store:
        assert sorted(v.id for v in store.videos()) == ["bigbuckbunny", "bigbuckbunny_copy", "bikes", "bikes_copy"]
