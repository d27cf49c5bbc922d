"""Training data sources: chunks in row order, rows by index, the disk cache, moments merged over chunks."""

import hashlib

import numpy as np
import pytest

from hyperlink.errors import InputError, MismatchError
from hyperlink.models import ArrayPairs, DiskPairs, fingerprint
from hyperlink.models.moments import ColumnMoments, CrossMoments



def chunks_of(pairs, size):
    a, b, has_a, has_b = pairs
    for i in range(0, len(a), size):
        yield a[i:i + size], b[i:i + size], has_a[i:i + size], has_b[i:i + size]


def zeroed(pairs):
    a, b, has_a, has_b = (np.array(x) for x in pairs)
    a[~has_a], b[~has_b] = 0, 0
    return a, b


@pytest.fixture
def disk(pairs, tmp_path):
    return DiskPairs.write(tmp_path / "cache", chunks_of(pairs, 9), chunk_rows=7)


def test_chunks_cover_every_row_in_order_with_absent_rows_zeroed(pairs, disk):
    a, b = zeroed(pairs)
    for source in (ArrayPairs(*pairs, chunk_rows=7), disk):
        chunks = list(source.chunks())
        assert [c.start for c in chunks] == [0, 7, 14, 21, 28, 35] and source.n == 40 and source.dims == (5, 7)
        np.testing.assert_array_equal(np.concatenate([c.a for c in chunks]), a)
        np.testing.assert_array_equal(np.concatenate([c.b for c in chunks]), b)
        np.testing.assert_array_equal(np.concatenate([c.has_a for c in chunks]), pairs[2])
        assert all(c.a.dtype == np.float32 and c.a.flags.c_contiguous for c in chunks)


def test_rows_by_index_in_the_index_order(pairs, disk):
    a, b = zeroed(pairs)
    index = np.array([17, 3, 39, 0, 5, 6, 7, 2])  # runs of consecutive rows are read at once
    for source in (ArrayPairs(*pairs), disk):
        got_a, got_b = source.rows(index)
        np.testing.assert_array_equal(got_a, a[index])
        np.testing.assert_array_equal(got_b, b[index])
        np.testing.assert_array_equal(source.rows(slice(30, 34))[1], b[30:34])


def test_subset_and_map_are_views_of_the_source(pairs, disk):
    a, b = zeroed(pairs)
    complete = np.flatnonzero(pairs[2] & pairs[3])
    view = disk.subset(complete).map(lambda x_a, x_b, has_a, has_b: (x_a * 2, x_b + has_b[:, None]))
    assert view.n == len(complete) and view.has_a.all() and view.chunk_rows == 7 and not view.in_memory
    got_a, got_b = view.rows(np.array([4, 1]))
    np.testing.assert_array_equal(got_a, 2 * a[complete[[4, 1]]])
    np.testing.assert_array_equal(got_b, b[complete[[4, 1]]] + 1)


def test_the_cache_is_two_raw_float32_files(pairs, disk, tmp_path):
    a, b = zeroed(pairs)
    np.testing.assert_array_equal(np.fromfile(tmp_path / "cache" / "b.f32", np.float32).reshape(40, 7), b)
    (tmp_path / "cache" / "a.f32").write_bytes(b"short")
    with pytest.raises(InputError, match="not 40 x 5 float32"):
        DiskPairs(tmp_path / "cache", disk.has_a, disk.has_b, disk.dims)


def test_a_bad_row_is_named_by_its_number_in_the_whole_stream(pairs, tmp_path):
    a = pairs[0].copy()
    a[22, 1] = np.nan
    with pytest.raises(InputError, match="a has non-finite values in row 22"):
        DiskPairs.write(tmp_path / "c", chunks_of((a, *pairs[1:]), 9))
    with pytest.raises(InputError, match="a has non-finite values in row 22"):
        list(ArrayPairs(a, *pairs[1:], chunk_rows=8).chunks())
    a[22, 1] = 5.0
    a[3, 0] = np.inf  # row 3 has neither modality: its values are ignored
    assert DiskPairs.write(tmp_path / "d", chunks_of((a, *pairs[1:]), 9)).n == 40


def test_chunks_of_other_widths_are_refused(pairs, tmp_path):
    a, b, has_a, has_b = pairs
    chunks = [(a[:9], b[:9], has_a[:9], has_b[:9]), (a[9:, :4], b[9:], has_a[9:], has_b[9:])]
    with pytest.raises(MismatchError, match=r"chunk at row 9 has widths \(4, 7\), expected \(5, 7\)"):
        DiskPairs.write(tmp_path / "c", chunks)


def naive_fingerprint(a, b, has_a, has_b):
    """The digest as first defined: sha256 over whole matrices (absent rows zeroed), then the masks."""
    a, b = zeroed((a, b, has_a, has_b))
    h = hashlib.sha256()
    for name, x in (("a", a), ("b", b), ("has_a", has_a), ("has_b", has_b)):
        h.update(f"{name}:{x.shape}:{x.dtype.str};".encode())
        h.update(x.tobytes())
    return h.hexdigest()


def test_fingerprint_over_chunks_is_the_whole_matrix_digest(pairs, disk):
    expected = naive_fingerprint(*pairs)
    assert fingerprint(*pairs) == fingerprint(disk) == fingerprint(ArrayPairs(*pairs, chunk_rows=3)) == expected
    assert fingerprint(pairs[0] + 1, *pairs[1:]) != expected


def test_column_moments_merged_over_chunks_equal_numpys():
    x = np.random.default_rng(0).normal(5.0, 2.0, size=(101, 4))
    m = ColumnMoments()
    for i in range(0, 101, 17):
        m.add(x[i:i + 17])
    m.add(x[:0])
    assert m.n == 101
    np.testing.assert_allclose(m.mean, x.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(m.var(), x.var(axis=0), rtol=1e-12)
    one = ColumnMoments()
    one.add(x)
    assert np.array_equal(one.mean, x.mean(axis=0)) and np.array_equal(np.sqrt(one.var()), x.std(axis=0))


def test_cross_moments_merged_over_chunks_equal_the_centred_products():
    rng = np.random.default_rng(1)
    x_a, x_b = rng.normal(3.0, 1.0, size=(64, 3)), rng.normal(-2.0, 1.0, size=(64, 5))
    m = CrossMoments()
    for i in range(0, 64, 10):
        m.add(x_a[i:i + 10], x_b[i:i + 10])
    c_a, c_b = x_a - x_a.mean(0), x_b - x_b.mean(0)
    np.testing.assert_allclose(m.mean_b, x_b.mean(0), rtol=1e-13)
    for got, want in ((m.s_aa, c_a.T @ c_a), (m.s_bb, c_b.T @ c_b), (m.s_ab, c_a.T @ c_b)):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-11)


def _status_mib(key: str) -> float:
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(key + ":")) / 1024


def _reset_peak_rss() -> float:
    """Reset the peak RSS (VmHWM) to the current RSS, which it returns (MiB)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return _status_mib("VmRSS")


def test_random_rows_from_a_big_cache_cost_the_rows_not_the_file(tmp_path):
    """A memory map would fault in neighbouring pages and grow RSS towards the file's size (80 MB here)."""
    try:
        _reset_peak_rss()
    except OSError:
        pytest.skip("needs Linux /proc/self/clear_refs")
    rows, m = 20_000, 1024
    rng = np.random.default_rng(0)
    chunks = ((rng.random((2000, m), dtype=np.float32), np.zeros((2000, 0), np.float32), np.ones(2000, bool),
               np.zeros(2000, bool)) for _ in range(rows // 2000))
    disk = DiskPairs.write(tmp_path / "big", chunks)
    index = np.sort(rng.choice(rows, 2000, replace=False))
    before = _reset_peak_rss()
    a, _ = disk.rows(index)
    assert _status_mib("VmHWM") - before < 30  # the 8 MB asked for, and slack
    np.testing.assert_array_equal(a[:3], np.fromfile(tmp_path / "big" / "a.f32", np.float32).reshape(rows, m)[index[:3]])
    with pytest.raises(IndexError, match="outside the cache's 20000"):
        disk.rows(np.array([5, rows]))
