"""The HTML of the pages: Jinja2 templates (autoescaped: every user text is shown literally), and the
links between pages, which differ between the live server (``/anchors/ID?...``) and the static
report (relative ``anchors/ID.html``)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

__all__ = ["environment", "render", "ServerLinks", "StaticLinks", "file_name", "need"]

SERVE_HINT = "pip install -e '.[serve]'  (or: pip install 'hyperlink[serve]')"


def need(module: str, what: str):
    """``import module`` (a package of the `serve` extra), or MissingDependency saying what to install."""
    import importlib

    from ..errors import MissingDependency

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(f"{what} needs the optional package {module!r} ({exc}); install the serve extra: "
                                f"{SERVE_HINT}") from None

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


def environment():
    jinja2 = need("jinja2", "the web pages")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    from ..link import format_clock, span_text

    env.filters["clock"] = format_clock
    env.filters["span"] = lambda x: span_text(x.start, x.end)
    env.filters["score"] = lambda v: f"{v:.4f}"
    env.filters["metric"] = lambda v: "-" if v is None else f"{v:.3f}"
    from .media import thumb_times

    env.globals["thumb_times"] = thumb_times
    return env


_ENV = None


def render(name: str, **context) -> str:
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV.get_template(name).render(**context)


def _seconds(t: float) -> str:
    return f"{t:g}"


def file_name(identifier: str) -> str:
    """A file name for an anchor or video id: the id itself when it is plain, else its plain
    characters and a digest (ids may hold any printable character, slashes included).

    >>> file_name("anchor_1"), file_name("a/b")
    ('anchor_1', 'a_b-c14cddc0')
    """
    import hashlib
    import re

    plain = re.sub(r"[^A-Za-z0-9._-]", "_", identifier)
    if plain == identifier and not identifier.startswith("."):
        return identifier
    return f"{plain.lstrip('.')[:80]}-{hashlib.sha256(identifier.encode()).hexdigest()[:8]}"


class ServerLinks:
    """Links of the live server. ``live``: forms that post (judging) and the search box work."""

    live = True

    def __init__(self, assess: bool = False):
        self.assess = assess

    def css(self) -> str:
        return "/static/style.css"

    def home(self) -> str:
        return "/"

    def anchor(self, anchor_id: str, sources=(), k: int | None = None) -> str:
        query = [("model", sources[0])] if sources else []
        query += [("other", sources[1])] if len(sources) > 1 else []
        query += [("k", str(k))] if k else []
        return f"/anchors/{quote(anchor_id, safe='')}" + (f"?{urlencode(query)}" if query else "")

    def media(self, video: str, start: float, end: float) -> str:
        return f"/media/{quote(video, safe='')}#t={_seconds(start)},{_seconds(end)}"

    def thumb(self, video: str, millis: int) -> str:
        return f"/thumbs/{quote(video, safe='')}/{millis}.jpg"

    def qrels(self) -> str:
        return "/api/qrels"


class StaticLinks:
    """Links of the static report: relative, so the folder opens offline from anywhere.

    ``depth``: folders between the page and the report's root; ``media``: video id -> the link to its
    file (relative to the root), None for videos without one."""

    live = False
    assess = False

    def __init__(self, media: dict[str, str], depth: int = 0):
        self.media_links, self.up = media, "../" * depth

    def at(self, depth: int) -> "StaticLinks":
        return StaticLinks(self.media_links, depth)

    def css(self) -> str:
        return f"{self.up}style.css"

    def home(self) -> str:
        return f"{self.up}index.html"

    def anchor(self, anchor_id: str, sources=(), k: int | None = None) -> str:
        return f"{self.up}anchors/{quote(file_name(anchor_id))}.html"

    def media(self, video: str, start: float, end: float) -> str:
        return f"{self.up}{quote(self.media_links[video])}#t={_seconds(start)},{_seconds(end)}"

    def thumb(self, video: str, millis: int) -> str:
        return f"{self.up}thumbs/{quote(file_name(video))}_{millis}.jpg"

    def qrels(self) -> str:
        return f"{self.up}qrels.txt"
