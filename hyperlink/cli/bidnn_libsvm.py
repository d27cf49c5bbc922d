"""`hyperlink bidnn-libsvm`: the original stand-alone BiDNN tool's interface, LibSVM in and out."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..settings import MAX_BATCH, MAX_DIM, MAX_EPOCHS, MAX_SEED
from .common import app, say


@app.command("bidnn-libsvm")
def bidnn_libsvm(
    infile: Path = typer.Argument(..., help="Input in LibSVM format: label, then A in columns 1..MOD1SIZE, B after."),
    outfile: str = typer.Argument(..., help="Output LibSVM file (labels kept); %e = epoch with -w."),
    mod1size: int = typer.Argument(..., min=1, max=MAX_DIM, help="Dimensionality of the 1st modality (A)."),
    mod2size: int = typer.Argument(..., min=1, max=MAX_DIM, help="Dimensionality of the 2nd modality (B)."),
    hdnsize: int = typer.Argument(..., min=1, max=MAX_DIM, help="Width of the 1st hidden layer."),
    repsize: int = typer.Argument(..., min=2, max=MAX_DIM, help="Representation width (2 x the central layer width; even)."),
    activation: Optional[str] = typer.Option(None, "-a", "--activation", help="tanh | sigmoid | relu | linear (default tanh, or the loaded model's)."),
    epochs: int = typer.Option(1000, "-e", "--epochs", min=0, max=MAX_EPOCHS, help="Epochs to train; 0 = only predict with a model loaded by -l."),
    dropout: float = typer.Option(0.2, "-d", "--dropout", min=0, max=1, help="Dropout after the central layers; 0 = none."),
    batch_size: int = typer.Option(128, "-b", "--batch-size", min=1, max=MAX_BATCH, help="Batch size."),
    learning_rate: float = typer.Option(0.1, "-r", "--learning-rate", min=0, max=1e6, help="Learning rate (Nesterov SGD)."),
    momentum: float = typer.Option(0.9, "-m", "--momentum", min=0, max=1, help="Momentum; 0 = plain SGD."),
    load_model: Optional[Path] = typer.Option(None, "-l", "--load-model", help="Start from this saved model (.safetensors)."),
    save_model: Optional[str] = typer.Option(None, "-s", "--save-model", help="Save the model here (at the end, and every -w epochs); %e = epoch."),
    crossmodal: bool = typer.Option(False, "-c", "--crossmodal", help="Write the input with missing modalities predicted, instead of the embedding."),
    l2_norm: bool = typer.Option(False, "-n", "--l2-norm", help="Embedding: divide each half by its Frobenius norm (as the original); crossmodal: unit-length predicted rows."),
    ignore_zeroes: bool = typer.Option(False, "-z", "--ignore-zeroes", help="Do not treat all-zero slices as missing modalities."),
    untied: bool = typer.Option(False, "-u", "--untied", help="Do not tie the central weights of the two directions."),
    write_after: Optional[int] = typer.Option(None, "-w", "--write-after", min=1, max=MAX_EPOCHS, help="Also write the output every N epochs (use %e in OUTFILE)."),
    exec_command: Optional[str] = typer.Option(None, "-x", "--exec-command", help="Shell command run after each write; %e = epoch."),
    verbosity: int = typer.Option(3, "-v", "--verbosity", min=0, max=3, help="0 silent .. 3 per-epoch loss."),
    seed: int = typer.Option(0, "--seed", min=0, max=MAX_SEED, help="Seed for init, dropout and shuffling (same seed, same model)."),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda."),
) -> None:
    """Train a BiDNN on a LibSVM file and write the multimodal embedding (or crossmodal expansion).

    Compatible with the original bidnn.py: same positionals and short options; models are saved as safetensors.

    Rows with both modalities train the network; a modality whose columns are all zero is missing (see -z). Rows with neither modality are written as empty vectors and counted.

    Example: hyperlink bidnn-libsvm -n -e 10000 dataset.txt output.txt 100 4096 2048 2048

    Example: hyperlink bidnn-libsvm dataset.txt out_%e.txt 100 4096 2048 2048 -e 1000 -w 100 -s model_%e.safetensors -x "./evaluate.py out_%e.txt"
    """
    from ..standalone import StandaloneOptions, run_standalone

    options = StandaloneOptions(
        activation=activation, epochs=epochs, dropout=dropout, batch_size=batch_size, lr=learning_rate,
        momentum=momentum, load_model=None if load_model is None else str(load_model), save_model=save_model,
        crossmodal=crossmodal, l2_norm=l2_norm, ignore_zeroes=ignore_zeroes, untied=untied,
        write_after=write_after, exec_command=exec_command, verbosity=verbosity, seed=seed, device=device,
    )
    report = run_standalone(str(infile), outfile, mod1size, mod2size, hdnsize, repsize, options, say=say)
    if verbosity >= 1:
        say(f"wrote {report.outputs[-1]} ({report.rows} rows; {report.missing_both} with neither modality left empty)")
