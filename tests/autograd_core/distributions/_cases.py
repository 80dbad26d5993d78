"""Shared cases for the distribution tests: each builds the same distribution in autograd_core and
in PyTorch from the same float64 leaves, with a value inside its support.

``build(T, D, leaves)`` receives the library (``autograd_core`` or ``torch``), its
``distributions`` module and the leaf tensors, and returns the distribution, so one lambda
describes both sides (the APIs are the same: that is the point).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

RNG = np.random.default_rng(1234)


def _pos(*shape, low=0.5, high=2.5):
    return RNG.uniform(low, high, shape)


def _unit(*shape):
    return RNG.uniform(0.1, 0.9, shape)


def _normal(*shape):
    return RNG.standard_normal(shape)


def _one_hot(indices, k):
    return np.eye(k)[indices]


@dataclass
class Case:
    id: str
    build: object
    leaves: dict
    value: np.ndarray
    methods: tuple = ("log_prob", "entropy", "mean", "variance", "stddev", "mode")
    value_dtype: str = "float64"
    probability: np.ndarray | None = field(default=None)  # icdf's argument (in (0, 1))


def _lower(n, batch=()):
    a = np.tril(RNG.uniform(-0.5, 0.5, batch + (n, n)))
    idx = np.arange(n)
    a[..., idx, idx] = RNG.uniform(0.7, 1.5, batch + (n,))
    return a


def _spd(T, A):
    n = A.shape[-1]
    return A @ A.mT + T.eye(n, dtype=T.float64)


CONTINUOUS = ("log_prob", "entropy", "mean", "variance", "stddev", "mode", "cdf", "icdf")

CASES = [
    # ------------------------------------------------------------------ discrete
    Case(
        "Bernoulli-probs",
        lambda T, D, p: D.Bernoulli(probs=p["p"]),
        {"p": _unit(2, 3)},
        RNG.integers(0, 2, (4, 2, 3)).astype(float),
    ),
    Case(
        "Bernoulli-logits",
        lambda T, D, p: D.Bernoulli(logits=p["l"]),
        {"l": _normal(3) * 3},
        RNG.integers(0, 2, (3,)).astype(float),
    ),
    Case(
        "Categorical-probs",
        lambda T, D, p: D.Categorical(probs=p["p"]),
        {"p": _pos(2, 4)},
        RNG.integers(0, 4, (5, 2)),
        ("log_prob", "entropy", "mean", "variance", "mode"),
        "int64",
    ),
    Case(
        "Categorical-logits",
        lambda T, D, p: D.Categorical(logits=p["l"]),
        {"l": _normal(3, 5)},
        RNG.integers(0, 5, (3,)),
        ("log_prob", "entropy", "mode"),
        "int64",
    ),
    Case(
        "OneHotCategorical",
        lambda T, D, p: D.OneHotCategorical(logits=p["l"]),
        {"l": _normal(2, 4)},
        _one_hot(RNG.integers(0, 4, (3, 2)), 4),
        ("log_prob", "entropy", "mean", "variance", "mode"),
    ),
    Case(
        "Binomial-probs",
        lambda T, D, p: D.Binomial(10, probs=p["p"]),
        {"p": _unit(3)},
        RNG.integers(0, 11, (2, 3)).astype(float),
    ),
    Case(
        "Binomial-logits-tensor-count",
        lambda T, D, p: D.Binomial(T.tensor([3.0, 5.0, 8.0], dtype=T.float64), logits=p["l"]),
        {"l": np.array([-1.0, 0.0, 1.5])},
        np.array([1.0, 5.0, 0.0]),
        ("log_prob", "mean", "variance", "mode"),
    ),
    Case(
        "Geometric-probs",
        lambda T, D, p: D.Geometric(probs=p["p"]),
        {"p": _unit(4)},
        RNG.integers(0, 6, (4,)).astype(float),
    ),
    Case(
        "Geometric-logits",
        lambda T, D, p: D.Geometric(logits=p["l"]),
        {"l": _normal(2, 2)},
        RNG.integers(0, 6, (2, 2)).astype(float),
    ),
    Case(
        "Poisson",
        lambda T, D, p: D.Poisson(p["r"]),
        {"r": _pos(3, low=0.5, high=12)},
        RNG.integers(0, 15, (2, 3)).astype(float),
        ("log_prob", "mean", "variance", "stddev", "mode"),
    ),
    # ------------------------------------------------------------------ continuous
    Case(
        "Normal",
        lambda T, D, p: D.Normal(p["loc"], p["scale"]),
        {"loc": _normal(2, 3), "scale": _pos(3)},
        _normal(4, 2, 3),
        CONTINUOUS,
        probability=_unit(2, 3),
    ),
    Case(
        "Uniform",
        lambda T, D, p: D.Uniform(p["low"], p["low"] + p["width"]),
        {"low": _normal(3), "width": _pos(3)},
        None,
        CONTINUOUS,
        probability=_unit(3),
    ),
    Case(
        "Exponential",
        lambda T, D, p: D.Exponential(p["rate"]),
        {"rate": _pos(2, 3)},
        _pos(2, 3),
        CONTINUOUS,
        probability=_unit(2, 3),
    ),
    Case(
        "Laplace",
        lambda T, D, p: D.Laplace(p["loc"], p["scale"]),
        {"loc": _normal(4), "scale": _pos(4)},
        _normal(3, 4),
        CONTINUOUS,
        probability=_unit(4),
    ),
    Case(
        "Cauchy",
        lambda T, D, p: D.Cauchy(p["loc"], p["scale"]),
        {"loc": _normal(4), "scale": _pos(4)},
        _normal(3, 4),
        ("log_prob", "entropy", "mean", "variance", "mode", "cdf", "icdf"),
        probability=_unit(4),
    ),
    Case(
        "LogNormal",
        lambda T, D, p: D.LogNormal(p["loc"], p["scale"]),
        {"loc": _normal(3) * 0.5, "scale": _pos(3)},
        _pos(2, 3),
        CONTINUOUS,
        probability=_unit(3),
    ),
    Case(
        "Gamma",
        lambda T, D, p: D.Gamma(p["c"], p["r"]),
        {"c": _pos(2, 3, low=0.5, high=4), "r": _pos(3)},
        _pos(2, 3),
        ("log_prob", "entropy", "mean", "variance", "stddev", "mode"),
    ),
    Case(
        "Beta",
        lambda T, D, p: D.Beta(p["a"], p["b"]),
        {"a": _pos(3, low=1.2, high=4), "b": _pos(3, low=1.2)},
        _unit(2, 3),
        ("log_prob", "entropy", "mean", "variance", "stddev", "mode"),
    ),
    Case(
        "Dirichlet",
        lambda T, D, p: D.Dirichlet(p["c"]),
        {"c": _pos(2, 4, low=1.2, high=3)},
        RNG.dirichlet(np.ones(4), (3, 2)),
        ("log_prob", "entropy", "mean", "variance", "mode"),
    ),
    Case(
        "MultivariateNormal-cov",
        lambda T, D, p: D.MultivariateNormal(p["loc"], covariance_matrix=_spd(T, p["A"])),
        {"loc": _normal(2, 3), "A": _normal(3, 3)},
        _normal(4, 2, 3),
        ("log_prob", "entropy", "mean", "variance", "mode"),
    ),
    Case(
        "MultivariateNormal-tril",
        lambda T, D, p: D.MultivariateNormal(p["loc"], scale_tril=p["L"]),
        {"loc": _normal(3), "L": _lower(3, (2,))},
        _normal(5, 2, 3),
        ("log_prob", "entropy", "variance"),
    ),
    Case(
        "MultivariateNormal-precision",
        lambda T, D, p: D.MultivariateNormal(p["loc"], precision_matrix=_spd(T, p["A"])),
        {"loc": _normal(3), "A": _normal(3, 3)},
        _normal(2, 3),
        ("log_prob", "entropy", "variance"),
    ),
    Case(
        "Independent-Normal",
        lambda T, D, p: D.Independent(D.Normal(p["loc"], p["scale"]), 1),
        {"loc": _normal(2, 3), "scale": _pos(2, 3)},
        _normal(4, 2, 3),
        ("log_prob", "entropy", "mean", "variance"),
    ),
]
_UNIFORM = next(c for c in CASES if c.id == "Uniform")
_UNIFORM.value = _UNIFORM.leaves["low"] + _UNIFORM.leaves["width"] * _unit(2, 3)  # (inside [low, high))


def exact_torch_digamma(torch):
    """``torch.digamma`` whose backward uses SciPy's trigamma.

    PyTorch's CPU ``polygamma(1, x)`` (digamma's derivative) is accurate to only about 1e-9
    relative (ours and SciPy's agree to 1e-16), so gradients of Gamma / Beta / Dirichlet
    entropies and KLs would differ from the oracle by more than 1e-10 for that reason alone.
    Patched in for those comparisons, PyTorch's own formulas stay the oracle.
    """
    special = __import__("pytest").importorskip("scipy.special")
    original = torch.digamma

    class _Digamma(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return original(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * torch.from_numpy(special.polygamma(1, x.detach().numpy())).to(x.dtype)

    return _Digamma.apply


def patch_exact_digamma(monkeypatch, torch) -> None:
    """Route ``torch.digamma`` and ``Tensor.digamma`` through ``exact_torch_digamma``."""
    exact = exact_torch_digamma(torch)
    monkeypatch.setattr(torch, "digamma", exact)
    monkeypatch.setattr(torch.Tensor, "digamma", lambda self: exact(self))
