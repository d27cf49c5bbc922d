"""`hyperlink bidnn-libsvm`: LibSVM in and out, labels kept, -e 0 with a loaded model, the original's options."""

import numpy as np
import pytest

from hyperlink.cli import main

segment_vectors = pytest.importorskip("hyperlink.ingest.segment_vectors", reason="the LibSVM reader is not merged yet")

from .conftest import make_pairs  # noqa: E402


@pytest.fixture
def dataset(tmp_path):
    """A LibSVM file of 40 rows (m1=5, m2=7), missing slices as zeros, labels 100..139."""
    a, b, has_a, has_b = make_pairs()
    a[~has_a], b[~has_b] = 0, 0
    labels = [str(i) for i in range(100, 140)]
    segment_vectors.write_libsvm(tmp_path / "in.txt", labels, a, b)
    return tmp_path / "in.txt", labels, a, b, has_a, has_b


def _run(*args):
    return main(["--quiet", "bidnn-libsvm", *map(str, args)])


def _read(path, m1, m2):
    return segment_vectors.read_libsvm(path, m1, m2)


def test_embedding_round_trip_keeps_labels_and_rows(dataset, tmp_path):
    infile, labels, *_ = dataset
    out = tmp_path / "out.txt"
    assert _run(infile, out, 5, 7, 8, 6, "-e", 3, "-b", 8, "-d", 0, "-m", 0, "-n", "-v", 0) == 0
    table = _read(out, 3, 3)
    assert list(table.labels) == labels
    joint = np.hstack([table.a, table.b])
    assert not joint[3].any()  # neither modality: an empty vector, not a constant one
    assert np.count_nonzero(np.linalg.norm(joint, axis=1)) == 39
    np.testing.assert_allclose(np.linalg.norm(joint[:, :3]), 1, rtol=1e-4)  # -n: Frobenius per half
    first, second = joint[1, :3], joint[1, 3:]  # missing A: [h_B | h_B], each half scaled by its own norm
    np.testing.assert_allclose(first / np.linalg.norm(first), second / np.linalg.norm(second), rtol=1e-5)


def test_saved_model_predicts_with_zero_epochs(dataset, tmp_path):
    infile, labels, *_ = dataset
    model = tmp_path / "model_%e.safetensors"
    assert _run(infile, tmp_path / "first.txt", 5, 7, 8, 6, "-e", 2, "-b", 8, "-s", model, "-v", 0) == 0
    saved = tmp_path / "model_final.safetensors"
    assert saved.is_file()
    assert _run(infile, tmp_path / "again.txt", 5, 7, 8, 6, "-e", 0, "-l", saved, "-v", 0) == 0
    first, again = _read(tmp_path / "first.txt", 3, 3), _read(tmp_path / "again.txt", 3, 3)
    np.testing.assert_allclose(np.hstack([again.a, again.b]), np.hstack([first.a, first.b]), rtol=1e-5, atol=1e-6)


def test_crossmodal_expansion_fills_missing_modalities_only(dataset, tmp_path):
    infile, labels, a, b, has_a, has_b = dataset
    out = tmp_path / "x.txt"
    assert _run(infile, out, 5, 7, 8, 6, "-e", 2, "-b", 8, "-c", "-v", 0) == 0
    table = _read(out, 5, 7)
    np.testing.assert_allclose(table.a[has_a], a[has_a], rtol=1e-5)
    np.testing.assert_allclose(table.b[has_b], b[has_b], rtol=1e-5)
    assert np.asarray(table.a)[[1, 5]].any() and np.asarray(table.b)[[2, 6]].any()


def test_write_every_n_epochs_and_run_a_command(dataset, tmp_path):
    infile, *_ = dataset
    out = tmp_path / "out_%e.txt"
    marker = tmp_path / "ran_%e"
    assert _run(infile, out, 5, 7, 8, 6, "-e", 4, "-b", 8, "-w", 2, "-x", f"touch {marker}", "-v", 0) == 0
    for tag in ("00002", "00004", "final"):
        assert (tmp_path / f"out_{tag}.txt").is_file() and (tmp_path / f"ran_{tag}").is_file()


def test_zero_epochs_without_a_model_and_mismatched_model_are_refused(dataset, tmp_path, capsys):
    infile, *_ = dataset
    assert _run(infile, tmp_path / "o.txt", 5, 7, 8, 6, "-e", 0) == 3
    assert "-l/--load-model" in capsys.readouterr().err
    assert _run(infile, tmp_path / "o.txt", 5, 7, 8, 6, "-e", 1, "-b", 8, "-s", tmp_path / "m.safetensors", "-v", 0) == 0
    assert _run(infile, tmp_path / "o.txt", 5, 7, 16, 6, "-e", 0, "-l", tmp_path / "m.safetensors") == 5
    assert "hdnsize 8" in capsys.readouterr().err
