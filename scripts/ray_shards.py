"""Extract a folder of videos into one store with Ray: one `hyperlink ingest media --shard I/N` per task.

On one machine Ray runs the N tasks on its cores; on a cluster (`ray start --head` / `--address`)
the same script spreads them over the nodes, which must all see the video folder, the store (a
PostgreSQL URL, or one SQLite file on a shared disk: SQLite writers then queue) and the vectors
folder. Shards skip the text encoder (`--text none`); once every shard is in, the script fits it
once on all the cues and cuts the candidate segments again, so the result does not depend on which
shard finished first:

    python scripts/ray_shards.py videos/ --db postgresql+psycopg://... --shards 8 [--address auto]

The same recipe as a SLURM array (one task per shard, then one job for the last two commands):

    sbatch --array=0-7 --wrap 'hyperlink --db "$DB" ingest media videos/ --text none --shard $SLURM_ARRAY_TASK_ID/8'
    hyperlink --db "$DB" encode-text && hyperlink --db "$DB" segment
"""

from __future__ import annotations

import argparse
import subprocess
import sys


def run(args: list[str]) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, "-m", "hyperlink", *args], capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--db", required=True)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--address", default=None, help="a Ray cluster (default: start Ray on this machine)")
    parser.add_argument("--cpus-per-task", type=float, default=1.0)
    parser.add_argument("extra", nargs="*", help="more `ingest media` options, after --")
    args = parser.parse_args()
    try:
        import ray
    except ImportError:
        print("this recipe needs Ray: pip install 'ray>=2.9'", file=sys.stderr)
        return 6
    ray.init(address=args.address, include_dashboard=False, log_to_driver=False)
    task = ray.remote(num_cpus=args.cpus_per_task)(run)
    shard_args = [["--db", args.db, "-q", "ingest", "media", args.folder, "--text", "none",
                   "--shard", f"{i}/{args.shards}", *args.extra] for i in range(args.shards)]
    results = ray.get([task.remote(a) for a in shard_args])
    failed = [(i, out) for i, (code, out) in enumerate(results) if code != 0]
    for i, out in failed:
        print(f"shard {i}/{args.shards} failed:\n{out}", file=sys.stderr)
    if failed:
        return 1
    from hyperlink.store import Store

    with Store.open(args.db, create=False) as store:
        cues = store.count_cues()
    for step in ([["encode-text"]] if cues else []) + [["segment"]]:  # no subtitles anywhere: no text space
        code, out = run(["--db", args.db, "-q", *step])
        if code != 0:
            print(out, file=sys.stderr)
            return code
    print(f"{args.shards} shards ingested into {args.db}; {'text encoded and ' if cues else ''}segments cut once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
