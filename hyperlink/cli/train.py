"""`hyperlink train` and `hyperlink models`."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..settings import MAX_BATCH, MAX_DIM, MAX_EPOCHS, MAX_SEED
from .common import app, console, err_console, open_store, say, state


def _value(text: str):
    """`--set key=value`: JSON values (numbers, true/false, null), else the string."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # not JSON (or absurdly nested): the string, type-checked later
        return text


def _settings(pairs: list[str], **flags) -> dict:
    from ..errors import InputError

    out = {k: v for k, v in flags.items() if v is not None}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--set expects KEY=VALUE, got {pair!r}")
        out[key.strip().replace("-", "_")] = _value(value.strip())
    return out


# A run this long gets a note before training and a measured estimate after ESTIMATE_AFTER epochs.
LONG_RUN_EPOCHS = 200
ESTIMATE_AFTER = 2


def _planned_epochs(kind: str, settings: dict) -> int | None:
    """Epochs the run will plan: --epochs, else the model's default (None: not trained by epochs)."""
    if isinstance(settings.get("epochs"), int):
        return settings["epochs"]
    try:
        from ..models.registry import model_settings

        value = model_settings(kind).get("epochs")
    except Exception:  # an unknown kind: train_from_store names the choices
        return None
    return value if isinstance(value, int) else None


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min {s:02d} s" if m else f"{s} s"


def pairs_text(config: dict) -> str:
    """The pair count as both `train` and `models` print it: complete pairs, of which held out."""
    complete, held = config.get("complete_pairs"), config.get("held_out_pairs")
    if complete is None:
        return "? pairs"
    return f"{complete} complete pairs" + (f" ({held} held out for validation)" if held else "")


@contextmanager
def _warnings_as_lines():
    """Python warnings of the libraries (e.g. a UserWarning of the training loop or torch) become one
    `warning:` line each, not a source-line dump on stderr."""
    import warnings

    from rich.markup import escape

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            seen = set()
            for w in caught:
                text = str(w.message).splitlines()[0] if str(w.message) else w.category.__name__
                if text not in seen:
                    seen.add(text)
                    say(f"[yellow]warning:[/] {escape(text)}")


@app.command("train")
def train_cmd(
    model: str = typer.Option("bidnn", "--model", help="Model kind: bidnn, mae, corrnet, dcca, cca, concat, text, visual, ..."),
    text: str = typer.Option(..., "--text", help="Text feature space (modality A)."),
    visual: str = typer.Option(..., "--visual", help="Visual feature space (modality B)."),
    name: Optional[str] = typer.Option(None, "--name", help="Name to record the model under (default: the kind)."),
    epochs: Optional[int] = typer.Option(None, "--epochs", min=0, max=MAX_EPOCHS, help="Passes over the complete pairs."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, max=MAX_BATCH, help="Rows per step (last partial batch dropped)."),
    lr: Optional[float] = typer.Option(None, "--lr", min=0, max=1e6, help="Learning rate."),
    momentum: Optional[float] = typer.Option(None, "--momentum", min=0, max=1, help="SGD momentum (Nesterov); 0 disables."),
    optimiser: Optional[str] = typer.Option(None, "--optimiser", help="sgd or adam."),
    dropout: Optional[float] = typer.Option(None, "--dropout", min=0, max=1, help="Dropout after the central layers; 0 disables."),
    hidden: Optional[int] = typer.Option(None, "--hidden", min=1, max=MAX_DIM, help="Hidden width h."),
    rep: Optional[int] = typer.Option(None, "--rep", min=1, max=MAX_DIM, help="Representation size r (embedding width)."),
    activation: Optional[str] = typer.Option(None, "--activation", help="Activation, e.g. tanh, relu, sigmoid."),
    untied: bool = typer.Option(False, "--untied", help="BiDNN: independent central weights (no tying)."),
    balanced: bool = typer.Option(False, "--balanced", help="Mean of per-modality losses instead of one MSE."),
    val_split: Optional[float] = typer.Option(None, "--val-split", min=0, max=1, help="Share of pairs held out for validation."),
    patience: Optional[int] = typer.Option(None, "--patience", min=0, max=MAX_EPOCHS, help="Early stopping: epochs without a better validation loss."),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, max=MAX_SEED, help="Seed of init, dropout, shuffles, split."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu or cuda."),
    sets: list[str] = typer.Option([], "--set", help="Any other model setting, KEY=VALUE (repeatable)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the checkpoint (default: models/ beside the store)."),
    curve: Optional[Path] = typer.Option(None, "--curve", help="Write the training curve to this PNG."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite a model of the same name."),
) -> None:
    """Train a joint text+visual model on the store's segments and record its checkpoint.

    Defaults are the faithful ones of each model (BiDNN: the original tool's SGD-Nesterov, lr 0.1,
    batch 128, dropout 0.2, 1000 epochs); settings a model does not have are refused.

    Example: hyperlink train --model bidnn --text tfidf --visual cnn --hidden 512 --rep 256 --epochs 50
    """
    from ..train import default_model_dir, train_from_store

    settings = _settings(
        sets, epochs=epochs, batch_size=batch_size, lr=lr, momentum=momentum, optimiser=optimiser, dropout=dropout,
        hidden=hidden, rep=rep, activation=activation, val_fraction=val_split, patience=patience, seed=seed,
        device=device, tied=False if untied else None, balanced_loss=True if balanced else None,
    )
    name = model if name is None else name
    if curve is not None:
        from ..files import output_file

        output_file(curve, "training curve")
    store = open_store()
    planned = _planned_epochs(model, settings)
    if planned is not None and planned >= LONG_RUN_EPOCHS:
        say(f"[yellow]note:[/] {planned} epochs{' (the faithful default)' if epochs is None else ''} can take hours on "
            "a CPU; an estimate follows after the first epochs (--epochs 50 gives a quick run)")
    bar = None
    progress = None
    if not state.quiet:
        import time

        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[info]}"), TimeElapsedColumn(), "eta", TimeRemainingColumn(),
                       console=err_console, transient=True)
        task = bar.add_task(f"training {model}", total=None, info="")
        seen: list[float] = []

        def progress(s):
            val = "" if s.val_loss is None else f" val {s.val_loss:.5f}"
            bar.update(task, completed=s.epoch, total=s.epochs,
                       info=f"loss {s.loss:.5f}{val} {s.samples_per_s:,.0f} samples/s")
            seen.append(time.perf_counter())
            if len(seen) == ESTIMATE_AFTER + 1 and s.epochs >= LONG_RUN_EPOCHS:  # measured epochs, not the start-up
                per_epoch = (seen[-1] - seen[0]) / ESTIMATE_AFTER
                bar.console.print(f"estimate: {_duration(per_epoch * (s.epochs - s.epoch))} more for {s.epochs} epochs "
                                  f"({per_epoch:.2f} s per epoch; early stopping may end sooner)", highlight=False,
                                  soft_wrap=True)

    out_dir = out or default_model_dir(state.db)
    with _warnings_as_lines():
        if bar is not None:
            with bar:
                record, _, result = train_from_store(store, model, name, text, visual, settings, out_dir,
                                                     replace=replace, progress=progress)
        else:
            record, _, result = train_from_store(store, model, name, text, visual, settings, out_dir,
                                                 replace=replace)
    if curve is not None and result.history:
        from ..models import plot_history

        with _warnings_as_lines():
            plot_history(result.history, curve, f"{record.kind} {record.name!r}: loss per epoch")
        say(f"training curve: {curve}")
    metrics = record.config["metrics"]
    say(f"[green]train[/]: {record.kind} {record.name!r} on {pairs_text(record.config)}, "
        f"{metrics.get('epochs_run')} epochs, best epoch {result.best_epoch},"
        f" {result.seconds:.1f} s on {result.device}")
    console.print(f"{record.name}\t{record.path}\tsha256:{record.checksum}", highlight=False, soft_wrap=True)


@app.command("models")
def models_cmd(json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """List the trained models recorded in the store.

    Example: hyperlink models --json
    """
    models = open_store().models()
    if json_out:
        console.print_json(json.dumps([m.__dict__ for m in models]))
        return
    table = Table(title="models")
    for col in ("name", "kind", "text", "visual", "epochs", "trained on", "sha256", "created"):
        table.add_column(col)
    for m in models:
        metrics = m.config.get("metrics", {})
        table.add_row(m.name, m.kind, m.text_space or "-", m.visual_space or "-", str(metrics.get("epochs_run", "-")),
                      pairs_text(m.config), m.checksum[:12], m.created_at)
    console.print(table)
