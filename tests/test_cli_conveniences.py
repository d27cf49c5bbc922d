"""Conveniences of the command line: --version, completion, global options anywhere, help order,
training messages, ingest reports."""

from __future__ import annotations

import json
import re

import pytest

from hyperlink import __version__


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """The working directory is the test's, so no ./hyperlink.toml leaks in (user settings: tests/conftest.py)."""
    monkeypatch.chdir(tmp_path)


def _run(capsys, *args):
    from hyperlink.cli import main

    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _root():
    import typer.main

    from hyperlink.cli import _register, app

    _register()
    return typer.main.get_command(app)


def test_version(capsys):
    assert _run(capsys, "--version") == (0, f"hyperlink {__version__}\n", "")


def test_completion_options_are_offered(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = _run(capsys, "--help")
    assert code == 0 and "--install-completion" in out and "--show-completion" in out


def test_help_lists_commands_in_pipeline_order_without_bool_on_flags(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = _run(capsys, "--help")
    assert code == 0 and "<bool>" not in out
    names = re.findall(r"^│ ([a-z-]+) ", out.split("Commands")[1], re.M)
    assert names[0] == "ingest" and names.index("train") < names.index("index") < names.index("evaluate")
    for command in ("stats", "train", "list segments", "remove space"):
        assert "<bool>" not in _run(capsys, *command.split(), "--help")[1]


def test_global_options_also_follow_the_subcommand(tmp_path, capsys):
    collection = tmp_path / "c.txt"
    collection.write_text("v1 00:02:00\n")
    code, _, err = _run(capsys, "ingest", "collection", collection, "--db", tmp_path / "after.db", "-q")
    assert code == 0 and err == "" and (tmp_path / "after.db").is_file()
    code, out, _ = _run(capsys, "stats", "--json", f"--db={tmp_path / 'after.db'}")
    assert code == 0 and json.loads(out)["counts"]["videos"] == 1


def test_an_options_value_is_never_taken_for_a_global_one():
    from hyperlink.cli import _hoist_globals

    root = _root()
    assert _hoist_globals(root, ["train", "--name", "-q", "--db", "x.db"]) == ["--db", "x.db", "train", "--name", "-q"]
    assert _hoist_globals(root, ["--db", "a.db", "stats", "-q"]) == ["-q", "--db", "a.db", "stats"]
    assert _hoist_globals(root, ["evaluate", "q.txt", "--", "-q"]) == ["evaluate", "q.txt", "--", "-q"]


def test_the_blacklist_report_does_not_count_ignored_ids_and_suggests(tmp_path, capsys):
    collection, black = tmp_path / "c.txt", tmp_path / "b.txt"
    collection.write_text("news0001 00:02:00\nnews0002 00:02:00\n")
    black.write_text("news0001\nnews001\nzzz\n")
    db = tmp_path / "s.db"
    assert _run(capsys, "--db", db, "ingest", "collection", collection)[0] == 0
    code, _, err = _run(capsys, "--db", db, "ingest", "blacklist", black)
    assert code == 0 and "1 added, 0 already in the store" in err
    assert "2 blacklisted id(s) are not in the collection" in err and "did you mean 'news0001'" in err


def test_train_turns_warnings_into_lines_and_models_repeats_its_pair_count(tmp_path, capsys):
    db = tmp_path / "s.db"
    assert _run(capsys, "--db", db, "-q", "demo", "--out", tmp_path / "d", "--videos", "4")[0] == 0
    code, _, err = _run(capsys, "--db", db, "train", "--model", "bidnn", "--text", "tfidf", "--visual", "demo-cnn",
                        "--epochs", "1", "--hidden", "8", "--rep", "4", "--batch-size", "1000000", "--val-split", "0.2")
    assert code == 0, err
    assert "UserWarning" not in err and "warnings.warn" not in err
    assert re.search(r"^warning: only \d+ training pairs", err, re.M)
    said = re.search(r"on (\d+ complete pairs \(\d+ held out for validation\))", err).group(1)
    code, out, _ = _run(capsys, "--db", db, "models", "--json")
    config = json.loads(out)[0]["config"]
    assert f"{config['complete_pairs']} complete pairs ({config['held_out_pairs']} held out for validation)" == said


def test_a_long_run_is_announced_before_training(tmp_path, capsys):
    db = tmp_path / "s.db"
    assert _run(capsys, "--db", db, "-q", "demo", "--out", tmp_path / "d", "--videos", "3")[0] == 0
    # --epochs 0 is refused after the note would print: use a bad --text to stop before any training
    code, _, err = _run(capsys, "--db", db, "train", "--model", "bidnn", "--text", "nope", "--visual", "demo-cnn")
    assert code == 4 and re.search(r"^note: 1000 epochs \(the faithful default\) can take hours", err, re.M)


def test_ingest_media_keeps_the_stores_text_encoder(store):
    from hyperlink.ingest.media import AUTO, choose_text

    assert choose_text(store, AUTO) == ("tfidf-svd", None)  # a new store: the default
    with store.transaction() as tx:
        tx.ensure_space("minilm", "text", 384)
    assert choose_text(store, AUTO) == ("minilm", None)  # re-run without --text: no second text space
    text, warning = choose_text(store, "tfidf-svd")
    assert text == "tfidf-svd" and "adds a second text space 'tfidf'" in warning
    assert choose_text(store, None) == (None, None)


def test_ingest_media_silences_third_party_bars(monkeypatch):
    from hyperlink.ingest.media import quiet_third_party

    for name in ("HF_HUB_DISABLE_PROGRESS_BARS", "TRANSFORMERS_VERBOSITY", "TRANSFORMERS_NO_ADVISORY_WARNINGS",
                 "TQDM_DISABLE", "TOKENIZERS_PARALLELISM"):
        monkeypatch.setenv(name, "")  # recorded, so the test's settings are undone afterwards
        monkeypatch.delenv(name)
    quiet_third_party()
    import os

    assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1" and os.environ["TRANSFORMERS_VERBOSITY"] == "error"
