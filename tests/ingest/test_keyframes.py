from __future__ import annotations

import numpy as np
import pytest

from hyperlink.errors import InputError
from hyperlink.ingest import read_keyframes

CHUNK_ROWS = 4  # HYPERLINK_CHUNK_ROWS in the tests that cross chunks


def test_csv_with_header(write):
    path = write("k.csv", "video,time,f1,f2,f3\nv1,0,1,2,3\n\nv1,00:00:02.5,4,5,6\n \t\nv2,7,-1e-3,0,1e2\n")
    got = read_keyframes(path)
    assert got.videos == ["v1", "v1", "v2"]
    np.testing.assert_array_equal(got.times, [0.0, 2.5, 7.0])
    assert got.times.dtype == np.float64 and got.vectors.dtype == np.float32
    np.testing.assert_array_equal(got.vectors, np.float32([[1, 2, 3], [4, 5, 6], [-1e-3, 0, 100]]))
    assert got.lines == [2, 4, 6] and got.dim == 3 and len(got) == 3


def test_csv_without_header_and_quoted_ids(write):
    got = read_keyframes(write("k.csv", '"v,1",1.5,0.25\nv2,2,0.5\n'))
    assert got.videos == ["v,1", "v2"] and got.lines == [1, 2]
    np.testing.assert_array_equal(got.vectors[:, 0], [0.25, 0.5])


@pytest.mark.parametrize(
    "rows, line, message",
    [
        ("v,1,1,2\nv,2,1\n", 2, "row has 1 keyframe values; the first row has 2"),
        ("v,1,1,2\nv,2,1,2,3\n", 2, "row has 3 keyframe values; the first row has 2"),
        ("v,1,1,2\nv,2,nan,2\n", 2, "column 3 is nan; vectors must be finite numbers (no NaN or infinity)"),
        ("v,1,1,2\nv,2,1,-inf\n", 2, "column 4 is -inf; vectors must be finite"),
        ("v,1,1,2\nv,2,1,x\n", 2, "column 4: 'x' is not a number"),
        ("v,1,1,2\nv,-2,1,2\n", 2, "time '-2': times cannot be negative"),
        ("v,1,1,2\nv,1:99,1,2\n", 2, "time '1:99': minutes and seconds must be 00-59"),
        ("v,1,1,2\n,2,1,2\n", 2, "row has an empty video"),
        ("v,1,1,2\nv,2,1,2\nv,3,1", 3, "row has 1 keyframe values; the first row has 2"),  # cut short
    ],
)
def test_csv_errors(write, rows, line, message):
    path = write("k.csv", rows)
    with pytest.raises(InputError) as e:
        read_keyframes(path)
    assert e.value.line == line and e.value.message.startswith(message), str(e.value)


def test_csv_error_in_a_late_chunk_has_its_line(write, monkeypatch):
    monkeypatch.setenv("HYPERLINK_CHUNK_ROWS", str(CHUNK_ROWS))
    n = 2 * CHUNK_ROWS + 10
    lines = [f"v{i % 7},{i},{i * 0.5},1" for i in range(n)]
    lines[-3] = f"v,{n},{1.5}"  # line n - 2 is short
    path = write("k.csv", "video,time,a,b\n" + "\n".join(lines) + "\n")
    with pytest.raises(InputError) as e:
        read_keyframes(path)
    assert e.value.line == n - 2 + 1


def test_csv_matches_numpy_across_chunks(write, monkeypatch):
    monkeypatch.setenv("HYPERLINK_CHUNK_ROWS", str(CHUNK_ROWS))
    rng = np.random.default_rng(0)
    m = rng.standard_normal((CHUNK_ROWS + 5, 4)).astype(np.float32)
    text = "".join(f"v,{i}," + ",".join(repr(float(x)) for x in row) + "\n" for i, row in enumerate(m))
    got = read_keyframes(write("k.csv", text))
    np.testing.assert_array_equal(got.vectors, m)
    assert got.lines[-1] == len(m)


def test_dim_check(write):
    with pytest.raises(InputError) as e:
        read_keyframes(write("k.csv", "v,1,1,2\n"), dim=3)
    assert e.value.message == "vectors have 2 values; expected 3" and e.value.line == 1


def test_npy_with_sibling_index(tmp_path, write):
    np.save(tmp_path / "k.npy", np.arange(6, dtype=np.float64).reshape(3, 2))
    write("k.csv", "video,time\na,0\na,00:00:01\nb,2.5\n")
    got = read_keyframes(tmp_path / "k.npy")
    assert got.videos == ["a", "a", "b"] and got.lines == [2, 3, 4]
    np.testing.assert_array_equal(got.times, [0, 1, 2.5])
    np.testing.assert_array_equal(got.vectors, np.float32([[0, 1], [2, 3], [4, 5]]))
    other = write("idx.csv", "a,0\na,1\nb,2\n")
    assert read_keyframes(tmp_path / "k.npy", other).lines == [1, 2, 3]


def test_npy_index_count_mismatch(tmp_path, write):
    np.save(tmp_path / "k.npy", np.zeros((2, 3), np.float32))
    index = write("k.csv", "a,0\na,1\nb,2\n")
    with pytest.raises(InputError) as e:
        read_keyframes(tmp_path / "k.npy")
    assert str(e.value) == (
        f"{index}:3: index lists 3 keyframes but k.npy has 2 rows; row i of the index must describe row i of the matrix"
    )


def test_npy_nan_truncated_and_no_index(tmp_path, write):
    m = np.zeros((4, 3), np.float32)
    m[2, 1] = np.inf
    np.save(tmp_path / "k.npy", m)
    write("k.csv", "a,0\na,1\na,2\na,3\n")
    with pytest.raises(InputError, match=r"k.npy:3: matrix row 3 holds NaN or infinity"):
        read_keyframes(tmp_path / "k.npy")
    m[2, 1] = 0
    np.save(tmp_path / "k.npy", m)
    data = (tmp_path / "k.npy").read_bytes()
    (tmp_path / "k.npy").write_bytes(data[:-5])
    with pytest.raises(InputError, match="not a readable NPY matrix .*the file may be truncated"):
        read_keyframes(tmp_path / "k.npy")
    np.save(tmp_path / "j.npy", m)
    with pytest.raises(InputError, match="an .npy matrix needs an index CSV"):
        read_keyframes(tmp_path / "j.npy")


def test_not_utf8_and_empty(write):
    path = write("k.csv", b"v,1,2\nv\xe9,2,3\n")
    with pytest.raises(InputError) as e:
        read_keyframes(path)
    assert str(e.value) == f"{path}:2: not UTF-8 (byte 0xe9 at line 2); re-encode the file as UTF-8"
    with pytest.raises(InputError, match="file is empty; expected a keyframe"):
        read_keyframes(write("e.csv", ""))
    with pytest.raises(InputError, match="has a header but no rows"):
        read_keyframes(write("h.csv", "video,time,a\n"))
    with pytest.raises(InputError, match="first line is neither a data row nor a header"):
        read_keyframes(write("g.csv", "name,when,a\nv,1,2\n"))


def test_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    wide = pa.table({"video": ["a", "b"], "time": [1.0, 2.0], "f1": [0.5, 1.5], "f2": [1, 2]})
    pq.write_table(wide, tmp_path / "w.parquet")
    got = read_keyframes(tmp_path / "w.parquet")
    np.testing.assert_array_equal(got.vectors, np.float32([[0.5, 1], [1.5, 2]]))
    assert got.lines == [1, 2] and got.videos == ["a", "b"]
    listed = pa.table({"video": ["a", "b"], "time": ["00:00:01", "3"], "vector": [[1.0, 2.0], [3.0, 4.0]]})
    pq.write_table(listed, tmp_path / "l.parquet")
    got = read_keyframes(tmp_path / "l.parquet")
    np.testing.assert_array_equal(got.times, [1, 3])
    np.testing.assert_array_equal(got.vectors, np.float32([[1, 2], [3, 4]]))


def test_parquet_errors(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.table({"video": ["a", "b"], "time": [1, 2], "vector": [[1.0, 2.0], [3.0]]}), tmp_path / "r.parquet")
    with pytest.raises(InputError) as e:
        read_keyframes(tmp_path / "r.parquet")
    assert e.value.line == 2 and e.value.message.startswith("vector has 1 values; the first row has 2")
    pq.write_table(pa.table({"video": ["a"], "time": [1], "vector": [[1.0, float("nan")]]}), tmp_path / "n.parquet")
    with pytest.raises(InputError, match="vector holds NaN"):
        read_keyframes(tmp_path / "n.parquet")
    data = (tmp_path / "n.parquet").read_bytes()
    (tmp_path / "t.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read_keyframes(tmp_path / "t.parquet")


def test_repeated_keyframes_and_unused_index_are_warnings(write):
    path = write("k.csv", "v,1,0.5\nv,1,0.5\nv,2,0.5\n")
    got = read_keyframes(path, index=path)
    assert len(got) == 3
    assert got.warnings == [
        f"{path}: the index {path} is only used with an .npy matrix; ignored",
        f"{path}: 1 keyframe(s) repeat an earlier (video, time); all are kept",
    ]
