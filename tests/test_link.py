import numpy as np
import pytest

from hyperlink.errors import InputError
from hyperlink.link import LinkOptions, filter_targets
from hyperlink.types import Segment, Span

SEGMENTS = {
    1: Segment("v1", 100, 160, id=1),  # overlaps the anchor v1 [150, 200]
    2: Segment("v1", 200, 260, id=2),  # touches the anchor's end: overlap (closed intervals)
    3: Segment("v1", 201, 261, id=3),  # after the anchor: fine
    4: Segment("v2", 0, 60, id=4),
    5: Segment("v2", 30, 90, id=5),  # overlaps 4, which ranks better
    6: Segment("v2", 60, 65, id=6),  # 5 s: too short
    7: Segment("v3", 0, 130, id=7),  # 130 s: too long
    8: Segment("v4", 0, 60, id=8),  # blacklisted video
    9: Segment("v2", 90.4, 150.2, id=9),  # rounds to 90-150: no overlap with 4 (0-60)
}
ANCHOR = Span("v1", 150, 200)


def run(order, k=10, **kw):
    ids = np.array(order)
    scores = np.linspace(1, 0, len(order))
    hits = filter_targets(ANCHOR, scores, ids, SEGMENTS, {"v4"}, LinkOptions(k, **kw))
    return [h.segment_id for h in hits]


def test_rules_on_hand_made_overlaps():
    assert run([1, 2, 3, 4, 5, 6, 7, 8, 9]) == [3, 4, 9]


def test_better_ranked_target_wins_an_overlap():
    assert run([5, 4]) == [5]


def test_exclude_anchor_video():
    assert run([3, 4], exclude_anchor_video=True) == [4]


def test_k_stops_the_walk_and_padding_ids_are_skipped():
    assert run([-1, 3, 4, 9], k=2) == [3, 4]


def test_times_are_whole_seconds():
    hits = filter_targets(ANCHOR, np.array([1.0]), np.array([9]), SEGMENTS, set(), LinkOptions(5))
    assert (hits[0].start, hits[0].end) == (90.0, 150.0)


@pytest.mark.parametrize("k", [0, 1001])
def test_k_within_the_run_limit(k):
    with pytest.raises(InputError, match="k must be within 1-1000"):
        LinkOptions(k)


def test_touching_targets_are_both_kept():
    segments = {1: Segment("v2", 0, 60, id=1), 2: Segment("v2", 60, 120, id=2)}
    hits = filter_targets(ANCHOR, np.array([1.0, 0.9]), np.array([1, 2]), segments, set(), LinkOptions(5))
    assert [h.segment_id for h in hits] == [1, 2]
