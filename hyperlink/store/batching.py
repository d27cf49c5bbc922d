"""SQL statements whose size never grows with the collection: ``IN (...)`` lists cut into batches.

The batch is the smaller of ``settings.sql_batch()`` and what the driver allows (SQLite's
``SQLITE_LIMIT_VARIABLE_NUMBER``, read from the live connection, minus room for the statement's
other parameters).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import TypeVar

from .. import settings

__all__ = ["batched", "batch_size"]

T = TypeVar("T")
_RESERVED = 8  # parameters a statement may bind besides its IN list


def batch_size(conn) -> int:
    """Values per IN list on ``conn`` (a SQLAlchemy Connection)."""
    size = settings.sql_batch()
    try:
        raw = conn.connection.dbapi_connection
    except AttributeError:
        return size
    if isinstance(raw, sqlite3.Connection):
        limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        size = min(size, max(1, limit - _RESERVED))
    return size


def batched(values: Sequence[T], size: int) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``.

    >>> list(batched([1, 2, 3, 4, 5], 2))
    [[1, 2], [3, 4], [5]]
    """
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i:i + size]
