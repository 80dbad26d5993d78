"""Engine benchmarks: per-op overhead, an MLP training step, and its peak memory, with ratios.

Measured in one run, each against references timed the same way in the same process:

(a) per-op overhead: a chain of 1,000 steps ``y = y * 1.0001 + 0.0001`` (2,000 tiny ops) on a
    one-element float32 tensor that requires grad, forward + backward; against the same chain
    differentiated by hand in NumPy (values kept in a list, a backward loop multiplying the
    gradient) and PyTorch CPU eager with as many threads as NumPy's BLAS.  Goal: ours/PyTorch <= 0.6.
(b) one training step of a 784-256-256-10 MLP (batch 128, float32, ReLU, cross-entropy,
    SGD with momentum 0.9); against the same step written by hand in NumPy (forward, backward,
    update) and PyTorch.  Goal: ours/NumPy <= 1.05.  A third reference, the NumPy step made of
    exactly the array operations ours performs (no tape), splits the ratio into what our
    choice of array operations costs and what the engine itself costs.
(c) the peak memory of one such step (tracemalloc sees NumPy's allocations), ours against the
    NumPy step's.  Goal: ours/NumPy <= 1.3.

Before timing anything it checks that the NumPy reference (and PyTorch, when installed)
computes the same loss and gradients as autograd_core from the same weights, so the timings
compare the same computation.

    PYTHONPATH=. python3 benchmarks/bench_core.py            # full run (about a minute)
    PYTHONPATH=. python3 benchmarks/bench_core.py --quick    # fewer repeats
    PYTHONPATH=. python3 benchmarks/bench_core.py --threads 1 --cpu-time   # on a busy machine
    PYTHONPATH=. python3 benchmarks/bench_core.py --device cuda   # ours (and PyTorch) on the GPU

``--threads N`` sets NumPy's BLAS threads and PyTorch's (by default PyTorch gets as many as
NumPy's BLAS uses).  ``--cpu-time`` times with the process's CPU time instead of the wall clock:
on a machine shared with other jobs, multithreaded BLAS waits for descheduled threads and
wall-clock times swing by 10x, while one thread's CPU time stays put.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import autograd_core as ag  # noqa: E402
from autograd_core.ops.elementwise import _relu_passes  # noqa: E402  (EngineArraysMLP: the engine's array code)
from autograd_core.ops.linalg import _linear_grads  # noqa: E402
from autograd_core.ops.loss import _cross_entropy_grad, _row_logsumexp  # noqa: E402
from backends import blas  # noqa: E402

try:
    import torch
except ImportError:  # PyTorch is an optional reference
    torch = None

CHAIN = 1000  # steps of y = y * 1.0001 + 0.0001 (two ops each)
SIZES = (784, 256, 256, 10)
BATCH = 128
LR, MOMENTUM = 0.01, 0.9

# The clock for every timing: wall-clock by default; --cpu-time switches to this process's CPU
# time, which other jobs on a shared machine disturb far less (meaningful with --threads 1).
CLOCK = [time.perf_counter]


# ----------------------------------------------------------------------------- machine
def blas_info() -> tuple[str, int | None]:
    """NumPy's BLAS library and the number of threads it uses (read from the loaded library)."""
    name = "unknown BLAS"
    try:
        build = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        name = f"{build.get('name')} {build.get('version', '')}".strip()
    except Exception:
        pass
    threads = blas.get_threads()
    if threads is not None:
        return name, threads
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return name, int(os.environ[var])
    return name, None


def set_blas_threads(n: int) -> bool:
    """Set the number of threads of NumPy's OpenBLAS; False if it can't be done from here."""
    return blas.set_threads(n)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def synchronizer(device: str):
    """A function that waits for the device's queued work (a no-op on the cpu)."""
    if ag.device(device).type == "cpu":
        return lambda: None
    return lambda: ag.cuda.synchronize(device)


def torch_sync(device: str):
    if device.startswith("cuda"):
        return torch.cuda.synchronize
    return lambda: None


# ----------------------------------------------------------------------------- timing
def time_round_robin(fns: dict, *, repeats: int, number: int, warmup: int) -> dict:
    """Seconds per call of each function: median, best, and the list of the ``repeats`` timings
    of ``number`` calls each.

    The candidates take turns within every repeat, in reverse order every other repeat, so a
    slow phase of the machine hits them all alike (``paired`` compares them repeat by repeat).
    Garbage is collected before each timing and the cyclic collector is off during it (as
    ``timeit`` does), the same for every candidate.
    """
    for fn, sync in fns.values():
        for _ in range(warmup):
            fn()
        sync()
    clock = CLOCK[0]
    samples = {name: [] for name in fns}
    enabled = gc.isenabled()
    try:
        for r in range(repeats):
            for name, (fn, sync) in (fns.items() if r % 2 == 0 else reversed(fns.items())):
                gc.collect()
                gc.disable()
                start = clock()
                for _ in range(number):
                    fn()
                sync()
                samples[name].append((clock() - start) / number)
                gc.enable()
    finally:
        if not enabled:
            gc.disable()
    return {name: (statistics.median(s), min(s), s) for name, s in samples.items()}


# ----------------------------------------------------------------------------- (a) chain
def chain_ours(device: str):
    x = ag.tensor([1.0], dtype=ag.float32, device=device, requires_grad=True)

    def run():
        y = x
        for _ in range(CHAIN):
            y = y * 1.0001 + 0.0001
        y.backward()
        g, x.grad = x.grad, None
        return y, g

    return run


def chain_numpy():
    x = np.ones(1, dtype=np.float32)

    def run():
        values = []  # the "tape": every intermediate, as an engine would keep them
        y = x
        for _ in range(CHAIN):
            values.append(y)
            y = y * 1.0001 + 0.0001
        g = np.ones_like(y)
        for _ in reversed(values):  # d(y * a + b)/dy = a
            g = g * 1.0001
        return y, g

    return run


def chain_torch(device: str):
    x = torch.ones(1, dtype=torch.float32, device=device, requires_grad=True)

    def run():
        y = x
        for _ in range(CHAIN):
            y = y * 1.0001 + 0.0001
        y.backward()
        g, x.grad = x.grad, None
        return y, g

    return run


# ----------------------------------------------------------------------------- (b) MLP
def init_mlp(seed: int = 0):
    """Weights (out, in) and biases with PyTorch's default Linear init, input batch, labels."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1.0 / np.sqrt(n_in)
        params.append(rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, n_out).astype(np.float32))
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH).astype(np.int64)
    return params, x, y


class OursMLP:
    """The MLP with autograd_core tensors, updated in place under no_grad (as optim.SGD does).

    ``fused=True`` writes it as ``nn`` does (``nn.Linear`` is ``ag.linear``, one node per
    layer; ``F.cross_entropy`` is ``ag.cross_entropy_logits``).  ``fused=False`` composes
    the same step from general ops (``x @ w.T + b``, ``log_softmax`` and indexing), to show
    what the tape costs on code that doesn't use those primitives.
    """

    def __init__(self, params, x, y, device: str, fused: bool = True) -> None:
        self.params = [ag.tensor(p, device=device, requires_grad=True) for p in params]
        self.velocity = [ag.zeros_like(p) for p in self.params]
        self.x, self.y = ag.tensor(x, device=device), ag.tensor(y, device=device)
        self.rows = ag.arange(BATCH, device=device)
        self.loss = self.loss_fused if fused else self.loss_composed

    def loss_fused(self):
        w1, b1, w2, b2, w3, b3 = self.params
        h = ag.relu(ag.linear(self.x, w1, b1))
        h = ag.relu(ag.linear(h, w2, b2))
        return ag.cross_entropy_logits(ag.linear(h, w3, b3), self.y, reduction="mean")

    def loss_composed(self):
        w1, b1, w2, b2, w3, b3 = self.params
        h = ag.relu(self.x @ w1.T + b1)
        h = ag.relu(h @ w2.T + b2)
        logits = h @ w3.T + b3
        return -ag.log_softmax(logits, dim=1)[self.rows, self.y].mean()

    def step(self):
        loss = self.loss()
        loss.backward()
        with ag.no_grad():
            for p, v in zip(self.params, self.velocity):
                v.mul_(MOMENTUM).add_(p.grad)
                p.sub_(v, alpha=LR)
                p.grad = None
        return loss


class NumpyMLP:
    """The same step written by hand: forward, backward and update, nothing recomputed."""

    def __init__(self, params, x, y) -> None:
        self.params = [p.copy() for p in params]
        self.velocity = [np.zeros_like(p) for p in params]
        self.x, self.y = x.copy(), y.copy()  # its own copies, as the others have
        self.rows = np.arange(BATCH)

    def loss_and_grads(self):
        w1, b1, w2, b2, w3, b3 = self.params
        x, y, rows = self.x, self.y, self.rows
        h1 = x @ w1.T
        h1 += b1
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ w2.T
        h2 += b2
        np.maximum(h2, 0, out=h2)
        z = h2 @ w3.T
        z += b3
        z -= z.max(axis=1, keepdims=True)
        log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -log_probs[rows, y].mean()
        # backward: d loss / d logits = (softmax - onehot) / batch
        g = np.exp(log_probs)
        g[rows, y] -= 1.0
        g /= BATCH
        gw3, gb3 = g.T @ h2, g.sum(axis=0)
        g = g @ w3
        g *= h2 > 0
        gw2, gb2 = g.T @ h1, g.sum(axis=0)
        g = g @ w2
        g *= h1 > 0
        gw1, gb1 = g.T @ x, g.sum(axis=0)
        return loss, [gw1, gb1, gw2, gb2, gw3, gb3]

    def step(self):
        loss, grads = self.loss_and_grads()
        for p, v, g in zip(self.params, self.velocity, grads):
            v *= MOMENTUM
            v += g
            p -= LR * v
        return loss


class EngineArraysMLP:
    """The NumPy step made of exactly the array operations autograd_core performs, with no tape.

    It calls the same array-level helpers as the primitives (linear's gradients, ReLU's mask,
    cross-entropy's row log-sum-exp and gradient), allocates where they allocate, and updates as
    ``mul_``/``add_``/``sub_`` do.  Timed beside the others it splits ours/NumPy in two: this
    step against the hand-written one is what the engine's choice of array operations costs, and
    ours against this one is the engine itself (recording, the backward walk, the optimizer's
    Tensor calls), since the arrays are the same.
    """

    def __init__(self, params, x, y) -> None:
        self.params = [p.copy() for p in params]
        self.velocity = [np.zeros_like(p) for p in params]
        self.x, self.y = x.copy(), y.copy()

    def loss_and_grads(self):
        w1, b1, w2, b2, w3, b3 = self.params
        acts, h = [], self.x
        for w, b, relu in ((w1, b1, True), (w2, b2, True), (w3, b3, False)):
            acts.append(h)
            h = h @ w.T  # Linear.forward
            h += b
            if relu:
                h = np.maximum(h, 0)  # Relu.forward
        lse = _row_logsumexp(h, np)  # CrossEntropyLogits.forward
        loss = (lse[:, 0] - h[np.arange(BATCH), self.y]).sum() / BATCH
        g = _cross_entropy_grad(np, np.array(1, h.dtype), h, lse, self.y, "mean")
        grads = []
        for i, w in ((2, w3), (1, w2), (0, w1)):  # Linear.backward, then Relu.backward below it
            gx, gw, gb = _linear_grads(np, g, acts[i], w, (i > 0, True, True))
            grads[:0] = [gw, gb]
            if i:
                g = gx * _relu_passes(acts[i])
        return loss, grads

    def step(self):
        loss, grads = self.loss_and_grads()
        for p, v, g in zip(self.params, self.velocity, grads):
            v *= MOMENTUM  # mul_, add_, sub_(alpha=LR)
            v += g
            p -= v * LR
        return loss


class TorchMLP:
    """The same step in PyTorch eager, written as a PyTorch user would (F.linear, F.cross_entropy)."""

    def __init__(self, params, x, y, device: str) -> None:
        self.params = [torch.tensor(p, device=device, requires_grad=True) for p in params]
        self.velocity = [torch.zeros_like(p) for p in self.params]
        self.x, self.y = torch.tensor(x, device=device), torch.tensor(y, device=device)
        self.rows = torch.arange(BATCH, device=device)

    def loss(self):
        w1, b1, w2, b2, w3, b3 = self.params
        f = torch.nn.functional
        h = torch.relu(f.linear(self.x, w1, b1))
        h = torch.relu(f.linear(h, w2, b2))
        return f.cross_entropy(f.linear(h, w3, b3), self.y)

    def step(self):
        loss = self.loss()
        loss.backward()
        with torch.no_grad():
            for p, v in zip(self.params, self.velocity):
                v.mul_(MOMENTUM).add_(p.grad)
                p.sub_(v, alpha=LR)
                p.grad = None
        return loss


def check_references(device: str, use_torch: bool) -> str:
    """Fail loudly unless the references compute what ours computes (loss and every gradient)."""
    params, x, y = init_mlp(seed=1)
    refs = [
        ("NumPy", *NumpyMLP(params, x, y).loss_and_grads()),
        ("NumPy, our array ops", *EngineArraysMLP(params, x, y).loss_and_grads()),
    ]
    if use_torch:
        tm = TorchMLP(params, x, y, "cpu")
        tloss = tm.loss()
        tloss.backward()
        refs.append(("PyTorch", tloss.item(), [p.grad.numpy() for p in tm.params]))
    names = ("w1", "b1", "w2", "b2", "w3", "b3")
    worst = 0.0
    for fused in (True, False):
        ours = OursMLP(params, x, y, device, fused=fused)
        loss = ours.loss()
        loss.backward()
        our_loss = loss.item()
        our_grads = [p.grad.cpu().numpy() for p in ours.params]
        for ref_name, ref_loss, grads in refs:
            if abs(ref_loss - our_loss) > 1e-4 * max(1.0, abs(our_loss)):
                raise SystemExit(f"reference check failed: {ref_name} loss {ref_loss} != ours {our_loss}")
            for name, a, b in zip(names, our_grads, grads):
                err = float(np.abs(a - b).max() / max(1.0, float(np.abs(b).max())))
                worst = max(worst, err)
                if a.shape != b.shape or err > 1e-4:
                    raise SystemExit(
                        f"reference check failed: gradient of {name} differs from {ref_name}'s by {err:.3g}"
                    )
    # The chain too: same value and gradient.
    (y1, g1), (y2, g2) = chain_ours(device)(), chain_numpy()()
    if abs(y1.item() - float(y2[0])) > 1e-4 * abs(float(y2[0])) or abs(g1.item() - float(g2[0])) > 1e-4 * abs(
        float(g2[0])
    ):
        raise SystemExit(f"reference check failed: chain value/grad {y1.item()}/{g1.item()} vs NumPy {y2[0]}/{g2[0]}")
    return (
        f"references agree with autograd_core: MLP loss {our_loss:.6f}, largest gradient difference "
        f"{worst:.1e} (relative), checked against {' and '.join(r[0] for r in refs)}"
    )


# ----------------------------------------------------------------------------- (c) memory
def peak_step_memory(make_step) -> tuple[int, int]:
    """(bytes live before a step, peak bytes above that during the step), as tracemalloc sees them.

    The model is built and stepped once while tracing, so the measured step starts from the
    steady state (optimizer buffers allocated, no gradients held) and its frees are counted.
    """
    gc.collect()
    tracemalloc.start()
    try:
        step = make_step()
        step()
        gc.collect()
        tracemalloc.reset_peak()
        live, _ = tracemalloc.get_traced_memory()
        step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return live, peak - live


# ----------------------------------------------------------------------------- report
def fmt_time(seconds: float, unit: str) -> str:
    scale = {"us": 1e6, "ms": 1e3}[unit]
    return f"{seconds * scale:8.2f} {unit}"


def ratios(times: dict, reference: str, ours: str = "autograd_core") -> str:
    """ours/reference on the medians, on the best timings, and paired: the median over repeats of
    the ratio of the two timings taken side by side in the same repeat, which a machine whose
    speed drifts (other tenants) disturbs least."""
    (om, ob, os_), (rm, rb, rs) = times[ours], times[reference]
    paired = statistics.median(o / r for o, r in zip(os_, rs))
    return f"{om / rm:.2f} on medians, {ob / rb:.2f} on best times, {paired:.2f} paired"


def main() -> None:
    parser = argparse.ArgumentParser(description="autograd_core benchmarks against NumPy and PyTorch")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a rough figure in a few seconds)")
    parser.add_argument("--device", default="cpu", help="device for autograd_core and PyTorch (cpu or cuda)")
    parser.add_argument("--threads", type=int, help="BLAS and PyTorch threads (default: NumPy's BLAS default)")
    parser.add_argument(
        "--cpu-time", action="store_true", help="time with this process's CPU time instead of wall-clock time"
    )
    args = parser.parse_args()
    device = args.device
    if args.cpu_time:
        CLOCK[0] = time.process_time
    on_gpu = device.startswith("cuda")

    if args.threads and not set_blas_threads(args.threads):
        raise SystemExit("--threads: can't set NumPy's BLAS threads here; set OPENBLAS_NUM_THREADS instead")
    blas_name, blas_threads = blas_info()
    use_torch = torch is not None
    torch_note = "not installed (PyTorch columns skipped)"
    torch_device = device
    if use_torch:
        if blas_threads:
            torch.set_num_threads(blas_threads)
        if on_gpu and not torch.cuda.is_available():
            torch_device = None
            torch_note = f"{torch.__version__}, no CUDA in this build (PyTorch GPU columns skipped)"
        else:
            torch_note = f"{torch.__version__}, {torch.get_num_threads()} threads, device {torch_device}"

    print("tapegrad engine benchmark")
    print(f"  machine : {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu_model()})")
    print(
        f"  python  : {platform.python_version()}; numpy {np.__version__} ({blas_name}, "
        f"{blas_threads if blas_threads is not None else '?'} BLAS threads)"
    )
    print(f"  pytorch : {torch_note}")
    print(f"  ours on : {device}" + ("   (the NumPy reference always runs on the CPU)" if on_gpu else ""))
    print(f"  date    : {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"  clock   : {'CPU time of this process (--cpu-time)' if args.cpu_time else 'wall-clock (perf_counter)'}")
    print("  " + check_references(device, use_torch))

    quick = args.quick
    sync = synchronizer(device)
    nosync = lambda: None  # noqa: E731

    # (a) per-op overhead
    fns = {"autograd_core": (chain_ours(device), sync), "NumPy by hand": (chain_numpy(), nosync)}
    if use_torch and torch_device:
        fns["PyTorch eager"] = (chain_torch(torch_device), torch_sync(torch_device))
    chain = time_round_robin(fns, repeats=5 if quick else 21, number=2 if quick else 5, warmup=2)
    n_ops = 2 * CHAIN
    print(
        f"\n(a) per-op overhead: {CHAIN} x (y = y * 1.0001 + 0.0001) = {n_ops} ops on a 1-element "
        "float32 tensor, forward + backward"
    )
    print(f"    {'':16s} {'per op (median)':>16s} {'best':>12s} {'per chain':>12s}")
    for name, (med, best, _) in chain.items():
        print(
            f"    {name:16s} {fmt_time(med / n_ops, 'us'):>16s} {fmt_time(best / n_ops, 'us'):>12s} "
            f"{fmt_time(med, 'ms'):>12s}"
        )
    if "PyTorch eager" in chain:
        print(f"    ratio ours/PyTorch = {ratios(chain, 'PyTorch eager')}   (goal <= 0.6)")
    print(f"    ratio ours/NumPy   = {ratios(chain, 'NumPy by hand')}")

    # (b) MLP step
    params, x, y = init_mlp()
    fns = {
        "autograd_core": (OursMLP(params, x, y, device).step, sync),
        "ours, raw ops": (OursMLP(params, x, y, device, fused=False).step, sync),
        "NumPy by hand": (NumpyMLP(params, x, y).step, nosync),
        "our array ops": (EngineArraysMLP(params, x, y).step, nosync),
    }
    if use_torch and torch_device:
        fns["PyTorch eager"] = (TorchMLP(params, x, y, torch_device).step, torch_sync(torch_device))
    mlp = time_round_robin(fns, repeats=5 if quick else 25, number=5 if quick else 20, warmup=5)
    print(
        f"\n(b) MLP training step: {'-'.join(map(str, SIZES))}, batch {BATCH}, float32, ReLU, "
        f"cross-entropy, SGD momentum {MOMENTUM}"
    )
    print(
        "    (autograd_core: ag.linear + ag.cross_entropy_logits, as nn uses them; raw ops: x @ w.T + b, log_softmax + index)"
    )
    print(f"    {'':16s} {'per step (median)':>18s} {'best':>12s}")
    for name, (med, best, _) in mlp.items():
        print(f"    {name:16s} {fmt_time(med, 'ms'):>18s} {fmt_time(best, 'ms'):>12s}")
    print(f"    ratio ours/NumPy   = {ratios(mlp, 'NumPy by hand')}   (goal <= 1.05)")
    if "PyTorch eager" in mlp:
        print(f"    ratio ours/PyTorch = {ratios(mlp, 'PyTorch eager')}")
    print(f"    raw ops/NumPy      = {ratios(mlp, 'NumPy by hand', 'ours, raw ops')}")
    if not on_gpu:  # (the engine's-arrays step is NumPy: a split only meaningful on the CPU)
        print(f"    split: array ops/NumPy = {ratios(mlp, 'NumPy by hand', 'our array ops')}   "
              "(our array operations, run without the engine)")
        print(f"           ours/array ops  = {ratios(mlp, 'our array ops')}   "
              "(the engine itself: recording, the backward walk, the optimizer's Tensor calls)")

    # (c) peak memory (host memory: on a GPU run ours is measured on the CPU, as tracemalloc sees only the host)
    mem = {
        "autograd_core": peak_step_memory(lambda: OursMLP(params, x, y, "cpu").step),
        "ours, raw ops": peak_step_memory(lambda: OursMLP(params, x, y, "cpu", fused=False).step),
        "NumPy by hand": peak_step_memory(lambda: NumpyMLP(params, x, y).step),
    }
    print("\n(c) peak memory of one MLP step (tracemalloc, cpu)")
    print(f"    {'':16s} {'step peak above live state':>27s} {'live state':>12s} {'total peak':>12s}")
    for name, (live, extra) in mem.items():
        print(f"    {name:16s} {extra / 2**20:23.2f} MiB {live / 2**20:8.2f} MiB {(live + extra) / 2**20:8.2f} MiB")
    n_live, n_extra = mem["NumPy by hand"]
    for name, label in (("autograd_core", "ours/NumPy        "), ("ours, raw ops", "raw ops/NumPy     ")):
        o_live, o_extra = mem[name]
        print(
            f"    ratio {label} = {o_extra / n_extra:.2f} (step peak), "
            f"{(o_live + o_extra) / (n_live + n_extra):.2f} (total)"
            + ("   (goal <= 1.3)" if name == "autograd_core" else "")
        )


if __name__ == "__main__":
    main()
