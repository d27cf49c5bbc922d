"""Parity with the official sh_eval on MediaEval 2014: every anchor, every measure, every relString.

Golden file: REFERENCE_official_output_UT-HMI2014_L_1.txt, the official tool's full output for the
real UT-HMI2014 run. Values are compared as the official tool prints them (%.4f, or %d for counts).
"""

from pathlib import Path

import pytest

from hyperlink.evaluate.measures import MEASURES
from hyperlink.evaluate.relevance import build_qrels
from hyperlink.evaluate.report import EvalOptions, evaluate_run
from hyperlink.evaluate.trec import read_qrels, read_run

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "mediaeval2014-linking"
RUN = "me14sh_UT-HMI2014_L_1_Sh_U_N.txt.gz"

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def data():
    if not DATA.is_dir():
        pytest.skip(f"{DATA.resolve()} is absent: the MediaEval 2014 qrels and run live in ../shared/datasets")
    qrels = build_qrels(read_qrels(DATA / "me14sh_linking_testSet.qrel"))
    lines = read_run(DATA / RUN).items
    reference = {}
    for row in (DATA / "REFERENCE_official_output_UT-HMI2014_L_1.txt").read_text().splitlines():
        measure, anchor, value = (cell.strip() for cell in row.split("\t"))
        reference[measure, anchor] = value
    return qrels, lines, reference, evaluate_run(qrels, lines, RUN)


def official(name: str, value: float) -> str:
    return "%d" % value if MEASURES[name].integer else "%.4f" % value


def test_every_value_of_the_reference_output(data):
    _, _, reference, result = data
    mismatches, compared = [], 0
    for (measure, anchor), expected in reference.items():
        if measure.startswith("relString"):
            labels = result.outcomes[anchor].labels[measure[len("relString"):]]
            got = f"{labels} {len(labels)}"
        elif measure in MEASURES:
            got = official(measure, result.all[measure] if anchor == "all" else result.per_anchor[anchor][measure])
        else:
            continue  # run id, bin size and mark legend
        compared += 1
        if got != expected:
            mismatches.append((measure, anchor, expected, got[:60]))
    assert compared == 1362 and not mismatches


def test_reference_table_and_anchor_1(data):
    _, _, _, r = data
    a = r.all
    assert (a["num_q"], a["num_rel"], a["num_ret"], a["num_rel_ret"]) == (30, 1057, 26665, 215)
    assert (a["num_rel_bin"], a["num_ret_bin"], a["num_rel_ret_bin"], a["num_rel_ret_tol"]) == (1148, 28465, 347, 198)
    assert (a["num_rel_secs"], a["num_ret_secs"], a["num_rel_ret_secs"]) == (82540, 408062, 12304)
    expected = {
        "map": 0.0759, "P_5": 0.3200, "P_10": 0.2700, "P_20": 0.1583, "Judged_10": 1.0, "Judged_20": 0.5850,
        "Judged_30": 0.4267, "map_bin": 0.0888, "P_5_bin": 0.3400, "P_10_bin": 0.2833, "P_20_bin": 0.1900,
        "map_tol": 0.0731, "P_5_tol": 0.3200, "P_10_tol": 0.2667, "P_20_tol": 0.1533, "maisp": 0.0886,
        "maisp_0.05": 0.3870, "maisp_0.10": 0.3110, "maisp_0.20": 0.1417,
    }
    assert {m: round(a[m], 4) for m in expected} == expected
    one = r.per_anchor["anchor_1"]
    assert (one["num_rel"], one["num_ret"], one["num_rel_ret"], one["num_rel_secs"]) == (37, 871, 8, 3497)
    got = {m: round(one[m], 4) for m in ("map", "P_5", "P_10", "P_20", "map_bin", "map_tol", "maisp")}
    assert got == {"map": 0.0083, "P_5": 0.0, "P_10": 0.0, "P_20": 0.1, "map_bin": 0.0074, "map_tol": 0.0030, "maisp": 0.0251}


def test_dropping_anchor_1_from_the_run(data):
    qrels, lines, _, _ = data
    r = evaluate_run(qrels, [x for x in lines if x.anchor != "anchor_1"], RUN)
    assert r.all["num_q"] == 29
    assert (round(r.all["map"], 4), round(r.all["P_10"], 4), round(r.all["maisp"], 4)) == (0.0782, 0.2793, 0.0907)
    strict = evaluate_run(qrels, [x for x in lines if x.anchor != "anchor_1"], RUN, EvalOptions(missing_as_zero=True))
    assert strict.all["num_q"] == 30 and strict.all["map"] < r.all["map"]

