"""The one check every reader makes before it opens a file the user named."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError

__all__ = ["input_file", "output_file"]


def _article(what: str) -> str:
    return "an" if what[:1] in "aeiou" else "a"


def input_file(path: str | Path, what: str = "file") -> Path:
    """``path`` as a Path when it names a regular file; otherwise an InputError that says what it is.

    A FIFO or a device would block or stream forever, so only regular files (or links to one) pass.
    A NUL byte in the name is refused here rather than as a ``ValueError`` deep in ``open``.
    """
    p = Path(path)
    if "\x00" in str(path):
        raise InputError(f"the path of the {what} holds a NUL byte; check the argument", repr(str(path)))
    try:
        mode = os.stat(p).st_mode
    except FileNotFoundError:
        raise InputError(f"no such file; check the path of the {what}", p) from None
    except NotADirectoryError:
        raise InputError(f"no such file (a part of the path is a file, not a folder); check the path of the {what}", p) from None
    except OSError as e:
        raise InputError(f"cannot read the file ({e.strerror}); check the path and its permissions", p) from None
    if stat.S_ISDIR(mode):
        raise InputError(f"is a directory; give the path of {_article(what)} {what} file", p)
    if not stat.S_ISREG(mode):
        kind = "FIFO" if stat.S_ISFIFO(mode) else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special file"
        raise InputError(f"is a {kind}, not a regular file; give the path of {_article(what)} {what} file", p)
    if not os.access(p, os.R_OK):
        raise InputError("cannot read the file (permission denied); check its permissions", p)
    return p


def output_file(path: str | Path, what: str = "output") -> Path:
    """``path`` as a Path when a file can be written there: its folder exists and it is not a folder.

    Checked before any work starts, so a typo in an output path costs nothing (no trained model, no
    ranked run lost at the last step).
    """
    p = Path(path)
    if "\x00" in str(path):
        raise InputError(f"the path of the {what} holds a NUL byte; check the argument", repr(str(path)))
    if p.is_dir():
        raise InputError(f"is a directory; give the path of the {what} file to write", p)
    if not p.parent.is_dir():
        raise InputError(f"folder {p.parent} does not exist; create it or write the {what} elsewhere", p)
    if p.exists() and not p.is_file():
        raise InputError(f"is not a regular file; give the path of the {what} file to write", p)
    return p
