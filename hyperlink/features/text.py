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

__all__ = ["TextEncoder", "TfidfSvdEncoder"]


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
