"""`encode-text`: fit a text encoder on the store's transcript cues and store every cue's vector."""

from __future__ import annotations

from ..errors import StoreError
from ..features import make_text_encoder
from ..store import Store

__all__ = ["encode_text"]


def encode_text(store: Store, space: str = "tfidf", encoder: str = "tfidf-svd", dim: int = 100, seed: int = 0) -> int:
    """Fit ``encoder`` on every transcript cue of the store and store each cue's vector in ``space``."""
    cue_ids, cues = store.cues()
    if not cues:
        raise StoreError("the store has no transcript cues; run `hyperlink ingest transcripts` first")
    enc = make_text_encoder(encoder, dim=dim, seed=seed)
    try:
        vectors = enc.fit_transform([c.text for c in cues])
    except ValueError as exc:
        raise StoreError(str(exc)) from None
    with store.transaction() as tx:
        fs = tx.ensure_space(space, "text", dim, enc.describe())
        return tx.set_cue_vectors(fs, cue_ids, vectors)
