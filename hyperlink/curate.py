"""Curating a store: list what it holds by name, and remove models, indexes, feature spaces, a
segmentation (segments of one origin) or an ingested file's rows, keeping the store consistent.

Every removal is planned first (:class:`Removal`: what goes, said in words, so the CLI can ask), then
applied in ONE transaction; vector block files are dropped through the writer's ``drop_vectors`` and
deleted after the commit, checkpoint and index files only after the commit too, and only files the store
owns: a checkpoint inside the store's ``models/`` folder, an index folder inside its ``indexes/`` folder
holding an index (``manifest.json`` + ``index.faiss``). Anything elsewhere is left and said so.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import settings
from .errors import InputError, StoreError
from .store import Store
from .store.store import database_url

__all__ = ["LISTS", "list_items", "artefact_root", "Removal", "remove_model", "remove_index", "remove_space",
           "remove_segments", "remove_file", "REMOVABLE_FILE_KINDS"]


def artefact_root(db: str) -> Path:
    """The folder holding the store's ``models/`` and ``indexes/``: beside a SQLite file, else ``.``
    (the same rule as ``hyperlink.train.default_model_dir``, without importing the model code)."""
    url = database_url(db)
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///"):]).parent
    return Path(".")


def _models_dir(db: str) -> Path:
    return artefact_root(db) / settings.MODEL_DIR


def _indexes_dir(db: str) -> Path:
    return artefact_root(db) / settings.INDEX_DIR


def _index_folders(db: str) -> dict[str, Path]:
    """Index folders the store owns, by name (``indexes/<name>/`` holding an index)."""
    root = _indexes_dir(db)
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir())
            if p.is_dir() and (p / "manifest.json").is_file() and (p / "index.faiss").is_file()}


def _manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


# --- list ------------------------------------------------------------------------------------------

def _anchors(store: Store, db: str, origin: str | None) -> list[dict]:
    return store.anchor_table()


def _videos(store: Store, db: str, origin: str | None) -> list[dict]:
    return store.video_table()


def _segments(store: Store, db: str, origin: str | None) -> list[dict]:
    return [{"id": s.id, "video": s.video, "start": s.start, "end": s.end, "origin": s.origin}
            for s in store.segments(origin)]


def _spaces(store: Store, db: str, origin: str | None) -> list[dict]:
    users: dict[str, list[str]] = {}
    for m in store.models():
        for space in {m.text_space, m.visual_space} - {None}:
            users.setdefault(space, []).append(m.name)
    return [{"space": r["space"], "modality": r["modality"], "dim": r["dim"], "segments": r["segments"],
             "cues": r["cues"], "keyframes": r["keyframes"], "models": users.get(r["space"], []),
             "extractor": r["extractor"]} for r in store.coverage()]


def _models(store: Store, db: str, origin: str | None) -> list[dict]:
    indexes = {name: _manifest(folder).get("model") for name, folder in _index_folders(db).items()}
    return [{"model": m.name, "kind": m.kind, "text": m.text_space, "visual": m.visual_space,
             "pairs": m.config.get("complete_pairs"), "epochs": m.config.get("metrics", {}).get("epochs_run"),
             "indexes": sorted(n for n, of in indexes.items() if of == m.name), "path": m.path,
             "created": m.created_at} for m in store.models()]


def _indexes(store: Store, db: str, origin: str | None) -> list[dict]:
    models = {m.name: m for m in store.models()}
    out = []
    for name, folder in _index_folders(db).items():
        m = _manifest(folder)
        model = models.get(m.get("model"))
        if model is None:
            status = "its model is gone: remove it"
        elif model.checksum != m.get("model_checksum"):
            status = "model retrained: rebuild"
        else:
            status = "ok"
        out.append({"index": name, "model": m.get("model"), "segments": m.get("count"), "dim": m.get("dim"),
                    "factory": m.get("factory"), "readout": m.get("readout"), "status": status,
                    "path": str(folder), "created": m.get("created_at")})
    return out


def _origins(store: Store, db: str, origin: str | None) -> list[dict]:
    return [{"origin": o, "segments": n, "window_spec": store.window_spec(o)} for o, n in store.origin_counts().items()]


def _files(store: Store, db: str, origin: str | None) -> list[dict]:
    return store.ingest_log()


# kind -> reader; each row a dict whose first key names the item
LISTS: dict[str, Callable[[Store, str, str | None], list[dict]]] = {
    "anchors": _anchors, "videos": _videos, "segments": _segments, "spaces": _spaces, "models": _models,
    "indexes": _indexes, "origins": _origins, "files": _files,
}


def list_items(store: Store, kind: str, db: str, origin: str | None = None) -> list[dict]:
    """What the store holds of ``kind`` (a key of :data:`LISTS`), one dict per item, in a stable order."""
    if kind not in LISTS:
        raise InputError(f"unknown list {kind!r}; choose one of {', '.join(LISTS)}")
    if origin is not None and kind != "segments":
        raise InputError("--origin filters `list segments` only")
    if origin is not None and origin not in store.origin_counts():
        raise StoreError(f"no segments of origin {origin!r} in the store (have: "
                         f"{', '.join(store.origin_counts()) or 'none yet'})")
    return LISTS[kind](store, db, origin)


# --- remove ----------------------------------------------------------------------------------------

@dataclass
class Removal:
    """A planned removal: ``what`` goes (lines to show before asking), ``apply`` does it.

    ``apply(store)`` runs the database part in one transaction, then deletes the owned files and
    returns what was done, in words."""

    title: str
    what: list[str]
    _tx: Callable = field(repr=False, default=lambda tx: None)
    files: list[Path] = field(default_factory=list)  # files and folders the store owns, deleted after the commit
    kept: list[str] = field(default_factory=list)  # files it does not own, left in place

    def apply(self, store: Store) -> list[str]:
        with store.transaction() as tx:
            self._tx(tx)
        done = list(self.what)
        for path in self.files:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        return done + self.kept


def _plan_models(db: str, models: list, what: list[str], files: list[Path], kept: list[str]) -> None:
    owned_dir = _models_dir(db).resolve()
    folders = _index_folders(db)
    for m in models:
        what.append(f"model {m.name!r} ({m.kind} on {m.text_space} + {m.visual_space})")
        path = Path(m.path)
        if path.resolve().parent == owned_dir and path.name == f"{m.name}.safetensors":
            files.append(path)
        else:
            kept.append(f"left {m.path}: the checkpoint is outside the store's {owned_dir} folder")
        for name, folder in folders.items():
            if _manifest(folder).get("model") == m.name:
                what.append(f"index {name!r} of model {m.name!r} ({folder})")
                files.append(folder)


def remove_model(store: Store, db: str, name: str) -> Removal:
    """Plan removing the model ``name``, its checkpoint (when the store owns it) and its indexes."""
    model = store.model(name)
    what: list[str] = []
    files: list[Path] = []
    kept: list[str] = []
    _plan_models(db, [model], what, files, kept)
    return Removal(f"remove model {name!r}", what, lambda tx: tx.remove_models([name]), files, kept)


def remove_index(store: Store, db: str, name: str) -> Removal:
    """Plan removing the index folder ``indexes/<name>/`` beside the store (the store's rows are untouched)."""
    folders = _index_folders(db)
    if name not in folders:
        raise StoreError(f"no index {name!r} in {_indexes_dir(db)} (have: {', '.join(folders) or 'none yet'}); "
                         "an index built with --out elsewhere is not the store's: delete its folder yourself")
    return Removal(f"remove index {name!r}", [f"index {name!r} ({folders[name]})"], lambda tx: None,
                   [folders[name]])


def remove_space(store: Store, db: str, name: str, force: bool = False) -> Removal:
    """Plan removing the feature space ``name`` with all its vectors; refused while a model uses it unless
    ``force`` (which removes those models and their indexes too)."""
    space = store.feature_space(name)
    row = next(r for r in store.coverage() if r["space"] == name)
    users = [m for m in store.models() if name in (m.text_space, m.visual_space)]
    if users and not force:
        raise StoreError(f"feature space {name!r} is used by model(s) {', '.join(m.name for m in users)}; remove them "
                         "first (`hyperlink remove model NAME`) or pass --force to remove them with it")
    what = [f"feature space {name!r} ({space.modality}, {space.dim}-d): {row['segments']} segment vectors, "
            f"{row['cues']} cue vectors, {row['keyframes']} keyframes"]
    files: list[Path] = []
    kept: list[str] = []
    _plan_models(db, users, what, files, kept)

    def tx_(tx) -> None:
        tx.remove_models([m.name for m in users])
        tx.remove_space(name)

    return Removal(f"remove space {name!r}", what, tx_, files, kept)


def remove_segments(store: Store, db: str, origin: str) -> Removal:
    """Plan removing every segment of ``origin`` with its vectors (models and indexes built on them go stale)."""
    counts = store.origin_counts()
    if origin not in counts:
        raise StoreError(f"no segments of origin {origin!r} in the store (have: {', '.join(counts) or 'none yet'})")
    what = [f"{counts[origin]} segments of origin {origin!r} and their vectors in every feature space"]
    models = store.models()
    stale = [f"models {', '.join(m.name for m in models)} and their indexes were trained on the store's segments: "
             "retrain (`hyperlink train --replace`) and re-index, or remove them"] if models else []

    def tx_(tx) -> None:
        tx.delete_segments(origin)
        tx.remove_window_spec(origin)

    return Removal(f"remove segments --origin {origin}", what, tx_, [], stale)


# --- remove file -------------------------------------------------------------------------------------

def _read_qrels(path: Path) -> set:
    from .evaluate.trec import read_qrels

    return {(j.anchor, j.video, j.start, j.end) for j in read_qrels(path).items}


def _read_anchors(path: Path) -> set:
    from .ingest import read_anchors

    return {a.id for a in read_anchors(path).items}


def _read_blacklist(path: Path) -> set:
    from .ingest import read_blacklist

    return set(read_blacklist(path).items)


# logged kind -> (reader of the rows a file lists, the writer's removal, what the rows are)
REMOVABLE_FILE_KINDS: dict[str, tuple[Callable[[Path], set], str, str]] = {
    "qrels": (_read_qrels, "remove_judgments", "judgments"),
    "anchors": (_read_anchors, "remove_anchors", "anchors (with their judgments)"),
    "blacklist": (_read_blacklist, "unset_blacklist", "blacklist flags"),
}
_WHY_NOT = {
    "collection": "videos are what every other row hangs on; remove the store file and re-ingest instead",
    "transcripts": "cues do not record their file, and a VTT/SRT file's video id may have come from --video; "
                   "re-create the store without it",
    "segment-vectors": "vector rows do not record their file; remove the feature space (`hyperlink remove space NAME`) "
                       "or the segments (`hyperlink remove segments --origin imported`)",
}


def _same(a: str, b: Path) -> bool:
    return a == str(b) or Path(a).resolve() == b.resolve()


def remove_file(store: Store, path: str | Path) -> Removal:
    """Plan removing the rows an ingested file added, exactly: the file is read again (it must be unchanged
    since the ingest: same sha256) and every other logged file of its kind too, whose rows are kept."""
    from .checksum import file_sha256

    path = Path(path)
    log = store.ingest_log()
    entries = [e for e in log if _same(e["path"], path)]
    if not entries and path.is_file():  # moved with the store, or named by another path: the same content
        digest = file_sha256(path)
        entries = [e for e in log if e["sha256"] == digest]
    if not entries:
        logged = sorted({e["path"] for e in log})
        raise StoreError(f"{path} is not in the store's ingested-files log (`hyperlink list files`; have: "
                         f"{', '.join(logged[:5]) or 'none'}{', ...' if len(logged) > 5 else ''})")
    kinds = sorted({e["kind"] for e in entries})
    if len(kinds) > 1:
        raise StoreError(f"{path} was ingested as {' and as '.join(kinds)}; cannot tell those rows apart")
    kind = kinds[0]
    if kind not in REMOVABLE_FILE_KINDS:
        base = kind.split(":")[0]
        why = _WHY_NOT.get(base, "its rows do not record their file; remove its feature space "
                                 "(`hyperlink remove space NAME`) instead")
        raise StoreError(f"cannot remove the rows of a {kind} file exactly: {why}")
    read, method, rows_are = REMOVABLE_FILE_KINDS[kind]

    def current(entry: dict) -> set:
        p = Path(entry["path"])
        if not p.is_file() or file_sha256(p) != entry["sha256"]:
            raise StoreError(f"cannot tell apart the rows of {path}: {entry['path']} (ingested as {kind}) "
                             f"{'is gone' if not p.is_file() else 'changed'} since it was ingested, so the store "
                             "cannot re-read what it listed")
        return read(p)

    mine = current({**entries[0], "path": str(path)})
    others: set = set()
    ids = {e["id"] for e in entries}
    for entry in log:
        if entry["kind"] == kind and entry["id"] not in ids and entry["sha256"] != entries[0]["sha256"]:
            others |= current(entry)
    rows = sorted(mine - others)
    shared = len(mine & others)
    what = [f"{len(rows)} {rows_are} listed by {path}" +
            (f" ({shared} also listed by other ingested files are kept)" if shared else ""),
            f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} of the ingested-files log"]

    def tx_(tx) -> None:
        getattr(tx, method)(rows)
        tx.remove_log(sorted(ids))

    return Removal(f"remove file {path}", what, tx_)
