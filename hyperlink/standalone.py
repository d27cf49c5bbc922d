"""The original stand-alone BiDNN tool, LibSVM in and out (``hyperlink bidnn-libsvm``).

Rows hold modality A in columns 1..m1 and B in the rest; a modality whose slice is all zeros is
missing (unless ``ignore_zeroes``). The output keeps each input line's label and order: the joint
embedding (r columns), or with ``crossmodal`` the input with missing modalities predicted. Unlike
the original: ``dropout=0`` and ``momentum=0`` take effect, the expansion is right when m1 ≠ m2,
rows with neither modality are written as empty vectors (never a constant vector) and counted,
runs are seeded, and models are safetensors checkpoints.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError, MismatchError
from .files import output_file
from .models.bidnn import BiDNNConfig, BiDNNModel
from .models.checkpoint import load_model, save_model
from .models.config import TrainConfig
from .models.loop import EpochStats

__all__ = ["StandaloneOptions", "StandaloneReport", "run_standalone"]


@dataclass(frozen=True)
class StandaloneOptions:
    activation: str | None = None  # None: the loaded model's, else tanh
    epochs: int = 1000  # 0: predict only, with a loaded model
    dropout: float = 0.2
    batch_size: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    load_model: str | None = None
    save_model: str | None = None  # %e = epoch (00100, ..., final)
    crossmodal: bool = False  # write the input with missing modalities predicted, not the embedding
    l2_norm: bool = False  # embedding: each half / its Frobenius norm; crossmodal: predicted rows unit length
    ignore_zeroes: bool = False  # no missing-modality detection: every row is a complete pair
    untied: bool = False
    write_after: int | None = None  # also write (and save, and run the command) every N epochs
    exec_command: str | None = None  # shell command after each write; %e = epoch
    verbosity: int = 3  # 0 silent, 1 settings, 2 progress notes, 3 per-epoch loss
    seed: int = 0
    device: str = "auto"


@dataclass
class StandaloneReport:
    rows: int = 0
    complete: int = 0  # rows with both modalities (the training pairs)
    missing_a: int = 0
    missing_b: int = 0
    missing_both: int = 0  # written as empty vectors
    outputs: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    final_loss: float | None = None


def _at(template: str, epoch: int | None) -> str:
    return template.replace("%e", "final" if epoch is None else str(epoch).zfill(5))


def _model(m1: int, m2: int, hidden: int, rep: int, o: StandaloneOptions) -> BiDNNModel:
    train = TrainConfig(epochs=o.epochs, batch_size=o.batch_size, lr=o.lr, momentum=o.momentum,
                        seed=o.seed, device=o.device)
    if o.load_model is None:
        if o.epochs == 0:
            raise InputError("-e 0 only predicts, so it needs a trained model: give one with -l/--load-model")
        return BiDNNModel(BiDNNConfig(hidden=hidden, rep=rep, activation=o.activation or "tanh", dropout=o.dropout,
                                      tied=not o.untied, train=train))
    model = load_model(o.load_model)
    if not isinstance(model, BiDNNModel):
        raise MismatchError(f"{o.load_model}: holds a {model.kind!r} model, not a BiDNN")
    c = model.config
    wanted = {"(m1, m2)": ((m1, m2), model.dims), "hdnsize": (hidden, c.hidden), "repsize": (rep, c.rep),
              "activation": (o.activation or c.activation, c.activation), "tied": (c.tied and not o.untied, c.tied)}
    for name, (given, saved) in wanted.items():
        if given != saved:
            raise MismatchError(f"{o.load_model}: the model has {name} {saved}, the command line asks for {given}")
    model.config = dataclasses.replace(c, dropout=o.dropout, norm="none", train=train)
    return model


def run_standalone(infile: str, outfile: str, m1: int, m2: int, hidden: int, rep: int,
                   options: StandaloneOptions = StandaloneOptions(), *,
                   say: Callable[[str], None] = print) -> StandaloneReport:
    """Train (or load) a BiDNN on a LibSVM file and write its embedding or crossmodal expansion."""
    from .ingest.segment_vectors import read_libsvm, write_libsvm

    o = options
    output_file(_at(outfile, 0), "output")  # before hours of training, not after
    if o.save_model:
        output_file(_at(o.save_model, 0), "model")
    table = read_libsvm(infile, m1, m2)
    labels, a, b = table.labels, np.asarray(table.a, np.float32), np.asarray(table.b, np.float32)
    n = len(a)
    if o.ignore_zeroes:
        has_a = has_b = np.ones(n, bool)
    else:
        has_a, has_b = np.asarray(table.has_a, bool), np.asarray(table.has_b, bool)
    report = StandaloneReport(rows=n, complete=int((has_a & has_b).sum()), missing_a=int((~has_a & has_b).sum()),
                              missing_b=int((has_a & ~has_b).sum()), missing_both=int((~has_a & ~has_b).sum()))
    model = _model(m1, m2, hidden, rep, o)
    if o.verbosity >= 1:
        say(f"{infile}: {n} rows, m1={m1} m2={m2} h={hidden} r={rep}; epochs={o.epochs} activation="
            f"{model.config.activation} dropout={o.dropout} batch={o.batch_size} lr={o.lr} momentum={o.momentum} "
            f"tied={model.config.tied} {'crossmodal expansion' if o.crossmodal else 'multimodal embedding'}")
    if o.verbosity >= 2:
        say(f"both modalities: {report.complete}, missing 1st: {report.missing_a}, missing 2nd: {report.missing_b}, "
            f"missing both: {report.missing_both} (written as empty vectors)")

    def write(epoch: int | None) -> None:
        path = _at(outfile, epoch)
        if o.crossmodal:
            out_a, out_b = model.expand(a, b, has_a, has_b)
            if o.l2_norm:  # the original normalises the predicted rows only
                out_a, out_b = _unit_where(out_a, ~has_a & has_b), _unit_where(out_b, has_a & ~has_b)
        else:
            emb = model.embed(a, b, has_a, has_b, readout="direct", norm="frobenius" if o.l2_norm else "none")
            joint = np.zeros((n, rep), np.float32)
            joint[emb.kept_index] = emb.vectors
            out_a, out_b = joint[:, : rep // 2], joint[:, rep // 2:]
        write_libsvm(path, labels, out_a, out_b)
        report.outputs.append(path)
        if o.verbosity >= 2:
            say(f"wrote {path}")
        if o.save_model is not None:
            report.models.append(_at(o.save_model, epoch))
            save_model(model, report.models[-1])
        if o.exec_command is not None:
            command = _at(o.exec_command, epoch)
            done = subprocess.run(command, shell=True)  # the user's own command, as the original's -x
            if done.returncode and o.verbosity >= 1:
                say(f"warning: `{command}` exited with status {done.returncode}")

    def progress(stats: EpochStats) -> None:
        if o.verbosity >= 3:
            say(f"epoch {stats.epoch} of {stats.epochs}: training loss {stats.loss:.6f} "
                f"({stats.samples_per_s:,.0f} samples/s)")
        if o.write_after and stats.epoch % o.write_after == 0:
            write(stats.epoch)

    if o.epochs > 0:
        result = model.fit(a, b, has_a, has_b, progress=progress, warm_start=o.load_model is not None)
        report.final_loss = result.history[-1].loss if result.history else None
    write(None)
    return report


def _unit_where(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    length = np.linalg.norm(x, axis=1, keepdims=True)
    return np.where(rows[:, None] & (length > 0), x / np.where(length > 0, length, 1.0), x).astype(np.float32)
