"""Evaluation wall time: the real UT-HMI2014 linking run (26,665 judged-anchor targets), every measure.

Times, best of N: parsing the qrels and the run alone (the same-run baseline), then the whole
evaluation (parse + merge qrels + label segments, bins, tolerance + MAiSP + all measures).
Target: whole evaluation < 2 s on a 2-core machine (ratio = time / 2 s < 1).

    .venv/bin/python bench/evaluate.py [--repeat 5] [--qrels Q] [--run R]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from hyperlink.evaluate.relevance import build_qrels
from hyperlink.evaluate.report import evaluate_run
from hyperlink.evaluate.trec import read_qrels, read_run

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "mediaeval2014-linking"
TARGET_S = 2.0


def parse_only(qrels: Path, run: Path) -> float:
    t0 = time.perf_counter()
    read_qrels(qrels)
    read_run(run)
    return time.perf_counter() - t0


def full(qrels: Path, run: Path) -> tuple[float, int, float]:
    t0 = time.perf_counter()
    judged = build_qrels(read_qrels(qrels))
    result = evaluate_run(judged, read_run(run).items, run.name)
    return time.perf_counter() - t0, int(result.all["num_ret"]), result.all["map"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qrels", type=Path, default=DATA / "me14sh_linking_testSet.qrel")
    ap.add_argument("--run", type=Path, default=DATA / "me14sh_UT-HMI2014_L_1_Sh_U_N.txt.gz")
    ap.add_argument("--repeat", type=int, default=5, help="best of N")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "evaluate.json")
    args = ap.parse_args(argv)
    if not args.qrels.is_file() or not args.run.is_file():
        print(f"data absent: {args.qrels} / {args.run} (the shared datasets live beside the repository)", file=sys.stderr)
        return 2
    parse = min(parse_only(args.qrels, args.run) for _ in range(args.repeat))
    runs = [full(args.qrels, args.run) for _ in range(args.repeat)]
    total, targets, map_value = min(runs)
    ratio = total / TARGET_S
    print(f"evaluate {args.run.name}: {targets:,} judged-anchor targets, all measures (map {map_value:.4f})")
    print(f"  parse qrels + run only:  {parse:.3f} s  (baseline)")
    print(f"  whole evaluation:        {total:.3f} s  ({total / parse:.1f}x parsing)")
    print(f"  ratio to the 2 s target: {ratio:.2f}  ({'met' if ratio < 1 else 'NOT met'})")
    result = {
        "targets": targets, "parse_s": round(parse, 4), "evaluate_s": round(total, 4), "target_s": TARGET_S,
        "ratio": round(ratio, 3), "repeat": args.repeat, "machine": platform.machine(), "python": sys.version.split()[0],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
