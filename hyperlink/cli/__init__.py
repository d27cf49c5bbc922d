"""The `hyperlink` command: thin typer commands over the library, errors mapped in one place.

Each command module registers itself on ``app``; see ``_commands`` below.
"""

from __future__ import annotations

import sys

import typer

from .common import app, err_console

__all__ = ["app", "main"]


def _register() -> None:
    # Imported for their side effect of adding commands to `app`.
    from . import commands  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code instead of raising SystemExit."""
    from ..errors import HyperlinkError

    _register()
    try:
        app(args=argv, prog_name="hyperlink", standalone_mode=False)
    except HyperlinkError as exc:
        from rich.markup import escape

        # escaped: messages hold file names and install hints like '.[media]' that are not markup
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return exc.exit_code
    except _database_errors() as exc:
        from rich.markup import escape

        # never the statement or its parameters: they can be megabytes long; the driver's reason is enough
        reason = str(getattr(exc, "orig", None) or exc.__class__.__name__).splitlines()[0][:300]
        if "database is locked" in reason:
            reason += "; another hyperlink command held the store for over 10 minutes: run this one when it is done"
        err_console.print(f"[bold red]error:[/] the database refused the operation: {escape(reason)} "
                          f"(store: {escape(str(_store_name()))})", highlight=False, soft_wrap=True)
        return 1
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except (typer.Exit, SystemExit) as exc:  # typer.Exit carries exit_code
        return int(getattr(exc, "exit_code", getattr(exc, "code", 0)) or 0)
    except Exception as exc:
        # Usage errors of typer's (vendored) click: they know how to show themselves.
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show(file=sys.stderr)
            return exc.exit_code
        raise
    return 0


def _database_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import SQLAlchemyError

    return (SQLAlchemyError,)


def _store_name() -> str:
    from .common import state

    return state.db


def _entry() -> None:  # pragma: no cover
    sys.exit(main())
