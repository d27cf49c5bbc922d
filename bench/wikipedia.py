"""Wikipedia image–text benchmark (Rasiwasia et al. 2010) for every registered model.

Protocol: each model learns on the 2,173 training pairs (labels unused). Its settings and epochs are
chosen on validation folds of those pairs: a seeded permutation is cut in five 20 % parts and the
first F (``--folds``, default 3) serve in turn as validation rows while the model learns on the other
80 %; at every checked epoch the folds' validation MAPs (with the training labels) are averaged and
the criterion is the mean of image→text, text→image and both→both. Never on the test items. The chosen settings are then
trained on all 2,173 pairs with seeds 0..S-1, the 693 test items are embedded and ranked:
relevant = same category, MAP over the full ranking and P@10 (hyperlink.evaluate.documents),
both→both with the query left out of its own ranking.

Usage: python bench/wikipedia.py --data ../shared/datasets/wikipedia-xmodal [--seeds 3] [--folds 3] [--quick] [--ablation]
Writes bench/results/wikipedia.json and prints markdown tables; ``--ablation`` also runs xbidnn (ours)
with one component removed at a time, same protocol, under the key "ablation".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# name -> (max epochs, validation check every k epochs, settings tried). A = text (LDA, 10-d), B = image (SIFT BoW, 128-d).
GRIDS: dict[str, tuple[int, int, list[dict]]] = {
    "bidnn": (800, 50, [  # the faithful network; inputs unit-length rows so tanh can fit them, stronger lr (bidnn.md)
        {"hidden": 256, "rep": 128, "scaling": "l2", "lr": 1.0, "dropout": 0.0},
        {"hidden": 512, "rep": 256, "scaling": "l2", "lr": 1.0, "dropout": 0.0},
        {"hidden": 256, "rep": 128, "scaling": "l2", "lr": 3.0, "dropout": 0.0},
        {"hidden": 256, "rep": 128, "scaling": "l2", "lr": 1.0, "dropout": 0.2},
    ]),
    "mae": (150, 10, [
        {"hidden": 256, "rep": 128, "scaling": "l2"},
        {"hidden": 256, "rep": 128, "scaling": "zscore"},
        {"hidden": 128, "rep": 64, "scaling": "l2"},
    ]),
    "corrnet": (150, 10, [{"rep": 128, "lam": 0.5}, {"rep": 128, "lam": 2.0}, {"rep": 64, "lam": 0.5, "scaling": "l2"}]),
    "dcca": (100, 5, [{"out_dim": 10, "lr": 1e-3}, {"out_dim": 10, "lr": 1e-4}, {"out_dim": 20, "lr": 1e-4, "reg": 1e-2}]),
    "cca": (0, 0, [{"reg": r, "corr_power": p} for r in (1e-3, 1e-1) for p in (0.0, 1.0)]),
    "concat": (0, 0, [{"balanced": True}, {"balanced": False}]),
    "text": (0, 0, [{"scaling": "none"}, {"scaling": "sqrt-l2"}]),
    "visual": (0, 0, [{"scaling": "none"}, {"scaling": "sqrt-l2"}]),
    "xbidnn": (150, 10, [  # ours (hyperlink/models/xbidnn.py); text carries most of both→both here, hence α near 1
        # without the fused code (fuse 0): the best three of the earlier grid
        {"align": 0.0, "weight_a": 0.99, "fuse": 0.0, "fused_weight": 0.0},
        {"align": 0.1, "weight_a": 0.95, "fuse": 0.0, "fused_weight": 0.0},
        {"align": 0.0, "weight_a": 0.99, "fuse": 0.0, "fused_weight": 0.0, "raw_weight": 0.75},
        # the pair's mean code: decoded in training (fuse), beside the halves for items with both (fused_weight)
        {"align": 0.0, "weight_a": 0.99},
        {"align": 0.0, "weight_a": 0.99, "self_rec": 0.25},
        {"align": 0.0, "weight_a": 0.99, "self_rec": 0.25, "linear_power": 0.5},
        {"align": 0.0, "weight_a": 0.99, "fuse": 0.5},
        {"align": 0.0, "weight_a": 0.99, "fuse": 0.5, "self_rec": 0.25},
        {"align": 0.0, "weight_a": 0.99, "fuse": 0.5, "raw_weight": 0.5},
        {"align": 0.1, "weight_a": 0.95, "fuse": 0.5},
    ]),
}
QUICK = {"bidnn": (200, 50, GRIDS["bidnn"][2][:1]), "mae": (40, 10, GRIDS["mae"][2][:1]),
         "corrnet": (40, 10, GRIDS["corrnet"][2][:1]), "dcca": (30, 5, GRIDS["dcca"][2][:1]),
         "xbidnn": (40, 10, GRIDS["xbidnn"][2][:1])}
CROSSMODAL = {"bidnn", "mae", "corrnet", "dcca", "cca", "xbidnn"}  # models with a shared space for image<->text
DIRECTIONS = ("image_to_text", "text_to_image")
# --ablation: xbidnn with one component taken out of its chosen settings: a change, or for the two
# components the grid may already have turned off (alignment, the inputs beside the codes) a function
# of the chosen settings that turns them off, or on where the chosen setting has them off.
ABLATION: dict[str, dict | Callable[[dict], dict]] = {
    "− self-reconstruction (self_rec 0: BiDNN's pure translation)": {"self_rec": 0.0},
    "− fused code (fuse 0, fused_weight 0)": {"fuse": 0.0, "fused_weight": 0.0},
    "− fused code in the vector only (fused_weight 0; still trained with fuse)": {"fused_weight": 0.0},
    "± alignment (align 0, or 0.1 where the chosen is 0)":
        lambda chosen: {"align": 0.1 if chosen.get("align", 0.1) == 0 else 0.0},
    "− linear (CCA) readout (linear_weight 0)": {"linear_weight": 0.0},
    "− learned readout (linear_weight 1: CCA inside the model)": {"linear_weight": 1.0},
    "− centred codes (center false)": {"center": False},
    "− weighted halves (weight_a 0.5, BiDNN's equal halves)": {"weight_a": 0.5},
    "± inputs beside the codes (raw_weight 0, or 0.75 where the chosen is 0)":
        lambda chosen: {"raw_weight": 0.75 if chosen.get("raw_weight", 0.0) == 0 else 0.0},
    "− tied central weights (tied false)": {"tied": False},
    "− input scaling (scaling none)": {"scaling": "none"},
}


def ablations(chosen: dict) -> dict[str, dict]:
    """Name -> settings: the chosen xbidnn settings with one component removed (or added, see ABLATION)."""
    out = {"full model (validation-chosen)": dict(chosen)}
    for name, change in ABLATION.items():
        out[name] = {**chosen, **(change(chosen) if callable(change) else change)}
    return out


def load(data: Path) -> dict[str, np.ndarray]:
    import scipy.io

    mat = scipy.io.loadmat(data / "raw_features.mat")

    def categories(name: str) -> np.ndarray:
        return np.array([int(line.split()[2]) for line in (data / name).read_text().splitlines() if line.strip()])

    return {"a_tr": mat["T_tr"].astype(np.float32), "b_tr": mat["I_tr"].astype(np.float32),
            "a_te": mat["T_te"].astype(np.float32), "b_te": mat["I_te"].astype(np.float32),
            "c_tr": categories("trainset_txt_img_cat.list"), "c_te": categories("testset_txt_img_cat.list")}


def _scores(similarity: np.ndarray, labels: np.ndarray, exclude_self: bool = False) -> dict[str, float]:
    from hyperlink.evaluate.documents import category_retrieval

    mean = category_retrieval(similarity, labels, labels, ks=(10,), ndcg_ks=(), exclude_self=exclude_self).mean()
    return {"map": mean["map"], "p10": mean["P_10"]}


def retrieval(model, a: np.ndarray, b: np.ndarray, labels: np.ndarray, kind: str) -> dict[str, dict[str, float]]:
    """MAP and P@10 of every direction the model supports, on items (a[i], b[i]) of category labels[i]."""
    n = len(a)
    yes, no = np.ones(n, bool), np.zeros(n, bool)
    both = model.embed(a, b, yes, yes).vectors
    out = {"both_to_both": _scores(both @ both.T, labels, exclude_self=True)}
    if kind in CROSSMODAL:
        for readout in ("direct", "expansion") if model.can_expand else ("direct",):
            text = model.embed(a, b, yes, no, readout=readout).vectors
            image = model.embed(a, b, no, yes, readout=readout).vectors
            suffix = "" if readout == "direct" else "_expansion"
            out["image_to_text" + suffix] = _scores(image @ text.T, labels)
            out["text_to_image" + suffix] = _scores(text @ image.T, labels)
    return out


def criterion(metrics: dict[str, dict[str, float]]) -> tuple[float, str]:
    """Validation score: mean MAP of image→text, text→image (the better readout) and both→both."""
    best, readout = metrics["both_to_both"]["map"], "direct"
    if "image_to_text" in metrics:
        readouts = ("", "_expansion") if "image_to_text_expansion" in metrics else ("",)
        cross = {r: (metrics["image_to_text" + r]["map"] + metrics["text_to_image" + r]["map"]) / 2 for r in readouts}
        suffix = max(cross, key=cross.get)
        readout = "expansion" if suffix else "direct"
        best = (2 * cross[suffix] + best) / 3
    return best, readout


def _worker_init() -> None:
    import torch

    torch.set_num_threads(1)  # two single-threaded workers use 2 cores better than one 2-thread run
    torch.set_flush_denormal(True)  # tanh nets on small inputs hit denormals; they cost 5x on CPU


class _InProcess(contextlib.AbstractContextManager):
    """``--workers 1``: run the jobs here (no pickling; used by the smoke test)."""

    def __exit__(self, *exc) -> None:
        return None

    def map(self, fn, jobs):
        return map(fn, jobs)


def tune(job: tuple) -> dict:
    """Train on one fold's fitting rows, score its validation rows every ``every`` epochs."""
    from hyperlink.models import create_model

    kind, settings, epochs, every, data, fit_rows, val_rows = job
    a, b, c = data["a_tr"], data["b_tr"], data["c_tr"]
    config = {**settings, **({"epochs": epochs, "seed": 0} if epochs else {})}
    model = create_model(kind, config)
    trace: list[tuple[int, dict]] = []

    def check(stats) -> None:
        if stats.epoch % every == 0 or stats.epoch == stats.epochs:
            trace.append((stats.epoch, retrieval(model, a[val_rows], b[val_rows], c[val_rows], kind)))

    ones = np.ones(len(fit_rows), bool)
    model.fit(a[fit_rows], b[fit_rows], ones, ones, progress=check if epochs else None)
    if not epochs:
        trace.append((0, retrieval(model, a[val_rows], b[val_rows], c[val_rows], kind)))
    return {"kind": kind, "settings": settings, "trace": trace}


def choose(folds: list[dict]) -> dict:
    """One setting's validation result over the folds: at every checked epoch the folds' MAPs are
    averaged, the criterion is taken on the averages, and the best epoch (and readout) is kept."""
    by_epoch: dict[int, list[dict]] = {}
    for fold in folds:
        for epoch, metrics in fold["trace"]:
            by_epoch.setdefault(epoch, []).append(metrics)
    trace = []
    for epoch, runs in sorted(by_epoch.items()):
        if len(runs) < len(folds):
            continue
        mean = {key: {m: float(np.mean([r[key][m] for r in runs])) for m in runs[0][key]} for key in runs[0]}
        trace.append((epoch, *criterion(mean), mean))
    epoch, score, readout, metrics = max(trace, key=lambda t: t[1])
    return {"kind": folds[0]["kind"], "settings": folds[0]["settings"], "epochs": epoch, "val_score": score,
            "readout": readout, "val": metrics, "folds": len(folds), "curve": [(t[0], round(t[1], 4)) for t in trace]}


def fold_rows(n: int, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fitting rows, validation rows) per fold: a seeded permutation cut in five 20 % parts, the
    first ``folds`` of them taken in turn as the validation rows."""
    order = np.random.default_rng(0).permutation(n)
    parts = np.array_split(order, 5)
    return [(np.sort(np.concatenate(parts[:k] + parts[k + 1:])), np.sort(parts[k])) for k in range(folds)]


def tune_all(pool, jobs: list[tuple], splits: list[tuple[np.ndarray, np.ndarray]]) -> list[dict]:
    """``jobs`` (kind, settings, epochs, every, data) tuned on every fold; :func:`choose` per job."""
    runs = [job + split for job in jobs for split in splits]  # job-major: job i's folds are runs[i*F:(i+1)*F]
    order = sorted(range(len(runs)), key=lambda r: -runs[r][2])  # longest first
    results: list[dict] = [{}] * len(runs)
    for r, result in zip(order, pool.map(tune, [runs[r] for r in order])):
        results[r] = result
    folds = len(splits)
    return [choose(results[i * folds:(i + 1) * folds]) for i in range(len(jobs))]


def final(job: tuple) -> dict:
    """Train on all training pairs with the chosen settings and seed; score the test items."""
    from hyperlink.models import create_model

    kind, settings, epochs, seed, data = job
    config = {**settings, **({"epochs": epochs, "seed": seed} if epochs else {})}
    model = create_model(kind, config)
    ones = np.ones(len(data["a_tr"]), bool)
    started = time.perf_counter()
    model.fit(data["a_tr"], data["b_tr"], ones, ones)
    metrics = retrieval(model, data["a_te"], data["b_te"], data["c_te"], kind)
    return {"kind": kind, "seed": seed, "metrics": metrics, "train_seconds": round(time.perf_counter() - started, 2)}


KEYS = ("image_to_text", "text_to_image", "both_to_both", "image_to_text_expansion", "text_to_image_expansion")


def _aggregate(runs: list[dict]) -> dict[str, dict[str, float]]:
    out = {}
    for key in (k for k in KEYS if k in runs[0]["metrics"]):
        for measure in ("map", "p10"):
            values = np.array([r["metrics"][key][measure] for r in runs])
            out.setdefault(key, {})[measure] = round(float(values.mean()), 4)
            out[key][f"{measure}_std"] = round(float(values.std()), 4)
    return out


def _summary(runs: list[dict], chosen: dict, grid: list[dict]) -> dict:
    """Test metrics over the seeds, with the validation-chosen settings (and every value they resolve
    to, defaults included) and the grid tried."""
    from hyperlink.models import make_config
    from hyperlink.models.config import config_to_dict

    config = config_to_dict(make_config(chosen["kind"], {**chosen["settings"],
                                                         **({"epochs": chosen["epochs"]} if chosen["epochs"] else {})}))
    return _aggregate(runs) | {"config": config, "settings": {
        **chosen["settings"], "epochs": chosen["epochs"] or None, "selection_readout": chosen["readout"],
        "val_score": round(chosen["val_score"], 4), "folds": chosen["folds"], "seeds": [r["seed"] for r in runs],
        "train_seconds": [r["train_seconds"] for r in runs],
        "grid": [{"settings": t["settings"], "best_epoch": t["epochs"], "val_score": round(t["val_score"], 4)}
                 for t in grid]}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets" / "wikipedia-xmodal")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="one setting per model, few epochs, 1 seed")
    p.add_argument("--models", default=",".join(GRIDS), help="comma-separated registry names")
    p.add_argument("--max-epochs", type=int, default=None, help="cap every model's epochs (smoke tests)")
    p.add_argument("--ablation", action="store_true",
                   help="also run xbidnn with each component removed (same protocol); written under 'ablation'")
    p.add_argument("--folds", type=int, default=3, choices=range(1, 6), metavar="1..5",
                   help="validation folds (20 %% of the training pairs each) averaged to choose settings and epochs")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "wikipedia.json")
    args = p.parse_args(argv)
    if not (args.data / "raw_features.mat").is_file():
        print(f"error: {args.data}/raw_features.mat not found (see ../shared/datasets/README.md)", file=sys.stderr)
        return 3
    started = time.perf_counter()
    data = load(args.data)
    seeds = 1 if args.quick else args.seeds
    kinds = [k for k in args.models.split(",") if k]
    grids = {k: (QUICK.get(k, GRIDS[k]) if args.quick else GRIDS[k]) for k in kinds}
    if args.max_epochs is not None:
        grids = {k: (min(e, args.max_epochs), min(c, args.max_epochs) or c, g) for k, (e, c, g) in grids.items()}
    splits = fold_rows(len(data["a_tr"]), args.folds)
    ablate = args.ablation and "xbidnn" in kinds
    with ProcessPoolExecutor(args.workers, initializer=_worker_init) if args.workers > 1 else _InProcess() as pool:
        tuned = tune_all(pool, [(k, s, e, c, data) for k, (e, c, grid) in grids.items() for s in grid], splits)
        chosen = {k: max((t for t in tuned if t["kind"] == k), key=lambda t: t["val_score"]) for k in kinds}
        variants = ablations(chosen["xbidnn"]["settings"]) if ablate else {}
        variants.pop("full model (validation-chosen)", None)  # that is the main run's xbidnn itself
        e, c = grids["xbidnn"][:2] if ablate else (0, 0)
        ablation_tuned = dict(zip(variants, tune_all(pool, [("xbidnn", v, e, c, data) for v in variants.values()],
                                                     splits)))
        finals = [(k, (k, chosen[k]["settings"], chosen[k]["epochs"], seed, data)) for k in kinds
                  for seed in (range(seeds) if grids[k][0] else range(1))]  # unlearned models are deterministic
        finals += [(name, ("xbidnn", t["settings"], t["epochs"], seed, data)) for name, t in ablation_tuned.items()
                   for seed in range(seeds)]
        finals.sort(key=lambda f: -f[1][2])
        results = [r | {"label": label} for (label, _), r in zip(finals, pool.map(final, [f[1] for f in finals]))]
    models = {}
    for k in kinds:
        models[k] = _summary([r for r in results if r["label"] == k], chosen[k], [t for t in tuned if t["kind"] == k])
    ablation = {}
    if ablate:
        ablation["full model (validation-chosen)"] = models["xbidnn"]
        for name, t in ablation_tuned.items():
            ablation[name] = _summary([r for r in results if r["label"] == name], t, [t])
    import torch

    report = {
        "benchmark": "wikipedia-xmodal (Rasiwasia et al. 2010), 2173 training pairs, 693 test items",
        "command": "python bench/wikipedia.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "protocol": __doc__.split("\n\n")[1].replace("\n", " "),
        "modalities": {"a": "text: LDA topic proportions (10-d)", "b": "image: SIFT bag of words (128-d)"},
        "seeds": seeds, "quick": args.quick, "workers": args.workers, "threads_per_worker": 1,
        "seconds": round(time.perf_counter() - started, 1), "torch": torch.__version__,
        "machine": f"{platform.machine()} {os.cpu_count()} cpus", "models": models,
    }
    if ablation:
        report["ablation"] = ablation
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(table(report))
    print("\n" + best_table(report))
    if ablation:
        print("\n" + ablation_table(report))
    print(f"\nwrote {args.out} in {report['seconds']} s")
    return 0


def table(report: dict) -> str:
    """The README table: MAP (± std over seeds) per direction."""
    cols = ("image_to_text", "text_to_image", "image_to_text_expansion", "text_to_image_expansion", "both_to_both")
    lines = ["| model | " + " | ".join(c.replace("_to_", "→").replace("_expansion", " (exp.)") for c in cols) + " |",
             "|---" * (len(cols) + 1) + "|"]
    for name, m in report["models"].items():
        cells = [f"{m[c]['map']:.3f} ± {m[c]['map_std']:.3f}" if c in m else "–" for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def best(m: dict, direction: str) -> float:
    """A model's MAP on ``direction`` at its best readout (direct or expansion)."""
    return max(m[k]["map"] for k in (direction, direction + "_expansion") if k in m)


def best_table(report: dict) -> str:
    """Each model at its best readout per direction (the issue-12 comparison), leaders in bold."""
    cols = ("image_to_text", "text_to_image", "both_to_both")
    values = {name: {c: best(m, c) for c in cols if c in m} for name, m in report["models"].items()}
    top = {c: max(v[c] for v in values.values() if c in v) for c in cols}
    lines = ["| model (best readout) | image→text | text→image | both→both |", "|---|---|---|---|"]
    for name, v in values.items():
        cells = [("**{:.3f}**" if v[c] == top[c] else "{:.3f}").format(v[c]) if c in v else "–" for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ablation_table(report: dict) -> str:
    """The README ablation table: xbidnn with one component removed, MAP at each variant's best readout."""
    rows = report["ablation"]
    full = rows["full model (validation-chosen)"]
    lines = ["| xbidnn variant | epochs | image→text | text→image | both→both |", "|---|---|---|---|---|"]
    for name, m in rows.items():
        cells = []
        for d in ("image_to_text", "text_to_image", "both_to_both"):
            value, delta = best(m, d), best(m, d) - best(full, d)
            cells.append(f"{value:.3f}" + ("" if m is full else f" ({delta:+.3f})"))
        lines.append(f"| {name} | {m['settings']['epochs']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
