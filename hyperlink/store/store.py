"""The store: opening (create/upgrade), transactions, and every read the pipeline needs."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import numpy as np
from sqlalchemy import Engine, create_engine, event, func, inspect, select, text
from sqlalchemy.engine import make_url

from .. import settings
from ..errors import StoreError
from ..types import Anchor, Cue, Judgment, Segment, Video
from .batching import batch_size, batched
from .records import FeatureSpace, ModelRecord, SegmentMatrix, SegmentTable
from .schema import (
    AnchorRow,
    CueRow,
    CueVectorRow,
    FeatureSpaceRow,
    IngestRow,
    JudgmentRow,
    KeyframeVectorRow,
    ModelRow,
    SegmentRow,
    SegmentVectorRow,
    StoreMetaRow,
    VectorBlockRow,
    VideoRow,
)
from .vector_files import VectorFiles

if TYPE_CHECKING:
    from .writer import Writer

__all__ = ["Store", "database_url", "vector_dir_for"]


def database_url(target: str) -> str:
    """A SQLAlchemy URL from ``--db``: a URL is kept, anything else is a SQLite file path."""
    if "://" in target:
        make_url(target)  # raises on a malformed URL
        return target
    return f"sqlite:///{Path(target).expanduser()}"


def vector_dir_for(url: str) -> Path | None:
    """Where a store keeps its vector files: ``<file stem>.vectors/`` beside a SQLite file; for other
    databases ``$HYPERLINK_VECTORS`` or ``./<database name>.vectors``; None for in-memory SQLite."""
    u = make_url(url)
    if u.drivername.startswith("sqlite"):
        if not u.database or u.database == ":memory:" or "mode=memory" in str(u.query):
            return None
        path = Path(u.database).expanduser()
        return path.with_name(path.stem + settings.VECTOR_DIR_SUFFIX)
    env = os.environ.get("HYPERLINK_VECTORS")
    if env:
        return Path(env).expanduser()
    return Path((u.database or "hyperlink") + settings.VECTOR_DIR_SUFFIX)


@lru_cache(maxsize=1)
def _shipped_head() -> str | None:
    """The newest migration's revision read straight from the shipped files when they form one chain, else
    None. A store already at it needs no migration, so opening it does not import alembic (a quarter of a
    second of a command's start); anything else goes through alembic as before."""
    import re

    source = Path(__file__).resolve().parents[2] / "migrations"
    folder = next((d / "versions" for d in (Path(__file__).resolve().parents[1] / "_migrations", source)
                   if (d / "env.py").is_file()), None)
    if folder is None or not folder.is_dir():
        return None
    revision = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)
    down = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(?:None|['\"]([^'\"]+)['\"])\s*$", re.M)
    revisions, downs = set(), set()
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        r, d = revision.search(text), down.search(text)
        if r is None or d is None:
            return None  # a layout this shortcut does not read: let alembic decide
        revisions.add(r.group(1))
        if d.group(1):
            downs.add(d.group(1))
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 and len(downs) == len(revisions) - 1 else None


def _check_owned(tables: set[str], revision: str | None, where: str) -> None:
    """Refuse, before any write, a database hyperlink does not own or whose schema is newer than this code."""
    if tables and "alembic_version" not in tables:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise StoreError(f"{where} is not a hyperlink store (it holds other tables: {shown}); nothing was changed: "
                         "point --db at a hyperlink store or at a new file")
    if revision is not None and revision == _shipped_head():
        return
    from .migrate import head_revision, known_revisions

    if revision is not None and revision not in known_revisions():
        raise StoreError(f"{where} has schema revision {revision!r}, which this hyperlink does not know (it knows up to "
                         f"{head_revision()!r}): it was written by a newer hyperlink, so upgrade hyperlink, or it is "
                         "another application's database")


def _check_sqlite_file(path: Path, create: bool) -> str | None:
    """A SQLite store file: missing (created only when ``create``), or a SQLite database hyperlink owns;
    returns its schema revision (None: a new store)."""
    if not path.exists():
        if not create:
            raise StoreError(f"no store at {path}: create one with `hyperlink ingest collection FILE`, or check --db")
        return None
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a store file: give --db a file path")
    with open(path, "rb") as f:
        head = f.read(16)
    if not head:
        return None  # an empty file: a new store
    if head != b"SQLite format 3\x00":
        raise StoreError(f"{path} is not a SQLite database; nothing was changed: point --db at a hyperlink store "
                         "or at a new file")
    con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)  # read-only: no journal change
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in tables else None
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a readable SQLite database ({exc}); nothing was changed") from None
    finally:
        con.close()
    _check_owned(tables, revision[0] if revision else None, str(path))
    return revision[0] if revision else None


# How long a writer waits for another process's write transaction to end before giving up (seconds).
SQLITE_BUSY_TIMEOUT = 600.0


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # the driver's own BEGIN is off: _sqlite_begin issues it
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn) -> None:
    """BEGIN, or BEGIN IMMEDIATE for writers: a writer takes SQLite's write lock before its first read,
    so two processes ingesting the same file run one after the other (the second finds everything
    already stored) instead of both reading "absent" and one failing on a UNIQUE constraint."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("hyperlink_writer") else "BEGIN")


class Store:
    """A collection store. Open with :meth:`open`; write inside :meth:`transaction`."""

    def __init__(self, engine: Engine, vector_dir: Path, temporary: bool = False):
        self.engine = engine
        self.vector_dir = vector_dir
        self.files = VectorFiles(vector_dir)
        self._temporary = temporary  # an in-memory store's vectors folder, removed on close

    @classmethod
    def open(cls, target: str | Path, vector_dir: str | Path | None = None, create: bool = True) -> "Store":
        """Open ``target`` (a path or a SQLAlchemy URL), creating (unless ``create`` is False) or upgrading
        it to the newest schema.

        A database that is not a hyperlink store (other tables, no hyperlink schema) or that has a
        schema newer than this code is refused before anything is written to it. ``vector_dir``: where
        the vector files live (default: :func:`vector_dir_for`). Files left by a killed writer are put
        right before anything else happens (see ``vector_files``).
        """
        url = database_url(str(target))
        is_sqlite = url.startswith("sqlite")
        current = None
        if is_sqlite and url != "sqlite://" and ":memory:" not in url:
            path = Path(make_url(url).database or "")
            if path.parent and not path.parent.exists():
                raise StoreError(f"cannot create the store {path}: folder {path.parent} does not exist")
            current = _check_sqlite_file(path, create)
        root = Path(vector_dir) if vector_dir is not None else vector_dir_for(url)
        temporary = root is None
        if temporary:
            root = Path(tempfile.mkdtemp(prefix="hyperlink-vectors-"))
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT} if is_sqlite else {})
        if is_sqlite:
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        if not is_sqlite:
            with engine.connect() as conn:
                tables = set(inspect(conn).get_table_names())
                revision = None
                if "alembic_version" in tables:
                    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            _check_owned(tables, revision, make_url(url).render_as_string(hide_password=True))
        if current is None or current != _shipped_head():
            from .migrate import upgrade_to_head

            # a writer from the start (BEGIN IMMEDIATE on SQLite): processes creating one store at once queue
            with engine.connect() as conn, conn.execution_options(hyperlink_writer=True).begin():
                upgrade_to_head(conn)
        store = cls(engine, root, temporary)
        store.recover()
        return store

    def recover(self) -> tuple[int, int]:
        """Publish committed vector files and delete orphans (see ``vector_files``)."""
        with self.engine.connect() as conn:
            referenced = set(conn.execute(select(VectorBlockRow.file)).scalars())
        return self.files.recover(referenced)

    def close(self) -> None:
        self.engine.dispose()
        if self._temporary:
            shutil.rmtree(self.vector_dir, ignore_errors=True)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator["Writer"]:
        """All writes of one ingest: committed together, or rolled back together on any error."""
        from .writer import Writer

        writer = None
        try:
            with self.engine.connect() as conn, conn.execution_options(hyperlink_writer=True).begin():
                writer = Writer(conn, self.files)
                yield writer
                writer.before_commit()
        except BaseException:
            if writer is not None:
                writer.after_rollback()
            raise
        writer.after_commit()

    # --- reads -----------------------------------------------------------------------------------

    def _scalar(self, stmt):
        with self.engine.connect() as conn:
            return conn.execute(stmt).scalar()

    def _rows(self, stmt):
        with self.engine.connect() as conn:
            return conn.execute(stmt).all()

    def counts(self) -> dict[str, int]:
        tables = {
            "videos": VideoRow,
            "cues": CueRow,
            "keyframes": KeyframeVectorRow,
            "segments": SegmentRow,
            "anchors": AnchorRow,
            "judgments": JudgmentRow,
            "models": ModelRow,
        }
        with self.engine.connect() as conn:
            out = {name: conn.execute(select(func.count()).select_from(t)).scalar() for name, t in tables.items()}
            out["blacklisted"] = conn.execute(
                select(func.count()).select_from(VideoRow).where(VideoRow.blacklisted.is_(True))
            ).scalar()
            out["relevant"] = conn.execute(
                select(func.count()).select_from(JudgmentRow).where(JudgmentRow.rel == 1)
            ).scalar()
        return out

    def coverage(self) -> list[dict]:
        """Per feature space: how many segments, cues and keyframes carry a vector in it."""
        n_segments = self._scalar(select(func.count()).select_from(SegmentRow)) or 0
        rows = []
        for space in self.feature_spaces():
            seg = self._scalar(select(func.count()).select_from(SegmentVectorRow).where(SegmentVectorRow.space_id == space.id))
            cue = self._scalar(select(func.count()).select_from(CueVectorRow).where(CueVectorRow.space_id == space.id))
            key = self._scalar(
                select(func.count()).select_from(KeyframeVectorRow).where(KeyframeVectorRow.space_id == space.id)
            )
            rows.append(
                {
                    "space": space.name,
                    "modality": space.modality,
                    "dim": space.dim,
                    "segments": seg,
                    "segments_total": n_segments,
                    "cues": cue,
                    "keyframes": key,
                    "extractor": space.extractor,
                }
            )
        return rows

    def feature_spaces(self) -> list[FeatureSpace]:
        rows = self._rows(select(FeatureSpaceRow).order_by(FeatureSpaceRow.name))
        return [FeatureSpace(r.id, r.name, r.modality, r.dim, r.extractor) for r in rows]

    def feature_space(self, name: str) -> FeatureSpace:
        return _named(self.feature_spaces(), name, "feature space", "none yet")

    def videos(self) -> list[Video]:
        rows = self._rows(select(VideoRow.external_id, VideoRow.duration, VideoRow.media_path, VideoRow.blacklisted)
                          .order_by(VideoRow.external_id))
        return [Video(v, d, m, bool(b)) for v, d, m, b in rows]

    def iter_video_batches(self, batch: int, include_blacklisted: bool = False) -> Iterator[list[Video]]:
        """Videos in external-id order, ``batch`` at a time (one short query per batch)."""
        if batch < 1:
            raise StoreError(f"video batch size must be at least 1, got {batch}")
        last = None
        while True:
            stmt = (select(VideoRow.external_id, VideoRow.duration, VideoRow.media_path, VideoRow.blacklisted)
                    .order_by(VideoRow.external_id).limit(batch))
            if not include_blacklisted:
                stmt = stmt.where(VideoRow.blacklisted.is_(False))
            if last is not None:
                stmt = stmt.where(VideoRow.external_id > last)
            rows = self._rows(stmt)
            if not rows:
                return
            yield [Video(v, d, m, bool(b)) for v, d, m, b in rows]
            last = rows[-1][0]

    @staticmethod
    def _tuples(conn, stmt) -> list[tuple]:
        """Rows of ``stmt`` as plain tuples from the driver's cursor: the hot path for locators, where
        SQLAlchemy's Row objects (and numpy converting them) would cost more than reading the vectors."""
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        params = compiled.params
        if compiled.positiontup is not None:
            params = tuple(params[name] for name in compiled.positiontup)
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(compiled.string, params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def _video_names(self, conn) -> dict[int, str]:
        return dict(conn.execute(select(VideoRow.id, VideoRow.external_id)).all())

    def _video_ids(self, conn, videos: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in batched(videos, batch_size(conn)):
            out.update(conn.execute(select(VideoRow.external_id, VideoRow.id).where(VideoRow.external_id.in_(part))).all())
        return out

    def cues(self, video: str | None = None) -> tuple[np.ndarray, list[Cue]]:
        """Cue ids and cues (ordered by video, start)."""
        stmt = (
            select(CueRow.id, VideoRow.external_id, CueRow.start, CueRow.end, CueRow.text)
            .join(VideoRow, CueRow.video_id == VideoRow.id)
            .order_by(VideoRow.external_id, CueRow.start, CueRow.id)
        )
        if video is not None:
            stmt = stmt.where(VideoRow.external_id == video)
        rows = self._rows(stmt)
        return np.array([r[0] for r in rows], dtype=np.int64), [Cue(r[1], r[2], r[3], r[4]) for r in rows]

    def cue_counts(self) -> dict[str, int]:
        """Cues per video (videos without cues are absent)."""
        return dict(self._rows(select(VideoRow.external_id, func.count(CueRow.id))
                               .join(CueRow, CueRow.video_id == VideoRow.id).group_by(VideoRow.external_id)))

    def count_cues(self) -> int:
        return int(self._scalar(select(func.count()).select_from(CueRow)) or 0)

    def iter_cues(self, *, chunk_rows: int | None = None) -> Iterator[tuple[np.ndarray, list[str]]]:
        """(cue ids, texts) in id order, ``chunk_rows`` at a time."""
        size = chunk_rows or settings.chunk_rows()
        last = 0
        while True:
            rows = self._rows(select(CueRow.id, CueRow.text).where(CueRow.id > last).order_by(CueRow.id).limit(size))
            if not rows:
                return
            yield np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows]
            last = rows[-1][0]

    def cue_texts(self, ids) -> list[str]:
        """Texts of the cues ``ids``, in the order given."""
        ids = [int(i) for i in np.asarray(ids).ravel()]
        found: dict[int, str] = {}
        with self.engine.connect() as conn:
            for part in batched(ids, batch_size(conn)):
                found.update(conn.execute(select(CueRow.id, CueRow.text).where(CueRow.id.in_(part))).all())
        missing = [i for i in ids if i not in found]
        if missing:
            raise StoreError(f"no cue {missing[0]} in the store")
        return [found[i] for i in ids]

    def cue_bounds(self, videos: list[str]) -> dict[str, np.ndarray]:
        """Per video of ``videos``: its cues' (start, end) rows (k, 2), sorted."""
        out: dict[str, list] = {}
        with self.engine.connect() as conn:
            ids = self._video_ids(conn, list(videos))
            names = {i: v for v, i in ids.items()}
            for part in batched(list(names), batch_size(conn)):
                rows = conn.execute(select(CueRow.video_id, CueRow.start, CueRow.end).where(CueRow.video_id.in_(part))
                                    .order_by(CueRow.video_id, CueRow.start, CueRow.end)).all()
                for vid, start, end in rows:
                    out.setdefault(names[vid], []).append((start, end))
        return {v: np.array(b, dtype=np.float64).reshape(-1, 2) for v, b in out.items()}

    # --- vectors ---------------------------------------------------------------------------------

    def _gather(self, conn, space: FeatureSpace, located, n: int) -> np.ndarray:
        """``out[pos] = vector`` for (pos, block_id, row) triples; unlisted rows stay zero."""
        out = np.zeros((n, space.dim), np.float32)
        if len(located) == 0:
            return out
        loc = np.array(located, dtype=np.int64).reshape(-1, 3)
        blocks = np.unique(loc[:, 1])
        info: dict[int, tuple[str, int, int]] = {}
        for part in batched(blocks.tolist(), batch_size(conn)):
            for b, file, rows, dim in conn.execute(select(VectorBlockRow.id, VectorBlockRow.file, VectorBlockRow.rows,
                                                          VectorBlockRow.dim).where(VectorBlockRow.id.in_(part))).all():
                info[b] = (file, rows, dim)
        order = np.lexsort((loc[:, 2], loc[:, 1]))  # by block, then row: sequential reads
        loc = loc[order]
        cuts = np.flatnonzero(np.diff(loc[:, 1])) + 1
        for group in np.split(loc, cuts):
            file, rows, dim = info[int(group[0, 1])]
            if dim != space.dim:
                raise StoreError(f"vector file {file} holds {dim}-d vectors, feature space {space.name!r} is {space.dim}-d")
            self.files.gather(file, rows, dim, group[:, 2], out, group[:, 0])
        return out

    def cue_vectors(self, space: str, video: str | None = None, videos: list[str] | None = None):
        """(video ids, starts, ends, vectors) of the cues that have a vector in ``space`` (ordered by video, start);
        all cues, one ``video``'s, or those of ``videos``."""
        fs = self.feature_space(space)
        base = (
            select(VideoRow.external_id, CueRow.start, CueRow.end, CueVectorRow.block_id, CueVectorRow.row)
            .join(CueRow, CueVectorRow.cue_id == CueRow.id)
            .join(VideoRow, CueRow.video_id == VideoRow.id)
            .where(CueVectorRow.space_id == fs.id)
            .order_by(VideoRow.external_id, CueRow.start, CueRow.id)
        )
        with self.engine.connect() as conn:
            rows = self._rows_for_videos(conn, base, video, videos)
            vectors = self._gather(conn, fs, [(i, r[3], r[4]) for i, r in enumerate(rows)], len(rows))
        return ([r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.float64),
                np.array([r[2] for r in rows], dtype=np.float64), vectors)

    def keyframes(self, space: str, video: str | None = None, videos: list[str] | None = None):
        """(video ids, times, vectors) of the keyframes in ``space`` (ordered by video, time)."""
        fs = self.feature_space(space)
        base = (
            select(VideoRow.external_id, KeyframeVectorRow.time, KeyframeVectorRow.block_id, KeyframeVectorRow.row)
            .join(VideoRow, KeyframeVectorRow.video_id == VideoRow.id)
            .where(KeyframeVectorRow.space_id == fs.id)
            .order_by(VideoRow.external_id, KeyframeVectorRow.time)
        )
        with self.engine.connect() as conn:
            rows = self._rows_for_videos(conn, base, video, videos)
            vectors = self._gather(conn, fs, [(i, r[2], r[3]) for i, r in enumerate(rows)], len(rows))
        return [r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.float64), vectors

    @staticmethod
    def _rows_for_videos(conn, stmt, video: str | None, videos: list[str] | None) -> list:
        if video is not None:
            return conn.execute(stmt.where(VideoRow.external_id == video)).all()
        if videos is None:
            return conn.execute(stmt).all()
        rows: list = []
        for part in batched(sorted(set(videos)), batch_size(conn)):
            rows += conn.execute(stmt.where(VideoRow.external_id.in_(part))).all()
        return rows  # batches are in external-id order, so the whole stays ordered by video

    def segment_vectors_of(self, space: str, video: str):
        """(starts, ends, vectors) of one video's segments that have a vector in ``space``."""
        fs = self.feature_space(space)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(SegmentRow.start, SegmentRow.end, SegmentVectorRow.block_id, SegmentVectorRow.row)
                .join(SegmentRow, SegmentVectorRow.segment_id == SegmentRow.id)
                .join(VideoRow, SegmentRow.video_id == VideoRow.id)
                .where(SegmentVectorRow.space_id == fs.id, VideoRow.external_id == video)
                .order_by(SegmentRow.start)
            ).all()
            vectors = self._gather(conn, fs, [(i, r[2], r[3]) for i, r in enumerate(rows)], len(rows))
        return (np.array([r[0] for r in rows], np.float64), np.array([r[1] for r in rows], np.float64), vectors)

    # --- segments ----------------------------------------------------------------------------------

    def count_segments(self, origin: str | None = None) -> int:
        stmt = select(func.count()).select_from(SegmentRow)
        if origin is not None:
            stmt = stmt.where(SegmentRow.origin == origin)
        return int(self._scalar(stmt) or 0)

    def segments(self, origin: str | None = None, ids: list[int] | None = None) -> list[Segment]:
        """Stored segments in id order; only ``origin`` or only ``ids`` when given."""
        stmt = (
            select(SegmentRow.id, VideoRow.external_id, SegmentRow.start, SegmentRow.end, SegmentRow.origin)
            .join(VideoRow, SegmentRow.video_id == VideoRow.id)
            .order_by(SegmentRow.id)
        )
        if origin is not None:
            stmt = stmt.where(SegmentRow.origin == origin)
        if ids is None:
            return [Segment(v, s, e, id=i, origin=o) for i, v, s, e, o in self._rows(stmt)]
        rows: list = []
        with self.engine.connect() as conn:
            for part in batched(sorted({int(i) for i in ids}), batch_size(conn)):
                rows += self._tuples(conn, stmt.where(SegmentRow.id.in_(part)))
        return [Segment(v, s, e, id=i, origin=o) for i, v, s, e, o in sorted(rows)]

    def _segment_pages(self, conn, size: int, origin: str | None):
        """Keyset pages of (id, video_id, start, end) in id order."""
        last = 0
        while True:
            stmt = (select(SegmentRow.id, SegmentRow.video_id, SegmentRow.start, SegmentRow.end)
                    .where(SegmentRow.id > last).order_by(SegmentRow.id).limit(size))
            if origin is not None:
                stmt = stmt.where(SegmentRow.origin == origin)
            rows = self._tuples(conn, stmt)
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    def iter_segment_table(self, *, chunk_rows: int | None = None, origin: str | None = None) -> Iterator[SegmentTable]:
        """Every segment's id, video, start and end, ``chunk_rows`` at a time in id order."""
        size = chunk_rows or settings.chunk_rows()
        with self.engine.connect() as conn:
            names = self._video_names(conn)
            for rows in self._segment_pages(conn, size, origin):
                yield SegmentTable(np.array([r[0] for r in rows], np.int64), [names[r[1]] for r in rows],
                                   np.array([r[2] for r in rows], np.float64), np.array([r[3] for r in rows], np.float64))

    def _space(self, name: str | None, modality: str) -> FeatureSpace | None:
        if name is None:
            return None
        space = self.feature_space(name)
        if space.modality != modality:
            raise StoreError(f"feature space {name!r} holds {space.modality} features, not {modality}")
        return space

    def _matrix_of(self, conn, ids: np.ndarray, spaces: tuple[FeatureSpace | None, FeatureSpace | None],
                   ranged: bool) -> SegmentMatrix:
        """Vectors of the segments ``ids`` (ascending) in the text and visual spaces."""
        n = len(ids)
        parts = []
        for space in spaces:
            if space is None:
                parts.append((np.zeros((n, 0), np.float32), np.zeros(n, bool)))
                continue
            stmt = select(SegmentVectorRow.segment_id, SegmentVectorRow.block_id, SegmentVectorRow.row).where(
                SegmentVectorRow.space_id == space.id)
            rows: list = []
            if n and ranged:  # a contiguous page of ids: one range query, whatever its size
                rows = self._tuples(conn, stmt.where(SegmentVectorRow.segment_id.between(int(ids[0]), int(ids[-1]))))
            elif n:
                for part in batched(ids.tolist(), batch_size(conn)):
                    rows += self._tuples(conn, stmt.where(SegmentVectorRow.segment_id.in_(part)))
            located = []
            has = np.zeros(n, bool)
            if rows:
                found = np.array(rows, dtype=np.int64).reshape(-1, 3)
                pos = np.searchsorted(ids, found[:, 0])
                ok = (pos < n) & (ids[np.minimum(pos, n - 1)] == found[:, 0])
                found, pos = found[ok], pos[ok]
                has[pos] = True
                located = np.column_stack([pos, found[:, 1], found[:, 2]])
            parts.append((self._gather(conn, space, located, n), has))
        (text, has_text), (visual, has_visual) = parts
        return SegmentMatrix(ids, text, visual, has_text, has_visual)

    def iter_segment_matrix(self, text_space: str | None, visual_space: str | None, *, chunk_rows: int | None = None,
                            origin: str | None = None) -> Iterator[SegmentMatrix]:
        """Every segment's text and visual features, ``chunk_rows`` segments at a time in id order
        (zeros + ``has_*=False`` where a modality is missing). Memory: one chunk."""
        spaces = (self._space(text_space, "text"), self._space(visual_space, "visual"))
        size = chunk_rows or settings.chunk_rows()
        with self.engine.connect() as conn:
            for rows in self._segment_pages(conn, size, origin):
                yield self._matrix_of(conn, np.array([r[0] for r in rows], np.int64), spaces, ranged=True)

    def segment_matrix(self, text_space: str | None, visual_space: str | None, origin: str | None = None,
                       ids: list[int] | None = None) -> SegmentMatrix:
        """Segments' text and visual features, all at once: every segment, or those of ``origin``, or just
        ``ids``. For a few segments or small stores; stream big ones with :meth:`iter_segment_matrix`."""
        spaces = (self._space(text_space, "text"), self._space(visual_space, "visual"))
        if ids is not None:
            ids_arr = np.array(sorted({s.id for s in self.segments(origin, ids)}), dtype=np.int64)
            with self.engine.connect() as conn:
                return self._matrix_of(conn, ids_arr, spaces, ranged=False)
        chunks = list(self.iter_segment_matrix(text_space, visual_space, origin=origin))
        if not chunks:
            m1 = spaces[0].dim if spaces[0] else 0
            m2 = spaces[1].dim if spaces[1] else 0
            return SegmentMatrix(np.zeros(0, np.int64), np.zeros((0, m1), np.float32), np.zeros((0, m2), np.float32),
                                 np.zeros(0, bool), np.zeros(0, bool))
        return SegmentMatrix(*(np.concatenate([getattr(c, f) for c in chunks]) for f in
                               ("segment_ids", "text", "visual", "has_text", "has_visual")))

    def window_spec(self, origin: str = "window") -> dict | None:
        """The spec the stored ``origin`` windows were cut with (None before any `segment`)."""
        value = self._scalar(select(StoreMetaRow.value).where(StoreMetaRow.key == f"window_spec:{origin}"))
        return None if value is None else json.loads(value)

    def vector_state(self, spaces: list[str]) -> dict:
        """Counts and highest row ids of segments and of their vectors in ``spaces``.

        Any write of segments or vectors changes it (each vector write bumps the space's revision),
        so it fingerprints what an index was built from.
        """
        with self.engine.connect() as conn:
            state = {"segments": list(conn.execute(select(func.count(), func.max(SegmentRow.id))).one())}
            for name in spaces:
                space = self.feature_space(name)
                row = conn.execute(
                    select(func.count(), func.max(SegmentVectorRow.segment_id), func.sum(SegmentVectorRow.segment_id))
                    .where(SegmentVectorRow.space_id == space.id)
                ).one()
                revision = conn.execute(select(FeatureSpaceRow.revision).where(FeatureSpaceRow.id == space.id)).scalar()
                state[name] = [space.dim, revision, *row]
        return state

    def anchors(self) -> list[Anchor]:
        rows = self._rows(
            select(AnchorRow.external_id, VideoRow.external_id, AnchorRow.start, AnchorRow.end)
            .join(VideoRow, AnchorRow.video_id == VideoRow.id)
            .order_by(AnchorRow.id)
        )
        return [Anchor(a, v, s, e) for a, v, s, e in rows]

    def judgments(self) -> list[Judgment]:
        rows = self._rows(
            select(AnchorRow.external_id, VideoRow.external_id, JudgmentRow.start, JudgmentRow.end, JudgmentRow.rel)
            .join(AnchorRow, JudgmentRow.anchor_id == AnchorRow.id)
            .join(VideoRow, JudgmentRow.video_id == VideoRow.id)
            .order_by(JudgmentRow.id)
        )
        return [Judgment(a, v, s, e, r) for a, v, s, e, r in rows]

    def models(self) -> list[ModelRecord]:
        rows = self._rows(select(ModelRow).order_by(ModelRow.name))
        return [
            ModelRecord(m.name, m.kind, m.text_space, m.visual_space, m.path, m.checksum, json.loads(m.config), m.created_at)
            for m in rows
        ]

    def model(self, name: str) -> ModelRecord:
        return _named(self.models(), name, "model", "none yet; run `hyperlink train`")

    # --- curating (`hyperlink list`) --------------------------------------------------------------

    def video_table(self) -> list[dict]:
        """Every video with what the store holds of it: cues, keyframes, segments, anchors (by external id)."""
        def per_video(table):
            return dict(self._rows(select(table.video_id, func.count()).group_by(table.video_id)))

        cues, keys, segs, anchors = (per_video(t) for t in (CueRow, KeyframeVectorRow, SegmentRow, AnchorRow))
        rows = self._rows(select(VideoRow.id, VideoRow.external_id, VideoRow.duration, VideoRow.blacklisted,
                                 VideoRow.media_path).order_by(VideoRow.external_id))
        return [{"video": v, "duration": d, "blacklisted": bool(b), "media_path": m, "cues": cues.get(i, 0),
                 "keyframes": keys.get(i, 0), "segments": segs.get(i, 0), "anchors": anchors.get(i, 0)}
                for i, v, d, b, m in rows]

    def anchor_table(self) -> list[dict]:
        """Every anchor with its span and how many judgments (and relevant ones) it has, in ingest order."""
        judged = {a: (n, r) for a, n, r in self._rows(
            select(JudgmentRow.anchor_id, func.count(), func.sum(JudgmentRow.rel)).group_by(JudgmentRow.anchor_id))}
        rows = self._rows(select(AnchorRow.id, AnchorRow.external_id, VideoRow.external_id, AnchorRow.start,
                                 AnchorRow.end).join(VideoRow, AnchorRow.video_id == VideoRow.id).order_by(AnchorRow.id))
        return [{"anchor": a, "video": v, "start": s, "end": e, "judgments": judged.get(i, (0, 0))[0],
                 "relevant": int(judged.get(i, (0, 0))[1] or 0)} for i, a, v, s, e in rows]

    def origin_counts(self) -> dict[str, int]:
        """Segments per origin ('window', 'imported', ...), by origin name."""
        return dict(self._rows(select(SegmentRow.origin, func.count()).group_by(SegmentRow.origin)
                               .order_by(SegmentRow.origin)))

    def ingest_log(self) -> list[dict]:
        """The ingested-files log, oldest first: id, kind, path, sha256, rows added, when."""
        rows = self._rows(select(IngestRow.id, IngestRow.kind, IngestRow.path, IngestRow.sha256, IngestRow.added,
                                 IngestRow.at).order_by(IngestRow.id))
        return [{"id": i, "kind": k, "path": p, "sha256": h, "added": n, "at": t} for i, k, p, h, n, t in rows]

    def ingests(self) -> list[tuple[str, str, int, str]]:
        return [tuple(r) for r in self._rows(select(IngestRow.kind, IngestRow.path, IngestRow.added, IngestRow.at).order_by(IngestRow.id))]


def _named(items, name: str, what: str, none_hint: str):
    """The item called ``name``, or a StoreError listing the names there are."""
    found = {item.name: item for item in items}
    if name not in found:
        raise StoreError(f"no {what} {name!r} in the store (have: {', '.join(found) or none_hint})")
    return found[name]
