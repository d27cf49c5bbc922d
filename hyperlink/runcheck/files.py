"""Check, and optionally fix, a run file against its collection, anchors and blacklist (``hyperlink check-run``).

Each of the three comes from a file when one is given, else from the store (its videos with their
lengths, its anchors, its blacklisted videos). ``official=True`` keeps to the official checker's
rules: no blacklist and no ``end-beyond-video`` rule (and the fixer then leaves such ends alone).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..errors import InputError
from ..evaluate.trec import read_run, write_run
from ..ingest.anchors import read_anchors
from ..ingest.collection import read_blacklist, read_collection
from .check import RULES, Violation, check_run
from .fix import FIXES, Change, fix_run

__all__ = ["RunCheck", "RunContext", "check_run_file", "run_context"]


@dataclass(frozen=True)
class RunContext:
    """What a run is checked against, and where each part came from (for the reader)."""

    videos: Mapping[str, float]
    blacklist: frozenset[str]
    anchors: Mapping[str, Any] | None
    sources: dict[str, str] = field(default_factory=dict)  # collection/anchors/blacklist -> "FILE" or "the store"


def run_context(store=None, collection: str | Path | None = None, anchors: str | Path | None = None,
                blacklist: str | Path | None = None, *, official: bool = False) -> RunContext:
    """Collection, anchors and blacklist from the files given, the rest from ``store`` (a Store or None).

    The store's blacklist is used only when the store supplies the collection or the anchors (a
    check against files stays a check against files); ``official`` uses no blacklist at all.
    """
    if official and blacklist is not None:
        raise InputError("--blacklist and --official contradict each other: the official check has no blacklist")
    sources: dict[str, str] = {}
    stored = None if store is None else store.videos()
    if collection is not None:
        videos = {video.id: video.duration for video in read_collection(collection)}
        sources["collection"] = f"{collection} ({len(videos)} videos)"
    elif stored:
        videos = {video.id: video.duration for video in stored}
        sources["collection"] = f"the store ({len(videos)} videos)"
    else:
        raise InputError("no collection to check against: pass --collection FILE, or use a store that holds one (--db)")
    if anchors is not None:
        anchor_map = {anchor.id: anchor for anchor in read_anchors(anchors)}
        sources["anchors"] = f"{anchors} ({len(anchor_map)} anchors)"
    elif store is not None and (found := store.anchors()):
        anchor_map = {anchor.id: anchor for anchor in found}
        sources["anchors"] = f"the store ({len(anchor_map)} anchors)"
    else:
        raise InputError("no anchors to check against: pass --anchors FILE, or use a store that holds them (--db)")
    black: frozenset[str] = frozenset()
    if blacklist is not None:
        black = frozenset(read_blacklist(blacklist))
        sources["blacklist"] = f"{blacklist} ({len(black)} videos)"
    elif not official and stored and any(where.startswith("the store") for where in sources.values()):
        black = frozenset(video.id for video in stored if video.blacklisted)
        sources["blacklist"] = f"the store ({len(black)} videos)"
    return RunContext(videos, black, anchor_map, sources)



@dataclass(frozen=True)
class RunCheck:
    """What checking (and fixing) one run found; ``remaining`` is what the fixed run still breaks."""

    run: str
    violations: tuple[Violation, ...]
    changes: tuple[Change, ...] = ()
    fixed: str | None = None  # where the repaired run was written
    written: int = 0
    remaining: tuple[Violation, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)  # what it was checked against (see RunContext)

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
            "checked_against": self.sources,
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
    collection: str | Path | None = None,
    anchors: str | Path | None = None,
    blacklist: str | Path | None = None,
    *,
    store=None,
    official: bool = False,
    exclude_anchor_video: bool = False,
    fix_to: str | Path | None = None,
) -> RunCheck:
    """Read the run, list every violation, and with ``fix_to`` write the repaired run there.

    Collection, anchors and blacklist as :func:`run_context` finds them (files first, then ``store``).
    The run is read leniently (every malformed line is a violation, not an error); the collection,
    anchors and blacklist must be well formed (InputError ``FILE:LINE`` otherwise).
    """
    if fix_to is not None:
        fix_to = Path(fix_to)
        if fix_to.is_dir():
            raise InputError("--fix names a folder; give the path of a file for the fixed run", fix_to)
        if fix_to.resolve() == Path(run).resolve():
            raise InputError("--fix would overwrite the run it repairs; write the fixed run to another file", fix_to)
        if not fix_to.parent.is_dir():
            raise InputError("the folder for the fixed run does not exist; create it or pick another path", fix_to)
    parsed = read_run(run, strict=False)
    ctx = run_context(store, collection, anchors, blacklist, official=official)
    context = (ctx.videos, ctx.blacklist, ctx.anchors)
    rules = dict(exclude_anchor_video=exclude_anchor_video, video_end=not official)
    violations = tuple(check_run(parsed, *context, **rules))
    if fix_to is None:
        return RunCheck(str(run), violations, sources=ctx.sources)
    fixed, changes = fix_run(parsed, *context, **rules)
    written = write_run(fixed, fix_to)
    remaining = check_run(list(enumerate(fixed, 1)), *context, **rules)
    return RunCheck(str(run), violations, tuple(changes), str(fix_to), written, tuple(remaining), ctx.sources)
