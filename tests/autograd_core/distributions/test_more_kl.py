"""``kl_divergence`` for the pairs PyTorch registers for the later families: values and
gradients with respect to both distributions' parameters (float64, 1e-10), infinite pairs,
dispatch through ``TransformedDistribution`` / ``Independent``, and shape errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.distributions as AD
from tests.autograd_core.distributions._cases import patch_exact_digamma
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE

torch = pytest.importorskip("torch")
TD = torch.distributions
TOL = {"rtol": 1e-10, "atol": 1e-12}
RNG = np.random.default_rng(99)


def _pos(*s, low=0.5, high=2.5):
    return lambda: RNG.uniform(low, high, s)


def _normal(*s):
    return lambda: RNG.standard_normal(s)


def _unit(*s):
    return lambda: RNG.uniform(0.1, 0.9, s)


def _lower(n):
    def make():
        a = np.tril(RNG.uniform(-0.5, 0.5, (n, n)))
        a[np.arange(n), np.arange(n)] = RNG.uniform(0.7, 1.5, n)
        return a

    return make


FAMILIES = {
    "Normal": (lambda D, x: D.Normal(x["loc"], x["s"]), {"loc": _normal(3), "s": _pos(3)}),
    "Exponential": (lambda D, x: D.Exponential(x["r"]), {"r": _pos(3)}),
    "Gamma": (lambda D, x: D.Gamma(x["c"], x["r"]), {"c": _pos(3), "r": _pos(3)}),
    "Beta": (lambda D, x: D.Beta(x["a"], x["b"]), {"a": _pos(3), "b": _pos(3)}),
    "Uniform-unit": (lambda D, x: D.Uniform(x["lo"] * 0.1, 1 - x["w"] * 0.1), {"lo": _unit(3), "w": _unit(3)}),
    "Uniform-wide": (lambda D, x: D.Uniform(x["lo"] - 1, x["lo"] + x["w"]), {"lo": _normal(3), "w": _pos(3)}),
    "Uniform-above": (lambda D, x: D.Uniform(x["lo"] + 3, x["lo"] + 3 + x["w"]), {"lo": _pos(3), "w": _pos(3)}),
    "Gumbel": (lambda D, x: D.Gumbel(x["loc"], x["s"]), {"loc": _normal(3), "s": _pos(3)}),
    "HalfNormal": (lambda D, x: D.HalfNormal(x["s"]), {"s": _pos(3)}),
    "Pareto": (lambda D, x: D.Pareto(x["s"], x["a"]), {"s": _pos(3, high=1.0), "a": _pos(3, low=2.5, high=4.0)}),
    "Pareto-heavy": (
        lambda D, x: D.Pareto(x["s"], x["a"]),
        {"s": _pos(3, high=1.0), "a": lambda: np.array([0.8, 1.5, 3.0])},
    ),
    "ContinuousBernoulli": (
        lambda D, x: D.ContinuousBernoulli(probs=x["p"]),
        {"p": lambda: np.array([0.2, 0.4996, 0.8])},
    ),
    "LowRankMultivariateNormal": (
        lambda D, x: D.LowRankMultivariateNormal(x["loc"], x["W"], x["d"]),
        {"loc": _normal(2, 3), "W": _normal(3, 2), "d": _pos(3)},
    ),
    "MultivariateNormal": (
        lambda D, x: D.MultivariateNormal(x["loc"], scale_tril=x["L"]),
        {"loc": _normal(2, 3), "L": _lower(3)},
    ),
    "LogisticNormal": (lambda D, x: D.LogisticNormal(x["loc"], x["s"]), {"loc": _normal(2, 3), "s": _pos(2, 3)}),
    "Independent-Gumbel": (
        lambda D, x: D.Independent(D.Gumbel(x["loc"], x["s"]), 1),
        {"loc": _normal(2, 3), "s": _pos(2, 3)},
    ),
    "Laplace": (lambda D, x: D.Laplace(x["loc"], x["s"]), {"loc": _normal(3), "s": _pos(3)}),
}

PAIRS = [
    ("ContinuousBernoulli", "ContinuousBernoulli"),
    ("Gumbel", "Gumbel"),
    ("HalfNormal", "HalfNormal"),
    ("Pareto", "Pareto"),
    ("LowRankMultivariateNormal", "LowRankMultivariateNormal"),
    ("MultivariateNormal", "LowRankMultivariateNormal"),
    ("LowRankMultivariateNormal", "MultivariateNormal"),
    ("Beta", "ContinuousBernoulli"),
    ("ContinuousBernoulli", "Exponential"),
    ("ContinuousBernoulli", "Normal"),
    ("ContinuousBernoulli", "Uniform-wide"),
    ("ContinuousBernoulli", "Uniform-unit"),
    ("Uniform-unit", "ContinuousBernoulli"),
    ("Exponential", "Gumbel"),
    ("Gamma", "Gumbel"),
    ("Gumbel", "Normal"),
    ("Normal", "Gumbel"),
    ("Uniform-wide", "Gumbel"),
    ("Pareto", "Exponential"),
    ("Pareto-heavy", "Exponential"),
    ("Pareto", "Gamma"),
    ("Pareto-heavy", "Gamma"),
    ("Pareto", "Normal"),
    ("Pareto-heavy", "Normal"),
    ("Uniform-above", "Pareto"),
    ("Uniform-wide", "Pareto"),
    ("LogisticNormal", "LogisticNormal"),
    ("Independent-Gumbel", "Independent-Gumbel"),
    ("Gumbel", "Beta"),
    ("Gumbel", "Uniform-wide"),
    ("Normal", "Pareto"),
    ("Laplace", "ContinuousBernoulli"),
    ("Exponential", "Pareto"),
    ("Gamma", "ContinuousBernoulli"),
    ("Beta", "Pareto"),
    ("Pareto", "Beta"),
    ("ContinuousBernoulli", "Pareto"),
]


@pytest.fixture(autouse=True)
def _exact_trigamma(monkeypatch):
    patch_exact_digamma(monkeypatch, torch)


def _kl(lib, D, p_name, q_name, arrays, device=None):
    kw = {} if device is None else {"device": device}
    leaves = {k: lib.tensor(v, dtype=lib.float64, requires_grad=True, **kw) for k, v in arrays.items()}
    p = FAMILIES[p_name][0](D, {k[2:]: v for k, v in leaves.items() if k.startswith("p_")})
    q = FAMILIES[q_name][0](D, {k[2:]: v for k, v in leaves.items() if k.startswith("q_")})
    kl = D.kl_divergence(p, q)
    loss = lib.where(kl.isfinite(), kl, 0.0).sum()
    if loss.requires_grad:
        loss.backward()
    host = to_host if lib is ag else (lambda t: t.detach().numpy())
    return host(kl), {k: (None if t.grad is None else host(t.grad)) for k, t in leaves.items()}


def _arrays(p_name, q_name):
    arrays = {f"p_{k}": make() for k, make in FAMILIES[p_name][1].items()}
    arrays.update({f"q_{k}": make() for k, make in FAMILIES[q_name][1].items()})
    return arrays


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{p}-{q}" for p, q in PAIRS])
def test_kl_and_gradients_match_torch(pair):
    arrays = _arrays(*pair)
    ours, g_ours = _kl(ag, AD, *pair, arrays)
    theirs, g_theirs = _kl(torch, TD, *pair, arrays)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, **TOL)
    assert (ours >= -1e-10).all()
    for k, g in g_theirs.items():
        if g is None:
            assert g_ours[k] is None or not g_ours[k].any(), k
        else:
            np.testing.assert_allclose(g_ours[k], g, **TOL, err_msg=f"dKL/d{k}")


def test_kl_of_a_family_with_itself_is_zero():
    for name in ("Gumbel", "Pareto", "ContinuousBernoulli", "LowRankMultivariateNormal", "HalfNormal"):
        arrays = {f"p_{k}": make() for k, make in FAMILIES[name][1].items()}
        leaves = {k[2:]: ag.tensor(v, dtype=ag.float64) for k, v in arrays.items()}
        d = FAMILIES[name][0](AD, leaves)
        np.testing.assert_allclose(to_host(AD.kl_divergence(d, d)), 0.0, atol=1e-12, err_msg=name)


def test_lowrank_kl_refuses_different_event_shapes_as_torch():
    for lib, D in ((ag, AD), (torch, TD)):
        p = D.LowRankMultivariateNormal(lib.zeros(2), lib.ones(2, 1), lib.ones(2))
        q = D.LowRankMultivariateNormal(lib.zeros(3), lib.ones(3, 1), lib.ones(3))
        with pytest.raises(ValueError, match="different event shapes"):
            D.kl_divergence(p, q)


def test_weibulls_with_different_transforms_have_no_kl():
    p, q = AD.Weibull(ag.tensor([1.0]), ag.tensor([2.0])), AD.Weibull(ag.tensor([1.0]), ag.tensor([3.0]))
    with pytest.raises(NotImplementedError):
        AD.kl_divergence(p, q)


@pytest.mark.parametrize(
    "pair",
    [("Gumbel", "Gumbel"), ("LowRankMultivariateNormal", "MultivariateNormal"), ("ContinuousBernoulli", "Normal")],
)
def test_kl_on_the_strict_device(pair):
    arrays = _arrays(*pair)
    strict, g_strict = _kl(ag, AD, *pair, arrays, device=DEVICE)
    cpu, g_cpu = _kl(ag, AD, *pair, arrays, device="cpu")
    np.testing.assert_allclose(strict, cpu, rtol=1e-12, atol=1e-14)
    for k in g_cpu:
        np.testing.assert_allclose(g_strict[k], g_cpu[k], rtol=1e-12, atol=1e-14)
