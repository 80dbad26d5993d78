"""Convolution benchmarks: a 3x3 conv layer and a LeNet-5 training step, with ratios, in one run.

(a) a 3x3 64->64 convolution, padding 1, on a 32x32 input, batch 32, float32, forward + backward
    (input, weight and bias gradients), against
    - the NumPy floor: hand-written NumPy for the same computation (im2col as 9 shifted-slice
      copies into (N, C, 3, 3, H, W), one batched GEMM forward; backward by two batched GEMMs
      and 9 shifted-slice adds), i.e. the physical limit of an engine on NumPy;
    - "NumPy strided": the same floor with im2col as one copy of a strided window view, which
      is faster in NumPy than 9 slice copies (and is what our composition does);
    - PyTorch CPU (oneDNN) with the same number of threads as NumPy's BLAS.
    Goal: ours within 1.1x of the NumPy floor (and of the faster, strided one).
(b) one LeNet-5 training step (batch 64, 1x28x28: conv 6@5x5 pad 2, ReLU, maxpool 2, conv 16@5x5,
    ReLU, maxpool 2, conv 120@5x5, ReLU, flatten, linear 84, ReLU, linear 10, cross-entropy, Adam
    lr 1e-3) against PyTorch CPU from the same initial weights.

Before timing, it checks that the NumPy floor and PyTorch compute what autograd_core computes.
The machine may be shared: candidates take turns within every repeat, and the best (minimum)
times are the figures to compare; medians are printed beside them.  One thread by default
(``--threads N`` to change): on a loaded machine, multi-threaded BLAS and oneDNN timings mostly
measure contention.

    PYTHONPATH=. python3 benchmarks/bench_conv.py            # full run
    PYTHONPATH=. python3 benchmarks/bench_conv.py --quick    # fewer repeats
    PYTHONPATH=. python3 benchmarks/bench_conv.py --profile  # cProfile of our conv step
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import blas_info, cpu_model, set_blas_threads, time_round_robin  # noqa: E402

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

try:
    import optim

    HAVE_ADAM = hasattr(optim, "Adam")
except ImportError:
    HAVE_ADAM = False

try:
    import torch
except ImportError:  # PyTorch is an optional reference
    torch = None

N, C, O, H, W, K = 32, 64, 64, 32, 32, 3
LENET_BATCH = 64
LR = 1e-3


# ----------------------------------------------------------------------------- (a) one conv layer
def conv_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W)).astype(np.float32)
    w = (rng.standard_normal((O, C, K, K)) * 0.05).astype(np.float32)
    b = rng.standard_normal(O).astype(np.float32)
    g = rng.standard_normal((N, O, H, W)).astype(np.float32)
    return x, w, b, g


class NumpyConv:
    """The floor: forward and backward of conv2d(3x3, padding 1) written by hand in NumPy.

    ``im2col="slices"`` fills the columns with k*k shifted-slice copies (the classic floor);
    ``"strided"`` with one copy of a strided window view (what ``ag.sliding_windows`` + reshape
    does), which NumPy runs faster here (longer contiguous inner loops, one pass).
    """

    def __init__(self, x, w, b, g, im2col: str = "slices") -> None:
        self.x, self.w, self.b, self.g = x, w, b, g
        self.im2col = im2col

    def step(self):
        x, w, b, g = self.x, self.w, self.b, self.g
        n, c, h, wd = x.shape
        o, k = w.shape[0], w.shape[2]
        p = k // 2
        xp = np.zeros((n, c, h + 2 * p, wd + 2 * p), x.dtype)
        xp[:, :, p : p + h, p : p + wd] = x
        if self.im2col == "slices":  # im2col: k*k shifted-slice copies
            cols = np.empty((n, c, k, k, h, wd), x.dtype)
            for i in range(k):
                for j in range(k):
                    cols[:, :, i, j] = xp[:, :, i : i + h, j : j + wd]
        else:  # one copy of the (N, C, k, k, H, W) strided view
            s0, s1, s2, s3 = xp.strides
            view = np.lib.stride_tricks.as_strided(xp, (n, c, k, k, h, wd), (s0, s1, s2, s3, s2, s3), writeable=False)
            cols = view.copy()
        cols = cols.reshape(n, c * k * k, h * wd)
        w2 = w.reshape(o, c * k * k)
        out = w2 @ cols  # (N, O, L): already NCHW
        out += b[:, None]
        # backward
        g2 = g.reshape(n, o, h * wd)
        gb = g2.sum((0, 2))
        gw = np.matmul(g2, cols.transpose(0, 2, 1)).sum(0).reshape(w.shape)
        gcols = (w2.T @ g2).reshape(n, c, k, k, h, wd)
        gxp = np.zeros_like(xp)
        for i in range(k):
            for j in range(k):
                gxp[:, :, i : i + h, j : j + wd] += gcols[:, :, i, j]
        gx = gxp[:, :, p : p + h, p : p + wd]
        return out.reshape(n, o, h, wd), gx, gw, gb


class OursConv:
    def __init__(self, x, w, b, g) -> None:
        self.x = ag.tensor(x, requires_grad=True)
        self.w = ag.tensor(w, requires_grad=True)
        self.b = ag.tensor(b, requires_grad=True)
        self.g = ag.tensor(g)

    def step(self):
        self.x.grad = self.w.grad = self.b.grad = None
        out = F.conv2d(self.x, self.w, self.b, padding=1)
        out.backward(self.g)
        return out, self.x.grad, self.w.grad, self.b.grad


class TorchConv:
    def __init__(self, x, w, b, g) -> None:
        self.x = torch.tensor(x, requires_grad=True)
        self.w = torch.tensor(w, requires_grad=True)
        self.b = torch.tensor(b, requires_grad=True)
        self.g = torch.tensor(g)

    def step(self):
        self.x.grad = self.w.grad = self.b.grad = None
        out = torch.nn.functional.conv2d(self.x, self.w, self.b, padding=1)
        out.backward(self.g)
        return out, self.x.grad, self.w.grad, self.b.grad


def _as_numpy(t):
    if isinstance(t, np.ndarray):
        return t
    return t.detach().numpy()


def check_conv(use_torch: bool) -> str:
    data = conv_data()
    ours = [_as_numpy(t) for t in OursConv(*data).step()]
    refs = {"NumPy floor": NumpyConv(*data).step(), "NumPy strided": NumpyConv(*data, im2col="strided").step()}
    if use_torch:
        refs["PyTorch"] = TorchConv(*data).step()
    for name, res in refs.items():
        for what, a, b in zip(("output", "grad x", "grad w", "grad b"), ours, res):
            b = _as_numpy(b)
            if not np.allclose(a, b, rtol=1e-3, atol=1e-3 * float(np.abs(b).max())):
                raise SystemExit(f"conv check failed: {what} differs from {name} by {np.abs(a - b).max()}")
    return "checked: output and gradients agree with " + " and ".join(refs)


# ----------------------------------------------------------------------------- (b) LeNet-5 step
def lenet(lib):
    """LeNet-5 as ``nn`` (``lib=nn``) or ``torch.nn`` builds it: the same names, layouts and init."""
    return lib.Sequential(
        lib.Conv2d(1, 6, 5, padding=2), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(6, 16, 5), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(16, 120, 5), lib.ReLU(), lib.Flatten(),
        lib.Linear(120, 84), lib.ReLU(), lib.Linear(84, 10),
    )  # fmt: skip


class HandAdam:
    """Adam with PyTorch's defaults, in-place under no_grad (used only if ``optim.Adam`` is missing)."""

    def __init__(self, params, lr: float) -> None:
        self.params, self.lr, self.t = list(params), lr, 0
        self.m = [ag.zeros_like(p) for p in self.params]
        self.v = [ag.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        self.t += 1
        b1, b2, eps = 0.9, 0.999, 1e-8
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        with ag.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                m.mul_(b1).add_(p.grad, alpha=1 - b1)
                v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                denom = (v / c2).sqrt() + eps
                p.sub_(m / denom * (self.lr / c1))


class OursLeNet:
    def __init__(self, state, x, y) -> None:
        self.model = lenet(nn)
        self.model.load_state_dict(state)
        self.opt = optim.Adam(self.model.parameters(), lr=LR) if HAVE_ADAM else HandAdam(self.model.parameters(), LR)
        self.x, self.y = ag.tensor(x), ag.tensor(y)

    def step(self):
        self.opt.zero_grad()
        loss = F.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return float(loss.item())


class TorchLeNet:
    def __init__(self, model, x, y) -> None:
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=LR)
        self.x, self.y = torch.tensor(x), torch.tensor(y)

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return float(loss.item())


def lenet_setup(use_torch: bool):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((LENET_BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, LENET_BATCH).astype(np.int64)
    if use_torch:
        torch.manual_seed(0)
        tmodel = lenet(torch.nn)
        state = {k: v.detach().numpy().copy() for k, v in tmodel.state_dict().items()}
    else:
        tmodel, state = None, {k: v.detach().numpy() for k, v in lenet(nn).state_dict().items()}
    return x, y, tmodel, state


def check_lenet(use_torch: bool) -> str:
    if not use_torch:
        return "LeNet: PyTorch not installed, nothing to check against"
    x, y, tmodel, state = lenet_setup(True)
    ours, theirs = OursLeNet(state, x, y), TorchLeNet(tmodel, x, y)
    losses = [(ours.step(), theirs.step()) for _ in range(3)]
    for a, b in losses:
        if abs(a - b) > 1e-4 * max(1.0, abs(b)):
            raise SystemExit(f"LeNet check failed: losses over 3 steps differ: {losses}")
    return f"checked: LeNet losses over 3 Adam steps agree with PyTorch ({losses[-1][0]:.5f})"


# ----------------------------------------------------------------------------- report
def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:8.2f} ms"


def report(times: dict, refs: list) -> None:
    print(f"    {'':16s} {'median':>12s} {'best':>12s}")
    for name, (med, best, _) in times.items():
        print(f"    {name:16s} {fmt(med):>12s} {fmt(best):>12s}")
    (om, ob, _) = times["autograd_core"]
    for ref, goal in refs:
        if ref in times:
            rm, rb, _ = times[ref]
            print(f"    ratio ours/{ref:12s} = {ob / rb:5.2f} on best times, {om / rm:5.2f} on medians{goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description="conv and LeNet-5 benchmarks against NumPy and PyTorch")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a rough figure)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS and PyTorch threads (default 1: on a shared machine, multi-threaded timings measure contention)",
    )
    parser.add_argument("--profile", action="store_true", help="print a cProfile of our conv step and exit")
    args = parser.parse_args()

    if args.threads and not set_blas_threads(args.threads):  # before any timing, also for --profile
        raise SystemExit("--threads: can't set NumPy's BLAS threads here; set OPENBLAS_NUM_THREADS instead")
    if args.profile:
        step = OursConv(*conv_data()).step
        step()
        prof = cProfile.Profile()
        prof.runcall(lambda: [step() for _ in range(5)])
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)
        return

    blas_name, blas_threads = blas_info()
    use_torch = torch is not None
    if use_torch and blas_threads:
        torch.set_num_threads(blas_threads)
    print("tapegrad conv benchmark")
    print(f"  machine : {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu_model()})")
    print(
        f"  numpy   : {np.__version__} ({blas_name}, {blas_threads if blas_threads is not None else '?'} BLAS threads)"
    )
    print(f"  pytorch : {torch.__version__ + f', {torch.get_num_threads()} threads' if use_torch else 'not installed'}")
    print(f"  optim   : {'optim.Adam' if HAVE_ADAM else 'hand-written Adam (optim.Adam not available)'}")
    print(f"  date    : {time.strftime('%Y-%m-%d %H:%M')}")
    print("  " + check_conv(use_torch))
    print("  " + check_lenet(use_torch))
    nosync = lambda: None  # noqa: E731
    quick = args.quick

    data = conv_data()
    fns = {
        "autograd_core": (OursConv(*data).step, nosync),
        "NumPy floor": (NumpyConv(*data).step, nosync),
        "NumPy strided": (NumpyConv(*data, im2col="strided").step, nosync),
    }
    if use_torch:
        fns["PyTorch"] = (TorchConv(*data).step, nosync)
    times = time_round_robin(fns, repeats=4 if quick else 12, number=1, warmup=1)
    print(f"\n(a) conv2d 3x3 {C}->{O}, padding 1, {H}x{W}, batch {N}, float32, forward + backward")
    report(times, [("NumPy floor", "   (goal <= 1.10)"), ("NumPy strided", "   (goal <= 1.10)"), ("PyTorch", "")])
    if use_torch:
        nf = min(times["NumPy floor"][1], times["NumPy strided"][1])
        print(
            f"    PyTorch/fastest NumPy floor = {times['PyTorch'][1] / nf:.2f} (what oneDNN gains over any NumPy code)"
        )

    x, y, tmodel, state = lenet_setup(use_torch)
    fns = {"autograd_core": (OursLeNet(state, x, y).step, nosync)}
    if use_torch:
        fns["PyTorch"] = (TorchLeNet(tmodel, x, y).step, nosync)
    times = time_round_robin(fns, repeats=4 if quick else 12, number=3 if quick else 5, warmup=3)
    print(f"\n(b) LeNet-5 training step, batch {LENET_BATCH}, 1x28x28, float32, cross-entropy, Adam lr {LR}")
    report(times, [("PyTorch", "")])


if __name__ == "__main__":
    main()
