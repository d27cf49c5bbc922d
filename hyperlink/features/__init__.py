"""Feature extractors (text encoders now; visual extractors later), each in a registry."""

from .sentence import MiniLMEncoder
from .text import TEXT_ENCODERS, TextEncoder, TfidfSvdEncoder, make_text_encoder

# The sentence encoder's packages come with the `media` extra; it imports them only when used.
TEXT_ENCODERS["minilm"] = MiniLMEncoder

__all__ = ["TEXT_ENCODERS", "TextEncoder", "TfidfSvdEncoder", "MiniLMEncoder", "make_text_encoder"]
