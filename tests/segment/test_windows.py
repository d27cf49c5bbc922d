import numpy as np
import pytest

from hyperlink.segment import WindowSpec, cut_windows, snap_to_cues, text_features, visual_features


@pytest.mark.parametrize("length,stride", [(5, 5), (121, 30), (60, 0), (60, 61)])
def test_window_spec_rejects_out_of_range(length, stride):
    with pytest.raises(ValueError):
        WindowSpec(length, stride)


def test_windows_cover_the_video_and_stay_in_range():
    for duration in [10, 59, 60, 61, 100, 1234.5]:
        w = cut_windows(duration, WindowSpec(60, 20))
        assert w[0, 0] == 0 and w[-1, 1] == duration
        lengths = w[:, 1] - w[:, 0]
        assert (lengths >= 10).all() and (lengths <= 120).all()
        assert (np.diff(w[:, 0]) > 0).all()


def test_too_short_video_has_no_window():
    assert cut_windows(9.5, WindowSpec()).shape == (0, 2)


def test_snap_keeps_the_target_rules():
    spans = np.array([[0.0, 12.0]])
    # snapping the end to 5 would make a 5 s target: refused, the start alone still snaps
    out = snap_to_cues(spans, np.array([1.0]), np.array([5.0]), tolerance=8)
    assert out.tolist() == [[1.0, 12.0]]


def test_text_features_weight_by_overlap_and_ignore_touching_cues():
    spans = np.array([[10.0, 20.0]])
    starts, ends = np.array([0.0, 12.0, 20.0]), np.array([10.0, 14.0, 30.0])  # first and last only touch
    vecs = np.array([[9, 9], [1, 3], [9, 9]], np.float32)
    v, has = text_features(spans, starts, ends, vecs)
    assert has.tolist() == [True] and v.tolist() == [[1.0, 3.0]]


def test_visual_features_closed_interval_and_naive_reference():
    rng = np.random.default_rng(0)
    times = np.sort(rng.uniform(0, 100, 50)).round()
    vecs = rng.normal(size=(50, 3)).astype(np.float32)
    spans = np.array([[0, 10], [10, 30], [55.5, 56], [90, 100]], float)
    v, has = visual_features(spans, times, vecs)
    for k, (s, e) in enumerate(spans):
        inside = (times >= s) & (times <= e)
        assert has[k] == inside.any()
        if inside.any():
            np.testing.assert_allclose(v[k], vecs[inside].mean(axis=0), rtol=1e-5, atol=1e-6)
