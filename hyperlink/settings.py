"""Defaults in one place: every command, the library and the benchmarks read them from here.

Environment variables override the ones a deployment tunes (chunk size, memory budget, store path);
the rest are the run rules' and the campaigns' conventions.
"""

from __future__ import annotations

import os

from .errors import InputError

__all__ = [
    "DB", "WINDOW_LENGTH", "WINDOW_STRIDE", "TEXT_SPACE", "TEXT_ENCODER", "TEXT_DIM", "SEED", "K", "RUN_K",
    "BIN_SIZE", "TOLERANCE", "CHUNK_ROWS", "SQL_BATCH", "MAX_MEMORY_SHARE", "MODEL_DIR", "INDEX_DIR",
    "VECTOR_DIR_SUFFIX", "chunk_rows", "sql_batch", "default_max_memory",
]


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"environment variable {name}={value!r} must be a whole number; unset it or give e.g. "
                         f"{name}={default}") from None
    if number < 1:
        raise InputError(f"environment variable {name}={value!r} must be at least 1; unset it or give e.g. "
                         f"{name}={default}")
    return number


DB = "hyperlink.db"  # --db default (env HYPERLINK_DB)

# Candidate segments (`hyperlink segment`): 60 s windows every 30 s, within the 10-120 s run rule.
WINDOW_LENGTH = 60.0
WINDOW_STRIDE = 30.0

# Transcript encoding (`hyperlink encode-text`).
TEXT_SPACE = "tfidf"
TEXT_ENCODER = "tfidf-svd"
TEXT_DIM = 100
TEXT_FIT_SAMPLE = 200_000  # cues the encoder is fitted on (a seeded sample above this many)

SEED = 0

# Linking: targets per query, and per anchor in a run (the run rules allow at most 1000).
K = 10
RUN_K = 1000

# Evaluation (the official evaluator's defaults).
# Longest time any file may give (seconds): a week. Longer is a typo, not a video, and would make
# segmenting and evaluation grow without bound.
MAX_TIME = 7 * 24 * 3600
# Widest feature vector any file may declare: the store keeps vectors dense (float32), so a typo such as
# --b-dim 1000000000000 must be refused, not allocated.
MAX_DIM = 1 << 17
# Bounds of the counts users type: beyond them a value is a typo, and would run for days or allocate terabytes.
MAX_EPOCHS = 1_000_000
MAX_BATCH = 1 << 20
MAX_SEED = 2**32 - 1  # numpy and torch both take seeds in [0, 2**32)
BIN_SIZE = 300
TOLERANCE = 15

# Streaming: rows per chunk in every stage (ingest, encode, segment, train, embed, index). Memory
# grows with the chunk, never with the collection. Env HYPERLINK_CHUNK_ROWS.
CHUNK_ROWS = 32_768
# Values bound in one SQL statement at most: under SQLite's oldest variable limit (999).
SQL_BATCH = 500

# `index --factory auto`: the index may use this share of the machine's RAM unless --max-memory says.
MAX_MEMORY_SHARE = 0.5

# Artefacts beside a SQLite store file: models/, indexes/<model>/, and <name>.vectors/ (the vector files).
MODEL_DIR = "models"
INDEX_DIR = "indexes"
VECTOR_DIR_SUFFIX = ".vectors"


def chunk_rows() -> int:
    """Rows per chunk: ``HYPERLINK_CHUNK_ROWS`` or :data:`CHUNK_ROWS`."""
    return _env_int("HYPERLINK_CHUNK_ROWS", CHUNK_ROWS)


def sql_batch() -> int:
    """Values per SQL ``IN (...)``: ``HYPERLINK_SQL_BATCH`` or :data:`SQL_BATCH`."""
    return _env_int("HYPERLINK_SQL_BATCH", SQL_BATCH)


def default_max_memory() -> int:
    """Bytes the index may take by default: :data:`MAX_MEMORY_SHARE` of physical memory."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 << 30
    return int(total * MAX_MEMORY_SHARE)
