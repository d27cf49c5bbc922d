"""Whole-run evaluation on a tiny hand-worked fixture: anchors averaged, warnings, output formats."""

import csv
import io
import json

import pytest

from hyperlink.errors import InputError
from hyperlink.evaluate.relevance import build_qrels
from hyperlink.evaluate.report import FORMATS, EvalOptions, Report, evaluate_run
from hyperlink.evaluate.trec import RunLine
from hyperlink.types import Judgment

QRELS = build_qrels([
    Judgment("a1", "v", 100, 200, 1),
    Judgment("a1", "v", 300, 310, 0),
    Judgment("a2", "w", 0, 50, 1),
    Judgment("a3", "w", 0, 50, 1),  # judged, but absent from the run
])


def line(anchor, video, start, end, rank):
    return RunLine(anchor, video, start, end, rank, 1.0 / rank, "t")


RUN = [
    line("a1", "v", 0, 20, 2),       # unjudged
    line("a1", "v", 150, 160, 1),    # relevant
    line("a1", "v", 305, 320, 3),    # judged non-relevant
    line("a2", "w", 40, 60, 1),      # relevant
    line("zz", "v", 0, 10, 1),       # anchor not in the qrels
]


def test_official_rule_averages_anchors_in_both_and_warns():
    r = evaluate_run(QRELS, RUN, "t")
    assert r.all["num_q"] == 2 and set(r.per_anchor) == {"a1", "a2"}
    assert r.outcomes["a1"].labels[""] == "1-0"  # rank order, not file order
    assert r.per_anchor["a1"]["P_5"] == 0.2 and r.per_anchor["a1"]["Judged_10"] == 0.2
    assert r.all["P_5"] == pytest.approx(0.2)
    assert r.all["num_ret"] == 4 and r.all["num_rel"] == 2
    assert any("zz" in w and "not in the qrels" in w for w in r.warnings)
    assert any("a3" in w and "not averaged" in w for w in r.warnings)


def test_missing_as_zero_scores_absent_anchors():
    r = evaluate_run(QRELS, RUN, "t", EvalOptions(missing_as_zero=True))
    assert r.all["num_q"] == 3 and r.per_anchor["a3"]["map"] == 0.0 and r.per_anchor["a3"]["num_rel"] == 1
    assert r.all["map"] == pytest.approx((1.0 + 1.0 + 0.0) / 3)


def test_a_run_sharing_no_anchor_with_the_qrels_is_refused():
    with pytest.raises(InputError, match="none of the run's 1 anchors is in the qrels"):
        evaluate_run(QRELS, [line("zz", "v", 0, 10, 1)], "t")


def test_bad_options_are_input_errors():
    with pytest.raises(InputError, match="bin size"):
        EvalOptions(bin_size=0)


def report():
    r = evaluate_run(QRELS, RUN, "t")
    return Report("q.txt", EvalOptions(), (r,))


def test_json_format():
    doc = json.loads(FORMATS["json"](report()))
    run = doc["runs"][0]
    assert run["run"] == "t" and run["all"]["num_q"] == 2 and run["per_anchor"]["a2"]["P_5"] == 0.2
    assert "num_q" not in run["per_anchor"]["a1"] and doc["options"]["bin_size"] == 300


def test_csv_format_has_one_row_per_anchor_and_all():
    rows = list(csv.DictReader(io.StringIO(FORMATS["csv"](report()))))
    assert [r["anchor"] for r in rows] == ["a1", "a2", "all"]
    assert float(rows[-1]["P_5"]) == pytest.approx(0.2)


def test_table_format_renders():
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(FORMATS["table"](report()))
    text = console.export_text()
    assert "maisp_0.20" in text and "0.2000" in text
