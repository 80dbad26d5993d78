"""Shared optimizer cases: option combinations, fixed gradient sequences, and a runner for ours."""

from __future__ import annotations

import numpy as np

import autograd_core as ag
import optim

SHAPES = [(3, 4), (5,)]

# (optimizer name, options): every flag PyTorch offers that we implement, alone and combined.
CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.9), eps=1e-3, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.02, betas=(0.7, 0.8), weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, eps=1e-5, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(rho=0.5, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, eps=1e-4, maximize=True)),
]


def case_id(case) -> str:
    name, kw = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


def initial_params(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in SHAPES]


def grad_sequence(steps: int, seed: int = 1, with_gaps: bool = True) -> list[list[np.ndarray | None]]:
    """Gradients for each step; with ``with_gaps`` the second param has no grad at step 2 (it must be skipped)."""
    rng = np.random.default_rng(seed)
    seq = [[rng.standard_normal(s) for s in SHAPES] for _ in range(steps)]
    if with_gaps and steps > 2:
        seq[2][1] = None
    return seq


def make_ours(name, kw, values, device="cpu"):
    params = [ag.tensor(v, dtype=ag.float64, device=device, requires_grad=True) for v in values]
    return params, getattr(optim, name)(params, **kw)


def run_ours(params, opt, grads, device="cpu") -> list[list[np.ndarray]]:
    """Set each step's gradients explicitly, step, and record the parameters after every step."""
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else ag.tensor(g, dtype=ag.float64, device=device)
        opt.step()
        history.append([host(p) for p in params])
    return history


def host(t) -> np.ndarray:
    return t.detach().to("cpu").numpy().copy()  # a snapshot: later in-place steps must not change it
