"""Start-up time of trivial commands against the interpreter's own, measured in the same run.

Each command runs REPEAT times in a fresh process (warm file-system caches after a first untimed run);
the best and the median wall times are kept. The store is the synthetic demo (`hyperlink demo`,
3 videos) in a temporary folder, so `stats` opens a real store.

    .venv/bin/python bench/startup.py            # prints a table, writes bench/results/startup.json
    .venv/bin/python bench/startup.py --repeat 20
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_S = 1.0  # the bar: a trivial command starts in under 1 s with warm caches


def _time(argv: list[str], repeat: int, env: dict) -> dict:
    subprocess.run(argv, env=env, capture_output=True, check=True)  # warm the caches, untimed
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return {"best_s": round(min(times), 3), "median_s": round(statistics.median(times), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "startup.json")
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HYPERLINK_CONFIG": "", "XDG_CONFIG_HOME": tmp}
        db = str(Path(tmp) / "s.db")
        hl = [py, "-m", "hyperlink", "--db", db]
        subprocess.run([*hl, "-q", "demo", "--out", str(Path(tmp) / "d"), "--videos", "3"], env=env,
                       capture_output=True, check=True, cwd=tmp)
        cases = {
            "python -c pass": [py, "-c", "pass"],
            "hyperlink --help": [py, "-m", "hyperlink", "--help"],
            "hyperlink --version": [py, "-m", "hyperlink", "--version"],
            "hyperlink stats": [*hl, "stats"],
        }
        results = {name: _time(argv, args.repeat, {**env, "COLUMNS": "100"}) for name, argv in cases.items()}
    base = results["python -c pass"]["best_s"]
    for name, r in results.items():
        r["over_python_s"] = round(r["best_s"] - base, 3)
        r["under_target"] = r["median_s"] < TARGET_S
        print(f"{name:24} best {r['best_s']:.3f} s  median {r['median_s']:.3f} s  (+{r['over_python_s']:.3f} s over "
              f"python){'' if r['under_target'] or name.startswith('python') else '  OVER 1 s'}")
    out = {"repeat": args.repeat, "target_s": TARGET_S, "cpu_count": os.cpu_count(), "python": platform.python_version(),
           "load_average": list(os.getloadavg()), "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
