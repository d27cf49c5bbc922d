"""Tiny two-modality data for the model tests: m1 != m2 on purpose, some rows missing a modality."""

from __future__ import annotations

import numpy as np
import pytest


def make_pairs(n: int = 40, m1: int = 5, m2: int = 7, seed: int = 0):
    """(a (n, m1), b (n, m2), has_a, has_b): 3 latent clusters seen by both modalities, values in [-1, 1]."""
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 3, n)
    a = np.tanh(rng.normal(size=(3, m1))[z] + 0.3 * rng.normal(size=(n, m1))).astype(np.float32)
    b = np.tanh(rng.normal(size=(3, m2))[z] + 0.3 * rng.normal(size=(n, m2))).astype(np.float32)
    has_a = np.ones(n, bool)
    has_b = np.ones(n, bool)
    has_a[[1, 5]] = False  # text missing
    has_b[[2, 6]] = False  # visual missing
    has_a[3] = has_b[3] = False  # nothing at all
    return a, b, has_a, has_b


@pytest.fixture
def pairs():
    return make_pairs()


FAST = {  # per-model overrides that keep every test well under a second
    "bidnn": {"hidden": 8, "rep": 6, "epochs": 2, "batch_size": 8},
    "mae": {"hidden": 8, "rep": 6, "epochs": 2, "batch_size": 8},
    "corrnet": {"rep": 6, "epochs": 2, "batch_size": 8},
    "dcca": {"hidden": 8, "out_dim": 3, "epochs": 2, "batch_size": 16},
    "cca": {"dim": 3},
    "concat": {},
    "text": {},
    "visual": {},
    "xbidnn": {"hidden": 8, "rep": 6, "epochs": 2, "batch_size": 8, "linear_dim": 3},
}
