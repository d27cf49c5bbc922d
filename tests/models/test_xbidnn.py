"""XBiDNN (ours): registry entry, shapes, missing modalities, seeding, checkpoints, tiny data, bad settings."""

import hashlib
import warnings

import numpy as np
import pytest
import torch

from hyperlink.errors import InputError, MismatchError
from hyperlink.models import available_models, create_model, load_model, save_model, train_model
from hyperlink.models.bidnn import BiDNN
from hyperlink.models.xbidnn import XBiDNNModel, xbidnn_loss

from .conftest import make_pairs

FAST = {"hidden": 8, "rep": 6, "epochs": 2, "batch_size": 8, "linear_dim": 3, "device": "cpu"}


def fitted(pairs, **settings):
    model = create_model("xbidnn", FAST | settings)
    model.fit(*pairs)
    return model


def test_registered_under_its_name():
    assert "xbidnn" in available_models()
    model = create_model("xbidnn")
    assert isinstance(model, XBiDNNModel) and model.can_expand and "ours" in XBiDNNModel.__doc__.lower()


@pytest.mark.parametrize("readout", ["direct", "expansion"])
def test_fit_and_embed_shapes(pairs, readout):
    a, b, has_a, has_b = pairs
    model = fitted(pairs)
    vectors, kept, excluded = model.embed(a, b, has_a, has_b, readout=readout)
    np.testing.assert_array_equal(kept, np.flatnonzero(has_a | has_b))
    assert excluded == 1 and vectors.dtype == np.float32 and np.isfinite(vectors).all()
    assert vectors.shape == (39, 2 * (3 + 3))  # two halves of [code r/2 | CCA k]
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, rtol=1e-5)


def test_a_missing_half_is_the_present_one_duplicated(pairs):
    a, b, has_a, has_b = pairs
    model = fitted(pairs, weight_a=0.5)  # equal halves, so a duplicated row is [h | h] / √2
    vectors, kept, _ = model.embed(a, b, has_a, has_b)
    half = vectors.shape[1] // 2
    for row in (1, 2):  # row 1 lacks A, row 2 lacks B
        v = vectors[list(kept).index(row)]
        np.testing.assert_allclose(v[:half], v[half:], atol=1e-6)
    text_only = model.embed(a, b, np.ones(len(a), bool), np.zeros(len(a), bool)).vectors
    image_only = model.embed(a, b, np.zeros(len(a), bool), np.ones(len(a), bool)).vectors
    assert text_only.shape == image_only.shape  # one space for one-modality items of either kind


def test_expansion_fills_only_the_missing_modality(pairs):
    a, b, has_a, has_b = pairs
    model = fitted(pairs)
    scaled_a, scaled_b = model._scale(a, b, has_a, has_b)
    out_a, out_b = model.expand(a, b, has_a, has_b)
    np.testing.assert_array_equal(out_a[has_a], scaled_a[has_a])
    np.testing.assert_array_equal(out_b[has_b], scaled_b[has_b])
    assert out_a[1].any() and out_b[2].any() and not out_a[3].any() and not out_b[3].any()


def test_same_seed_same_model_other_seed_other_model(pairs):
    one, two, other = fitted(pairs, seed=3), fitted(pairs, seed=3), fitted(pairs, seed=4)
    np.testing.assert_array_equal(one.embed(*pairs).vectors, two.embed(*pairs).vectors)
    assert not np.allclose(one.embed(*pairs).vectors, other.embed(*pairs).vectors)


def test_checkpoint_round_trip_is_identical_and_verified(pairs, tmp_path):
    model = fitted(pairs)
    path = tmp_path / "x.safetensors"
    digest = save_model(model, path)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    again = load_model(path, expected_sha256=digest)
    assert type(again) is XBiDNNModel and again.config == model.config and again.dims == model.dims
    for readout in ("direct", "expansion"):
        np.testing.assert_array_equal(again.embed(*pairs, readout=readout).vectors,
                                      model.embed(*pairs, readout=readout).vectors)
    with pytest.raises(MismatchError, match="expected"):
        load_model(path, expected_sha256="0" * 64)


def test_tiny_collections_fewer_rows_than_a_batch():
    a, b, _, _ = make_pairs()
    a, b = a[:5], b[:5]
    one = np.ones(5, bool)
    model = create_model("xbidnn", {"hidden": 8, "rep": 6, "epochs": 2, "device": "cpu"})  # batch 128 > 5 rows
    with pytest.warns(UserWarning, match="fewer than a batch"):
        model.fit(a, b, one, one)
    assert model.embed(a, b, one, ~one).vectors.shape[0] == 5
    single = create_model("xbidnn", {"hidden": 8, "rep": 6, "epochs": 1, "device": "cpu"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        single.fit(a[:1], b[:1], one[:1], one[:1])  # one pair: no CCA is possible, the learned codes remain
    assert single.linear is None and single.embed(a, b, one, one).vectors.shape == (5, 6)


@pytest.mark.parametrize("setting", [{"rep": 5}, {"self_rec": 1.5}, {"align": -1.0}, {"linear_weight": 2.0},
                                     {"weight_a": 1.0}, {"linear_dim": 0, "linear_weight": 1.0}, {"hidden": "x"}])
def test_bad_settings_are_input_errors(setting):
    with pytest.raises(InputError):
        create_model("xbidnn", setting)


def test_loss_is_bidnn_translation_without_swapping_or_alignment():
    torch.manual_seed(0)
    net = BiDNN(5, 7, 8, 6, output_activation="linear", dropout=0.0)
    x_a, x_b = torch.randn(4, 5), torch.randn(4, 7)
    x_b_hat, x_a_hat = net(x_a, x_b)
    expected = 0.5 * (torch.nn.functional.mse_loss(x_b_hat, x_b) + torch.nn.functional.mse_loss(x_a_hat, x_a))
    torch.testing.assert_close(xbidnn_loss(net, x_a, x_b, self_rec=0.0, align=0.0), expected)
    gap = torch.nn.functional.mse_loss(net.central_a(x_a), net.central_b(x_b))
    torch.testing.assert_close(xbidnn_loss(net, x_a, x_b, 0.0, 2.0), expected + 2 * gap)


def test_libsvm_style_use(tmp_path):
    """What `bidnn-libsvm` does, with this model: zero slices are missing, labels and rows are kept."""
    from hyperlink.ingest.segment_vectors import read_libsvm, write_libsvm

    a, b, has_a, has_b = make_pairs()
    a[~has_a], b[~has_b] = 0, 0
    labels = [str(i) for i in range(100, 140)]
    write_libsvm(tmp_path / "in.txt", labels, a, b)
    table = read_libsvm(tmp_path / "in.txt", 5, 7)
    model, _ = train_model("xbidnn", table.a, table.b, table.has_a, table.has_b, FAST)
    emb = model.embed(table.a, table.b, table.has_a, table.has_b, readout="expansion")
    joint = np.zeros((40, emb.vectors.shape[1]), np.float32)
    joint[emb.kept_index] = emb.vectors
    half = joint.shape[1] // 2
    write_libsvm(tmp_path / "out.txt", table.labels, joint[:, :half], joint[:, half:])
    out = read_libsvm(tmp_path / "out.txt", half, half)
    assert list(out.labels) == labels and not np.hstack([out.a, out.b])[3].any()
    assert np.count_nonzero(np.linalg.norm(np.hstack([out.a, out.b]), axis=1)) == 39


def test_trains_through_the_store_path_of_hyperlink_train(store, tmp_path):
    """`hyperlink train --model xbidnn` calls train_from_store: streamed chunks give the whole matrix's model."""
    from hyperlink.parsed import Parsed
    from hyperlink.train import load_store_model, train_from_store
    from hyperlink.types import Segment, Video

    a, b, has_a, has_b = make_pairs()
    with store.transaction() as tx:
        tx.add_videos(Parsed("videos", [Video(f"v{i}", 600.0) for i in range(4)], list(range(1, 5))))
        ids, _ = tx.add_segments([Segment(f"v{i // 10}", 60.0 * (i % 10), 60.0 * (i % 10) + 60.0) for i in range(40)])
        tx.set_segment_vectors(tx.ensure_space("t", "text", 5), ids, a, has=has_a)
        tx.set_segment_vectors(tx.ensure_space("v", "visual", 7), ids, b, has=has_b)
    record, model, _ = train_from_store(store, "xbidnn", "x", "t", "v", FAST | {"epochs": 1}, tmp_path / "m", chunk_rows=6)
    m = store.segment_matrix("t", "v")
    whole, _ = train_model("xbidnn", m.text, m.visual, m.has_text, m.has_visual, FAST | {"epochs": 1})
    np.testing.assert_allclose(model.embed(m.text, m.visual, m.has_text, m.has_visual).vectors,
                               whole.embed(m.text, m.visual, m.has_text, m.has_visual).vectors, atol=1e-5)
    _, loaded = load_store_model(store, "x")
    assert loaded.kind == "xbidnn" and loaded.fingerprint == whole.fingerprint
