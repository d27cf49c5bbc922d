"""Names that become paths are checked; line numbers print literally; .gz runs are byte-identical."""

import gzip

import pytest

from hyperlink.evaluate.trec import RunLine, write_run
from hyperlink.types import check_name


@pytest.mark.parametrize("bad", ["../../x", "/abs/path", "a/b", "a\\b", "..", ".hidden", "", "x\x00y"])
def test_unsafe_names_are_refused(bad):
    with pytest.raises(ValueError):
        check_name(bad, "model name")


def test_train_name_with_a_path_is_bad_input_and_writes_nothing(cli, tmp_path):
    assert cli("demo", "--out", tmp_path / "demo", "--videos", "4", "--seed", "2")[0] == 0
    code, _, err = cli("train", "--model", "text", "--text", "tfidf", "--visual", "demo-cnn", "--name", "../../escaped")
    assert code == 3 and "cannot contain '/'" in err and "Traceback" not in err
    assert not list(tmp_path.parent.parent.glob("escaped*"))
    code, _, err = cli("index", "--model", "../../x")
    assert code == 3 and "--model" in err


def test_line_numbers_are_not_turned_into_emoji(cli, tmp_path):
    bad = tmp_path / "c.txt"
    bad.write_text("".join(f"v{i} 00:01:00\n" for i in range(99)) + "v99 nonsense\n")
    code, _, err = cli("ingest", "collection", bad)
    assert code == 3 and "c.txt:100:" in err and "\N{HUNDRED POINTS SYMBOL}" not in err


def test_gz_runs_are_byte_identical(tmp_path):
    lines = [RunLine("anchor_1", "v1", 60.0, 120.0, 1, 0.5, "r")]
    write_run(lines, tmp_path / "a.txt.gz")
    write_run(lines, tmp_path / "b.txt.gz")
    assert (tmp_path / "a.txt.gz").read_bytes() == (tmp_path / "b.txt.gz").read_bytes()
    assert gzip.decompress((tmp_path / "a.txt.gz").read_bytes()).decode().split()[0] == "anchor_1"
