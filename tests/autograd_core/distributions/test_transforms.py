"""Transforms and the ``biject_to`` / ``transform_to`` registries against ``torch.distributions``:
forward, inverse and log-Jacobian values and gradients (float64, 1e-10), domains, codomains,
signs, shapes, caching, errors, a tanh-squashed Gaussian policy, and the strict device."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.distributions as AD
from autograd_core.distributions import constraints as AC
from autograd_core.distributions import transforms as AT
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE

torch = pytest.importorskip("torch")
TD = torch.distributions
TT = torch.distributions.transforms
TOL = {"rtol": 1e-10, "atol": 1e-12}
RNG = np.random.default_rng(7)


def _host(t):
    return to_host(t) if isinstance(t, ag.Tensor) else t.detach().numpy()


# name -> (build(T, transforms_module) -> transform, input array in its domain)
CASES = {
    "Exp": (lambda T, M: M.ExpTransform(), RNG.standard_normal((2, 3))),
    "Affine-number": (lambda T, M: M.AffineTransform(0.5, -2.0), RNG.standard_normal((2, 3))),
    "Affine-tensor-event1": (
        lambda T, M: M.AffineTransform(
            T.tensor([0.1, 0.2, 0.3], dtype=T.float64), T.tensor([1.5, -0.5, 2.0], dtype=T.float64), event_dim=1
        ),
        RNG.standard_normal((2, 3)),
    ),
    "Sigmoid": (lambda T, M: M.SigmoidTransform(), RNG.standard_normal((2, 3)) * 3),
    "Tanh": (lambda T, M: M.TanhTransform(), RNG.standard_normal((2, 3)) * 2),
    "Softplus": (lambda T, M: M.SoftplusTransform(), RNG.standard_normal((2, 3)) * 3),
    "Power": (lambda T, M: M.PowerTransform(T.tensor([0.5, 2.0, 3.0], dtype=T.float64)), RNG.uniform(0.3, 2.0, (2, 3))),
    "StickBreaking": (lambda T, M: M.StickBreakingTransform(), RNG.standard_normal((2, 3))),
    "Compose-Exp-StickBreaking": (
        lambda T, M: M.ComposeTransform([M.AffineTransform(0.2, 1.5), M.StickBreakingTransform()]),
        RNG.standard_normal((2, 3)),
    ),
    "Independent-Sigmoid": (lambda T, M: M.IndependentTransform(M.SigmoidTransform(), 1), RNG.standard_normal((2, 3))),
    "Reshape": (lambda T, M: M.ReshapeTransform((2, 3), (3, 2)), RNG.standard_normal((4, 2, 3))),
    "Inverse-Sigmoid": (lambda T, M: M.SigmoidTransform().inv, RNG.uniform(0.1, 0.9, (2, 3))),
    "Identity": (lambda T, M: M.identity_transform, RNG.standard_normal((2, 3))),
}


def _run(lib, M, name):
    build, x = CASES[name]
    xt = lib.tensor(x, dtype=lib.float64, requires_grad=True)
    t = build(lib, M)
    y = t(xt)
    x_back = t.inv(y)
    ladj = t.log_abs_det_jacobian(xt, y)
    (y.sum() + ladj.sum() + x_back.sum()).backward()
    return t, {"y": _host(y), "x_back": _host(x_back), "ladj": _host(ladj), "grad": _host(xt.grad)}


@pytest.mark.parametrize("name", list(CASES))
def test_transform_matches_torch(name):
    ours, o = _run(ag, AT, name)
    theirs, t = _run(torch, TT, name)
    for key in o:
        assert o[key].shape == t[key].shape, key
        np.testing.assert_allclose(o[key], t[key], **TOL, err_msg=key)
    assert repr(ours.domain) == repr(theirs.domain)
    assert repr(ours.codomain) == repr(theirs.codomain)
    assert ours.bijective == theirs.bijective
    assert ours.domain.event_dim == theirs.domain.event_dim and ours.codomain.event_dim == theirs.codomain.event_dim
    shape = CASES[name][1].shape
    assert tuple(ours.forward_shape(shape)) == tuple(theirs.forward_shape(shape))
    out_shape = tuple(theirs.forward_shape(shape))
    assert tuple(ours.inverse_shape(out_shape)) == tuple(theirs.inverse_shape(out_shape))
    assert ours.inv.inv is ours


def test_non_bijective_transforms_match_torch():
    x = RNG.standard_normal((2, 3, 3))
    for name in ("SoftmaxTransform", "AbsTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform"):
        ours, theirs = getattr(AT, name)(), getattr(TT, name)()
        y_o, y_t = ours(ag.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(to_host(y_o), y_t.numpy(), **TOL)
        np.testing.assert_allclose(to_host(ours.inv(y_o)), theirs.inv(y_t).numpy(), **TOL)
        assert repr(ours.codomain) == repr(theirs.codomain) and ours.bijective == theirs.bijective is False


def test_signs_and_event_dims_as_torch():
    scale = np.array([1.0, -2.0])
    assert AT.ExpTransform().sign == 1 and AT.TanhTransform().inv.sign == 1
    assert AT.AffineTransform(0.0, -2.0).sign == -1
    np.testing.assert_array_equal(to_host(AT.AffineTransform(0.0, ag.tensor(scale)).sign), np.sign(scale))
    assert AT.ComposeTransform([AT.ExpTransform(), AT.AffineTransform(0.0, -1.0)]).sign == -1
    with pytest.raises(NotImplementedError):
        _ = AT.AbsTransform().sign
    with pytest.raises(ValueError, match="Please use either .domain.event_dim or .codomain.event_dim"):
        _ = AT.ReshapeTransform((6,), (2, 3)).event_dim
    assert AT.StickBreakingTransform().event_dim == 1


def test_reprs_and_equality_as_torch():
    for make in (
        lambda M: M.ComposeTransform([M.ExpTransform(), M.AffineTransform(1.0, 2.0)]),
        lambda M: M.IndependentTransform(M.SigmoidTransform(), 2),
        lambda M: M.TanhTransform().inv,
        lambda M: M.identity_transform,
    ):
        assert repr(make(AT)) == repr(make(TT))
    assert AT.ComposeTransform([AT.ExpTransform()]) == AT.ComposeTransform([AT.ExpTransform()])
    assert AT.AffineTransform(1.0, 2.0) != AT.AffineTransform(1.0, 3.0)
    assert AT.TanhTransform().inv == AT.TanhTransform().inv


def test_cache_size_one_returns_the_cached_input():
    t = AT.TanhTransform(cache_size=1)
    x = ag.tensor([30.0, 0.5], dtype=ag.float64)  # (tanh(30) rounds to 1: atanh could not recover 30)
    y = t(x)
    assert t.inv(y) is x
    assert t(x) is y
    uncached = AT.TanhTransform()
    assert not bool(ag.isfinite(uncached.inv(uncached(x))).all())
    compose = AT.ComposeTransform([AT.AffineTransform(0.0, 2.0), AT.TanhTransform()], cache_size=1)
    y = compose(x)
    assert compose.inv(y) is x
    assert AT.ExpTransform().with_cache(1)._cache_size == 1


@pytest.mark.parametrize("size", [2, -1])
def test_cache_size_is_refused_as_torch(size):
    with pytest.raises(ValueError) as ours:
        AT.ExpTransform(cache_size=size)
    with pytest.raises(ValueError) as theirs:
        TT.ExpTransform(cache_size=size)
    assert str(ours.value) == str(theirs.value)


def test_shape_errors_as_torch():
    cases = [
        (lambda M: M.ReshapeTransform((2, 3), (4,)), None),
        (lambda M: M.ReshapeTransform((2, 3), (3, 2)).forward_shape((4, 3, 2)), None),
        (lambda M: M.StickBreakingTransform().forward_shape(()), None),
    ]
    for make, _ in cases:
        with pytest.raises(ValueError) as ours:
            make(AT)
        with pytest.raises(ValueError) as theirs:
            make(TT)
        assert str(ours.value) == str(theirs.value)


CONSTRAINTS = [
    lambda C: C.real,
    lambda C: C.positive,
    lambda C: C.nonnegative,
    lambda C: C.greater_than(1.5),
    lambda C: C.greater_than_eq(-1.0),
    lambda C: C.less_than(2.0),
    lambda C: C.unit_interval,
    lambda C: C.interval(-2.0, 3.0),
    lambda C: C.half_open_interval(0.0, 4.0),
    lambda C: C.simplex,
    lambda C: C.real_vector,
    lambda C: C.independent(C.positive, 1),
    lambda C: C.lower_cholesky,
    lambda C: C.positive_definite,
]


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("index", range(len(CONSTRAINTS)))
def test_registries_match_torch(registry, index):
    ours_c, theirs_c = CONSTRAINTS[index](AC), CONSTRAINTS[index](TD.constraints)
    ours_reg, theirs_reg = getattr(AD, registry), getattr(TD, registry)
    try:
        theirs = theirs_reg(theirs_c)
    except NotImplementedError as e:
        with pytest.raises(NotImplementedError) as ours_error:
            ours_reg(ours_c)
        assert str(ours_error.value) == str(e)
        return
    ours = ours_reg(ours_c)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((2, 3, 3))
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **TOL)
    assert bool(ours_c.check(yo).all())
    if theirs.bijective:
        lo, lt = ours.log_abs_det_jacobian(xo, yo), theirs.log_abs_det_jacobian(xt, yt)
        np.testing.assert_allclose(to_host(lo), lt.detach().numpy(), **TOL)
        assert lo.requires_grad == lt.requires_grad  # (the identity's log-Jacobian is a constant 0)
        if lt.requires_grad:
            lo.sum().backward()
            lt.sum().backward()
            np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **TOL)


def test_registry_refuses_what_is_not_a_constraint():
    with pytest.raises(TypeError, match="Expected constraint to be either a Constraint subclass or instance"):
        AD.biject_to.register(int, lambda c: AT.ExpTransform())
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        AD.transform_to(AC.boolean)


@pytest.mark.parametrize(
    "make",
    [
        lambda: AT.TanhTransform(),
        lambda: AT.SigmoidTransform(),
        lambda: AT.StickBreakingTransform(),
        lambda: AT.SoftplusTransform(),
        lambda: AT.PowerTransform(ag.tensor([0.5, 2.0, 3.0], dtype=ag.float64)),
    ],
)
def test_log_abs_det_jacobian_gradcheck(make):
    t = make()
    x = ag.tensor([[0.3, 1.1, 0.7], [1.4, 0.2, 0.9]], dtype=ag.float64, requires_grad=True)

    def fn(x):
        y = t(x)
        return t.log_abs_det_jacobian(x, y) + t.inv(y).sum(-1, keepdim=True)

    assert ag.gradcheck(fn, (x,))
    assert ag.gradgradcheck(fn, (x,))


def _squashed_policy(lib, D, mu, log_std):
    return D.TransformedDistribution(D.Normal(mu, log_std.exp()), [D.transforms.TanhTransform(cache_size=1)])


def test_tanh_squashed_gaussian_policy_matches_torch():
    """SAC's policy: a = tanh(u), u ~ N(mu, std); log pi(a) through the cached u, and its
    gradients (the reparameterised actor loss) as PyTorch's, including saturated actions."""
    mu = np.array([[0.2, -1.0], [3.0, 9.5]])
    log_std = np.array([[-0.5, 0.1], [0.3, -1.0]])
    u = np.array([[0.4, -2.0], [12.0, 20.0]])  # (tanh(20) == 1.0 in float64: only the cache recovers u)
    results = []
    for lib, D in ((ag, AD), (torch, TD)):
        m = lib.tensor(mu, dtype=lib.float64, requires_grad=True)
        s = lib.tensor(log_std, dtype=lib.float64, requires_grad=True)
        policy = _squashed_policy(lib, D, m, s)
        action = policy.transforms[0](m + s.exp() * lib.tensor((u - mu) / np.exp(log_std), dtype=lib.float64))
        logp = policy.log_prob(action)
        (logp.sum() + action.sum()).backward()
        results.append([_host(logp), _host(action), _host(m.grad), _host(s.grad)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, **TOL)
    assert np.isfinite(results[0][0]).all()


def test_tanh_policy_rsample_log_prob_matches_torch_on_the_same_draw():
    mu, std = np.array([0.3, -0.7, 1.5]), np.array([0.5, 1.2, 0.8])
    ag.manual_seed(0)
    policy = _squashed_policy(ag, AD, ag.tensor(mu, requires_grad=True), ag.tensor(np.log(std), requires_grad=True))
    action = policy.rsample((4,))
    ours = policy.log_prob(action)
    theirs = _squashed_policy(torch, TD, torch.tensor(mu), torch.tensor(np.log(std))).log_prob(
        torch.tensor(to_host(action))
    )
    np.testing.assert_allclose(to_host(ours), theirs.numpy(), rtol=1e-9)
    assert bool((action.abs() < 1).all())


def test_transforms_run_on_the_strict_device():
    x_host = RNG.standard_normal((2, 3))
    for name in CASES:
        build, _ = CASES[name]
        outs = []
        for device in (DEVICE, "cpu"):
            x = ag.tensor(
                x_host if name not in ("Power", "Inverse-Sigmoid") else np.abs(x_host) * 0.3 + 0.2,
                device=device,
                requires_grad=True,
            )
            t = build(ag, AT)
            if name == "Affine-tensor-event1":
                t = AT.AffineTransform(
                    ag.tensor([0.1, 0.2, 0.3], device=device), ag.tensor([1.5, -0.5, 2.0], device=device), event_dim=1
                )
            if name == "Power":
                t = AT.PowerTransform(ag.tensor([0.5, 2.0, 3.0], dtype=ag.float64, device=device))
            if name == "Reshape":
                t = AT.ReshapeTransform((3,), (3, 1))
            y = t(x)
            ladj = t.log_abs_det_jacobian(x, y)
            (y.sum() + ladj.sum() + t.inv(y).sum()).backward()
            assert str(y.device) == device and str(x.grad.device) == device
            outs.append((to_host(y), to_host(ladj), to_host(x.grad)))
        for a, b in zip(*outs):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=name)
