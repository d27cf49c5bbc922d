"""Several processes ingesting into one SQLite store: writers queue (BEGIN IMMEDIATE), none fails."""

from __future__ import annotations

import subprocess
import sys

from hyperlink.store import Store


def test_three_processes_ingesting_the_same_file_all_succeed_and_store_it_once(tmp_path):
    (tmp_path / "c.txt").write_text("".join(f"v{i} 01:00:00\n" for i in range(20)))
    (tmp_path / "t.jsonl").write_text("".join(
        f'{{"video": "v{v}", "start": {5 * i}, "end": {5 * i + 4}, "text": "cue {v} {i}"}}\n'
        for v in range(20) for i in range(300)))
    db = tmp_path / "s.db"
    cmd = [sys.executable, "-m", "hyperlink", "--db", str(db), "ingest"]
    subprocess.run([*cmd, "collection", str(tmp_path / "c.txt")], check=True, capture_output=True)
    procs = [subprocess.Popen([*cmd, "transcripts", str(tmp_path / "t.jsonl")], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert sum("6000 added, 0 already in the store" in o for o in outs) == 1, outs
    assert sum("0 added, 6000 already in the store" in o for o in outs) == 2, outs
    with Store.open(db, create=False) as store:
        assert store.counts()["cues"] == 6000
