"""Data-parallel training under torchrun: 2 CPU processes (gloo) train the weights 1 process trains.

Each process takes half of every batch and the gradients are averaged, so with the same seed and no
dropout the two processes end with the one-process weights (to float tolerance); only rank 0
writes the checkpoint and the store record.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hyperlink.models import train_model
from hyperlink.models.distributed import World, join

SETTINGS = {"hidden": 16, "rep": 8, "epochs": 3, "batch_size": 16, "dropout": 0.0, "seed": 3, "device": "cpu"}

SCRIPT = '''
import sys, numpy as np, torch
from hyperlink.models import train_model
from hyperlink.models.distributed import is_main
data = np.load(sys.argv[1])
model, _ = train_model("bidnn", data["a"], data["b"], data["has_a"], data["has_b"], config=SETTINGS)
if is_main():
    np.savez(sys.argv[2], **{k: v.detach().numpy() for k, v in model.net.state_dict().items()})
'''


def _data(path: Path) -> dict:
    rng = np.random.default_rng(0)
    data = {"a": rng.standard_normal((96, 6)).astype(np.float32), "b": rng.standard_normal((96, 5)).astype(np.float32),
            "has_a": np.ones(96, bool), "has_b": np.ones(96, bool)}
    np.savez(path, **data)
    return data


def _torchrun(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           *args], cwd=tmp_path, env={**env, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True,
                          timeout=300)


def test_two_processes_train_the_weights_of_one(tmp_path):
    data = _data(tmp_path / "d.npz")
    one, _ = train_model("bidnn", data["a"], data["b"], data["has_a"], data["has_b"], config=SETTINGS)
    (tmp_path / "train.py").write_text(f"SETTINGS = {SETTINGS!r}\n" + SCRIPT)
    proc = _torchrun(tmp_path, "train.py", str(tmp_path / "d.npz"), str(tmp_path / "w.npz"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    two = np.load(tmp_path / "w.npz")
    state = one.net.state_dict()
    assert sorted(two.files) == sorted(state)
    for name, value in state.items():
        np.testing.assert_allclose(two[name], value.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_a_batch_that_does_not_split_evenly_is_refused(monkeypatch):
    import torch

    monkeypatch.setenv("WORLD_SIZE", "3")
    with pytest.raises(Exception, match="--batch-size 16 must be a multiple of the 3 processes"):
        join(torch.device("cpu"), 16)


def test_one_process_is_left_alone():
    import torch

    x = torch.arange(8.0).reshape(4, 2)
    assert World().share(x, x)[0] is x
    assert join(torch.device("cpu"), 16)[0].size == 1


def test_torchrun_train_records_the_model_once(tmp_path):
    from hyperlink.cli import main

    db = str(tmp_path / "s.db")
    assert main(["--db", db, "-q", "demo", "--out", str(tmp_path / "d"), "--videos", "4"]) == 0
    proc = _torchrun(tmp_path, "-m", "hyperlink", "--db", db, "-q", "train", "--model", "bidnn", "--text", "tfidf",
                     "--visual", "demo-cnn", "--hidden", "16", "--rep", "8", "--epochs", "2", "--batch-size", "16")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from hyperlink.store import Store

    with Store.open(db, create=False) as store:
        models = store.models()
    assert [m.name for m in models] == ["bidnn"] and Path(models[0].path).is_file()
