"""Exact search: the torch backend against faiss-cpu (IndexFlatIP in an ID map) on the same vectors.

One run builds N unit vectors of d dims (clustered, as bench/query.py does), indexes them with both
backends sharing one copy of the vectors (torch reads faiss's array), then times a batch of queries
(k neighbours each) on each: the median of --repeat runs after one warm-up. It checks that both
return the same ranking (the same ids, or scores within 1e-5 rank by rank where the rounding of two
BLAS libraries swaps near-ties; exit 1 otherwise), and prints faiss/torch time ratios (> 1: torch is faster) and the peak memory
each search added (resident memory sampled every 2 ms above what was held before it; on a CUDA
device also torch's peak device memory).

    .venv/bin/python bench/search_backends.py                            # 200k x 512, 100 queries, k 1000
    .venv/bin/python bench/search_backends.py --n 1000000 --dim 2048     # the issue's size (8 GiB of vectors)
    .venv/bin/python bench/search_backends.py --device gpu               # torch on CUDA (faiss stays on the CPU)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from pathlib import Path

import numpy as np

from hyperlink.index import IndexManifest, SearchIndex, faiss_module
from hyperlink.index.backends.torch_backend import TorchIndex

sys.path.insert(0, str(Path(__file__).resolve().parent))
from query import unit  # noqa: E402  (the same clustered unit vectors as the query bench)


SCORE_TOLERANCE = 1e-5  # the rank-by-rank score gap allowed: sgemm rounding, not a different ranking


def rss() -> int:
    """Resident bytes of this process now."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """Peak resident memory above the level at entry, sampled by a thread while the block runs."""

    def __enter__(self):
        self.base = self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())
        self.added = self.peak - self.base


def manifest(n: int, d: int, backend: str) -> IndexManifest:
    return IndexManifest(model="bench", model_checksum="-", text_space=None, visual_space=None, readout="direct",
                         dim=d, count=n, excluded=0, store_fingerprint="-", factory="Flat", faiss_version="",
                         backend=backend)


def timed(index: SearchIndex, q: np.ndarray, k: int, repeat: int):
    """(median seconds, scores, ids, peak memory added in bytes) of ``index.search(q, k)``."""
    index.search(q[:1], k)  # warm-up: page the vectors in, copy them to the device
    times = []
    with PeakMemory() as mem:
        for _ in range(repeat):
            t0 = time.perf_counter()
            scores, ids = index.search(q, k)
            times.append(time.perf_counter() - t0)
    return float(np.median(times)), scores, ids, mem.added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="database vectors")
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("-k", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--device", default="cpu", help="torch's device: cpu, gpu or auto (faiss is faiss-cpu)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "search_backends.json")
    args = parser.parse_args(argv)
    import torch

    faiss = faiss_module()
    rng = np.random.default_rng(args.seed)
    ids = rng.permutation(args.n * 2)[:args.n].astype(np.int64)
    t0 = time.perf_counter()
    flat = SearchIndex.create(manifest(args.n, args.dim, "faiss"))
    flat.reserve(args.n)
    for lo in range(0, args.n, 100_000):  # the vectors exist once: inside the faiss index
        hi = min(args.n, lo + 100_000)
        flat.add(unit(rng, hi - lo, args.dim), ids[lo:hi])
    flat.to_device("cpu")
    xb = faiss.downcast_index(flat.index.index).get_xb()
    x = faiss.rev_swig_ptr(xb, args.n * args.dim).reshape(args.n, args.dim)  # a view, not a copy
    exact = TorchIndex(x, ids, args.n, manifest(args.n, args.dim, "torch"))
    exact.to_device(args.device)
    q = unit(rng, args.queries, args.dim)
    print(f"{args.n} x {args.dim} vectors ({x.nbytes / 2**30:.2f} GiB), {args.queries} queries, k {args.k}; "
          f"built in {time.perf_counter() - t0:.1f} s", flush=True)

    if exact.device == "gpu":
        torch.cuda.reset_peak_memory_stats()
    t_torch, s_torch, i_torch, m_torch = timed(exact, q, args.k, args.repeat)
    gpu_peak = int(torch.cuda.max_memory_allocated()) if exact.device == "gpu" else None
    t_faiss, s_faiss, i_faiss, m_faiss = timed(flat, q, args.k, args.repeat)
    same = float((i_torch == i_faiss).all(axis=1).mean())
    recall = float(np.mean([len(np.intersect1d(a, b)) / len(a) for a, b in zip(i_torch, i_faiss)]))
    gap = float(np.abs(s_torch - s_faiss).max())  # rank by rank: small when only near-ties swap
    ratio = t_faiss / t_torch
    row = {
        "n": args.n, "dim": args.dim, "queries": args.queries, "k": args.k, "repeat": args.repeat,
        "torch_device": exact.device, "torch_threads": torch.get_num_threads(),
        "faiss_s": round(t_faiss, 4), "torch_s": round(t_torch, 4), "faiss_over_torch": round(ratio, 3),
        "faiss_qps": round(args.queries / t_faiss, 1), "torch_qps": round(args.queries / t_torch, 1),
        "faiss_peak_added_mib": round(m_faiss / 2**20, 1), "torch_peak_added_mib": round(m_torch / 2**20, 1),
        "torch_gpu_peak_mib": None if gpu_peak is None else round(gpu_peak / 2**20, 1),
        "vectors_mib": round(x.nbytes / 2**20, 1), "same_ids_rows": same, "recall_vs_faiss": round(recall, 6),
        "max_score_gap": gap,
    }
    print(f"faiss-cpu {t_faiss:.3f} s ({row['faiss_qps']} q/s, +{row['faiss_peak_added_mib']} MiB)  "
          f"torch[{exact.device}] {t_torch:.3f} s ({row['torch_qps']} q/s, +{row['torch_peak_added_mib']} MiB"
          + (f", GPU peak {row['torch_gpu_peak_mib']} MiB" if gpu_peak is not None else "") + ")")
    print(f"faiss/torch time ratio: x{ratio:.2f}; identical id lists for {same:.0%} of queries, recall of torch's "
          f"ids in faiss's {recall:.4f}, largest score gap at a rank {gap:.2e} (float rounding swaps near-ties)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "machine": f"{platform.machine()} ({os.cpu_count()} cpus)", "faiss": faiss.__version__,
        "torch": torch.__version__, "command": "python bench/search_backends.py " + " ".join(argv or sys.argv[1:]),
        "results": [row]}, indent=1) + "\n")
    return 0 if gap <= SCORE_TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
