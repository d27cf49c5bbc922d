"""Training throughput of BiDNN in the README configuration against a plain torch loop.

"Ours" is one step of the library's own path (BiDNN module, bidnn_loss, make_optimiser, train_step, as
fit_network runs it). "Plain" is what one would write by hand: two nn.Sequential stacks with the same
matrix shapes (untied, so it updates two more 2048x1024 matrices), one MSE over the concatenated
outputs, torch.optim.SGD with Nesterov momentum. Steps of the two are interleaved in rounds so load
changes on the machine hit both; the median step time gives samples/s, and the ratio (ours / plain
speed) is the median over adjacent pairs of steps.

With ``--xbidnn`` it instead times our XBiDNN (hyperlink/models/xbidnn.py) against BiDNN at the same
sizes, each with its own default objective, dropout and optimiser, steps interleaved the same way; the
ratio is XBiDNN's speed over BiDNN's (an epoch is the same number of steps for both, so it is the
per-epoch ratio; XBiDNN's CCA readout is fitted once per training run, not per epoch).

Usage: python bench/train_speed.py [--device cpu|cuda] [--tf32] [--bf16] [--batches 128,1024] [--steps 4] [--xbidnn]
Results are merged into bench/results/train_speed.json under the device name.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hyperlink.models.bidnn import BiDNN, bidnn_loss  # noqa: E402
from hyperlink.models.config import TrainConfig  # noqa: E402
from hyperlink.models.loop import make_optimiser, train_step  # noqa: E402
from hyperlink.models.xbidnn import XBiDNNConfig, xbidnn_loss  # noqa: E402

M1, M2, H, R = 100, 4096, 2048, 2048  # the original README's configuration: 21,395,556 parameters


def plain_direction(m_in: int, m_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(m_in, H), nn.Tanh(), nn.Linear(H, R // 2), nn.Tanh(), nn.Dropout(0.2),
                         nn.Linear(R // 2, H), nn.Tanh(), nn.Linear(H, m_out), nn.Tanh())


def steppers(device: torch.device, tied: bool, autocast):
    """(ours, plain): zero-argument callables doing one training step each on fixed batches."""
    torch.manual_seed(0)
    net = BiDNN(M1, M2, H, R, tied=tied).to(device)
    ab, ba = plain_direction(M1, M2).to(device), plain_direction(M2, M1).to(device)
    ours_opt = make_optimiser(net.parameters(), TrainConfig())  # SGD lr 0.1, Nesterov 0.9
    plain_opt = torch.optim.SGD([*ab.parameters(), *ba.parameters()], lr=0.1, momentum=0.9, nesterov=True)

    def ours(x_a, x_b):
        with autocast():
            return train_step(lambda a, b: bidnn_loss(net, a, b), ours_opt, x_a, x_b)

    def plain(x_a, x_b):
        plain_opt.zero_grad(set_to_none=True)
        with autocast():
            loss = F.mse_loss(torch.cat([ab(x_a), ba(x_b)], 1), torch.cat([x_b, x_a], 1))
        loss.backward()
        plain_opt.step()
        return loss.detach()

    return ours, plain


def xbidnn_steppers(device: torch.device, tied: bool, autocast):
    """(xbidnn, bidnn): one training step each, both at M1/M2/H/R with their own default settings."""
    torch.manual_seed(0)
    x = XBiDNNConfig(hidden=H, rep=R, tied=tied)
    xnet = BiDNN(M1, M2, H, R, output_activation=x.output_activation, dropout=x.dropout, tied=tied).to(device)
    bnet = BiDNN(M1, M2, H, R, tied=tied).to(device)  # BiDNN's defaults: tanh outputs, dropout 0.2
    x_opt, b_opt = make_optimiser(xnet.parameters(), x.train), make_optimiser(bnet.parameters(), TrainConfig())

    def xbidnn(x_a, x_b):
        with autocast():
            return train_step(lambda a, b: xbidnn_loss(xnet, a, b, x.self_rec, x.align, x.fuse), x_opt, x_a, x_b)

    def bidnn(x_a, x_b):
        with autocast():
            return train_step(lambda a, b: bidnn_loss(bnet, a, b), b_opt, x_a, x_b)

    return xbidnn, bidnn


def measure(device: torch.device, batch: int, steps: int, rounds: int, tied: bool, autocast, versus_xbidnn=False) -> dict:
    x_a = torch.rand(batch, M1, device=device) * 2 - 1
    x_b = torch.rand(batch, M2, device=device) * 2 - 1
    ours, plain = (xbidnn_steppers if versus_xbidnn else steppers)(device, tied, autocast)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    times: dict[str, list[float]] = {"ours": [], "plain": []}
    for fn in (ours, plain):  # warm-up: allocator, kernels, first momentum buffers
        for _ in range(2):
            fn(x_a, x_b)
    sync()
    pairs = (("ours", ours), ("plain", plain))
    for r in range(rounds):
        for name, fn in pairs if r % 2 == 0 else pairs[::-1]:  # alternate who goes first
            for _ in range(steps):
                tick = time.perf_counter()
                fn(x_a, x_b)
                sync()
                times[name].append(time.perf_counter() - tick)
    speed = {name: batch / statistics.median(t) for name, t in times.items()}
    # adjacent steps share the machine's load at that moment: the median of their ratios is the robust figure
    ratio = statistics.median(p / o for o, p in zip(times["ours"], times["plain"]))
    if versus_xbidnn:
        return {"batch": batch, "tied": tied, "xbidnn_samples_per_s": round(speed["ours"], 1),
                "bidnn_samples_per_s": round(speed["plain"], 1), "ratio": round(ratio, 3), "steps_timed": steps * rounds}
    return {"batch": batch, "tied": tied, "ours_samples_per_s": round(speed["ours"], 1),
            "plain_samples_per_s": round(speed["plain"], 1), "ratio": round(ratio, 3), "steps_timed": steps * rounds}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--batches", default="128,1024")
    p.add_argument("--steps", type=int, default=1, help="timed steps per round (1: ours and plain alternate step by step)")
    p.add_argument("--rounds", type=int, default=12)
    p.add_argument("--tf32", action="store_true", help="allow TF32 matmuls (CUDA)")
    p.add_argument("--bf16", action="store_true", help="bfloat16 autocast for both loops")
    p.add_argument("--untied", action="store_true", help="also time our untied variant (same parameters as plain)")
    p.add_argument("--xbidnn", action="store_true", help="time XBiDNN against BiDNN instead of BiDNN against plain torch")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "train_speed.json")
    args = p.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("error: --device cuda but CUDA is not available", file=sys.stderr)
        return 3
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = args.tf32

    def autocast():
        return torch.autocast(device.type, dtype=torch.bfloat16) if args.bf16 else nullcontext()

    rows = []
    for batch in (int(b) for b in args.batches.split(",")):
        for tied in (True, False) if args.untied else (True,):
            rows.append(measure(device, batch, args.steps, args.rounds, tied, autocast, args.xbidnn))
            print(json.dumps(rows[-1]), flush=True)
    name = torch.cuda.get_device_name() if device.type == "cuda" else f"{platform.processor() or platform.machine()} ({os.cpu_count()} cpus, {torch.get_num_threads()} threads)"
    key = device.type + ("-tf32" if args.tf32 else "") + ("-bf16" if args.bf16 else "")
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    results.setdefault("config", {"m1": M1, "m2": M2, "hidden": H, "rep": R, "parameters": 21_395_556,
                                  "optimiser": "SGD lr 0.1 Nesterov 0.9", "loss": "one MSE over batch x (m1+m2)"})
    section = "xbidnn_vs_bidnn" if args.xbidnn else "runs"  # the README's BiDNN-vs-plain rows stay under "runs"
    results.setdefault(section, {})[key] = {"device": name, "torch": torch.__version__, "results": rows,
                                            "command": "python bench/train_speed.py " + " ".join(sys.argv[1:] if argv is None else argv)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out} [{key}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
