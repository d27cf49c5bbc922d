"""End to end at TRECVID 2016 scale: `hyperlink run` over 94 anchors on 300k target segments.

A synthetic collection with features already cut per segment (as the campaigns distributed them):
~12k videos cut into 60 s windows every 30 s, a 100-d text and a 512-d visual vector per segment
drawn around 200 latent topics (5 % of segments miss one modality), 94 anchors. Each step is the
real CLI in a subprocess; wall time and peak resident memory (GNU time) are reported per step.

    .venv/bin/python bench/run_e2e.py [--segments 300000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hyperlink.segment import WindowSpec, cut_windows
from hyperlink.timecode import format_mss

HYPERLINK = [sys.executable, "-m", "hyperlink"]


def generate(root: Path, n_segments: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    topics_t = rng.standard_normal((200, 100)).astype(np.float32)
    topics_v = rng.standard_normal((200, 512)).astype(np.float32)
    videos, rows = [], []
    while len(rows) < n_segments:
        vid = f"vid{len(videos):05d}"
        duration = float(rng.integers(5, 40) * 60)
        videos.append(f"{vid} {int(duration) // 3600:02d}:{int(duration) % 3600 // 60:02d}:{int(duration) % 60:02d}")
        topic = rng.integers(0, 200, 3)
        for s, e in cut_windows(duration, WindowSpec(60, 30)):
            rows.append((vid, s, e, int(rng.choice(topic))))
    rows = rows[:n_segments]
    topic = np.array([r[3] for r in rows])
    text = topics_t[topic] + 0.8 * rng.standard_normal((len(rows), 100), dtype=np.float32)
    visual = topics_v[topic] + 0.8 * rng.standard_normal((len(rows), 512), dtype=np.float32)
    missing = rng.random(len(rows))
    text[missing < 0.025] = 0.0  # text missing
    visual[(missing >= 0.025) & (missing < 0.05)] = 0.0  # visual missing
    (root / "collection.txt").write_text("\n".join(videos) + "\n")
    (root / "segments.csv").write_text("video,start,end\n" + "".join(f"{v},{s:g},{e:g}\n" for v, s, e, _ in rows))
    np.save(root / "text.npy", text)
    np.save(root / "visual.npy", visual)
    anchors = ['<?xml version="1.0" ?>', "<anchors>"]
    for i, k in enumerate(rng.choice(len(rows), 94, replace=False)):
        v, s, e, _ = rows[k]
        anchors += [f"  <anchor><anchorId>anchor_{i + 1}</anchorId><video>{v}</video>"
                    f"<startTime>{format_mss(s + 10)}</startTime><endTime>{format_mss(s + 40)}</endTime></anchor>"]
    (root / "anchors.xml").write_text("\n".join(anchors + ["</anchors>"]) + "\n")
    return {"videos": len(videos), "segments": len(rows)}


def _env() -> dict:
    # As on a user's machine: bytecode caches on (some sandboxes set PYTHONDONTWRITEBYTECODE, which
    # makes every command recompile torch from source).
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def step(name: str, args: list[str], db: Path) -> dict:
    cmd = ["/usr/bin/time", "-f", "%e %M", *HYPERLINK, "-q", "--db", str(db), *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{proc.stderr}")
    seconds, kib = proc.stderr.strip().splitlines()[-1].split()
    print(f"  {name:<22} {wall:8.1f} s   peak {int(kib) / 1024:8.0f} MiB", flush=True)
    return {"wall_s": round(wall, 1), "peak_mib": round(int(kib) / 1024)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segments", type=int, default=300_000)
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "run_e2e.json")
    args = ap.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="hyperlink-e2e-"))
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    shape = generate(root, args.segments)
    print(f"generated {shape['segments']:,} segments in {shape['videos']:,} videos ({time.perf_counter() - t0:.0f} s)")
    db = root / "store.db"
    subprocess.run([*HYPERLINK, "--help"], capture_output=True, env=_env())  # warm the bytecode caches
    steps = {
        "ingest collection": ["ingest", "collection", str(root / "collection.txt")],
        "ingest text vectors": ["ingest", "segment-vectors", str(root / "text.npy"), "--segments",
                                str(root / "segments.csv"), "--space", "text", "--modality", "text"],
        "ingest visual vectors": ["ingest", "segment-vectors", str(root / "visual.npy"), "--segments",
                                  str(root / "segments.csv"), "--space", "visual", "--modality", "visual"],
        "ingest anchors": ["ingest", "anchors", str(root / "anchors.xml")],
        "train (bidnn, 1 epoch)": ["train", "--model", "bidnn", "--text", "text", "--visual", "visual",
                                   "--hidden", "512", "--rep", "256", "--epochs", "1"],
        "index (exact)": ["index", "--model", "bidnn"],
        "run (94 anchors, k=1000)": ["run", "--model", "bidnn", "--out", str(root / "run.txt")],
    }
    results = {name: step(name, a, db) for name, a in steps.items()}
    lines = (root / "run.txt").read_text().splitlines()
    anchors = {line.split()[0] for line in lines}
    print(f"run: {len(lines):,} lines for {len(anchors)} anchors")
    out = {"segments": shape["segments"], "videos": shape["videos"], "steps": results, "run_lines": len(lines),
           "anchors_in_run": len(anchors), "machine": f"{platform.machine()}", "python": sys.version.split()[0]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    if args.keep is None:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
