"""Render bench/results/*.json as the README's benchmark tables (between the BENCH markers).

    .venv/bin/python bench/report.py            # print the markdown
    .venv/bin/python bench/report.py --readme   # rewrite the section of README.md in place
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE.parent / "README.md"
BEGIN, END = "<!-- BENCH:BEGIN (bench/report.py --readme) -->", "<!-- BENCH:END -->"


def _load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _ms(m: dict, key: str) -> str:
    cell = m.get(key)
    if not cell:
        return "–"
    return f"{cell['map']:.3f} ± {cell.get('map_std', 0):.3f} / {cell['p10']:.3f}"


def _best(m: dict, direction: str) -> float | None:
    """MAP on ``direction`` at the model's better readout (direct or expansion)."""
    values = [m[k]["map"] for k in (direction, direction + "_expansion") if k in m]
    return max(values) if values else None


def _folds(d: dict, short: bool = False) -> str:
    """How settings were chosen: one 20 % validation split (older results) or the mean over folds."""
    folds = next(iter(d["models"].values()))["settings"].get("folds", 1)
    if folds == 1:
        return "split" if short else "a 20 % validation split"
    return "folds" if short else f"the mean of {folds} validation folds (20 % each)"


def wikipedia(d: dict) -> list[str]:
    out = [f"**Wikipedia image–text** (`{d.get('command', 'bench/wikipedia.py')}`; MAP ± std over "
           f"{d.get('seeds', '?')} seeds / P@10; settings and epochs chosen on {_folds(d)} of the training pairs):", "",
           "| model | image→text | text→image | both→both | image→text (expansion) | text→image (expansion) |",
           "|---|---|---|---|---|---|"]
    for name, m in d["models"].items():
        out.append(f"| {name} | {_ms(m, 'image_to_text')} | {_ms(m, 'text_to_image')} | {_ms(m, 'both_to_both')} | "
                   f"{_ms(m, 'image_to_text_expansion')} | {_ms(m, 'text_to_image_expansion')} |")
    out.append("")
    if d.get("ablation"):
        out += wikipedia_ablation(d)
    return out


def wikipedia_ablation(d: dict) -> list[str]:
    """xbidnn with one component removed (``--ablation``), MAP at each variant's better readout."""
    directions = ("image_to_text", "text_to_image", "both_to_both")
    rows = d["ablation"]
    full = next(iter(rows.values()))  # the validation-chosen model comes first
    out = [f"**XBiDNN ablation** (same run; each variant's epochs chosen on the validation {_folds(d, short=True)}, MAP over "
           f"{d.get('seeds', '?')} seeds at its better readout, change from the full model in brackets):", "",
           "| variant | epochs | image→text | text→image | both→both |", "|---|---|---|---|---|"]
    for name, m in rows.items():
        cells = []
        for direction in directions:
            value = _best(m, direction)
            change = "" if m is full or value is None else f" ({value - _best(full, direction):+.3f})"
            cells.append("–" if value is None else f"{value:.3f}{change}")
        out.append(f"| {name} | {m['settings'].get('epochs')} | " + " | ".join(cells) + " |")
    return out + [""]


def simple_rows() -> list[str]:
    rows = ["| benchmark | command | result |", "|---|---|---|"]
    ing = _load("ingest")
    if ing:
        rows.append(f"| ingest {ing['segments']:,} segments ({ing['visual_dim']}-d visual + {ing['text_dim']}-d text) | "
                    f"`bench/ingest.py` | {ing['store_segments_per_s']:,} segments/s = **{ing['ratio']}×** plain sqlite3 "
                    f"executemany + np.save into the same layout ({ing['sqlite3_segments_per_s']:,}/s); target ≥ 0.5 |")
    vec = _load("vectors")
    if vec:
        rows.append(f"| read every vector of a space, {vec['segments']:,} × {vec['dim']} ({vec['gib']} GiB) | "
                    f"`{vec['command']}` | store {vec['store_seconds']} s vs `np.load` {vec['npy_seconds']} s = "
                    f"**{vec['ratio']}×** (peak {vec['store_peak_mib']:,} MiB streaming vs {vec['npy_peak_mib']:,} MiB); "
                    "target ≥ 0.5 |")
    ev = _load("evaluate")
    if ev:
        rows.append(f"| evaluate the UT-HMI2014 run ({ev['targets']:,} targets, all measures) | `bench/evaluate.py` | "
                    f"**{ev['evaluate_s']} s** (parsing alone {ev['parse_s']} s); target < 2 s |")
    ts = _load("train_speed")
    if ts:
        for device, run in ts.get("runs", {}).items():
            cells = ", ".join(f"batch {r['batch']}{'' if r.get('tied', True) else ' untied'}: {r['ours_samples_per_s']:,.0f}/s "
                              f"(**{r['ratio']}×** plain torch)" for r in run["results"])
            rows.append(f"| BiDNN training step 100/4096/2048/2048 on {device} ({run.get('device', '')}) | "
                        f"`{run.get('command', 'bench/train_speed.py')}` | {cells}; target ≥ 0.9 |")
        for device, run in ts.get("xbidnn_vs_bidnn", {}).items():
            cells = ", ".join(f"batch {r['batch']}: {r['xbidnn_samples_per_s']:,.0f}/s against {r['bidnn_samples_per_s']:,.0f}/s "
                              f"(**{r['ratio']}×** BiDNN)" for r in run["results"])
            rows.append(f"| XBiDNN training step (its defaults) against BiDNN's, 100/4096/2048/2048 on {device} "
                        f"({run.get('device', '')}) | `{run.get('command', 'bench/train_speed.py --xbidnn')}` | {cells}; "
                        f"target ≥ 0.9 |")
    q = _load("query")
    if q:
        for r in q["results"]:
            approx = "; ".join(f"{f}: recall@100 {v['recall_at_100']}, ×{v['speedup_vs_exact']} vs exact"
                               for f, v in r.items() if isinstance(v, dict) and "recall_at_100" in v)
            rows.append(f"| query {r['n']:,} × {r['dim']}, {r['queries']} anchors, k={r['k']} ({r['device']}) | "
                        f"`bench/query.py` | exact faiss {r['faiss_exact']['qps']} q/s vs numpy {r['numpy']['qps']} q/s "
                        f"= **{r['ratio_qps']}×** (p50/p99 {r['faiss_exact']['p50_ms']}/{r['faiss_exact']['p99_ms']} ms per "
                        f"single query; numpy {r['numpy']['p50_ms']}/{r['numpy']['p99_ms']} ms){'; ' + approx if approx else ''} |")
    media = _load("media")
    if media:
        d, c, i = media["decode"], media["cnn"], media["ingest"]
        rows.append(f"| media: decode + keyframes, EfficientNet-Lite0 | `{media.get('command', 'bench/media.py')}` | "
                    f"decode {d['frames_per_s']:,} frames/s ({d['keyframes_per_s']} keyframes/s); CNN {c['ours_images_per_s']} "
                    f"images/s vs raw forward {c['raw_forward_images_per_s']} = **{c['ratio']}×**; `ingest media` of "
                    f"{i['video_seconds']} s of video in {i['wall_s']} s |")
    pg = _load("postgres_copy")
    if pg:
        rows.append(f"| PostgreSQL bulk writes, {pg['segments']:,} segments + {pg['dim']}-d vectors | `{pg['command']}` | "
                    f"store {pg['store_s']} s vs raw `COPY` into the same tables {pg['raw_copy_s']} s = **{pg['ratio']}×**; "
                    "target ≥ 0.5 |")
    sb = _load("search_backends")
    for r in (sb or {}).get("results", []):
        rows.append(f"| exact search, torch vs faiss-cpu, {r['n']:,} × {r['dim']}, {r['queries']} queries, k={r['k']} | "
                    f"`{sb['command'].strip()}` | faiss {r['faiss_s']} s, torch ({r['torch_device']}) {r['torch_s']} s = "
                    f"**{r['faiss_over_torch']}×**; same top-{r['k']} ids (recall {r['recall_vs_faiss']}) |")
    st = _load("startup")
    if st:
        cells = ", ".join(f"`{k}` {v['median_s']} s" for k, v in st["results"].items())
        rows.append(f"| start-up, median of {st['repeat']} (warm caches) | `bench/startup.py` | {cells}; target < 1 s |")
    e2e = _load("run_e2e")
    if e2e:
        steps = "; ".join(f"{k}: {v['wall_s']} s, {v['peak_mib']} MiB" for k, v in e2e["steps"].items())
        rows.append(f"| end to end, {e2e['segments']:,} segments, 94 anchors | `bench/run_e2e.py` | {steps} |")
    return rows + [""]


def _scale_cell(step: dict | None) -> str:
    if step is None:
        return "–"
    if step.get("exit") is None:
        return "not run"
    cell = f"{step['seconds']:,.1f} s, {step['peak_mib']:,} MiB"
    return cell if step["exit"] == 0 else f"**exit {step['exit']}** ({cell})"


def _scale_column(run: dict) -> str:
    shape = run["shape"]
    if "segments" in shape:
        return f"{shape['segments']:,} segments"
    parts = ", ".join(f"{shape[k]:,} {k}" for k in ("videos", "cues", "keyframes", "anchors") if k in shape)
    cut = f" → {run['indexed_segments']:,} segments indexed" if run.get("indexed_segments") else ""
    return f"TRECVID 2016 shape ({parts}{cut})"


def scale(d: dict) -> list[str]:
    """Per-step wall time and peak RSS of `bench/scale.py`, one column per collection, then its checks."""
    runs = d["runs"]
    steps: list[str] = []  # pipeline order: a step first seen in a later column goes after its predecessor
    for run in runs:
        at = 0
        for name in run["steps"]:
            if name not in steps:
                steps.insert(at, name)
            at = steps.index(name) + 1
    out = [f"**Archive scale** (`{d.get('command', 'bench/scale.py')}`; {d.get('machine', '')}, chunk rows "
           f"{d.get('chunk_rows', 'default')}): each step is `hyperlink` in its own process; wall time, peak RSS. "
           "Pre-cut segments carry a 2048-d visual and a 384-d text vector; the TRECVID-shaped collection is cut "
           "by `segment --length 60 --stride 30`.", "",
           "| step | " + " | ".join(_scale_column(r) for r in runs) + " |", "|---" * (len(runs) + 1) + "|"]
    for name in steps:
        out.append(f"| {name} | " + " | ".join(_scale_cell(r["steps"].get(name)) for r in runs) + " |")
    out.append("| **total** | " + " | ".join(f"{r['total_s']:,.1f} s" for r in runs) + " |")
    checks = d.get("checks", [])
    failed = [c for c in checks if not c["ok"]]
    flat = sum(1 for c in checks if c["check"].startswith("flat:"))
    sized = [r["label"] for r in runs if "segments" in r["shape"]]
    what = ["every step exits 0 and peaks ≤ 6 GiB"]
    if sized:
        what.append(f"{sized[-1]} run in < 30 min")
    if flat:
        what.append(f"{flat} steps flat: peak at {sized[-1]} ≤ 1.5 × peak at {sized[0]} + 256 MiB "
                    "(+ the index size for index and run)")
    summary = (f"all {len(checks)} pass ({'; '.join(what)})" if not failed
               else f"**{len(failed)} of {len(checks)} fail**: " + "; ".join(f"{c['check']} ({c['detail']})" for c in failed))
    approx = [(r["label"], r["approx_index"]) for r in runs if r.get("approx_index") and r["approx_index"].get("recall")]
    lines = ["", f"Checks: {summary}."]
    if approx:
        lines.append("Approximate index (`index --max-memory 128M`, recall@100 against exact search on 256 of the "
                     "trained model's own segment embeddings): " + "; ".join(
                         f"{label}: {a['factory']}, nprobe {a['nprobe']}, recall {a['recall']:.3f}" for label, a in approx) + ".")
    return out + lines + [""]


def render() -> str:
    lines = ["All numbers are measured on the project's 2-core machine by the command shown; each run",
             "measures its baseline in the same run, so ratios are what to compare.", ""]
    lines += simple_rows()
    sc = _load("scale")
    if sc:
        lines += scale(sc)
    wiki = _load("wikipedia")
    if wiki:
        lines += wikipedia(wiki)
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--readme", action="store_true", help="rewrite README.md between the BENCH markers")
    args = ap.parse_args(argv)
    text = render()
    if not args.readme:
        print(text)
        return 0
    readme = README.read_text()
    if BEGIN not in readme or END not in readme:
        print(f"README.md lacks the markers {BEGIN} ... {END}", file=sys.stderr)
        return 1
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
