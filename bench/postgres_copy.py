"""The store's bulk write path on PostgreSQL vs raw ``COPY`` of the same rows, in the same run.

Writes ``--segments`` segments with a ``--dim``-d vector each through the store (``Writer.add_segments``
and ``Writer.set_segment_vectors`` in chunks, one transaction: what every chunked ingest does), and,
as the baseline, the same segment rows and vector-locator rows with psycopg 3's ``COPY`` into the
store's own tables (same keys, constraints, indexes), plus the same float32 matrix saved with
``np.save``. Target: ratio
(baseline seconds / store seconds) >= 0.5.

    HYPERLINK_TEST_PG=$(scripts/pg.sh start) .venv/bin/python bench/postgres_copy.py [--segments 500000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from hyperlink.parsed import Parsed
from hyperlink.store import Store
from hyperlink.types import Segment, Video

RESULTS = Path(__file__).resolve().parent / "results" / "postgres_copy.json"
PER_VIDEO = 200


def _database(base: str) -> tuple[str, dict]:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    args = {k: v for k, v in dict(host=url.query.get("host"), port=url.port or url.query.get("port"),
                                  user=url.username).items() if v}
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(**args, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False), {**args, "dbname": name}


def _spans(n: int) -> list[Segment]:
    return [Segment(f"v{i // PER_VIDEO}", 10.0 * (i % PER_VIDEO), 10.0 * (i % PER_VIDEO) + 15) for i in range(n)]


def through_store(url: str, folder: Path, spans: list[Segment], matrix: np.ndarray, chunk: int) -> float:
    store = Store.open(url, vector_dir=folder / "store-vectors")
    videos = sorted({s.video for s in spans})
    with store.transaction() as tx:
        tx.add_videos(Parsed("bench", [Video(v, 3600.0) for v in videos], list(range(1, len(videos) + 1))))
        space = tx.ensure_space("bench", "visual", matrix.shape[1], "bench")
    start = time.perf_counter()
    with store.transaction() as tx:
        for lo in range(0, len(spans), chunk):
            ids, _ = tx.add_segments(spans[lo:lo + chunk])
            tx.set_segment_vectors(space, ids, matrix[lo:lo + chunk])
    seconds = time.perf_counter() - start
    store.close()
    return seconds


def raw_copy(url: str, conn_args: dict, folder: Path, spans: list[Segment], matrix: np.ndarray, chunk: int) -> float:
    """The floor: COPY of the same rows into the store's own tables (same keys, constraints and
    indexes), one block row per chunk, and np.save + fsync of the same matrix."""
    import psycopg

    Store.open(url, vector_dir=folder / "raw-vectors").close()  # the schema, by the migrations
    with psycopg.connect(**conn_args) as conn:
        videos = sorted({s.video for s in spans})
        with conn.cursor() as cur:
            with cur.copy("COPY videos (external_id, duration, blacklisted) FROM STDIN") as copy:
                for v in videos:
                    copy.write_row((v, 3600.0, False))
            cur.execute("INSERT INTO feature_spaces (name, modality, dim, extractor, revision) "
                        "VALUES ('bench', 'visual', %s, 'bench', 0)", (matrix.shape[1],))
            video = dict(cur.execute("SELECT external_id, id FROM videos").fetchall())
            space = cur.execute("SELECT id FROM feature_spaces").fetchone()[0]
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cur:
            for lo in range(0, len(spans), chunk):
                part = spans[lo:lo + chunk]
                block = cur.execute("INSERT INTO vector_blocks (space_id, kind, file, rows, dim, sha256) "
                                    "VALUES (%s, 'segment', %s, %s, %s, '') RETURNING id",
                                    (space, f"raw-{lo}.npy", len(part), matrix.shape[1])).fetchone()[0]
                with cur.copy('COPY segments (id, video_id, start, "end", origin) FROM STDIN') as copy:
                    for i, s in enumerate(part, lo + 1):
                        copy.write_row((i, video[s.video], s.start, s.end, s.origin))
                with cur.copy("COPY segment_vectors (segment_id, space_id, block_id, row) FROM STDIN") as copy:
                    for r in range(len(part)):
                        copy.write_row((lo + r + 1, space, block, r))
                with open(folder / f"raw-{lo}.npy", "wb") as f:
                    np.save(f, matrix[lo:lo + chunk])
                    f.flush()
                    os.fsync(f.fileno())
        conn.commit()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=500_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--chunk", type=int, default=32_768)
    args = parser.parse_args()
    base = os.environ.get("HYPERLINK_TEST_PG")
    if not base:
        sys.exit("set HYPERLINK_TEST_PG (e.g. HYPERLINK_TEST_PG=$(scripts/pg.sh start))")
    spans = _spans(args.segments)
    matrix = np.random.default_rng(0).standard_normal((args.segments, args.dim)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, _ = _database(base)
        store_s = through_store(url, folder, spans, matrix, args.chunk)
        raw_url, conn_args = _database(base)
        raw_s = raw_copy(raw_url, conn_args, folder, spans, matrix, args.chunk)
    ratio = raw_s / store_s
    result = {
        "benchmark": "store bulk writes on PostgreSQL vs raw COPY of the same rows (+ np.save of the same matrix)",
        "command": f"python bench/postgres_copy.py --segments {args.segments} --dim {args.dim}",
        "segments": args.segments, "dim": args.dim, "store_s": round(store_s, 3), "raw_copy_s": round(raw_s, 3),
        "ratio": round(ratio, 3), "target": ">= 0.5", "pass": ratio >= 0.5,
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
    }
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(f"store {store_s:.2f} s, raw COPY {raw_s:.2f} s: ratio {ratio:.3f} (target >= 0.5) "
          f"{'PASS' if ratio >= 0.5 else 'FAIL'}")


if __name__ == "__main__":
    main()
