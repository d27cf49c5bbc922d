"""Check, and optionally fix, a run file against its collection, anchors and blacklist (``hyperlink check-run``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..evaluate.trec import read_run, write_run
from ..ingest.anchors import read_anchors
from ..ingest.collection import read_blacklist, read_collection
from .check import RULES, Violation, check_run
from .fix import FIXES, Change, fix_run

__all__ = ["RunCheck", "check_run_file"]


@dataclass(frozen=True)
class RunCheck:
    """What checking (and fixing) one run found; ``remaining`` is what the fixed run still breaks."""

    run: str
    violations: tuple[Violation, ...]
    changes: tuple[Change, ...] = ()
    fixed: str | None = None  # where the repaired run was written
    written: int = 0
    remaining: tuple[Violation, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.violations

    def counts(self) -> dict[str, int]:
        """Violations per rule, in ``RULES`` order, rules with none left out."""
        found = Counter(v.rule for v in self.violations)
        return {rule: found[rule] for rule in RULES if found[rule]}

    def change_counts(self) -> dict[str, int]:
        """Changes per fixer action, in ``FIXES`` order."""
        found = Counter(c.action for c in self.changes)
        return {action: found[action] for action in FIXES if found[action]}

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "run": self.run,
            "valid": self.valid,
            "counts": self.counts(),
            "violations": [asdict(v) for v in self.violations],
        }
        if self.fixed is not None:
            doc.update(
                fixed=self.fixed,
                written=self.written,
                change_counts=self.change_counts(),
                changes=[asdict(c) for c in self.changes],
                remaining=[asdict(v) for v in self.remaining],
            )
        return doc


def check_run_file(
    run: str | Path,
    collection: str | Path,
    anchors: str | Path | None,
    blacklist: str | Path | None = None,
    *,
    exclude_anchor_video: bool = False,
    fix_to: str | Path | None = None,
) -> RunCheck:
    """Read the files, list every violation of the run, and with ``fix_to`` write the repaired run there.

    The run is read leniently (every malformed line is a violation, not an error); the collection,
    anchors and blacklist must be well formed (InputError ``FILE:LINE`` otherwise).
    """
    if fix_to is not None:
        fix_to = Path(fix_to)
        if fix_to.resolve() == Path(run).resolve():
            raise InputError("--fix would overwrite the run it repairs; write the fixed run to another file", fix_to)
        if not fix_to.parent.is_dir():
            raise InputError("the folder for the fixed run does not exist; create it or pick another path", fix_to)
    parsed = read_run(run, strict=False)
    videos = {video.id: video.duration for video in read_collection(collection)}
    black = set(read_blacklist(blacklist)) if blacklist is not None else set()
    anchor_map = None if anchors is None else {anchor.id: anchor for anchor in read_anchors(anchors)}
    context = (videos, black, anchor_map)
    violations = tuple(check_run(parsed, *context, exclude_anchor_video=exclude_anchor_video))
    if fix_to is None:
        return RunCheck(str(run), violations)
    fixed, changes = fix_run(parsed, *context, exclude_anchor_video=exclude_anchor_video)
    written = write_run(fixed, fix_to)
    remaining = check_run(list(enumerate(fixed, 1)), *context, exclude_anchor_video=exclude_anchor_video)
    return RunCheck(str(run), violations, tuple(changes), str(fix_to), written, tuple(remaining))
