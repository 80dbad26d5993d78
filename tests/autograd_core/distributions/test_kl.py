"""``kl_divergence`` for every registered pair against PyTorch's (values and gradients with respect
to both distributions' parameters, float64, 1e-10), the registry's dispatch, and its errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.distributions as AD
from tests.autograd_core.distributions._cases import _lower, _normal, _pos, _spd, patch_exact_digamma
from tests.helpers.op_factory import to_host

torch = pytest.importorskip("torch")
TD = torch.distributions
TOL = {"rtol": 1e-10, "atol": 1e-12}


KL_CASES = {
    "Normal": (
        lambda T, D, x, s: D.Normal(x[s + "loc"], x[s + "scale"]),
        {"loc": lambda: _normal(2, 3), "scale": lambda: _pos(2, 3)},
    ),
    "Bernoulli": (lambda T, D, x, s: D.Bernoulli(logits=x[s + "l"]), {"l": lambda: _normal(4) * 2}),
    "Categorical": (lambda T, D, x, s: D.Categorical(probs=x[s + "p"]), {"p": lambda: _pos(3, 5)}),
    "OneHotCategorical": (lambda T, D, x, s: D.OneHotCategorical(logits=x[s + "l"]), {"l": lambda: _normal(2, 4)}),
    "Binomial": (lambda T, D, x, s: D.Binomial(6, logits=x[s + "l"]), {"l": lambda: _normal(3)}),
    "Geometric": (lambda T, D, x, s: D.Geometric(probs=x[s + "p"]), {"p": lambda: _pos(3, low=0.1, high=0.9)}),
    "Cauchy": (
        lambda T, D, x, s: D.Cauchy(x[s + "loc"], x[s + "scale"]),
        {"loc": lambda: _normal(3), "scale": lambda: _pos(3)},
    ),
    "Poisson": (lambda T, D, x, s: D.Poisson(x[s + "r"]), {"r": lambda: _pos(3)}),
    "Uniform": (
        lambda T, D, x, s: D.Uniform(x[s + "low"], x[s + "low"] + x[s + "w"]),
        {"low": lambda: _normal(4), "w": lambda: _pos(4, low=2, high=4)},
    ),
    "Exponential": (lambda T, D, x, s: D.Exponential(x[s + "r"]), {"r": lambda: _pos(2, 2)}),
    "Laplace": (
        lambda T, D, x, s: D.Laplace(x[s + "loc"], x[s + "scale"]),
        {"loc": lambda: _normal(3), "scale": lambda: _pos(3)},
    ),
    "Gamma": (lambda T, D, x, s: D.Gamma(x[s + "c"], x[s + "r"]), {"c": lambda: _pos(3), "r": lambda: _pos(3)}),
    "Beta": (lambda T, D, x, s: D.Beta(x[s + "a"], x[s + "b"]), {"a": lambda: _pos(3), "b": lambda: _pos(3)}),
    "Dirichlet": (lambda T, D, x, s: D.Dirichlet(x[s + "c"]), {"c": lambda: _pos(2, 4)}),
    "MultivariateNormal": (
        lambda T, D, x, s: D.MultivariateNormal(x[s + "loc"], scale_tril=x[s + "L"]),
        {"loc": lambda: _normal(2, 3), "L": lambda: _lower(3, (2,))},
    ),
    "MultivariateNormal-cov-broadcast": (
        lambda T, D, x, s: D.MultivariateNormal(x[s + "loc"], covariance_matrix=_spd(T, x[s + "A"])),
        {"loc": lambda: _normal(2, 3), "A": lambda: _normal(3, 3)},
    ),
    "Independent": (
        lambda T, D, x, s: D.Independent(D.Normal(x[s + "loc"], x[s + "scale"]), 1),
        {"loc": lambda: _normal(2, 3), "scale": lambda: _pos(2, 3)},
    ),
    "LogNormal": (
        lambda T, D, x, s: D.LogNormal(x[s + "loc"], x[s + "scale"]),
        {"loc": lambda: _normal(3), "scale": lambda: _pos(3)},
    ),
}


@pytest.fixture(autouse=True)
def _exact_trigamma(monkeypatch):
    patch_exact_digamma(monkeypatch, torch)


@pytest.mark.parametrize("name", list(KL_CASES))
def test_kl_and_its_gradients_match_torch(name):
    build, makers = KL_CASES[name]
    arrays = {f"{s}{k}": make() for s in ("p_", "q_") for k, make in makers.items()}
    results = []
    for lib, D in ((ag, AD), (torch, TD)):
        leaves = {k: lib.tensor(v, dtype=lib.float64, requires_grad=True) for k, v in arrays.items()}
        kl = D.kl_divergence(build(lib, D, leaves, "p_"), build(lib, D, leaves, "q_"))
        kl.sum().backward()
        host = to_host if lib is ag else (lambda t: t.detach().numpy())
        results.append((host(kl), {k: host(t.grad) for k, t in leaves.items()}))
    (ours, g_ours), (theirs, g_theirs) = results
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, **TOL)
    assert (ours >= -1e-12).all()
    for k in arrays:
        np.testing.assert_allclose(g_ours[k], g_theirs[k], **TOL, err_msg=f"dKL/d{k}")


def test_kl_of_a_distribution_with_itself_is_zero():
    p = AD.Normal(ag.tensor([0.3, -1.0], dtype=ag.float64), ag.tensor([0.5, 2.0], dtype=ag.float64))
    np.testing.assert_allclose(to_host(AD.kl_divergence(p, p)), [0.0, 0.0], atol=1e-15)


def test_infinite_kl_where_q_lacks_mass_matches_torch():
    pairs = [
        (
            lambda D, T: D.Uniform(T.tensor([0.0, 0.0], dtype=T.float64), T.tensor([1.0, 1.0], dtype=T.float64)),
            lambda D, T: D.Uniform(T.tensor([0.5, -1.0], dtype=T.float64), T.tensor([2.0, 2.0], dtype=T.float64)),
        ),
        (
            lambda D, T: D.Bernoulli(probs=T.tensor([0.0, 0.3, 1.0, 0.5], dtype=T.float64)),
            lambda D, T: D.Bernoulli(probs=T.tensor([0.0, 0.0, 0.2, 1.0], dtype=T.float64)),
        ),
        (
            lambda D, T: D.Categorical(probs=T.tensor([[0.5, 0.5, 0.0], [0.2, 0.8, 0.0]], dtype=T.float64)),
            lambda D, T: D.Categorical(probs=T.tensor([[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]], dtype=T.float64)),
        ),
    ]
    for make_p, make_q in pairs:
        ours = AD.kl_divergence(make_p(AD, ag), make_q(AD, ag))
        theirs = TD.kl_divergence(make_p(TD, torch), make_q(TD, torch))
        np.testing.assert_allclose(to_host(ours), theirs.numpy(), **TOL)


def test_binomial_kl_with_unequal_counts_as_torch():
    p, q = AD.Binomial(ag.tensor([5.0, 4.0]), ag.tensor([0.3, 0.3])), AD.Binomial(4, ag.tensor([0.6, 0.6]))
    tp, tq = TD.Binomial(torch.tensor([5.0, 4.0]), torch.tensor([0.3, 0.3])), TD.Binomial(4, torch.tensor([0.6, 0.6]))
    np.testing.assert_allclose(to_host(AD.kl_divergence(p, q)), TD.kl_divergence(tp, tq).numpy(), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        AD.kl_divergence(q, p)


def test_missing_pair_raises_torchs_not_implemented_error():
    p, q = AD.Normal(0.0, 1.0), AD.Cauchy(0.0, 1.0)
    with pytest.raises(NotImplementedError) as ours:
        AD.kl_divergence(p, q)
    with pytest.raises(NotImplementedError) as theirs:
        TD.kl_divergence(TD.Normal(0.0, 1.0), TD.Cauchy(0.0, 1.0))
    assert str(ours.value) == str(theirs.value)


def test_independent_pairs_with_different_ndims_are_refused():
    loc = ag.zeros(2, 3)
    p = AD.Independent(AD.Normal(loc, 1.0), 1)
    q = AD.Independent(AD.Normal(loc, 1.0), 2)
    with pytest.raises(NotImplementedError):
        AD.kl_divergence(p, q)


def test_mvn_kl_with_different_event_shapes_is_a_value_error():
    p = AD.MultivariateNormal(ag.zeros(2), ag.eye(2))
    q = AD.MultivariateNormal(ag.zeros(3), ag.eye(3))
    with pytest.raises(ValueError, match="different event shapes"):
        AD.kl_divergence(p, q)


def test_register_kl_dispatches_to_the_most_specific_pair():
    class MyNormal(AD.Normal):
        pass

    p, q = MyNormal(0.0, 1.0), AD.Normal(1.0, 1.0)
    assert float(AD.kl_divergence(p, q)) == pytest.approx(0.5)  # inherits Normal-Normal

    @AD.register_kl(MyNormal, AD.Normal)
    def _custom(p, q):
        return ag.tensor(42.0)

    try:
        assert float(AD.kl_divergence(p, q)) == 42.0
        assert float(AD.kl_divergence(q, p)) == pytest.approx(0.5)  # (Normal, MyNormal): still Normal-Normal
    finally:
        from autograd_core.distributions import kl

        del kl._KL_REGISTRY[MyNormal, AD.Normal]
        kl._KL_MEMOIZE.clear()


def test_ambiguous_registrations_warn():
    class A(AD.Normal):
        pass

    class B(AD.Normal):
        pass

    from autograd_core.distributions import kl

    AD.register_kl(A, AD.Normal)(lambda p, q: ag.tensor(1.0))
    AD.register_kl(AD.Normal, B)(lambda p, q: ag.tensor(2.0))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            AD.kl_divergence(A(0.0, 1.0), B(0.0, 1.0))
        assert any("Ambiguous kl_divergence(A, B)" in str(w.message) for w in caught)
    finally:
        del kl._KL_REGISTRY[A, AD.Normal], kl._KL_REGISTRY[AD.Normal, B]
        kl._KL_MEMOIZE.clear()


def test_register_kl_refuses_non_distributions():
    with pytest.raises(TypeError, match="Expected type_p to be a Distribution subclass"):
        AD.register_kl(int, AD.Normal)
