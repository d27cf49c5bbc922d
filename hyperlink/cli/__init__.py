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


# The options of the whole program that may also follow the subcommand (`hyperlink stats --db x -q`).
_GLOBAL_VALUE = ("--db",)
_GLOBAL_FLAGS = ("-q", "--quiet")


def _hoist_globals(root, argv: list[str]) -> list[str]:
    """Move --db VALUE / -q given after the subcommand to the front, where the root command reads them.

    The subcommand's own options are walked so that an option's value (``--name -q``) is never taken for
    a global, and nothing after ``--`` moves."""
    args, i, cmd = list(argv), 0, root
    while i < len(args):  # the root's options, then the command path (`ingest media`)
        token = args[i]
        if token == "--":
            return args
        if token.startswith("-"):
            i += 2 if token in _GLOBAL_VALUE else 1
            continue
        sub = getattr(cmd, "commands", {}).get(token)
        if sub is None:
            break
        cmd, i = sub, i + 1
        if not hasattr(cmd, "commands"):
            break
    if cmd is root or hasattr(cmd, "commands"):
        return args
    takes_value = {opt for p in cmd.params if p.param_type_name == "option" and not getattr(p, "is_flag", False)
                   and not getattr(p, "count", False) for opt in p.opts}
    own = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}
    front, rest = [], args[:i]
    while i < len(args):
        token = args[i]
        if token == "--":
            rest += args[i:]
            break
        name = token.split("=", 1)[0]
        if name in own:
            rest.append(token)
            if name in takes_value and "=" not in token and i + 1 < len(args):
                rest.append(args[i + 1])
                i += 1
        elif name in _GLOBAL_VALUE:
            front.append(token)
            if "=" not in token and i + 1 < len(args):
                front.append(args[i + 1])
                i += 1
        elif token in _GLOBAL_FLAGS:
            front.append(token)
        else:
            rest.append(token)
        i += 1
    return front + rest


def _quiet_flag_types() -> None:
    """Flags show no `<bool>` type in --help (they take no value)."""
    from typer.core import TyperOption

    if getattr(TyperOption, "_hyperlink_tidy", False):
        return
    shown = TyperOption.display_type_rich

    def display_type_rich(self, ctx):
        return None if self.is_flag else shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich
    TyperOption._hyperlink_tidy = True


def _command():
    """The click command tree with the config file's defaults: (root, default_map)."""
    import typer.main

    from ..config_file import default_map, load_config
    from .common import state

    _register()
    _quiet_flag_types()
    root = typer.main.get_command(app)
    state.config = load_config()
    return root, default_map(state.config, root)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code instead of raising SystemExit."""
    from ..errors import HyperlinkError

    try:
        root, defaults = _command()
        args = _hoist_globals(root, list(sys.argv[1:] if argv is None else argv))
        root.main(args=args, prog_name="hyperlink", standalone_mode=False, default_map=defaults)
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
            reason += "; another hyperlink command is writing to the store: run this one again when it is done"
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
