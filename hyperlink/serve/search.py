"""The search box: free text -> spans of the collection, as a page column or as JSON."""

from __future__ import annotations

from ..link import LinkOptions
from .pages import Column, Target, shared_terms

__all__ = ["search_column", "search_json"]


def _hits(catalogue, text: str, model: str, k: int):
    from ..textquery import text_query

    linker = catalogue.linker(model)
    return text_query(linker, text, LinkOptions(k))


def search_column(catalogue, text: str, model: str, k: int) -> Column:
    """The targets of a free-text query, shown like an anchor's (the words typed marked in each transcript)."""
    result = _hits(catalogue, text, model, k)
    media = catalogue.media_videos()
    targets = [Target(r, h.video, h.start, h.end, h.score, h.segment_id, snippet, shared_terms(text, snippet), "-",
                      h.video in media)
               for r, (h, snippet) in enumerate(zip(result.hits, result.snippets), 1)]
    return Column(model, targets, None, None, None, result.reason)


def search_json(catalogue, text: str, model: str, k: int) -> dict:
    """What `hyperlink query --text TEXT --model M -k K --json` prints."""
    from .pages import result_json

    return result_json(_hits(catalogue, text, model, k))
