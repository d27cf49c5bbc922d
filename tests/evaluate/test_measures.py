"""Segment measures on label strings, and the registry's official names."""

import pytest

from hyperlink.evaluate.maisp import segment_precision
from hyperlink.evaluate.measures import MEASURES, AnchorOutcome, aggregate, average_precision, judged_at, precision_at

OFFICIAL = (
    "num_q num_rel num_ret num_rel_ret map P_5 P_10 P_20 Judged_10 Judged_20 Judged_30 num_rel_bin num_ret_bin "
    "num_rel_ret_bin map_bin P_5_bin P_10_bin P_20_bin num_rel_ret_tol map_tol P_5_tol P_10_tol P_20_tol maisp "
    "maisp_0.05 maisp_0.10 maisp_0.20 num_rel_secs num_ret_secs num_rel_ret_secs"
).split()


def test_every_official_measure_is_registered():
    assert set(OFFICIAL) <= set(MEASURES)


def test_precision_keeps_k_as_denominator():
    assert precision_at("11", 5) == 0.4
    assert precision_at("s1S0-1", 5) == 0.2  # only "1" is relevant


def test_average_precision_counts_every_hit_and_divides_by_num_rel():
    # hits at ranks 1, 3, 4: (1/1 + 2/3 + 3/4) / 2 -- duplicates of one segment all count, AP may pass 1
    assert average_precision("1-11", 2) == pytest.approx((1 + 2 / 3 + 3 / 4) / 2)
    assert average_precision("---", 0) == 0.0


def test_judged_counts_seen_marks_as_judged():
    assert judged_at("1s-S0", 5) == 0.8
    assert judged_at("1", 10) == 0.1


def outcome(labels, num_rel):
    return AnchorOutcome("a", {"": labels, "_bin": labels, "_tol": labels}, {"": num_rel, "_bin": num_rel, "_tol": num_rel},
                         segment_precision([], {}), 1, 1, 10.0, 20.0)


def test_registry_computes_and_aggregates():
    a, b = outcome("1-0", 2), outcome("0011", 4)
    assert MEASURES["num_rel_ret"].compute(a) == 1
    assert aggregate(MEASURES["num_ret"], [MEASURES["num_ret"].compute(o) for o in (a, b)]) == 7
    maps = [MEASURES["map"].compute(o) for o in (a, b)]
    assert aggregate(MEASURES["map"], maps) == pytest.approx((0.5 + (1 / 3 + 2 / 4) / 4) / 2)
    assert aggregate(MEASURES["map"], []) == 0.0
