"""Built-in text encoders that need no download, in a registry so better ones can be added.

``tfidf-svd``: TF-IDF (sublinear tf, English stop words removed) fitted on the collection's own
transcript cues (or a seeded sample of them), projected to ``dim`` dimensions with a truncated SVD
(LSA), each vector then L2-normalised. Deterministic for a given seed and corpus. Fitting and
transforming are separate, so a large collection is fitted once and transformed chunk by chunk;
a row's vector does not depend on the other rows of its chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

__all__ = ["TextEncoder", "TfidfSvdEncoder", "save_text_encoder", "load_text_encoder"]


class TextEncoder(Protocol):
    """Fit on a corpus (or a sample of it), then transform texts in chunks of any size."""

    name: str

    def fit(self, texts: list[str]) -> "TextEncoder": ...

    def transform(self, texts: list[str]) -> np.ndarray: ...

    def fit_transform(self, texts: list[str]) -> np.ndarray: ...

    def describe(self) -> str: ...


@dataclass
class TfidfSvdEncoder:
    """TF-IDF + truncated SVD (latent semantic analysis) fitted on the collection itself."""

    dim: int = 100
    seed: int = 0
    min_df: int = 2
    name: str = "tfidf-svd"
    fitted_docs: int = 0
    vocabulary: int = 0

    def fit(self, texts: list[str]) -> "TfidfSvdEncoder":
        """Learn the vocabulary, IDF weights and SVD projection from ``texts``."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not texts:
            raise ValueError("no transcript text to fit the text encoder on; ingest transcripts first")
        min_df = self.min_df if len(texts) >= 10 * self.min_df else 1
        self._tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=min_df, dtype=np.float32)
        try:
            x = self._tfidf.fit_transform(texts)
        except ValueError as exc:  # empty vocabulary
            raise ValueError(f"the transcripts have no usable words for TF-IDF ({exc})") from None
        self.fitted_docs, self.vocabulary = x.shape
        dim = min(self.dim, x.shape[1] - 1, x.shape[0] - 1)
        if dim < 1:
            raise ValueError("too little transcript text to fit a text encoder (need at least 2 cues and 2 words)")
        self._svd = TruncatedSVD(n_components=dim, random_state=self.seed, algorithm="randomized", n_iter=7)
        self._svd.fit(x)
        return self

    def transform(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalised (all-zero rows stay zero)."""
        if getattr(self, "_svd", None) is None:
            raise ValueError("the text encoder is not fitted yet")
        # (n, vocabulary) sparse @ (vocabulary, dim): each row on its own, so chunking changes nothing
        z = self._svd.transform(self._tfidf.transform(texts)).astype(np.float32)
        if z.shape[1] < self.dim:  # keep the promised width: pad with zeros
            z = np.hstack([z, np.zeros((z.shape[0], self.dim - z.shape[1]), np.float32)])
        norms = np.linalg.norm(z, axis=1, keepdims=True)
        np.divide(z, norms, out=z, where=norms > 0)
        return z

    def fit_transform(self, texts: list[str]) -> np.ndarray:
        return self.fit(texts).transform(texts)

    def describe(self) -> str:
        return (f"tfidf-svd dim={self.dim} seed={self.seed} min_df={self.min_df} "
                f"fitted on {self.fitted_docs} cues, vocabulary {self.vocabulary}")

    def arrays(self) -> dict[str, np.ndarray]:
        """What a fitted encoder learned, as plain arrays (no pickled objects): the vocabulary in
        column order, the IDF weights and the SVD projection (dim' x vocabulary)."""
        if getattr(self, "_svd", None) is None:
            raise ValueError("the text encoder is not fitted yet")
        vocab = self._tfidf.vocabulary_
        terms = np.array(sorted(vocab, key=vocab.__getitem__), dtype=str)
        return {"terms": terms, "idf": np.asarray(self._tfidf.idf_, np.float64),
                "components": np.asarray(self._svd.components_, np.float64)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], **fields) -> "TfidfSvdEncoder":
        """The fitted encoder :meth:`arrays` describes (``fields``: dim, seed, min_df, fitted_docs, vocabulary)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        enc = cls(**fields)
        terms = [str(t) for t in arrays["terms"]]
        enc._tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32,
                                     vocabulary={t: i for i, t in enumerate(terms)})
        enc._tfidf.idf_ = arrays["idf"]
        enc._svd = _Projection(arrays["components"])
        return enc


class _Projection:
    """A fitted truncated SVD's transform: x (n, vocabulary) -> x @ components.T (n, dim')."""

    def __init__(self, components: np.ndarray):
        self.components_ = components

    def transform(self, x) -> np.ndarray:
        return np.asarray(x @ self.components_.T)


# --- persisted encoders: <folder>/<space>.json (+ <space>.npz of plain arrays, never a pickle) ----------


def save_text_encoder(encoder, folder, space: str, extractor: str) -> None:
    """Write a fitted encoder so new text can be encoded later, atomically, with the arrays' sha256 and
    ``extractor`` (the feature space's description in the store) recorded for :func:`load_text_encoder`."""
    import hashlib
    import json
    import os
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fields = {k: getattr(encoder, k) for k in ("dim", "seed", "min_df", "fitted_docs", "vocabulary")
              if hasattr(encoder, k)}
    manifest = {"name": encoder.name, "space": space, "extractor": extractor, "fields": fields}
    if hasattr(encoder, "arrays"):
        data = folder / f".{space}.npz.{os.getpid()}.tmp"
        with open(data, "wb") as f:
            np.savez(f, **encoder.arrays())
            f.flush()
            os.fsync(f.fileno())
        manifest["sha256"] = hashlib.sha256(data.read_bytes()).hexdigest()
        os.replace(data, folder / f"{space}.npz")
    meta = folder / f".{space}.json.{os.getpid()}.tmp"
    meta.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    os.replace(meta, folder / f"{space}.json")


def load_text_encoder(folder, space: str) -> tuple[object, dict]:
    """(encoder, manifest) saved by :func:`save_text_encoder`; ValueError saying what is wrong when the
    files are missing, unreadable or their digest differs."""
    import hashlib
    import json
    from pathlib import Path

    from .registry import make_text_encoder

    meta = Path(folder) / f"{space}.json"
    if not meta.is_file():
        raise FileNotFoundError(meta)
    try:
        manifest = json.loads(meta.read_text())
        name, fields = manifest["name"], manifest["fields"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{meta} is not a saved text encoder ({exc})") from None
    if "sha256" not in manifest:  # nothing learned from the collection: a pretrained encoder
        return make_text_encoder(name, dim=fields.get("dim")), manifest
    data = Path(folder) / f"{space}.npz"
    if not data.is_file() or hashlib.sha256(data.read_bytes()).hexdigest() != manifest["sha256"]:
        raise ValueError(f"{data} is missing or does not match the digest in {meta.name}")
    with np.load(data, allow_pickle=False) as arrays:
        return TfidfSvdEncoder.from_arrays(dict(arrays), **fields), manifest
