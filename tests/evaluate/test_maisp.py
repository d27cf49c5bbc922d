"""MAiSP: the worked example of evaluation.md, recall points, and the interpolated curve."""

import numpy as np
import pytest

from hyperlink.evaluate.maisp import mean_isp_curve, recall_points, segment_precision

RANKING = [("1", 0, 5), ("1", 5, 10), ("1", 10, 15), ("1", 23, 23), ("1", 27, 27), ("1", 100, 200), ("3", 10, 15)]
RELEVANT = {"1": [(15, 25), (30, 35)], "2": [(3, 20)]}


def test_worked_example():
    r = segment_precision(RANKING, RELEVANT)
    assert (r.rel_secs, r.ret_secs, r.rel_ret_secs) == (32, 130, 10)
    assert round(r.iasp, 4) == 0.1515


def test_worked_example_by_hand():
    # After 10 s of misses, target (1,10,15) meets (15,25): 5 s non-relevant, then all 10 relevant s
    # (to the segment's end, beyond the target's). Recall points 1..10 are reached there:
    # sp(rp) = rp / (10 + 15 - (10 - rp)) = rp / (15 + rp). Nothing else relevant is reached.
    r = segment_precision(RANKING, RELEVANT)
    assert r.recall_points == tuple(range(33))
    assert r.sp == pytest.approx([rp / (15 + rp) for rp in range(1, 11)])
    assert r.isp[0] == max(r.sp)
    assert r.iasp == pytest.approx((1 + sum(r.isp)) / 33)


def test_recall_points_rules():
    assert recall_points(0) == [0]
    assert recall_points(100) == list(range(101))
    pts = recall_points(3497)  # 3497 % 100 = 97 > 50: step ceil(34.97) = 35, last raised by 97
    assert pts[1] == 35 and len(pts) == 100 and pts[-1] == 3465 + 97
    pts = recall_points(1230)  # remainder 30: step 12
    assert pts[1] == 12 and pts[-1] == 1224 + 30


def test_nothing_relevant_found_scores_zero():
    r = segment_precision([("x", 0, 30)], RELEVANT)
    assert (r.iasp, r.ret_secs, r.isp_at(5)) == (0.0, 30, 0.0)


def test_consumed_content_is_not_found_twice():
    r = segment_precision([("1", 15, 20), ("1", 15, 20)], {"1": [(15, 25)]})
    assert r.rel_ret_secs == 10  # the user consumed all of (15,25) the first time


def test_curve_is_one_at_zero_and_non_increasing():
    r = segment_precision(RANKING, RELEVANT)
    levels = np.linspace(0, 1, 11)
    curve = r.curve(levels)
    assert curve[0] == 1.0 and np.all(np.diff(curve) <= 0) and curve[-1] == 0.0
    assert mean_isp_curve([r, r], levels) == pytest.approx(curve)
