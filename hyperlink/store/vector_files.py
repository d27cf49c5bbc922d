"""The store's vector files: float32 matrices in ``.npy`` blocks in a folder beside the database.

Why files and not BLOBs: reading every vector of a space is then a sequence of large reads straight
into the output array (``bench/scale.py`` measures it against ``np.load``), and any tool can open a
block with ``np.load``. The database keeps, per vector, only where it lives: ``(block_id, row)``.

Writes are all-or-nothing together with the database transaction that references them:

1. a block is written to ``<name>.<pid>.tmp`` and fsync'ed;
2. the transaction inserts the ``vector_blocks`` row (with the final name) and the locators;
3. after COMMIT the temporary file is renamed to its final name; after ROLLBACK it is deleted.

Blocks no longer referenced by any vector are deleted in the transaction that drops their last
reference, and their files unlinked after it commits. A process killed anywhere in between leaves
either a temporary file whose block row exists (committed: :meth:`VectorFiles.recover` renames it)
or one whose row does not (rolled back: deleted once its process is gone), or a final file with no
row (unlinked): :meth:`VectorFiles.recover` runs whenever a store is opened, so the next run finds
the folder exactly as the database describes it. Only files named as this module names them are
ever touched.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..errors import StoreError

__all__ = ["VectorFiles", "KINDS", "process_alive"]

KINDS = ("segment", "keyframe", "cue")
_FINAL = re.compile(r"^(?:segment|keyframe|cue)-[0-9a-f]{32}\.npy$")
_TEMP = re.compile(r"^((?:segment|keyframe|cue)-[0-9a-f]{32}\.npy)\.(\d+)\.tmp$")


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a temporary file of a live writer is not garbage)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class VectorFiles:
    """The folder of one store's vector blocks: ``<root>/<space id>/<kind>-<uuid>.npy``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._headers: dict[str, tuple[int, tuple[int, int]]] = {}

    # --- writing -----------------------------------------------------------------------------

    def new_name(self, space_id: int, kind: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown vector kind {kind!r}")
        return f"{int(space_id)}/{kind}-{uuid.uuid4().hex}.npy"

    def temp_path(self, name: str) -> Path:
        return self.root / f"{name}.{os.getpid()}.tmp"

    def write_temp(self, name: str, matrix: np.ndarray) -> tuple[Path, str]:
        """Write ``matrix`` (n, d) float32 as the temporary file of block ``name``; returns (path, sha256)."""
        m = np.ascontiguousarray(matrix, dtype="<f4")
        path = self.temp_path(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as f:
                np.lib.format.write_array(f, m, allow_pickle=False)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise StoreError(f"cannot write vector file {path}: {exc.strerror or exc}") from None
        digest = hashlib.sha256(memoryview(m).cast("B")).hexdigest()
        return path, digest

    def publish(self, name: str, temp: Path) -> None:
        """Give a committed block its final name (idempotent: recovery may have done it)."""
        final = self.root / name
        try:
            os.replace(temp, final)
        except FileNotFoundError:
            if not final.exists():
                raise StoreError(f"vector file {final} went missing while committing; run the command again") from None

    def discard(self, paths: Iterable[Path]) -> None:
        for path in paths:
            try:
                Path(path).unlink(missing_ok=True)
            except OSError:
                pass  # left for recover()
            self._headers.pop(str(path), None)

    def final_path(self, name: str) -> Path:
        return self.root / name

    # --- reading -----------------------------------------------------------------------------

    def _header(self, name: str, rows: int, dim: int, source: Path | None = None) -> int:
        """Byte offset of block ``name``'s data, after checking its shape and dtype against the store."""
        key = name if source is None else str(source)
        found = self._headers.get(key)
        if found is None:
            path = self.final_path(name) if source is None else source
            try:
                with open(path, "rb") as f:
                    version = np.lib.format.read_magic(f)
                    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                    shape, fortran, dtype = read(f)
                    offset = f.tell()
            except FileNotFoundError:
                raise StoreError(f"vector file {path} is missing: the store's vectors folder was moved or edited; "
                                 "re-ingest the vectors of this feature space") from None
            except (OSError, ValueError) as exc:
                raise StoreError(f"vector file {path} is unreadable ({exc}); re-ingest this feature space") from None
            if fortran or dtype != np.dtype("<f4") or len(shape) != 2:
                raise StoreError(f"vector file {path} is not a float32 matrix; re-ingest this feature space")
            found = (offset, (int(shape[0]), int(shape[1])))
            self._headers[key] = found
        offset, shape = found
        if shape != (rows, dim):
            raise StoreError(f"vector file {self.final_path(name)} holds {shape[0]} x {shape[1]} values, the store "
                             f"expects {rows} x {dim}; re-ingest this feature space")
        return offset

    def gather(self, name: str, rows: int, dim: int, wanted: np.ndarray, out: np.ndarray, positions: np.ndarray,
               source: Path | None = None) -> None:
        """``out[positions] = block[wanted]``: runs of consecutive rows are read straight into ``out``.

        Plain reads (no memory map) keep resident memory at the size of ``out``. ``source`` reads a
        block of the open transaction from its temporary file.
        """
        offset = self._header(name, rows, dim, source)
        path = self.final_path(name) if source is None else source
        row_bytes = dim * 4
        wanted = np.asarray(wanted, dtype=np.int64)
        positions = np.asarray(positions, dtype=np.int64)
        if len(wanted) == 0:
            return
        # split into runs where both the block row and the output position advance by one
        breaks = np.flatnonzero((np.diff(wanted) != 1) | (np.diff(positions) != 1)) + 1
        starts = np.concatenate([[0], breaks])
        ends = np.concatenate([breaks, [len(wanted)]])
        try:
            f = open(path, "rb", buffering=0)
        except FileNotFoundError:
            self._headers.pop(name, None)
            raise StoreError(f"vector file {path} is missing: the store's vectors folder was moved or "
                             "edited; re-ingest the vectors of this feature space") from None
        with f:
            for a, b in zip(starts.tolist(), ends.tolist()):
                target = out[positions[a]:positions[a] + (b - a)]
                f.seek(offset + int(wanted[a]) * row_bytes)
                view = memoryview(target).cast("B")
                got = f.readinto(view)
                while got < len(view):  # readinto may return short counts
                    more = f.readinto(view[got:])
                    if not more:
                        raise StoreError(f"vector file {path} is truncated; re-ingest this feature space")
                    got += more

    # --- recovery ----------------------------------------------------------------------------

    def recover(self, referenced: set[str]) -> tuple[int, int]:
        """Make the folder match the database: publish committed temporaries, delete the rest of ours.

        ``referenced``: every block name the database holds. Returns (published, deleted).
        """
        published = deleted = 0
        if not self.root.is_dir():
            return published, deleted
        for folder in self.root.iterdir():
            if not folder.is_dir() or not folder.name.isdigit():
                continue
            for path in folder.iterdir():
                name = f"{folder.name}/{path.name}"
                temp = _TEMP.match(path.name)
                if temp is not None:
                    final = f"{folder.name}/{temp.group(1)}"
                    if final in referenced:
                        self.publish(final, path)
                        published += 1
                    elif not process_alive(int(temp.group(2))):
                        path.unlink(missing_ok=True)
                        deleted += 1
                elif _FINAL.match(path.name) and name not in referenced:
                    path.unlink(missing_ok=True)
                    deleted += 1
        return published, deleted
