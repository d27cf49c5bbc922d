"""Qrel merging and the three labellings, on hand-worked cases and against a naive reference."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hyperlink.evaluate.relevance import Ranking, build_qrels, label_bins, label_segments, label_tolerance, merge_spans
from hyperlink.types import Judgment


def qrels(*judgments):
    return build_qrels(Judgment("a", *j) for j in judgments)["a"]


def ranking(*targets):
    return Ranking.of("a", list(targets))


def test_merge_spans_closed_intervals():
    assert merge_spans([(10, 20), (20, 30), (31, 40), (35, 36)]) == [(10, 30), (31, 40)]


def test_relevant_and_non_relevant_are_merged_separately_per_video():
    q = qrels(("v", 0, 10, 1), ("v", 5, 20, 1), ("w", 5, 20, 1), ("v", 0, 30, 0))
    assert q.relevant == {"v": ((0, 20),), "w": ((5, 20),)}
    assert q.nonrelevant == {"v": ((0, 30),)}
    assert q.num_rel == 2
    assert len(q.raw_relevant) == 3


def test_segment_labels_touching_counts_and_relevance_wins():
    q = qrels(("v", 100, 200, 1), ("v", 0, 150, 0))
    r = ranking(("v", 200, 210), ("v", 90, 99), ("v", 201, 300), ("x", 100, 200), ("v", 40, 100))
    assert label_segments(r, q) == "10--1"


def test_bins_first_appearance_raw_judgments_and_border():
    # Bins of 20 s. (v, 0, 40) covers bins 0 and 1; a target ending on a border stays out of the next bin.
    q = qrels(("v", 0, 20, 1), ("v", 30, 45, 1), ("w", 3, 20, 1), ("v", 0, 10, 0), ("v", 105, 124, 0))
    r = ranking(("v", 100, 120), ("v", 0, 40), ("z", 10, 15), ("v", 5, 15))
    labels, num_rel_bin = label_bins(r, q, 20)
    assert labels == "011-"  # (v,5) (v,0) (v,1) (z,0); (v,0) again is not repeated
    assert num_rel_bin == 4  # v: bins 0, 1, 2; w: bin 0


def test_tolerance_seen_content_is_not_relevant_again():
    q = qrels(("v", 15, 25, 1), ("v", 40, 45, 0))
    r = ranking(("v", 10, 20), ("v", 12, 30), ("v", 40, 50), ("v", 0, 1), ("v", 20, 22), ("v", 24, 26))
    # [10,25) meets the relevant span -> 1, seen [10,25); the next target starts in it -> s;
    # [40,50) meets only the non-relevant span -> 0; [0,15) ends where the relevant starts (half-open) -> -;
    # [20,22) is inside seen content -> s; [24,26) overlaps seen second 24 -> s.
    assert label_tolerance(r, q, 15) == "1s0-ss"


def test_tolerance_non_relevant_after_seen_is_capital_s():
    q = qrels(("v", 15, 25, 1), ("v", 30, 60, 0))
    # Window 20: the first target makes [12, 32) seen; [26, 40) meets only the non-relevant span, inside seen content.
    assert label_tolerance(ranking(("v", 12, 20), ("v", 26, 40), ("v", 50, 55)), q, 20) == "1S0"


def _naive_closed(r, spans):
    return [any(s <= e2 and s2 <= e for s2, e2 in spans.get(v, ())) for v, s, e in r.triples()]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 100), st.integers(1, 30), st.integers(0, 1)), min_size=1, max_size=15),
    st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 120), st.integers(0, 30)), max_size=25),
)
def test_vectorised_segment_labels_match_a_naive_loop(judged, targets):
    q = qrels(*[(v, s, s + d, rel) for v, s, d, rel in judged])
    r = ranking(*[(v, s, s + d) for v, s, d in targets])
    rel, nonrel = _naive_closed(r, q.relevant), _naive_closed(r, q.nonrelevant)
    expected = "".join("1" if a else "0" if b else "-" for a, b in zip(rel, nonrel))
    assert label_segments(r, q) == expected


def test_empty_ranking_has_empty_labels():
    q = qrels(("v", 0, 10, 1))
    empty = Ranking.of("a", [])
    assert label_segments(empty, q) == label_tolerance(empty, q, 15) == ""
    assert label_bins(empty, q, 300) == ("", 1)
    assert empty.starts.dtype == np.int64
