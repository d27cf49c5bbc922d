"""The comparison plot is written as a PNG without a display."""

from hyperlink.evaluate.plots import plot_runs
from hyperlink.evaluate.relevance import build_qrels
from hyperlink.evaluate.report import evaluate_run
from hyperlink.evaluate.trec import RunLine
from hyperlink.types import Judgment


def test_plot_writes_a_png(tmp_path):
    qrels = build_qrels([Judgment("a1", "v", 100, 200, 1), Judgment("a2", "v", 0, 50, 1)])
    runs = [
        evaluate_run(qrels, [RunLine("a1", "v", 150, 160, 1, 1.0, "x"), RunLine("a2", "v", 60, 70, 1, 1.0, "x")], "good"),
        evaluate_run(qrels, [RunLine("a1", "v", 300, 310, 1, 1.0, "y")], "bad"),
    ]
    out = plot_runs(runs, tmp_path / "runs.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_marks_significance_and_draws_missing_anchors(tmp_path):
    import pytest

    from hyperlink.evaluate.plots import _label
    from hyperlink.evaluate.significance import PairedTest

    qrels = build_qrels([Judgment("a1", "v", 100, 200, 1), Judgment("a2", "v", 0, 50, 1)])
    good = evaluate_run(qrels, [RunLine("a1", "v", 150, 160, 1, 1.0, "x"), RunLine("a2", "v", 60, 70, 1, 1.0, "x")], "good")
    bad = evaluate_run(qrels, [RunLine("a1", "v", 300, 310, 1, 1.0, "y")], "bad")  # a2 missing
    test = PairedTest("maisp", "bad", "good", 1, -0.5, 0.001, 0.004)
    assert _label(bad, "maisp", "MAiSP", {("bad", "maisp"): test}) == "bad (MAiSP 0.0000, ** vs good)"
    assert _label(good, "maisp", "MAiSP", {}) == f"good (MAiSP {good.all['maisp']:.4f})"
    out = plot_runs([good, bad], tmp_path / "m.png", "maisp", [test])
    assert out.stat().st_size > 10_000
    with pytest.raises(ValueError, match="unknown measure"):
        plot_runs([good], tmp_path / "x.png", "P@10")
