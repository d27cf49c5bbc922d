"""Smoke run of bench/wikipedia.py on the real data: 1 seed, a few epochs, two models."""

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "datasets" / "wikipedia-xmodal"


@pytest.mark.slow
@pytest.mark.data
def test_wikipedia_bench_smoke(tmp_path):
    if not (DATA / "raw_features.mat").is_file():
        pytest.skip(f"{DATA} is absent (the shared datasets live beside the repository)")
    spec = importlib.util.spec_from_file_location("bench_wikipedia", REPO / "bench" / "wikipedia.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "wikipedia.json"
    assert bench.main(["--data", str(DATA), "--quick", "--models", "cca,bidnn", "--max-epochs", "3",
                       "--workers", "1", "--out", str(out)]) == 0
    models = json.loads(out.read_text())["models"]
    assert 0.2 < models["cca"]["image_to_text"]["map"] < 0.35  # reference 0.244 (0.267 with rho weighting)
    assert {"image_to_text", "text_to_image", "both_to_both", "image_to_text_expansion",
            "text_to_image_expansion", "settings"} <= set(models["bidnn"])


def _bench():
    spec = importlib.util.spec_from_file_location("bench_wikipedia", REPO / "bench" / "wikipedia.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_validation_folds_are_disjoint_fifths_and_fold_zero_is_the_old_split():
    import numpy as np

    bench = _bench()
    folds = bench.fold_rows(2173, 3)
    assert len(folds) == 3
    for fit, val in folds:
        assert len(val) in (434, 435) and not set(fit) & set(val) and len(fit) + len(val) == 2173
    assert not set(folds[0][1]) & set(folds[1][1]) and not set(folds[1][1]) & set(folds[2][1])
    order = np.random.default_rng(0).permutation(2173)  # the single split used before folds
    np.testing.assert_array_equal(folds[0][1], np.sort(order[:435]))


def test_choose_averages_the_folds_per_epoch_before_taking_the_best():
    bench = _bench()

    def metrics(b2b, i2t, t2i, i2t_exp=0.0, t2i_exp=0.0):
        m = {"both_to_both": b2b, "image_to_text": i2t, "text_to_image": t2i,
             "image_to_text_expansion": i2t_exp, "text_to_image_expansion": t2i_exp}
        return {k: {"map": v, "p10": 0.0} for k, v in m.items()}

    # fold 1 peaks at epoch 10, fold 2 at epoch 20; the mean peaks at epoch 20; epoch 30 is missing from fold 2
    one = {"kind": "x", "settings": {"s": 1}, "trace": [(10, metrics(0.6, 0.3, 0.3)), (20, metrics(0.5, 0.3, 0.3)),
                                                       (30, metrics(0.9, 0.9, 0.9))]}
    two = {"kind": "x", "settings": {"s": 1}, "trace": [(10, metrics(0.3, 0.3, 0.3)), (20, metrics(0.5, 0.3, 0.3, 0.4, 0.4))]}
    chosen = bench.choose([one, two])
    assert chosen["epochs"] == 20 and chosen["folds"] == 2 and [e for e, _ in chosen["curve"]] == [10, 20]
    assert chosen["val"]["both_to_both"]["map"] == 0.5 and chosen["val"]["image_to_text_expansion"]["map"] == 0.2
    assert chosen["readout"] == "direct"  # mean crossmodal: direct 0.3 against expansion 0.2
    assert abs(chosen["val_score"] - (2 * 0.3 + 0.5) / 3) < 1e-12


def test_ablation_turns_off_each_component_or_on_where_the_chosen_setting_has_it_off():
    bench = _bench()
    off = bench.ablations({"align": 0.0, "weight_a": 0.99})
    on = bench.ablations({"align": 0.1, "raw_weight": 0.5})
    align = next(k for k in off if "alignment" in k)
    raw = next(k for k in off if "inputs beside" in k)
    assert off[align]["align"] == 0.1 and on[align]["align"] == 0.0
    assert off[raw]["raw_weight"] == 0.75 and on[raw]["raw_weight"] == 0.0
    assert off["full model (validation-chosen)"] == {"align": 0.0, "weight_a": 0.99}
    fused = next(k for k in off if k.startswith("− fused code ("))
    assert off[fused] == {"align": 0.0, "weight_a": 0.99, "fuse": 0.0, "fused_weight": 0.0}
    from hyperlink.models import create_model

    for settings in off.values():  # every variant is a valid xbidnn configuration
        create_model("xbidnn", settings)
