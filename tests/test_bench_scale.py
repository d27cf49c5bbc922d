"""Smoke test of bench/scale.py at tiny sizes: every step runs, the checks run, scale.json is written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.bench
def test_scale_writes_results(tmp_path):
    out = tmp_path / "scale.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "scale.py"), "--sizes", "500,1000", "--trecvid-videos", "20",
         "--work", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, timeout=1800,
    )
    assert out.is_file(), proc.stdout + proc.stderr
    results = json.loads(out.read_text())
    labels = [run["label"] for run in results["runs"]]
    assert labels[-2:] == ["500 segments", "1,000 segments"]
    for run in results["runs"]:
        assert run["ok"], (run["label"], {k: v.get("stderr_tail") for k, v in run["steps"].items() if v["exit"]})
        assert all(step["peak_mib"] > 0 and step["seconds"] > 0 for step in run["steps"].values())
    assert any(c["check"].startswith("flat:") for c in results["checks"])
    assert proc.returncode == (0 if results["ok"] else 1), proc.stdout
    assert not list((tmp_path / "work").iterdir())  # generated collections removed without --keep
