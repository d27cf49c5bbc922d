"""Fuzzing every reader: a mutated file is either read or refused with an InputError, nothing else.

Each reader gets a small valid file of its format (or, when ../shared/datasets is present, the
first lines of the real files there) and hypothesis mutates it: bytes cut, inserted or flipped,
lines repeated, swapped or truncated, numbers replaced by overflowing or non-finite ones, control
characters, byte-order marks, deep nesting. ``make test`` runs a bounded, derandomised number of
examples; ``pytest -m fuzz --fuzz-examples N`` runs a longer search.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hyperlink.errors import InputError
from hyperlink.evaluate.trec import read_qrels, read_run
from hyperlink.ingest import (
    read_anchors,
    read_blacklist,
    read_collection,
    read_keyframes,
    read_libsvm,
    read_segment_table,
    read_segment_vectors,
    read_transcripts,
)

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"

EXAMPLES = 40  # per reader in `make test`; the fuzz marker's run takes --fuzz-examples

SEEDS: dict[str, bytes] = {
    "collection.txt": b"v1 00:05:54\nv2 01:00:00\nv3 00:00:00\n",
    "collection.csv": b"id,duration,media_path\nv1,354,v1.mp4\nv2,00:10:00,\n",
    "collection.jsonl": b'{"id": "v1", "duration": 354}\n{"id": "v2", "duration": "00:10:00", "lang": "en"}\n',
    "blacklist.txt": b"v1\n# a comment\nv2\n",
    "transcripts.vtt": b"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nhello there\n\n00:00:05.000 --> 00:00:07.500\nsecond\n",
    "transcripts.srt": b"1\n00:00:01,000 --> 00:00:04,000\nhello there\n\n2\n00:00:05,000 --> 00:00:07,500\nsecond\n",
    "transcripts.jsonl": b'{"video": "v1", "start": 1, "end": 4, "text": "hello"}\n'
                         b'{"video": "v1", "start": "00:00:05", "end": 7.5, "text": "again"}\n',
    "anchors.xml": b'<?xml version="1.0"?>\n<anchors>\n<anchor><anchorId>a1</anchorId><startTime>1.05</startTime>'
                   b'<endTime>2.10</endTime><video>v1</video></anchor>\n</anchors>\n',
    "anchors.csv": b"anchor_id,video,start,end\na1,v1,65,130\n",
    "qrels.txt": b"a1 Q0 v1 1.00 2.00 1\na1 Q0 v2 0.10 0.50 0\n",
    "run.txt": b"a1 Q0 v1 1.00 2.00 1 0.9 run\na1 Q0 v2 0.10 0.50 2 0.5 run\n",
    "keyframes.csv": b"video,time,f1,f2,f3\nv1,0.5,1,0,0.5\nv1,1.5,0,1,0.25\nv2,3,0.1,0.2,0.3\n",
    "segments.csv": b"video,start,end\nv1,0,10\nv1,10,20\n",
    "data.svm": b"1 1:0.5 3:1 5:0.25\n0 2:1 4:0.5\n",
}

# name -> the reader, called on the mutated file (tmp: the test's folder, for companion files)
READERS = {
    "collection.txt": lambda p, tmp: read_collection(p),
    "collection.csv": lambda p, tmp: read_collection(p),
    "collection.jsonl": lambda p, tmp: read_collection(p),
    "blacklist.txt": lambda p, tmp: read_blacklist(p),
    "transcripts.vtt": lambda p, tmp: read_transcripts(p, "v1"),
    "transcripts.srt": lambda p, tmp: read_transcripts(p),
    "transcripts.jsonl": lambda p, tmp: read_transcripts(p),
    "anchors.xml": lambda p, tmp: read_anchors(p),
    "anchors.csv": lambda p, tmp: read_anchors(p),
    "qrels.txt": lambda p, tmp: read_qrels(p),
    "run.txt": lambda p, tmp: (read_run(p), read_run(p, strict=False)),
    "keyframes.csv": lambda p, tmp: read_keyframes(p),
    "segments.csv": lambda p, tmp: (read_segment_table(p), read_segment_vectors(_matrix(tmp, 2), p)),
    "data.svm": lambda p, tmp: read_libsvm(p, 2, 3),
}

# what a careless editor, a cut download or an adversary puts into a file
TOKENS = [b"nan", b"inf", b"-1", b"1e400", b"9" * 40, b"9" * 400, b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\r",
          b"\t", b",", b",,", b":", b"::", b"-->", b"<", b"</anchor>", b"&amp;", b"&x;", b'"', b"{", b"[" * 2000,
          b"99999999999999999999:00:00", b"00:0", b"1.99", b"Q0", b" ", b"\n", "é".encode("latin-1")]


def _matrix(tmp: Path, rows: int) -> Path:
    path = tmp / "m.npy"
    np.save(path, np.ones((rows, 3), np.float32))
    return path


def _real_seeds() -> dict[str, bytes]:
    """The head of real files of ../shared/datasets, where present (same reader as the seed's)."""
    found: dict[str, bytes] = {}
    for pattern, name in (("**/*anchors*.xml", "anchors.xml"), ("**/*qrels*", "qrels.txt"),
                          ("**/*.txt", "run.txt"), ("**/*collection*.txt", "collection.txt")):
        for path in sorted(DATASETS.glob(pattern))[:1] if DATASETS.is_dir() else []:
            if path.is_file() and path.stat().st_size < 50_000_000:
                head = path.read_bytes()[:4000]
                found[name] = head[: head.rfind(b"\n") + 1] or head
    return found


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cut", "insert", "flip", "repeat", "swap", "truncate", "number"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "cut":
            del data[at:at + draw(st.integers(1, 12))]
        elif op == "insert":
            token = draw(st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=6)))
            data[at:at] = token
        elif op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op in ("repeat", "swap"):
            lines = bytes(data).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if op == "repeat":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
        elif op == "truncate":
            del data[at:]
        elif op == "number":
            numbers = list(re.finditer(rb"\d+(\.\d+)?", bytes(data)))
            if numbers:
                m = numbers[draw(st.integers(0, len(numbers) - 1))]
                data[m.start():m.end()] = draw(st.sampled_from([b"0", b"-0", b"1e400", b"9" * 30, b"59.99", b"nan",
                                                               b"0.000001", b"123456789.59"]))
    return bytes(data)


def _check(name: str, body: bytes, tmp: Path) -> None:
    path = tmp / name
    path.write_bytes(body)
    try:
        READERS[name](path, tmp)
    except InputError as exc:
        text = str(exc)
        assert text and "Traceback" not in text
        assert exc.path is None or Path(exc.path).name in (name, "m.npy"), text


def _fuzz(name: str, seed: bytes, examples: int, tmp: Path) -> None:
    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(mutated(seed))
    def run(body: bytes) -> None:
        _check(name, body, tmp)

    run()


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_the_seed_files_are_valid(name, tmp_path):
    path = tmp_path / name
    path.write_bytes(SEEDS[name])
    READERS[name](path, tmp_path)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_a_mutated_file_is_read_or_refused_cleanly(name, tmp_path):
    _fuzz(name, SEEDS[name], EXAMPLES, tmp_path)


@pytest.mark.parametrize("name", sorted(_real_seeds()))
def test_mutated_real_files_are_read_or_refused_cleanly(name, tmp_path):
    _fuzz(name, _real_seeds()[name], EXAMPLES, tmp_path)


@pytest.mark.fuzz
@pytest.mark.parametrize("name", sorted(SEEDS))
def test_long_fuzz(name, tmp_path, request):
    _fuzz(name, SEEDS[name], request.config.getoption("--fuzz-examples"), tmp_path)
