"""Paired tests: scipy's t-test as is, a seeded randomisation test, and the star levels."""

import numpy as np
import pytest
from scipy import stats

from hyperlink.evaluate.significance import compare, mark, paired_t_test, randomisation_test

rng = np.random.default_rng(7)
A = rng.uniform(0, 1, 30)
B = A + rng.normal(0.05, 0.1, 30)


def test_marks_follow_the_papers():
    assert [mark(p) for p in (0.2, 0.05, 0.049, 0.0099, 0.00009)] == ["", "", "*", "**", "***"]


def test_t_test_is_scipys_paired_test():
    assert paired_t_test(B, A) == pytest.approx(stats.ttest_rel(B, A).pvalue)
    assert paired_t_test(A, A) == 1.0


def test_randomisation_is_seeded_and_agrees_with_t_roughly():
    p1, p2 = randomisation_test(B, A, trials=5000, seed=3), randomisation_test(B, A, trials=5000, seed=3)
    assert p1 == p2
    assert abs(p1 - paired_t_test(B, A)) < 0.05
    assert randomisation_test(A, A, trials=100) == 1.0
    assert randomisation_test(A + 1, A, trials=999) == pytest.approx(1 / 1000)


def test_compare_pairs_common_anchors_only():
    base = {"x": {"map": 0.1}, "y": {"map": 0.2}, "z": {"map": 0.3}}
    run = {"x": {"map": 0.2}, "y": {"map": 0.4}, "w": {"map": 1.0}}
    (t,) = compare(("base", base), ("run", run), ["map"], trials=200)
    assert (t.anchors, t.run, t.baseline) == (2, "run", "base")
    assert t.mean_difference == pytest.approx(0.15)
    assert t.mark == ""  # two anchors cannot make a difference significant
