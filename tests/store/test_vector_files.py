"""Vector files beside the database: exact reads, all-or-nothing writes, recovery after a kill,
and no SQL statement that grows with the collection (a driver limit of a dozen variables)."""

import os
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sqlalchemy import event

from hyperlink.errors import InputError, StoreError
from hyperlink.parsed import Parsed
from hyperlink.store import Store
from hyperlink.types import Cue, Segment, Video


def parsed(path, *items):
    p = Parsed(path)
    for i, item in enumerate(items):
        p.add(item, i + 1)
    return p


def files(store):
    return sorted(p.relative_to(store.vector_dir).as_posix() for p in store.vector_dir.rglob("*") if p.is_file())


def fill(store, n=40, dim=6, seed=0):
    """n segments over 4 videos with text vectors on the even ones; returns the vectors by segment id."""
    rng = np.random.default_rng(seed)
    segs = [Segment(f"v{i % 4}", float(10 * (i // 4)), float(10 * (i // 4) + 20)) for i in range(n)]
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    has = np.arange(n) % 2 == 0
    with store.transaction() as tx:
        tx.add_videos(parsed("c.txt", *[Video(f"v{k}", 1000.0) for k in range(4)]))
        space = tx.ensure_space("t", "text", dim)
        for a in range(0, n, 7):  # several calls, several blocks
            ids, _ = tx.add_segments(segs[a:a + 7])
            tx.set_segment_vectors(space, ids, vectors[a:a + 7], has[a:a + 7])
    return {int(i): (vectors[k], bool(has[k])) for k, i in enumerate(store.segment_matrix("t", None).segment_ids)}


def test_reads_match_what_was_written_whole_and_chunked(store):
    expected = fill(store)
    whole = store.segment_matrix("t", None)
    assert len(whole.segment_ids) == 40
    for i, sid in enumerate(whole.segment_ids.tolist()):
        vec, has = expected[sid]
        assert whole.has_text[i] == has
        np.testing.assert_array_equal(whole.text[i], vec if has else 0)
    chunks = list(store.iter_segment_matrix("t", None, chunk_rows=3))
    assert [len(c.segment_ids) for c in chunks] == [3] * 13 + [1]
    np.testing.assert_array_equal(np.concatenate([c.text for c in chunks]), whole.text)
    np.testing.assert_array_equal(np.concatenate([c.segment_ids for c in chunks]), whole.segment_ids)
    few = store.segment_matrix("t", None, ids=[int(whole.segment_ids[5]), int(whole.segment_ids[2])])
    np.testing.assert_array_equal(few.text, whole.text[[2, 5]])


def test_blocks_are_plain_npy_files(store):
    fill(store)
    names = files(store)
    assert names and all(n.endswith(".npy") for n in names)
    assert np.load(store.vector_dir / names[0]).dtype == np.float32


def test_a_failed_write_leaves_no_rows_and_no_files(store):
    fill(store)
    before, counts = files(store), store.counts()
    with pytest.raises(InputError):
        with store.transaction() as tx:
            space = tx.ensure_space("t", "text", 6)
            ids, _ = tx.add_segments([Segment("v0", 500.0, 520.0)])
            tx.set_segment_vectors(space, ids, np.ones((1, 6), np.float32), replace=True)
            raise InputError("boom", "x.csv", 3)
    assert files(store) == before and store.counts() == counts


def test_replaced_vectors_free_their_files(store):
    fill(store)
    whole = store.segment_matrix("t", None)
    with store.transaction() as tx:
        space = tx.ensure_space("t", "text", 6)
        tx.set_segment_vectors(space, whole.segment_ids, np.ones_like(whole.text), replace=True)
    assert len(files(store)) == 1  # every old block lost its last vector
    np.testing.assert_array_equal(store.segment_matrix("t", None).text, 1.0)
    with store.transaction() as tx:
        assert tx.delete_segments("window") == 40
    assert files(store) == [] and store.count_segments() == 0


def test_killed_writer_is_cleaned_up_on_next_open(tmp_path):
    db = tmp_path / "s.db"
    Store.open(db).close()
    script = textwrap.dedent(f"""
        import os, numpy as np
        from hyperlink.store import Store
        from hyperlink.parsed import Parsed
        from hyperlink.types import Segment, Video
        s = Store.open({str(db)!r})
        with s.transaction() as tx:
            p = Parsed("c.txt"); p.add(Video("v", 100.0), 1)
            tx.add_videos(p)
            space = tx.ensure_space("t", "text", 4)
            ids, _ = tx.add_segments([Segment("v", 0.0, 20.0)])
            tx.set_segment_vectors(space, ids, np.ones((1, 4), np.float32))
            os._exit(9)  # killed mid-transaction: a temporary file on disk, nothing committed
    """)
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    leftovers = list((tmp_path / "s.vectors").rglob("*.tmp"))
    assert leftovers, "the killed writer should have left its temporary block behind"
    store = Store.open(db)  # recovery: the writer is gone, its file is deleted
    assert store.count_segments() == 0 and files(store) == []
    store.close()


def test_commit_without_publish_is_finished_on_next_open(tmp_path):
    store = Store.open(tmp_path / "s.db")
    fill(store, n=4)
    expected = store.segment_matrix("t", None).text
    # simulate a kill between COMMIT and the rename: put the final files back under a temporary name
    for name in files(store):
        final = store.vector_dir / name
        os.replace(final, final.with_name(final.name + ".999999.tmp"))
    store.close()
    again = Store.open(tmp_path / "s.db")
    np.testing.assert_array_equal(again.segment_matrix("t", None).text, expected)
    again.close()


def test_missing_vector_file_is_a_clean_store_error(store):
    fill(store, n=4)
    for name in files(store):
        (store.vector_dir / name).unlink()
    with pytest.raises(StoreError, match="is missing"):
        store.segment_matrix("t", None)


@pytest.fixture
def tiny_limit_store(tmp_path):
    """A store whose SQLite connections accept at most 12 bound variables per statement."""
    store = Store.open(tmp_path / "tiny.db")

    @event.listens_for(store.engine, "connect")
    def _limit(dbapi_connection, _record):
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 12)

    store.engine.dispose()  # reconnect with the limit
    yield store
    store.close()


def test_no_statement_grows_with_the_collection(tiny_limit_store):
    store = tiny_limit_store
    expected = fill(store, n=60)
    ids = sorted(expected)
    with store.engine.connect() as conn:  # the limit is really in force
        with pytest.raises(Exception, match="too many SQL variables"):
            conn.exec_driver_sql("SELECT 1 WHERE 1 IN (" + ",".join(["?"] * 20) + ")", tuple(range(20)))
    assert len(store.segments(ids=ids)) == 60
    few = store.segment_matrix("t", None, ids=ids)
    np.testing.assert_array_equal(few.text, store.segment_matrix("t", None).text)
    with store.transaction() as tx:  # re-adding and replacing 60 segments at once
        space = tx.ensure_space("t", "text", 6)
        segs = store.segments(ids=ids)
        again, added = tx.add_segments([Segment(s.video, s.start, s.end) for s in segs])
        assert added == 0 and sorted(again.tolist()) == ids
        tx.set_segment_vectors(space, again, np.ones((60, 6), np.float32), replace=True)
        tx.add_cues(parsed("t.jsonl", *[Cue(f"v{i % 4}", float(i), float(i) + 1, f"w{i}") for i in range(30)]))
    assert len(store.cue_texts(np.arange(1, 31))) == 30
    assert set(store.cue_bounds([f"v{k}" for k in range(4)])) == {"v0", "v1", "v2", "v3"}
    np.testing.assert_array_equal(store.segment_matrix("t", None).text, 1.0)


def test_a_database_error_is_one_line_without_sql(cli, monkeypatch):
    from hyperlink.store import Store as S

    def broken(self, *a, **k):
        from sqlalchemy.exc import OperationalError

        raise OperationalError("SELECT " + ", ".join(["?"] * 5000), list(range(5000)), sqlite3.OperationalError("too many SQL variables"))

    S.open(cli.db).close()
    monkeypatch.setattr(S, "counts", broken)
    code, out, err = cli("stats")
    assert code == 1
    assert "the database refused the operation: too many SQL variables" in err
    assert "SELECT" not in err and "Traceback" not in err and len(err) < 400


def test_segment_ids_are_never_reused(store):
    fill(store, n=8)
    before = set(store.segment_matrix("t", None).segment_ids.tolist())
    with store.transaction() as tx:
        tx.delete_segments("window")
    with store.transaction() as tx:
        ids, added = tx.add_segments([Segment("v0", 0.0, 20.0), Segment("v1", 0.0, 20.0)])
    assert added == 2 and not set(ids.tolist()) & before and min(ids) > max(before)
