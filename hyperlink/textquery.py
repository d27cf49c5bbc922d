"""Free text or an image -> ranked spans of the collection: `hyperlink query --text` / `--image`.

Text is encoded by the store's own fitted text encoder (saved by `encode-text` beside the store and
checked against the feature space it made), an image by the visual extractor that made the model's
visual space. The model then embeds the one modality it is given, as for a segment that has only
that modality (``direct``: the missing half duplicated; ``expansion``: predicted), and the index
returns the nearest spans under the run rules (no query span, so nothing is excluded for overlap).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import InputError, MismatchError, StoreError
from .link import Linker, LinkOptions, QueryResult, transcript
from .store import Store
from .types import Span

__all__ = ["load_store_encoder", "text_vector", "image_vector", "text_query", "image_query", "query_json"]


def load_store_encoder(store: Store, space: str):
    """The fitted text encoder that made the store's text space ``space``, or an error saying how to get one."""
    from .features.text import load_text_encoder
    from .ingest.encode import encoder_dir

    folder = encoder_dir(store)
    rebuild = f"re-run `hyperlink encode-text --space {space}` (then retrain and re-index the models on it)"
    try:
        encoder, manifest = load_text_encoder(folder, space)
    except FileNotFoundError:
        raise StoreError(f"no saved text encoder for space {space!r} in {folder}: new text cannot be encoded into it; "
                         f"{rebuild}") from None
    except ValueError as exc:
        raise MismatchError(f"{exc}; {rebuild}") from None
    stored = store.feature_space(space).extractor
    if manifest.get("extractor") != stored:
        raise MismatchError(f"the saved text encoder of space {space!r} ({manifest.get('extractor')!r}) is not the one "
                            f"that made the store's vectors ({stored!r}); {rebuild}")
    return encoder


def _embed(linker: Linker, text: np.ndarray | None, visual: np.ndarray | None) -> np.ndarray | None:
    dims = linker.model.dims or (0, 0)
    a = np.zeros((1, dims[0]), np.float32) if text is None else text.reshape(1, -1).astype(np.float32)
    b = np.zeros((1, dims[1]), np.float32) if visual is None else visual.reshape(1, -1).astype(np.float32)
    if (a.shape[1], b.shape[1]) != tuple(dims):
        raise MismatchError(f"model {linker.record.name!r} expects ({dims[0]}, {dims[1]})-d features; the query gives "
                            f"({a.shape[1]}, {b.shape[1]})")
    emb = linker.model.embed(a, b, np.array([text is not None]), np.array([visual is not None]), readout=linker.readout)
    return emb.vectors[0] if len(emb.kept_index) else None


def text_vector(linker: Linker, text: str) -> np.ndarray:
    """The joint vector of ``text``, given as a span's only modality."""
    space = linker.record.text_space
    if not text.strip():
        raise InputError("--text is empty: type some words to search for")
    if space is None:
        raise StoreError(f"model {linker.record.name!r} has no text space: it cannot take a text query")
    features = load_store_encoder(linker.store, space).transform([text])[0]
    if not np.any(features):
        raise InputError(f"none of the words of {text!r} is in the vocabulary of the text encoder of space {space!r} "
                         "(fitted on the collection's transcripts); try other words")
    vector = _embed(linker, features, None)
    if vector is None:
        raise StoreError(f"model {linker.record.name!r} gave no vector for text alone")
    return vector


def _visual_spec(store: Store, space: str):
    from .features.registry import VISUAL_EXTRACTORS

    for extractor in VISUAL_EXTRACTORS.values():
        for spec in extractor.spaces:
            if spec.space == space:
                stored = store.feature_space(space).extractor
                if stored != spec.what:
                    raise MismatchError(f"visual space {space!r} was made by {stored!r}, not by this hyperlink's "
                                        f"{spec.what!r}; re-extract it with `hyperlink ingest media --force`")
                return extractor, spec
    made = ", ".join(f"{s.space} ({e.name})" for e in VISUAL_EXTRACTORS.values() for s in e.spaces)
    raise StoreError(f"visual space {space!r} was not made by an extractor of hyperlink ({made}), so an image "
                     "cannot be put in it; --image needs a model trained on one of those spaces (hyperlink ingest media)")


def image_vector(linker: Linker, path: str | Path) -> np.ndarray:
    """The joint vector of the image at ``path``, given as a span's only modality."""
    from .deps import require
    from .files import input_file

    space = linker.record.visual_space
    if space is None:
        raise StoreError(f"model {linker.record.name!r} has no visual space: it cannot take an image query")
    extractor, spec = _visual_spec(linker.store, space)
    path = input_file(path)
    image_module = require("PIL.Image", "pillow", "image queries")
    try:
        with image_module.open(path) as img:
            pixels = np.asarray(img.convert("RGB"))
    except (OSError, ValueError) as exc:
        raise InputError(f"not an image this build can read ({exc.__class__.__name__}: {exc})", path) from None
    features = extractor.load()([pixels], 1, None)[spec.key][0]
    vector = _embed(linker, None, features)
    if vector is None:
        raise StoreError(f"model {linker.record.name!r} gave no vector for an image alone")
    return vector


def _result(linker: Linker, label: str, text: str, vector: np.ndarray, options: LinkOptions) -> QueryResult:
    hits = linker.query(None, options, vector)
    reason = None
    if not hits:
        reason = "no target returned: the index holds no segment the run rules allow"
    snippets = [transcript(linker.store, Span(h.video, h.start, h.end)) for h in hits]
    return QueryResult(label, None, text, hits, snippets, None, None, reason, None)


def text_query(linker: Linker, text: str, options: LinkOptions) -> QueryResult:
    """Ranked spans for free ``text`` (``span`` None: the query is no span of the collection)."""
    return _result(linker, f"text {text!r}", text, text_vector(linker, text), options)


def image_query(linker: Linker, path: str | Path, options: LinkOptions) -> QueryResult:
    """Ranked spans for the image at ``path``."""
    return _result(linker, f"image {Path(path).name}", "", image_vector(linker, path), options)


def query_json(result: QueryResult) -> dict:
    """A result as `hyperlink query --json` prints it; ``video``, ``start`` and ``end`` are null for a
    text or image query."""
    marks = result.relevance or [None] * len(result.hits)
    widened = "whole video" if result.widened == float("inf") else result.widened  # JSON has no Infinity
    span = result.span
    return {
        "query": result.label, "video": span.video if span else None, "start": span.start if span else None,
        "end": span.end if span else None, "text": result.text, "widened": widened, "reason": result.reason,
        "hits": [{"rank": r, "video": h.video, "start": h.start, "end": h.end, "score": h.score,
                  "segment": h.segment_id, "text": snippet,
                  "relevant": None if mark in (None, "-") else int(mark)}
                 for r, (h, snippet, mark) in enumerate(zip(result.hits, result.snippets, marks), 1)],
    }

