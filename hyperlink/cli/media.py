"""`hyperlink ingest media`: a thin wrapper over ``hyperlink.ingest.media.ingest_media``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import ingest_app, open_store, progress_bar, say


@ingest_app.command("media")
def ingest_media_cmd(
    folder: Path = typer.Argument(..., help="Folder of video files (mp4, webm, mkv, ogv, ...) or one video file."),
    subtitles: Optional[Path] = typer.Option(None, "--subtitles", help="Folder of <videoId>.vtt/.srt (default: beside each video)."),
    every: float = typer.Option(5.0, "--every", help="Seconds between periodic keyframes (0: shot changes only)."),
    shots: bool = typer.Option(True, "--shots/--no-shots", help="Also a keyframe at every shot change."),
    threshold: float = typer.Option(0.18, "--threshold", help="Colour-histogram distance (0-1) that makes a shot change."),
    visual: str = typer.Option("efficientnet-lite0", "--visual", help="Visual extractor (registry name)."),
    text: str = typer.Option("auto", "--text", help="Text encoder for the subtitles: tfidf-svd, minilm, none, or auto "
                             "(the one the store's cues already have, else tfidf-svd)."),
    batch_size: int = typer.Option(8, "--batch-size", help="Keyframes per CNN forward pass."),
    force: bool = typer.Option(False, "--force", help="Re-extract videos already done (e.g. after an extractor upgrade)."),
    length: float = typer.Option(60.0, "--length", help="Candidate segment length in seconds (10-120)."),
    stride: float = typer.Option(30.0, "--stride", help="Seconds between candidate segment starts."),
    shard: str = typer.Option("0/1", "--shard", metavar="I/N", help="Only the videos whose id hashes to shard I of N "
                              "(N machines or a SLURM/Ray array, each I, into one store)."),
    snap: bool = typer.Option(False, "--snap/--no-snap", help="Snap segment boundaries to subtitle cue boundaries."),
) -> None:
    """Videos + subtitles -> keyframe CNN features, cues, text vectors and candidate segments (media extra).

    One transaction per video: a corrupt file is named and skipped, the others are ingested. Videos already done by the same extractor version are skipped. Visual spaces: lite0-concepts (1000 ImageNet class probabilities) and lite0-pool (1280-d pooled activations).

    Example: hyperlink --db archive.db ingest media videos/ --subtitles subs/ --every 5 --shots --text minilm
    """
    from rich.markup import escape

    from ..errors import InputError
    from ..ingest.decode import KeyframeSpec
    from ..ingest.media import MediaSpec, ingest_media, parse_shard
    from ..segment import WindowSpec

    try:
        spec = MediaSpec(
            keyframes=KeyframeSpec(every=every or None, shots=shots, threshold=threshold),
            visual=visual,
            text=None if text == "none" else text,
            subtitles=subtitles,
            window=WindowSpec(length, stride, snap),
            batch_size=batch_size,
            force=force,
            shard=parse_shard(shard),
        )
    except ValueError as exc:
        raise InputError(str(exc)) from None
    with progress_bar("ingesting videos") as progress:
        report = ingest_media(open_store(create=True), folder, spec, progress)
    for v in report.videos:
        if v.status == "failed":
            say(f"[red]failed[/]: {escape(v.error or '')}")
        else:
            say(f"[green]{v.status}[/]: {escape(v.path)}: {v.keyframes} keyframes, {v.cues} new cues")
    for w in report.warnings:
        say(f"[yellow]warning:[/] {escape(w)}")
    if report.text:
        say(f"[green]text[/]: {report.text}")
    if report.cut is not None:
        say(f"[green]segment[/]: {report.cut.segments} windows in {report.cut.videos} videos ({report.cut.added} new)")
    if report.failed:
        raise InputError(f"{len(report.failed)} of {len(report.videos)} video(s) could not be ingested (named above); "
                         "the others were; fix or remove those files and re-run (done videos are skipped)")
