"""Whole training steps of nn models, autograd_core against PyTorch on the same device, in one run.

Each workload builds the model twice, in ``nn`` and in ``torch.nn``, loads PyTorch's initial
weights into ours (parameter names match), and times one training step (zero_grad, forward,
loss, backward, optimizer step) on the same data:

    mlp       784-256-256-10 MLP, batch 128, cross-entropy, SGD momentum 0.9  (small kernels:
              on a GPU this measures launch and Python overhead)
    mlp-wide  4096-4096-4096-1000 MLP, batch 1024, the same loss and optimizer (large GEMMs)
    lenet     LeNet-5 (conv 6@5x5 pad 2, pool, conv 16@5x5, pool, conv 120@5x5, 84, 10),
              batch 256, 1x28x28, cross-entropy, Adam
    conv      one 3x3 conv layer 64->64 on 32x32, batch 32, the mean square of its output, SGD
    lstm      1-layer LSTM, input 64, hidden 128, batch 32, 50 steps, MSE loss, Adam

Before timing, three steps of each pair must give the same losses.  It is written for the GPU
(``--device cuda``), where NumPy has nothing to compare with, and runs on the CPU too.  TF32 is
switched off in PyTorch, so both sides do float32 arithmetic.  Candidates take turns within
every repeat (``bench_core.time_round_robin``), and each repeat ends by waiting for the device.

    PYTHONPATH=. python3 benchmarks/bench_models.py --device cuda
    PYTHONPATH=. python3 benchmarks/bench_models.py --device cpu --quick --only mlp lenet
    PYTHONPATH=. python3 benchmarks/bench_models.py --profile lstm   # where our step's time goes
"""

from __future__ import annotations

import argparse
import cProfile
import platform
import pstats
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_conv import lenet  # noqa: E402
from bench_core import synchronizer, time_round_robin, torch_sync  # noqa: E402

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import optim  # noqa: E402

try:
    import torch
except ImportError:  # this benchmark compares with PyTorch; without it, it says so and stops
    torch = None


# ----------------------------------------------------------------------------- the workloads
def _mlp(lib, sizes):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(lib.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(lib.ReLU())
    return lib.Sequential(*layers)


class _LastOutput:
    """``nn.LSTM`` returns ``(output, state)``; the loss needs the output only."""

    def __init__(self, lstm) -> None:
        self.lstm = lstm

    def __call__(self, x):
        return self.lstm(x)[0]


def _classes(rng, n, k):
    return rng.integers(0, k, n).astype(np.int64)


# name: (build(lib), input shape, target(rng), loss name, optimizer name and kwargs)
WORKLOADS = {
    "mlp": (lambda lib: _mlp(lib, (784, 256, 256, 10)), (128, 784),
            lambda rng: _classes(rng, 128, 10), "cross_entropy", ("SGD", {"lr": 0.01, "momentum": 0.9})),
    "mlp-wide": (lambda lib: _mlp(lib, (4096, 4096, 4096, 1000)), (1024, 4096),
                 lambda rng: _classes(rng, 1024, 1000), "cross_entropy", ("SGD", {"lr": 0.01, "momentum": 0.9})),
    "lenet": (lenet, (256, 1, 28, 28), lambda rng: _classes(rng, 256, 10), "cross_entropy", ("Adam", {"lr": 1e-3})),
    "conv": (lambda lib: lib.Conv2d(64, 64, 3, padding=1), (32, 64, 32, 32), None, "mean_square",
             ("SGD", {"lr": 0.01})),
    "lstm": (lambda lib: lib.LSTM(64, 128), (50, 32, 64),
             lambda rng: rng.standard_normal((50, 32, 128)).astype(np.float32), "mse_loss", ("Adam", {"lr": 1e-3})),
}  # fmt: skip


class Step:
    """One framework's training step for a workload: ``lib`` is ``nn`` or ``torch.nn``."""

    def __init__(self, name, framework, device, x, y, state=None) -> None:
        build, _, _, loss, (opt_name, opt_kwargs) = WORKLOADS[name]
        self.is_torch = framework == "torch"
        lib = torch.nn if self.is_torch else nn
        model = build(lib).to(device)
        if state is not None:
            model.load_state_dict({k: ag.tensor(v) for k, v in state.items()})
        self.model = model
        self.forward = _LastOutput(model) if name == "lstm" else model
        make = torch.tensor if self.is_torch else ag.tensor
        self.x = make(x, device=device)
        self.y = None if y is None else make(y, device=device)
        functional = torch.nn.functional if self.is_torch else F
        self.loss_fn = (lambda out, _: (out * out).mean()) if loss == "mean_square" else getattr(functional, loss)
        self.opt = getattr(torch.optim if self.is_torch else optim, opt_name)(model.parameters(), **opt_kwargs)

    def state(self) -> dict:
        return {k: v.detach().cpu().numpy().copy() for k, v in self.model.state_dict().items()}

    def step(self):
        self.opt.zero_grad()
        loss = self.loss_fn(self.forward(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss


def make_pair(name: str, device: str, seed: int = 0):
    _, shape, target, _, _ = WORKLOADS[name]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    y = None if target is None else target(rng)
    torch.manual_seed(seed)
    theirs = Step(name, "torch", device, x, y)
    ours = Step(name, "ours", device, x, y, state=theirs.state())
    return ours, theirs


def check(name: str, device: str) -> str:
    ours, theirs = make_pair(name, device)
    losses = [(float(ours.step().item()), float(theirs.step().item())) for _ in range(3)]
    for a, b in losses:
        if not np.isclose(a, b, rtol=2e-3, atol=1e-5):
            raise SystemExit(f"{name}: losses differ from PyTorch's: {losses}")
    return ", ".join(f"{a:.5g}" for a, _ in losses)


def profile(name: str, device: str, steps: int = 20) -> None:
    """cProfile of ``steps`` of our step (after warm-up), the device synchronised at the end."""
    ours, _ = make_pair(name, device)
    sync = synchronizer(device)
    for _ in range(3):
        ours.step()
    sync()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        ours.step()
    sync()
    profiler.disable()
    print(f"cProfile of {steps} steps of {name} on {device}, by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


# ----------------------------------------------------------------------------- main
def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:8.3f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:8.1f} us"


def main() -> None:
    parser = argparse.ArgumentParser(description="nn training steps: autograd_core vs PyTorch on one device")
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", nargs="+", choices=list(WORKLOADS), help="run these workloads only")
    parser.add_argument("--profile", choices=list(WORKLOADS), help="print a cProfile of our step of this workload")
    args = parser.parse_args()
    if torch is None:
        raise SystemExit("bench_models compares with PyTorch, which is not installed (pip install torch)")
    device = args.device
    if args.profile:
        profile(args.profile, device)
        return
    if device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        gpu = torch.cuda.get_device_name()
    else:
        gpu = "none (cpu)"
    print("tapegrad model benchmark: one training step, autograd_core vs PyTorch")
    print(f"  machine : {platform.system()} {platform.machine()}; GPU {gpu}")
    print(f"  python  : {platform.python_version()}; numpy {np.__version__}; torch {torch.__version__}")
    if device.startswith("cuda"):
        import cupy

        print(f"  cupy    : {cupy.__version__}; TF32 off in PyTorch (float32 on both sides)")
    print(f"  device  : {device}\n")
    sync_ours, sync_torch = synchronizer(device), torch_sync(device)
    rows = []
    for name in args.only or WORKLOADS:
        losses = check(name, device)
        ours, theirs = make_pair(name, device, seed=1)
        probe = time_round_robin({"ours": (ours.step, sync_ours)}, repeats=1, number=1, warmup=2)
        per_call = probe["ours"][0]
        number = max(1, int((0.05 if args.quick else 0.2) / max(per_call, 1e-6)))
        repeats = 5 if args.quick else 15
        times = time_round_robin(
            {"autograd_core": (ours.step, sync_ours), "PyTorch": (theirs.step, sync_torch)},
            repeats=repeats, number=number, warmup=3,
        )
        paired = statistics.median(a / b for a, b in zip(times["autograd_core"][2], times["PyTorch"][2]))
        rows.append((name, times["autograd_core"][0], times["PyTorch"][0], paired))
        print(f"  {name:9s} losses agree (first steps {losses}); {repeats} x {number} steps timed")
    print(f"\n  {'workload':9s} {'autograd_core':>14s} {'PyTorch':>12s}   ours/PyTorch (paired median)")
    for name, ours_t, torch_t, paired in rows:
        print(f"  {name:9s} {fmt(ours_t):>14s} {fmt(torch_t):>12s}   {paired:5.2f}")


if __name__ == "__main__":
    main()
