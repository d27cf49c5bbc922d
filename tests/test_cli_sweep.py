"""The CLI error sweep: every command x every option given a wrong type, an out-of-range value, an
unknown name, or a missing / empty / directory / binary file.

Each case asserts: a non-zero documented exit code, a message that names the option, value or
file, no traceback, no emoji, and a store identical to what it was before. Each command first runs
with its good arguments (the baseline must pass), so a failure is the bad value's, nothing else's.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import shutil
import signal
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import typer.main

from hyperlink.cli import _register, app, main

# --- what each option is, and so which bad values it gets --------------------------------------

INT = ["abc", "-1", "99999999999999999999"]  # a count: wrong type, negative, absurd
SEED = ["abc", "-1", "99999999999999999999999"]
FRACTION = ["abc", "-0.5", "1.5", "nan"]  # a share in [0, 1)
POSITIVE = ["abc", "-1", "0", "nan", "inf", "1e400"]  # a positive real
SECONDS = ["abc", "-5", "nan", "1e12"]  # a time or length in seconds
NAME = ["no-such-thing"]  # something the store must hold
CHOICE = ["bogus"]  # one of a registry's entries
NEW_NAME = ["../escape", "a/b", ""]  # a name that becomes a file or folder name
IN = ["<missing>", "<empty>", "<dir>", "<binary>"]  # a file read
BLACKLIST = ["<missing>", "<dir>", "<binary>"]  # an empty blacklist is allowed: it blacklists nothing
OUT = ["<dir>", "<nofolder>"]  # a file written

# command -> (good arguments, {option: bad values}); {d} = demo files, {w} = the case's folder.
SWEEP: dict[str, tuple[list[str], dict[str, list[str]]]] = {
    "ingest collection": (["{d}/collection.txt"], {"path": IN, "--blacklist": BLACKLIST}),
    "ingest blacklist": (["{w}/black.txt"], {"path": BLACKLIST}),
    "ingest transcripts": (["{d}/transcripts.jsonl"], {"paths": IN, "--video": ["no such video", ""]}),
    "ingest keyframes": (["{d}/keyframes.npy", "--space", "demo-cnn", "--index", "{d}/keyframes.csv"],
                         {"path": IN, "--space": [], "--index": IN, "--extractor": []}),
    "ingest segment-vectors": (["{w}/sv.npy", "--segments", "{w}/segs.csv", "--space", "sv", "--modality", "text"],
                               {"path": IN, "--segments": IN, "--space": [], "--modality": CHOICE, "--extractor": []}),
    "ingest libsvm": (["{w}/x.svm", "--segments", "{w}/segs.csv", "--a-space", "la", "--a-dim", "2",
                       "--b-space", "lb", "--b-dim", "3"],
                      {"path": IN, "--segments": IN, "--a-space": [], "--a-dim": INT + ["0"], "--b-space": [],
                       "--b-dim": INT + ["0"], "--a-modality": CHOICE}),
    "ingest anchors": (["{d}/anchors.xml"], {"path": IN}),
    "ingest qrels": (["{d}/qrels.txt"], {"path": IN}),
    "encode-text": (["--space", "t2", "--dim", "8"],
                    {"--space": [], "--encoder": CHOICE, "--dim": INT + ["0"], "--seed": SEED}),
    "segment": (["--length", "60", "--stride", "30"], {"--length": SECONDS + ["0"], "--stride": SECONDS + ["0"]}),
    "stats": ([], {}),
    "models": ([], {}),
    "train": (["--model", "bidnn", "--text", "tfidf", "--visual", "demo-cnn", "--name", "sweep", "--epochs", "1",
               "--hidden", "8", "--rep", "4"],
              {"--model": CHOICE, "--text": NAME, "--visual": NAME, "--name": NEW_NAME, "--epochs": INT,
               "--batch-size": INT + ["0"], "--lr": POSITIVE, "--momentum": ["abc", "-0.1", "1.5"],
               "--optimiser": CHOICE, "--dropout": FRACTION, "--hidden": INT + ["0"], "--rep": INT + ["0"],
               "--activation": CHOICE, "--val-split": FRACTION, "--patience": INT, "--seed": SEED,
               "--device": CHOICE, "--set": ["hidden=abc", "nokey=1", "novalue", "epochs=[[[[1]]]]", "hidden=1000000000", "epochs=99999999999", "seed=-3"],
               "--out": [], "--curve": OUT}),
    "index": (["--model", "tiny", "--out", "{w}/ix"],
              {"--model": NAME + NEW_NAME[:1], "--out": ["<file>"], "--readout": CHOICE, "--factory": CHOICE,
               "--max-memory": ["abc", "-1", "1x", "0"], "--nprobe": INT + ["0"], "--device": CHOICE,
               "--backend": CHOICE, "--uri": ["http://localhost:1", ""], "--shards": INT + ["0"]}),
    "query": (["anchor_1", "--model", "tiny", "-k", "3"],
              {"target": ["no-such-anchor", "news0000@5-1", "news0000@0-99999999"], "--model": NAME,
               "--index": ["<missing>", "<dir>"], "-k": INT + ["0"], "--device": CHOICE, "--text": ["", "zzzz"],
               "--image": IN}),
    "run": (["--model", "tiny", "--out", "{w}/run.txt", "-k", "5"],
            {"--model": NAME, "--out": OUT, "--anchors": ["no-such-anchor", "<missing>"], "--name": ["a b", ""],
             "--index": ["<missing>"], "-k": INT + ["0"], "--device": CHOICE}),
    "check-run": (["{w}/good_run.txt"], {"run": IN, "--collection": IN, "--anchors": IN, "--blacklist": BLACKLIST,
                                         "--fix": OUT}),
    "evaluate": (["{d}/qrels.txt", "{w}/good_run.txt"],
                 {"qrels": IN, "runs": IN, "--bin-size": INT + ["0"], "--tolerance": ["abc", "-1", "99999999999"],
                  "--measures": CHOICE, "--plot": OUT, "--plot-measure": CHOICE, "--trials": INT + ["0"],
                  "--seed": SEED}),
    "demo": (["--out", "{w}/demo", "--videos", "3", "--no-ingest"], {"--out": ["<file>"], "--videos": INT + ["0"],
                                                        "--seed": SEED}),
    "bidnn-libsvm": (["{w}/x.svm", "{w}/out.svm", "2", "3", "8", "4", "--epochs", "1"],
                     {"infile": IN, "outfile": OUT, "mod1size": INT + ["0"], "mod2size": INT + ["0"],
                      "hdnsize": INT + ["0"], "repsize": INT + ["0"], "--activation": CHOICE,
                      "--epochs": INT + ["0"], "--dropout": FRACTION, "--batch-size": INT + ["0"],
                      "--learning-rate": POSITIVE, "--momentum": ["abc", "-0.1", "1.5"], "--load-model": IN,
                      "--save-model": OUT, "--write-after": INT, "--exec-command": [], "--verbosity": ["abc"],
                      "--seed": SEED, "--device": CHOICE}),
    "ingest media": ([], {}),  # the media extra's own tests sweep it (decoding real videos is slow)
    "serve": (["--model", "tiny", "--check"], {"--host": ["no such host"], "--port": INT + ["0"], "--model": NAME,
                                               "--run": IN, "-k": INT + ["0"]}),
    "report-html": (["--model", "tiny", "--out", "{w}/report", "-k", "3"],
                    {"--out": ["<file>", "<nofolder>"], "--model": NAME, "--run": IN, "-k": INT + ["0"]}),
    **{f"list {kind}": ([], {}) for kind in ("anchors", "videos", "spaces", "models", "indexes", "origins", "files")},
    "list segments": (["--origin", "window"], {"--origin": NAME}),
    "remove model": (["tiny", "--yes"], {"name": NAME + NEW_NAME[:2]}),
    "remove index": (["tiny", "--yes"], {"name": NAME + NEW_NAME[:2]}),
    "remove space": (["demo-cnn", "--force", "--yes"], {"name": NAME}),
    "remove segments": (["--origin", "window", "--yes"], {"--origin": NAME}),
    "remove file": (["{d}/qrels.txt", "--yes"], {"path": NAME + ["<dir>", "<missing>"]}),
}

EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")
EXIT_CODES = {2, 3, 4, 5, 6}


def _commands() -> dict[str, object]:
    _register()
    out = {}
    for name, cmd in typer.main.get_command(app).commands.items():
        for sub, c in getattr(cmd, "commands", {"": cmd}).items():
            out[f"{name} {sub}".strip()] = c
    return out


def _flag(param) -> str:
    if param.param_type_name == "argument":
        return param.name
    return max(param.opts, key=len) if len(param.opts) > 1 and param.name != "k" else param.opts[0]


def test_the_sweep_names_every_option_of_every_command():
    """A new command or option must say here which bad values it gets (flags and free text excepted)."""
    for name, cmd in _commands().items():
        assert name in SWEEP, f"add `{name}` to SWEEP"
        if name == "ingest media":
            continue
        _, options = SWEEP[name]
        for p in cmd.params:
            if p.name == "help" or getattr(p, "is_flag", False):
                continue
            assert _flag(p) in options, f"SWEEP[{name!r}] must list {_flag(p)} ({p.name})"


# --- the prepared store --------------------------------------------------------------------------


def _cli(*args) -> tuple[int, str]:
    """Run the CLI in-process; (exit code, stdout + stderr)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        code = main([str(a) for a in args])
    return code, buffer.getvalue()


def prepare(root: Path) -> Path:
    """A small store with every kind of data, a trained model, its index and a run; plus input files."""
    db = root / "s.db"
    for args in (["demo", "--out", root / "d"],
                 ["train", "--model", "concat", "--text", "tfidf", "--visual", "demo-cnn", "--name", "tiny"],
                 ["index", "--model", "tiny"],
                 ["run", "--model", "tiny", "--out", root / "good_run.txt", "-k", "5"]):
        code, out = _cli("--db", db, *args)
        assert code == 0, out
    rng = np.random.default_rng(0)
    (root / "segs.csv").write_text("video,start,end\nnews0000,0,20\nnews0001,0,20\n")
    np.save(root / "sv.npy", rng.standard_normal((2, 4)).astype(np.float32))
    (root / "x.svm").write_text("1 1:0.5 3:1 5:0.25\n0 2:1 4:0.5\n")
    (root / "black.txt").write_text("news0003\n")
    return root


def _files(work: Path) -> list:
    return sorted((str(p.relative_to(work)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in work.rglob("*") if p.is_file() and not p.name.startswith("s.db"))


def _rows(work: Path) -> str:
    digest = hashlib.sha256()
    con = sqlite3.connect(work / "s.db")
    try:
        for line in con.iterdump():
            digest.update(line.encode())
    finally:
        con.close()
    return digest.hexdigest()


class Work:
    """One copy of the prepared store per command, copied again only after a case changed it."""

    def __init__(self, prepared: Path, root: Path):
        self.prepared, self.root, self.path = prepared, root, None

    def fresh(self) -> Path:
        if self.path is not None:
            for junk in ("a-folder", "a-file", "empty.txt", "binary.txt"):
                target = self.path / junk
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
        if self.path is not None and _files(self.path) == self.files and _rows(self.path) == self.rows:
            return self.path
        if self.path is not None:
            shutil.rmtree(self.path)
        self.path = self.root / f"w{len(list(self.root.iterdir()))}"
        shutil.copytree(self.prepared, self.path)
        self.files, self.rows = _files(self.path), _rows(self.path)
        return self.path


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Work:
    return Work(prepare(tmp_path_factory.mktemp("prepared")), tmp_path_factory.mktemp("work"))


@pytest.fixture
def case(work, monkeypatch) -> Path:
    """The prepared store and files (unchanged), with the working directory inside them."""
    path = work.fresh()
    monkeypatch.chdir(path)
    return path


def _snapshot(work: Path) -> tuple:
    """The store's rows and every file beside it: equal snapshots = an unchanged store."""
    return _files(work), _rows(work)


def _value(bad: str, work: Path) -> str:
    if bad == "<missing>":
        return str(work / "missing.txt")
    if bad == "<empty>":
        (work / "empty.txt").write_text("")
        return str(work / "empty.txt")
    if bad == "<dir>":
        (work / "a-folder").mkdir(exist_ok=True)
        return str(work / "a-folder")
    if bad == "<binary>":
        (work / "binary.txt").write_bytes(bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8)))
        return str(work / "binary.txt")
    if bad == "<nofolder>":
        return str(work / "no-folder" / "out.txt")
    if bad == "<file>":
        (work / "a-file").write_text("not a folder\n")
        return str(work / "a-file")
    return bad


def _argv(name: str, good: list[str], option: str, bad: str, work: Path, params) -> list[str]:
    """The good arguments with ``option`` set to ``bad`` (a positional replaced in place)."""
    args = [a.replace("{d}", str(work / "d")).replace("{w}", str(work)) for a in good]
    if not option.startswith("-"):
        positions = [p.name for p in params if p.param_type_name == "argument"]
        i = positions.index(option)
        while len(args) <= i:
            args.append("x")
        args[i] = bad
        return args
    if option in args:
        args[args.index(option) + 1] = bad
        return args
    return [*args, option, bad]


class _TooSlow(Exception):
    pass


def _alarm(*_):
    raise _TooSlow("a bad value was accepted and ran for over 60 s: it needs a bound")


def _cases():
    for name, (good, options) in SWEEP.items():
        for option, values in options.items():
            for bad in values:
                yield pytest.param(name, option, bad, id=f"{name}|{option}|{bad}")


@pytest.mark.parametrize("name", [n for n in SWEEP if n != "ingest media"])
def test_the_good_arguments_pass(name, case):
    args = _argv(name, SWEEP[name][0], "--none", "", case, [])[:-2]
    code, out = _cli("--db", case / "s.db", *name.split(), *args)
    assert code == 0, out


@pytest.mark.parametrize("name,option,bad", list(_cases()))
def test_a_bad_value_is_a_clean_error_and_leaves_the_store(name, option, bad, case):
    params = _commands()[name].params
    value = _value(bad, case)
    argv = _argv(name, SWEEP[name][0], option, value, case, params)
    before = _snapshot(case)
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(60)
    try:
        code, out = _cli("--db", case / "s.db", *name.split(), *argv)
    finally:
        signal.alarm(0)
    assert "Traceback" not in out, out
    assert not EMOJI.search(out), out
    assert code in EXIT_CODES, f"exit {code} for {option} {value!r}:\n{out}"
    shown = {option, option.lstrip("-"), option.lstrip("-").replace("-", "_"), value, Path(value).name if value else "''", "Missing argument"}
    if value.startswith("-") or value in ("", "0", "nan", "inf", "1e400"):
        shown |= {"range", "positive", "must be", "not a", "at least"}
    assert any(s and s in out for s in shown), f"the message should name {option} or {value!r}:\n{out}"
    assert _snapshot(case) == before, f"{option} {value!r} changed the store:\n{out}"
