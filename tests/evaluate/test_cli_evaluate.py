"""`hyperlink evaluate` end to end through hyperlink.cli.main: outputs, exit codes, error text."""

import gzip
import json

import pytest

QRELS = "a1 Q0 v 1.40 3.20 1\na1 Q0 v 5.00 5.10 0\na2 Q0 w 0.00 0.50 1\n"
RUN_A = "a1 Q0 v 2.30 2.40 1 0.9 A\na1 Q0 v 0.00 0.20 2 0.8 A\na2 Q0 w 0.40 1.00 1 0.9 A\nzz Q0 v 0.00 0.10 1 0.9 A\n"
RUN_B = "a1 Q0 v 0.00 0.20 1 0.9 B\na1 Q0 v 2.30 2.40 2 0.8 B\na2 Q0 w 9.00 9.10 1 0.9 B\n"


@pytest.fixture
def files(tmp_path):
    (tmp_path / "q.txt").write_text(QRELS)
    with gzip.open(tmp_path / "a.txt.gz", "wt") as f:
        f.write(RUN_A)
    (tmp_path / "b.txt").write_text(RUN_B)
    return tmp_path


def test_table_by_default_warns_about_unknown_anchors(cli, files):
    code, out, err = cli("evaluate", files / "q.txt", files / "a.txt.gz")
    assert code == 0
    assert "maisp" in out and "1.0000" in out
    assert "warning" in err and "zz" in err and "not in the qrels" in err and "a.txt.gz" in err


def test_compact_table_named_by_run_tag(cli, files):
    code, out, _ = cli("evaluate", files / "q.txt", files / "a.txt.gz", files / "b.txt", "--trials", "100")
    assert code == 0
    rows = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    measures = rows[: rows.index("maisp") + 1]
    assert measures == ["num_q", "map", "map_once", "P_5", "P_10", "P_20", "map_bin", "map_tol",
                        "P_5_tol", "P_10_tol", "P_20_tol", "maisp"]
    head = next(line for line in out.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in head.strip("┃").split("┃")] == ["measure", "A", "B"]
    assert "Judged_10" not in out and "maisp_0.20" not in out


def test_measures_option_chooses_rows_and_all_shows_every_one(cli, files):
    code, out, _ = cli("evaluate", files / "q.txt", files / "b.txt", "--measures", "P_10,map")
    rows = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    assert code == 0 and rows == ["P_10", "map"]
    code, out, _ = cli("evaluate", files / "q.txt", files / "b.txt", "--measures", "all")
    rows = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    assert code == 0 and "Judged_30_tol" in rows and "maisp_0.20" in rows and len(rows) > 40
    code, out, _ = cli("evaluate", files / "q.txt", files / "b.txt", "--measures", "map", "--json")
    assert code == 0 and set(json.loads(out)["runs"][0]["all"]) == {"map"}


@pytest.mark.parametrize("args", [("--measures", "map,P10"), ("--plot-measure", "P10", "--plot", "x.png")])
def test_unknown_measure_is_input_error_listing_the_choices(cli, files, args):
    code, out, err = cli("evaluate", files / "q.txt", files / "b.txt", *args)
    assert code == 3 and out == ""
    assert "unknown measure P10; choose one of num_q, " in err and "map_once" in err and "Traceback" not in err


def test_run_tags_that_clash_fall_back_to_file_names(cli, files):
    (files / "c.txt").write_text(RUN_B)
    code, out, _ = cli("evaluate", files / "q.txt", files / "b.txt", files / "c.txt", "--json", "--trials", "50")
    assert code == 0 and [r["run"] for r in json.loads(out)["runs"]] == ["b.txt", "c.txt"]


def test_map_above_one_is_explained_and_the_variant_stays_below(cli, files):
    # three targets on one relevant segment: the official AP counts each of them
    (files / "dup.txt").write_text("a1 Q0 v 1.40 2.00 1 0.9 D\na1 Q0 v 2.00 2.30 2 0.8 D\na1 Q0 v 2.30 3.00 3 0.7 D\n")
    code, out, _ = cli("evaluate", files / "q.txt", files / "dup.txt", "--json")
    doc = json.loads(out)
    run = doc["runs"][0]
    assert run["all"]["map"] == pytest.approx(3.0) and run["all"]["map_once"] == pytest.approx(1.0)
    assert run["all"]["num_rel_ret"] == 3 and run["all"]["num_rel_ret_once"] == 1
    assert any("map 3.0000 > 1" in n for n in doc["notes"]) and any("official evaluator" in n for n in doc["notes"])
    code, out, _ = cli("evaluate", files / "q.txt", files / "dup.txt")
    assert code == 0 and "note: D: map 3.0000 > 1" in out and "map_once (not official)" in out


def test_table_fits_80_columns_without_breaking_words(cli, files, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    long_a = RUN_A.replace(" A\n", " a_rather_long_run_tag_from_a_campaign_submission\n")
    long_b = RUN_B.replace(" B\n", " another_rather_long_run_tag_from_the_campaign\n")
    (files / "la.txt").write_text(long_a)
    (files / "lb.txt").write_text(long_b)
    code, out, _ = cli("evaluate", files / "q.txt", files / "la.txt", files / "lb.txt", "--trials", "100")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "run 1 = a_rather_long_run_tag_from_a_campaign_submission" in out
    assert "run 2 = another_rather_long_run_tag_from_the_campaign" in out
    words = {w for line in out.splitlines() for w in line.replace("│", " ").replace("┃", " ").split()}
    assert {"map_once", "P_20_tol", "maisp", "randomisation"} <= words


def test_json_has_runs_all_and_per_anchor(cli, files):
    code, out, _ = cli("evaluate", files / "q.txt", files / "a.txt.gz", files / "b.txt", "--json", "--trials", "200")
    assert code == 0
    doc = json.loads(out)
    assert [r["run"] for r in doc["runs"]] == ["A", "B"]  # the run tags
    assert doc["runs"][0]["all"]["P_5"] == pytest.approx(0.2) and doc["runs"][1]["per_anchor"]["a2"]["map"] == 0.0
    assert {c["measure"] for c in doc["comparisons"]} >= {"map", "P_10", "maisp"}


def test_csv_and_options(cli, files):
    code, out, _ = cli("evaluate", files / "q.txt", files / "b.txt", "--csv", "--bin-size", "60", "--tolerance", "5", "--missing-as-zero")
    assert code == 0 and out.splitlines()[0].startswith("run,anchor,num_q,")
    assert len(out.splitlines()) == 4  # header, a1, a2, all


def test_plot(cli, files):
    code, _, err = cli("evaluate", files / "q.txt", files / "a.txt.gz", files / "b.txt", "--plot", files / "p.png", "--trials", "100")
    assert code == 0 and (files / "p.png").stat().st_size > 10_000 and "wrote" in err
    code, _, err = cli("evaluate", files / "q.txt", files / "a.txt.gz", files / "b.txt", "--plot", files / "m.png",
                       "--plot-measure", "maisp", "--trials", "100")
    assert code == 0 and (files / "m.png").stat().st_size > 10_000
    code, _, err = cli("evaluate", files / "q.txt", files / "b.txt", "--plot-measure", "maisp")
    assert code == 3 and "--plot-measure needs --plot" in err


@pytest.mark.parametrize(
    "run,message",
    [
        ("a1 Q0 v 2.30 2.40 1 0.9\n", "r.txt:1: expected 8 fields"),
        ("a1 Q0 v 2.30 2.40 1 0.9 A\na1 Q0 v 2.75 2.80 2 0.9 A\n", "r.txt:2: start time: '2.75': seconds must be 00-59"),
        ("\n", "r.txt: the run is empty"),
        ("zz Q0 v 2.30 2.40 1 0.9 A\n", "r.txt: none of the run's 1 anchors is in the qrels"),
    ],
)
def test_bad_runs_exit_3_with_file_and_line(cli, files, run, message):
    (files / "r.txt").write_text(run)
    code, out, err = cli("evaluate", files / "q.txt", files / "r.txt")
    assert code == 3 and message in err and out == ""


def test_bad_qrels_and_conflicting_flags(cli, files):
    (files / "bad.txt").write_text("a1 Q0 v 1.40 3.20 yes\n")
    code, _, err = cli("evaluate", files / "bad.txt", files / "b.txt")
    assert code == 3 and "bad.txt:1: relevance must be 0 or 1" in err
    code, _, err = cli("evaluate", files / "q.txt", files / "b.txt", "--json", "--csv")
    assert code == 3 and "--json or --csv" in err
    code, _, err = cli("evaluate", files / "q.txt", files / "nope.txt")
    assert code == 3 and "nope.txt: no such file" in err


def test_help_has_an_example(cli):
    code, out, _ = cli("evaluate", "--help")
    assert code == 0 and "Example:" in out and "--missing-as-zero" in out
