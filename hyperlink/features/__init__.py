"""Feature extractors, text and visual, in one registry (``registry``); none of them touches the store."""

from .registry import (
           TEXT_EXTRACTORS,
           VISUAL_EXTRACTORS,
           TextExtractor,
           VisualExtractor,
           make_text_encoder,
           text_extractor,
           visual_extractor,
)
from .sentence import MiniLMEncoder
from .text import TextEncoder, TfidfSvdEncoder

__all__ = ["TEXT_EXTRACTORS", "VISUAL_EXTRACTORS", "TextExtractor", "VisualExtractor", "TextEncoder",
           "TfidfSvdEncoder", "MiniLMEncoder", "make_text_encoder", "text_extractor", "visual_extractor"]
