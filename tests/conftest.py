"""Shared fixtures: a fresh store per test, and the location of ../shared/datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

from hyperlink.store import Store

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"


def pytest_addoption(parser):
    parser.addoption("--fuzz-examples", type=int, default=2000, help="examples per reader of the fuzz marker's run")


def dataset(name: str) -> Path:
    """Path of a shared dataset, or skip the test with a reason when it is absent."""
    path = DATASETS / name
    if not path.is_dir():
        pytest.skip(f"{path} is absent (the shared datasets live beside the repository, see README)")
    return path


@pytest.fixture(scope="session", autouse=True)
def no_user_settings(tmp_path_factory):
    """A developer's own config file or HYPERLINK_DB never reaches a test (module fixtures included)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
    patch.delenv("HYPERLINK_CONFIG", raising=False)
    patch.delenv("HYPERLINK_DB", raising=False)
    yield
    patch.undo()


@pytest.fixture
def shared():
    """``shared("mediaeval2014-linking")``: a shared dataset's folder, or skip with a reason."""
    return dataset


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store.open(tmp_path / "hyperlink.db")
    yield s
    s.close()


@pytest.fixture
def cli(tmp_path, capsys):
    """Run the CLI in-process against a store in tmp_path: returns (exit code, stdout, stderr)."""
    from hyperlink.cli import main

    db = str(tmp_path / "cli.db")

    def run(*args: str, db_path: str | None = None):
        code = main(["--db", db_path or db, *map(str, args)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    run.db = db
    return run
