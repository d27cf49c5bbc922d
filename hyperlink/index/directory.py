"""Index directories are written whole or not at all, and checked against their manifest's digests.

A new directory is filled under a temporary name beside the target, flushed to disk, then renamed
into place. An existing index there is first renamed aside and removed only after the new one is
in place, so a crash leaves either the old index or the new one (plus a hidden leftover), never a
mix. A process that has the old files memory-mapped keeps reading them until it closes them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..checksum import file_sha256
from ..errors import InputError, MismatchError

__all__ = ["atomic_directory", "digests", "verify_digests"]

MARKER = "manifest.json"  # what makes an existing folder an index the writer may replace


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``target``; on success it replaces ``target``.

    Refuses to replace a non-empty folder that is not an index directory (no ``manifest.json``).
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise InputError("exists and is not a folder; choose another --out", target)
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise InputError("is a non-empty folder that holds no index (no manifest.json); refusing to replace it, "
                         "choose another --out", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".new", dir=target.parent))
    try:
        yield tmp
        _flush(tmp)
        _replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _flush(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as f:
            os.fsync(f.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not every platform opens folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _replace(new: Path, target: Path) -> None:
    if not target.exists():
        os.rename(new, target)
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
        os.rename(target, old / "index")
        os.rename(new, target)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


def digests(folder: Path, names: list[str]) -> dict[str, str]:
    """sha256 of each named file of ``folder``."""
    return {name: file_sha256(folder / name) for name in sorted(names)}


def verify_digests(folder: Path, expected: dict[str, str], rebuild: str) -> None:
    """MismatchError naming the first file that is missing or whose sha256 differs from ``expected``."""
    if not expected:
        raise MismatchError(f"{folder}: the manifest lists no file digests (an index written by an older "
                            f"version); rebuild it with `{rebuild}`")
    for name, digest in sorted(expected.items()):
        path = folder / name
        if not path.is_file():
            raise MismatchError(f"{path} is missing; rebuild the index with `{rebuild}`")
        actual = file_sha256(path)
        if actual != digest:
            raise MismatchError(f"{path}: sha256 {actual[:12]}... differs from the manifest's {digest[:12]}... "
                                f"(changed or truncated); rebuild the index with `{rebuild}`")
