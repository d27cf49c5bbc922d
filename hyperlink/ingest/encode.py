"""`encode-text`: fit a text encoder on the store's transcript cues and store every cue's vector.

Memory follows the chunk, not the collection: the encoder is fitted on every cue when there are at
most :data:`~hyperlink.settings.TEXT_FIT_SAMPLE` of them, otherwise on a seeded random sample of
that many, and the cues are then encoded and written chunk by chunk, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import settings
from ..errors import StoreError
from ..features import make_text_encoder
from ..features.text import save_text_encoder
from ..store import Store

__all__ = ["encode_text", "fit_sample", "encoder_dir"]

Progress = Callable[[int, int], None]  # (cues done, cues in all)


def encoder_dir(store: Store) -> Path:
    """Where the store keeps its fitted text encoders: ``<store>.encoders/`` beside its vectors folder."""
    root = store.vector_dir
    stem = root.name[: -len(settings.VECTOR_DIR_SUFFIX)] if root.name.endswith(settings.VECTOR_DIR_SUFFIX) else root.name
    return root.with_name(stem + ".encoders")


def fit_sample(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted positions (in cue id order) of the cues a text encoder is fitted on: all ``n`` of them,
    or ``size`` drawn without replacement by ``seed``.

    >>> fit_sample(5, 10, 0).tolist()
    [0, 1, 2, 3, 4]
    >>> len(fit_sample(1000, 10, 0)), fit_sample(1000, 10, 0).tolist() == fit_sample(1000, 10, 0).tolist()
    (10, True)
    """
    if n <= size:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False)).astype(np.int64)


def _sample_texts(store: Store, positions: np.ndarray, chunk_rows: int) -> list[str]:
    """The texts at ``positions`` of the cue stream, read chunk by chunk (only the sample is kept)."""
    texts: list[str] = []
    offset = 0
    for ids, chunk in store.iter_cues(chunk_rows=chunk_rows):
        lo, hi = np.searchsorted(positions, [offset, offset + len(ids)])
        texts.extend(chunk[int(p) - offset] for p in positions[lo:hi])
        offset += len(ids)
    return texts


def encode_text(store: Store, space: str = settings.TEXT_SPACE, encoder: str = settings.TEXT_ENCODER,
                dim: int | None = None, seed: int = settings.SEED, *, chunk_rows: int | None = None,
                fit_size: int | None = None, progress: Progress | None = None) -> int:
    """Fit ``encoder`` on the store's cues (a seeded sample of ``fit_size`` when there are more) and
    store each cue's vector in ``space``, replacing the vectors it held. Returns the cues encoded.

    ``dim`` None is the encoder's own width (tfidf-svd 100, minilm 384)."""
    n = store.count_cues()
    if n == 0:
        raise StoreError("the store has no transcript cues; run `hyperlink ingest transcripts` first")
    rows = chunk_rows or settings.chunk_rows()
    enc = make_text_encoder(encoder, dim=dim, seed=seed)
    try:
        enc.fit(_sample_texts(store, fit_sample(n, fit_size or settings.TEXT_FIT_SAMPLE, seed), rows))
    except ValueError as exc:
        raise StoreError(str(exc)) from None
    done = 0
    with store.transaction() as tx:
        fs = tx.ensure_space(space, "text", enc.dim, enc.describe())
        tx.clear_cue_vectors(fs)
        for ids, texts in store.iter_cues(chunk_rows=rows):
            done += tx.add_cue_vectors(fs, ids, enc.transform(texts))
            if progress:
                progress(done, n)
    # kept so that new text (`hyperlink query --text`) is encoded into the same space; checked on load
    # against the space's description. An in-memory store keeps no artefact.
    if not getattr(store, "_temporary", False):
        save_text_encoder(enc, encoder_dir(store), space, store.feature_space(space).extractor)
    return done
