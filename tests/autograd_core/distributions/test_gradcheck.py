"""Gradients of the distributions' differentiable paths against central differences (float64):
``log_prob`` with respect to the value and every parameter, ``rsample`` with a fixed seed,
``entropy`` / ``cdf`` / ``icdf``, and KL, first and second order (the engine differentiates the
composition, so no backward rule here could be wrong; these check the compositions are smooth
where they should be and that nothing leaves the graph)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.distributions as AD


def _t(*values):
    return ag.tensor(np.array(values, dtype=np.float64), dtype=ag.float64, requires_grad=True)


def _spd(A):
    return A @ A.mT + ag.eye(A.shape[-1], dtype=ag.float64)


# name -> (fn(*inputs) -> Tensor, inputs)
PATHS = {
    "Normal.log_prob": (lambda x, m, s: AD.Normal(m, s).log_prob(x), (_t(0.3, -1.2), _t(0.1, 0.4), _t(0.8, 1.7))),
    "Normal.cdf+icdf": (
        lambda x, m, s, u: AD.Normal(m, s).cdf(x) + AD.Normal(m, s).icdf(u),
        (_t(0.3, -1.2), _t(0.1, 0.4), _t(0.8, 1.7), _t(0.2, 0.9)),
    ),
    "Laplace.log_prob+cdf": (
        lambda x, m, s: AD.Laplace(m, s).log_prob(x) + AD.Laplace(m, s).cdf(x),
        (_t(0.3, -1.2), _t(0.1, 0.4), _t(0.8, 1.7)),
    ),
    "Cauchy.log_prob+icdf": (
        lambda x, m, s, u: AD.Cauchy(m, s).log_prob(x) + AD.Cauchy(m, s).icdf(u),
        (_t(0.3, -1.2), _t(0.1, 0.4), _t(0.8, 1.7), _t(0.2, 0.9)),
    ),
    "Exponential.log_prob+cdf": (
        lambda x, r: AD.Exponential(r).log_prob(x) + AD.Exponential(r).cdf(x),
        (_t(0.3, 1.2), _t(0.8, 1.7)),
    ),
    "Uniform.log_prob+cdf": (
        lambda x, lo, hi: AD.Uniform(lo, hi).log_prob(x) + AD.Uniform(lo, hi).cdf(x),
        (_t(0.3, 1.2), _t(0.1, -0.4), _t(0.8, 1.7)),
    ),
    "LogNormal.log_prob+cdf": (
        lambda x, m, s: AD.LogNormal(m, s).log_prob(x) + AD.LogNormal(m, s).cdf(x),
        (_t(0.3, 1.2), _t(0.1, 0.4), _t(0.8, 1.7)),
    ),
    "Gamma.log_prob+entropy": (
        lambda x, c, r: AD.Gamma(c, r).log_prob(x) + AD.Gamma(c, r).entropy(),
        (_t(0.3, 1.2), _t(0.7, 2.4), _t(0.8, 1.7)),
    ),
    "Beta.log_prob+entropy": (
        lambda x, a, b: AD.Beta(a, b).log_prob(x) + AD.Beta(a, b).entropy(),
        (_t(0.3, 0.8), _t(0.7, 2.4), _t(1.8, 1.7)),
    ),
    "Dirichlet.log_prob+entropy": (
        lambda x, c: AD.Dirichlet(c).log_prob(x / x.sum(-1, keepdim=True)) + AD.Dirichlet(c).entropy(),
        (_t(0.2, 0.3, 0.5), _t(0.7, 2.4, 1.3)),
    ),
    "Bernoulli(probs).log_prob+entropy": (
        lambda p: AD.Bernoulli(p).log_prob(ag.tensor([1.0, 0.0], dtype=ag.float64)) + AD.Bernoulli(p).entropy(),
        (_t(0.3, 0.6),),
    ),
    "Categorical(logits).log_prob+entropy": (
        lambda lg: AD.Categorical(logits=lg).log_prob(ag.tensor([2, 0])) + AD.Categorical(logits=lg).entropy(),
        (ag.tensor([[0.1, -0.3, 0.5], [1.0, 0.2, -1.0]], dtype=ag.float64, requires_grad=True),),
    ),
    "Binomial.log_prob": (
        lambda lg: AD.Binomial(7, logits=lg).log_prob(ag.tensor([2.0, 7.0], dtype=ag.float64)),
        (_t(0.3, -0.6),),
    ),
    "Geometric.log_prob+entropy": (
        lambda p: AD.Geometric(p).log_prob(ag.tensor([2.0, 0.0], dtype=ag.float64)) + AD.Geometric(p).entropy(),
        (_t(0.3, 0.6),),
    ),
    "Poisson.log_prob": (lambda r: AD.Poisson(r).log_prob(ag.tensor([2.0, 0.0], dtype=ag.float64)), (_t(0.3, 4.6),)),
    "MultivariateNormal(cov).log_prob+entropy": (
        lambda x, m, A: AD.MultivariateNormal(m, _spd(A)).log_prob(x) + AD.MultivariateNormal(m, _spd(A)).entropy(),
        (
            ag.tensor([[0.3, -1.0], [1.0, 0.5]], dtype=ag.float64, requires_grad=True),
            _t(0.1, 0.2),
            ag.tensor([[0.5, 0.1], [-0.4, 0.9]], dtype=ag.float64, requires_grad=True),
        ),
    ),
    "MultivariateNormal(precision).log_prob": (
        lambda x, A: AD.MultivariateNormal(ag.zeros(2, dtype=ag.float64), precision_matrix=_spd(A)).log_prob(x),
        (_t(0.3, -1.0), ag.tensor([[0.5, 0.1], [-0.4, 0.9]], dtype=ag.float64, requires_grad=True)),
    ),
    "KL(MVN || MVN)": (
        lambda m, A, B: AD.kl_divergence(
            AD.MultivariateNormal(m, _spd(A)), AD.MultivariateNormal(ag.zeros(2, dtype=ag.float64), _spd(B))
        ),
        (
            _t(0.1, 0.2),
            ag.tensor([[0.5, 0.1], [-0.4, 0.9]], dtype=ag.float64, requires_grad=True),
            ag.tensor([[1.5, 0.0], [0.4, 0.7]], dtype=ag.float64, requires_grad=True),
        ),
    ),
    "KL(Gamma || Gamma)": (
        lambda a, b, c, d: AD.kl_divergence(AD.Gamma(a, b), AD.Gamma(c, d)),
        (_t(0.7, 2.4), _t(0.8, 1.7), _t(1.3, 0.6), _t(2.0, 0.9)),
    ),
}


def _seeded(fn):
    """rsample paths draw; reseed so every evaluation of gradcheck sees the same noise."""

    def wrapped(*inputs):
        ag.manual_seed(5)
        return fn(*inputs)

    return wrapped


RSAMPLE = {
    "Normal.rsample": (lambda m, s: AD.Normal(m, s).rsample((3,)), (_t(0.1, 0.4), _t(0.8, 1.7))),
    "Laplace.rsample": (lambda m, s: AD.Laplace(m, s).rsample((3,)), (_t(0.1, 0.4), _t(0.8, 1.7))),
    "Exponential.rsample": (lambda r: AD.Exponential(r).rsample((3,)), (_t(0.8, 1.7),)),
    "Uniform.rsample": (lambda lo, hi: AD.Uniform(lo, hi).rsample((3,)), (_t(0.1, 0.4), _t(0.8, 1.7))),
    "Cauchy.rsample": (lambda m, s: AD.Cauchy(m, s).rsample((3,)), (_t(0.1, 0.4), _t(0.8, 1.7))),
    "LogNormal.rsample": (lambda m, s: AD.LogNormal(m, s).rsample((3,)), (_t(0.1, 0.4), _t(0.8, 1.7))),
    "MultivariateNormal.rsample": (
        lambda m, L: AD.MultivariateNormal(m, scale_tril=L.tril()).rsample((3,)),
        (_t(0.1, 0.4), ag.tensor([[0.5, 0.0], [-0.4, 0.9]], dtype=ag.float64, requires_grad=True)),
    ),
}


@pytest.mark.parametrize("name", list(PATHS))
def test_first_and_second_derivatives(name):
    fn, inputs = PATHS[name]
    assert ag.gradcheck(fn, inputs)
    assert ag.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("name", list(RSAMPLE))
def test_rsample_derivatives(name):
    fn, inputs = RSAMPLE[name]
    assert ag.gradcheck(_seeded(fn), inputs)
