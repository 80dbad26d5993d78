"""Every distribution on the strict device (arrays that refuse NumPy, as CuPy's do): sampling,
``log_prob``, ``entropy``, ``cdf``, moments, ``expand``, KL and their backward run there without a
host round trip, and give the CPU's values on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.distributions as AD
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE


def _t(values, device, grad=True):
    return ag.tensor(np.asarray(values, dtype=np.float64), dtype=ag.float64, device=device, requires_grad=grad)


def _spd(A):
    return A @ A.mT + ag.eye(A.shape[-1], dtype=A.dtype, device=A.device)


# name -> (build(device) -> (distribution, leaves), methods)
BUILDS = {
    "Bernoulli": lambda d: (lambda p: (AD.Bernoulli(probs=p), [p]))(_t([0.2, 0.7], d)),
    "Categorical": lambda d: (lambda lg: (AD.Categorical(logits=lg), [lg]))(_t([[0.1, 0.5, -1.0], [0.0, 1.0, 2.0]], d)),
    "OneHotCategorical": lambda d: (lambda p: (AD.OneHotCategorical(probs=p), [p]))(_t([0.2, 0.3, 0.5], d)),
    "Binomial": lambda d: (lambda p: (AD.Binomial(12, probs=p), [p]))(_t([0.2, 0.7], d)),
    "Geometric": lambda d: (lambda lg: (AD.Geometric(logits=lg), [lg]))(_t([0.2, -0.7], d)),
    "Poisson": lambda d: (lambda r: (AD.Poisson(r), [r]))(_t([0.5, 4.0, 25.0], d)),
    "Normal": lambda d: (lambda m, s: (AD.Normal(m, s), [m, s]))(_t([0.0, 1.0], d), _t([1.0, 2.0], d)),
    "Uniform": lambda d: (lambda lo, hi: (AD.Uniform(lo, hi), [lo, hi]))(_t([0.0, 1.0], d), _t([1.0, 3.0], d)),
    "Exponential": lambda d: (lambda r: (AD.Exponential(r), [r]))(_t([0.5, 2.0], d)),
    "Laplace": lambda d: (lambda m, s: (AD.Laplace(m, s), [m, s]))(_t([0.0, 1.0], d), _t([1.0, 2.0], d)),
    "Cauchy": lambda d: (lambda m, s: (AD.Cauchy(m, s), [m, s]))(_t([0.0, 1.0], d), _t([1.0, 2.0], d)),
    "LogNormal": lambda d: (lambda m, s: (AD.LogNormal(m, s), [m, s]))(_t([0.0, 1.0], d), _t([1.0, 0.5], d)),
    "Gamma": lambda d: (lambda c, r: (AD.Gamma(c, r), [c, r]))(_t([0.4, 3.0], d), _t([1.0, 2.0], d)),
    "Beta": lambda d: (lambda a, b: (AD.Beta(a, b), [a, b]))(_t([0.4, 3.0], d), _t([1.0, 2.0], d)),
    "Dirichlet": lambda d: (lambda c: (AD.Dirichlet(c), [c]))(_t([[0.4, 3.0, 1.0], [2.0, 2.0, 2.0]], d)),
    "MultivariateNormal": lambda d: (lambda m, A: (AD.MultivariateNormal(m, _spd(A)), [m, A]))(
        _t([0.0, 1.0], d), _t([[1.0, 0.2], [0.3, 0.8]], d)
    ),
    "MultivariateNormal-precision": lambda d: (
        lambda A: (AD.MultivariateNormal(ag.zeros(2, dtype=ag.float64, device=d), precision_matrix=_spd(A)), [A])
    )(_t([[1.0, 0.2], [0.3, 0.8]], d)),
    "Independent": lambda d: (lambda m, s: (AD.Independent(AD.Normal(m, s), 1), [m, s]))(
        _t([[0.0, 1.0]], d), _t([[1.0, 2.0]], d)
    ),
}


def _evaluate(name, device, value=None):
    """Everything the distribution offers, summed into one loss; returns values and grads."""
    dist, leaves = BUILDS[name](device)
    ag.manual_seed(11)
    x = dist.sample((4,)) if value is None else ag.tensor(value, device=device)
    assert str(x.device) == device
    out = {"log_prob": dist.log_prob(x)}
    for method in ("entropy", "cdf"):
        try:
            out[method] = dist.entropy() if method == "entropy" else dist.cdf(x)
        except NotImplementedError:
            pass
    if name == "Gamma":  # its cdf has no gradient in the concentration (as PyTorch's): compare values only
        out["cdf"] = out["cdf"].detach()
    for attr in ("mean", "variance", "mode"):
        out[attr] = getattr(dist, attr)
    if dist.has_rsample:  # (its noise is the device's stream, so it stays out of the comparison)
        drawn = dist.rsample((2,))
        drawn.sum().backward(retain_graph=True)
        assert str(drawn.device) == device
        for t in leaves:
            t.grad = None
    if dist.has_enumerate_support:
        out["enumerated"] = dist.log_prob(dist.enumerate_support())
    out["expanded"] = dist.expand((3,) + tuple(dist.batch_shape)).log_prob(x.unsqueeze(1))
    out["kl"] = AD.kl_divergence(dist, dist)
    loss = sum(v.sum() for v in out.values() if v.dtype == ag.float64 and v.requires_grad and bool(v.isfinite().all()))
    loss.backward()
    for v in out.values():
        assert str(v.device) == device
    return to_host(x), {k: to_host(v) for k, v in out.items()}, [to_host(t.grad) for t in leaves]


@pytest.mark.parametrize("name", list(BUILDS))
def test_runs_on_the_strict_device_and_matches_the_cpu(name):
    x, strict_values, strict_grads = _evaluate(name, DEVICE)
    _, cpu_values, cpu_grads = _evaluate(name, "cpu", value=x)
    for key in cpu_values:
        np.testing.assert_allclose(strict_values[key], cpu_values[key], rtol=1e-12, atol=1e-14, err_msg=key)
    for a, b in zip(strict_grads, cpu_grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_strict_device_samples_are_reproducible():
    d = AD.Gamma(ag.tensor([0.5, 2.0], device=DEVICE), 1.0)
    ag.manual_seed(3)
    a = to_host(d.sample((5,)))
    ag.manual_seed(3)
    np.testing.assert_array_equal(a, to_host(d.sample((5,))))
