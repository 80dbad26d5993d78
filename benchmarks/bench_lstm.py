"""LSTM training-step benchmark: ours against a hand-written NumPy floor and PyTorch CPU, in one run.

The workload: a 1-layer LSTM (input 64, hidden 128, batch 32, 50 steps, float32), an MSE loss
on the output sequence, forward + backward + one Adam step.  Candidates, timed in turn in the
same process (``bench_core.time_round_robin``), with the same BLAS/PyTorch thread count:

- ``autograd_core``: ``nn.LSTM`` + ``optim.Adam`` (fused cell primitive per step, input
  projection of all steps as one GEMM);
- ``NumPy floor``: the fastest NumPy written by hand for the same computation: the input
  projection of all steps as one GEMM, gates activated in place in preallocated buffers,
  BPTT by hand writing the gate gradients into one (T, B, 4H) buffer, the weight gradients
  as one GEMM each after the loop, Adam in place;
- ``PyTorch fused``: ``torch.nn.LSTM`` (its fused CPU kernel) + ``torch.optim.Adam``;
- ``PyTorch unrolled``: the same LSTM written with PyTorch primitives step by step
  (matmul, sigmoid, tanh, products), for reference.

Peak memory (tracemalloc: it sees NumPy's allocations) of one step, ours against the floor.
Goals: time within 1.2x of the floor, peak memory within 1.5x.

Before timing, it checks that all candidates compute the same loss and gradients from the
same weights.

    PYTHONPATH=. python3 benchmarks/bench_lstm.py            # full run (about a minute)
    PYTHONPATH=. python3 benchmarks/bench_lstm.py --quick    # fewer repeats
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_core  # noqa: E402
from bench_core import blas_info, cpu_model, fmt_time, peak_step_memory, set_blas_threads  # noqa: E402

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402

try:
    import optim
except ImportError:  # pragma: no cover - optim is part of the repository
    optim = None

try:
    import torch
except ImportError:  # PyTorch is an optional reference
    torch = None

T, B, I, H = 50, 32, 64, 128
LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8


def init_params(seed: int = 0):
    """PyTorch's layout and default init: weight_ih (4H, I), weight_hh (4H, H), bias_ih, bias_hh (4H,)."""
    rng = np.random.default_rng(seed)
    k = 1.0 / np.sqrt(H)
    params = [rng.uniform(-k, k, s).astype(np.float32) for s in ((4 * H, I), (4 * H, H), (4 * H,), (4 * H,))]
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    y = rng.standard_normal((T, B, H)).astype(np.float32)
    return params, x, y


NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


# ----------------------------------------------------------------------------- ours
class Ours:
    def __init__(self, params, x, y, device: str = "cpu") -> None:
        self.model = nn.LSTM(I, H).to(device)
        self.model.load_state_dict(dict(zip(NAMES, params)))
        self.x, self.y = ag.tensor(x, device=device), ag.tensor(y, device=device)
        self.opt = optim.Adam(self.model.parameters(), lr=LR, betas=BETAS, eps=EPS)

    def loss(self):
        out, _ = self.model(self.x)
        return ((out - self.y) ** 2).mean()

    def step(self):
        self.opt.zero_grad()
        loss = self.loss()
        loss.backward()
        self.opt.step()
        return loss


# ----------------------------------------------------------------------------- NumPy floor
def _sigmoid_(a):
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5


class NumpyFloor:
    """The same step by hand: nothing recomputed, buffers preallocated, big GEMMs outside the loop."""

    def __init__(self, params, x, y) -> None:
        self.params = [p.copy() for p in params]
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0
        self.x, self.y = x.copy(), y.copy()

    def loss_and_grads(self):
        w_ih, w_hh, b_ih, b_hh = self.params
        x, y = self.x, self.y
        # forward: one GEMM for the input part of every step's gates
        gates = (x.reshape(T * B, I) @ w_ih.T).reshape(T, B, 4 * H)
        gates += b_ih
        gates += b_hh
        hs = np.zeros((T + 1, B, H), np.float32)  # hs[t + 1] = h_t; hs[0] = h_0
        cs = np.zeros((T + 1, B, H), np.float32)
        tcs = np.empty((T, B, H), np.float32)
        w_hh_t = w_hh.T
        for t in range(T):
            a = gates[t]
            a += hs[t] @ w_hh_t
            _sigmoid_(a[:, : 2 * H])
            np.tanh(a[:, 2 * H : 3 * H], out=a[:, 2 * H : 3 * H])
            _sigmoid_(a[:, 3 * H :])
            i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            c = cs[t + 1]
            np.multiply(f, cs[t], out=c)
            c += i * g
            np.tanh(c, out=tcs[t])
            np.multiply(o, tcs[t], out=hs[t + 1])
        diff = hs[1:] - y
        loss = float(np.mean(diff * diff))
        dout = diff
        dout *= 2.0 / diff.size
        # backward through time, gate gradients written over the activations they replace
        dh = np.zeros((B, H), np.float32)
        dc = np.zeros((B, H), np.float32)
        for t in range(T - 1, -1, -1):
            dh += dout[t]
            a = gates[t]
            i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            tc = tcs[t]
            dc += dh * o * (1.0 - tc * tc)
            dc_prev = dc * f
            o *= 1.0 - o  # in place: the buffer becomes d gates (pre-activation)
            o *= tc
            o *= dh
            f *= 1.0 - f
            f *= dc
            f *= cs[t]
            g2 = g * g
            g2 -= 1.0
            g2 *= -dc
            g2 *= i
            i *= 1.0 - i
            i *= dc
            i *= g
            g[...] = g2
            dh = a @ w_hh
            dc = dc_prev
        d = gates.reshape(T * B, 4 * H)
        g_w_ih = d.T @ x.reshape(T * B, I)
        g_w_hh = d.T @ hs[:-1].reshape(T * B, H)
        g_b = d.sum(0)
        return loss, [g_w_ih, g_w_hh, g_b, g_b.copy()]

    def step(self):
        loss, grads = self.loss_and_grads()
        self.t += 1
        b1, b2 = BETAS
        bc1 = 1 - b1**self.t
        bc2_sqrt = (1 - b2**self.t) ** 0.5
        for p, m, v, g in zip(self.params, self.m, self.v, grads):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            g *= g
            g *= 1 - b2
            v += g
            denom = np.sqrt(v)
            denom /= bc2_sqrt
            denom += EPS
            np.divide(m, denom, out=denom)
            denom *= LR / bc1
            p -= denom
        return loss


# ----------------------------------------------------------------------------- PyTorch
class TorchFused:
    def __init__(self, params, x, y) -> None:
        self.model = torch.nn.LSTM(I, H)
        self.model.load_state_dict({n: torch.tensor(p) for n, p in zip(NAMES, params)})
        self.x, self.y = torch.tensor(x), torch.tensor(y)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=LR, betas=BETAS, eps=EPS)

    def loss(self):
        out, _ = self.model(self.x)
        return ((out - self.y) ** 2).mean()

    def step(self):
        self.opt.zero_grad()
        loss = self.loss()
        loss.backward()
        self.opt.step()
        return loss


class TorchUnrolled(TorchFused):
    """The LSTM from PyTorch primitives (one input GEMM, then matmul/sigmoid/tanh per step)."""

    def loss(self):
        w_ih, w_hh, b_ih, b_hh = (getattr(self.model, n) for n in NAMES)
        gx = (self.x @ w_ih.T + (b_ih + b_hh)).unbind(0)
        h = c = torch.zeros(B, H)
        outs = []
        for t in range(T):
            i, f, g, o = (gx[t] + h @ w_hh.T).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outs.append(h)
        return ((torch.stack(outs) - self.y) ** 2).mean()


# ----------------------------------------------------------------------------- check
def check_references(params, x, y, use_torch: bool) -> str:
    ours = Ours(params, x, y)
    loss = ours.loss()
    loss.backward()
    got = [ours.model.get_parameter(n).grad.numpy() for n in NAMES]
    refs = []
    ref_loss, ref_grads = NumpyFloor(params, x, y).loss_and_grads()
    refs.append(("NumPy floor", ref_loss, ref_grads))
    if use_torch:
        for name, cls in (("PyTorch fused", TorchFused), ("PyTorch unrolled", TorchUnrolled)):
            tm = cls(params, x, y)
            tl = tm.loss()
            tl.backward()
            refs.append((name, tl.item(), [getattr(tm.model, n).grad.numpy() for n in NAMES]))
    worst = 0.0
    for name, rl, grads in refs:
        if abs(rl - loss.item()) > 1e-4 * max(1.0, abs(rl)):
            raise SystemExit(f"reference check failed: {name} loss {rl} != ours {loss.item()}")
        for pname, a, b in zip(NAMES, got, grads):
            err = float(np.abs(a - b).max() / max(1e-3, float(np.abs(b).max())))
            worst = max(worst, err)
            if err > 1e-3:
                raise SystemExit(f"reference check failed: gradient of {pname} differs from {name}'s by {err:.3g}")
    return (f"references agree with autograd_core: loss {loss.item():.6f}, largest gradient difference "
            f"{worst:.1e} (relative), checked against {', '.join(r[0] for r in refs)}")


def main() -> None:
    parser = argparse.ArgumentParser(description="LSTM step: autograd_core vs NumPy floor vs PyTorch CPU")
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--threads", type=int, help="BLAS and PyTorch threads (default: NumPy's BLAS default)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time with the process's CPU time instead of wall time (for a loaded machine)")
    args = parser.parse_args()
    if optim is None:
        raise SystemExit("optim is not importable: this benchmark uses optim.Adam")
    if args.threads and not set_blas_threads(args.threads):
        raise SystemExit("--threads: can't set NumPy's BLAS threads here; set OPENBLAS_NUM_THREADS instead")
    blas_name, blas_threads = blas_info()
    use_torch = torch is not None
    if use_torch and blas_threads:
        torch.set_num_threads(blas_threads)

    print("tapegrad LSTM benchmark")
    print(f"  machine : {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu_model()})")
    print(f"  python  : {platform.python_version()}; numpy {np.__version__} ({blas_name}, "
          f"{blas_threads if blas_threads is not None else '?'} BLAS threads)")
    print(f"  pytorch : {torch.__version__ + f', {torch.get_num_threads()} threads' if use_torch else 'not installed'}")
    print(f"  date    : {time.strftime('%Y-%m-%d %H:%M')}")
    params, x, y = init_params()
    print("  " + check_references(params, x, y, use_torch))

    steps = {"autograd_core": Ours(params, x, y).step, "NumPy floor": NumpyFloor(params, x, y).step}
    if use_torch:
        steps["PyTorch fused"] = TorchFused(params, x, y).step
        steps["PyTorch unrolled"] = TorchUnrolled(params, x, y).step
    bench_core.CLOCK[0] = time.process_time if args.cpu_time else time.perf_counter
    nosync = lambda: None  # noqa: E731  (all on the CPU)
    timed = bench_core.time_round_robin({name: (fn, nosync) for name, fn in steps.items()},
                                        repeats=5 if args.quick else 21, number=2 if args.quick else 5, warmup=3)
    times = {name: (med, best) for name, (med, best, _) in timed.items()}
    print(f"\nLSTM training step: 1 layer, input {I}, hidden {H}, batch {B}, {T} steps, float32, MSE, Adam "
          f"({'CPU' if args.cpu_time else 'wall'} time)")
    print(f"    {'':18s} {'per step (median)':>18s} {'best':>12s} {'vs floor (median)':>18s}")
    fm, fb = times["NumPy floor"]
    for name, (med, best) in times.items():
        print(f"    {name:18s} {fmt_time(med, 'ms'):>18s} {fmt_time(best, 'ms'):>12s} {med / fm:17.2f}x")
    om, ob = times["autograd_core"]
    print(f"    ratio ours/floor = {om / fm:.2f} on medians, {ob / fb:.2f} on best times   (goal <= 1.2)")
    if use_torch:
        print(f"    ratio ours/PyTorch fused = {om / times['PyTorch fused'][0]:.2f}, "
              f"ours/PyTorch unrolled = {om / times['PyTorch unrolled'][0]:.2f} (medians)")

    mem = {
        "autograd_core": peak_step_memory(lambda: Ours(params, x, y).step),
        "NumPy floor": peak_step_memory(lambda: NumpyFloor(params, x, y).step),
    }
    print("\npeak memory of one step (tracemalloc)")
    print(f"    {'':18s} {'step peak above live state':>27s} {'live state':>12s} {'total peak':>12s}")
    for name, (live, extra) in mem.items():
        print(f"    {name:18s} {extra / 2**20:24.2f} MiB {live / 2**20:8.2f} MiB {(live + extra) / 2**20:8.2f} MiB")
    (o_live, o_extra), (n_live, n_extra) = mem["autograd_core"], mem["NumPy floor"]
    print(f"    ratio ours/floor = {o_extra / n_extra:.2f} (step peak), "
          f"{(o_live + o_extra) / (n_live + n_extra):.2f} (total)   (goal <= 1.5)")


if __name__ == "__main__":
    main()
