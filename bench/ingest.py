"""Ingest throughput: segments/s through the store vs plain sqlite3 + np.save, same rows, same run.

Each segment carries a 1000-d visual and a 300-d text float32 vector. Both sides write into an
identical, freshly migrated schema (same tables, indexes and pragmas) and the same layout: the
segments' rows, one ``.npy`` file of vectors per space, and a (block, row) locator per vector. The
baseline does it with sqlite3 ``executemany`` and ``np.save``; the store adds its checks, the
sha256 of each block, the fsync and the commit-then-rename protocol. Target: ratio >= 0.5.

    .venv/bin/python bench/ingest.py [--segments 100000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hyperlink.parsed import Parsed
from hyperlink.types import Segment, Video
from hyperlink.store import Store

VISUAL, TEXT = 1000, 300


def make_rows(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    n_videos = max(1, n // 100)
    starts = (np.arange(n) % 100) * 30.0
    videos = [f"v{i // 100:06d}" for i in range(n)]
    return (n_videos, videos, starts, rng.normal(size=(n, VISUAL)).astype(np.float32),
            rng.normal(size=(n, TEXT)).astype(np.float32))


def fresh_store(path: Path, n_videos: int) -> Store:
    store = Store.open(path)
    parsed = Parsed(str(path))
    for i in range(n_videos):
        parsed.add(Video(f"v{i:06d}", 3600.0), i + 1)
    with store.transaction() as tx:
        tx.add_videos(parsed)
    return store


def via_store(path: Path, rows) -> float:
    n_videos, videos, starts, visual, text = rows
    store = fresh_store(path, n_videos)
    t0 = time.perf_counter()
    segments = [Segment(v, s, s + 60.0, origin="imported") for v, s in zip(videos, starts.tolist())]
    with store.transaction() as tx:
        ids, _ = tx.add_segments(segments)
        for name, modality, m in (("cnn", "visual", visual), ("w2v", "text", text)):
            tx.set_segment_vectors(tx.ensure_space(name, modality, m.shape[1]), ids, m)
    elapsed = time.perf_counter() - t0
    store.close()
    return elapsed


def via_sqlite3(path: Path, rows) -> float:
    n_videos, videos, starts, visual, text = rows
    fresh_store(path, n_videos).close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA synchronous=NORMAL")
    t0 = time.perf_counter()
    vid = dict(con.execute("SELECT external_id, id FROM videos"))
    con.execute("INSERT INTO feature_spaces (id, name, modality, dim, extractor) VALUES (1, 'cnn', 'visual', ?, '')", (VISUAL,))
    con.execute("INSERT INTO feature_spaces (id, name, modality, dim, extractor) VALUES (2, 'w2v', 'text', ?, '')", (TEXT,))
    n = len(videos)
    con.executemany("INSERT INTO segments (id, video_id, start, end, origin) VALUES (?, ?, ?, ?, 'imported')",
                    [(i + 1, vid[v], s, s + 60.0) for i, (v, s) in enumerate(zip(videos, starts.tolist()))])
    folder = path.with_suffix(".vectors")
    for space, m in ((1, visual), (2, text)):
        (folder / str(space)).mkdir(parents=True, exist_ok=True)
        name = f"{space}/segment-{space:032x}.npy"
        np.save(folder / name, m)
        con.execute("INSERT INTO vector_blocks (id, space_id, kind, file, rows, dim, sha256) VALUES (?, ?, 'segment', ?, ?, ?, '')",
                    (space, space, name, n, m.shape[1]))
        con.executemany("INSERT INTO segment_vectors (segment_id, space_id, block_id, row) VALUES (?, ?, ?, ?)",
                        [(i + 1, space, space, i) for i in range(n)])
    con.commit()
    elapsed = time.perf_counter() - t0
    con.close()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segments", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=2, help="best of N for each side")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "ingest.json")
    args = ap.parse_args(argv)
    rows = make_rows(args.segments)
    best = {"store": float("inf"), "sqlite3": float("inf")}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeat):
            for name, fn in (("sqlite3", via_sqlite3), ("store", via_store)):  # alternate to share noise
                best[name] = min(best[name], fn(Path(tmp) / f"{name}{r}.db", rows))
    rate = {k: args.segments / v for k, v in best.items()}
    ratio = rate["store"] / rate["sqlite3"]
    result = {
        "segments": args.segments, "visual_dim": VISUAL, "text_dim": TEXT,
        "store_segments_per_s": round(rate["store"]), "sqlite3_segments_per_s": round(rate["sqlite3"]),
        "ratio": round(ratio, 3), "target": 0.5, "machine": platform.machine(), "python": sys.version.split()[0],
    }
    print(f"ingest {args.segments:,} segments (1000-d visual + 300-d text):")
    print(f"  plain sqlite3 + np.save:   {rate['sqlite3']:,.0f} segments/s")
    print(f"  hyperlink store:           {rate['store']:,.0f} segments/s")
    print(f"  ratio store/sqlite3:       {ratio:.2f}  (target >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
