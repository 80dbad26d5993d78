"""Train a small MLP on two interleaved spirals with autograd_core alone.

No nn, no optim: the parameters are plain tensors with ``requires_grad=True``,
the loss is ``log_softmax`` plus indexing, and the update is SGD with momentum
written with in-place ops under ``no_grad()``: what ``optim.SGD`` does for you.
Runs in a few seconds on a CPU:

    python3 examples/spiral.py                 # cpu
    python3 examples/spiral.py --device cuda   # needs CuPy and an NVIDIA GPU
"""

from __future__ import annotations

import argparse
import math
import os
import time

# The matrices here are small (1000 x 64): extra BLAS threads save nothing on them, and on a
# busy machine waiting for a descheduled BLAS thread can make each product 20x slower.
# Set before NumPy loads its BLAS; an explicit OPENBLAS_NUM_THREADS still wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import autograd_core as ag  # noqa: E402


def make_spirals(n_per_class: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two spirals in the plane, one per class, with a little noise (float32 points, int64 labels)."""
    t = np.sqrt(rng.random(n_per_class)) * 3 * math.pi  # angle; sqrt spreads points evenly along the arm
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * math.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(scale=0.03, size=(2 * n_per_class, 2))
    y = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)])
    return x.astype(np.float32), y.astype(np.int64)


def init_linear(n_in: int, n_out: int, device: str) -> tuple[ag.Tensor, ag.Tensor]:
    """PyTorch's default Linear initialisation: U(-1/sqrt(n_in), 1/sqrt(n_in)), stored (in, out) here."""
    bound = 1.0 / math.sqrt(n_in)
    w = (ag.rand(n_in, n_out, device=device) * 2 - 1) * bound
    b = (ag.rand(n_out, device=device) * 2 - 1) * bound
    return w.requires_grad_(), b.requires_grad_()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default: cpu)")
    parser.add_argument("--steps", type=int, default=1000, help="full-batch training steps (default: 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the data and the weights (default: 0)")
    parser.add_argument("--lr", type=float, default=0.3, help="learning rate (default: 0.3)")
    args = parser.parse_args()

    ag.manual_seed(args.seed)
    x_np, y_np = make_spirals(500, np.random.default_rng(args.seed))
    x = ag.tensor(x_np, device=args.device)
    y = ag.tensor(y_np, device=args.device)
    rows = ag.arange(len(y_np), device=args.device)

    hidden = 64
    params = [
        *init_linear(2, hidden, args.device),
        *init_linear(hidden, hidden, args.device),
        *init_linear(hidden, 2, args.device),
    ]
    w1, b1, w2, b2, w3, b3 = params
    velocity = [ag.zeros_like(p) for p in params]

    def forward(inputs: ag.Tensor) -> ag.Tensor:
        h = ag.tanh(inputs @ w1 + b1)
        h = ag.relu(h @ w2 + b2)
        return h @ w3 + b3  # logits, one column per class

    print(f"training a 2-{hidden}-{hidden}-2 MLP on {len(y_np)} spiral points, device={args.device}")
    start = time.perf_counter()
    report_every = max(1, args.steps // 10)
    for step in range(1, args.steps + 1):
        log_probs = ag.log_softmax(forward(x), dim=1)
        loss = -log_probs[rows, y].mean()  # cross-entropy: minus the log-probability of the right class
        loss.backward()

        with ag.no_grad():  # SGD with momentum 0.9, in place, off the tape
            for p, v in zip(params, velocity):
                v.mul_(0.9).add_(p.grad)
                p.sub_(v * args.lr)
                p.grad = None

        if step == 1 or step % report_every == 0:
            print(f"step {step:5d}  loss {loss.item():.4f}")

    with ag.no_grad():
        predicted = forward(x).argmax(dim=1)
        accuracy = (predicted == y).float().mean().item()
    print(f"final accuracy {accuracy:.1%} after {args.steps} steps in {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
