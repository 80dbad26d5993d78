"""Every distribution against ``torch.distributions`` on the same float64 inputs: the value of each
method (``log_prob``, ``entropy``, ``mean``, ``variance``, ``stddev``, ``mode``, ``cdf``, ``icdf``)
and the gradients of its sum with respect to every parameter leaf, to 1e-10 relative."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.distributions as AD
from tests.autograd_core.distributions._cases import CASES, patch_exact_digamma
from tests.helpers.op_factory import to_host

torch = pytest.importorskip("torch")
TD = torch.distributions
TOL = {"rtol": 1e-10, "atol": 1e-12}


def _leaves(lib, case):
    return {k: lib.tensor(v, dtype=lib.float64, requires_grad=True) for k, v in case.leaves.items()}


def _call(d, method, case, lib):
    if method in ("log_prob", "cdf"):
        dtype = lib.int64 if case.value_dtype == "int64" else lib.float64
        return getattr(d, method)(lib.tensor(case.value, dtype=dtype))
    if method == "icdf":
        return d.icdf(lib.tensor(case.probability, dtype=lib.float64))
    if method == "entropy":
        return d.entropy()
    return getattr(d, method)


def _grads(out, leaves, host):
    if not out.requires_grad:
        return None
    out.sum().backward()
    return {
        k: (np.zeros_like(v) if leaves[k].grad is None else host(leaves[k].grad))
        for k, v in ((k, host(t.detach())) for k, t in leaves.items())
    }


@pytest.fixture(autouse=True)
def _exact_trigamma(monkeypatch):
    patch_exact_digamma(monkeypatch, torch)


PAIRS = [(case, method) for case in CASES for method in case.methods]


@pytest.mark.parametrize("case, method", PAIRS, ids=[f"{c.id}-{m}" for c, m in PAIRS])
def test_method_and_gradients_match_torch(case, method):
    ours_leaves, theirs_leaves = _leaves(ag, case), _leaves(torch, case)
    ours = _call(case.build(ag, AD, ours_leaves), method, case, ag)
    theirs = _call(case.build(torch, TD, theirs_leaves), method, case, torch)
    assert tuple(ours.shape) == tuple(theirs.shape), (ours.shape, theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(to_host(ours), theirs.detach().numpy(), **TOL)
    assert ours.requires_grad == theirs.requires_grad
    g_ours = _grads(ours, ours_leaves, to_host)
    g_theirs = _grads(theirs, theirs_leaves, lambda t: t.numpy())
    if g_theirs is not None:
        for k in g_theirs:
            np.testing.assert_allclose(g_ours[k], g_theirs[k], **TOL, err_msg=f"d {method} / d {k}")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_shapes_support_and_repr_match_torch(case):
    ours = case.build(ag, AD, _leaves(ag, case))
    theirs = case.build(torch, TD, _leaves(torch, case))
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    assert ours.has_rsample == theirs.has_rsample or type(ours).__name__ in ("Gamma", "Beta", "Dirichlet")
    assert ours.has_enumerate_support == theirs.has_enumerate_support
    assert repr(ours).replace("torch.", "") == repr(theirs).replace("torch.", "")
    assert type(ours.support).__name__ == type(theirs.support).__name__
    assert ours.support.event_dim == theirs.support.event_dim
    assert ours.support.is_discrete == theirs.support.is_discrete
    assert set(ours.arg_constraints) == set(theirs.arg_constraints)
    for name, c in ours.arg_constraints.items():
        assert type(c).__name__ == type(theirs.arg_constraints[name]).__name__, name


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.id.split("-")[0] in ("Bernoulli", "Categorical", "OneHotCategorical", "Binomial")],
    ids=lambda c: c.id,
)
def test_enumerate_support_matches_torch(case):
    ours = case.build(ag, AD, _leaves(ag, case))
    theirs = case.build(torch, TD, _leaves(torch, case))
    if case.id == "Binomial-logits-tensor-count":
        with pytest.raises(NotImplementedError, match="Inhomogeneous total count"):
            ours.enumerate_support()
        return
    for expand in (True, False):
        a, b = ours.enumerate_support(expand), theirs.enumerate_support(expand)
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(to_host(a), b.numpy())
        assert str(a.dtype) == str(b.dtype).replace("torch.", "")


def test_probs_and_logits_are_derived_lazily_as_in_torch():
    p = np.array([0.0, 0.3, 1.0])
    ours, theirs = AD.Bernoulli(probs=ag.tensor(p, dtype=ag.float64)), TD.Bernoulli(probs=torch.tensor(p))
    assert "logits" not in ours.__dict__
    np.testing.assert_allclose(to_host(ours.logits), theirs.logits.numpy(), **TOL)  # clamped: finite at 0 and 1
    assert "logits" in ours.__dict__
    raw = np.array([[1.0, 3.0], [2.0, 2.0]])
    ours, theirs = AD.Categorical(probs=ag.tensor(raw, dtype=ag.float64)), TD.Categorical(probs=torch.tensor(raw))
    np.testing.assert_allclose(to_host(ours.probs), theirs.probs.numpy(), **TOL)  # normalised
    np.testing.assert_allclose(to_host(ours.logits), theirs.logits.numpy(), **TOL)
    ours = AD.Categorical(logits=ag.tensor(raw, dtype=ag.float64))
    np.testing.assert_allclose(to_host(ours.logits), TD.Categorical(logits=torch.tensor(raw)).logits.numpy(), **TOL)


def test_edge_values_match_torch():
    # probabilities at 0 and 1, Geometric at p = 1, Dirichlet corner mode, Bernoulli mode at 1/2
    p = np.array([0.0, 0.5, 1.0])
    v = np.array([0.0, 1.0, 1.0])
    for make in (lambda L, D, t: D.Bernoulli(probs=t), lambda L, D, t: D.Binomial(3, probs=t)):
        ours, theirs = make(ag, AD, ag.tensor(p, dtype=ag.float64)), make(torch, TD, torch.tensor(p))
        np.testing.assert_allclose(
            to_host(ours.log_prob(ag.tensor(v, dtype=ag.float64))), theirs.log_prob(torch.tensor(v)).numpy(), **TOL
        )
        np.testing.assert_allclose(to_host(ours.mode), theirs.mode.numpy(), **TOL)
    g = np.array([1.0, 0.5])
    k = np.array([0.0, 3.0])
    np.testing.assert_allclose(
        to_host(AD.Geometric(ag.tensor(g, dtype=ag.float64)).log_prob(ag.tensor(k, dtype=ag.float64))),
        TD.Geometric(torch.tensor(g)).log_prob(torch.tensor(k)).numpy(),
        **TOL,
    )
    c = np.array([[0.5, 0.7, 0.2], [2.0, 3.0, 1.5]])
    np.testing.assert_allclose(
        to_host(AD.Dirichlet(ag.tensor(c, dtype=ag.float64)).mode), TD.Dirichlet(torch.tensor(c)).mode.numpy(), **TOL
    )
    logits = np.array([[0.0, -np.inf, 1.0]])
    ours = AD.Categorical(logits=ag.tensor(logits, dtype=ag.float64)).entropy()
    np.testing.assert_allclose(to_host(ours), TD.Categorical(logits=torch.tensor(logits)).entropy().numpy(), **TOL)


def test_gamma_cdf_matches_torch_and_refuses_the_concentration_gradient_as_torch_does():
    c, r, v = np.array([0.5, 2.0, 7.0]), np.array([1.0, 3.0, 0.5]), np.array([0.3, 1.0, 20.0])
    rate, value = ag.tensor(r, requires_grad=True), ag.tensor(v, requires_grad=True)
    ours = AD.Gamma(ag.tensor(c), rate).cdf(value)
    ours.sum().backward()
    t_rate, t_value = torch.tensor(r, requires_grad=True), torch.tensor(v, requires_grad=True)
    theirs = TD.Gamma(torch.tensor(c), t_rate).cdf(t_value)
    theirs.sum().backward()
    np.testing.assert_allclose(to_host(ours), theirs.detach().numpy(), **TOL)
    np.testing.assert_allclose(to_host(rate.grad), t_rate.grad.numpy(), **TOL)
    np.testing.assert_allclose(to_host(value.grad), t_value.grad.numpy(), **TOL)
    concentration = ag.tensor(c, requires_grad=True)
    with pytest.raises(NotImplementedError, match="igamma: input"):
        AD.Gamma(concentration, ag.tensor(r)).cdf(ag.tensor(v)).sum().backward()
