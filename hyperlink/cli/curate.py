"""`hyperlink list ...` and `hyperlink remove ...`: thin wrappers over ``hyperlink.curate``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import confirm, console, list_app, open_store, remove_app, say, state

_JSON = typer.Option(False, "--json", help="Print a JSON array instead of a table.")
_YES = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (needed without a terminal).")


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "-"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in sorted(value.items()))
    return str(value)


def _show(kind: str, rows: list[dict], json_out: bool) -> None:
    import json

    if json_out:
        console.print_json(json.dumps(rows))
        return
    if not rows:
        say(f"no {kind} in the store {state.db}")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{kind} ({len(rows)})")
    for col in rows[0]:
        table.add_column(col, justify="right" if isinstance(rows[0][col], (int, float)) and
                         not isinstance(rows[0][col], bool) else "left")
    for row in rows:
        table.add_row(*(escape(_cell(v)) for v in row.values()))
    console.print(table)


def _lister(kind: str, example: str):
    def command(json_out: bool = _JSON) -> None:
        from ..curate import list_items

        _show(kind, list_items(open_store(), kind, state.db), json_out)

    command.__doc__ = f"{_HELP[kind]}\n\nExample: {example}"
    return command


_HELP = {
    "anchors": "Anchors by id: video, span (seconds), judgments and relevant ones.",
    "videos": "Videos by id: duration, blacklisted, and the cues, keyframes, segments and anchors of each.",
    "spaces": "Feature spaces by name: modality, dim, vectors per kind, the models that use each.",
    "models": "Trained models by name: kind, spaces, pairs, epochs, their indexes, checkpoint path.",
    "indexes": "Index folders beside the store (indexes/NAME): model, segments, factory, whether stale.",
    "origins": "Segment origins ('window', 'imported', ...): segments of each and the window spec cut with.",
    "files": "The ingested-files log: id, kind, path, sha256, rows added, when.",
}
for _kind in ("anchors", "videos", "spaces", "models", "indexes", "origins", "files"):
    list_app.command(_kind)(_lister(_kind, f"hyperlink list {_kind} --json" if _kind == "files"
                                    else f"hyperlink list {_kind}"))


@list_app.command("segments")
def list_segments(
    origin: Optional[str] = typer.Option(None, "--origin", help="Only segments of this origin (see `list origins`)."),
    json_out: bool = _JSON,
) -> None:
    """Candidate segments by id: video, span (seconds), origin.

    Example: hyperlink list segments --origin window --json
    """
    from ..curate import list_items

    _show("segments", list_items(open_store(), "segments", state.db, origin), json_out)


def _run(plan, yes: bool) -> None:
    """Show what goes, ask, apply in one transaction, say what was done."""
    from rich.markup import escape

    for line in plan.what:
        say(f"  {escape(line)}")
    confirm(f"{plan.title}: remove the above?", yes)
    for line in plan.apply(open_store()):
        say(f"[green]removed[/]: {escape(line)}" if not line.startswith(("left ", "models ")) else
            f"[yellow]note:[/] {escape(line)}")


@remove_app.command("model")
def remove_model_cmd(name: str = typer.Argument(..., help="Model name (see `hyperlink list models`)."),
                     yes: bool = _YES) -> None:
    """A trained model, its checkpoint (when in the store's models/ folder) and its indexes.

    Example: hyperlink remove model bidnn-old --yes
    """
    from ..curate import remove_model

    _run(remove_model(open_store(), state.db, name), yes)


@remove_app.command("index")
def remove_index_cmd(name: str = typer.Argument(..., help="Index folder name under indexes/ (see `list indexes`)."),
                     yes: bool = _YES) -> None:
    """An index folder beside the store (indexes/NAME); the model stays.

    Example: hyperlink remove index bidnn --yes
    """
    from ..curate import remove_index

    _run(remove_index(open_store(), state.db, name), yes)


@remove_app.command("space")
def remove_space_cmd(
    name: str = typer.Argument(..., help="Feature space name (see `hyperlink list spaces`)."),
    force: bool = typer.Option(False, "--force", help="Also remove the models that use it (and their indexes)."),
    yes: bool = _YES,
) -> None:
    """A feature space with all its vectors; refused while a model uses it, unless --force.

    Example: hyperlink remove space tfidf2 --yes
    """
    from ..curate import remove_space

    _run(remove_space(open_store(), state.db, name, force), yes)


@remove_app.command("segments")
def remove_segments_cmd(
    origin: str = typer.Option(..., "--origin", help="Origin to remove ('window', 'imported'; see `list origins`)."),
    yes: bool = _YES,
) -> None:
    """Every segment of one origin with its vectors (models trained on them go stale: retrain or remove).

    Example: hyperlink remove segments --origin window --yes
    """
    from ..curate import remove_segments

    _run(remove_segments(open_store(), state.db, origin), yes)


@remove_app.command("file")
def remove_file_cmd(path: Path = typer.Argument(..., help="Path as logged (see `hyperlink list files`)."),
                    yes: bool = _YES) -> None:
    """The rows an ingested anchors, qrels or blacklist file added (it must be unchanged since). Other kinds
    are refused with the reason: their rows do not record their file.

    Example: hyperlink remove file me14sh_linking_testSet.qrel --yes
    """
    from ..curate import remove_file

    _run(remove_file(open_store(), path), yes)
