"""The rest of PyTorch's elementwise math (xlogy, logaddexp, hypot, sinc, logit, fmax ..., and the
special functions lgamma, digamma, polygamma, erfc, erfinv, mvlgamma): forward, gradients and
double backward on every device through the op factory, then against PyTorch in float64, then
the dtype rules and edge values PyTorch defines.

The special functions' references are mpmath's (arbitrary precision; it comes with PyTorch).  On
the cpu device they run SciPy's compiled functions where SciPy is installed and our ``xp``
versions where it is not (as in CI); the strict device always runs the ``xp`` versions, which are
also checked directly over wide grids below.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops import special
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, TORCH_TOL, OpSpec, each, make_tests, make_torch_test, to_host

try:
    import mpmath
except ImportError:  # mpmath is the special functions' reference; it comes with PyTorch
    mpmath = None
try:
    import torch as _torch_module
except ImportError:  # PyTorch is an optional test oracle
    _torch_module = None

BINARY = S.broadcastable_shapes(2)
UNARY = S.same_shapes(1)


def _torch(name):
    return lambda torch, *xs, **kw: getattr(torch, name)(*xs, **kw)


def _vectorized(fn):
    return np.vectorize(lambda v: float(fn(v)), otypes=[np.float64])


_POLES = tuple(range(-8, 1))  # lgamma, digamma, polygamma are singular at 0, -1, -2 ...


def _off_poles(x):
    return S.away_from(3.0 * x, *_POLES, gap=0.15)


def _in_unit_interval(x):
    return 0.05 + 0.9 / (1.0 + np.exp(-x))  # (0.05, 0.95): where logit is smooth


def _logit_eps_domain(arrays, kwargs):
    (x,) = arrays
    return (S.away_from(0.5 + 0.6 * np.tanh(x), 0.1, 0.9, gap=0.02),)  # both sides of the eps bounds


def _xlogy_domain(arrays, kwargs):
    x, y = arrays
    return x, S.positive(y)


def _copysign_domain(arrays, kwargs):
    return tuple(S.away_from(a, 0.0, gap=0.1) for a in arrays)


def _away_from_zero(arrays, kwargs):
    return tuple(S.away_from(a, 0.0, gap=0.1) for a in arrays)


def _apart(arrays, kwargs):
    a, b = arrays
    return S.on_grid(a, 1), S.on_grid(b, 0)


def _with_infinities(arrays, kwargs):
    (x,) = arrays
    return (np.where(x > 1.5, np.inf, np.where(x < -1.5, -np.inf, np.where(np.abs(x) < 0.05, np.nan, x))),)


def _off_integers(arrays, kwargs):
    (x,) = arrays
    return (S.away_from(3.0 * x, *range(-10, 11), gap=0.05),)


def _logaddexp_ref(a, b):
    return np.logaddexp(a, b)


def _logit_ref(x, eps=None):
    z = x if eps is None else np.clip(x, eps, 1 - eps)
    return np.log(z / (1 - z))


SPECS = [
    OpSpec("xlogy", ag.xlogy, lambda x, y: x * np.log(y), BINARY, domain=_xlogy_domain, torch=_torch("xlogy")),
    OpSpec("xlogy_method", lambda x, y: x.xlogy(y), lambda x, y: x * np.log(y), S.same_shapes(2),
           domain=_xlogy_domain, torch=lambda torch, x, y: x.xlogy(y)),
    OpSpec("xlogy_scalar_other", lambda x: ag.xlogy(x, 3.0), lambda x: x * np.log(3.0), UNARY,
           torch=lambda torch, x: torch.xlogy(x, 3.0)),
    OpSpec("xlogy_scalar_self", lambda y: ag.xlogy(2.0, y), lambda y: 2.0 * np.log(y), UNARY,
           domain=each(S.positive), torch=lambda torch, y: torch.xlogy(2.0, y)),
    OpSpec("logaddexp", ag.logaddexp, _logaddexp_ref, BINARY, torch=_torch("logaddexp")),
    OpSpec("logaddexp2", ag.logaddexp2, np.logaddexp2, BINARY, torch=_torch("logaddexp2")),
    OpSpec("hypot", ag.hypot, np.hypot, BINARY, domain=_copysign_domain, torch=_torch("hypot")),
    OpSpec("copysign", ag.copysign, np.copysign, BINARY, domain=_copysign_domain, torch=_torch("copysign")),
    OpSpec("copysign_scalar", lambda x: x.copysign(-1.0), lambda x: np.copysign(x, -1.0), UNARY,
           domain=_copysign_domain, torch=lambda torch, x: x.copysign(-1.0)),
    OpSpec("fmax", ag.fmax, np.fmax, BINARY, domain=_apart, torch=_torch("fmax")),
    OpSpec("fmin", ag.fmin, np.fmin, BINARY, domain=_apart, torch=_torch("fmin")),
    # (away from 0, where float32's (cos(pi x) - sinc(x)) / x cancels to 0, as in PyTorch: a draw of x = -3.8e-5
    # met a float64 gradient of 1.6e-5, just over atol; x = 0 itself has its own test below)
    OpSpec("sinc", ag.sinc, np.sinc, UNARY, domain=_away_from_zero, torch=_torch("sinc")),
    OpSpec("logit", ag.logit, _logit_ref, UNARY, domain=each(_in_unit_interval), torch=_torch("logit")),
    OpSpec("logit_eps", lambda x: ag.logit(x, eps=0.1), lambda x: _logit_ref(x, 0.1), UNARY,
           domain=_logit_eps_domain, torch=lambda torch, x: torch.logit(x, eps=0.1)),
    OpSpec("deg2rad", ag.deg2rad, np.deg2rad, UNARY, torch=_torch("deg2rad")),
    OpSpec("rad2deg", lambda x: x.rad2deg(), np.rad2deg, UNARY, torch=lambda torch, x: x.rad2deg()),
    OpSpec("nan_to_num", lambda x: ag.nan_to_num(x, nan=0.5, posinf=4.0, neginf=-3.0),
           lambda x: np.nan_to_num(x, nan=0.5, posinf=4.0, neginf=-3.0), UNARY, domain=_with_infinities,
           torch=lambda torch, x: torch.nan_to_num(x, nan=0.5, posinf=4.0, neginf=-3.0)),
    OpSpec("frac", ag.frac, lambda x: x - np.trunc(x), UNARY, domain=_off_integers, torch=_torch("frac")),
    OpSpec("fix", lambda x: x.fix(), np.trunc, UNARY, domain=_off_integers, torch=lambda torch, x: x.fix()),
]

if mpmath is not None:
    _log_abs_gamma = _vectorized(lambda v: mpmath.log(abs(mpmath.gamma(v))))
    _digamma_ref = _vectorized(mpmath.digamma)
    _erfc_ref = _vectorized(mpmath.erfc)
    _erfinv_ref = _vectorized(mpmath.erfinv)

    def _polygamma_ref(x, n):
        return _vectorized(lambda v: mpmath.polygamma(n, v))(x)

    def _mvlgamma_ref(x, p):
        return sum(_log_abs_gamma(x - j / 2) for j in range(p)) + p * (p - 1) / 4 * math.log(math.pi)

    def _mvlgamma_domain(arrays, kwargs):
        (x,) = arrays
        return (np.abs(x) + (kwargs["p"] - 1) / 2 + 0.3,)

    SPECS += [
        OpSpec("lgamma", ag.lgamma, _log_abs_gamma, UNARY, domain=each(_off_poles), torch=_torch("lgamma")),
        # No PyTorch comparison for digamma and trigamma: PyTorch's trigamma (digamma's gradient) is
        # accurate to ~1e-9 only (see test_digamma_and_trigamma_against_pytorch_and_mpmath).
        OpSpec("digamma", ag.digamma, _digamma_ref, UNARY, domain=each(_off_poles)),
        OpSpec("polygamma_0_1", lambda x, n: ag.polygamma(n, x), _polygamma_ref, UNARY,
               kwargs=lambda s: st.fixed_dictionaries({"n": st.sampled_from([0, 1])}), domain=each(_off_poles)),
        # Higher orders on x > 0: on the negative axis they cross 0 next to poles, so the factory's
        # float32-against-float64 gradient check would measure float32 rounding of x, not the op.
        OpSpec("polygamma", lambda x, n: ag.polygamma(n, x), _polygamma_ref, UNARY,
               kwargs=lambda s: st.fixed_dictionaries({"n": st.sampled_from([2, 3])}),
               domain=each(lambda x: S.positive(x, 0.3)), torch=lambda torch, x, n: torch.polygamma(n, x)),
        OpSpec("polygamma_method", lambda x: x.polygamma(2), lambda x: _polygamma_ref(x, 2), UNARY,
               domain=each(lambda x: S.positive(x, 0.3)), torch=lambda torch, x: x.polygamma(2)),
        OpSpec("erfc", ag.erfc, _erfc_ref, UNARY, domain=each(lambda x: 2.5 * x), torch=_torch("erfc")),
        OpSpec("erfinv", ag.erfinv, _erfinv_ref, UNARY, domain=each(lambda x: 0.97 * np.tanh(x)),
               torch=_torch("erfinv")),
        OpSpec("mvlgamma", lambda x, p: ag.mvlgamma(x, p), _mvlgamma_ref, UNARY,
               kwargs=lambda s: st.fixed_dictionaries({"p": st.sampled_from([1, 2, 3])}), domain=_mvlgamma_domain,
               torch=lambda torch, x, p: torch.mvlgamma(x, p)),
    ]

test_forward, test_backward, test_double_backward = make_tests(SPECS)
if _torch_module is not None:
    test_vs_torch = make_torch_test(SPECS, _torch_module)


# ---------------------------------------------------------------------------- the xp versions of the special functions
def _grid():
    return np.concatenate([np.linspace(-9.7, 9.7, 4001), np.geomspace(1e-8, 40, 300), -np.geomspace(1e-8, 9.7, 300)])


def _not_a_pole(x):
    return x[(x > 0) | (x != np.round(x))]


@pytest.mark.skipif(mpmath is None, reason="mpmath (the reference) is not installed")
@pytest.mark.parametrize("name", ["erfc", "erfinv", "lgamma", "digamma", "polygamma1", "polygamma3"])
def test_xp_special_functions_match_mpmath_over_a_wide_grid(name):
    x = _not_a_pole(_grid())
    if name == "erfinv":
        x = np.concatenate([np.tanh(x / 2), 1 - np.geomspace(1e-15, 0.5, 50), -1 + np.geomspace(1e-15, 0.5, 50)])
    computed = {
        "erfc": lambda: special._erfc_xp(np, x),
        "erfinv": lambda: special._erfinv_xp(np, x),
        "lgamma": lambda: special._lgamma_xp(np, x),
        "digamma": lambda: special._digamma_xp(np, x),
        "polygamma1": lambda: special._polygamma_xp(np, 1, x),
        "polygamma3": lambda: special._polygamma_xp(np, 3, x),
    }[name]()
    mpmath.mp.dps = 30
    reference = {
        "erfc": mpmath.erfc,
        "erfinv": mpmath.erfinv,
        "lgamma": lambda v: mpmath.log(abs(mpmath.gamma(v))),
        "digamma": mpmath.digamma,
        "polygamma1": lambda v: mpmath.polygamma(1, v),
        "polygamma3": lambda v: mpmath.polygamma(3, v),
    }[name]
    expected = _vectorized(reference)(x)
    mpmath.mp.dps = 15
    np.testing.assert_allclose(computed, expected, **TORCH_TOL)


def test_xp_special_functions_at_their_edges_give_pytorchs_values():
    inf, nan = np.inf, np.nan
    x = np.array([0.0, -0.0, -1.0, -2.0, inf, -inf, nan])
    np.testing.assert_array_equal(special._lgamma_xp(np, x), [inf, inf, inf, inf, inf, inf, nan])
    np.testing.assert_array_equal(special._digamma_xp(np, x), [-inf, inf, nan, nan, inf, nan, nan])
    np.testing.assert_array_equal(special._erfc_xp(np, np.array([inf, -inf, nan, 0.0])), [0.0, 2.0, nan, 1.0])
    np.testing.assert_array_equal(special._erfinv_xp(np, np.array([1.0, -1.0, 1.5, -2.0, nan, 0.0])),
                                  [inf, -inf, nan, nan, nan, 0.0])
    assert special._lgamma_xp(np, np.array([1.0, 2.0])).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("device", DEVICES)
def test_special_functions_edges_on_every_device(device):
    x = ag.tensor([0.0, -0.0, -1.0, -3.0], dtype=ag.float64, device=device)
    inf, nan = np.inf, np.nan
    np.testing.assert_array_equal(to_host(ag.digamma(x)), [-inf, inf, nan, nan])
    np.testing.assert_array_equal(to_host(ag.lgamma(x)), [inf, inf, inf, inf])
    y = ag.tensor([-inf, inf], dtype=ag.float64, device=device)
    np.testing.assert_array_equal(to_host(ag.lgamma(y)), [inf, inf])


def test_special_functions_integer_inputs_give_the_default_dtype():
    for fn in (ag.lgamma, ag.digamma, ag.erfc, ag.erfinv, lambda t: ag.polygamma(1, t), lambda t: ag.mvlgamma(t, 1)):
        assert fn(ag.tensor([1, 2])).dtype == ag.get_default_dtype()
    assert ag.lgamma(ag.tensor([3.0], dtype=ag.float32)).dtype == ag.float32


def test_polygamma_and_mvlgamma_refuse_bad_arguments_as_pytorch():
    with pytest.raises(RuntimeError, match="polygamma: n must be non-negative"):
        ag.polygamma(-1, ag.ones(2))
    with pytest.raises(TypeError, match="polygamma: n must be an int"):
        ag.polygamma(1.5, ag.ones(2))
    with pytest.raises(RuntimeError, match=r"all elements must be greater than \(p-1\)/2 = 1.0"):
        ag.mvlgamma(ag.tensor([0.9, 3.0]), 3)
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        ag.mvlgamma(ag.tensor([2.0]), 0)
    with pytest.raises(TypeError, match="lgamma: expected a Tensor"):
        ag.lgamma([1.0])


def test_lgamma_gradient_chain_digamma_polygamma_to_third_order():
    x = ag.tensor([0.7, 2.3, -1.4], dtype=ag.float64, requires_grad=True)
    (g1,) = ag.grad(ag.lgamma(x).sum(), [x], create_graph=True)
    (g2,) = ag.grad(g1.sum(), [x], create_graph=True)
    (g3,) = ag.grad(g2.sum(), [x])
    np.testing.assert_allclose(to_host(g1), to_host(ag.digamma(x.detach())), rtol=1e-14)
    np.testing.assert_allclose(to_host(g2), to_host(ag.polygamma(1, x.detach())), rtol=1e-14)
    np.testing.assert_allclose(to_host(g3), to_host(ag.polygamma(2, x.detach())), rtol=1e-14)


# ---------------------------------------------------------------------------- dtype rules and edges
def test_integer_inputs_of_float_ops_give_the_default_dtype_as_pytorch():
    i = ag.tensor([1, 2])
    for fn in (ag.sinc, ag.logit, ag.deg2rad, ag.rad2deg, lambda t: ag.xlogy(t, t), lambda t: ag.logaddexp(t, t),
               lambda t: ag.hypot(t, t), lambda t: ag.copysign(t, t), lambda t: ag.ldexp(t, t)):
        assert fn(i).dtype == ag.get_default_dtype()
    assert ag.fmax(i, i).dtype == ag.int64  # fmax and fmin keep integers
    assert ag.nan_to_num(i).dtype == ag.int64
    assert ag.float_power(i, 2).dtype == ag.float64
    assert ag.float_power(ag.ones(2), ag.ones(2)).dtype == ag.float64
    assert ag.xlogy(ag.tensor([True]), ag.tensor([True])).dtype == ag.get_default_dtype()


def test_python_numbers_do_not_upcast_float32():
    x = ag.ones(3)
    for out in (ag.xlogy(x, 2.0), ag.xlogy(2.0, x), ag.copysign(x, -1.0)):
        assert out.dtype == ag.float32 and out.shape == (3,)


def test_xlogy_is_zero_where_x_is_zero_unless_y_is_nan():
    out = ag.xlogy(ag.tensor([0.0, 0.0, 0.0, 1.0]), ag.tensor([0.0, float("inf"), float("nan"), 0.0]))
    assert out.tolist()[:2] == [0.0, 0.0]
    assert math.isnan(out.tolist()[2]) and out.tolist()[3] == -math.inf
    x = ag.tensor([0.0, 2.0], dtype=ag.float64, requires_grad=True)
    y = ag.tensor([3.0, 4.0], dtype=ag.float64, requires_grad=True)
    ag.xlogy(x, y).sum().backward()
    assert x.grad.tolist() == [0.0, math.log(4.0)]  # PyTorch: xlogy(x != 0, y)
    assert y.grad.tolist() == [0.0, 0.5]


def test_logaddexp_handles_infinities_and_huge_values():
    inf = float("inf")
    a = ag.tensor([inf, -inf, 1000.0, -inf], dtype=ag.float64)
    b = ag.tensor([inf, -inf, 1000.0, 2.0], dtype=ag.float64)
    assert ag.logaddexp(a, b).tolist() == [inf, -inf, 1000.0 + math.log(2.0), 2.0]
    assert ag.logaddexp2(a, b).tolist() == [inf, -inf, 1001.0, 2.0]


def test_fmax_ignores_nan_and_gives_ties_to_the_first_operand_as_pytorch():
    nan = float("nan")
    a = ag.tensor([nan, 1.0, 2.0, nan], dtype=ag.float64, requires_grad=True)
    b = ag.tensor([2.0, nan, 2.0, nan], dtype=ag.float64, requires_grad=True)
    out = ag.fmax(a, b)
    assert out.tolist()[:3] == [2.0, 1.0, 2.0] and math.isnan(out.tolist()[3])
    out.sum().backward()
    assert a.grad.tolist() == [0.0, 1.0, 1.0, 1.0]
    assert b.grad.tolist() == [1.0, 0.0, 0.0, 0.0]
    assert ag.fmin(ag.tensor([nan, 3.0]), ag.tensor([1.0, nan])).tolist() == [1.0, 3.0]


def test_copysign_gradient_is_zero_at_zero_and_minus_zero_counts_as_negative():
    x = ag.tensor([0.0, -2.0, 3.0], dtype=ag.float64, requires_grad=True)
    s = ag.tensor([-1.0, 1.0, -0.0], dtype=ag.float64, requires_grad=True)
    out = ag.copysign(x, s)
    assert out.tolist() == [-0.0, 2.0, -3.0] and ag.signbit(out).tolist() == [True, False, True]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, -1.0, -1.0] and s.grad.tolist() == [0.0, 0.0, 0.0]


def test_sinc_is_one_at_zero_with_zero_gradient():
    x = ag.tensor([0.0, 1.0], dtype=ag.float64, requires_grad=True)
    out = ag.sinc(x)
    assert out.tolist()[0] == 1.0 and abs(out.tolist()[1]) < 1e-16
    out.sum().backward()
    assert x.grad.tolist()[0] == 0.0 and x.grad.tolist()[1] == pytest.approx(-1.0, rel=1e-14)


def test_logit_with_eps_clamps_and_stops_the_gradient_outside():
    x = ag.tensor([0.0, 0.05, 0.5, 1.0], dtype=ag.float64, requires_grad=True)
    out = ag.logit(x, eps=0.1)
    expected = [math.log(0.1 / 0.9), math.log(0.1 / 0.9), 0.0, math.log(0.9 / 0.1)]
    np.testing.assert_allclose(out.tolist(), expected, rtol=1e-15)
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 4.0, 0.0]
    assert ag.logit(ag.tensor([0.0, 1.0])).tolist() == [-math.inf, math.inf]


def test_nan_to_num_defaults_are_the_dtype_limits():
    x = [float("nan"), float("inf"), -float("inf"), 1.5]
    assert ag.nan_to_num(ag.tensor(x)).tolist() == [0.0, float(np.finfo(np.float32).max),
                                                  float(np.finfo(np.float32).min), 1.5]
    assert ag.nan_to_num(ag.tensor(x, dtype=ag.float64)).tolist()[1] == np.finfo(np.float64).max
    assert ag.tensor([1, 2]).nan_to_num(nan=3.0).tolist() == [1, 2]


def test_float_power_computes_in_float64_and_its_gradient_returns_to_the_input_dtype():
    x = ag.tensor([1.5, 2.0], requires_grad=True)
    out = ag.float_power(x, 3)
    assert out.dtype == ag.float64 and out.tolist() == [3.375, 8.0]
    out.sum().backward()
    assert x.grad.dtype == ag.float32 and x.grad.tolist() == [6.75, 12.0]
    assert ag.float_power(2, ag.tensor([3.0, -1.0])).tolist() == [8.0, 0.5]


def test_ldexp_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([0.5, -1.25, 3.0])
    e = np.array([3, 1, 0])
    ours = ag.tensor(x, dtype=ag.float64, requires_grad=True)
    out = ag.ldexp(ours, ag.tensor(e))
    theirs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    expected = torch.ldexp(theirs, torch.tensor(e))
    np.testing.assert_allclose(to_host(out), expected.detach().numpy(), **TORCH_TOL)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(to_host(ours.grad), theirs.grad.numpy(), **TORCH_TOL)
    assert ag.gradcheck(lambda t: ag.ldexp(t, ag.tensor(e)), (ours,))
    assert ag.tensor([1, 2]).ldexp(ag.tensor([1])).dtype == ag.get_default_dtype()


def test_ldexp_gradient_with_a_negative_exponent_is_two_to_that_power():
    # (PyTorch 2.13's is 0 there: its backward takes 2 ** other in the integer dtype.  Not copied.)
    x = ag.tensor([1.0, 3.0], dtype=ag.float64, requires_grad=True)
    out = ag.ldexp(x, ag.tensor([-2, -1]))
    assert out.tolist() == [0.25, 1.5]
    out.sum().backward()
    assert x.grad.tolist() == [0.25, 0.5]


@pytest.mark.skipif(mpmath is None, reason="mpmath (the reference) is not installed")
def test_digamma_and_trigamma_against_pytorch_and_mpmath():
    torch = pytest.importorskip("torch")
    x = _not_a_pole(np.linspace(-7.3, 9.1, 301))
    ours = ag.tensor(x, dtype=ag.float64, requires_grad=True)
    np.testing.assert_allclose(to_host(ag.digamma(ours)), torch.digamma(torch.from_numpy(x)).numpy(), **TORCH_TOL)
    ag.digamma(ours).sum().backward()
    trigamma = _vectorized(lambda v: mpmath.polygamma(1, v))(x)
    np.testing.assert_allclose(to_host(ours.grad), trigamma, **TORCH_TOL)
    # PyTorch's trigamma truncates its asymptotic series early: off by more than our tolerance.
    theirs = torch.polygamma(1, torch.from_numpy(x)).numpy()
    assert np.max(np.abs(theirs - trigamma) / np.abs(trigamma)) > 1e-10
    np.testing.assert_allclose(theirs, trigamma, rtol=1e-8)


def test_frac_fix_sgn_positive_and_the_aliases():
    x = ag.tensor([-2.5, 3.75, 0.0])
    assert ag.frac(x).tolist() == [-0.5, 0.75, 0.0]
    assert ag.fix(x).tolist() == [-2.0, 3.0, 0.0]
    assert ag.sgn(x).tolist() == [-1.0, 1.0, 0.0] and x.sgn().tolist() == [-1.0, 1.0, 0.0]
    assert ag.positive(x) is x and x.absolute().tolist() == [2.5, 3.75, 0.0]
    with pytest.raises(RuntimeError, match="frac: not implemented for int64"):
        ag.frac(ag.tensor([1]))
    with pytest.raises(RuntimeError, match="bool tensor is not supported"):
        ag.positive(ag.tensor([True]))
    y = ag.tensor([1.0, 2.0, 3.0])
    for ours, ref in ((ag.greater, np.greater), (ag.greater_equal, np.greater_equal), (ag.less, np.less),
                      (ag.less_equal, np.less_equal), (ag.not_equal, np.not_equal)):
        assert ours(y, 2.0).tolist() == ref([1.0, 2.0, 3.0], 2.0).tolist()
    assert y.greater(2.0).tolist() == [False, False, True] and y.not_equal(2.0).tolist() == [True, False, True]


# ---------------------------------------------------------------------------- no-gradient ops and predicates
@pytest.mark.parametrize("device", DEVICES)
def test_predicates_on_every_device(device):
    inf, nan = float("inf"), float("nan")
    x = ag.tensor([-0.0, 0.0, -inf, inf, nan, -2.0], device=device)
    assert ag.signbit(x).tolist() == [True, False, True, False, False, True]
    assert ag.isposinf(x).tolist() == [False, False, False, True, False, False]
    assert x.isneginf().tolist() == [False, False, True, False, False, False]
    assert ag.isreal(x).tolist() == [True] * 6
    i = ag.tensor([-1, 0, 2], device=device)
    assert ag.signbit(i).tolist() == [True, False, False] and not ag.isposinf(i).any().item()
    assert ag.signbit(ag.tensor([True, False], device=device)).tolist() == [False, False]
    h = ag.heaviside(ag.tensor([-1.0, 0.0, 2.0, nan], device=device), ag.tensor([0.5], device=device))
    assert h.tolist() == [0.0, 0.5, 1.0, 0.0]


def test_predicates_match_pytorch():
    torch = pytest.importorskip("torch")
    values = [-0.0, 0.0, -float("inf"), float("inf"), float("nan"), -2.0, 3.5]
    ours, theirs = ag.tensor(values, dtype=ag.float64), torch.tensor(values, dtype=torch.float64)
    for name in ("signbit", "isposinf", "isneginf", "isreal"):
        assert getattr(ours, name)().tolist() == getattr(theirs, name)().tolist(), name
    other = [1.0, -1.0, 0.0, 0.0, 1.0, -2.0, 10.0]
    np.testing.assert_array_equal(to_host(ag.nextafter(ours, ag.tensor(other, dtype=ag.float64))),
                                  torch.nextafter(theirs, torch.tensor(other, dtype=torch.float64)).numpy())
    np.testing.assert_array_equal(
        to_host(ag.heaviside(ours, ag.tensor([0.25], dtype=ag.float64))),
        torch.heaviside(theirs, torch.tensor([0.25], dtype=torch.float64)).numpy(),
    )
    for dtype, tdtype in ((ag.int64, torch.int64), (ag.uint8, torch.uint8), (ag.bool, torch.bool),
                          (ag.float32, torch.float32)):
        assert ag.ones(1, dtype=dtype).is_signed() == torch.ones(1, dtype=tdtype).is_signed()
        assert ag.is_signed(ag.ones(1, dtype=dtype)) == torch.is_signed(torch.ones(1, dtype=tdtype))
    assert ag.is_complex(ag.ones(2)) is False and ag.ones(2).is_complex() is False


def test_is_nonzero_and_is_same_size():
    assert ag.tensor([2.0]).is_nonzero() and not ag.is_nonzero(ag.tensor(0))
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        ag.tensor([1.0, 2.0]).is_nonzero()
    with pytest.raises(RuntimeError, match="no values is ambiguous"):
        ag.zeros(0).is_nonzero()
    assert ag.ones(2, 3).is_same_size(ag.zeros(2, 3)) and not ag.is_same_size(ag.ones(2), ag.ones(3))


def test_bad_operands_name_the_op():
    with pytest.raises(TypeError, match=r"logaddexp\(\): argument 'other' must be Tensor, not float"):
        ag.logaddexp(ag.ones(2), 2.0)
    with pytest.raises(TypeError, match="nextafter: expected floating point tensors"):
        ag.nextafter(ag.tensor([1]), ag.tensor([2]))
    with pytest.raises(RuntimeError, match="heaviside is not yet implemented for tensors with different dtypes"):
        ag.heaviside(ag.ones(2), ag.ones(2, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="hypot: shapes"):
        ag.hypot(ag.ones(2), ag.ones(3))
