"""A small demo store for the web pages, built once per session: the synthetic collection with tiny
REAL video files (coloured frames encoded with PyAV) recorded for most of its videos, two trained
models with their indexes, and a run file. Tests that change the store copy it first (``demo_copy``)."""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="needs the serve extra: pip install -e '.[serve]'")
pytest.importorskip("faiss", reason="needs faiss (the cpu or gpu extra)")

NO_MEDIA = 2  # the last videos get no media file: their pages show placeholders


@dataclass(frozen=True)
class Demo:
    root: Path
    db: Path
    files: object  # DemoFiles
    media: dict  # video id -> media file
    run: Path


def cli(*args) -> tuple[int, str, str]:
    from hyperlink.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def write_video(path: Path, seconds: int, seed: int, fps: int = 1, size: tuple[int, int] = (64, 36)) -> Path:
    """``seconds`` of coloured frames (the colour drifts with time, a white bar marks the second) as VP8."""
    from hyperlink.demo import write_webm

    rng = np.random.default_rng(seed)
    base = rng.integers(30, 220, size=3)
    w, h = size

    def frames():
        for i in range(seconds * fps):
            frame = np.empty((h, w, 3), np.uint8)
            frame[:] = (base + np.array([i * 3, i * 5, i * 7])) % 256
            frame[h - 4:, : max(1, (i * w) // max(1, seconds * fps))] = 255
            yield frame

    return write_webm(path, frames(), size, fps)


def build_demo(root: Path, videos: int = 10) -> Demo:
    """The demo collection (short videos), its media files, store, models `tiny` (concat) and `text`."""
    from hyperlink.demo import DemoSpec, generate_demo
    from hyperlink.ingest.encode import encode_text
    from hyperlink.ingest.load import load_anchors, load_collection, load_keyframes, load_qrels, load_transcripts
    from hyperlink.segment import WindowSpec, cut_segments
    from hyperlink.store import Store

    files = generate_demo(root / "d", DemoSpec(videos=videos, min_minutes=2, max_minutes=3, anchors=8,
                                               judged_per_anchor=20))
    rows = [line.split() for line in files.collection.read_text().splitlines()]
    media_dir = root / "media"
    media_dir.mkdir()
    media: dict[str, Path] = {}
    lines = ["id,duration,media_path"]
    for n, (vid, clock) in enumerate(rows):
        h, m, s = map(int, clock.split(":"))
        seconds = 3600 * h + 60 * m + s
        path = ""
        if n < len(rows) - NO_MEDIA:
            media[vid] = write_video(media_dir / f"{vid}.webm", seconds, n)
            path = str(media[vid])
        lines.append(f"{vid},{seconds},{path}")
    collection = root / "collection.csv"
    collection.write_text("\n".join(lines) + "\n")
    db = root / "s.db"
    with Store.open(db) as store:
        load_collection(store, collection)
        load_transcripts(store, [files.transcripts])
        load_keyframes(store, files.keyframes, "demo-cnn", files.keyframe_index, "synthetic")
        load_anchors(store, files.anchors)
        load_qrels(store, files.qrels)
        encode_text(store, "tfidf", "tfidf-svd", 32, 0)
        cut_segments(store, WindowSpec(60.0, 30.0, snap=True))
    for args in (["train", "--model", "concat", "--text", "tfidf", "--visual", "demo-cnn", "--name", "tiny"],
                 ["train", "--model", "text", "--text", "tfidf", "--visual", "demo-cnn", "--name", "text"],
                 ["index", "--model", "tiny"], ["index", "--model", "text"],
                 ["run", "--model", "text", "--out", root / "run_text.txt", "--name", "text-run", "-k", "20"]):
        code, out, err = cli("--db", db, *args)
        assert code == 0, out + err
    return Demo(root, db, files, media, root / "run_text.txt")


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    return build_demo(tmp_path_factory.mktemp("serve-demo"))


@pytest.fixture
def demo_copy(demo, tmp_path) -> Demo:
    """A private copy of the demo (store, vectors, models, indexes), for tests that judge."""
    root = tmp_path / "copy"
    shutil.copytree(demo.root, root, ignore=shutil.ignore_patterns("media", "d"))
    return Demo(root, root / "s.db", demo.files, demo.media, root / "run_text.txt")


@pytest.fixture
def client_of():
    """``client_of(demo, assess=False, runs=())``: a TestClient of the app over that demo's store."""
    from fastapi.testclient import TestClient

    from hyperlink.serve import create_app, open_catalogue

    opened = []

    def make(d: Demo, assess: bool = False, runs=(), models=()):
        catalogue = open_catalogue(str(d.db), models, runs)
        opened.append(catalogue.store)
        return TestClient(create_app(catalogue, assess), raise_server_exceptions=False)

    yield make
    for store in opened:
        store.close()
