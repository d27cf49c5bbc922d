"""kill -9 at random points of every command that writes: ingest, encode-text, segment, train, index.

After each kill: the database passes ``PRAGMA integrity_check``, opening the store puts the vector
folder right (no temporary file left, every block it names present), every recorded model's
checkpoint exists with its recorded digest, an index folder is either absent or whole and verified
(old or new, never mixed), and running the command again gives exactly what the uninterrupted run
gave. ``make test`` kills each command once; ``pytest -m crash`` kills each at several more points.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hyperlink.store import Store

STEPS: list[tuple[str, list[str]]] = [
    ("transcripts", ["ingest", "transcripts", "d/transcripts.jsonl"]),
    ("keyframes", ["ingest", "keyframes", "d/keyframes.npy", "--space", "demo-cnn", "--index", "d/keyframes.csv"]),
    ("encode-text", ["encode-text", "--dim", "32"]),
    ("segment", ["segment"]),
    ("train", ["train", "--model", "bidnn", "--text", "tfidf", "--visual", "demo-cnn", "--epochs", "30",
               "--hidden", "32", "--rep", "16", "--replace"]),
    ("index", ["index", "--model", "bidnn"]),
]


def _hyperlink(folder: Path, args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hyperlink", "--db", "s.db", "-q", *args], cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(folder: Path, args: list[str]) -> float:
    start = time.perf_counter()
    proc = _hyperlink(folder, args)
    out = proc.communicate(timeout=300)[0]
    assert proc.returncode == 0, f"hyperlink {' '.join(args)}:\n{out}"
    return time.perf_counter() - start


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state(folder: Path) -> dict:
    """What the commands produce, without row ids of log tables or timestamps."""
    with Store.open(folder / "s.db", create=False) as store:
        spaces = sorted(fs.name for fs in store.feature_spaces())
        state = {
            "counts": store.counts(),
            "spaces": [(fs.name, fs.modality, fs.dim) for fs in sorted(store.feature_spaces(), key=lambda f: f.name)],
            "vectors": store.vector_state(spaces),
            "windows": store.window_spec(),
            "models": sorted((m.name, m.kind, m.text_space, m.visual_space) for m in store.models()),
        }
    index = folder / "indexes" / "bidnn"
    if index.is_dir():
        from hyperlink.index.search_index import SearchIndex

        state["index"] = SearchIndex.load(index).manifest.count
    return state


def _consistent(folder: Path) -> None:
    con = sqlite3.connect(folder / "s.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    with Store.open(folder / "s.db", create=False) as store:  # opening recovers the vector folder
        with store.engine.connect() as conn:
            blocks = {r[0] for r in conn.exec_driver_sql("SELECT file FROM vector_blocks")}
        on_disk = {str(p.relative_to(store.vector_dir)) for p in store.vector_dir.rglob("*") if p.is_file()}
        assert on_disk == blocks, f"vector files {sorted(on_disk ^ blocks)[:5]} disagree with the database"
        for model in store.models():
            path = Path(model.path) if Path(model.path).is_absolute() else folder / model.path
            assert path.is_file() and _sha256(path) == model.checksum, f"model {model.name}: checkpoint not whole"
    index = folder / "indexes" / "bidnn"
    if index.exists():
        from hyperlink.index.search_index import SearchIndex

        SearchIndex.load(index)  # verifies every file's digest


@pytest.fixture(scope="module")
def stages(tmp_path_factory) -> list[tuple[Path, dict, float]]:
    """For each step: a copy of the store before it, the uninterrupted result, and its duration."""
    root = tmp_path_factory.mktemp("crash")
    live = root / "live"
    live.mkdir()
    _finish(live, ["demo", "--out", "d", "--videos", "8", "--no-ingest"])
    _finish(live, ["ingest", "collection", "d/collection.txt"])
    out = []
    for i, (name, args) in enumerate(STEPS):
        before = root / f"before-{i}"
        shutil.copytree(live, before)
        seconds = _finish(live, args)
        out.append((before, _state(live), seconds))
    return out


def _kill_and_rerun(stages, step: int, fraction: float, tmp_path: Path) -> None:
    before, expected, seconds = stages[step]
    _, args = STEPS[step]
    work = tmp_path / "w"
    shutil.copytree(before, work)
    proc = _hyperlink(work, args)
    time.sleep(seconds * fraction)
    proc.kill()  # SIGKILL: no handler, no cleanup
    proc.communicate(timeout=60)
    _consistent(work)
    _finish(work, args)
    assert _state(work) == expected


@pytest.mark.parametrize("step", range(len(STEPS)), ids=[name for name, _ in STEPS])
def test_kill_9_once_then_rerun(stages, step, tmp_path):
    fraction = float(np.random.default_rng(step).uniform(0.55, 0.95))  # past the imports, into the work
    _kill_and_rerun(stages, step, fraction, tmp_path)


@pytest.mark.crash
@pytest.mark.parametrize("step", range(len(STEPS)), ids=[name for name, _ in STEPS])
@pytest.mark.parametrize("point", range(6))
def test_kill_9_at_many_points(stages, step, point, tmp_path):
    fraction = float(np.random.default_rng(100 * step + point).uniform(0.1, 1.0))
    _kill_and_rerun(stages, step, fraction, tmp_path)
