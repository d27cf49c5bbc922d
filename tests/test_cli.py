"""CLI: every command documented, errors mapped to exit codes, the store untouched on failure."""

import re
from pathlib import Path

import pytest
import typer.main

from hyperlink.cli import _register, app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _commands():
    _register()
    root = typer.main.get_command(app)
    out = []
    for name, cmd in root.commands.items():
        if hasattr(cmd, "commands"):
            out += [(f"{name} {sub}", c) for sub, c in cmd.commands.items()]
        else:
            out.append((name, cmd))
    return out


@pytest.mark.parametrize("name,cmd", _commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name, cmd):
    assert cmd.help and "Example:" in cmd.help, f"`hyperlink {name}` needs help text with an example"
    assert f"hyperlink {name}" in README or re.search(rf"`{re.escape(name)}[ `]", README), f"README must document `{name}`"


def test_help_exits_zero(cli):
    code, out, _ = cli("--help")
    assert code == 0 and "ingest" in out


def test_unknown_option_is_a_usage_error(cli):
    code, _, err = cli("stats", "--bogus")
    assert code == 2 and "No such option" in err


def test_missing_file_is_an_input_error(cli, tmp_path):
    code, _, err = cli("ingest", "collection", tmp_path / "nope.txt")
    assert code == 3 and "nope.txt: no such file" in err


def test_stats_on_an_empty_store(cli):
    from hyperlink.store import Store

    Store.open(cli.db).close()  # created empty (ingest commands create it)
    code, out, _ = cli("stats", "--json")
    assert code == 0 and '"videos": 0' in out


def test_a_read_command_on_a_missing_store_names_it_and_creates_nothing(cli, tmp_path):
    code, _, err = cli("stats", db_path=str(tmp_path / "typo.db"))
    assert code == 4 and "no store at" in err and "typo.db" in err
    assert not (tmp_path / "typo.db").exists()


def _foreign(path, sql):
    import sqlite3

    con = sqlite3.connect(path)
    con.executescript(sql)
    con.commit()
    con.close()
    return path.read_bytes()


def test_a_foreign_sqlite_database_is_refused_and_left_byte_identical(cli, tmp_path):
    other = tmp_path / "other.db"
    before = _foreign(other, "CREATE TABLE videos (x TEXT); INSERT INTO videos VALUES ('mine');")
    for args in (("stats",), ("ingest", "collection", tmp_path / "none.txt")):
        code, _, err = cli(*args, db_path=str(other))
        assert code == 4 and "is not a hyperlink store" in err and "Traceback" not in err
    assert other.read_bytes() == before and not (tmp_path / "other.vectors").exists()


def test_a_newer_schema_a_text_file_and_a_folder_are_refused(cli, tmp_path):
    newer = tmp_path / "newer.db"
    _foreign(newer, "CREATE TABLE alembic_version (version_num TEXT); INSERT INTO alembic_version VALUES ('9999');")
    code, _, err = cli("stats", db_path=str(newer))
    assert code == 4 and "upgrade hyperlink" in err
    note = tmp_path / "notes.txt"
    note.write_text("hello\n")
    code, _, err = cli("stats", db_path=str(note))
    assert code == 4 and "is not a SQLite database" in err and note.read_text() == "hello\n"
    code, _, err = cli("stats", db_path=str(tmp_path))
    assert code == 4 and "is a folder" in err


@pytest.mark.parametrize("name, value", [("HYPERLINK_CHUNK_ROWS", "abc"), ("HYPERLINK_CHUNK_ROWS", "0"),
                                         ("HYPERLINK_SQL_BATCH", "-3")])
def test_bad_tuning_variables_are_clean_errors(cli, tmp_path, monkeypatch, name, value):
    collection = tmp_path / "c.txt"
    collection.write_text("v1 00:02:00\n")
    assert cli("ingest", "collection", collection)[0] == 0
    monkeypatch.setenv(name, value)
    code, _, err = cli("segment")
    assert code == 3 and name in err and "Traceback" not in err
