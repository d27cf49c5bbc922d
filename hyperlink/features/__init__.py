"""Feature extractors (text encoders now; visual extractors later), each in a registry."""

from .text import TEXT_ENCODERS, TextEncoder, TfidfSvdEncoder, make_text_encoder

__all__ = ["TEXT_ENCODERS", "TextEncoder", "TfidfSvdEncoder", "make_text_encoder"]
