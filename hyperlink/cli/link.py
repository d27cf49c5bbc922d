"""`hyperlink index`, `hyperlink query`, `hyperlink run`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from .common import app, console, err_console, open_store, say, state

DEVICE_HELP = "auto (GPU when faiss reports one), cpu or gpu."


def _index_dir(index: Optional[Path], model: str) -> Path:
    from ..index import default_index_dir

    return index or default_index_dir(state.db, model)


@app.command("index")
def index_cmd(
    model: str = typer.Option(..., "--model", help="Name of a trained model (see `hyperlink models`)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Index folder (default: indexes/MODEL beside the store)."),
    readout: str = typer.Option("direct", "--readout", help="direct (duplicate the present modality) or expansion."),
    factory: str = typer.Option("auto", "--factory", help="auto (the most exact index that fits --max-memory: Flat, "
                                "then IVF-Flat, then IVF-PQ), Flat (exact), or a faiss factory string: IVF1024,Flat, "
                                "HNSW32, IVF1024,PQ32 ..."),
    max_memory: Optional[str] = typer.Option(None, "--max-memory", help="Memory the index may take with --factory "
                                             "auto, e.g. 6G or 512M (default: half the machine's RAM)."),
    nprobe: Optional[int] = typer.Option(None, "--nprobe", min=1, max=1 << 20, help="IVF lists probed per query (default: the fewest "
                                         "reaching recall@100 >= 0.95 on sample queries)."),
    device: str = typer.Option("auto", "--device", help=DEVICE_HELP),
    backend: str = typer.Option("faiss", "--backend", help="faiss (any --factory, CPU or GPU), torch (exact search by "
                                "matrix products, on CUDA when there is one) or milvus (a FLAT Milvus collection; "
                                "needs the [milvus] extra)."),
    uri: Optional[str] = typer.Option(None, "--uri", help="With --backend milvus: a Milvus server, e.g. "
                                      "http://localhost:19530 (default: milvus-lite inside the index folder)."),
    shards: int = typer.Option(1, "--shards", min=1, max=1024, help="With --backend faiss: split the index into N "
                               "CPU shards searched in parallel (on several GPUs it is split over all of them)."),
    update: bool = typer.Option(False, "--update", help="Only add segments stored since the index was built "
                                "(and drop deleted ones)."),
) -> None:
    """Embed every candidate segment with a trained model and build its search index, chunk by chunk.

    Example: hyperlink index --model bidnn --readout expansion --max-memory 6G   (or --backend torch)
    """
    from ..index import build_index, update_index

    store, out_dir = open_store(), _index_dir(out, model)
    if update:
        index, added = update_index(store, out_dir, device)
        say(f"[green]index[/]: added {added} segments to {out_dir} ({index.manifest.count} in all)")
        return
    index = build_index(store, model, out_dir, readout, factory, device, nprobe, max_memory, backend=backend, uri=uri,
                        shards=shards)
    m = index.manifest
    say(f"[green]index[/]: {m.choice}")
    say(f"[green]index[/]: {m.count} segments, {m.dim}-d, {m.factory} ({m.backend_version}) on {index.device}, "
        f"readout {m.readout} ({m.excluded} segments with no modality left out) -> {out_dir}")


_MARKS = {"1": "yes", "0": "no", "-": "-"}


def _query_table(result) -> Table:
    """Targets with H:MM:SS spans and transcripts that take the terminal's remaining width."""
    from rich.text import Text

    from ..link import span_text

    table = Table(title=Text(f"targets for {result.label}"), title_justify="left", expand=True)
    columns = ["rank", *(["rel"] if result.relevance is not None else []), "video", "start-end", "score"]
    for col in columns:
        table.add_column(col, justify="right" if col in ("rank", "score") else "left", no_wrap=True, min_width=len(col))
    table.add_column("transcript", overflow="ellipsis", no_wrap=True, ratio=1, min_width=12)
    for r, (h, snippet) in enumerate(zip(result.hits, result.snippets), 1):
        mark = [_MARKS[result.relevance[r - 1]]] if result.relevance is not None else []
        table.add_row(str(r), *mark, Text(h.video), span_text(h.start, h.end), f"{h.score:.4f}", Text(snippet))
    if result.relevance is not None:
        table.caption = Text(f"rel: the stored judgments of {result.anchor} (yes relevant, no not relevant, "
                             "- not judged)")
        table.caption_justify = "left"
    return table


def _query_json(result) -> str:
    marks = result.relevance or [None] * len(result.hits)
    widened = "whole video" if result.widened == float("inf") else result.widened  # JSON has no Infinity
    return json.dumps({
        "query": result.label, "video": result.span.video, "start": result.span.start, "end": result.span.end,
        "text": result.text, "widened": widened, "reason": result.reason,
        "hits": [{"rank": r, "video": h.video, "start": h.start, "end": h.end, "score": h.score,
                  "segment": h.segment_id, "text": snippet,
                  "relevant": None if mark in (None, "-") else int(mark)}
                 for r, (h, snippet, mark) in enumerate(zip(result.hits, result.snippets, marks), 1)],
    })


@app.command("query")
def query_cmd(
    target: Optional[str] = typer.Argument(None, help="An anchor id, a segment id, or VIDEO@START-END (or --text / --image).", show_default=False),
    model: str = typer.Option(..., "--model", help="Name of a trained model."),
    index: Optional[Path] = typer.Option(None, "--index", help="Index folder (default: indexes/MODEL)."),
    k: int = typer.Option(10, "-k", "--top", help="Targets to return (at most 1000)."),
    exclude_video: bool = typer.Option(False, "--exclude-video", help="Return nothing from the query's own video."),
    mss: bool = typer.Option(False, "--mss", help="Read START-END as official M.SS (default: seconds or HH:MM:SS)."),
    as_json: bool = typer.Option(False, "--json", help='Print JSON: {"query", "text", "hits": [{..., "text", "relevant"}], "reason"}.'),
    trec: bool = typer.Option(False, "--trec", help="Print official run lines."),
    device: str = typer.Option("auto", "--device", help=DEVICE_HELP),
    text: Optional[str] = typer.Option(None, "--text", help="Search by free text instead (encoded with the store's saved text encoder)."),
    image: Optional[Path] = typer.Option(None, "--image", help="Search by an image instead, e.g. a keyframe (the model's visual space must come from `ingest media`)."),
) -> None:
    """Rank target segments for an anchor, a stored segment or any span, obeying the run rules; or search by --text / --image.

    Shows the query's own transcript, then each target (times H:MM:SS) with its transcript and, for a judged
    anchor, its stored judgment. When nothing can be returned, says why on stderr (exit 0).

    Example: hyperlink query anchor_3 --model bidnn -k 5     (or: hyperlink query news0007@120-180 --model bidnn; hyperlink query --text "penalty kick in the rain" --model bidnn)
    """
    from rich.text import Text

    from ..errors import InputError
    from ..link import Linker, LinkOptions, span_text

    if sum(x is not None for x in (target, text, image)) != 1:
        raise InputError("give one query: TARGET (an anchor, a segment or VIDEO@START-END), --text TEXT or --image FILE")
    store = open_store()
    linker = Linker(store, model, _index_dir(index, model), device)
    if target is None:
        from ..textquery import image_query, text_query

        options = LinkOptions(k, exclude_video)
        result = text_query(linker, text, options) if text is not None else image_query(linker, image, options)
    else:
        result = linker.answer(target, LinkOptions(k, exclude_video), mss)
    if result.widened is not None:
        how = "its whole video" if result.widened == float("inf") else f"{result.widened:g} s of context each side"
        say(f"[yellow]warning:[/] {escape(result.label)}: no transcript or keyframe inside the span; used {how}")
    if result.reason is not None:  # a legitimate empty answer: exit 0, but say why
        err_console.print(f"{result.label}: {result.reason}", markup=False, highlight=False, soft_wrap=True)
    if trec:
        from ..evaluate.trec import RunLine, format_run_line

        for r, h in enumerate(result.hits, 1):
            line = RunLine(result.anchor or "query", h.video, h.start, h.end, r, h.score, f"hyperlink-{model}")
            console.print(format_run_line(line), markup=False, highlight=False, soft_wrap=True)
        return
    if as_json:
        from ..textquery import query_json

        sys.stdout.write((_query_json(result) if result.span else json.dumps(query_json(result))) + "\n")
        return
    span = result.span
    if span is None:
        console.print(Text(result.label))
    else:
        console.print(Text(f"{result.label}: {span.video} {span_text(span.start, span.end)} ({span.end - span.start:g} s)"))
        console.print(Text(f"  {result.text}" if result.text else "  (no transcript)"))
    if result.hits:
        console.print(_query_table(result))


@app.command("run")
def run_cmd(
    model: str = typer.Option(..., "--model", help="Name of a trained model."),
    out: Path = typer.Option(..., "--out", help="Run file to write (official 8-field format; .gz compresses)."),
    anchors: str = typer.Option("all", "--anchors", help="Anchor file (XML or CSV), or `all` for the store's anchors."),
    name: Optional[str] = typer.Option(None, "--name", help="Run name, the 8th field (default: hyperlink-MODEL)."),
    index: Optional[Path] = typer.Option(None, "--index", help="Index folder (default: indexes/MODEL)."),
    k: int = typer.Option(1000, "-k", "--top", help="Targets per anchor (at most 1000)."),
    exclude_video: bool = typer.Option(False, "--exclude-video", help="Return nothing from an anchor's own video."),
    device: str = typer.Option("auto", "--device", help=DEVICE_HELP),
) -> None:
    """A complete linking run over an anchor set, in the official format, every anchor present.

    Example: hyperlink run --model bidnn --anchors all --out run.txt --name bidnn-expansion
    """
    from ..evaluate.trec import write_run
    from ..files import output_file
    from ..ingest import read_anchors
    from ..link import Linker, LinkOptions
    from ..errors import InputError
    from ..types import check_id

    output_file(out, "run")  # before the ranking, not after it
    name = f"hyperlink-{model}" if name is None else name
    try:
        check_id(name, "--name")
    except ValueError as exc:
        raise InputError(str(exc)) from None
    store = open_store()
    linker = Linker(store, model, _index_dir(index, model), device)
    chosen = store.anchors() if anchors == "all" else read_anchors(anchors).items
    if not chosen:
        from ..errors import StoreError

        raise StoreError("no anchors: ingest an anchor file or pass --anchors FILE")
    lines, empty, widened = linker.run(chosen, name, LinkOptions(k, exclude_video))
    write_run(lines, out)
    for anchor_id, pad in widened.items():
        say(f"[yellow]warning:[/] {anchor_id}: no transcript or keyframe inside the anchor; used "
            + ("its whole video" if pad == float("inf") else f"{pad:g} s of context each side"))
    for anchor_id in empty:
        say(f"[yellow]warning:[/] {anchor_id}: no target could be returned")
    say(f"[green]run[/]: {len(lines)} targets for {len(chosen) - len(empty)}/{len(chosen)} anchors -> {out}")
