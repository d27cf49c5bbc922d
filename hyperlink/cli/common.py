"""Shared CLI state: the typer app, consoles, global options (--db, --quiet, --version), the config file."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Optional

import typer
from rich.console import Console

__all__ = ["app", "console", "err_console", "state", "open_store", "ingest_app", "list_app", "remove_app", "say",
           "progress_bar", "confirm", "PIPELINE_ORDER"]

# `hyperlink --help` lists commands in the order a user runs them: ingest first, then curating the store.
PIPELINE_ORDER = ("ingest", "encode-text", "segment", "demo", "stats", "list", "remove", "train", "models", "index",
                  "query", "run", "check-run", "evaluate", "serve", "bidnn-libsvm")


class _PipelineGroup(typer.core.TyperGroup):
    """Commands in pipeline order (typer puts command groups such as `ingest` after plain commands)."""

    def list_commands(self, ctx) -> list[str]:
        rank = {name: i for i, name in enumerate(PIPELINE_ORDER)}
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), names.index(n)))


app = typer.Typer(
    name="hyperlink",
    cls=_PipelineGroup,
    help="Crossmodal video hyperlinking: ingest a collection, train joint embeddings, index, link, evaluate.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, powershell)
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    epilog="Global options (--db, -q) may also follow the command. Settings a user repeats can live in a config "
    "file: ./hyperlink.toml or $XDG_CONFIG_HOME/hyperlink/config.toml (see README). "
    "Exit codes: 0 success, 1 other error, 2 usage, 3 bad input (FILE:LINE: what is wrong), "
    "4 the store lacks what is needed, 5 stale or mismatched model/index, 6 optional dependency missing.",
)
ingest_app = typer.Typer(
    help="Load a collection into the store (one transaction per file; re-ingesting adds nothing).",
    no_args_is_help=True,
)
app.add_typer(ingest_app, name="ingest")
list_app = typer.Typer(
    help="List what the store holds, by name: anchors, videos, segments, spaces, models, indexes, origins, files.",
    no_args_is_help=True,
)
app.add_typer(list_app, name="list")
remove_app = typer.Typer(
    help="Remove models, indexes, feature spaces, a segmentation or an ingested file's rows (asks first; --yes).",
    no_args_is_help=True,
)
app.add_typer(remove_app, name="remove")

# emoji=False: rich would turn "FILE:100:" into "FILE💯" and ":1234:" into "🔢", losing the line number
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)


@dataclass
class _State:
    db: str = "hyperlink.db"
    quiet: bool = False
    config: dict = field(default_factory=dict)  # the merged config file(s), see hyperlink.config_file


state = _State()


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        console.print(f"hyperlink {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _global(
    db: Optional[str] = typer.Option(
        None,
        "--db",
        help="Store: a SQLite file path or any SQLAlchemy URL (else env HYPERLINK_DB, else the config file's db).",
        show_default="hyperlink.db",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or chatter; results and errors only."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Crossmodal video hyperlinking.

    Example: hyperlink --db archive.db ingest collection cAXES.txt
    """
    state.db = db or os.environ.get("HYPERLINK_DB") or state.config.get("db") or "hyperlink.db"
    state.quiet = quiet or bool(state.config.get("quiet", False))


def open_store(create: bool = False):
    """Open (upgrading) the store named by --db; only commands that add to it (``create``) make a new one,
    so a typo in --db on a read command is an error, not an empty store."""
    from ..store import Store

    return Store.open(state.db, create=create)


def say(message: str) -> None:
    """Chatter for humans: suppressed by --quiet."""
    if not state.quiet:
        err_console.print(message, highlight=False, soft_wrap=True)


def confirm(question: str, yes: bool) -> None:
    """Go on only with ``--yes`` or a "y" typed at a terminal; refuse (exit 3) without a TTY."""
    import sys

    from ..errors import InputError

    if yes:
        return
    if not sys.stdin.isatty():
        raise InputError(f"{question.rstrip('?')}: refused without confirmation; pass --yes to confirm "
                         "(no terminal to ask on)")
    if not typer.confirm(question, default=False, err=True):
        raise typer.Abort()


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar with an ETA as a ``(done, total)`` callback for the block; None with --quiet."""
    if state.quiet:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), "eta", TimeRemainingColumn(), console=err_console, transient=True)
    task = bar.add_task(description, total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)
