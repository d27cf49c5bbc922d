"""One error hierarchy; the CLI maps each to a message on stderr and a non-zero exit.

Exit codes (documented in the README):
    1  HyperlinkError not covered below
    2  usage error (typer/click)
    3  InputError: a file or value the user gave is malformed
    4  StoreError: the store is missing something a command needs
    5  MismatchError: an artefact (model, index) does not match the store
    6  MissingDependency: an optional package is not installed
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "HyperlinkError",
    "InputError",
    "StoreError",
    "MismatchError",
    "MissingDependency",
]


class HyperlinkError(Exception):
    """Base of every error the tool reports to the user instead of a traceback."""

    exit_code = 1


class InputError(HyperlinkError):
    """Bad user input, located as ``FILE:LINE: message`` (line optional, 1-based)."""

    exit_code = 3

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        return f"{where}{self.message}"


class StoreError(HyperlinkError):
    """The store lacks what a command needs (e.g. no such feature space)."""

    exit_code = 4


class MismatchError(HyperlinkError):
    """An artefact does not match what it is used with (stale index, wrong model)."""

    exit_code = 5


class MissingDependency(HyperlinkError):
    """An optional dependency is not installed; the message says which extra to install."""

    exit_code = 6
