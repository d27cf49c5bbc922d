"""`hyperlink list` / `hyperlink remove`: names, JSON, confirmation, one transaction, owned files only."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from hyperlink.curate import artefact_root
from hyperlink.train import default_model_dir


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A demo store (8 videos) with a trained model 'tiny' and its index."""
    import contextlib
    import io

    from hyperlink.cli import main

    root = tmp_path_factory.mktemp("curate")
    for args in (["demo", "--out", root / "d", "--videos", "8"],
                 ["train", "--model", "concat", "--text", "tfidf", "--visual", "demo-cnn", "--name", "tiny"],
                 ["index", "--model", "tiny"]):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert main(["--db", str(root / "s.db"), "-q", *map(str, args)]) == 0
    return root


@pytest.fixture
def work(prepared, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "w"
    shutil.copytree(prepared, path)
    con = sqlite3.connect(path / "s.db")  # the copy's records name the copy's files
    for table, column in (("models", "path"), ("ingests", "path")):
        con.execute(f"UPDATE {table} SET {column} = replace({column}, ?, ?)", (str(prepared), str(path)))
    con.commit()
    con.close()
    monkeypatch.chdir(path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return path


def _cli(capsys, work: Path, *args):
    from hyperlink.cli import main

    code = main(["--db", str(work / "s.db"), *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def _dump(work: Path) -> list[str]:
    con = sqlite3.connect(work / "s.db")
    try:
        return list(con.iterdump())
    finally:
        con.close()


def _vector_files(work: Path) -> set[str]:
    return {str(p.relative_to(work)) for p in (work / "s.vectors").rglob("*.npy")}


def test_the_artefact_folder_is_the_one_train_uses(tmp_path):
    for db in (str(tmp_path / "x.db"), "sqlite://", "postgresql://u@h/db"):
        assert artefact_root(db) / "models" == default_model_dir(db)


@pytest.mark.parametrize("kind, first", [("anchors", "anchor"), ("videos", "video"), ("segments", "id"),
                                         ("spaces", "space"), ("models", "model"), ("indexes", "index"),
                                         ("origins", "origin"), ("files", "id")])
def test_every_list_names_its_items_in_json(capsys, work, kind, first):
    code, out, err = _cli(capsys, work, "list", kind, "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert rows and list(rows[0])[0] == first


def test_lists_say_what_the_store_holds(capsys, work):
    models = json.loads(_cli(capsys, work, "list", "models", "--json")[1])
    assert [(m["model"], m["indexes"]) for m in models] == [("tiny", ["tiny"])]
    spaces = {s["space"]: s["models"] for s in json.loads(_cli(capsys, work, "list", "spaces", "--json")[1])}
    assert spaces == {"demo-cnn": ["tiny"], "tfidf": ["tiny"]}
    indexes = json.loads(_cli(capsys, work, "list", "indexes", "--json")[1])
    assert indexes[0]["status"] == "ok" and indexes[0]["model"] == "tiny"
    files = json.loads(_cli(capsys, work, "list", "files", "--json")[1])
    assert [f["kind"] for f in files] == ["collection", "transcripts", "keyframes:demo-cnn", "anchors", "qrels"]
    code, _, err = _cli(capsys, work, "list", "segments", "--origin", "nope")
    assert code == 4 and "no segments of origin 'nope'" in err and "window" in err


def test_without_a_terminal_a_removal_needs_yes_and_changes_nothing(capsys, work):
    before = _dump(work), _vector_files(work)
    code, _, err = _cli(capsys, work, "remove", "model", "tiny")
    assert code == 3 and "pass --yes" in err and "Traceback" not in err
    assert (_dump(work), _vector_files(work)) == before
    assert (work / "models" / "tiny.safetensors").is_file() and (work / "indexes" / "tiny").is_dir()


def test_removing_a_model_removes_its_checkpoint_and_indexes(capsys, work):
    code, _, err = _cli(capsys, work, "remove", "model", "tiny", "--yes")
    assert code == 0, err
    assert "removed: model 'tiny'" in err and "removed: index 'tiny'" in err
    assert not (work / "models" / "tiny.safetensors").exists() and not (work / "indexes" / "tiny").exists()
    assert json.loads(_cli(capsys, work, "list", "models", "--json")[1]) == []


def test_a_checkpoint_outside_the_store_folder_is_left_alone(capsys, work, tmp_path):
    elsewhere = tmp_path / "mine.safetensors"
    shutil.copy(work / "models" / "tiny.safetensors", elsewhere)
    con = sqlite3.connect(work / "s.db")
    con.execute("UPDATE models SET path = ?", (str(elsewhere),))
    con.commit()
    con.close()
    code, _, err = _cli(capsys, work, "remove", "model", "tiny", "--yes")
    assert code == 0 and "left " in err and elsewhere.is_file()


def test_a_space_in_use_is_refused_then_forced_with_its_models(capsys, work):
    before = _vector_files(work)
    code, _, err = _cli(capsys, work, "remove", "space", "tfidf", "--yes")
    assert code == 4 and "used by model(s) tiny" in err and "--force" in err
    code, _, err = _cli(capsys, work, "remove", "space", "tfidf", "--force", "--yes")
    assert code == 0, err
    after = _vector_files(work)
    assert after < before  # the space's block files are gone ...
    con = sqlite3.connect(work / "s.db")
    referenced = {r[0] for r in con.execute("SELECT file FROM vector_blocks")}
    names = {r[0] for r in con.execute("SELECT name FROM feature_spaces")}
    con.close()
    assert names == {"demo-cnn"} and {Path(f).name for f in after} == {Path(f).name for f in referenced}
    assert not (work / "indexes" / "tiny").exists()


def test_removing_an_index_keeps_the_model(capsys, work):
    code, _, err = _cli(capsys, work, "remove", "index", "tiny", "--yes")
    assert code == 0, err
    assert not (work / "indexes" / "tiny").exists() and (work / "models" / "tiny.safetensors").is_file()
    code, _, err = _cli(capsys, work, "remove", "index", "tiny", "--yes")
    assert code == 4 and "no index 'tiny'" in err


def test_removing_a_segmentation_drops_its_vectors(capsys, work):
    code, _, err = _cli(capsys, work, "remove", "segments", "--origin", "window", "--yes")
    assert code == 0, err
    assert json.loads(_cli(capsys, work, "list", "origins", "--json")[1]) == []
    assert not any("/segment-" in f for f in _vector_files(work))
    assert "retrain" in err  # the model trained on them is named as stale


def test_removing_a_qrels_file_removes_exactly_its_judgments(capsys, work):
    code, _, err = _cli(capsys, work, "remove", "file", work / "d" / "qrels.txt", "--yes")
    assert code == 0, err
    anchors = json.loads(_cli(capsys, work, "list", "anchors", "--json")[1])
    assert anchors and all(a["judgments"] == 0 for a in anchors)
    kinds = [f["kind"] for f in json.loads(_cli(capsys, work, "list", "files", "--json")[1])]
    assert "qrels" not in kinds


def test_kinds_whose_rows_do_not_record_their_file_are_refused_with_the_reason(capsys, work):
    before = _dump(work)
    code, _, err = _cli(capsys, work, "remove", "file", work / "d" / "keyframes.npy", "--yes")
    assert code == 4 and "cannot remove the rows of a keyframes:demo-cnn file exactly" in err
    code, _, err = _cli(capsys, work, "remove", "file", work / "d" / "collection.txt", "--yes")
    assert code == 4 and "cannot remove the rows of a collection file exactly" in err
    assert _dump(work) == before


def test_a_changed_file_cannot_be_told_apart(capsys, work):
    qrels = work / "d" / "qrels.txt"
    original = qrels.read_text()
    logged = json.loads(_cli(capsys, work, "list", "files", "--json")[1])
    path = next(f["path"] for f in logged if f["kind"] == "qrels")
    assert Path(path) == qrels
    qrels.write_text(original + "1 Q0 news0001 0.00 0.30 1\n")
    code, _, err = _cli(capsys, work, "remove", "file", path, "--yes")
    assert code == 4 and "changed since it was ingested" in err
