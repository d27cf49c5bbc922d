"""Archive scale: does memory stay flat from 100k to 1M segments? Each step is the real CLI.

Two kinds of synthetic collection, generated here (chunk by chunk, straight to disk):

* **TRECVID 2016 shape** -- the 11,482 videos of Blip10000 with their real durations
  (``trecvid2016-linking/bliptv2.txt`` from the shared datasets), a time-coded transcript cue every
  ~7.5 s (~1.2M cues, words drawn from a seeded topic vocabulary), a 128-d keyframe vector every
  10 s (~900k, NPY + CSV index) and the 94 official anchors; the store cuts the segments itself:
  ingest collection, transcripts, keyframes -> encode-text -> ingest anchors -> segment 60/30 ->
  train -> index -> run -> check-run.
* **N pre-cut segments** (``--sizes``) with a 2048-d visual and a 384-d text vector each (drawn around
  200 latent topics; 5 % miss one modality), as the campaigns distributed features, and 94 anchors:
  ingest collection, segment-vectors (text, visual), anchors -> train -> index -> run -> check-run.

Each step runs ``hyperlink --db ...`` in its own process; its wall time and its peak resident memory
are written to ``bench/results/scale.json``. The peak is the child's own ``VmHWM`` (read at exit by a
three-line wrapper around ``hyperlink.cli.main``): ``ru_maxrss`` would not do, because Linux carries
it over ``exec`` from the forking parent. ``ru_maxrss`` from ``os.wait4`` is the fallback when a step
is killed. Then:

* flatness: at the largest size each step peaks at most 1.5 x its peak at the smallest size + 256 MiB
  (``index`` and ``run``, which hold the search index, may add the index's size on disk);
* no step of any collection peaks above 6 GiB;
* the largest size runs in under 30 minutes in all.

A failed step or check makes the exit status non-zero (so ``make bench`` stops on it).

    .venv/bin/python bench/scale.py                                   # TRECVID shape, 100k, 1M
    .venv/bin/python bench/scale.py --sizes 2000,5000 --trecvid-videos 50 --out /tmp/scale.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "datasets"
MIB = 1024 * 1024

FLAT_FACTOR, FLAT_SLACK_MIB = 1.5, 256  # peak(largest) <= 1.5 x peak(smallest) + 256 MiB
PEAK_LIMIT_MIB = 6 * 1024  # no step above 6 GiB
TOTAL_LIMIT_S = 30 * 60  # the largest size end to end
HOLDS_INDEX = ("index", "run")  # steps allowed to grow by the index's size
APPROX, APPROX_BUDGET = "index (auto, --max-memory 128M)", "128M"  # measured, but not part of the total

TEXT_DIM, VISUAL_DIM = 384, 2048  # pre-cut segment vectors
KEYFRAME_DIM, KEYFRAME_EVERY = 128, 10.0  # TRECVID shape
GEN_CHUNK = 4096  # rows the generator holds at a time (32 MiB of 2048-d float32)
TRAIN = ["train", "--model", "bidnn", "--text", "text", "--visual", "visual",
         "--hidden", "512", "--rep", "256", "--epochs", "1"]


# ---------------------------------------------------------------------------------------------
# Running one CLI step and measuring it


def _hyperlink() -> list[str]:
    """The installed console script beside this interpreter (as a user runs it), else ``-m``."""
    script = Path(sys.executable).parent / "hyperlink"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "hyperlink"]


# Runs the CLI in-process and writes this process's peak RSS (VmHWM, KiB) to $HL_PEAK_FILE at exit.
_WRAPPER = (
    "import os, sys\n"
    "from hyperlink.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
    "open(os.environ['HL_PEAK_FILE'], 'w').write(hwm[0] if hwm else '')\n"
    "sys.exit(code)\n"
)


def _env() -> dict:
    # As on a user's machine: bytecode caches on (some sandboxes set PYTHONDONTWRITEBYTECODE, which
    # makes every command recompile torch from source).
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _tail(path: Path, chars: int = 2000) -> str:
    text = path.read_text(errors="replace") if path.is_file() else ""
    return text[-chars:].strip()


def _wait(pid: int, timeout: float | None) -> tuple[int, object, bool]:
    """(status, rusage, timed out) of the child ``pid``; killed after ``timeout`` seconds."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        done, status, usage = os.wait4(pid, 0 if deadline is None else os.WNOHANG)
        if done:
            return status, usage, False
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return status, usage, True
        time.sleep(0.2)


def run_step(name: str, args: list[str], db: Path, logs: Path, timeout: float | None) -> dict:
    """Run ``hyperlink -q --db DB ARGS`` and measure it: seconds, peak RSS (MiB), exit code."""
    slug = "".join(c if c.isalnum() else "-" for c in name).strip("-")
    out_path, err_path = logs / f"{slug}.out", logs / f"{slug}.err"
    cmd = [*_hyperlink(), "-q", "--db", str(db), *args]
    peak_file = logs / f"{slug}.peak"
    peak_file.unlink(missing_ok=True)
    wrapped = [sys.executable, "-c", _WRAPPER, *cmd[len(_hyperlink()):]]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, env=_env() | {"HL_PEAK_FILE": str(peak_file)})
        status, usage, timed_out = _wait(proc.pid, timeout)
        seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped by os.wait4; Popen must not wait for it again
    # ru_maxrss: KiB on Linux, bytes on macOS.
    peak_mib = usage.ru_maxrss / (MIB if sys.platform == "darwin" else 1024)
    if peak_file.is_file() and peak_file.read_text().strip().isdigit():
        peak_mib = int(peak_file.read_text()) / 1024
    result = {"seconds": round(seconds, 1), "peak_mib": round(peak_mib), "exit": code,
              "command": " ".join(["hyperlink", *args])}
    line = f"  {name:<26} {seconds:8.1f} s   peak {peak_mib:7.0f} MiB"
    if code != 0:
        why = f"timed out after {timeout:g} s" if timed_out else f"exit {code}"
        result["stderr_tail"] = _tail(err_path)
        result["timed_out"] = timed_out
        line += f"   FAILED ({why})\n    $ {' '.join(cmd)}\n" + "\n".join(
            f"    | {row}" for row in result["stderr_tail"].splitlines()[-15:])
    print(line, flush=True)
    return result


def run_pipeline(steps: dict[str, list[str]], db: Path, logs: Path, timeout: float | None) -> dict:
    """Run the steps in order; after a failure the rest are recorded as not run."""
    logs.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    failed = False
    for name, args in steps.items():
        if failed:
            results[name] = {"seconds": None, "peak_mib": None, "exit": None, "skipped": "an earlier step failed"}
            continue
        results[name] = run_step(name, args, db, logs, timeout)
        failed = results[name]["exit"] != 0
    return results


def _size_mib(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / MIB
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / MIB if path.is_dir() else 0.0


# ---------------------------------------------------------------------------------------------
# Generators (small memory: GEN_CHUNK rows at a time, written straight to .npy on disk)


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _mss(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}.{s % 60:02d}"


def _write_anchors_xml(path: Path, anchors: list[tuple[str, str, str, str]]) -> None:
    """TRECVID 2016 anchor XML; ``anchors`` are (id, video, start M.SS, end M.SS)."""
    rows = ['<?xml version="1.0" ?>', "<anchors>"]
    for anchor_id, video, start, end in anchors:
        rows += ["  <anchor>", f"    <anchorId>{anchor_id}</anchorId>", f"    <video>{video}</video>",
                 f"    <startTime>{start}</startTime>", f"    <endTime>{end}</endTime>", "  </anchor>"]
    path.write_text("\n".join(rows + ["</anchors>"]) + "\n")


class _NpyWriter:
    """Fills an (n, d) float32 .npy file in row chunks, re-opening the map for each chunk so the
    pages it touched leave the generator's resident memory."""

    def __init__(self, path: Path, rows: int, dim: int):
        self.path, self.done = path, 0
        matrix = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, dim))
        del matrix  # only the header is written; the rest of the file stays sparse until filled

    def write(self, block: np.ndarray) -> None:
        matrix = np.lib.format.open_memmap(self.path, mode="r+")
        matrix[self.done:self.done + len(block)] = block
        matrix.flush()
        del matrix
        self.done += len(block)


def generate_segments(root: Path, n: int, seed: int = 0) -> dict:
    """``n`` pre-cut 60 s / 30 s windows in videos of 5-40 whole minutes, their text and visual
    vectors (topic centroid + noise, 5 % missing one modality) and 94 anchors."""
    rng = np.random.default_rng(seed)
    topics_t = rng.standard_normal((200, TEXT_DIM)).astype(np.float32)
    topics_v = rng.standard_normal((200, VISUAL_DIM)).astype(np.float32)
    # Windows of a video of m whole minutes: starts 0, 30, ..., 60 m - 60 (2 m - 1 of them).
    minutes, per_video, total = [], [], 0
    while total < n:
        m = int(rng.integers(5, 41))
        minutes.append(m)
        per_video.append(min(2 * m - 1, n - total))
        total += per_video[-1]
    offsets = np.concatenate([[0], np.cumsum(per_video)])
    topics = rng.integers(0, 200, (len(minutes), 3))  # each video draws its segments from 3 topics
    videos = [f"vid{i:06d}" for i in range(len(minutes))]
    (root / "collection.txt").write_text("".join(f"{v} {_hms(60 * m)}\n" for v, m in zip(videos, minutes)))

    text, visual = _NpyWriter(root / "text.npy", n, TEXT_DIM), _NpyWriter(root / "visual.npy", n, VISUAL_DIM)
    with open(root / "segments.csv", "w") as table:
        table.write("video,start,end\n")
        for lo in range(0, n, GEN_CHUNK):
            rows = np.arange(lo, min(lo + GEN_CHUNK, n))
            video = np.searchsorted(offsets, rows, side="right") - 1
            start = 30 * (rows - offsets[video])
            table.write("".join(f"{videos[v]},{s},{s + 60}\n" for v, s in zip(video.tolist(), start.tolist())))
            topic = topics[video, rng.integers(0, 3, len(rows))]
            t = topics_t[topic] + 0.8 * rng.standard_normal((len(rows), TEXT_DIM), dtype=np.float32)
            v = topics_v[topic] + 0.8 * rng.standard_normal((len(rows), VISUAL_DIM), dtype=np.float32)
            missing = rng.random(len(rows))
            t[missing < 0.025] = 0.0  # text missing
            v[(missing >= 0.025) & (missing < 0.05)] = 0.0  # visual missing
            text.write(t)
            visual.write(v)
            del t, v

    anchors = []
    for i, row in enumerate(sorted(rng.choice(n, min(94, n), replace=False).tolist())):
        video = int(np.searchsorted(offsets, row, side="right") - 1)
        start = 30 * (row - int(offsets[video]))
        anchors.append((f"anchor_{i + 1}", videos[video], _mss(start + 10), _mss(start + 40)))
    _write_anchors_xml(root / "anchors.xml", anchors)
    return {"segments": n, "videos": len(videos), "anchors": len(anchors)}


def _vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    """Distinct made-up words of three consonant-vowel syllables (never an English stop word)."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(syllables[i] for i in rng.integers(0, len(syllables), 3))] = None
    return list(words)


def read_trecvid(data: Path, videos: int | None) -> tuple[list[tuple[str, float]], list[tuple[str, str, str, str]]]:
    """The Blip10000 videos with their durations and the 94 official anchors, or a subset of
    ``videos`` videos (the anchors' videos first) with the anchors inside it."""
    folder = data / "trecvid2016-linking"
    collection = []
    for line in (folder / "bliptv2.txt").read_text().split("\n"):
        if line.strip():
            vid, clock = line.split()
            h, m, s = (int(x) for x in clock.split(":"))
            collection.append((vid, float(3600 * h + 60 * m + s)))
    anchors = [(a.findtext("anchorId").strip(), a.findtext("video").strip(), a.findtext("startTime").strip(),
                a.findtext("endTime").strip()) for a in ET.parse(folder / "tv16hlk_test_anchors.xml").getroot()]
    if videos is not None and videos < len(collection):
        with_anchor = {a[1] for a in anchors}
        ordered = sorted(collection, key=lambda row: (row[0] not in with_anchor, row[0]))
        keep = {vid for vid, _ in ordered[:videos]}
        collection = [row for row in collection if row[0] in keep]
        anchors = [a for a in anchors if a[1] in keep]
    return collection, anchors


def generate_trecvid(root: Path, collection: list[tuple[str, float]], anchors: list, seed: int = 0) -> dict:
    """Transcript cues (JSONL shards of 1,000 videos) and keyframe vectors (NPY + CSV index) for
    ``collection``; each video speaks mostly of a main topic, some of a second one."""
    rng = np.random.default_rng(seed)
    n_topics, per_topic, n_general = 40, 50, 400
    vocab = _vocabulary(rng, n_topics * per_topic + n_general)
    centroids = rng.standard_normal((n_topics, KEYFRAME_DIM)).astype(np.float32)
    (root / "collection.txt").write_text("".join(f"{vid} {_hms(d)}\n" for vid, d in collection))
    _write_anchors_xml(root / "anchors.xml", anchors)
    shards = root / "transcripts"
    shards.mkdir()
    times = [np.arange(KEYFRAME_EVERY / 2, d, KEYFRAME_EVERY) for _, d in collection]
    n_keyframes = sum(len(t) for t in times)
    keyframes = _NpyWriter(root / "keyframes.npy", n_keyframes, KEYFRAME_DIM)
    cues = 0
    index = open(root / "keyframes.csv", "w")
    index.write("video,time\n")
    pending: list[np.ndarray] = []
    for i, (vid, duration) in enumerate(collection):
        if i % 1000 == 0:
            shard = open(shards / f"part-{i // 1000:03d}.jsonl", "w")
        main, second = rng.integers(0, n_topics, 2)
        # Cues: one every 6-9 s (7.5 s on average), each spoken over 60-95 % of its slot.
        slots = rng.uniform(6.0, 9.0, int(duration / 6.0) + 2)
        starts = rng.uniform(0.0, 3.0) + np.concatenate([[0.0], np.cumsum(slots[:-1])])
        ends = starts + slots * rng.uniform(0.6, 0.95, len(slots))
        keep = ends <= duration
        starts, ends = starts[keep], ends[keep]
        counts = rng.integers(6, 15, len(starts))
        draw, word = rng.random(int(counts.sum())), rng.integers(0, per_topic, int(counts.sum()))
        ids = np.where(draw < 0.6, main * per_topic + word, np.where(
            draw < 0.75, second * per_topic + word, n_topics * per_topic + rng.integers(0, n_general, len(word))))
        words = [vocab[k] for k in ids.tolist()]
        bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
        shard.write("".join(
            f'{{"video":"{vid}","start":{s:.2f},"end":{e:.2f},"text":"{" ".join(words[bounds[j]:bounds[j + 1]])}"}}\n'
            for j, (s, e) in enumerate(zip(starts.tolist(), ends.tolist()))))
        cues += len(starts)
        if i % 1000 == 999 or i == len(collection) - 1:
            shard.close()
        t = times[i]
        index.write("".join(f"{vid},{x:g}\n" for x in t.tolist()))
        pending.append(centroids[main] + 0.8 * rng.standard_normal((len(t), KEYFRAME_DIM), dtype=np.float32))
        if sum(len(p) for p in pending) >= GEN_CHUNK or i == len(collection) - 1:
            keyframes.write(np.concatenate(pending) if pending else np.zeros((0, KEYFRAME_DIM), np.float32))
            pending = []
    index.close()
    return {"videos": len(collection), "cues": cues, "keyframes": n_keyframes, "anchors": len(anchors),
            "hours": round(sum(d for _, d in collection) / 3600, 1)}


# ---------------------------------------------------------------------------------------------
# The two pipelines


def _tail_steps(root: Path) -> dict[str, list[str]]:
    index = str(root / "index")
    return {
        "train (bidnn, 1 epoch)": TRAIN,
        "index": ["index", "--model", "bidnn", "--out", index],
        "run (k=1000)": ["run", "--model", "bidnn", "--index", index, "--out", str(root / "run.txt")],
        "check-run": ["check-run", str(root / "run.txt"), "--collection", str(root / "collection.txt"),
                      "--anchors", str(root / "anchors.xml")],
    }


def trecvid_steps(root: Path) -> dict[str, list[str]]:
    return {
        "ingest collection": ["ingest", "collection", str(root / "collection.txt")],
        "ingest transcripts": ["ingest", "transcripts", str(root / "transcripts")],
        "ingest keyframes": ["ingest", "keyframes", str(root / "keyframes.npy"), "--index",
                             str(root / "keyframes.csv"), "--space", "visual"],
        "encode-text": ["encode-text", "--space", "text", "--dim", "100"],
        "ingest anchors": ["ingest", "anchors", str(root / "anchors.xml")],
        "segment": ["segment", "--length", "60", "--stride", "30"],
        **_tail_steps(root),
    }


def segment_steps(root: Path) -> dict[str, list[str]]:
    return {
        "ingest collection": ["ingest", "collection", str(root / "collection.txt")],
        "ingest text vectors": ["ingest", "segment-vectors", str(root / "text.npy"), "--segments",
                                str(root / "segments.csv"), "--space", "text", "--modality", "text"],
        "ingest visual vectors": ["ingest", "segment-vectors", str(root / "visual.npy"), "--segments",
                                  str(root / "segments.csv"), "--space", "visual", "--modality", "visual"],
        "ingest anchors": ["ingest", "anchors", str(root / "anchors.xml")],
        **_tail_steps(root),
        # the approximate path: a budget below the exact index's size forces IVF-PQ; outside the total
        APPROX: ["index", "--model", "bidnn", "--out", str(root / "index-approx"), "--max-memory", APPROX_BUDGET],
    }


def _run_one(label: str, root: Path, generate, steps: dict[str, list[str]], timeout: float | None) -> dict:
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    shape = generate()
    generated = time.perf_counter() - t0
    print(f"{label}: generated {', '.join(f'{v:,} {k}' for k, v in shape.items())} in {generated:.0f} s "
          f"({_size_mib(root) / 1024:.1f} GiB in {root})", flush=True)
    results = run_pipeline(steps, root / "store.db", root / "logs", timeout)
    total = sum(r["seconds"] or 0 for name, r in results.items() if name != APPROX)
    ok = all(r["exit"] == 0 for r in results.values())
    print(f"  {'total':<26} {total:8.1f} s   {'all steps passed' if ok else 'FAILED'}", flush=True)
    return {"label": label, "shape": shape, "generate_s": round(generated, 1), "steps": results,
            "total_s": round(total, 1), "ok": ok, **_outcome(root)}


def _outcome(root: Path) -> dict:
    """What the pipeline left: segments in the index, run lines and anchors, sizes on disk."""
    manifest = root / "index" / "manifest.json"
    indexed = json.loads(manifest.read_text()).get("count") if manifest.is_file() else None
    run = root / "run.txt"
    lines = run.read_text().splitlines() if run.is_file() else []
    approx = root / "index-approx" / "manifest.json"
    chosen = json.loads(approx.read_text()) if approx.is_file() else {}
    return {"approx_index": {k: chosen.get(k) for k in ("factory", "nprobe", "recall", "choice")} if chosen else None,
            "indexed_segments": indexed, "run_lines": len(lines), "anchors_in_run": len({x.split()[0] for x in lines}),
            "index_mib": round(_size_mib(root / "index")), "disk_mib": round(_size_mib(root))}


# ---------------------------------------------------------------------------------------------
# Disk, checks, main


def _disk_need_bytes(n: int) -> int:
    """Bytes a size needs at its peak: the input matrices, the store's copy of them, the index, tables."""
    return n * ((TEXT_DIM + VISUAL_DIM) * 4 * 2 + 2 * 256 * 4 + 400)


def _trecvid_need_bytes(hours: float) -> int:
    seconds = hours * 3600
    keyframes, cues, segments = seconds / KEYFRAME_EVERY, seconds / 7.5, seconds / 30
    return int(keyframes * KEYFRAME_DIM * 4 * 2 + cues * (100 * 4 + 300) + segments * (228 * 4 + 2 * 256 * 4 + 200))


def check(results: dict) -> list[dict]:
    """The flatness, peak and time checks over ``results`` (see the module docstring)."""
    out: list[dict] = []

    def add(name: str, ok: bool, detail: str) -> None:
        out.append({"check": name, "ok": bool(ok), "detail": detail})

    for run in results["runs"]:
        for step, r in run["steps"].items():
            if r["exit"] != 0:
                add(f"{run['label']}: {step} exits 0", False,
                    "not run (an earlier step failed)" if r["exit"] is None else f"exit {r['exit']}")
            elif r["peak_mib"] > PEAK_LIMIT_MIB:
                add(f"{run['label']}: {step} peak <= 6 GiB", False, f"{r['peak_mib']:,} MiB")
    add("every step of every collection exits 0 and peaks <= 6 GiB", not out,
        f"{len(out)} problem(s)" if out else "yes")
    sized = sorted((r for r in results["runs"] if "segments" in r["shape"]),
                   key=lambda r: r["shape"]["segments"])
    if not sized:
        return out
    big = sized[-1]
    add(f"{big['label']}: total wall time < {TOTAL_LIMIT_S // 60} min", big["ok"] and big["total_s"] < TOTAL_LIMIT_S,
        f"{big['total_s']:,.0f} s" + ("" if big["ok"] else " (not every step passed)"))
    if len(sized) < 2:
        return out  # flatness needs two sizes
    small = sized[0]
    for step, r in big["steps"].items():
        base = small["steps"].get(step)
        if not base or base["exit"] != 0 or r["exit"] != 0:
            continue
        allowance = big["index_mib"] if step.split()[0] in HOLDS_INDEX else 0
        limit = FLAT_FACTOR * base["peak_mib"] + FLAT_SLACK_MIB + allowance
        extra = f" + index {allowance:,} MiB" if allowance else ""
        add(f"flat: {step}", r["peak_mib"] <= limit,
            f"{r['peak_mib']:,} MiB at {big['label']} vs limit {FLAT_FACTOR:g} x {base['peak_mib']:,} "
            f"(at {small['label']}) + {FLAT_SLACK_MIB}{extra} = {limit:,.0f} MiB")
    return out


def _sizes(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if not part:  # --sizes '' runs the TRECVID shape alone
            continue
        scale = {"k": 1_000, "m": 1_000_000}.get(part[-1:], 1)
        out.append(int(float(part.rstrip("km")) * scale))
    if any(n < 100 for n in out):
        raise argparse.ArgumentTypeError("each size must be at least 100 segments")
    return sorted(set(out))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=_sizes, default=_sizes("100000,1000000"),
                    help="pre-cut segment counts, comma separated (default 100000,1000000; 100k, 1M accepted; '' none)")
    ap.add_argument("--skip-trecvid", action="store_true", help="skip the TRECVID 2016 shaped collection")
    ap.add_argument("--trecvid-videos", type=int, help="only this many Blip10000 videos (anchors' videos first)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"shared datasets (default {DEFAULT_DATA})")
    ap.add_argument("--work", type=Path, help="folder for the generated collections and stores (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated collections and stores")
    ap.add_argument("--step-timeout", type=float, default=3600,
                    help="kill a step after this many s (default 3600; 0: never)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "scale.json")
    args = ap.parse_args(argv)

    trecvid = None
    if not args.skip_trecvid:
        if (args.data / "trecvid2016-linking" / "bliptv2.txt").is_file():
            trecvid = read_trecvid(args.data, args.trecvid_videos)
        else:
            print(f"TRECVID 2016 shape skipped: {args.data / 'trecvid2016-linking' / 'bliptv2.txt'} is absent "
                  "(pass --data DIR, the shared datasets folder)")

    work = args.work or Path(tempfile.mkdtemp(prefix="hyperlink-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    needs = [_disk_need_bytes(n) for n in args.sizes]
    if trecvid:
        needs.append(_trecvid_need_bytes(sum(d for _, d in trecvid[0]) / 3600))
    need = sum(needs) if args.keep else max(needs)  # without --keep each collection is removed after its run
    free = shutil.disk_usage(work).free
    print(f"disk: about {need / 1024**3:.1f} GiB needed in {work}, {free / 1024**3:.1f} GiB free")
    if need > free:
        print(f"not enough free disk in {work}: pass --work on a larger disk, or smaller --sizes", file=sys.stderr)
        return 1

    subprocess.run([*_hyperlink(), "--help"], capture_output=True, env=_env())  # warm the bytecode caches
    results = {"command": shlex.join(["python", "bench/scale.py", *(sys.argv[1:] if argv is None else argv)]),
               "machine": f"{platform.machine()} ({os.cpu_count()} cpus)", "python": sys.version.split()[0],
               "chunk_rows": os.environ.get("HYPERLINK_CHUNK_ROWS", "default"), "runs": []}

    def save() -> None:
        results["checks"] = check(results)
        results["ok"] = all(c["ok"] for c in results["checks"])
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n")

    try:
        if trecvid:
            root = work / "trecvid2016"
            results["runs"].append(_run_one("trecvid2016", root, lambda: generate_trecvid(root, *trecvid),
                                            trecvid_steps(root), args.step_timeout or None))
            save()
            if not args.keep:
                shutil.rmtree(root)
        for n in args.sizes:
            root = work / f"segments-{n}"
            results["runs"].append(_run_one(f"{n:,} segments", root, lambda: generate_segments(root, n),
                                            segment_steps(root), args.step_timeout or None))
            save()
            if not args.keep:
                shutil.rmtree(root)
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    save()
    print("checks:")
    for c in results["checks"]:
        print(f"  {'ok  ' if c['ok'] else 'FAIL'} {c['check']}: {c['detail']}")
    if len([r for r in results["runs"] if "segments" in r["shape"]]) < 2:
        print("  (flatness not checked: it needs two sizes, --sizes SMALL,LARGE)")
    print(f"wrote {args.out}" + (f"; collections kept in {work}" if args.keep else ""))
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
