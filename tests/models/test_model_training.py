"""The training loop: Nesterov as the original, seeds, small data, validation, callback, curve."""

import numpy as np
import pytest
import torch

from hyperlink.errors import InputError
from hyperlink.models import EpochStats, TrainConfig, create_model, plot_history, train_model
from hyperlink.models.loop import make_optimiser

from .conftest import make_pairs


def test_sgd_step_is_textbook_nesterov_momentum():
    """Lasagne's nesterov_momentum: v <- mu v - lr g(p);  p <- p + mu v - lr g(p)."""
    lr, mu, k = 0.1, 0.9, 3.0  # f(p) = k p^2 / 2, g(p) = k p
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    opt = make_optimiser([p], TrainConfig(lr=lr, momentum=mu))
    ref, v = np.array([1.0, -2.0]), np.zeros(2)
    for _ in range(4):
        opt.zero_grad()
        (k * p.pow(2) / 2).sum().backward()
        opt.step()
        g = k * ref
        v = mu * v - lr * g
        ref = ref + mu * v - lr * g
        np.testing.assert_allclose(p.detach().numpy(), ref, rtol=1e-6)
    # by hand, first step: g = 3, v = -0.3, p = 1 + 0.9 * -0.3 - 0.3 = 0.43
    q = torch.nn.Parameter(torch.tensor([1.0]))
    opt = make_optimiser([q], TrainConfig(lr=lr, momentum=mu))
    (k * q.pow(2) / 2).sum().backward()
    opt.step()
    assert q.item() == pytest.approx(0.43)


def test_momentum_zero_is_plain_sgd():
    p = torch.nn.Parameter(torch.tensor([1.0]))
    opt = make_optimiser([p], TrainConfig(lr=0.1, momentum=0.0))
    for _ in range(2):
        opt.zero_grad()
        (p.pow(2) / 2).sum().backward()
        opt.step()
    assert p.item() == pytest.approx(0.81)


def test_same_seed_same_weights_other_seed_other_weights(pairs):
    cfg = {"hidden": 8, "rep": 6, "epochs": 3, "batch_size": 8}
    runs = [train_model("bidnn", *pairs, {**cfg, "seed": s})[0] for s in (1, 1, 2)]
    w = [m.state_tensors() for m in runs]
    assert all(torch.equal(w[0][k], w[1][k]) for k in w[0])
    assert not all(torch.equal(w[0][k], w[2][k]) for k in w[0])


def test_fewer_rows_than_a_batch_still_trains_and_says_so():
    a, b, has_a, has_b = make_pairs(n=10)
    with pytest.warns(UserWarning, match="fewer than a batch of 128"):
        model, result = train_model("bidnn", a, b, has_a, has_b, {"hidden": 8, "rep": 6, "epochs": 2})
    assert result.n_train == 5 and len(result.history) == 2 and np.isfinite(result.history[-1].loss)


def test_last_partial_batch_is_dropped(pairs):
    # 35 complete pairs, batch 8: 4 steps per epoch (3 rows unused), counted by Adam's step counter
    model, _ = train_model("bidnn", *pairs, {"hidden": 8, "rep": 6, "epochs": 3, "batch_size": 8, "optimiser": "adam", "lr": 1e-3})
    assert model.metrics["n_train"] == 35


def test_dropout_zero_and_momentum_zero_train(pairs):
    _, result = train_model("bidnn", *pairs, {"hidden": 8, "rep": 6, "epochs": 2, "batch_size": 8, "dropout": 0.0, "momentum": 0.0})
    assert len(result.history) == 2


def test_validation_split_early_stopping_and_best_epoch(pairs):
    seen: list[EpochStats] = []
    cfg = {"hidden": 8, "rep": 6, "epochs": 60, "batch_size": 8, "val_fraction": 0.3, "patience": 2, "lr": 5.0}
    model, result = train_model("bidnn", *pairs, cfg, progress=seen.append)
    assert result.n_val == 10 and result.n_train == 25
    assert [s.epoch for s in seen] == [h.epoch for h in result.history]
    assert all(s.val_loss is not None and s.samples_per_s > 0 for s in seen)
    best = min(result.history, key=lambda h: h.val_loss)
    assert result.best_epoch == best.epoch
    assert len(result.history) <= result.best_epoch + 2  # stopped after 2 stale epochs (or ran out)
    assert model.metrics["best_epoch"] == best.epoch


def test_no_complete_pair_is_an_input_error(pairs):
    a, b, has_a, has_b = pairs
    with pytest.raises(InputError, match="both modalities"):
        train_model("bidnn", a, b, has_a, np.zeros_like(has_b), {"hidden": 8, "rep": 6, "epochs": 1})


def test_unknown_setting_and_model_name_the_choices(pairs):
    with pytest.raises(InputError, match="unknown setting.*hidden"):
        create_model("bidnn", {"hiden": 3})
    with pytest.raises(InputError, match="choose one of: bidnn"):
        create_model("nope")


def test_plot_history_writes_a_png(pairs, tmp_path):
    _, result = train_model("bidnn", *pairs, {"hidden": 8, "rep": 6, "epochs": 3, "batch_size": 8, "val_fraction": 0.2})
    plot_history(result.history, tmp_path / "curve.png")
    assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
