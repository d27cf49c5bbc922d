"""Readers of the input formats: pure functions from a file to typed rows, errors at ``FILE:LINE``.

No store here: the store calls these and decides what to keep.
"""

from .anchors import read_anchors
from .collection import Collection, read_blacklist, read_collection
from .keyframes import KeyframeTable, read_keyframes
from .segment_vectors import (
    LibsvmTable,
    SegmentVectorTable,
    read_libsvm,
    read_segment_table,
    read_segment_vectors,
    write_libsvm,
)
from .transcripts import read_transcripts

__all__ = [
    "read_collection",
    "read_blacklist",
    "read_transcripts",
    "read_keyframes",
    "read_libsvm",
    "write_libsvm",
    "read_segment_table",
    "read_segment_vectors",
    "read_anchors",
    "Collection",
    "KeyframeTable",
    "LibsvmTable",
    "SegmentVectorTable",
]
