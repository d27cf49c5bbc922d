"""Writes, always inside one transaction (``Store.transaction()``): all of an ingest or nothing.

Every check that needs the store (unknown video, span beyond the video, conflicting facts) happens
here and raises an InputError that names the file and line the offending item came from.
Rows already in the store are skipped, so re-ingesting a file adds nothing.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from ..errors import InputError, StoreError
from ..parsed import Parsed
from ..types import Anchor, Cue, Judgment, Video
from .batching import batch_size, batched
from .records import DURATION_SLACK, IngestReport, ModelRecord
from .schema import (
    AnchorRow,
    CueRow,
    CueVectorRow,
    ExtractionRow,
    FeatureSpaceRow,
    IngestRow,
    JudgmentRow,
    KeyframeVectorRow,
    ModelRow,
    SegmentVectorRow,
    StoreMetaRow,
    VectorBlockRow,
    VideoRow,
)
from .vector_files import VectorFiles
from .vector_writes import VectorWrites

__all__ = ["Writer", "DURATION_SLACK"]



def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Writer(VectorWrites):
    """Write operations on one open transaction (vectors: see ``vector_writes``)."""

    def __init__(self, conn: Connection, files: VectorFiles):
        self.conn = conn
        self._videos: dict[str, tuple[int, float]] | None = None
        self._init_vectors(files)

    # --- helpers -----------------------------------------------------------------------------------

    def _video_map(self) -> dict[str, tuple[int, float]]:
        if self._videos is None:
            rows = self.conn.execute(select(VideoRow.external_id, VideoRow.id, VideoRow.duration)).all()
            self._videos = {v: (i, d) for v, i, d in rows}
        return self._videos

    def _locate_video(self, where: tuple[str, int | None], video: str) -> tuple[int, float]:
        found = self._video_map().get(video)
        if found is None:
            raise InputError(f"unknown video {video!r}; ingest the collection list that has it first", *where)
        return found

    @staticmethod
    def _check_within(where, video: str, end: float, duration: float, what: str) -> None:
        if end > duration + DURATION_SLACK:
            raise InputError(
                f"{what} ends at {end:g} s, beyond the end of video {video!r} ({duration:g} s); "
                "fix the time or the video's duration in the collection list",
                *where,
            )

    def _insert(self, table, rows: list[dict]) -> None:
        if rows:
            self.conn.execute(insert(table.__table__), rows)

    # --- collection --------------------------------------------------------------------------------

    def add_videos(self, parsed: Parsed[Video], metadata: list[dict] | None = None) -> IngestReport:
        report = IngestReport("collection", parsed.path, warnings=list(parsed.warnings))
        existing = self._video_map()
        rows = []
        for i, video in enumerate(parsed.items):
            old = existing.get(video.id)
            if old is not None:
                if abs(old[1] - video.duration) > 1e-6:
                    raise parsed.error(
                        i,
                        f"video {video.id!r} is already in the store with duration {old[1]:g} s, "
                        f"this file says {video.duration:g} s; fix the file (the store keeps one duration)",
                    )
                report.skipped += 1
                continue
            meta = metadata[i] if metadata else None
            rows.append(
                {
                    "external_id": video.id,
                    "duration": video.duration,
                    "media_path": video.media_path,
                    "blacklisted": video.blacklisted,
                    "metadata": json.dumps(meta, sort_keys=True) if meta else None,
                }
            )
        self._insert(VideoRow, rows)
        self._videos = None
        report.added = len(rows)
        return report

    def set_blacklist(self, parsed: Parsed[str]) -> IngestReport:
        report = IngestReport("blacklist", parsed.path, warnings=list(parsed.warnings))
        videos = self._video_map()
        flagged = set(
            self.conn.execute(select(VideoRow.external_id).where(VideoRow.blacklisted.is_(True))).scalars()
        )
        unknown = [v for v in parsed.items if v not in videos]
        if unknown:
            import difflib

            close = difflib.get_close_matches(unknown[0], list(videos), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            report.warnings.append(
                f"{parsed.path}: {len(unknown)} blacklisted id(s) are not in the collection (e.g. {unknown[0]!r}"
                f"{hint}); ignored"
            )
        new = sorted({v for v in parsed.items if v in videos and v not in flagged})
        for part in batched(new, batch_size(self.conn)):
            self.conn.execute(
                VideoRow.__table__.update().where(VideoRow.external_id.in_(part)).values(blacklisted=True)
            )
        # "already in the store": known ids flagged before (or listed twice); ids ignored are not counted
        report.added, report.skipped = len(new), len(parsed.items) - len(unknown) - len(new)
        return report

    def add_cues(self, parsed: Parsed[Cue]) -> IngestReport:
        report = IngestReport("transcripts", parsed.path, warnings=list(parsed.warnings))
        video_ids: dict[str, int] = {}
        for i, cue in enumerate(parsed.items):
            vid, duration = self._locate_video((parsed.path, parsed.lines[i]), cue.video)
            self._check_within((parsed.path, parsed.lines[i]), cue.video, cue.end, duration, "cue")
            video_ids[cue.video] = vid
        existing = {tuple(r) for r in self._in(select(CueRow.video_id, CueRow.start, CueRow.end, CueRow.text),
                                               CueRow.video_id, sorted(set(video_ids.values())))}
        new = []
        for cue in parsed.items:
            key = (video_ids[cue.video], cue.start, cue.end, cue.text)
            if key in existing:
                report.skipped += 1
                continue
            existing.add(key)
            new.append(dict(zip(("video_id", "start", "end", "text"), key)))
        self._insert(CueRow, new)
        report.added = len(new)
        return report

    # --- anchors and judgments -----------------------------------------------------------------------

    def add_anchors(self, parsed: Parsed[Anchor]) -> IngestReport:
        report = IngestReport("anchors", parsed.path, warnings=list(parsed.warnings))
        existing = {
            a: (v, s, e)
            for a, v, s, e in self.conn.execute(
                select(AnchorRow.external_id, VideoRow.external_id, AnchorRow.start, AnchorRow.end).join(
                    VideoRow, AnchorRow.video_id == VideoRow.id
                )
            ).all()
        }
        seen: dict[str, int] = {}
        rows = []
        for i, anchor in enumerate(parsed.items):
            where = (parsed.path, parsed.lines[i])
            if anchor.id in seen:
                raise InputError(f"duplicate anchor id {anchor.id!r} (first at line {seen[anchor.id]}); ids must be unique", *where)
            seen[anchor.id] = parsed.lines[i]
            vid, duration = self._locate_video(where, anchor.video)
            self._check_within(where, anchor.video, anchor.end, duration, "anchor")
            old = existing.get(anchor.id)
            if old is not None:
                if old != (anchor.video, anchor.start, anchor.end):
                    raise InputError(
                        f"anchor {anchor.id!r} is already in the store as {old[0]} {old[1]:g}-{old[2]:g} s; "
                        "anchor ids must be unique across files",
                        *where,
                    )
                report.skipped += 1
                continue
            rows.append({"external_id": anchor.id, "video_id": vid, "start": anchor.start, "end": anchor.end})
        self._insert(AnchorRow, rows)
        report.added = len(rows)
        return report

    def add_judgments(self, parsed: Parsed[Judgment]) -> IngestReport:
        """Qrels. A judged span past the video's listed end is kept (the official evaluator keeps it) and counted."""
        report = IngestReport("qrels", parsed.path, warnings=list(parsed.warnings))
        anchors = dict(self.conn.execute(select(AnchorRow.external_id, AnchorRow.id)).all())
        existing = {
            (a, v, s, e): r
            for a, v, s, e, r in self.conn.execute(
                select(JudgmentRow.anchor_id, JudgmentRow.video_id, JudgmentRow.start, JudgmentRow.end, JudgmentRow.rel)
            ).all()
        }
        beyond = 0
        rows = []
        for i, j in enumerate(parsed.items):
            where = (parsed.path, parsed.lines[i])
            if j.anchor not in anchors:
                raise InputError(f"unknown anchor {j.anchor!r}; ingest the anchors file first", *where)
            vid, duration = self._locate_video(where, j.video)
            beyond += j.end > duration + DURATION_SLACK
            key = (anchors[j.anchor], vid, j.start, j.end)
            if key in existing:
                if existing[key] != j.rel:
                    raise InputError(
                        f"{j.anchor} {j.video} {j.start:g}-{j.end:g} is judged {existing[key]} already; "
                        f"this line says {j.rel}: keep one judgment per span",
                        *where,
                    )
                report.skipped += 1
                continue
            existing[key] = j.rel
            rows.append(dict(zip(("anchor_id", "video_id", "start", "end"), key), rel=j.rel))
        if beyond:
            report.warnings.append(
                f"{parsed.path}: {beyond} judged span(s) end after their video's listed duration; kept as the official evaluator does"
            )
        self._insert(JudgmentRow, rows)
        report.added = len(rows)
        return report

    # --- models and the ingest log -----------------------------------------------------------------

    def add_model(self, record: ModelRecord, replace: bool = False) -> None:
        found = self.conn.execute(select(ModelRow.id).where(ModelRow.name == record.name)).scalar()
        if found is not None:
            if not replace:
                raise StoreError(f"a model named {record.name!r} exists; choose another --name or pass --replace")
            self.conn.execute(delete(ModelRow).where(ModelRow.id == found))
        self._insert(
            ModelRow,
            [
                {
                    "name": record.name,
                    "kind": record.kind,
                    "text_space": record.text_space,
                    "visual_space": record.visual_space,
                    "path": record.path,
                    "checksum": record.checksum,
                    "config": json.dumps(record.config, sort_keys=True),
                    "created_at": record.created_at or _now(),
                }
            ],
        )

    def log(self, report: IngestReport, sha256: str) -> None:
        self._insert(IngestRow, [{"kind": report.kind, "path": report.path, "sha256": sha256, "added": report.added, "at": _now()}])

    # --- curating (`hyperlink remove`) ---------------------------------------------------------------

    def remove_models(self, names: list[str]) -> int:
        """Forget the models ``names`` (their files are the caller's: see ``hyperlink.curate``)."""
        removed = 0
        for part in batched(list(names), batch_size(self.conn)):
            removed += self.conn.execute(delete(ModelRow).where(ModelRow.name.in_(part))).rowcount or 0
        return removed

    def remove_space(self, name: str) -> dict[str, int]:
        """Remove feature space ``name`` with every vector in it (segment, cue and keyframe vectors) and its
        extraction records; its block files go after the commit. Returns what was removed, by kind."""
        space_id = self.conn.execute(select(FeatureSpaceRow.id).where(FeatureSpaceRow.name == name)).scalar()
        if space_id is None:
            raise StoreError(f"no feature space {name!r} in the store")
        out = {
            "segment vectors": self.drop_vectors(delete(SegmentVectorRow).where(SegmentVectorRow.space_id == space_id)),
            "cue vectors": self.drop_vectors(delete(CueVectorRow).where(CueVectorRow.space_id == space_id)),
            "keyframes": self.drop_vectors(delete(KeyframeVectorRow).where(KeyframeVectorRow.space_id == space_id)),
        }
        self.conn.execute(delete(ExtractionRow).where(ExtractionRow.space_id == space_id))
        # the space's blocks are referenced by its own vectors only: doomed now (the FK would cascade
        # their rows away with the space before `before_commit` could name their files)
        files = list(self.conn.execute(select(VectorBlockRow.file).where(VectorBlockRow.space_id == space_id)).scalars())
        self.conn.execute(delete(VectorBlockRow).where(VectorBlockRow.space_id == space_id))
        self._doomed += files
        self.conn.execute(delete(FeatureSpaceRow).where(FeatureSpaceRow.id == space_id))
        return out

    def remove_window_spec(self, origin: str) -> None:
        """Forget the spec ``origin`` windows were cut with (after removing those windows)."""
        self.conn.execute(delete(StoreMetaRow).where(StoreMetaRow.key == f"window_spec:{origin}"))

    def remove_anchors(self, external_ids: list[str]) -> tuple[int, int]:
        """Remove anchors with their judgments; (anchors, judgments) removed."""
        anchors = judgments = 0
        for part in batched(sorted(set(external_ids)), batch_size(self.conn)):
            ids = select(AnchorRow.id).where(AnchorRow.external_id.in_(part))
            judgments += self.conn.execute(delete(JudgmentRow).where(JudgmentRow.anchor_id.in_(ids))).rowcount or 0
            anchors += self.conn.execute(delete(AnchorRow).where(AnchorRow.external_id.in_(part))).rowcount or 0
        return anchors, judgments

    def remove_judgments(self, keys: list[tuple[str, str, float, float]]) -> int:
        """Remove the judgments (anchor, video, start, end) listed."""
        anchors = dict(self.conn.execute(select(AnchorRow.external_id, AnchorRow.id)).all())
        videos = {v: i for v, (i, _) in self._video_map().items()}
        removed = 0
        for a, v, start, end in keys:
            if a in anchors and v in videos:
                removed += self.conn.execute(delete(JudgmentRow).where(
                    JudgmentRow.anchor_id == anchors[a], JudgmentRow.video_id == videos[v], JudgmentRow.start == start,
                    JudgmentRow.end == end)).rowcount or 0
        return removed

    def remove_judgment(self, anchor: str, video: str, start: float, end: float) -> int:
        """Remove the one judgment of ``anchor`` on exactly ``video`` ``start``-``end``; 1, or 0 if none."""
        anchor_id = select(AnchorRow.id).where(AnchorRow.external_id == anchor).scalar_subquery()
        video_id = select(VideoRow.id).where(VideoRow.external_id == video).scalar_subquery()
        return self.conn.execute(delete(JudgmentRow).where(
            JudgmentRow.anchor_id == anchor_id, JudgmentRow.video_id == video_id, JudgmentRow.start == start,
            JudgmentRow.end == end)).rowcount or 0

    def unset_blacklist(self, videos: list[str]) -> int:
        """Clear the blacklisted flag of ``videos``; how many were flagged."""
        changed = 0
        for part in batched(sorted(set(videos)), batch_size(self.conn)):
            changed += self.conn.execute(VideoRow.__table__.update().where(
                VideoRow.external_id.in_(part), VideoRow.blacklisted.is_(True)).values(blacklisted=False)).rowcount or 0
        return changed

    def remove_log(self, ids: list[int]) -> int:
        """Remove entries of the ingested-files log."""
        removed = 0
        for part in batched(list(ids), batch_size(self.conn)):
            removed += self.conn.execute(delete(IngestRow).where(IngestRow.id.in_(part))).rowcount or 0
        return removed
