"""`hyperlink serve`: the web application over a store (FastAPI, server-rendered HTML, no JavaScript).

Pages: ``/`` the anchors, ``/anchors/ID?model=M&other=N&k=K`` one anchor's targets (two sources side
by side), ``/search?q=...&model=M`` free-text search. JSON: ``/api/anchors``,
``/api/anchors/ID/targets?model=M&k=K`` (what `hyperlink query ID --model M -k K --json` prints),
``/api/search``, ``/api/qrels`` (text), ``POST /api/judgments`` (judge; the other mark replaces),
``DELETE /api/judgments`` (withdraw). Media: ``/media/VIDEO`` (HTTP Range)
and ``/thumbs/VIDEO/MS.jpg``. A bad parameter is a 4xx with a message, never a traceback.
"""

# No `from __future__ import annotations`: FastAPI resolves handler annotations, whose types are
# imported inside create_app (the serve extra is needed only there).
import threading
from collections.abc import Sequence
from pathlib import Path

from ..errors import HyperlinkError, InputError, MismatchError, MissingDependency, StoreError
from .media import RangeError
from .render import STATIC, ServerLinks, need, render

__all__ = ["create_app", "STATUS"]

#: HTTP status of each error kind (the most specific class first).
STATUS: tuple[tuple[type[HyperlinkError], int], ...] = (
    (RangeError, 416), (InputError, 400), (StoreError, 404), (MismatchError, 409), (MissingDependency, 501),
    (HyperlinkError, 400),
)
MAX_K = 1000


def _status(exc: HyperlinkError) -> int:
    return next(code for kind, code in STATUS if isinstance(exc, kind))


def create_app(catalogue, assess: bool = False, k: int = 10):
    """The application over ``catalogue`` (a :class:`~hyperlink.serve.pages.Catalogue`). ``assess``:
    judging is allowed (pages show the buttons, ``POST`` is accepted)."""
    fastapi = need("fastapi", "hyperlink serve")
    from fastapi import Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
    from starlette.exceptions import HTTPException

    from .assess import judge, qrels_text, unjudge
    from .pages import result_json

    app = fastapi.FastAPI(title="hyperlink", docs_url=None, redoc_url=None, openapi_url=None)
    lock = threading.Lock()  # one store / index user at a time: SQLite and faiss stay simple
    links = ServerLinks(assess)
    app.state.catalogue = catalogue

    def page(name: str, http_status: int = 200, **context) -> HTMLResponse:
        context.setdefault("search_text", "")
        context.setdefault("search_model", "")
        html = render(name, links=links, models=catalogue.models, **context)
        return HTMLResponse(html, status_code=http_status)

    def failure(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        return page("error.html", status, status=status, message=message)

    @app.exception_handler(HyperlinkError)
    def _known(request: Request, exc: HyperlinkError):
        return failure(request, _status(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError):
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "body", "path"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}" + (f" (got {err['input']!r})" if "input" in err else ""))
        return failure(request, 422, "bad parameter: " + "; ".join(parts))

    @app.exception_handler(HTTPException)
    def _http(request: Request, exc: HTTPException):
        message = "no such page" if exc.status_code == 404 else str(exc.detail)
        return failure(request, exc.status_code, message)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception):  # pragma: no cover - a bug; still no traceback page
        return failure(request, 500, f"internal error ({exc.__class__.__name__}); the server log has the details")

    def sources_of(model: str | None, other: str | None) -> list[str]:
        chosen = [model] if model else catalogue.sources[:1]
        if other:
            chosen.append(other)
        return chosen

    KQuery = Query(k, ge=1, le=MAX_K, description="targets (1-1000)")

    # --- pages -------------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def anchors_page():
        from ..link import transcript

        with lock:
            rows = [{"anchor": a, "text": transcript(catalogue.store, a.span)} for a in catalogue.anchors()]
        return page("anchors.html", anchors=rows, sources=catalogue.sources)

    @app.get("/anchors/{anchor_id}", response_class=HTMLResponse)
    def anchor_page(request: Request, anchor_id: str, model: str | None = None, other: str | None = None,
                    k: int = KQuery):
        with lock:
            view = catalogue.anchor_page(anchor_id, sources_of(model, other) if catalogue.sources or model else [], k)
        return page("anchor.html", page=view, sources=catalogue.sources,
                    back=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))

    @app.get("/search", response_class=HTMLResponse)
    def search_page(q: str = "", model: str | None = None, k: int = KQuery):
        from .search import search_column

        result = None
        chosen = model or (catalogue.models[0] if catalogue.models else "")
        if q.strip():
            with lock:
                result = search_column(catalogue, q, chosen, k)
        return page("search.html", result=result, search_text=q, search_model=chosen)

    def record(fields: dict):
        """Store the posted judgment (the other mark replaces the span's); the Judgment stored."""
        if not assess:
            raise InputError("judging is off: start the server with `hyperlink serve --assess`")
        anchor, video, start, end, rel = _judgment_fields(fields)
        with lock:
            return judge(catalogue.store, anchor, video, start, end, rel)

    def withdraw(fields: dict) -> dict:
        """Withdraw the posted span's judgment; the span (whole seconds) and how many were removed."""
        if not assess:
            raise InputError("judging is off: start the server with `hyperlink serve --assess`")
        anchor, video, start, end = _span_fields(fields)
        with lock:
            catalogue.anchor(anchor)  # an unknown anchor is an error, not a silent no-op
            removed = unjudge(catalogue.store, anchor, video, start, end)
        return {"anchor": anchor, "video": video, "start": float(round(start)), "end": float(round(end)),
                "removed": removed}

    @app.post("/judge")
    async def judge_form(request: Request):
        # a plain urlencoded form, read without python-multipart
        from urllib.parse import parse_qs

        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        if form.get("rel") == "clear":  # the page's "clear" button
            withdraw(form)
        else:
            record(form)
        back = form.get("back", "/")
        target = back if back.startswith("/anchors/") else "/"  # never a redirect off this server
        return RedirectResponse(target, status_code=303)

    # --- JSON API ----------------------------------------------------------------------------------

    @app.get("/api/anchors")
    def api_anchors():
        with lock:
            return [{"id": a.id, "video": a.video, "start": a.start, "end": a.end} for a in catalogue.anchors()]

    @app.get("/api/anchors/{anchor_id}/targets")
    def api_targets(anchor_id: str, model: str | None = None, k: int = KQuery):
        chosen = model or (catalogue.models[0] if catalogue.models else None)
        if chosen is None:
            raise StoreError("no model has an index: hyperlink index --model NAME")
        with lock:
            return result_json(catalogue.answer(anchor_id, chosen, k))

    @app.get("/api/search")
    def api_search(q: str = Query(..., min_length=1), model: str | None = None, k: int = KQuery):
        from .search import search_json

        chosen = model or (catalogue.models[0] if catalogue.models else "")
        with lock:
            return search_json(catalogue, q, chosen, k)

    @app.post("/api/judgments")
    def api_judge(payload: dict):
        j = record(payload)
        return {"anchor": j.anchor, "video": j.video, "start": j.start, "end": j.end, "rel": j.rel}

    @app.delete("/api/judgments")
    def api_unjudge(payload: dict):
        return withdraw(payload)

    @app.get("/api/qrels", response_class=PlainTextResponse)
    def api_qrels():
        with lock:
            return PlainTextResponse(qrels_text(catalogue.store))

    # --- media -------------------------------------------------------------------------------------

    @app.get("/media/{video}")
    def media(request: Request, video: str):
        from .media import media_file, media_type, parse_range, read_chunks
        from starlette.responses import StreamingResponse

        with lock:
            path = media_file(catalogue.store, video)
        size = path.stat().st_size
        try:
            span = parse_range(request.headers.get("range"), size)
        except RangeError as exc:
            return JSONResponse({"error": str(exc), "status": 416}, status_code=416,
                                headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"})
        headers = {"Accept-Ranges": "bytes", "Content-Length": str(span.length if span else size)}
        if span is not None:
            headers["Content-Range"] = f"bytes {span.start}-{span.end}/{size}"
        return StreamingResponse(read_chunks(path, span), status_code=206 if span else 200,
                                 media_type=media_type(path), headers=headers)

    @app.get("/thumbs/{video}/{millis}.jpg")
    def thumb(video: str, millis: int):
        from .media import media_file, thumbnail

        with lock:
            path = media_file(catalogue.store, video)
            duration = next(v.duration for v in catalogue.store.videos() if v.id == video)
        if not 0 <= millis <= 1000 * duration:
            raise InputError(f"{millis} ms is outside {video}, which lasts {duration:g} s")
        return Response(thumbnail(path, millis), media_type="image/jpeg",
                        headers={"Cache-Control": "max-age=3600"})

    @app.get("/static/style.css")
    def css():
        return Response((STATIC / "style.css").read_bytes(), media_type="text/css")

    return app


def _span_fields(fields: dict) -> tuple[str, str, float, float]:
    """(anchor, video, start, end) of a posted judgment or withdrawal, or an InputError saying what is wrong."""
    try:
        return str(fields["anchor"]), str(fields["video"]), float(fields["start"]), float(fields["end"])
    except KeyError as exc:
        raise InputError(f"a judgment names anchor, video, start and end; {exc} is missing") from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"start and end must be seconds ({exc})") from None


def _judgment_fields(fields: dict) -> tuple[str, str, float, float, int]:
    """(anchor, video, start, end, rel) of a posted judgment, or an InputError saying what is wrong."""
    span = _span_fields(fields)
    try:
        return (*span, int(fields["rel"]))
    except KeyError as exc:
        raise InputError(f"a judgment needs anchor, video, start, end and rel; {exc} is missing") from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"rel must be 0 or 1 ({exc})") from None


def open_catalogue(db: str, models: Sequence[str] = (), runs: Sequence[Path] = (), device: str = "cpu"):
    """The store named by ``db`` (which must exist) with its indexed models and the given run files."""
    from ..index import default_index_dir
    from ..store import Store
    from .pages import Catalogue

    store = Store.open(db, create=False)
    return Catalogue(store, lambda m: default_index_dir(db, m), models, runs, device)
