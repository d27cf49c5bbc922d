"""The store on a real PostgreSQL server: migrations, the whole pipeline, many writers at once.

``make test`` starts a throwaway server (``scripts/pg.sh start``) and passes its URL in
``HYPERLINK_TEST_PG``; each test gets a database of its own. Without a server these tests skip
with the reason, except where ``HYPERLINK_REQUIRE_SERVICES`` is set (CI): there they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from hyperlink.store import Store
from hyperlink.store.schema import Base

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> str:
    base = os.environ.get("HYPERLINK_TEST_PG", "")
    if not base:
        reason = "no PostgreSQL server: run `make test` (it starts one) or set HYPERLINK_TEST_PG to a server's URL"
        if os.environ.get("HYPERLINK_REQUIRE_SERVICES"):
            pytest.fail(reason)
        pytest.skip(reason)
    import psycopg

    url = make_url(base)
    name = f"hl_{uuid.uuid4().hex[:12]}"
    admin = dict(host=url.query.get("host"), port=url.port or url.query.get("port"), user=url.username,
                 dbname="postgres")
    with psycopg.connect(**{k: v for k, v in admin.items() if v}, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(**{k: v for k, v in admin.items() if v}, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _hyperlink(folder: Path, db: str, *args: str, env: dict | None = None) -> str:
    proc = subprocess.run([sys.executable, "-m", "hyperlink", "--db", db, "-q", *args], cwd=folder, text=True,
                          capture_output=True, env={**os.environ, "HYPERLINK_VECTORS": str(folder / "vectors"),
                                                    **(env or {})}, timeout=600)
    assert proc.returncode == 0, f"hyperlink {' '.join(args)}:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


def test_migrations_bring_an_empty_database_to_the_orm_schema(pg_url, tmp_path):
    Store.open(pg_url, vector_dir=tmp_path / "v").close()
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()
    Store.open(pg_url, vector_dir=tmp_path / "v").close()  # idempotent


def test_the_demo_pipeline_gives_the_same_run_as_sqlite(pg_url, tmp_path):
    steps = [
        ["demo", "--out", "d", "--videos", "10"],
        ["train", "--model", "bidnn", "--text", "tfidf", "--visual", "demo-cnn", "--hidden", "32", "--rep", "16",
         "--epochs", "3"],
        ["index", "--model", "bidnn"],
        ["run", "--model", "bidnn", "--out", "run.txt"],
    ]
    runs = []
    for db in (pg_url, "store.db"):
        folder = tmp_path / ("pg" if db == pg_url else "sqlite")
        folder.mkdir()
        for args in steps:  # small chunks, so every chunked path runs
            _hyperlink(folder, db, *args, env={"HYPERLINK_CHUNK_ROWS": "97"})
        runs.append((folder / "run.txt").read_bytes())
    assert runs[0] == runs[1] and runs[0].count(b"\n") > 100


def test_four_processes_ingesting_different_videos_lose_and_duplicate_nothing(pg_url, tmp_path):
    _hyperlink(tmp_path, pg_url, "demo", "--out", "d", "--videos", "16", "--no-ingest")
    _hyperlink(tmp_path, pg_url, "ingest", "collection", "d/collection.txt")
    lines = (tmp_path / "d" / "transcripts.jsonl").read_text().splitlines()
    parts = [[line for line in lines if int(line.split('"news')[1][:4]) % 4 == i] for i in range(4)]
    for i, part in enumerate(parts):
        (tmp_path / f"t{i}.jsonl").write_text("\n".join(part) + "\n")
    env = {**os.environ, "HYPERLINK_VECTORS": str(tmp_path / "vectors"), "HYPERLINK_CHUNK_ROWS": "50"}
    procs = [subprocess.Popen([sys.executable, "-m", "hyperlink", "--db", pg_url, "ingest", "transcripts",
                               f"t{i}.jsonl"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for i in range(4)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, outs
    for part, out in zip(parts, outs):
        assert f"{len(part)} added, 0 already in the store" in out
    with Store.open(pg_url, vector_dir=tmp_path / "vectors", create=False) as store:
        assert store.counts()["cues"] == len(lines)
        with store.engine.connect() as conn:
            dupes = conn.exec_driver_sql('SELECT count(*) FROM (SELECT video_id, start, "end", text FROM cues '
                                         'GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d').scalar()
        assert dupes == 0
