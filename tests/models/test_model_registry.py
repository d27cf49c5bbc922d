"""Every registered model fits and embeds one- and two-modality items through the same interface."""

import numpy as np
import pytest

from hyperlink.models import available_models, create_model

from .conftest import FAST


def test_the_registry_has_bidnn_and_the_baselines():
    assert set(available_models()) == {"bidnn", "text", "visual", "concat", "cca", "mae", "corrnet", "dcca", "xbidnn"}
    assert set(FAST) == set(available_models())


@pytest.mark.parametrize("kind", sorted(FAST))
def test_fit_and_embed(kind, pairs):
    a, b, has_a, has_b = pairs
    model = create_model(kind, FAST[kind])
    model.fit(a, b, has_a, has_b)
    readouts = ("direct", "expansion") if model.can_expand else ("direct",)
    for readout in readouts:
        vectors, kept, excluded = model.embed(a, b, has_a, has_b, readout=readout)
        needs = {"text": has_a, "visual": has_b}.get(kind, has_a | has_b)
        np.testing.assert_array_equal(kept, np.flatnonzero(needs))
        assert excluded == int((~needs).sum()) and vectors.shape[0] == len(kept)
        assert vectors.dtype == np.float32 and np.isfinite(vectors).all()
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, rtol=1e-4)
    one = np.ones(len(a), bool)
    assert model.embed(a, b, one, one).vectors.shape[1] == vectors.shape[1]


def test_setting_values_are_type_checked():
    import pytest as _pytest

    from hyperlink.errors import InputError
    from hyperlink.models import make_config

    assert make_config("bidnn", {"hidden": "64", "epochs": 3}).hidden == 64
    with _pytest.raises(InputError, match="setting hidden must be an integer, got 'abc'"):
        make_config("bidnn", {"hidden": "abc"})
    with _pytest.raises(InputError, match="setting lr must be a number"):
        make_config("bidnn", {"lr": "fast"})
