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
    assert "a.txt.gz" in out and "maisp_0.20" in out and "1.0000" in out
    assert "warning" in err and "zz" in err and "not in the qrels" in err


def test_json_has_runs_all_and_per_anchor(cli, files):
    code, out, _ = cli("evaluate", files / "q.txt", files / "a.txt.gz", files / "b.txt", "--json", "--trials", "200")
    assert code == 0
    doc = json.loads(out)
    assert [r["run"] for r in doc["runs"]] == ["a.txt.gz", "b.txt"]
    assert doc["runs"][0]["all"]["P_5"] == pytest.approx(0.2) and doc["runs"][1]["per_anchor"]["a2"]["map"] == 0.0
    assert {c["measure"] for c in doc["comparisons"]} >= {"map", "P_10", "maisp"}


def test_csv_and_options(cli, files):
    code, out, _ = cli("evaluate", files / "q.txt", files / "b.txt", "--csv", "--bin-size", "60", "--tolerance", "5", "--missing-as-zero")
    assert code == 0 and out.splitlines()[0].startswith("run,anchor,num_q,")
    assert len(out.splitlines()) == 4  # header, a1, a2, all


def test_plot(cli, files):
    code, _, err = cli("evaluate", files / "q.txt", files / "a.txt.gz", files / "b.txt", "--plot", files / "p.png", "--trials", "100")
    assert code == 0 and (files / "p.png").stat().st_size > 10_000 and "wrote" in err


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
