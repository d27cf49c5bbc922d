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
    assert "maisp" in text and "0.2000" in text and "maisp_0.20" not in text  # the headline measures only
    console.print(FORMATS["table"](report(), ["maisp_0.20", "P_5"]))
    text = console.export_text()
    assert "maisp_0.20" in text and "Judged_10" not in text


def test_select_measures():
    from hyperlink.evaluate.measures import MEASURES
    from hyperlink.evaluate.report import DEFAULT_MEASURES, select_measures

    assert select_measures(None) == DEFAULT_MEASURES and select_measures("all") == tuple(MEASURES)
    assert select_measures(" map ,P_10,map") == ("map", "P_10")
    with pytest.raises(InputError, match=r"^unknown measure P@10; choose one of num_q, videos_ret, "):
        select_measures("P@10")


def test_run_names_prefer_the_tag():
    from pathlib import Path

    from hyperlink.evaluate.report import run_names

    paths = [Path("x/a.txt"), Path("y/b.txt"), Path("z/c.txt")]
    assert run_names(paths, [{"A"}, {"B"}, {"C"}]) == ["A", "B", "C"]
    assert run_names(paths, [{"A"}, {"A"}, {"C", "D"}]) == ["a.txt", "b.txt", "c.txt"]  # clash; several tags
    assert run_names([Path("x/r.txt"), Path("y/r.txt")], [set(), set()]) == ["x/r.txt", "y/r.txt"]


def test_once_labelling_credits_each_relevant_segment_once():
    from hyperlink.evaluate.measures import MEASURES
    from hyperlink.evaluate.relevance import Ranking, label_segments
    from hyperlink.evaluate.report import label_once

    qrels = build_qrels([Judgment("a", "v", 100, 200, 1), Judgment("a", "v", 300, 400, 1), Judgment("a", "v", 500, 510, 0)])
    q = qrels["a"]
    ranking = Ranking.of("a", [("v", 100, 110), ("v", 120, 130), ("v", 505, 515), ("v", 190, 310), ("v", 350, 360)])
    official = label_segments(ranking, q)
    assert official == "11011" and label_once(ranking, q, official) == "1s01s"
    r = evaluate_run(qrels, [line("a", v, s, e, i) for i, (v, s, e) in enumerate(ranking.triples(), 1)], "t")
    assert r.all["map"] == pytest.approx((1 + 2 / 2 + 3 / 4 + 4 / 5) / 2)  # 1.775: official, above 1
    assert r.all["map_once"] == pytest.approx((1 + 2 / 4) / 2)  # each segment once
    assert r.all["num_rel_ret_once"] == 2 and "map_once" in MEASURES


def test_summary_says_direction_and_significance():
    from hyperlink.evaluate.report import summary

    qrels = build_qrels([Judgment(f"a{i}", "v", 100, 200, 1) for i in range(8)])
    hit = [line(f"a{i}", "v", 150, 160, 1) for i in range(8)]
    miss = [line(f"a{i}", "v", 300, 310, 1) for i in range(8)]
    base, better = evaluate_run(qrels, miss, "base"), evaluate_run(qrels, hit, "better")
    from hyperlink.evaluate.significance import compare

    tests = compare(("base", base.per_anchor), ("better", better.per_anchor), ["P_10", "maisp"], 2000, 0)
    text = summary(Report("q", EvalOptions(), (base, better), tuple(tests)), ["P_10", "maisp"])
    assert text == ["better vs base over 8 anchors: higher on all 2 measures, significant on all 2 (p < 0.05 in "
                    f"both tests); P_10 0.0000 -> 0.1000 {tests[0].mark}, maisp {base.all['maisp']:.4f} -> "
                    f"{better.all['maisp']:.4f} {tests[1].mark}."]
    same = compare(("base", base.per_anchor), ("again", base.per_anchor), ["P_10"], 200, 0)
    again = evaluate_run(qrels, miss, "again")
    assert "no difference is significant" in summary(Report("q", EvalOptions(), (base, again), tuple(same)), ["P_10"])[0]
