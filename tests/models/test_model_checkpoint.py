"""Checkpoints: safetensors with config, fingerprint and seed; identical after a round trip; tamper-proof."""

import hashlib
import json

import numpy as np
import pytest
from safetensors import safe_open

from hyperlink.errors import InputError, MismatchError
from hyperlink.models import create_model, load_model, save_model
from hyperlink.models.base import fingerprint

from .conftest import FAST


@pytest.mark.parametrize("kind", sorted(FAST))
def test_round_trip_gives_identical_embeddings(kind, pairs, tmp_path):
    model = create_model(kind, FAST[kind])
    model.fit(*pairs)
    path = tmp_path / f"{kind}.safetensors"
    digest = save_model(model, path)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    again = load_model(path, expected_sha256=digest)
    assert type(again) is type(model) and again.config == model.config and again.dims == model.dims
    readout = "expansion" if model.can_expand else "direct"
    np.testing.assert_array_equal(again.embed(*pairs, readout=readout).vectors, model.embed(*pairs, readout=readout).vectors)


def test_checkpoint_describes_itself(pairs, tmp_path):
    model = create_model("bidnn", {**FAST["bidnn"], "seed": 7})
    model.fit(*pairs)
    save_model(model, tmp_path / "m.safetensors")
    with safe_open(str(tmp_path / "m.safetensors"), framework="pt") as f:
        meta = f.metadata()
    assert meta["kind"] == "bidnn" and json.loads(meta["seed"]) == 7
    assert meta["fingerprint"] == fingerprint(*pairs[:2], *pairs[2:]) != fingerprint(pairs[0] + 1, *pairs[1:])
    assert json.loads(meta["config"])["hidden"] == 8 and json.loads(meta["metrics"])["epochs_run"] == 2


def test_a_modified_file_is_refused(pairs, tmp_path):
    model = create_model("bidnn", FAST["bidnn"])
    model.fit(*pairs)
    path = tmp_path / "m.safetensors"
    digest = save_model(model, path)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x01  # one bit of one weight
    path.write_bytes(bytes(data))
    with pytest.raises(MismatchError, match="modified or corrupted"):
        load_model(path)
    with pytest.raises(MismatchError, match="expected"):
        load_model(path, expected_sha256=digest)


def test_foreign_files_are_input_errors(tmp_path):
    (tmp_path / "x.safetensors").write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a readable safetensors"):
        load_model(tmp_path / "x.safetensors")
    with pytest.raises(InputError, match="no such model file"):
        load_model(tmp_path / "missing.safetensors")


def test_loaded_model_refuses_inputs_of_other_widths(pairs, tmp_path):
    model = create_model("cca", FAST["cca"])
    model.fit(*pairs)
    save_model(model, tmp_path / "c.safetensors")
    a, b, has_a, has_b = pairs
    with pytest.raises(MismatchError, match=r"\(5, 7\)"):
        load_model(tmp_path / "c.safetensors").embed(a[:, :4], b, has_a, has_b)
