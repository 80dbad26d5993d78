"""Argument and value validation: the same ValueError messages as PyTorch's, the switches
(``validate_args=``, ``Distribution.set_default_validate_args``), and constraint objects."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.distributions as AD
from autograd_core.distributions import constraints as C
from tests.helpers.op_factory import to_host

torch = pytest.importorskip("torch")
TD = torch.distributions


def _same_error(ours, theirs, exc=ValueError):
    with pytest.raises(exc) as e_ours:
        ours()
    with pytest.raises(exc) as e_theirs:
        theirs()
    assert str(e_ours.value) == str(e_theirs.value)


BAD_PARAMETERS = [
    ("Normal scale", lambda T, D: D.Normal(0.0, -1.0)),
    ("Normal loc nan", lambda T, D: D.Normal(T.tensor([0.0, float("nan")]), 1.0)),
    ("Uniform low >= high", lambda T, D: D.Uniform(1.0, 0.0)),
    ("Exponential rate", lambda T, D: D.Exponential(T.tensor([1.0, 0.0]))),
    ("Bernoulli probs", lambda T, D: D.Bernoulli(probs=T.tensor([0.5, 1.5]))),
    ("Categorical probs", lambda T, D: D.Categorical(probs=T.tensor([0.5, -0.5, 1.0]))),
    ("Binomial total_count", lambda T, D: D.Binomial(T.tensor([2.5]), probs=T.tensor([0.5]))),
    ("Geometric probs 0", lambda T, D: D.Geometric(probs=T.tensor([0.5, 0.0]))),
    ("Poisson rate", lambda T, D: D.Poisson(T.tensor([-1.0]))),
    ("Gamma concentration", lambda T, D: D.Gamma(T.tensor([-1.0]), 1.0)),
    ("Beta", lambda T, D: D.Beta(0.0, 1.0)),
    ("Dirichlet", lambda T, D: D.Dirichlet(T.tensor([1.0, -1.0]))),
    ("Laplace", lambda T, D: D.Laplace(0.0, 0.0)),
    ("Cauchy", lambda T, D: D.Cauchy(0.0, -2.0)),
    ("LogNormal", lambda T, D: D.LogNormal(0.0, -2.0)),
    ("MVN scale_tril", lambda T, D: D.MultivariateNormal(T.zeros(2), scale_tril=T.tensor([[1.0, 1.0], [0.0, 1.0]]))),
    ("MVN covariance", lambda T, D: D.MultivariateNormal(T.zeros(2), T.tensor([[1.0, 2.0], [2.0, 1.0]]))),
    ("either probs or logits", lambda T, D: D.Bernoulli()),
    ("both probs and logits", lambda T, D: D.Categorical(T.ones(2), T.ones(2))),
    ("Categorical 0-d", lambda T, D: D.Categorical(probs=T.tensor(1.0))),
    ("Dirichlet 0-d", lambda T, D: D.Dirichlet(T.tensor(1.0))),
    ("MVN two matrices", lambda T, D: D.MultivariateNormal(T.zeros(2), T.eye(2), scale_tril=T.eye(2))),
    ("MVN 0-d loc", lambda T, D: D.MultivariateNormal(T.tensor(0.0), T.eye(2))),
    ("MVN 1-d matrix", lambda T, D: D.MultivariateNormal(T.zeros(2), scale_tril=T.ones(2))),
    ("Independent too many dims", lambda T, D: D.Independent(D.Normal(T.zeros(2), 1.0), 2)),
    ("broadcast_all non-number", lambda T, D: D.Normal([0.0, 1.0], 1.0)),
]


@pytest.mark.parametrize("name, make", BAD_PARAMETERS, ids=[n for n, _ in BAD_PARAMETERS])
def test_bad_parameters_raise_torchs_value_error(name, make):
    _same_error(lambda: make(ag, AD), lambda: make(torch, TD))


BAD_VALUES = [
    ("not a tensor", lambda T, D: D.Normal(0.0, 1.0).log_prob(1.0)),
    ("not broadcastable", lambda T, D: D.Normal(T.zeros(3), 1.0).log_prob(T.zeros(2))),
    ("event shape", lambda T, D: D.MultivariateNormal(T.zeros(3), T.eye(3)).log_prob(T.zeros(2))),
    ("outside support", lambda T, D: D.Exponential(1.0).log_prob(T.tensor(-1.0))),
    ("outside support cdf", lambda T, D: D.Exponential(1.0).cdf(T.tensor([-1.0, 2.0]))),
    ("Bernoulli value", lambda T, D: D.Bernoulli(0.3).log_prob(T.tensor(0.5))),
    ("Categorical index", lambda T, D: D.Categorical(logits=T.zeros(3)).log_prob(T.tensor(3))),
    ("Binomial count", lambda T, D: D.Binomial(3, probs=T.tensor(0.5)).log_prob(T.tensor(4.0))),
    ("Uniform outside", lambda T, D: D.Uniform(0.0, 1.0).log_prob(T.tensor(2.0))),
    ("Dirichlet not simplex", lambda T, D: D.Dirichlet(T.ones(2)).log_prob(T.tensor([0.5, 0.6]))),
    ("OneHot not one-hot", lambda T, D: D.OneHotCategorical(T.ones(2)).log_prob(T.tensor([1.0, 1.0]))),
    ("Beta outside", lambda T, D: D.Beta(1.0, 1.0).log_prob(T.tensor(1.5))),
]


@pytest.mark.parametrize("name, make", BAD_VALUES, ids=[n for n, _ in BAD_VALUES])
def test_bad_values_raise_torchs_value_error(name, make):
    _same_error(lambda: make(ag, AD), lambda: make(torch, TD))


def test_validate_args_false_skips_the_checks():
    d = AD.Normal(0.0, -1.0, validate_args=False)  # accepted
    assert bool(d.log_prob(ag.tensor(0.0)).isnan())
    out = AD.Uniform(0.0, 1.0, validate_args=False).log_prob(ag.tensor([2.0, 0.5]))
    assert to_host(out).tolist() == [-np.inf, 0.0]
    assert float(AD.Exponential(1.0, validate_args=False).log_prob(ag.tensor(-1.0))) == 1.0


def test_set_default_validate_args_switches_validation_globally():
    try:
        AD.Distribution.set_default_validate_args(False)
        AD.Normal(0.0, -1.0)
        with pytest.raises(ValueError):
            AD.Normal(0.0, -1.0, validate_args=True)
    finally:
        AD.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        AD.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        AD.Distribution.set_default_validate_args("yes")


def test_inhomogeneous_binomial_entropy_is_refused_as_in_torch():
    _same_error(
        lambda: AD.Binomial(ag.tensor([2.0, 3.0]), ag.tensor([0.5, 0.5])).entropy(),
        lambda: TD.Binomial(torch.tensor([2.0, 3.0]), torch.tensor([0.5, 0.5])).entropy(),
        NotImplementedError,
    )


def test_poisson_has_no_entropy_as_in_torch():
    with pytest.raises(NotImplementedError):
        AD.Poisson(1.0).entropy()
    with pytest.raises(NotImplementedError):
        TD.Poisson(1.0).entropy()


def test_independent_cannot_enumerate_a_cartesian_product():
    _same_error(
        lambda: AD.Independent(AD.Bernoulli(ag.full((2,), 0.5)), 1).enumerate_support(),
        lambda: TD.Independent(TD.Bernoulli(torch.full((2,), 0.5)), 1).enumerate_support(),
        NotImplementedError,
    )


CHECKS = [
    ("real", lambda C: C.real, [0.0, np.nan, np.inf]),
    ("positive", lambda C: C.positive, [1.0, 0.0, -1.0]),
    ("nonnegative", lambda C: C.nonnegative, [1.0, 0.0, -1.0]),
    ("unit_interval", lambda C: C.unit_interval, [0.0, 1.0, 1.5]),
    ("boolean", lambda C: C.boolean, [0.0, 1.0, 0.5]),
    ("nonnegative_integer", lambda C: C.nonnegative_integer, [0.0, 2.0, 2.5, -1.0]),
    ("positive_integer", lambda C: C.positive_integer, [0.0, 2.0]),
    ("integer_interval", lambda C: C.integer_interval(0, 3), [0.0, 3.0, 4.0, 1.5]),
    ("interval", lambda C: C.interval(-1.0, 1.0), [-1.0, 1.0, 1.1]),
    ("half_open_interval", lambda C: C.half_open_interval(-1.0, 1.0), [-1.0, 1.0]),
    ("greater_than", lambda C: C.greater_than(2.0), [2.0, 3.0]),
    ("greater_than_eq", lambda C: C.greater_than_eq(2.0), [2.0, 1.0]),
    ("less_than", lambda C: C.less_than(2.0), [2.0, 1.0]),
    ("simplex", lambda C: C.simplex, [[0.5, 0.5], [0.5, 0.6], [-0.5, 1.5]]),
    ("one_hot", lambda C: C.one_hot, [[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]),
    ("real_vector", lambda C: C.real_vector, [[0.0, 1.0], [np.nan, 1.0]]),
    ("independent positive", lambda C: C.independent(C.positive, 1), [[1.0, 1.0], [1.0, 0.0]]),
    ("lower_triangular", lambda C: C.lower_triangular, [[[1.0, 0.0], [2.0, 1.0]], [[1.0, 1.0], [0.0, 1.0]]]),
    ("lower_cholesky", lambda C: C.lower_cholesky, [[[1.0, 0.0], [2.0, 1.0]], [[1.0, 0.0], [2.0, -1.0]]]),
    ("square", lambda C: C.square, [[[1.0, 0.0], [2.0, 1.0]]]),
    ("symmetric", lambda C: C.symmetric, [[[1.0, 2.0], [2.0, 1.0]], [[1.0, 0.0], [2.0, 1.0]]]),
    ("positive_definite", lambda C: C.positive_definite, [[[2.0, 1.0], [1.0, 2.0]], [[1.0, 2.0], [2.0, 1.0]]]),
]


@pytest.mark.parametrize("name, make, values", CHECKS, ids=[c[0] for c in CHECKS])
def test_constraints_check_and_repr_as_torchs(name, make, values):
    ours, theirs = make(C), make(TD.constraints)
    got = ours.check(ag.tensor(values))
    expected = theirs.check(torch.tensor(values))
    np.testing.assert_array_equal(to_host(got).astype(bool), expected.numpy().astype(bool))
    assert repr(ours) == repr(theirs)
    assert ours.event_dim == theirs.event_dim and ours.is_discrete == theirs.is_discrete


def test_dependent_constraints():
    assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
    assert C.is_dependent(AD.Uniform.support) and C.is_dependent(AD.Categorical.support)
    assert AD.Categorical.support.is_discrete and AD.Categorical.support.event_dim == 0
    with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
        C.dependent.check(ag.tensor(0.0))
    with pytest.raises(NotImplementedError):
        C.dependent.event_dim  # noqa: B018
    assert C.dependent(is_discrete=True, event_dim=1).event_dim == 1
