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
