"""`hyperlink serve` (the web pages over the store) and `hyperlink report-html` (the same pages as files)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .common import app, say, state


def _host(host: str) -> str:
    import ipaddress

    from ..errors import InputError

    if host == "localhost":
        return host
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        raise InputError(f"--host {host!r} is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)") from None


@app.command("serve")
def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 opens it to the network)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    model: Optional[List[str]] = typer.Option(None, "--model", help="Models to offer (repeat; default: every model with an index)."),
    run: Optional[List[Path]] = typer.Option(None, "--run", help="Run files to offer beside the models (repeat)."),
    k: int = typer.Option(10, "-k", "--top", min=1, max=1000, help="Targets shown per anchor unless the page asks for more."),
    assess: bool = typer.Option(False, "--assess", help="Assessor mode: judging a target writes a judgment to the store."),
    check: bool = typer.Option(False, "--check", help="Build the application, say what it serves, and exit (no server)."),
) -> None:
    """Browse anchors and their ranked targets in a web browser: keyframes, playback of exactly the span,
    relevance colours and P@5 / P@10 / AP, two models side by side, judging (--assess), free-text search.

    JSON API: /api/anchors, /api/anchors/ID/targets?model=M&k=K (as `query ID --json`), /api/search?q=..., /api/qrels.

    Example: hyperlink --db data/demo/hyperlink.db serve --assess     (then open http://127.0.0.1:8000/)
    """
    from ..serve import create_app, open_catalogue
    from ..serve.render import need

    address = _host(host)
    catalogue = open_catalogue(state.db, model or (), run or ())
    application = create_app(catalogue, assess, k)
    sources = ", ".join(catalogue.sources) or "none (train and index a model, or pass --run)"
    say(f"[green]serve[/]: {len(catalogue.anchors())} anchors; models and runs: {sources}"
        + ("; assessor mode" if assess else ""))
    if check:
        return
    uvicorn = need("uvicorn", "hyperlink serve")
    say(f"[green]serve[/]: http://{address}:{port}/  (Ctrl-C stops)")
    uvicorn.run(application, host=address, port=port, log_level="warning")


@app.command("report-html")
def report_html_cmd(
    out: Path = typer.Option(..., "--out", help="Folder to write (index.html, anchors/, thumbs/); replaced if it is a report."),
    model: Optional[List[str]] = typer.Option(None, "--model", help="One model, or two to compare (default: the first with an index)."),
    run: Optional[List[Path]] = typer.Option(None, "--run", help="Run files to show instead of, or beside, a model (repeat)."),
    k: int = typer.Option(10, "-k", "--top", min=1, max=1000, help="Targets per anchor."),
    copy_media: bool = typer.Option(False, "--copy-media", help="Copy the video files into the folder (to share it); "
                                    "default: link to them where they lie."),
) -> None:
    """Write the anchor pages as a static folder that opens offline: HTML, keyframe thumbnails, video links.

    Example: hyperlink --db data/demo/hyperlink.db report-html --out data/demo/report --model bidnn --model text
    """
    from ..serve.report import write_report

    report = write_report(state.db, out, model or (), run or (), k, copy_media)
    say(f"[green]report-html[/]: {report.anchors} anchor pages, {report.thumbnails} thumbnails "
        f"({', '.join(report.sources) or 'no model or run'}) -> {out}/index.html")
