"""Reading every vector of a space from the store vs ``np.load`` of an ``.npy`` with the same rows.

The store keeps vectors in ``.npy`` blocks beside the database (``hyperlink/store/vector_files.py``);
``Store.iter_segment_matrix`` reads them chunk by chunk, in segment-id order, with the locators from
SQL. The baseline, in the same run, is ``np.load`` of one ``.npy`` holding the same matrix (both
read from the page cache: each side is read once untimed first). Target: ratio >= 0.5.
Peak RSS of the streaming read is reported too (it should be about one chunk, not the matrix).

    .venv/bin/python bench/vectors.py [--segments 200000] [--dim 2048] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hyperlink.parsed import Parsed
from hyperlink.store import Store
from hyperlink.types import Segment, Video

RESULTS = Path(__file__).resolve().parent / "results" / "vectors.json"


def build(db: Path, n: int, dim: int, chunk: int, seed: int = 0) -> Path:
    """A store with ``n`` segments and a ``dim``-d visual space, written chunk by chunk; and the same
    matrix as one ``.npy`` beside it."""
    rng = np.random.default_rng(seed)
    per_video = 100
    store = Store.open(db)
    videos = Parsed(str(db))
    for i in range((n + per_video - 1) // per_video):
        videos.add(Video(f"v{i:06d}", 3600.0), i + 1)
    flat = np.lib.format.open_memmap(db.with_suffix(".npy"), mode="w+", dtype=np.float32, shape=(n, dim))
    with store.transaction() as tx:
        tx.add_videos(videos)
        space = tx.ensure_space("cnn", "visual", dim)
        for a in range(0, n, chunk):
            b = min(n, a + chunk)
            segs = [Segment(f"v{i // per_video:06d}", (i % per_video) * 30.0, (i % per_video) * 30.0 + 60.0,
                            origin="imported") for i in range(a, b)]
            m = rng.standard_normal((b - a, dim), dtype=np.float32)
            ids, _ = tx.add_segments(segs)
            tx.set_segment_vectors(space, ids, m)
            flat[a:b] = m
    flat.flush()
    del flat
    store.close()
    return db.with_suffix(".npy")


def read_store(db: Path) -> tuple[float, int, float]:
    store = Store.open(db)
    t0 = time.perf_counter()
    rows, checksum = 0, 0.0
    for chunk in store.iter_segment_matrix(None, "cnn"):
        rows += len(chunk.segment_ids)
        checksum += float(chunk.visual[:, 0].sum())
    elapsed = time.perf_counter() - t0
    store.close()
    return elapsed, rows, checksum


def read_npy(path: Path) -> tuple[float, int, float]:
    t0 = time.perf_counter()
    m = np.load(path)
    elapsed = time.perf_counter() - t0
    return elapsed, len(m), float(m[:, 0].sum())


def _peak_mib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec
    from the forked parent, so a child of a big parent would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(kind: str, path: str) -> None:
    """Run one read in this process and print JSON with its time and peak RSS."""
    elapsed, rows, checksum = (read_store if kind == "store" else read_npy)(Path(path))
    peak = _peak_mib()
    print(json.dumps({"seconds": elapsed, "rows": rows, "checksum": checksum, "peak_mib": peak}))


def measure(kind: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=200_000)
    ap.add_argument("--dim", type=int, default=2048)
    ap.add_argument("--chunk", type=int, default=32_768)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="hl-vectors-") as tmp:
        db = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        npy = build(db, args.segments, args.dim, args.chunk)
        write_s = time.perf_counter() - t0
        measure("store", db), measure("npy", npy)  # warm the page cache for both
        runs = {"store": [], "npy": []}
        for _ in range(args.repeat):
            for kind, path in (("store", db), ("npy", npy)):
                runs[kind].append(measure(kind, path))
        assert runs["store"][0]["rows"] == runs["npy"][0]["rows"] == args.segments
        assert abs(runs["store"][0]["checksum"] - runs["npy"][0]["checksum"]) < 1e-2 * max(1.0, abs(runs["npy"][0]["checksum"]))
    best = {k: min(r["seconds"] for r in v) for k, v in runs.items()}
    gib = args.segments * args.dim * 4 / 2**30
    result = {
        "segments": args.segments, "dim": args.dim, "gib": round(gib, 3), "write_seconds": round(write_s, 2),
        "store_seconds": round(best["store"], 3), "npy_seconds": round(best["npy"], 3),
        "ratio": round(best["npy"] / best["store"], 3),
        "store_peak_mib": round(max(r["peak_mib"] for r in runs["store"])),
        "npy_peak_mib": round(max(r["peak_mib"] for r in runs["npy"])),
        "machine": f"{platform.machine()} ({__import__('os').cpu_count()} cpus)",
        "command": f"bench/vectors.py --segments {args.segments} --dim {args.dim}",
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"read all {args.segments:,} x {args.dim} ({gib:.2f} GiB): store {best['store']:.3f} s "
          f"({gib / best['store']:.2f} GiB/s, peak {result['store_peak_mib']} MiB) vs np.load {best['npy']:.3f} s "
          f"(peak {result['npy_peak_mib']} MiB): ratio {result['ratio']:.3f} (target >= 0.5)")
    if result["ratio"] < 0.5:
        sys.exit(1)


if __name__ == "__main__":
    main()
