"""`hyperlink ingest ...`, `encode-text`, `segment`, `demo`, `stats`: thin wrappers over the library."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..settings import MAX_SEED
from .common import app, console, ingest_app, open_store, progress_bar, say, state

Existing = typer.Argument(..., help="Input file.")


def _report(reports) -> None:
    for r in reports if isinstance(reports, list) else [reports]:
        say(f"[green]{r.kind}[/]: {escape(r.path)}: {r.added} added, {r.skipped} already in the store")
        for w in r.warnings:
            say(f"[yellow]warning:[/] {escape(w)}")


@ingest_app.command("collection")
def ingest_collection(
    path: Path = Existing,
    blacklist: Optional[Path] = typer.Option(None, "--blacklist", help="File of video ids to exclude from targets."),
) -> None:
    """Videos and durations: `<videoId> HH:MM:SS` lists, CSV (id,duration[,media_path]) or JSONL.

    Example: hyperlink ingest collection cAXES.txt --blacklist cAXES.blacklist.txt
    """
    from ..ingest.load import load_collection

    _report(load_collection(open_store(create=True), path, blacklist))


@ingest_app.command("blacklist")
def ingest_blacklist(path: Path = Existing) -> None:
    """Mark videos (one id per line) as blacklisted: never returned as targets.

    Example: hyperlink ingest blacklist bliptv2.blacklist.txt
    """
    from ..ingest.load import load_blacklist

    _report(load_blacklist(open_store(create=True), path))


@ingest_app.command("transcripts")
def ingest_transcripts(
    paths: list[Path] = typer.Argument(..., help="WebVTT/SRT/JSONL files, or folders of them."),
    video: Optional[str] = typer.Option(None, "--video", help="Video id for a single VTT/SRT file (default: file stem)."),
) -> None:
    """Time-coded transcripts: WebVTT, SRT (video id = file stem) or JSONL (video,start,end,text).

    Example: hyperlink ingest transcripts subtitles/   (then: hyperlink encode-text)
    """
    from ..ingest.load import load_transcripts

    with progress_bar("ingesting transcripts") as progress:
        reports = load_transcripts(open_store(create=True), list(paths), video, progress=progress)
    _report(reports)


@ingest_app.command("keyframes")
def ingest_keyframes(
    path: Path = Existing,
    space: str = typer.Option(..., "--space", help="Name of the visual feature space, e.g. cnn-fc7."),
    index: Optional[Path] = typer.Option(None, "--index", help="CSV video,time describing each row of an NPY matrix."),
    extractor: str = typer.Option("", "--extractor", help="How the vectors were made (recorded in the store)."),
) -> None:
    """CNN features of keyframes: NPY matrix + CSV index, or CSV/Parquet rows (video,time,v1..vd).

    Example: hyperlink ingest keyframes fc7.npy --index fc7.csv --space cnn-fc7
    """
    from ..ingest.load import load_keyframes

    with progress_bar("ingesting keyframes (rows)") as progress:
        report = load_keyframes(open_store(create=True), path, space, index, extractor, progress=progress)
    _report(report)


@ingest_app.command("segment-vectors")
def ingest_segment_vectors(
    path: Path = Existing,
    segments: Path = typer.Option(..., "--segments", help="CSV video,start,end: one row per matrix row."),
    space: str = typer.Option(..., "--space", help="Feature space name."),
    modality: str = typer.Option(..., "--modality", help="text or visual."),
    extractor: str = typer.Option("", "--extractor", help="How the vectors were made."),
) -> None:
    """Features already cut per segment: NPY/CSV matrix + segment table. All-zero rows = modality missing.

    Example: hyperlink ingest segment-vectors w2v.npy --segments segs.csv --space w2v --modality text
    """
    from ..ingest.load import load_segment_vectors

    with progress_bar("ingesting segment vectors (rows)") as progress:
        report = load_segment_vectors(open_store(create=True), path, segments, space, modality, extractor,
                                      progress=progress)
    _report(report)


@ingest_app.command("libsvm")
def ingest_libsvm(
    path: Path = Existing,
    segments: Path = typer.Option(..., "--segments", help="CSV video,start,end: one row per LibSVM line."),
    a_space: str = typer.Option(..., "--a-space", help="Feature space of columns 1..A-DIM."),
    a_dim: int = typer.Option(..., "--a-dim", help="Width of modality A."),
    b_space: str = typer.Option(..., "--b-space", help="Feature space of the columns after A."),
    b_dim: int = typer.Option(..., "--b-dim", help="Width of modality B."),
    a_modality: str = typer.Option("text", "--a-modality", help="Modality of A: text (B visual) or visual."),
) -> None:
    """Per-segment vectors in the original BiDNN tool's LibSVM format (`label i:v ...`).

    Example: hyperlink ingest libsvm data.svm --segments segs.csv --a-space w2v --a-dim 100 --b-space cnn --b-dim 4096
    """
    from ..ingest.load import load_libsvm

    with progress_bar("ingesting libsvm rows") as progress:
        report = load_libsvm(open_store(create=True), path, segments, a_space, a_dim, b_space, b_dim, a_modality,
                             progress=progress)
    _report(report)


@ingest_app.command("anchors")
def ingest_anchors(path: Path = Existing) -> None:
    """Anchors: MediaEval 2014, TRECVID 2015/2016 anchor XML (M.SS times), or CSV (anchor_id,video,start,end).

    Example: hyperlink ingest anchors tv16hlk_test_anchors.xml
    """
    from ..ingest.load import load_anchors

    _report(load_anchors(open_store(create=True), path))


@ingest_app.command("qrels")
def ingest_qrels(path: Path = Existing) -> None:
    """Judgments in the official format `<anchor> Q0 <video> <start> <end> <rel>` (M.SS times).

    Example: hyperlink ingest qrels me14sh_linking_testSet.qrel
    """
    from ..ingest.load import load_qrels

    _report(load_qrels(open_store(create=True), path))


@app.command("encode-text")
def encode_text_cmd(
    space: str = typer.Option("tfidf", "--space", help="Name of the text feature space to (re)write."),
    encoder: str = typer.Option("tfidf-svd", "--encoder", help="Built-in text encoder (registry name)."),
    dim: Optional[int] = typer.Option(None, "--dim", help="Vector width (default: the encoder's: tfidf-svd 100, minilm 384)."),
    seed: int = typer.Option(0, "--seed", min=0, max=MAX_SEED, help="Random seed of the encoder."),
) -> None:
    """Fit a text encoder on the store's transcripts and give every cue a vector.

    Example: hyperlink encode-text --space tfidf --dim 100
    """
    from ..ingest.encode import encode_text

    with progress_bar("encoding cues") as progress:
        n = encode_text(open_store(), space, encoder, dim, seed, progress=progress)
    say(f"[green]encode-text[/]: {n} cues encoded into space {space!r} ({encoder}, {open_store().feature_space(space).dim}-d)")


@app.command("segment")
def segment_cmd(
    length: float = typer.Option(60.0, "--length", help="Window length in seconds (10-120)."),
    stride: float = typer.Option(30.0, "--stride", help="Seconds between window starts."),
    snap: bool = typer.Option(False, "--snap/--no-snap", help="Snap boundaries to transcript cue boundaries."),
) -> None:
    """Cut candidate target segments and aggregate every feature space's vectors over them.

    Example: hyperlink segment --length 60 --stride 30 --snap
    """
    from ..errors import InputError
    from ..segment import WindowSpec, cut_segments, describe_spec

    try:
        spec = WindowSpec(length, stride, snap)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    with progress_bar("cutting segments") as progress:
        report = cut_segments(open_store(), spec, progress)
    if report.removed:
        say(f"[green]segment[/]: replaced {report.removed} windows of {describe_spec(report.previous)} with "
            f"{report.segments} windows of {describe_spec(report.spec)} in {report.videos} videos; "
            "models and indexes built on the old windows are stale: retrain them (`hyperlink train --name NAME "
            "--replace`), then rebuild their indexes (`hyperlink index`)")
    else:
        say(f"[green]segment[/]: {report.segments} windows of {describe_spec(report.spec)} in {report.videos} videos "
            f"({report.added} new)")
    for name, n in (report.with_vectors or {}).items():
        say(f"  {name}: {n} segments have vectors ({report.segments - n} missing that modality)")


@app.command("stats")
def stats_cmd(json_out: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Counts of everything in the store and modality coverage per feature space.

    Example: hyperlink --db archive.db stats
    """
    import json

    store = open_store()
    counts, coverage = store.counts(), store.coverage()
    if json_out:
        console.print_json(json.dumps({"counts": counts, "feature_spaces": coverage}))
        return
    table = Table(title=f"store {state.db}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for k, v in counts.items():
        table.add_row(k, f"{v:,}")
    console.print(table)
    if coverage:
        spaces = Table(title="feature spaces (modality coverage)")
        for col in ("space", "modality", "dim", "segments", "cues", "keyframes"):
            spaces.add_column(col, justify="right" if col in ("dim", "segments", "cues", "keyframes") else "left")

        for row in coverage:
            total = row["segments_total"]
            pct = f" ({100 * row['segments'] / total:.0f}%)" if total else ""
            spaces.add_row(row["space"], row["modality"], str(row["dim"]), f"{row['segments']:,}/{total:,}{pct}",
                           f"{row['cues']:,}", f"{row['keyframes']:,}")
        console.print(spaces)
        for row in coverage:
            console.print(f"[bold]{row['space']}[/]: {row['extractor']}", highlight=False, soft_wrap=True)


@app.command("demo")
def demo_cmd(
    out: Path = typer.Option(Path("data/demo"), "--out", help="Folder for the generated files."),
    videos: int = typer.Option(50, "--videos", min=1, max=1_000_000, help="Number of synthetic videos (scales for benchmarks)."),
    seed: int = typer.Option(0, "--seed", min=0, max=MAX_SEED, help="Random seed: same seed, same collection."),
    ingest: bool = typer.Option(True, "--ingest/--no-ingest", help="Also load it into the store."),
    media: bool = typer.Option(False, "--media/--no-media", help="Also write a small synthetic video per video (media/*.webm, about 0.3 s each; needs the media extra) for `hyperlink serve` to play."),
) -> None:
    """Generate the SYNTHETIC demo news archive and ingest it end to end (not real data).

    Example: hyperlink --db data/demo/hyperlink.db demo --out data/demo
    """
    from ..demo import DemoSpec, generate_demo
    from ..ingest.encode import encode_text
    from ..ingest.load import load_anchors, load_collection, load_keyframes, load_qrels, load_transcripts
    from ..segment import WindowSpec, cut_segments

    files = generate_demo(out, DemoSpec(videos=videos, seed=seed, media=media))
    say(f"[green]demo[/]: synthetic collection of {videos} videos written to {out}/"
        + (f" (videos in {out}/media/)" if media else ""))
    if not ingest:
        return
    store = open_store(create=True)
    _report(load_collection(store, files.collection))
    _report(load_transcripts(store, [files.transcripts]))
    _report(load_keyframes(store, files.keyframes, "demo-cnn", files.keyframe_index,
                           "synthetic keyframe vectors (topic centroid + noise)"))
    _report(load_anchors(store, files.anchors))
    _report(load_qrels(store, files.qrels))
    n = encode_text(store, "tfidf", "tfidf-svd", 64, seed)
    say(f"[green]encode-text[/]: {n} cues encoded (tfidf-svd, 64-d)")
    report = cut_segments(store, WindowSpec(60.0, 30.0, snap=True))
    say(f"[green]segment[/]: {report.segments} candidate targets in {report.videos} videos")
