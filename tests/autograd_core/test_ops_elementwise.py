"""Elementwise primitives: arithmetic with broadcasting, unary math, kinks, and dtype rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, each, make_tensor, make_tests, to_host

BINARY = S.broadcastable_shapes(2)
UNARY = S.same_shapes(1)


def _torch(name):
    return lambda torch, *xs, **kw: getattr(torch, name)(*xs, **kw)


def _denominator(arrays, kwargs):
    a, b = arrays
    return a, S.away_from(b, 0.0, gap=0.3)


def _positive_base(arrays, kwargs):
    a, b = arrays
    return S.positive(a), b


def _exponent_domain(arrays, kwargs):
    (x,) = arrays
    e = kwargs["exponent"]
    return (S.positive(x) if e != int(e) or e < 0 else x,)


def _apart(arrays, kwargs):
    a, b = arrays
    return S.on_grid(a, 1), S.on_grid(b, 0)


def _clamp_scalar_domain(arrays, kwargs):
    (x,) = arrays
    bounds = [v for v in (kwargs.get("min"), kwargs.get("max")) if v is not None]
    return (S.away_from(x, *bounds, gap=0.1),)


def _clamp_tensor_domain(arrays, kwargs):
    x, lo, hi = arrays
    return S.on_grid(x, 1), S.on_grid(lo, 0), S.on_grid(hi, 2)


def _softplus_domain(arrays, kwargs):
    (x,) = arrays
    return (S.away_from(x, kwargs["threshold"] / kwargs["beta"], gap=0.1),)


def _off_multiples(arrays, kwargs):
    # Divisors +-0.5, 1 or 2 (within 5%), dividends 0.15 to 0.35 past a multiple of 0.5: no quotient
    # is near an integer, so floor division is constant around every input (remainder is smooth).
    a, b = arrays
    return np.floor(a * 2) / 2 + 0.25 + 0.1 * np.tanh(a), _divisor(b)


def _divisor(b):
    return np.where(b >= 0, 1.0, -1.0) * 2.0 ** np.clip(np.round(b), -1, 1) * (1 + 0.05 * np.tanh(3 * b))


def _inside_unit(x):
    return 0.9 * np.tanh(x)  # inside (-1, 1), where asin, acos and atanh are smooth


def _off_branch_cut(arrays, kwargs):
    # atan2 jumps by 2 pi where input crosses 0 with other < 0 (and is singular at the origin)
    a, b = arrays
    return S.away_from(a, 0.0, gap=0.2), b


def _softplus_ref(x, beta, threshold):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


def _sigmoid_ref(x):
    return 1.0 / (1.0 + np.exp(-x))


def _clamp_kwargs(shapes):
    lo = st.sampled_from([-1.0, -0.5, 0.0, 0.25])
    hi = st.sampled_from([0.5, 1.0, 1.5])
    return st.one_of(
        st.fixed_dictionaries({"min": lo}),
        st.fixed_dictionaries({"max": hi}),
        st.fixed_dictionaries({"min": lo, "max": hi}),
    )


def _torch_clamp_tensor_bounds(torch, x, lo, hi):
    # torch.clamp sizes its output by x; expand x first so bounds may broadcast it (the gradient sums back)
    return torch.clamp(x.expand(torch.broadcast_shapes(x.shape, lo.shape, hi.shape)), lo, hi)


def _clamp_ref(x, min=None, max=None):
    return np.clip(x, min, max)


def _clamp_min_kwargs(shapes):
    return st.fixed_dictionaries({"min": st.sampled_from([-1.0, -0.5, 0.0, 0.25])})


def _clamp_max_kwargs(shapes):
    return st.fixed_dictionaries({"max": st.sampled_from([-0.5, 0.5, 1.0, 1.5])})


def _some_equal(arrays, kwargs):
    # half the pairs equal (close), the rest far apart: isclose's two outcomes, none on its boundary
    a, b = arrays
    return a, np.where(b > 0, a, a + 1.0 + np.abs(b))


@st.composite
def _repeat_interleave_case(draw):
    shape = draw(S.shapes(min_dims=0))
    dim = draw(st.none() | (S.dim(len(shape)) if shape else st.none()))
    n = int(np.prod(shape)) if dim is None else shape[dim]
    repeats = draw(st.sampled_from([0, 1, 2, 3]) | hnp.arrays(np.int64, (n,), elements=st.integers(0, 3)))
    return (shape,), {"repeats": repeats, "dim": dim}


def _repeat_interleave_ref(x, repeats, dim):
    return np.repeat(x.reshape(-1) if dim is None else x, repeats, axis=0 if dim is None else dim)


@st.composite
def _where_case(draw):
    cond_shape, a_shape, b_shape = draw(S.broadcastable_shapes(3))
    cond = draw(hnp.arrays(np.bool_, cond_shape))
    return (a_shape, b_shape), {"condition": cond}


@st.composite
def _where_scalar_case(draw):
    cond_shape, a_shape = draw(S.broadcastable_shapes(2))
    cond = draw(hnp.arrays(np.bool_, cond_shape))
    return (a_shape,), {"condition": cond, "other": draw(st.sampled_from([0.0, -1.5, 2]))}


SPECS = [
    # binary arithmetic, with broadcasting
    OpSpec("add", ag.add, np.add, BINARY, torch=_torch("add")),
    OpSpec("add_alpha", lambda a, b: ag.add(a, b, alpha=2.5), lambda a, b: a + 2.5 * b, BINARY,
           torch=lambda torch, a, b: torch.add(a, b, alpha=2.5)),
    OpSpec("add_operator", lambda a, b: a + b, np.add, BINARY, torch=lambda torch, a, b: a + b),
    OpSpec("sub", ag.sub, np.subtract, BINARY, torch=_torch("sub")),
    OpSpec("sub_alpha", lambda a, b: ag.sub(a, b, alpha=-0.5), lambda a, b: a + 0.5 * b, BINARY,
           torch=lambda torch, a, b: torch.sub(a, b, alpha=-0.5)),
    OpSpec("mul", ag.mul, np.multiply, BINARY, torch=_torch("mul")),
    OpSpec("mul_self", lambda a: a * a, np.square, UNARY, torch=lambda torch, a: a * a),
    OpSpec("div", ag.div, np.divide, BINARY, domain=_denominator, torch=_torch("div")),
    OpSpec("div_operator", lambda a, b: a / b, np.divide, BINARY, domain=_denominator,
           torch=lambda torch, a, b: a / b),
    OpSpec("remainder_operator", lambda a, b: a % b, np.remainder, BINARY, domain=_off_multiples,
           torch=lambda torch, a, b: a % b),
    OpSpec("remainder", lambda a, b: a.remainder(b), np.remainder, BINARY, domain=_off_multiples,
           torch=_torch("remainder")),
    OpSpec("floor_divide_operator", lambda a, b: a // b, np.floor_divide, BINARY, diff=(), domain=_off_multiples,
           torch=lambda torch, a, b: a // b),
    OpSpec("div_floor", lambda a, b: ag.div(a, b, rounding_mode="floor"), np.floor_divide, BINARY, diff=(),
           domain=_off_multiples, torch=lambda torch, a, b: torch.div(a, b, rounding_mode="floor")),
    OpSpec("div_trunc", lambda a, b: ag.div(a, b, rounding_mode="trunc"), lambda a, b: np.trunc(a / b), BINARY,
           diff=(), domain=_off_multiples, torch=lambda torch, a, b: torch.div(a, b, rounding_mode="trunc")),
    OpSpec("neg", ag.neg, np.negative, UNARY, torch=_torch("neg")),
    OpSpec("neg_operator", lambda a: -a, np.negative, UNARY, torch=lambda torch, a: -a),
    # scalars on either side
    OpSpec("mul_scalar", lambda a: a * 2.5, lambda a: a * 2.5, UNARY, torch=lambda torch, a: a * 2.5),
    OpSpec("rmul_scalar", lambda a: 3 * a, lambda a: 3 * a, UNARY, torch=lambda torch, a: 3 * a),
    OpSpec("add_scalar", lambda a: a + 1.5, lambda a: a + 1.5, UNARY, torch=lambda torch, a: a + 1.5),
    OpSpec("rsub_scalar", lambda a: 1.5 - a, lambda a: 1.5 - a, UNARY, torch=lambda torch, a: 1.5 - a),
    OpSpec("sub_scalar", lambda a: a - 2, lambda a: a - 2, UNARY, torch=lambda torch, a: a - 2),
    OpSpec("rdiv_scalar", lambda a: 2.0 / a, lambda a: 2.0 / a, UNARY, domain=each(lambda x: S.away_from(x, 0.0, gap=0.3)),
           torch=lambda torch, a: 2.0 / a),
    OpSpec("div_scalar", lambda a: a / 4.0, lambda a: a / 4.0, UNARY, torch=lambda torch, a: a / 4.0),
    OpSpec("remainder_scalar", lambda a: a % 0.5, lambda a: np.remainder(a, 0.5), UNARY,
           domain=each(lambda a: np.floor(a * 2) / 2 + 0.25 + 0.1 * np.tanh(a)), torch=lambda torch, a: a % 0.5),
    # PyTorch has no derivative for number % tensor (its backward raises); ours is -floor_divide(number, b).
    OpSpec("rremainder_scalar", lambda b: 2.25 % b, lambda b: np.remainder(2.25, b), UNARY, domain=each(_divisor)),
    # powers: tensor ** tensor, tensor ** scalar, scalar ** tensor
    OpSpec("pow", ag.pow, np.power, BINARY, domain=_positive_base, torch=_torch("pow")),
    OpSpec("pow_operator", lambda a, b: a**b, np.power, BINARY, domain=_positive_base, torch=lambda torch, a, b: a**b),
    OpSpec("pow_scalar_exponent", lambda x, exponent: x**exponent, lambda x, exponent: np.power(x, exponent), UNARY,
           kwargs=lambda s: st.fixed_dictionaries({"exponent": st.sampled_from([2, 3, 0, -1, 0.5, 1.5, -2.5, 2.0])}),
           domain=_exponent_domain, torch=lambda torch, x, exponent: x**exponent),
    OpSpec("pow_scalar_base", lambda x, base: base**x, lambda x, base: np.power(base, x), UNARY,
           kwargs=lambda s: st.fixed_dictionaries({"base": st.sampled_from([2.0, 0.5, 3, 1.0])}),
           torch=lambda torch, x, base: base**x),
    OpSpec("pow_function_scalar_base", lambda x: ag.pow(2.0, x), lambda x: np.power(2.0, x), UNARY,
           torch=lambda torch, x: torch.pow(2.0, x)),
    # unary math
    OpSpec("exp", ag.exp, np.exp, UNARY, torch=_torch("exp")),
    OpSpec("log", ag.log, np.log, UNARY, domain=each(S.positive), torch=_torch("log")),
    OpSpec("log1p", ag.log1p, np.log1p, UNARY, domain=each(lambda x: S.positive(x) - 0.8), torch=_torch("log1p")),
    OpSpec("sqrt", ag.sqrt, np.sqrt, UNARY, domain=each(S.positive), torch=_torch("sqrt")),
    OpSpec("abs", ag.abs, np.abs, UNARY, domain=each(lambda x: S.away_from(x, 0.0)), torch=_torch("abs")),
    OpSpec("abs_operator", abs, np.abs, UNARY, domain=each(lambda x: S.away_from(x, 0.0)), torch=lambda torch, x: abs(x)),
    OpSpec("sin", ag.sin, np.sin, UNARY, torch=_torch("sin")),
    OpSpec("cos", ag.cos, np.cos, UNARY, torch=_torch("cos")),
    OpSpec("tanh", ag.tanh, np.tanh, UNARY, torch=_torch("tanh")),
    OpSpec("sigmoid", ag.sigmoid, _sigmoid_ref, UNARY, domain=each(lambda x: 4 * x), torch=_torch("sigmoid")),
    OpSpec("relu", ag.relu, lambda x: np.maximum(x, 0.0), UNARY, domain=each(lambda x: S.away_from(x, 0.0)),
           torch=_torch("relu")),
    OpSpec("softplus", ag.softplus, _softplus_ref, UNARY, domain=_softplus_domain,
           kwargs=lambda s: st.fixed_dictionaries(
               {"beta": st.sampled_from([1.0, 2.0, 0.5, -1.0, -0.5]), "threshold": st.sampled_from([20.0, 1.0, 0.5])}),
           torch=lambda torch, x, beta, threshold: torch.nn.functional.softplus(x, beta, threshold)),
    # more unary math
    OpSpec("log2", ag.log2, np.log2, UNARY, domain=each(S.positive), torch=_torch("log2")),
    OpSpec("log10", ag.log10, np.log10, UNARY, domain=each(S.positive), torch=_torch("log10")),
    OpSpec("log10_method", lambda x: x.log10(), np.log10, UNARY, domain=each(S.positive),
           torch=lambda torch, x: x.log10()),
    OpSpec("exp2", ag.exp2, np.exp2, UNARY, torch=_torch("exp2")),
    OpSpec("expm1", ag.expm1, np.expm1, UNARY, torch=_torch("expm1")),
    OpSpec("expm1_method", lambda x: x.expm1(), np.expm1, UNARY, torch=lambda torch, x: x.expm1()),
    OpSpec("rsqrt", ag.rsqrt, lambda x: 1.0 / np.sqrt(x), UNARY, domain=each(S.positive), torch=_torch("rsqrt")),
    OpSpec("rsqrt_method", lambda x: x.rsqrt(), lambda x: 1.0 / np.sqrt(x), UNARY, domain=each(S.positive),
           torch=lambda torch, x: x.rsqrt()),
    OpSpec("square", ag.square, np.square, UNARY, torch=_torch("square")),
    OpSpec("square_method", lambda x: x.square(), np.square, UNARY, torch=lambda torch, x: x.square()),
    OpSpec("repeat_interleave", ag.repeat_interleave, _repeat_interleave_ref, case=_repeat_interleave_case(),
           torch=_torch("repeat_interleave")),
    OpSpec("repeat_interleave_method", lambda x, repeats, dim: x.repeat_interleave(repeats, dim),
           _repeat_interleave_ref, case=_repeat_interleave_case(),
           torch=lambda torch, x, repeats, dim: x.repeat_interleave(repeats, dim)),
    # kinks: clamp, maximum, minimum, where
    OpSpec("clamp", ag.clamp, _clamp_ref, UNARY, kwargs=_clamp_kwargs, domain=_clamp_scalar_domain,
           torch=_torch("clamp")),
    OpSpec("clamp_tensor_bounds", lambda x, lo, hi: ag.clamp(x, lo, hi), lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
           S.broadcastable_shapes(3), domain=_clamp_tensor_domain, torch=_torch_clamp_tensor_bounds),
    OpSpec("clamp_tensor_min", lambda x, lo: ag.clamp(x, min=lo), np.maximum, BINARY, domain=_apart,
           torch=lambda torch, x, lo: torch.clamp(x, min=lo)),
    OpSpec("clamp_min", ag.clamp_min, lambda x, min: np.maximum(x, min), UNARY, kwargs=_clamp_min_kwargs,
           domain=_clamp_scalar_domain, torch=_torch("clamp_min")),
    OpSpec("clamp_max", ag.clamp_max, lambda x, max: np.minimum(x, max), UNARY, kwargs=_clamp_max_kwargs,
           domain=_clamp_scalar_domain, torch=_torch("clamp_max")),
    OpSpec("clamp_min_method", lambda x, min: x.clamp_min(min), lambda x, min: np.maximum(x, min), UNARY,
           kwargs=_clamp_min_kwargs, domain=_clamp_scalar_domain, torch=lambda torch, x, min: x.clamp_min(min)),
    OpSpec("clamp_max_method", lambda x, max: x.clamp_max(max), lambda x, max: np.minimum(x, max), UNARY,
           kwargs=_clamp_max_kwargs, domain=_clamp_scalar_domain, torch=lambda torch, x, max: x.clamp_max(max)),
    OpSpec("clamp_min_tensor", ag.clamp_min, np.maximum, S.same_shapes(2), domain=_apart, torch=_torch("clamp_min")),
    OpSpec("clamp_max_tensor", ag.clamp_max, np.minimum, S.same_shapes(2), domain=_apart, torch=_torch("clamp_max")),
    OpSpec("maximum", ag.maximum, np.maximum, BINARY, domain=_apart, torch=_torch("maximum")),
    OpSpec("minimum", ag.minimum, np.minimum, BINARY, domain=_apart, torch=_torch("minimum")),
    OpSpec("where", lambda a, b, condition: ag.where(condition, a, b), lambda a, b, condition: np.where(condition, a, b),
           case=_where_case(), torch=lambda torch, a, b, condition: torch.where(condition, a, b)),
    OpSpec("where_scalar_other", lambda a, condition, other: ag.where(condition, a, other),
           lambda a, condition, other: np.where(condition, a, other), case=_where_scalar_case(),
           torch=lambda torch, a, condition, other: torch.where(condition, a, other)),
    # piecewise constant: no gradient
    OpSpec("sign", ag.sign, np.sign, UNARY, diff=(), torch=_torch("sign")),
    OpSpec("floor", ag.floor, np.floor, UNARY, diff=(), torch=_torch("floor")),
    OpSpec("gt", ag.gt, np.greater, BINARY, diff=(), torch=_torch("gt")),
    OpSpec("isclose", ag.isclose, np.isclose, S.same_shapes(2), diff=(), domain=_some_equal, torch=_torch("isclose")),
    OpSpec("isclose_method", lambda a, b: a.isclose(b, rtol=0.1, atol=0.5, equal_nan=True),
           lambda a, b: np.isclose(a, b, rtol=0.1, atol=0.5, equal_nan=True), S.same_shapes(2), diff=(),
           domain=_some_equal, torch=lambda torch, a, b: a.isclose(b, rtol=0.1, atol=0.5, equal_nan=True)),
    OpSpec("where_condition_only", ag.where, np.nonzero, S.same_shapes(1, min_dims=1), diff=(),
           domain=each(lambda x: np.where(x > 0.3, x, 0.0)), torch=_torch("where")),
    OpSpec("eq_operator", lambda a, b: a == b, np.equal, BINARY, diff=(), domain=_apart, torch=lambda torch, a, b: a == b),
    # trigonometric and hyperbolic, and their inverses
    OpSpec("tan", ag.tan, np.tan, UNARY, domain=each(lambda x: 1.2 * np.tanh(x)), torch=_torch("tan")),
    OpSpec("tan_method", lambda x: x.tan(), np.tan, UNARY, domain=each(lambda x: 1.2 * np.tanh(x)),
           torch=lambda torch, x: x.tan()),
    OpSpec("atan", ag.atan, np.arctan, UNARY, torch=_torch("atan")),
    OpSpec("asin", ag.asin, np.arcsin, UNARY, domain=each(_inside_unit), torch=_torch("asin")),
    OpSpec("acos", ag.acos, np.arccos, UNARY, domain=each(_inside_unit), torch=_torch("acos")),
    OpSpec("acos_method", lambda x: x.acos(), np.arccos, UNARY, domain=each(_inside_unit),
           torch=lambda torch, x: x.acos()),
    OpSpec("sinh", ag.sinh, np.sinh, UNARY, torch=_torch("sinh")),
    OpSpec("cosh", ag.cosh, np.cosh, UNARY, torch=_torch("cosh")),
    OpSpec("asinh", ag.asinh, np.arcsinh, UNARY, torch=_torch("asinh")),
    OpSpec("acosh", ag.acosh, np.arccosh, UNARY, domain=each(lambda x: S.positive(x) + 1.0), torch=_torch("acosh")),
    OpSpec("atanh", ag.atanh, np.arctanh, UNARY, domain=each(_inside_unit), torch=_torch("atanh")),
    OpSpec("atan2", ag.atan2, np.arctan2, BINARY, domain=_off_branch_cut, torch=_torch("atan2")),
    OpSpec("atan2_method", lambda a, b: a.atan2(b), np.arctan2, BINARY, domain=_off_branch_cut,
           torch=lambda torch, a, b: a.atan2(b)),
    # fmod, lerp, reciprocal, and the long names of sub/mul/neg
    OpSpec("fmod", ag.fmod, np.fmod, BINARY, domain=_off_multiples, torch=_torch("fmod")),
    OpSpec("fmod_method", lambda a, b: a.fmod(b), np.fmod, BINARY, domain=_off_multiples,
           torch=lambda torch, a, b: a.fmod(b)),
    OpSpec("fmod_scalar", lambda a: ag.fmod(a, -0.5), lambda a: np.fmod(a, -0.5), UNARY,
           domain=each(lambda a: np.floor(a * 2) / 2 + 0.25 + 0.1 * np.tanh(a)), torch=lambda torch, a: torch.fmod(a, -0.5)),
    OpSpec("lerp_scalar_weight", ag.lerp, lambda a, b, weight: a + weight * (b - a), BINARY,
           kwargs=lambda s: st.fixed_dictionaries({"weight": st.sampled_from([0.0, 0.25, 0.5, 0.8, 1.0, -1.5, 2])}),
           torch=_torch("lerp")),
    OpSpec("lerp_tensor_weight", ag.lerp, lambda a, b, w: a + w * (b - a), S.broadcastable_shapes(3),
           torch=_torch("lerp")),
    OpSpec("lerp_method", lambda a, b, w: a.lerp(b, w), lambda a, b, w: a + w * (b - a), S.broadcastable_shapes(3),
           torch=lambda torch, a, b, w: a.lerp(b, w)),
    OpSpec("reciprocal", ag.reciprocal, np.reciprocal, UNARY, domain=each(lambda x: S.away_from(x, 0.0, gap=0.3)),
           torch=_torch("reciprocal")),
    OpSpec("reciprocal_method", lambda x: x.reciprocal(), np.reciprocal, UNARY,
           domain=each(lambda x: S.away_from(x, 0.0, gap=0.3)), torch=lambda torch, x: x.reciprocal()),
    OpSpec("subtract", lambda a, b: ag.subtract(a, b, alpha=2), lambda a, b: a - 2 * b, BINARY,
           torch=lambda torch, a, b: torch.subtract(a, b, alpha=2)),
    OpSpec("multiply", ag.multiply, np.multiply, BINARY, torch=_torch("multiply")),
    OpSpec("negative", ag.negative, np.negative, UNARY, torch=_torch("negative")),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)


# ---------------------------------------------------------------------------- Python scalars and dtypes
# Expected dtypes are PyTorch's (checked against torch 2.x): a Python scalar never
# widens a tensor of its own category; a float scalar turns an integer tensor into
# the default dtype; a 0-d tensor does not widen a dimensioned one of the same category.
DTYPE_CASES = {
    "x32*2.0": (lambda x32, x64, i64: x32 * 2.0, "float32"),
    "2.0*x32": (lambda x32, x64, i64: 2.0 * x32, "float32"),
    "x32+2": (lambda x32, x64, i64: x32 + 2, "float32"),
    "x32/3": (lambda x32, x64, i64: x32 / 3, "float32"),
    "1.5-x32": (lambda x32, x64, i64: 1.5 - x32, "float32"),
    "x32**2.0": (lambda x32, x64, i64: x32**2.0, "float32"),
    "2.0**x32": (lambda x32, x64, i64: 2.0**x32, "float32"),
    "x64*2.0": (lambda x32, x64, i64: x64 * 2.0, "float64"),
    "i64*1.5": (lambda x32, x64, i64: i64 * 1.5, "float32"),
    "1.5*i64": (lambda x32, x64, i64: 1.5 * i64, "float32"),
    "i64+0.5": (lambda x32, x64, i64: i64 + 0.5, "float32"),
    "i64*2": (lambda x32, x64, i64: i64 * 2, "int64"),
    "i64/2": (lambda x32, x64, i64: i64 / 2, "float32"),
    "i64/i64": (lambda x32, x64, i64: i64 / i64, "float32"),
    "i64**2": (lambda x32, x64, i64: i64**2, "int64"),
    "i64**0.5": (lambda x32, x64, i64: i64**0.5, "float32"),
    "x32+x64": (lambda x32, x64, i64: x32 + x64, "float64"),
    "x64*x32": (lambda x32, x64, i64: x64 * x32, "float64"),
    "x32+t0d_f64": (lambda x32, x64, i64: x32 + ag.tensor(2.0, dtype=ag.float64, device=x32.device), "float32"),
    "t0d_f64*x32": (lambda x32, x64, i64: ag.tensor(2.0, dtype=ag.float64, device=x32.device) * x32, "float32"),
    "i64+t0d_f64": (lambda x32, x64, i64: i64 + ag.tensor(2.0, dtype=ag.float64, device=x32.device), "float64"),
    "x32+i64": (lambda x32, x64, i64: x32 + i64, "float32"),
    "ag.maximum(x32,x64)": (lambda x32, x64, i64: ag.maximum(x32, x64), "float64"),
    "ag.where(x32>0,x32,0.0)": (lambda x32, x64, i64: ag.where(x32 > 0, x32, 0.0), "float32"),
    "ag.clamp(x32,0,1)": (lambda x32, x64, i64: ag.clamp(x32, 0, 1), "float32"),
    "ag.clamp(i64,0.5)": (lambda x32, x64, i64: ag.clamp(i64, 0.5), "float32"),
    "ag.clamp(i64,0,2)": (lambda x32, x64, i64: ag.clamp(i64, 0, 2), "int64"),
    "i64//2": (lambda x32, x64, i64: i64 // 2, "int64"),
    "i64%2": (lambda x32, x64, i64: i64 % 2, "int64"),
    "i64//1.5": (lambda x32, x64, i64: i64 // 1.5, "float32"),
    "7%i64": (lambda x32, x64, i64: 7 % i64, "int64"),
    "x32%x64": (lambda x32, x64, i64: x32 % x64, "float64"),
    "i64&3": (lambda x32, x64, i64: i64 & 3, "int64"),
    "ag.exp(i64)": (lambda x32, x64, i64: ag.exp(i64), "float32"),
    "ag.sigmoid(i64>1)": (lambda x32, x64, i64: ag.sigmoid(i64 > 1), "float32"),
    "ag.where(i64>1,1.0,0.0)": (lambda x32, x64, i64: ag.where(i64 > 1, 1.0, 0.0), "float32"),
    "ag.where(i64>1,1,0)": (lambda x32, x64, i64: ag.where(i64 > 1, 1, 0), "int64"),
    "ag.log2(i64)": (lambda x32, x64, i64: ag.log2(i64), "float32"),
    "ag.log10(i64)": (lambda x32, x64, i64: ag.log10(i64), "float32"),
    "ag.exp2(i64)": (lambda x32, x64, i64: ag.exp2(i64), "float32"),
    "ag.expm1(i64>1)": (lambda x32, x64, i64: ag.expm1(i64 > 1), "float32"),
    "ag.rsqrt(i64)": (lambda x32, x64, i64: ag.rsqrt(i64), "float32"),
    "ag.log2(x64)": (lambda x32, x64, i64: ag.log2(x64), "float64"),
    "ag.square(i64)": (lambda x32, x64, i64: ag.square(i64), "int64"),
    "ag.square(i64>1)": (lambda x32, x64, i64: ag.square(i64 > 1), "int64"),
    "ag.clamp_min(i64,0.5)": (lambda x32, x64, i64: ag.clamp_min(i64, 0.5), "float32"),
    "ag.clamp_max(i64,2)": (lambda x32, x64, i64: ag.clamp_max(i64, 2), "int64"),
    "ag.repeat_interleave(i64,2)": (lambda x32, x64, i64: ag.repeat_interleave(i64, 2), "int64"),
    "ag.isclose(x32,x32)": (lambda x32, x64, i64: ag.isclose(x32, x32), "bool"),
    "ag.tan(i64)": (lambda x32, x64, i64: ag.tan(i64), "float32"),
    "ag.acosh(i64)": (lambda x32, x64, i64: ag.acosh(i64), "float32"),
    "ag.reciprocal(i64)": (lambda x32, x64, i64: ag.reciprocal(i64), "float32"),
    "ag.atan2(i64,i64)": (lambda x32, x64, i64: ag.atan2(i64, i64), "float32"),
    "ag.atan2(x32,x64)": (lambda x32, x64, i64: ag.atan2(x32, x64), "float64"),
    "ag.fmod(i64,2)": (lambda x32, x64, i64: ag.fmod(i64, 2), "int64"),
    "ag.fmod(i64,1.5)": (lambda x32, x64, i64: ag.fmod(i64, 1.5), "float32"),
    "ag.fmod(x32,x64)": (lambda x32, x64, i64: ag.fmod(x32, x64), "float64"),
}


FUNCTION_DTYPE_CASES = [n for n in DTYPE_CASES if n.startswith("ag.") and n.split("(")[0][3:] in (
    "log2", "log10", "exp2", "expm1", "rsqrt", "square", "clamp_min", "clamp_max", "repeat_interleave", "isclose",
    "tan", "acosh", "reciprocal", "atan2", "fmod")]


@pytest.mark.parametrize("name", FUNCTION_DTYPE_CASES)
def test_result_dtypes_of_functions_match_pytorch(name):
    """The same expressions, evaluated with ``torch`` in place of ``ag``, give PyTorch's dtype."""
    torch = pytest.importorskip("torch")
    x32 = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float32)
    x64 = torch.tensor([0.5, 1.0, -1.0], dtype=torch.float64)
    i64 = torch.tensor([1, 2, 3])
    out = eval(name.replace("ag.", "torch."), {"torch": torch, "x32": x32, "x64": x64, "i64": i64})
    assert str(out.dtype).replace("torch.", "") == DTYPE_CASES[name][1]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(DTYPE_CASES))
def test_python_scalar_and_promotion_dtypes(name, device):
    make, expected = DTYPE_CASES[name]
    x32 = ag.tensor([1.0, -2.0, 3.0], dtype=ag.float32, device=device)
    x64 = ag.tensor([0.5, 1.0, -1.0], dtype=ag.float64, device=device)
    i64 = ag.tensor([1, 2, 3], device=device)
    out = make(x32, x64, i64)
    assert str(out.dtype) == expected
    assert out.device == device


@pytest.mark.parametrize("device", DEVICES)
def test_scalar_ops_keep_float32_gradients(device):
    x = ag.tensor([1.0, 2.0], dtype=ag.float32, device=device, requires_grad=True)
    y = (x * 2.0 + 1.0) ** 2.0 / 3.0
    assert y.dtype == ag.float32
    y.sum().backward()
    assert x.grad.dtype == ag.float32
    np.testing.assert_allclose(to_host(x.grad), 4.0 * (2 * np.array([1.0, 2.0]) + 1) / 3.0, rtol=1e-6)


@pytest.mark.parametrize("device", DEVICES)
def test_mixed_precision_gradients_come_back_in_each_inputs_dtype(device):
    a = ag.tensor([1.0, 2.0], dtype=ag.float32, device=device, requires_grad=True)
    b = ag.tensor([3.0, 4.0], dtype=ag.float64, device=device, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == ag.float32 and b.grad.dtype == ag.float64
    np.testing.assert_allclose(to_host(a.grad), [3.0, 4.0])
    np.testing.assert_allclose(to_host(b.grad), [1.0, 2.0])


# ---------------------------------------------------------------------------- conventions at kinks
@pytest.mark.parametrize("device", DEVICES)
def test_abs_and_relu_have_zero_gradient_at_zero(device):
    x = ag.tensor([-1.0, 0.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    (ag.abs(x) + ag.relu(x)).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [-1.0, 0.0, 2.0])


@pytest.mark.parametrize("device", DEVICES)
def test_clamp_passes_gradient_at_its_bounds(device):
    x = ag.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    ag.clamp(x, -1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [0.0, 1.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("device", DEVICES)
def test_clamp_with_tensor_bounds_passes_gradient_at_its_bounds(device):
    # PyTorch: x gets the gradient where lo <= x <= hi (ties included), lo where x < lo, hi where x > hi.
    x = ag.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    lo = ag.zeros(5, dtype=ag.float64, device=device, requires_grad=True)
    hi = ag.ones(5, dtype=ag.float64, device=device, requires_grad=True)
    ag.clamp(x, lo, hi).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [0.0, 1.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(to_host(lo.grad), [1.0, 0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(to_host(hi.grad), [0.0, 0.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op", [ag.maximum, ag.minimum])
def test_maximum_minimum_split_ties_evenly(op, device):
    a = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, device=device, requires_grad=True)
    b = ag.tensor([1.0, 0.0, 5.0], dtype=ag.float64, device=device, requires_grad=True)
    op(a, b).sum().backward()
    a_wins = [0.5, 1.0, 0.0] if op is ag.maximum else [0.5, 0.0, 1.0]
    np.testing.assert_array_equal(to_host(a.grad), a_wins)
    np.testing.assert_array_equal(to_host(b.grad), 1.0 - np.array(a_wins))


@pytest.mark.parametrize("device", DEVICES)
def test_where_sends_gradient_only_to_the_chosen_branch(device):
    c = ag.tensor([True, False, True], device=device)
    a = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, device=device, requires_grad=True)
    b = ag.tensor([4.0, 5.0, 6.0], dtype=ag.float64, device=device, requires_grad=True)
    ag.where(c, a, b).sum().backward()
    np.testing.assert_array_equal(to_host(a.grad), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(to_host(b.grad), [0.0, 1.0, 0.0])


@pytest.mark.parametrize("device", DEVICES)
def test_sigmoid_and_softplus_are_stable_at_extremes(device):
    x = ag.tensor([-800.0, -40.0, 0.0, 40.0, 800.0], dtype=ag.float64, device=device, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow (underflow to 0 is fine)
        s = ag.sigmoid(x)
        p = ag.softplus(x)
        (s + p).sum().backward()
    np.testing.assert_allclose(to_host(s), 1.0 / (1.0 + np.exp(-np.array([-800.0, -40.0, 0.0, 40.0, 800.0]))),
                               rtol=1e-12, atol=0)
    np.testing.assert_allclose(to_host(p), [0.0, np.log1p(np.exp(-40.0)), np.log(2.0), 40.0, 800.0], rtol=1e-12)
    assert np.isfinite(to_host(x.grad)).all()


@pytest.mark.parametrize("device", DEVICES)
def test_pow_gradients_at_zero_base(device):
    # d/dx x**2 at 0 is 0; d/dx x**0 is 0 everywhere (even at 0); d/dy 0**y is 0 for y >= 0.
    x = ag.tensor([0.0, 0.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    (x**2).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [0.0, 0.0, 4.0])
    x.grad = None
    (x**0).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [0.0, 0.0, 0.0])
    y = ag.tensor([2.0, 0.0, 1.0], dtype=ag.float64, device=device, requires_grad=True)
    (x**y).sum().backward()
    np.testing.assert_allclose(to_host(y.grad), [0.0, 0.0, 2.0 * np.log(2.0)])


# ---------------------------------------------------------------------------- errors and inputs
@pytest.mark.parametrize("device", DEVICES)
def test_mismatched_shapes_fail_naming_op_and_shapes(device):
    a = ag.ones(2, 3, device=device)
    b = ag.ones(4, device=device)
    # PyTorch raises RuntimeError for shapes that don't broadcast.
    with pytest.raises(RuntimeError, match=r"add.*\(2, 3\).*\(4,\)"):
        a + b


@pytest.mark.parametrize("device", DEVICES)
def test_ops_accept_noncontiguous_views_of_a_bigger_array(device):
    base = np.arange(24.0).reshape(4, 6)
    x = make_tensor(base, device, np.float64, "strided", requires_grad=True)  # (4, 6) view, NaN in the gaps
    y = make_tensor(base.T.copy(), device, np.float64, "transposed", requires_grad=True)
    out = (ag.exp(x / 10.0) * y.T).sum()
    out.backward()
    np.testing.assert_allclose(to_host(out), (np.exp(base / 10.0) * base).sum())
    np.testing.assert_allclose(to_host(x.grad), np.exp(base / 10.0) / 10.0 * base)
    np.testing.assert_allclose(to_host(y.grad), np.exp(base / 10.0).T)


# ---------------------------------------------------------------------------- the checks are not vacuous
class _Cube(ag.Function):
    """x**3 whose backward detaches x: first derivative right, second derivative wrong (0)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3.0 * x.detach() * x.detach()


class _WrongSlope(ag.Function):
    """sin(x) with a backward off by 1%."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ag.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ag.cos(x) * 1.01


def test_gradcheck_catches_a_wrong_first_derivative():
    x = ag.tensor([0.3, -1.2], dtype=ag.float64, requires_grad=True)
    with pytest.raises(ag.GradcheckError):
        ag.gradcheck(_WrongSlope.apply, (x,))


def test_gradgradcheck_catches_a_wrong_second_derivative():
    # torch.autograd.gradgradcheck rejects the same Function (numerical Hessian diag(6x) vs analytical 0).
    x = ag.tensor([0.5, 1.5], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(_Cube.apply, (x,))
    with pytest.raises(ag.GradcheckError):
        ag.gradgradcheck(_Cube.apply, (x,))


@pytest.mark.parametrize("device", DEVICES)
def test_factory_second_order_check_catches_a_wrong_second_derivative(device):
    from tests.helpers.op_factory import Case, check_second_order

    spec = OpSpec("cube", _Cube.apply, lambda x: x**3, UNARY)
    case = Case((np.array([0.5, 1.5]),), {}, ("contiguous",))
    with pytest.raises(AssertionError, match="second derivative"):
        check_second_order(spec, case, device, seed=0)
    good = OpSpec("cube_composed", lambda x: x * x * x, lambda x: x**3, UNARY)
    check_second_order(good, case, device, seed=0)


# ---------------------------------------------------------------------------- log2 ... rsqrt, clamp_min/max at their edges
def _vs_torch(ours_fn, torch_fn, *arrays):
    """Forward values and every input's gradient against PyTorch (float64, upstream gradient of ones)."""
    torch = pytest.importorskip("torch")
    ours = [ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out, tout = ours_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(to_host(out), tout.detach().numpy(), rtol=1e-12, atol=0, equal_nan=True)
    out.sum().backward()
    tout.sum().backward()
    for x, t in zip(ours, theirs):
        np.testing.assert_allclose(to_host(x.grad), t.grad.numpy(), rtol=1e-12, atol=0, equal_nan=True)


EDGES = {
    "log2_at_0_and_negative": (ag.log2, "log2", [[0.0, -1.0, 1.0, 8.0]]),
    "log10_at_0_and_negative": (ag.log10, "log10", [[0.0, -1.0, 1.0, 1000.0]]),
    "exp2_extremes": (ag.exp2, "exp2", [[-1100.0, -1.0, 0.0, 1100.0]]),
    "expm1_tiny_and_large": (ag.expm1, "expm1", [[1e-12, -1e-12, 0.0, -800.0, 30.0]]),
    "rsqrt_at_0": (ag.rsqrt, "rsqrt", [[0.0, 0.25, 4.0]]),
    "square_at_0": (ag.square, "square", [[0.0, -3.0, 2.0]]),
    "clamp_min_at_bound": (lambda x: ag.clamp_min(x, 0.0), lambda x: x.clamp_min(0.0), [[-1.0, 0.0, 1.0]]),
    "clamp_max_at_bound": (lambda x: ag.clamp_max(x, 0.0), lambda x: x.clamp_max(0.0), [[-1.0, 0.0, 1.0]]),
    "clamp_min_tensor_ties": (ag.clamp_min, "clamp_min", [[-1.0, 0.0, 1.0], [0.0, 0.0, 0.0]]),
    "clamp_max_tensor_ties": (ag.clamp_max, "clamp_max", [[-1.0, 0.0, 1.0], [0.0, 0.0, 0.0]]),
}


@pytest.mark.parametrize("name", list(EDGES))
def test_new_unary_ops_match_pytorch_at_their_edges(name):
    ours, theirs, arrays = EDGES[name]
    torch_fn = theirs if callable(theirs) else (lambda *xs: getattr(__import__("torch"), theirs)(*xs))
    with np.errstate(all="ignore"):
        _vs_torch(ours, torch_fn, *arrays)


@pytest.mark.parametrize("name", ["log2", "log10", "exp2", "expm1", "rsqrt"])
def test_new_unary_ops_hessians_match_pytorch(name):
    torch = pytest.importorskip("torch")
    data = [0.5, 1.5, 2.0]
    x = ag.tensor(data, dtype=ag.float64, requires_grad=True)
    t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    (g,) = ag.grad(getattr(ag, name)(x).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(getattr(torch, name)(t).sum(), t, create_graph=True)
    np.testing.assert_allclose(to_host(g), tg.detach().numpy(), rtol=1e-12)
    (gg,) = ag.grad(g.sum(), x)
    (tgg,) = torch.autograd.grad(tg.sum(), t)
    np.testing.assert_allclose(to_host(gg), tgg.numpy(), rtol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
def test_new_unary_ops_promote_integers_and_keep_float32(device):
    i = ag.tensor([1, 2, 4], device=device)
    x32 = ag.tensor([1.0, 2.0, 4.0], device=device, requires_grad=True)
    for op, ref in ((ag.log2, np.log2), (ag.log10, np.log10), (ag.exp2, np.exp2), (ag.expm1, np.expm1),
                    (ag.rsqrt, lambda v: 1 / np.sqrt(v))):
        out = op(i)
        assert out.dtype == ag.float32 and out.device == device and not out.requires_grad
        np.testing.assert_allclose(to_host(out), ref(np.array([1.0, 2.0, 4.0])), rtol=1e-6)
        y = op(x32)
        assert y.dtype == ag.float32 and y.requires_grad
        (g,) = ag.grad(y.sum(), x32)
        assert g.dtype == ag.float32


# ---------------------------------------------------------------------------- isclose / allclose
def test_isclose_nonfinite_values_and_equal_nan():
    a = ag.tensor([1.0, np.inf, np.nan, -np.inf, 1e-9, 1.0, np.inf])
    b = ag.tensor([1.00001, np.inf, np.nan, np.inf, 0.0, 1.1, 1e38])
    assert to_host(ag.isclose(a, b)).tolist() == [False, True, False, False, True, False, False]
    assert to_host(ag.isclose(a, b, equal_nan=True)).tolist() == [False, True, True, False, True, False, False]
    assert to_host(a.isclose(b, rtol=0.2)).tolist() == [True, True, False, False, True, True, False]


ISCLOSE_CASES = {
    "float32": ([1.0, 1.00001, np.inf, np.nan, 2.0], [1.00001, 1.0, np.inf, np.nan, 2.1], "float32", {}),
    "float32_equal_nan": ([1.0, np.nan, 0.0], [1.0, np.nan, np.nan], "float32", {"equal_nan": True}),
    "float64_rtol": ([10.0, 12.0, -3.0], [10.5, 11.0, 3.0], "float64", {"rtol": 0.1, "atol": 0.0}),
    "float64_zero_tolerances": ([1.0, 1.0 + 1e-15], [1.0, 1.0], "float64", {"rtol": 0.0, "atol": 0.0}),
    "int64_rtol": ([10, 12, -5], [10, 11, 5], "int64", {"rtol": 0.1, "atol": 0.0}),
    "int64_atol": ([10, 12, 2**40], [10, 11, 2**40 + 1], "int64", {"rtol": 0.0, "atol": 1.0}),
    "int64_in_float32": ([2**40, 2**24 + 1, 7], [2**40 + 1, 2**24, 8], "int64", {"rtol": 0.0, "atol": 0.5}),
    "uint8_no_wrap": ([3, 250, 7, 0, 5], [5, 251, 7, 255, 3], "uint8", {"rtol": 0.0, "atol": 1.0}),
    "int8_no_wrap": ([100, -100, 3], [-100, 100, 4], "int8", {"rtol": 0.0, "atol": 60.0}),
    "bool": ([True, False, True], [True, True, False], "bool", {"atol": 0.5}),
    "broadcast": ([[1.0, 2.0], [3.0, 4.0]], [1.0, 2.5], "float32", {}),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(ISCLOSE_CASES))
def test_isclose_and_allclose_match_pytorch(name, device):
    torch = pytest.importorskip("torch")
    a, b, dtype, kw = ISCLOSE_CASES[name]
    ours = ag.isclose(ag.tensor(a, dtype=dtype, device=device), ag.tensor(b, dtype=dtype, device=device), **kw)
    ta, tb = torch.tensor(a, dtype=getattr(torch, dtype)), torch.tensor(b, dtype=getattr(torch, dtype))
    theirs = torch.isclose(ta, tb, **kw)
    assert ours.dtype == ag.bool and not ours.requires_grad and ours.device == device
    assert to_host(ours).tolist() == theirs.tolist()
    got = ag.allclose(ag.tensor(a, dtype=dtype, device=device), ag.tensor(b, dtype=dtype, device=device), **kw)
    assert type(got) is bool and got == torch.allclose(ta, tb, **kw)


def test_allclose_is_a_python_bool_and_a_method():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert x.allclose(x * 1.0) is True
    assert ag.allclose(x, x + 1e-3) is False
    assert ag.allclose(x, x + 1e-3, atol=1e-2) is True


def test_isclose_refuses_mixed_dtypes_negative_tolerances_and_numbers():
    # PyTorch: RuntimeError "Float did not match Double", "rtol must be greater than or equal to zero", TypeError
    a = ag.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="same dtype.*float32.*float64"):
        ag.isclose(a, a.double())
    with pytest.raises(RuntimeError, match="rtol"):
        ag.isclose(a, a, rtol=-1.0)
    with pytest.raises(TypeError, match="float"):
        ag.isclose(a, 1.0)
    with pytest.raises(RuntimeError, match="broadcast"):
        ag.isclose(a, ag.tensor([1.0, 2.0, 3.0]))


# ---------------------------------------------------------------------------- where(condition)
@pytest.mark.parametrize("device", DEVICES)
def test_where_with_only_a_condition_is_nonzero_as_tuple(device):
    c = ag.tensor([[0, 1], [2, 0]], device=device)
    rows, cols = ag.where(c)
    assert to_host(rows).tolist() == [0, 1] and to_host(cols).tolist() == [1, 0]
    assert rows.dtype == ag.int64 and rows.device == device
    (idx,) = ag.where(ag.tensor(1.0, device=device))  # a 0-d condition counts as 1-D, as in PyTorch
    assert to_host(idx).tolist() == [0]
    (idx,) = ag.where(ag.tensor([False, True, True], device=device))
    assert to_host(idx).tolist() == [1, 2]


def test_where_with_only_a_condition_matches_pytorch():
    torch = pytest.importorskip("torch")
    for data in ([[0.0, 1.5], [2.0, 0.0]], [True, False, True], 3.0, [[[0, 1]], [[1, 1]]]):
        ours, theirs = ag.where(ag.tensor(data)), torch.where(torch.tensor(data))
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert to_host(o).tolist() == t.tolist()


def test_where_with_two_arguments_is_an_error():
    with pytest.raises(TypeError, match="where"):
        ag.where(ag.tensor([True]), ag.tensor([1.0]))


# ---------------------------------------------------------------------------- repeat_interleave
@pytest.mark.parametrize("device", DEVICES)
def test_repeat_interleave_gradients_sum_back(device):
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ag.float64, device=device, requires_grad=True)
    y = ag.repeat_interleave(x, ag.tensor([3, 0], device=device), dim=0)
    assert y.shape == (3, 2) and y.device == device
    (y * ag.tensor([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]], dtype=ag.float64, device=device)).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [[6.0, 60.0], [0.0, 0.0]])
    x.grad = None
    x.repeat_interleave(2).sum().backward()  # flattened: every element twice
    np.testing.assert_array_equal(to_host(x.grad), np.full((2, 2), 2.0))


@pytest.mark.parametrize("device", DEVICES)
def test_repeat_interleave_of_repeats_alone_gives_indices(device):
    r = ag.tensor([2, 0, 1], dtype=ag.int32, device=device)
    out = ag.repeat_interleave(r)
    assert to_host(out).tolist() == [0, 0, 2] and out.dtype == ag.int32
    assert to_host(ag.repeat_interleave(ag.tensor([], dtype=ag.int64, device=device))).tolist() == []


REPEAT_INTERLEAVE_CASES = {
    "int_flat": ([[1, 2], [3, 4]], 2, None),
    "int_dim": ([[1, 2], [3, 4]], 2, -1),
    "tensor_dim0": ([[1, 2], [3, 4]], [1, 2], 0),
    "tensor_flat": ([[1, 2], [3, 4]], [1, 2, 0, 1], None),
    "one_element_tensor": ([[1, 2], [3, 4]], [3], 1),
    "zero_d_tensor": ([[1, 2], [3, 4]], 2, 1),
    "zero_repeats": ([1.0, 2.0], 0, None),
    "zero_d_input": (5.0, 3, None),
}


@pytest.mark.parametrize("name", list(REPEAT_INTERLEAVE_CASES))
def test_repeat_interleave_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    data, repeats, dim = REPEAT_INTERLEAVE_CASES[name]
    r_ours = ag.tensor(repeats) if isinstance(repeats, list) or name == "zero_d_tensor" else repeats
    r_theirs = torch.tensor(repeats) if isinstance(repeats, list) or name == "zero_d_tensor" else repeats
    ours = ag.repeat_interleave(ag.tensor(data), r_ours, dim)
    theirs = torch.repeat_interleave(torch.tensor(data), r_theirs, dim)
    assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert to_host(ours).tolist() == theirs.tolist()


def test_repeat_interleave_errors_name_the_problem():
    x = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match="negative"):
        ag.repeat_interleave(x, ag.tensor([1, -1]))
    with pytest.raises(RuntimeError, match="negative"):
        ag.repeat_interleave(x, -1)
    with pytest.raises(RuntimeError, match=r"repeats.size\(0\) = 3 and input.size\(0\) = 2"):
        ag.repeat_interleave(x, ag.tensor([1, 2, 3]))
    with pytest.raises(TypeError, match="integer"):
        ag.repeat_interleave(x, ag.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="0-dim or 1-dim"):
        ag.repeat_interleave(x, ag.tensor([[1, 2]]))
    with pytest.raises(TypeError, match="int"):
        ag.repeat_interleave(x, 2.0)
    with pytest.raises(RuntimeError, match="output_size"):
        ag.repeat_interleave(x, 2, output_size=3)
    assert ag.repeat_interleave(x, 2, output_size=4).tolist() == [1, 1, 2, 2]


@pytest.mark.parametrize("decimals", [0, 1, 2, 3, -1, -2])
def test_round_with_decimals_matches_pytorch(decimals):
    torch = pytest.importorskip("torch")
    values = [1.2345, 2.5, -0.125, 1234.5678, 0.0049999, 7.5, -2.5]
    ours = ag.tensor(values).round(decimals=decimals)
    assert ours.tolist() == torch.tensor(values).round(decimals=decimals).tolist()
    x = ag.tensor(values, requires_grad=True)
    y = x.round(decimals=decimals)
    assert y.requires_grad  # recorded with a zero gradient, as in PyTorch
    y.sum().backward()
    assert x.grad.tolist() == [0.0] * len(values)


# ---------------------------------------------------------------------------- fmod, atan2, lerp: PyTorch's rules
@pytest.mark.parametrize("device", DEVICES)
def test_fmod_takes_the_sign_of_the_dividend_and_remainder_that_of_the_divisor(device):
    a = ag.tensor([5, -5, 5, -5], device=device)
    b = ag.tensor([3, 3, -3, -3], device=device)
    assert ag.fmod(a, b).tolist() == [2, -2, 2, -2]
    assert ag.remainder(a, b).tolist() == [2, 1, -1, -2]
    assert ag.fmod(ag.tensor([5.5, -5.5], device=device), 2).tolist() == [1.5, -1.5]


def test_fmod_of_integers_by_zero_raises_as_in_pytorch():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ag.fmod(ag.tensor([1, 2]), 0)
    with pytest.raises(TypeError, match="fmod: input must be a Tensor"):
        ag.fmod(2.0, ag.tensor([1.0]))


@pytest.mark.parametrize("device", DEVICES)
def test_fmod_gradient_of_the_divisor_is_minus_the_truncated_quotient(device):
    a = ag.tensor([7.0, -7.0, 7.0], dtype=ag.float64, device=device, requires_grad=True)
    b = ag.tensor([2.0, 2.0, -2.0], dtype=ag.float64, device=device, requires_grad=True)
    ag.fmod(a, b).sum().backward()
    assert to_host(a.grad).tolist() == [1.0, 1.0, 1.0]
    assert to_host(b.grad).tolist() == [-3.0, 3.0, 3.0]  # -trunc(a / b); remainder's would be -floor


def test_atan2_takes_tensors_only_as_in_pytorch():
    with pytest.raises(TypeError, match="atan2: argument 'other' must be a Tensor, not float"):
        ag.atan2(ag.ones(2), 2.0)


def test_atan2_quadrants():
    out = ag.atan2(ag.tensor([1.0, 1.0, -1.0, -1.0, 0.0], dtype=ag.float64),
                   ag.tensor([1.0, -1.0, -1.0, 1.0, -1.0], dtype=ag.float64))
    np.testing.assert_allclose(out.numpy(), np.pi * np.array([0.25, 0.75, -0.75, -0.25, 1.0]), rtol=1e-15)


def test_lerp_requires_matching_dtypes_as_in_pytorch():
    with pytest.raises(RuntimeError, match="expected dtype float32 for `end` but got dtype float64"):
        ag.lerp(ag.ones(2), ag.ones(2, dtype=ag.float64), 0.5)
    with pytest.raises(RuntimeError, match="expected dtype float64 for `weight` but got dtype float32"):
        ag.lerp(ag.ones(2, dtype=ag.float64), ag.ones(2, dtype=ag.float64), ag.ones(1))


def test_lerp_computes_from_the_nearer_end_as_pytorch_does():
    # weight 1 must give end exactly, even when end is tiny beside input (input + 1 * (end - input) loses it)
    assert ag.lerp(ag.tensor([1.0], dtype=ag.float64), ag.tensor([1e-20], dtype=ag.float64), 1.0).item() == 1e-20
    w = ag.tensor([0.0, 0.25, 0.5, 1.0, -0.75, 1.5], dtype=ag.float64, requires_grad=True)
    a = ag.tensor([1e3, 2.0, -3.0, 1.0, 4.0, 5.0], dtype=ag.float64, requires_grad=True)
    e = ag.tensor([1e-3, -1.0, 7.0, 1e-20, 2.0, 0.5], dtype=ag.float64, requires_grad=True)
    out = ag.lerp(a, e, w)
    assert out.tolist()[3] == 1e-20
    (out * ag.arange(1.0, 7.0, dtype=ag.float64)).sum().backward()
    k = np.arange(1.0, 7.0)
    np.testing.assert_allclose(a.grad.numpy(), k * (1 - w.detach().numpy()), rtol=1e-15)
    np.testing.assert_allclose(e.grad.numpy(), k * w.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(w.grad.numpy(), k * (e.detach().numpy() - a.detach().numpy()), rtol=1e-15)
    torch = pytest.importorskip("torch")
    theirs = torch.lerp(torch.tensor(a.detach().numpy()), torch.tensor(e.detach().numpy()), torch.tensor(w.detach().numpy()))
    np.testing.assert_allclose(out.detach().numpy(), theirs.numpy(), rtol=1e-15, atol=0)
