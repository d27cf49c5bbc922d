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


def wikipedia(d: dict) -> list[str]:
    out = [f"**Wikipedia image–text** (`{d.get('command', 'bench/wikipedia.py')}`; MAP ± std over "
           f"{d.get('seeds', '?')} seeds / P@10; settings chosen on a 20 % validation split of the training pairs):", "",
           "| model | image→text | text→image | both→both | image→text (expansion) | text→image (expansion) |",
           "|---|---|---|---|---|---|"]
    for name, m in d["models"].items():
        out.append(f"| {name} | {_ms(m, 'image_to_text')} | {_ms(m, 'text_to_image')} | {_ms(m, 'both_to_both')} | "
                   f"{_ms(m, 'image_to_text_expansion')} | {_ms(m, 'text_to_image_expansion')} |")
    return out + [""]


def simple_rows() -> list[str]:
    rows = ["| benchmark | command | result |", "|---|---|---|"]
    ing = _load("ingest")
    if ing:
        rows.append(f"| ingest {ing['segments']:,} segments ({ing['visual_dim']}-d visual + {ing['text_dim']}-d text) | "
                    f"`bench/ingest.py` | {ing['store_segments_per_s']:,} segments/s = **{ing['ratio']}×** plain sqlite3 "
                    f"executemany ({ing['sqlite3_segments_per_s']:,}/s); target ≥ 0.5 |")
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
    e2e = _load("run_e2e")
    if e2e:
        steps = "; ".join(f"{k}: {v['wall_s']} s, {v['peak_mib']} MiB" for k, v in e2e["steps"].items())
        rows.append(f"| end to end, {e2e['segments']:,} segments, 94 anchors | `bench/run_e2e.py` | {steps} |")
    return rows + [""]


def render() -> str:
    lines = ["All numbers are measured on the project's 2-core machine by the command shown; each run",
             "measures its baseline in the same run, so ratios are what to compare.", ""]
    lines += simple_rows()
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
