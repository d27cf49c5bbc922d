from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hyperlink.errors import InputError
from hyperlink.ingest import read_libsvm, read_segment_vectors, write_libsvm
from hyperlink.types import Segment

CHUNK_ROWS = 4  # HYPERLINK_CHUNK_ROWS in the tests that cross chunks


def test_read_libsvm(write):
    # dim_a = 2, dim_b = 3: columns 1-2 are A, 3-5 are B
    path = write("x.svm", "0.50 1:0.5 4:-2\nNA 3:1e-3\n\nlab 1:1 2:2 3:3 4:4 5:5\n-1\n")
    got = read_libsvm(path, 2, 3)
    assert got.labels == ["0.50", "NA", "lab", "-1"]
    np.testing.assert_array_equal(got.a, np.float32([[0.5, 0], [0, 0], [1, 2], [0, 0]]))
    np.testing.assert_array_equal(got.b, np.float32([[0, -2, 0], [1e-3, 0, 0], [3, 4, 5], [0, 0, 0]]))
    assert got.has_a.tolist() == [True, False, True, False]
    assert got.has_b.tolist() == [True, True, True, False]
    assert got.lines == [1, 2, 4, 5] and len(got) == 4


def test_irregular_whitespace_reads_the_same(write):
    tidy = read_libsvm(write("a.svm", "x 1:0.5 4:-2\ny 2:1\n"), 2, 3)
    messy = read_libsvm(write("b.svm", "  x\t1:0.5   4:-2 \r\n \t\ny 2:1\t\n"), 2, 3)
    assert messy.labels == tidy.labels and messy.lines == [1, 3]
    np.testing.assert_array_equal(messy.a, tidy.a)
    np.testing.assert_array_equal(messy.b, tidy.b)


@pytest.mark.parametrize(
    "line, message",
    [
        ("x 1:1 6:1", "index 6 is beyond the 5 columns (dim_a + dim_b); check the modality sizes"),
        ("x 0:1", "index 0 is invalid; LibSVM indices start at 1"),
        ("x 3:1 2:1", "index 2 follows 3; indices must be strictly increasing, without repeats"),
        ("x 2:1 2:1", "index 2 follows 2; indices must be strictly increasing, without repeats"),
        ("x 1.5:1", "index '1.5' is not an integer"),
        ("x 1:abc", "value 'abc' of index 1 is not a number"),
        ("x 1:nan", "value of index 1 is nan; values must be finite (no NaN or infinity)"),
        ("x 1:inf", "value of index 1 is inf; values must be finite (no NaN or infinity)"),
        ("x 1:1 2", "'2' is not an idx:val pair; write e.g. 3:0.25"),
        ("x 1:1 2:", "value '' of index 2 is not a number"),
        ("1:1 2:1", "line starts with '1:1'; a LibSVM line starts with a label, then idx:val pairs"),
    ],
)
def test_libsvm_errors(write, line, message):
    path = write("x.svm", "ok 1:1 5:2\n" + line + "\nok 2:1\n")
    with pytest.raises(InputError) as e:
        read_libsvm(path, 2, 3)
    assert e.value.line == 2 and e.value.message == message, str(e.value)


def test_libsvm_error_in_a_late_chunk_has_its_line(write, monkeypatch):
    monkeypatch.setenv("HYPERLINK_CHUNK_ROWS", str(CHUNK_ROWS))
    lines = [f"r{i} 1:{i} 3:1" for i in range(CHUNK_ROWS + 50)]
    lines[CHUNK_ROWS + 20] = "bad 3:1 1:1"
    with pytest.raises(InputError) as e:
        read_libsvm(write("x.svm", "\n".join(lines)), 2, 3)
    assert e.value.line == CHUNK_ROWS + 21 and e.value.message.startswith("index 1 follows 3")


def test_libsvm_truncated_non_utf8_empty(write):
    with pytest.raises(InputError) as e:
        read_libsvm(write("t.svm", "a 1:0.5 3:1\nb 1:0.25 3:"), 2, 3)
    assert e.value.line == 2 and e.value.message == "value '' of index 3 is not a number"
    path = write("u.svm", b"a 1:1\n\xfe 2:1\n")
    with pytest.raises(InputError, match=r"u.svm:2: not UTF-8 \(byte 0xfe at line 2\)"):
        read_libsvm(path, 2, 3)
    with pytest.raises(InputError, match="file is empty"):
        read_libsvm(write("e.svm", "\n"), 2, 3)


def test_write_libsvm_is_compact(tmp_path):
    path = tmp_path / "o.svm"
    a = np.float32([[0.5, 0], [0, 0], [0.1, 1 / 3]])
    b = np.float32([[-2, 0, 0], [0, 0, 0], [0, 1e-7, 16777216]])
    write_libsvm(path, ["x", "y", "0.50"], a, b)
    assert path.read_text() == "x 1:0.5 3:-2\ny\n0.50 1:0.1 2:0.33333334 4:1e-07 5:16777216\n"
    back = read_libsvm(path, 2, 3)
    np.testing.assert_array_equal(back.a, a)
    np.testing.assert_array_equal(back.b, b)
    assert back.labels == ["x", "y", "0.50"]


def test_write_libsvm_refuses_bad_input(tmp_path):
    with pytest.raises(ValueError, match="label 'a b' must be one token"):
        write_libsvm(tmp_path / "o.svm", ["a b"], np.ones((1, 1)), np.ones((1, 1)))
    with pytest.raises(ValueError, match="NaN"):
        write_libsvm(tmp_path / "o.svm", ["a"], np.full((1, 1), np.nan), np.ones((1, 1)))


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float32, (3, 5), elements=st.floats(width=32, allow_nan=False, allow_infinity=False)))
def test_write_read_round_trip(tmp_path_factory, x):
    path = tmp_path_factory.mktemp("rt") / "r.svm"
    write_libsvm(path, ["a", "b", "c"], x[:, :2], x[:, 2:])
    back = read_libsvm(path, 2, 3)
    np.testing.assert_array_equal(np.hstack([back.a, back.b]), x + np.float32(0))  # -0.0 reads back as 0


def test_segment_vectors_npy(tmp_path, write):
    m = np.float32([[1, 2], [0, 0], [3, 4]])
    np.save(tmp_path / "v.npy", m)
    table = write("s.csv", "video,start,end\na,0,10\na,00:00:10,00:00:20\nb,5,7.5\n")
    got = read_segment_vectors(tmp_path / "v.npy", table)
    assert got.segments == [Segment("a", 0, 10, origin="imported"), Segment("a", 10, 20, origin="imported"),
                            Segment("b", 5, 7.5, origin="imported")]
    assert got.has.tolist() == [True, False, True] and got.lines == [2, 3, 4]
    np.testing.assert_array_equal(got.vectors, m)
    assert got.warnings == [f"{tmp_path / 'v.npy'}: 1 row(s) are all zero; those segments have no vector"]


def test_segment_vectors_csv_matrix(write):
    matrix = write("v.csv", "f1,f2\n1,2\n3,4\n")
    got = read_segment_vectors(matrix, write("s.csv", "a,0,10\nb,1,2\n"))
    np.testing.assert_array_equal(got.vectors, np.float32([[1, 2], [3, 4]]))
    assert got.lines == [1, 2] and got.has.all()


@pytest.mark.parametrize(
    "table, line, message",
    [
        ("a,0,10\na,12,10\n", 2, "end 10 is not after start 12; a span needs end > start"),
        ("a,0,10\na,x,10\n", 2, "start 'x' is not a number of seconds"),
        ("a,0,10\na,-1,10\n", 2, "start '-1': times cannot be negative"),
        ("a,0,10\n,1,10\n", 2, "row has an empty video id"),
        ("a,0,10\na,1\n", 2, "row has 2 fields; the first row has 3"),
        ("a,0,10\n", None, "segment table lists 1 segments but v.csv has 2 rows"),
        ("a,0,10\na,1,2\na,2,3\n", 3, "segment table lists 3 segments but v.csv has 2 rows"),
    ],
)
def test_segment_table_errors(write, table, line, message):
    matrix = write("v.csv", "1,2\n3,4\n")
    with pytest.raises(InputError) as e:
        read_segment_vectors(matrix, write("s.csv", table))
    assert e.value.line == line and e.value.message.startswith(message), str(e.value)


def test_segment_matrix_errors(tmp_path, write):
    table = write("s.csv", "a,0,10\nb,0,10\n")
    with pytest.raises(InputError, match=r"v.csv:2: row has 3 segment vector values; the first row has 2"):
        read_segment_vectors(write("v.csv", "1,2\n3,4,5\n"), table)
    with pytest.raises(InputError, match=r"w.csv:2: column 1 is NaN; vectors must be finite"):
        read_segment_vectors(write("w.csv", "1,2\nNaN,4\n"), table)
    np.save(tmp_path / "v.npy", np.ones((2, 2)))
    (tmp_path / "t.npy").write_bytes((tmp_path / "v.npy").read_bytes()[:-3])
    with pytest.raises(InputError, match="not a readable NPY matrix"):
        read_segment_vectors(tmp_path / "t.npy", table)
    with pytest.raises(InputError, match="unknown matrix extension '.txt'"):
        read_segment_vectors(write("v.txt", "1,2\n"), table)


def test_repeated_segment_is_a_warning(write):
    table = write("s.csv", "a,0,10\na,0,10\n")
    got = read_segment_vectors(write("v.csv", "1,2\n3,4\n"), table)
    assert got.warnings == [f"{table}:2: segment repeats line 1; both kept"]


def test_segment_table_with_header_in_any_column_order(write):
    from hyperlink.ingest import read_segment_table

    got = read_segment_table(write("s.csv", "end,video,start,note\n00:01:00,a,30,x\n"))
    assert got.items == [Segment("a", 30.0, 60.0, origin="imported")] and got.lines == [2]
