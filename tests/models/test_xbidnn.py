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
    assert vectors.shape == (39, 2 * (3 + 3) + 3)  # two halves of [code r/2 | CCA k], then the mean code r/2
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, rtol=1e-5)


def test_a_missing_half_is_the_present_one_duplicated(pairs):
    a, b, has_a, has_b = pairs
    model = fitted(pairs, weight_a=0.5, fused_weight=0.0)  # equal halves, so a duplicated row is [h | h] / √2
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
    assert single.linear is None and single.embed(a, b, one, one).vectors.shape == (5, 6 + 3)


@pytest.mark.parametrize("setting", [{"rep": 5}, {"self_rec": 1.5}, {"align": -1.0}, {"linear_weight": 2.0},
                                     {"fuse": 1.5}, {"fuse": -0.1}, {"fused_weight": 1.0}, {"fused_weight": -0.5},
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
    out = read_libsvm(tmp_path / "out.txt", half, joint.shape[1] - half)
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


# --- raw_weight: the centred inputs beside the codes for items with both modalities -----------------

RAW = {"raw_weight": 0.5, "weight_a": 0.8, "fused_weight": 0.0}


def _without_raw(model):
    """The same fitted model read out without the inputs' block (raw_weight 0)."""
    import dataclasses

    other = XBiDNNModel(dataclasses.replace(model.config, raw_weight=0.0))
    other.restore(model.dims, model.tensors())
    return other


def test_raw_weight_shapes_and_a_block_only_for_items_with_both(pairs):
    a, b, has_a, has_b = pairs
    model = fitted(pairs, **RAW)
    assert [x.shape for x in model.raw_mean] == [(5,), (7,)]
    for readout in ("direct", "expansion"):
        vectors, kept, excluded = model.embed(a, b, has_a, has_b, readout=readout)
        assert excluded == 1 and vectors.shape == (39, 2 * (3 + 3) + 5 + 7) and np.isfinite(vectors).all()
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, rtol=1e-5)
        both = (has_a & has_b)[kept]
        assert np.abs(vectors[~both, 12:]).max() == 0 and (np.abs(vectors[both, 12:]).sum(axis=1) > 0).all()


@pytest.mark.parametrize("readout", ["direct", "expansion"])
def test_raw_weight_leaves_one_modality_items_and_crossmodal_search_unchanged(pairs, readout):
    a, b, has_a, has_b = pairs
    model = fitted(pairs, **RAW)
    plain = _without_raw(model)
    with_raw = model.embed(a, b, has_a, has_b, readout=readout)
    without = plain.embed(a, b, has_a, has_b, readout=readout)
    one = ~(has_a & has_b)[with_raw.kept_index]
    np.testing.assert_allclose(with_raw.vectors[one, :12], without.vectors[one], atol=1e-6)
    yes, no = np.ones(len(a), bool), np.zeros(len(a), bool)
    text_raw = model.embed(a, b, yes, no, readout=readout).vectors
    text_plain = plain.embed(a, b, yes, no, readout=readout).vectors
    image_raw = model.embed(a, b, no, yes, readout=readout).vectors
    image_plain = plain.embed(a, b, no, yes, readout=readout).vectors
    np.testing.assert_allclose(image_raw @ text_raw.T, image_plain @ text_plain.T, atol=1e-6)


def test_raw_weight_mixes_the_cosines_of_items_with_both(pairs):
    a, b, _, _ = pairs
    yes = np.ones(len(a), bool)
    model = fitted(pairs, **RAW)
    codes = _without_raw(model).embed(a, b, yes, yes).vectors
    joint = model.embed(a, b, yes, yes).vectors
    scaled_a, scaled_b = model._scale(a, b, yes, yes)
    unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)  # noqa: E731
    raw = np.hstack([np.sqrt(0.8) * unit(scaled_a - model.raw_mean[0]),
                     np.sqrt(0.2) * unit(scaled_b - model.raw_mean[1])])
    np.testing.assert_allclose(joint @ joint.T, 0.5 * codes @ codes.T + 0.5 * raw @ raw.T, atol=1e-5)


def test_raw_weight_does_not_change_training_and_is_seeded(pairs):
    model, again, plain = fitted(pairs, seed=3, **RAW), fitted(pairs, seed=3, **RAW), fitted(pairs, seed=3)
    np.testing.assert_array_equal(model.embed(*pairs).vectors, again.embed(*pairs).vectors)
    for key, value in plain.state_tensors().items():
        torch.testing.assert_close(model.state_tensors()[key], value, rtol=0, atol=0)
    assert plain.raw_mean is None and "raw.mean_a" not in plain.tensors()  # off by default: checkpoints as before


def test_raw_weight_checkpoint_round_trip(pairs, tmp_path):
    model = fitted(pairs, **RAW)
    path = tmp_path / "raw.safetensors"
    again = load_model(path, expected_sha256=save_model(model, path))
    assert again.config.raw_weight == 0.5
    for x, y in zip(again.raw_mean, model.raw_mean):
        np.testing.assert_array_equal(x, y)
    for readout in ("direct", "expansion"):
        np.testing.assert_array_equal(again.embed(*pairs, readout=readout).vectors,
                                      model.embed(*pairs, readout=readout).vectors)


@pytest.mark.parametrize("value", [1.0, -0.1])
def test_bad_raw_weight_is_an_input_error(value):
    with pytest.raises(InputError):
        create_model("xbidnn", {"raw_weight": value})


# --- fuse / fused_weight: the pair's mean code, decoded in training and beside the halves -----------


def test_loss_with_fuse_one_decodes_the_pairs_mean_code():
    torch.manual_seed(0)
    net = BiDNN(5, 7, 8, 6, output_activation="linear", dropout=0.0)
    x_a, x_b = torch.randn(4, 5), torch.randn(4, 7)
    mean = 0.5 * (net.central_a(x_a) + net.central_b(x_b))
    expected = 0.5 * (torch.nn.functional.mse_loss(net.decode_b(mean), x_b)
                      + torch.nn.functional.mse_loss(net.decode_a(mean), x_a))
    for self_rec in (0.0, 0.5):  # every row reads the mean code, whatever self_rec would have picked
        torch.testing.assert_close(xbidnn_loss(net, x_a, x_b, self_rec, 0.0, fuse=1.0), expected)
    assert not torch.allclose(xbidnn_loss(net, x_a, x_b, 0.0, 0.0, fuse=0.0), expected)


def _read_out_with(model, **changes):
    """The same fitted model read out with other embedding settings."""
    import dataclasses

    other = XBiDNNModel(dataclasses.replace(model.config, **changes))
    other.restore(model.dims, model.tensors())
    return other


@pytest.mark.parametrize("readout", ["direct", "expansion"])
def test_fused_block_only_for_items_with_both_and_crossmodal_search_unchanged(pairs, readout):
    a, b, has_a, has_b = pairs
    model = fitted(pairs, fuse=0.5, fused_weight=0.4)
    plain = _read_out_with(model, fused_weight=0.0)
    fused, without = model.embed(a, b, has_a, has_b, readout=readout), plain.embed(a, b, has_a, has_b, readout=readout)
    assert fused.vectors.shape == (39, 12 + 3) and without.vectors.shape == (39, 12)
    np.testing.assert_allclose(np.linalg.norm(fused.vectors, axis=1), 1, rtol=1e-5)
    both = (has_a & has_b)[fused.kept_index]
    np.testing.assert_array_equal(fused.vectors[~both, 12:], 0)  # one modality (even if predicted): no mean code
    np.testing.assert_allclose(fused.vectors[~both, :12], without.vectors[~both], atol=1e-6)
    np.testing.assert_allclose(fused.vectors[both, :12], np.sqrt(0.6) * without.vectors[both], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(fused.vectors[both, 12:], axis=1), np.sqrt(0.4), rtol=1e-5)
    # the mean code block is the unit mean of the two centred codes
    scaled = model._scale(a, b, has_a, has_b)
    c_a, c_b = model.run(lambda x_a, x_b: (model.net.central_a(x_a), model.net.central_b(x_b)), *scaled)
    mean = 0.5 * ((c_a - model.code_mean[0]) + (c_b - model.code_mean[1]))
    rows = fused.kept_index[both]
    expected = np.sqrt(0.4) * mean[rows] / np.linalg.norm(mean[rows], axis=1, keepdims=True)
    np.testing.assert_allclose(fused.vectors[both, 12:], expected, atol=1e-5)
    yes, no = np.ones(len(a), bool), np.zeros(len(a), bool)
    text, image = model.embed(a, b, yes, no, readout=readout).vectors, model.embed(a, b, no, yes, readout=readout).vectors
    text0, image0 = plain.embed(a, b, yes, no, readout=readout).vectors, plain.embed(a, b, no, yes, readout=readout).vectors
    np.testing.assert_allclose(image @ text.T, image0 @ text0.T, atol=1e-6)


def test_fuse_changes_training_and_round_trips(pairs, tmp_path):
    model, other = fitted(pairs, fuse=0.5), fitted(pairs, fuse=0.0)
    assert not np.allclose(model.embed(*pairs).vectors, other.embed(*pairs).vectors)
    path = tmp_path / "fused.safetensors"
    again = load_model(path, expected_sha256=save_model(model, path))
    assert again.config.fuse == 0.5 and again.config.fused_weight == model.config.fused_weight
    np.testing.assert_array_equal(again.embed(*pairs).vectors, model.embed(*pairs).vectors)


def test_a_checkpoint_from_before_the_fused_code_reads_out_as_it_did():
    """Configs stored before `fuse`/`fused_weight` existed lack them: they load as 0 (the old model), not the new defaults."""
    from hyperlink.models.config import config_from_dict, config_to_dict
    from hyperlink.models.xbidnn import XBiDNNConfig

    stored = config_to_dict(XBiDNNConfig())
    assert stored["fuse"] > 0 and stored["fused_weight"] > 0  # today's defaults use it
    del stored["fuse"], stored["fused_weight"]
    old = config_from_dict(XBiDNNConfig, stored)
    assert old.fuse == 0.0 and old.fused_weight == 0.0
