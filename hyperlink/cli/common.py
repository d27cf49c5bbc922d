"""Shared CLI state: the typer app, consoles, global options (--db, --quiet)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer
from rich.console import Console

__all__ = ["app", "console", "err_console", "state", "open_store", "ingest_app", "say", "progress_bar"]

app = typer.Typer(
    name="hyperlink",
    help="Crossmodal video hyperlinking: ingest a collection, train joint embeddings, index, link, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    epilog="Exit codes: 0 success, 1 other error, 2 usage, 3 bad input (FILE:LINE: what is wrong), "
    "4 the store lacks what is needed, 5 stale or mismatched model/index, 6 optional dependency missing.",
)
ingest_app = typer.Typer(
    help="Load a collection into the store (one transaction per file; re-ingesting adds nothing).",
    no_args_is_help=True,
)
app.add_typer(ingest_app, name="ingest")

# emoji=False: rich would turn "FILE:100:" into "FILE💯" and ":1234:" into "🔢", losing the line number
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)


@dataclass
class _State:
    db: str = "hyperlink.db"
    quiet: bool = False


state = _State()


@app.callback()
def _global(
    db: str = typer.Option(
        os.environ.get("HYPERLINK_DB", "hyperlink.db"),
        "--db",
        help="Store: a SQLite file path or any SQLAlchemy URL (env HYPERLINK_DB).",
        show_default=True,
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or chatter; results and errors only."),
) -> None:
    """Crossmodal video hyperlinking.

    Example: hyperlink --db archive.db ingest collection cAXES.txt
    """
    state.db = db
    state.quiet = quiet


def open_store(create: bool = False):
    """Open (upgrading) the store named by --db; only commands that add to it (``create``) make a new one,
    so a typo in --db on a read command is an error, not an empty store."""
    from ..store import Store

    return Store.open(state.db, create=create)


def say(message: str) -> None:
    """Chatter for humans: suppressed by --quiet."""
    if not state.quiet:
        err_console.print(message, highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar as a ``(done, total)`` callback for the block; None with --quiet."""
    if state.quiet:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True)
    task = bar.add_task(description, total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)
