"""Vector files are loaded chunk by chunk: same store as one chunk, errors at the right line, one transaction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hyperlink.errors import InputError
from hyperlink.ingest.load import load_collection, load_keyframes, load_libsvm, load_segment_vectors
from hyperlink.store import Store, Writer

SMALL = 4  # rows per chunk where a test crosses chunks: data lines 2-5, 6-9, 10-13 after a header

N = 50
RNG = np.random.default_rng(7)
VECTORS = RNG.standard_normal((N, 3)).astype(np.float32)
VECTORS[[3, 17, 40]] = 0  # segments without a vector in that space
SPANS = [(f"v{i % 5}", 10.0 * (i // 5), 10.0 * (i // 5) + 15) for i in range(N)]
SPANS[30] = SPANS[12]  # a span listed twice (with the same vector) is stored once
VECTORS[30] = VECTORS[12]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "c.txt").write_text("".join(f"v{i} 00:10:00\n" for i in range(5)))
    rows = [f"{v},{s:g},{e:g}" for v, s, e in SPANS]
    (tmp_path / "segs.csv").write_text("video,start,end\n" + "\n".join(rows[:20]) + "\n\n" + "\n".join(rows[20:]) + "\n")
    np.save(tmp_path / "m.npy", VECTORS)
    (tmp_path / "m.csv").write_text("".join(",".join(repr(float(x)) for x in row) + "\n" for row in VECTORS))
    (tmp_path / "m.svm").write_text("".join(
        f"s{i} " + " ".join(f"{j + 1}:{x!r}" for j, x in enumerate(row.tolist()) if x) + "\n"
        for i, row in enumerate(VECTORS)
    ))
    times = [(f"v{i % 5}", float(i)) for i in range(N)]
    (tmp_path / "k.csv").write_text("video,time\n" + "".join(f"{v},{t:g}\n" for v, t in times))
    np.save(tmp_path / "k.npy", VECTORS)
    (tmp_path / "kf.csv").write_text("video,time,a,b,c\n" + "".join(
        f"{v},{t:g}," + ",".join(repr(float(x)) for x in row) + "\n" for (v, t), row in zip(times, VECTORS)
    ))
    return tmp_path


def _store(files: Path, name: str) -> Store:
    store = Store.open(files / name)
    load_collection(store, files / "c.txt")
    return store


def _load(kind: str, store: Store, files: Path, chunk_rows: int | None):
    if kind == "libsvm":
        return load_libsvm(store, files / "m.svm", files / "segs.csv", "svm-a", 1, "svm-b", 2, chunk_rows=chunk_rows)
    if kind == "keyframes-npy":
        return load_keyframes(store, files / "k.npy", "cnn", files / "k.csv", chunk_rows=chunk_rows)
    if kind == "keyframes-csv":
        return load_keyframes(store, files / "kf.csv", "cnn", chunk_rows=chunk_rows)
    return load_segment_vectors(store, files / f"m.{kind}", files / "segs.csv", "w2v", "text", chunk_rows=chunk_rows)


def _snapshot(store: Store) -> list:
    """Everything the loaders write: counts, segments, spaces, and every space's vectors."""
    out: list = [store.counts(), store.segments(), store.feature_spaces()]
    for fs in store.feature_spaces():
        m = store.segment_matrix(fs.name, None) if fs.modality == "text" else store.segment_matrix(None, fs.name)
        out += [(m.segment_ids, m.text, m.visual, m.has_text, m.has_visual), store.keyframes(fs.name)]
    return out


def _same(a, b) -> None:
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b


KINDS = ["npy", "csv", "libsvm", "keyframes-npy", "keyframes-csv"]


@pytest.mark.parametrize("kind", KINDS)
def test_chunks_of_seven_store_what_one_chunk_stores(files, kind):
    small, whole = _store(files, "small.db"), _store(files, "whole.db")
    report_small = _load(kind, small, files, 7)
    report_whole = _load(kind, whole, files, None)
    assert (report_small.added, report_small.skipped, report_small.warnings) == \
        (report_whole.added, report_whole.skipped, report_whole.warnings)
    _same(_snapshot(small), _snapshot(whole))
    if kind.startswith("keyframes"):
        videos, times, vectors = small.keyframes("cnn")
        assert len(videos) == N and sorted(times.tolist()) == list(range(N))
        return
    assert report_small.added == N - 1 and report_small.skipped == 1  # the repeated span
    m = small.segment_matrix("svm-a", "svm-b") if kind == "libsvm" else small.segment_matrix("w2v", None)
    width = 1 if kind == "libsvm" else 3
    expect = np.delete(VECTORS, 30, axis=0)[:, :width]  # stored in id order: the repeat is not a new segment
    np.testing.assert_array_equal(m.text, expect * m.has_text[:, None])
    assert m.has_text.tolist() == expect.any(axis=1).tolist()
    if kind == "libsvm":
        np.testing.assert_array_equal(m.visual, np.delete(VECTORS, 30, axis=0)[:, 1:])


def test_reloading_in_chunks_adds_nothing(files):
    store = _store(files, "s.db")
    _load("npy", store, files, 7)
    before = _snapshot(store)
    report = _load("npy", store, files, 3)
    assert report.added == 0 and report.skipped == N
    _same(_snapshot(store), before)


def _bad(files: Path, kind: str) -> tuple[str, Path, int, str]:
    """Break line 11 (data row 10, the 3rd chunk of 4 rows) of one input: (kind, file, line, message)."""
    def edit(name: str, line: int, text: str) -> Path:
        path = files / name
        lines = path.read_text().split("\n")
        lines[line - 1] = text
        path.write_text("\n".join(lines))
        return path

    if kind == "csv matrix":  # no header: line 11 is row 11
        return "csv", edit("m.csv", 11, "1,x,2"), 11, "column 2: 'x' is not a number"
    if kind == "npy row":
        m = VECTORS.copy()
        m[10, 2] = np.nan
        np.save(files / "m.npy", m)
        return "npy", files / "m.npy", 11, "matrix row 11 holds NaN or infinity"
    if kind == "segment table":
        return "npy", edit("segs.csv", 11, "v1,00:01:99,100"), 11, "start '00:01:99'"
    if kind == "libsvm":
        return "libsvm", edit("m.svm", 11, "s10 2:1 1:1"), 11, "index 1 follows 2"
    if kind == "keyframe index":
        return "keyframes-npy", edit("k.csv", 11, "v1,-4"), 11, "time '-4': times cannot be negative"
    if kind == "keyframe csv":
        return "keyframes-csv", edit("kf.csv", 11, "v1,9,1,2"), 11, "row has 2 keyframe values; the first row has 3"
    raise AssertionError(kind)


@pytest.mark.parametrize("case", ["csv matrix", "npy row", "segment table", "libsvm", "keyframe index", "keyframe csv"])
def test_a_bad_line_in_the_third_chunk_is_named_and_nothing_is_stored(files, case):
    kind, path, line, message = _bad(files, case)
    store = _store(files, "s.db")
    before = _snapshot(store)
    with pytest.raises(InputError) as e:
        _load(kind, store, files, SMALL)
    assert (e.value.path, e.value.line) == (str(path), line) and e.value.message.startswith(message), str(e.value)
    _same(_snapshot(store), before)


@pytest.mark.parametrize("kind", KINDS)
def test_an_error_in_the_last_chunk_leaves_the_store_as_it_was(files, kind, monkeypatch):
    store = _store(files, "s.db")
    _load("npy", store, files, None)  # something already there, which must stay exactly as it is
    if kind.startswith("keyframes"):
        name = "k.csv" if kind == "keyframes-npy" else "kf.csv"
        lines = (files / name).read_text().split("\n")
        lines[N] = "v9," + lines[N].split(",", 1)[1]  # the last row names a video not in the collection
        (files / name).write_text("\n".join(lines))
    else:
        with open(files / "segs.csv", "a") as f:
            f.write("v1,0,10\n")  # one segment more than the vector file has rows
    before = _snapshot(store)
    writes = []
    for name in ("add_keyframes", "set_segment_vectors"):
        method = getattr(Writer, name)
        monkeypatch.setattr(Writer, name, lambda *a, _m=method, **k: writes.append(len(a[3])) or _m(*a, **k))
    with pytest.raises(InputError) as e:
        _load(kind, store, files, SMALL)
    assert sum(writes) >= N - SMALL  # the earlier chunks were written before the error
    assert e.value.message.startswith((
        "unknown video 'v9'",
        f"segment table lists {N + 1} segments but m.{kind} has {N} rows",
        f"the segment table has {N + 1} rows but m.svm has {N}",
    )), str(e.value)
    _same(_snapshot(store), before)


def test_parquet_in_batches(tmp_path, monkeypatch):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from hyperlink.ingest.keyframes import iter_keyframes, read_keyframes

    rows = 11
    vectors = RNG.standard_normal((rows, 2)).astype(np.float32)
    table = pa.table({"video": ["a"] * rows, "time": [float(i) for i in range(rows)],
                      "vector": [row.tolist() for row in vectors]})
    pq.write_table(table, tmp_path / "k.parquet", row_group_size=3)
    chunks = list(iter_keyframes(tmp_path / "k.parquet", chunk_rows=SMALL))
    assert sum(len(c) for c in chunks) == rows and max(len(c) for c in chunks) <= SMALL
    assert [line for c in chunks for line in c.lines] == list(range(1, rows + 1))
    np.testing.assert_array_equal(np.concatenate([c.vectors for c in chunks]), vectors)
    bad = vectors.tolist()
    bad[9] = [1.0]
    pq.write_table(table.set_column(2, "vector", pa.array(bad)), tmp_path / "b.parquet", row_group_size=3)
    monkeypatch.setenv("HYPERLINK_CHUNK_ROWS", str(SMALL))
    with pytest.raises(InputError) as e:
        read_keyframes(tmp_path / "b.parquet")
    assert e.value.line == 10 and e.value.message.startswith("vector has 1 values; the first row has 2")


def test_wide_lines_make_smaller_chunks(tmp_path):
    from hyperlink.ingest._matrix import Lines

    (tmp_path / "w.csv").write_text("".join("x" * 100 + "\n" for _ in range(10)))
    sizes = [len(chunk) for _, chunk in Lines(tmp_path / "w.csv", "file").chunks(8, max_bytes=250)]
    assert sizes == [3, 3, 3, 1]


def test_npy_chunks_are_copies_of_the_rows(tmp_path):
    from hyperlink.ingest._matrix import NpyMatrix

    m = np.asfortranarray(np.arange(30, dtype=np.float64).reshape(10, 3))
    np.save(tmp_path / "f.npy", m)
    chunks = list(NpyMatrix(tmp_path / "f.npy", "matrix").chunks(4))
    assert [c.lines for c in chunks] == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    for c in chunks:
        assert c.values.dtype == np.float32 and c.values.flags.c_contiguous and c.values.base is None
    np.testing.assert_array_equal(np.concatenate([c.values for c in chunks]), m.astype(np.float32))


@pytest.mark.parametrize("chunk_rows", [None, SMALL])
def test_a_repeated_segment_with_another_vector_is_refused_at_its_line(files, chunk_rows):
    VECTORS_B = VECTORS.copy()
    VECTORS_B[30] += 1.0
    np.save(files / "m.npy", VECTORS_B)
    store = _store(files, "s.db")
    before = _snapshot(store)
    with pytest.raises(InputError, match=r"segs.csv:33: .*(repeats the segment of row 14|already has a different 'w2v')"):
        _load("npy", store, files, chunk_rows)
    _same(before, _snapshot(store))


def test_reingesting_the_same_vectors_keeps_the_fingerprint_and_edited_ones_are_refused(files):
    store = _store(files, "s.db")
    _load("npy", store, files, None)
    fingerprint = store.vector_state(["w2v"])
    report = _load("npy", store, files, SMALL)
    assert report.added == 0 and store.vector_state(["w2v"]) == fingerprint
    edited = VECTORS.copy()
    edited[44] *= 2
    np.save(files / "m.npy", edited)
    with pytest.raises(InputError, match=r"segs.csv:47: this segment already has a different 'w2v' vector "
                                         r"\(from an earlier ingest\)"):
        _load("npy", store, files, None)
    assert store.vector_state(["w2v"]) == fingerprint
