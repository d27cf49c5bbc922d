"""Built-in text encoders that need no download, in a registry so better ones can be added.

``tfidf-svd``: TF-IDF (sublinear tf, English stop words removed) fitted on the collection's own
transcript cues, projected to ``dim`` dimensions with a truncated SVD (LSA), each vector then
L2-normalised. Deterministic for a given seed and corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

__all__ = ["TextEncoder", "TEXT_ENCODERS", "make_text_encoder", "TfidfSvdEncoder"]


class TextEncoder(Protocol):
    name: str

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

    def fit_transform(self, texts: list[str]) -> np.ndarray:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not texts:
            raise ValueError("no transcript text to fit the text encoder on; ingest transcripts first")
        min_df = self.min_df if len(texts) >= 10 * self.min_df else 1
        tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=min_df, dtype=np.float32)
        try:
            x = tfidf.fit_transform(texts)
        except ValueError as exc:  # empty vocabulary
            raise ValueError(f"the transcripts have no usable words for TF-IDF ({exc})") from None
        self.fitted_docs, self.vocabulary = x.shape
        dim = min(self.dim, x.shape[1] - 1, x.shape[0] - 1)
        if dim < 1:
            raise ValueError("too little transcript text to fit a text encoder (need at least 2 cues and 2 words)")
        svd = TruncatedSVD(n_components=dim, random_state=self.seed, algorithm="randomized", n_iter=7)
        z = svd.fit_transform(x).astype(np.float32)
        if dim < self.dim:  # keep the promised width: pad with zeros
            z = np.hstack([z, np.zeros((z.shape[0], self.dim - dim), np.float32)])
        norms = np.linalg.norm(z, axis=1, keepdims=True)
        np.divide(z, norms, out=z, where=norms > 0)
        return z

    def describe(self) -> str:
        return (f"tfidf-svd dim={self.dim} seed={self.seed} min_df={self.min_df} "
                f"fitted on {self.fitted_docs} cues, vocabulary {self.vocabulary}")


TEXT_ENCODERS: dict[str, Callable[..., TextEncoder]] = {"tfidf-svd": TfidfSvdEncoder}


def make_text_encoder(name: str, **options) -> TextEncoder:
    if name not in TEXT_ENCODERS:
        raise KeyError(f"unknown text encoder {name!r}; choose one of {', '.join(sorted(TEXT_ENCODERS))}")
    return TEXT_ENCODERS[name](**options)
