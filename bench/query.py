"""Query speed: exact faiss vs numpy (matmul + argpartition) in the same run, and approximate indexes.

For each size and dim: 100 queries ("anchors"), k = 1000, unit vectors, inner product.
  * exact faiss (IndexFlatIP in an ID map, as `hyperlink index` builds it) vs the naive numpy
    baseline: queries/s, p50/p99 latency of one query, and the ratio faiss/numpy (target >= 1);
  * IVF and HNSW: recall@100 against exact and speedup over exact faiss (batch of 100 queries).
Latency is per single query (batch 1); throughput is for the batch of 100.

    .venv/bin/python bench/query.py                       # 100k and 1M, dim 1024 and 2048
    .venv/bin/python bench/query.py --sizes 100000 --dims 1024 --approx-sizes 100000
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

from hyperlink.index import IndexManifest, SearchIndex, faiss_module


def unit(rng, n, d, clusters=1000, chunk=100_000):
    """Unit vectors around ``clusters`` random centres: embeddings have structure, and recall of an
    approximate index on structureless noise would say nothing."""
    centres = rng.standard_normal((clusters, d), dtype=np.float32)
    x = np.empty((n, d), np.float32)
    for i in range(0, n, chunk):
        m = min(chunk, n - i)
        block = centres[rng.integers(0, clusters, m)] + 0.7 * rng.standard_normal((m, d), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        x[i:i + m] = block
    return x


def numpy_search(x, q, k):
    scores = q @ x.T
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(scores, part, 1)
    order = np.argsort(-top, axis=1, kind="stable")
    return np.take_along_axis(top, order, 1), np.take_along_axis(part, order, 1)


def timed(fn, queries, k, single=20):
    t0 = time.perf_counter()
    _, ids = fn(queries, k)
    batch = time.perf_counter() - t0
    lat = []
    for i in range(min(single, len(queries))):
        t0 = time.perf_counter()
        fn(queries[i:i + 1], k)
        lat.append(time.perf_counter() - t0)
    return ids, {"qps": round(len(queries) / batch, 1), "p50_ms": round(1000 * float(np.percentile(lat, 50)), 2),
                 "p99_ms": round(1000 * float(np.percentile(lat, 99)), 2)}


def manifest(n, d, factory):
    return IndexManifest(model="bench", model_checksum="-", text_space=None, visual_space=None, readout="direct",
                         dim=d, count=n, excluded=0, store_fingerprint="-", factory=factory,
                         faiss_version=faiss_module().__version__)


def recall(found, truth, at=100):
    return float(np.mean([len(set(f[:at]) & set(t[:at])) / at for f, t in zip(found, truth)]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--dims", type=int, nargs="+", default=[1024, 2048])
    ap.add_argument("--approx-sizes", type=int, nargs="*", default=[100_000],
                    help="sizes at which IVF/HNSW are built (HNSW at 1M x 2048 takes hours on 2 cores)")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("-k", type=int, default=1000)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "query.json")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    results = []
    for n in args.sizes:
        for d in args.dims:
            x = unit(rng, n, d)
            q = x[rng.choice(n, args.queries, replace=False)] + 0.02 * rng.standard_normal((args.queries, d), dtype=np.float32)
            q /= np.linalg.norm(q, axis=1, keepdims=True)
            ids = np.arange(n, dtype=np.int64)
            exact = SearchIndex.build(x, ids, manifest(n, d, "Flat"), device=args.device)
            if n > 500_000:  # share the index's copy of the vectors with the numpy baseline (memory)
                flat = faiss_module().downcast_index(exact.index.index)
                x = faiss_module().rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)
            truth, fa = timed(exact.search, q, args.k)
            _, npy = timed(partial(numpy_search, x), q, args.k)
            row = {"n": n, "dim": d, "k": args.k, "queries": args.queries, "device": exact.device,
                   "faiss_exact": fa, "numpy": npy, "ratio_qps": round(fa["qps"] / npy["qps"], 2)}
            print(f"n={n:>9,} d={d}: exact faiss {fa['qps']:8.1f} q/s (p50 {fa['p50_ms']} ms, p99 {fa['p99_ms']} ms)"
                  f" | numpy {npy['qps']:8.1f} q/s (p50 {npy['p50_ms']} ms) | ratio {row['ratio_qps']}", flush=True)
            if n in args.approx_sizes:
                lists = 2 ** round(np.log2(4 * np.sqrt(n)))
                for factory, nprobe in ((f"IVF{lists},Flat", 32), ("HNSW32", None)):
                    t0 = time.perf_counter()
                    approx = SearchIndex.build(x, ids, manifest(n, d, factory), device=args.device, nprobe=nprobe)
                    built = time.perf_counter() - t0
                    found, ap_t = timed(approx.search, q, 100)
                    _, ex_t = timed(exact.search, q, 100)
                    r = recall(found, truth)
                    row[factory] = {"build_s": round(built, 1), "recall_at_100": round(r, 4),
                                    "speedup_vs_exact": round(ap_t["qps"] / ex_t["qps"], 2), **ap_t}
                    print(f"    {factory:<14} recall@100 {r:.4f}  speedup x{row[factory]['speedup_vs_exact']}"
                          f"  (build {built:.1f} s)", flush=True)
            results.append(row)
            del x, exact
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": f"{platform.machine()} ", "faiss": faiss_module().__version__,
                                    "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
