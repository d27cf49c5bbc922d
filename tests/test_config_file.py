"""The config file: db / quiet / model and per-command option defaults; errors name FILE:LINE."""

from __future__ import annotations

import pytest

from hyperlink.config_file import default_map, load_config
from hyperlink.errors import InputError


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """The working directory is the test's, so no ./hyperlink.toml leaks in (user settings: tests/conftest.py)."""
    monkeypatch.chdir(tmp_path)


def _root():
    import typer.main

    from hyperlink.cli import _register, app

    _register()
    return typer.main.get_command(app)


def _run(*args):
    from hyperlink.cli import main

    return main([str(a) for a in args])


def test_the_project_file_sets_the_store_and_quiet(tmp_path, capsys):
    (tmp_path / "hyperlink.toml").write_text('db = "from-config.db"\nquiet = true\n')
    collection = tmp_path / "c.txt"
    collection.write_text("v1 00:02:00\n")
    assert _run("ingest", "collection", collection) == 0
    assert (tmp_path / "from-config.db").is_file() and capsys.readouterr().err == ""  # quiet: no chatter


def test_the_command_line_and_the_environment_win_over_the_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "hyperlink.toml").write_text('db = "from-config.db"\n')
    collection = tmp_path / "c.txt"
    collection.write_text("v1 00:02:00\n")
    assert _run("--db", tmp_path / "flag.db", "ingest", "collection", collection) == 0
    monkeypatch.setenv("HYPERLINK_DB", str(tmp_path / "env.db"))
    assert _run("ingest", "collection", collection) == 0
    assert (tmp_path / "flag.db").is_file() and (tmp_path / "env.db").is_file()
    assert not (tmp_path / "from-config.db").exists()


def test_the_project_file_overrides_the_users_key_by_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    user = tmp_path / "xdg" / "hyperlink" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text('db = "user.db"\nmodel = "bidnn"\n')
    (tmp_path / "hyperlink.toml").write_text('db = "project.db"\n')
    config = load_config()
    assert config["db"] == "project.db" and config["model"] == "bidnn"


def test_command_tables_become_option_defaults(tmp_path):
    (tmp_path / "hyperlink.toml").write_text('model = "tiny"\n[train]\nepochs = 7\n[ingest.media]\ntext = "minilm"\n')
    defaults = default_map(load_config(), _root())
    assert defaults["train"] == {"epochs": 7}
    assert defaults["ingest"]["media"] == {"text": "minilm"}
    assert defaults["query"]["model"] == defaults["index"]["model"] == defaults["run"]["model"] == "tiny"
    assert "train" not in defaults or "model" not in defaults["train"]  # train's --model is a kind, not a name


@pytest.mark.parametrize("text, line, words", [
    ('db = "x.db"\nquiet = tru\n', 2, "not valid TOML"),
    ('db = "x.db"\n\ncolour = "red"\n', 3, "unknown setting 'colour'"),
    ('quiet = "yes"\n', 1, "must be a true/false"),
    ('db = ""\n', 1, "is empty"),
    ('db = "x.db"\n[trian]\nepochs = 3\n', 2, "no command 'trian'"),
    ('[train]\nhidden = 8\nepoch = 3\n', 3, "has no option --epoch"),
])
def test_a_bad_file_is_an_input_error_naming_file_and_line(tmp_path, capsys, text, line, words):
    (tmp_path / "hyperlink.toml").write_text(text)
    code = _run("--version")
    err = capsys.readouterr().err
    assert code == 3 and f"hyperlink.toml:{line}: " in err and words in err and "Traceback" not in err


def test_a_named_config_file_must_exist(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HYPERLINK_CONFIG", str(tmp_path / "missing.toml"))
    assert _run("--version") == 3 and "missing.toml: no such config file" in capsys.readouterr().err


def test_binary_config_is_refused(tmp_path):
    (tmp_path / "hyperlink.toml").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="not UTF-8"):
        load_config()
