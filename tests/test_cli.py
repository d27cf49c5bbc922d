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
    code, out, _ = cli("stats", "--json")
    assert code == 0 and '"videos": 0' in out
