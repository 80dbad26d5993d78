"""Sampling: statistics of many draws (mean and variance within 5 standard errors, fixed seed),
shapes for every ``sample_shape`` / ``batch_shape`` / ``event_shape`` combination,
reproducibility under ``ag.manual_seed``, and gradients through ``rsample``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.distributions as AD
from tests.helpers.op_factory import to_host

N = 20000


def _t(x):
    return ag.tensor(x, dtype=ag.float64)


# name -> (distribution, exact mean, exact variance), all batched over 2-3 parameter settings
STATS = {
    "Bernoulli": (lambda: AD.Bernoulli(_t([0.1, 0.5, 0.9])), [0.1, 0.5, 0.9], [0.09, 0.25, 0.09]),
    "Binomial": (
        lambda: AD.Binomial(_t([5.0, 20.0, 300.0]), _t([0.3, 0.5, 0.9])),
        [1.5, 10.0, 270.0],
        [1.05, 5.0, 27.0],
    ),
    "Geometric": (lambda: AD.Geometric(_t([0.2, 0.7])), [4.0, 3 / 7], [20.0, (3 / 7) / 0.7]),
    "Poisson": (
        lambda: AD.Poisson(_t([0.0, 0.7, 3.0, 9.5, 10.0, 40.0])),
        [0.0, 0.7, 3.0, 9.5, 10.0, 40.0],
        [0.0, 0.7, 3.0, 9.5, 10.0, 40.0],
    ),
    "Normal": (lambda: AD.Normal(_t([0.0, 3.0]), _t([1.0, 0.5])), [0.0, 3.0], [1.0, 0.25]),
    "Uniform": (lambda: AD.Uniform(_t([0.0, -2.0]), _t([1.0, 4.0])), [0.5, 1.0], [1 / 12, 3.0]),
    "Exponential": (lambda: AD.Exponential(_t([1.0, 4.0])), [1.0, 0.25], [1.0, 1 / 16]),
    "Laplace": (lambda: AD.Laplace(_t([0.0, 2.0]), _t([1.0, 0.5])), [0.0, 2.0], [2.0, 0.5]),
    "LogNormal": (
        lambda: AD.LogNormal(_t([0.0, 1.0]), _t([0.5, 0.25])),
        [math.exp(0.125), math.exp(1 + 0.03125)],
        [math.expm1(0.25) * math.exp(0.25), math.expm1(0.0625) * math.exp(2 + 0.0625)],
    ),
    "Gamma": (lambda: AD.Gamma(_t([0.3, 1.0, 4.5]), _t([1.0, 2.0, 3.0])), [0.3, 0.5, 1.5], [0.3, 0.25, 0.5]),
    "Beta": (lambda: AD.Beta(_t([0.5, 2.0]), _t([0.5, 5.0])), [0.5, 2 / 7], [1 / 8, 10 / (49 * 8)]),
    "Dirichlet": (lambda: AD.Dirichlet(_t([1.0, 2.0, 3.0])), [1 / 6, 2 / 6, 3 / 6], [5 / 252, 8 / 252, 9 / 252]),
    "OneHotCategorical": (lambda: AD.OneHotCategorical(_t([0.2, 0.3, 0.5])), [0.2, 0.3, 0.5], [0.16, 0.21, 0.25]),
}


@pytest.mark.parametrize("name", list(STATS))
def test_sample_mean_and_variance_within_five_standard_errors(name):
    make, mean, var = STATS[name]
    ag.manual_seed(0)
    x = to_host(make().sample((N,)))
    mean, var = np.array(mean), np.array(var)
    centred = x - x.mean(0)
    m2, m4 = (centred**2).mean(0), (centred**4).mean(0)
    se_mean = np.sqrt(var / N)
    se_var = np.sqrt(np.maximum(m4 - m2**2, 0) / N)
    assert (np.abs(x.mean(0) - mean) <= 5 * se_mean + 1e-12).all(), (x.mean(0), mean)
    assert (np.abs(x.var(0) - var) <= 5 * se_var + 1e-12).all(), (x.var(0), var)


def test_categorical_frequencies_match_probs():
    ag.manual_seed(1)
    probs = np.array([[0.1, 0.2, 0.7], [0.5, 0.0, 0.5]])
    x = to_host(AD.Categorical(_t(probs)).sample((N,)))
    assert x.dtype == np.int64 and x.shape == (N, 2)
    for b in range(2):
        freq = np.bincount(x[:, b], minlength=3) / N
        assert (np.abs(freq - probs[b]) <= 5 * np.sqrt(probs[b] * (1 - probs[b]) / N) + 1e-12).all()


def test_cauchy_quartiles():
    ag.manual_seed(2)
    x = to_host(AD.Cauchy(_t(1.0), _t(2.0)).sample((N,)))
    for q, at in ((0.25, -1.0), (0.5, 1.0), (0.75, 3.0)):
        assert abs((x <= at).mean() - q) <= 5 * math.sqrt(q * (1 - q) / N)


def test_multivariate_normal_mean_and_covariance():
    ag.manual_seed(3)
    cov = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])
    loc = np.array([1.0, -1.0, 0.5])
    for kwargs in (
        {"covariance_matrix": _t(cov)},
        {"precision_matrix": _t(np.linalg.inv(cov))},
        {"scale_tril": _t(np.linalg.cholesky(cov))},
    ):
        x = to_host(AD.MultivariateNormal(_t(loc), **kwargs).sample((N,)))
        se = np.sqrt(np.diag(cov) / N)
        assert (np.abs(x.mean(0) - loc) <= 5 * se).all()
        # covariance entries: se of a sample covariance is sqrt((s_ii s_jj + s_ij^2) / N)
        se_cov = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / N)
        assert (np.abs(np.cov(x.T) - cov) <= 5 * se_cov).all()


SHAPED = {
    "Bernoulli": (lambda: AD.Bernoulli(logits=ag.zeros(2, 3)), (2, 3), ()),
    "Categorical": (lambda: AD.Categorical(logits=ag.zeros(2, 3, 4)), (2, 3), ()),
    "OneHotCategorical": (lambda: AD.OneHotCategorical(logits=ag.zeros(2, 4)), (2,), (4,)),
    "Binomial": (lambda: AD.Binomial(4, ag.full((3,), 0.5)), (3,), ()),
    "Geometric": (lambda: AD.Geometric(ag.full((3,), 0.5)), (3,), ()),
    "Poisson": (lambda: AD.Poisson(ag.full((2, 1), 4.0)), (2, 1), ()),
    "Normal": (lambda: AD.Normal(ag.zeros(3, 1), ag.ones(2)), (3, 2), ()),
    "Uniform": (lambda: AD.Uniform(0.0, ag.ones(2)), (2,), ()),
    "Exponential": (lambda: AD.Exponential(ag.ones(2)), (2,), ()),
    "Laplace": (lambda: AD.Laplace(0.0, 1.0), (), ()),
    "Cauchy": (lambda: AD.Cauchy(ag.zeros(2), 1.0), (2,), ()),
    "LogNormal": (lambda: AD.LogNormal(ag.zeros(2), 1.0), (2,), ()),
    "Gamma": (lambda: AD.Gamma(ag.ones(2), 1.0), (2,), ()),
    "Beta": (lambda: AD.Beta(ag.ones(2), 2.0), (2,), ()),
    "Dirichlet": (lambda: AD.Dirichlet(ag.ones(2, 3)), (2,), (3,)),
    "MultivariateNormal": (lambda: AD.MultivariateNormal(ag.zeros(2, 3), ag.eye(3)), (2,), (3,)),
    "Independent": (lambda: AD.Independent(AD.Normal(ag.zeros(2, 3), 1.0), 1), (2,), (3,)),
}


@pytest.mark.parametrize("name", list(SHAPED))
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3), ag.Size([4])])
def test_sample_shapes_and_log_prob_shapes(name, sample_shape):
    make, batch, event = SHAPED[name]
    d = make()
    assert tuple(d.batch_shape) == batch and tuple(d.event_shape) == event
    x = d.sample(sample_shape)
    assert tuple(x.shape) == tuple(sample_shape) + batch + event
    assert not x.requires_grad
    assert tuple(d.log_prob(x).shape) == tuple(sample_shape) + batch
    if d.has_rsample:
        assert tuple(d.rsample(sample_shape).shape) == tuple(sample_shape) + batch + event


@pytest.mark.parametrize("name", list(SHAPED))
def test_manual_seed_makes_sampling_reproducible(name):
    make = SHAPED[name][0]
    ag.manual_seed(123)
    a = to_host(make().sample((7,)))
    ag.manual_seed(123)
    b = to_host(make().sample((7,)))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", list(SHAPED))
def test_expand_shares_parameters_and_gives_the_expanded_shapes(name):
    make, batch, event = SHAPED[name]
    d = make()
    new_batch = (5,) + batch
    e = d.expand(new_batch)
    assert type(e) is type(d)
    assert tuple(e.batch_shape) == new_batch and tuple(e.event_shape) == event
    assert tuple(e.sample().shape) == new_batch + event
    x = d.sample()
    np.testing.assert_allclose(to_host(e.log_prob(x)), np.broadcast_to(to_host(d.log_prob(x)), new_batch))
    assert e._validate_args == d._validate_args


def test_rsample_gradients_flow_to_the_parameters():
    loc = ag.tensor([0.5, -1.0], dtype=ag.float64, requires_grad=True)
    scale = ag.tensor([2.0, 0.5], dtype=ag.float64, requires_grad=True)
    ag.manual_seed(4)
    x = AD.Normal(loc, scale).rsample((3,))
    x.sum().backward()
    np.testing.assert_allclose(to_host(loc.grad), [3.0, 3.0])
    eps = (to_host(x) - to_host(loc)) / to_host(scale)
    np.testing.assert_allclose(to_host(scale.grad), eps.sum(0), rtol=1e-12)
    # sample() is outside the graph
    assert not AD.Normal(loc, scale).sample().requires_grad


def test_gamma_beta_dirichlet_offer_no_rsample():
    for d in (AD.Gamma(1.0, 1.0), AD.Beta(1.0, 1.0), AD.Dirichlet(ag.ones(2))):
        assert d.has_rsample is False
        with pytest.raises(NotImplementedError, match="rsample"):
            d.rsample()


def test_sample_shape_may_be_a_list_or_an_empty_size():
    d = AD.Normal(0.0, 1.0)
    assert tuple(d.sample([2, 3]).shape) == (2, 3)
    assert tuple(d.sample(ag.Size([0])).shape) == (0,)
    assert tuple(AD.Categorical(logits=ag.zeros(3)).sample((0,)).shape) == (0,)


def test_float32_parameters_give_float32_samples_and_log_probs():
    for d in (AD.Normal(0.0, 1.0), AD.Gamma(2.0, 1.0), AD.Poisson(3.0), AD.Bernoulli(0.3), AD.Beta(2.0, 2.0)):
        x = d.sample((3,))
        assert x.dtype == ag.float32 and d.log_prob(x).dtype == ag.float32, type(d).__name__
