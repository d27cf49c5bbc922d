"""The duplication rule, exclusion of empty rows, normalisation, and crossmodal expansion (m1 != m2)."""

import numpy as np
import pytest
import torch

from hyperlink.models import create_model


@pytest.fixture
def bidnn(pairs):
    model = create_model("bidnn", {"hidden": 8, "rep": 6, "epochs": 3, "batch_size": 8, "dropout": 0.0})
    model.fit(*pairs)
    return model


def _codes(model, a, b):
    with torch.no_grad():
        return (model.net.central_a(torch.from_numpy(a)).numpy(), model.net.central_b(torch.from_numpy(b)).numpy())


def test_missing_a_gives_duplicated_central_layer_of_b(bidnn, pairs):
    a, b, has_a, has_b = pairs
    has_a = has_a.copy()
    has_a[:] = False
    a = np.zeros_like(a)  # all-zero and flagged missing
    emb = bidnn.embed(a, b, has_a, has_b, norm="none")
    c_b = _codes(bidnn, a, b)[1][emb.kept_index]
    np.testing.assert_allclose(emb.vectors, np.hstack([c_b, c_b]), rtol=1e-5, atol=1e-6)
    assert emb.n_excluded == int((~has_b).sum())


def test_rows_with_neither_modality_are_excluded_and_counted(bidnn, pairs):
    a, b, has_a, has_b = pairs
    emb = bidnn.embed(a, b, has_a, has_b)
    assert emb.n_excluded == 1 and 3 not in emb.kept_index
    assert len(emb.vectors) == len(emb.kept_index) == len(a) - 1
    assert emb.vectors.dtype == np.float32 and emb.kept_index.dtype == np.int64


def test_l2_norm_makes_unit_halves_and_unit_rows(bidnn, pairs):
    v = bidnn.embed(*pairs).vectors
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(v[:, :3], axis=1), np.linalg.norm(v[:, 3:], axis=1), rtol=1e-5)


def test_frobenius_norm_is_the_originals_whole_half_scaling(bidnn, pairs):
    raw = bidnn.embed(*pairs, norm="none").vectors
    fro = bidnn.embed(*pairs, norm="frobenius").vectors
    np.testing.assert_allclose(np.linalg.norm(fro[:, :3]), 1, rtol=1e-5)
    np.testing.assert_allclose(fro[:, 3:], raw[:, 3:] / np.linalg.norm(raw[:, 3:]), rtol=1e-5)


def test_expansion_fills_each_missing_modality_with_the_other_directions_prediction(bidnn, pairs):
    a, b, has_a, has_b = pairs  # m1 = 5, m2 = 7
    new_a, new_b = bidnn.expand(a, b, has_a, has_b)
    assert new_a.shape == a.shape and new_b.shape == b.shape
    with torch.no_grad():
        pred_a = bidnn.net.decode_a(bidnn.net.central_b(torch.from_numpy(b))).numpy()  # (n, m1) from B
        pred_b = bidnn.net.decode_b(bidnn.net.central_a(torch.from_numpy(a))).numpy()  # (n, m2) from A
    np.testing.assert_allclose(new_a[[1, 5]], pred_a[[1, 5]], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_b[[2, 6]], pred_b[[2, 6]], rtol=1e-5, atol=1e-6)
    present_a, present_b = has_a, has_b
    np.testing.assert_array_equal(new_a[present_a], a[present_a])
    np.testing.assert_array_equal(new_b[present_b], b[present_b])
    assert not new_a[3].any() and not new_b[3].any()


def test_expansion_readout_embeds_the_completed_pair(bidnn, pairs):
    a, b, has_a, has_b = pairs
    new_a, new_b = bidnn.expand(a, b, has_a, has_b)
    filled = has_a | has_b
    np.testing.assert_allclose(bidnn.embed(a, b, has_a, has_b, readout="expansion").vectors,
                               bidnn.embed(new_a, new_b, filled, filled).vectors, rtol=1e-5, atol=1e-6)


def test_models_that_cannot_predict_refuse_the_expansion_readout(pairs):
    from hyperlink.errors import InputError

    model = create_model("cca", {"dim": 2})
    model.fit(*pairs)
    with pytest.raises(InputError, match="readout 'direct'"):
        model.embed(*pairs, readout="expansion")
