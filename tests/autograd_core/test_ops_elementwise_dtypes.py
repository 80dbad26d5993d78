"""Elementwise ops on integer and bool tensors, and dtype rules PyTorch follows: exact integer
``//`` and ``%``, bitwise ``& | ^ ~``, float-valued unary ops promoting to the default dtype,
comparisons in the promoted dtype, ``where`` with scalar branches, ``clamp_`` with tensor bounds,
and softplus with a negative beta.  Each expectation holds without PyTorch; where PyTorch is
installed the same cases are also checked against it."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops import elementwise as E
from tests.helpers.op_factory import DEVICES, to_host


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _torch_dtype(torch, dtype):
    return getattr(torch, str(np.dtype(dtype)))


def _t(values, dtype, device="cpu", **kw):
    return ag.tensor(np.asarray(values, dtype=dtype), dtype=dtype, device=device, **kw)


# ---------------------------------------------------------------------------- integer // and %
INT_DTYPES = ("int64", "int32", "int16", "int8", "uint8")
BIG = [2**25 + 1, 2**40 + 1, -(2**53) - 3, 2**62 + 7, -7, 7, 0]


@pytest.mark.parametrize("device", DEVICES)
def test_integer_floor_divide_and_remainder_are_exact(device):
    # Through float32 these were 33554432 and -49151; PyTorch (and Python) give 33554433 and 3.
    assert to_host(ag.tensor([2**25 + 1], device=device) // 1).tolist() == [2**25 + 1]
    assert to_host(ag.tensor([2**40 + 1], device=device) % 7).tolist() == [3]
    a = ag.tensor(BIG, device=device)
    for d in (7, -3, 1, 2**31 + 11):
        assert (a // d).dtype == ag.int64 and (a % d).dtype == ag.int64
        assert to_host(a // d).tolist() == [x // d for x in BIG]
        assert to_host(a % d).tolist() == [x % d for x in BIG]
        assert to_host(a // ag.tensor([d] * len(BIG), device=device)).tolist() == [x // d for x in BIG]
        assert to_host(a % ag.tensor(d, device=device)).tolist() == [x % d for x in BIG]
        assert to_host(ag.div(a, d, rounding_mode="floor")).tolist() == [x // d for x in BIG]
        assert to_host(ag.div(a, d, rounding_mode="trunc")).tolist() == [_trunc_div(x, d) for x in BIG]


def _trunc_div(x: int, d: int) -> int:
    q = abs(x) // abs(d)
    return q if (x < 0) == (d < 0) else -q


@pytest.mark.parametrize("device", DEVICES)
def test_number_on_the_left_of_integer_floor_divide_and_remainder(device):
    t = ag.tensor([6, 3, -4], device=device)
    assert to_host(7 // t).tolist() == [1, 2, -2] and (7 // t).dtype == ag.int64
    assert to_host(7 % t).tolist() == [1, 1, -1] and (7 % t).dtype == ag.int64
    assert to_host(7.5 // t).tolist() == [1.0, 2.0, -2.0] and (7.5 // t).dtype == ag.float32
    np.testing.assert_allclose(to_host(7.5 % t), [1.5, 1.5, -0.5])


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("op", [operator.floordiv, operator.mod], ids=["floordiv", "mod"])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_integer_floor_divide_and_remainder_against_torch(torch, op, dtype, data):
    info = np.iinfo(dtype)
    lo, hi = int(info.min) // 2, int(info.max) // 2  # away from overflow (int_min // -1)
    n = data.draw(st.integers(1, 6))
    a = data.draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))
    b = data.draw(st.lists(st.integers(lo, hi).filter(lambda v: v != 0), min_size=n, max_size=n))
    ours = op(_t(a, dtype), _t(b, dtype))
    theirs = op(torch.tensor(a, dtype=_torch_dtype(torch, dtype)), torch.tensor(b, dtype=_torch_dtype(torch, dtype)))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(to_host(ours), theirs.numpy())
    # (a negative number with an unsigned tensor: PyTorch wraps it around, NumPy refuses; not tested)
    scalar = data.draw(st.integers(1, 100) | st.integers(-100, -1) if dtype != "uint8" else st.integers(1, 100))
    np.testing.assert_array_equal(to_host(op(_t(a, dtype), scalar)),
                                  op(torch.tensor(a, dtype=_torch_dtype(torch, dtype)), scalar).numpy())


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    "fn",
    [lambda a, b: a // b, lambda a, b: a % b, lambda a, b: ag.div(a, b, rounding_mode="floor"),
     lambda a, b: ag.div(a, b, rounding_mode="trunc"), lambda a, b: a.remainder(b), lambda a, b: a.floor_divide(b)],
    ids=["floordiv", "mod", "div_floor", "div_trunc", "remainder", "floor_divide"],
)
def test_integer_division_by_zero_raises_as_in_torch(fn, device):
    # PyTorch: RuntimeError: ZeroDivisionError (NumPy would quietly give 0).
    a = ag.tensor([5, 6], device=device)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(a, 0)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(a, ag.tensor([1, 0], device=device))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(a, ag.tensor([1, 0], dtype=ag.int8, device=device))


@pytest.mark.parametrize("device", DEVICES)
def test_integer_division_of_a_number_by_zero_raises(device):
    zero = ag.tensor([0, 3], device=device)
    with pytest.raises(RuntimeError, match="floor_divide.*ZeroDivisionError"):
        7 // zero
    with pytest.raises(RuntimeError, match="remainder.*ZeroDivisionError"):
        7 % zero


def test_integer_division_by_zero_raises_in_torch_too(torch):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.tensor([5, 6]) // 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.tensor([5, 6]) % torch.tensor([1, 0])


def test_float_division_by_zero_follows_ieee():
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(to_host(ag.tensor([1.0, -1.0, 0.0]) // 0.0), [np.inf, -np.inf, np.nan])
        assert np.isnan(to_host(ag.tensor([1.0]) % 0.0)).all()


# ---------------------------------------------------------------------------- float // and %
@pytest.mark.parametrize("device", DEVICES)
def test_float_floor_divide_and_remainder_match_the_back_end_not_a_rounded_true_division(device):
    # 1 / 0.1 rounds to 10.0, but 0.1 (as stored) goes into 1 nine times: PyTorch says 9 and 0.1.
    x = ag.tensor([1.0], device=device)
    assert to_host(x // 0.1).tolist() == [9.0]
    assert to_host(ag.div(x, 0.1, rounding_mode="floor")).tolist() == [9.0]
    np.testing.assert_allclose(to_host(x % 0.1), [np.float32(1.0) % np.float32(0.1)], rtol=0)
    assert abs(to_host(x % 0.1)[0] - 0.1) < 1e-6
    np.testing.assert_array_equal(to_host(ag.tensor([-3.0, 3.0], device=device) % ag.tensor([2.0, -2.0], device=device)),
                                  [1.0, -1.0])


def test_float_floor_divide_and_remainder_against_torch(torch):
    a = [1.0, 2.5, -2.5, 7.3, -0.0, 1e10 + 0.5]
    b = [0.1, -0.7, 0.7, 0.1, 2.0, 3.0]
    for dtype in ("float32", "float64"):
        ta, tb = torch.tensor(a, dtype=_torch_dtype(torch, dtype)), torch.tensor(b, dtype=_torch_dtype(torch, dtype))
        np.testing.assert_array_equal(to_host(_t(a, dtype) // _t(b, dtype)), (ta // tb).numpy())
        np.testing.assert_array_equal(to_host(_t(a, dtype) % _t(b, dtype)), (ta % tb).numpy())
        np.testing.assert_array_equal(to_host(ag.div(_t(a, dtype), _t(b, dtype), rounding_mode="trunc")),
                                      torch.div(ta, tb, rounding_mode="trunc").numpy())
        np.testing.assert_array_equal(to_host(_t(a, dtype) % 0.1), (ta % 0.1).numpy())


@pytest.mark.parametrize("device", DEVICES)
def test_remainder_gradients(device):
    # d(x % y)/dx = 1, d(x % y)/dy = -floor_divide(x, y): -9 at x = 1, y = 0.1 (PyTorch's value).
    x = ag.tensor([1.0, 2.5], dtype=ag.float64, device=device, requires_grad=True)
    y = ag.tensor([0.1, -0.7], dtype=ag.float64, device=device, requires_grad=True)
    (x % y).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [1.0, 1.0])
    np.testing.assert_array_equal(to_host(y.grad), [-9.0, 4.0])
    # (no quotient near an integer: the remainder jumps there)
    x = ag.tensor([[0.3, 1.7], [-2.2, 0.8]], dtype=ag.float64, requires_grad=True)
    y = ag.tensor([0.7, -0.43], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda a, b: a % b, (x, y))
    assert ag.gradgradcheck(lambda a, b: a % b, (x, y))
    assert ag.gradcheck(lambda b: 2.25 % b, (y,))
    assert ag.gradcheck(lambda a: a % 0.35, (x,))


def test_remainder_gradients_against_torch(torch):
    a, b = [1.0, 2.5, -2.2, 0.9], [0.1, -0.7, 0.7, 0.4]
    x, y = _t(a, "float64", requires_grad=True), _t(b, "float64", requires_grad=True)
    tx, ty = torch.tensor(a, dtype=torch.float64, requires_grad=True), torch.tensor(b, dtype=torch.float64,
                                                                                      requires_grad=True)
    (x % y).sum().backward()
    (tx % ty).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), tx.grad.numpy())
    np.testing.assert_array_equal(to_host(y.grad), ty.grad.numpy())


def test_floor_divide_has_no_gradient():
    # PyTorch records floor_divide but has no derivative for it (its backward raises); here the
    # result is simply off the graph.
    x = ag.tensor([1.0, 2.5], requires_grad=True)
    for out in (x // 0.3, 2.0 // x):
        assert not out.requires_grad and out.grad_fn is None


def test_div_with_rounding_mode_has_a_zero_gradient():
    # As PyTorch: div with rounding_mode is recorded, and its gradient is zero for both operands.
    x = ag.tensor([1.0, 2.5], requires_grad=True)
    y = ag.tensor([0.3, -0.7], requires_grad=True)
    for mode in ("floor", "trunc"):
        x.grad = y.grad = None
        out = ag.div(x, y, rounding_mode=mode)
        assert out.requires_grad
        out.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0] and y.grad.tolist() == [0.0, 0.0]


def test_div_rejects_an_unknown_rounding_mode():
    with pytest.raises(ValueError, match="rounding_mode"):
        ag.div(ag.tensor([1.0]), 2.0, rounding_mode="round")


def test_bool_floor_divide_by_bool_is_refused_as_in_torch():
    with pytest.raises(RuntimeError, match="bool"):
        ag.tensor([True]) // ag.tensor([True])
    assert to_host(ag.tensor([True, False]) // 2).tolist() == [0, 0]
    assert (ag.tensor([True, False]) % 2).dtype == ag.int64


# ---------------------------------------------------------------------------- float-valued unary ops
FLOAT_UNARY = {
    "exp": (ag.exp, np.exp),
    "log": (ag.log, np.log),
    "log1p": (ag.log1p, np.log1p),
    "sqrt": (ag.sqrt, np.sqrt),
    "rsqrt": (lambda t: t.rsqrt(), lambda a: 1.0 / np.sqrt(a)),
    "reciprocal": (lambda t: t.reciprocal(), lambda a: 1.0 / a),
    "sin": (ag.sin, np.sin),
    "cos": (ag.cos, np.cos),
    "tanh": (ag.tanh, np.tanh),
    "sigmoid": (ag.sigmoid, lambda a: 1.0 / (1.0 + np.exp(-a))),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("name", list(FLOAT_UNARY))
def test_float_valued_unary_ops_promote_integers_and_bools_to_the_default_dtype(name, dtype, device):
    op, ref = FLOAT_UNARY[name]
    values = [True, False, True] if dtype == "bool" else [0, 1, 2]
    out = op(_t(values, dtype, device))
    assert out.dtype == ag.float32, f"{name}({dtype}) is {out.dtype}"
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(to_host(out), ref(np.asarray(values, dtype=np.float64)), rtol=1e-6)
    previous = ag.get_default_dtype()
    ag.set_default_dtype(ag.float64)
    try:
        assert op(_t(values, dtype, device)).dtype == ag.float64
    finally:
        ag.set_default_dtype(previous)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("name", list(FLOAT_UNARY))
def test_float_valued_unary_ops_on_integers_against_torch(torch, name, dtype):
    op, _ = FLOAT_UNARY[name]
    values = [True, False, True] if dtype == "bool" else [0, 1, 2]
    theirs = getattr(torch.tensor(values, dtype=_torch_dtype(torch, dtype)), name)()
    ours = op(_t(values, dtype))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(to_host(ours), theirs.numpy(), rtol=1e-6)


def test_float_valued_unary_ops_keep_float_inputs_and_gradients():
    x = ag.tensor([0.5, 1.5], dtype=ag.float64, requires_grad=True)
    for name, (op, _) in FLOAT_UNARY.items():
        assert op(x).dtype == ag.float64, name
        assert ag.gradcheck(op, (x,)), name


# ---------------------------------------------------------------------------- bitwise & | ^ ~
@pytest.mark.parametrize("device", DEVICES)
def test_bitwise_ops_on_integers(device):
    a, b = ag.tensor([6, 3], device=device), ag.tensor([3, 5], device=device)
    assert to_host(a & b).tolist() == [2, 1]
    assert to_host(a | b).tolist() == [7, 7]
    assert to_host(a ^ b).tolist() == [5, 6]
    assert to_host(~a).tolist() == [-7, -4]
    assert to_host(7 & a).tolist() == [6, 3] and to_host(a & 7).tolist() == [6, 3]
    assert to_host(7 | a).tolist() == [7, 7]
    assert to_host(7 ^ a).tolist() == [1, 4]
    assert to_host(a.bitwise_and(b)).tolist() == [2, 1] and to_host(a.bitwise_not()).tolist() == [-7, -4]
    assert (~ag.tensor([6, 3], dtype=ag.uint8, device=device)).dtype == ag.uint8
    assert to_host(~ag.tensor([6, 3], dtype=ag.uint8, device=device)).tolist() == [249, 252]
    assert (ag.tensor([6, 3], dtype=ag.int32, device=device) & 3).dtype == ag.int32


@pytest.mark.parametrize("device", DEVICES)
def test_bitwise_ops_on_bools_are_logical(device):
    p, q = ag.tensor([True, True, False], device=device), ag.tensor([True, False, False], device=device)
    assert (p & q).dtype == ag.bool and to_host(p & q).tolist() == [True, False, False]
    assert to_host(p | q).tolist() == [True, True, False]
    assert to_host(p ^ q).tolist() == [False, True, False]
    assert to_host(~p).tolist() == [False, False, True]
    assert (p & True).dtype == ag.bool
    assert (p & ag.tensor([3, 2, 1], device=device)).dtype == ag.int64  # bool & int: bitwise, as integers


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    "fn, name",
    [(lambda a, b: a & b, "bitwise_and"), (lambda a, b: a | b, "bitwise_or"), (lambda a, b: a ^ b, "bitwise_xor"),
     (lambda a, b: ~a, "bitwise_not"), (lambda a, b: 1 & a, "bitwise_and"), (lambda a, b: b & a, "bitwise_and")],
    ids=["and", "or", "xor", "invert", "rand", "int_and_float"],
)
def test_bitwise_ops_refuse_floats_naming_op_and_dtype(fn, name, device):
    # PyTorch: NotImplementedError "bitwise_and_cpu" not implemented for 'Float'; ~ raises TypeError.
    x, i = ag.tensor([1.0, 2.0], device=device), ag.tensor([1, 2], device=device)
    with pytest.raises(TypeError, match=rf"{name}.*float32"):
        fn(x, i)
    with pytest.raises(TypeError, match=r"bitwise_and.*float"):
        i & 1.5


def test_bitwise_ops_against_torch(torch):
    rng = np.random.default_rng(0)
    for dtype in INT_DTYPES + ("bool",):
        if dtype == "bool":
            a, b = rng.integers(0, 2, 8).astype(bool), rng.integers(0, 2, 8).astype(bool)
        else:
            info = np.iinfo(dtype)
            a, b = (rng.integers(info.min, info.max, 8, dtype=dtype, endpoint=True) for _ in range(2))
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        for op in (operator.and_, operator.or_, operator.xor):
            np.testing.assert_array_equal(to_host(op(_t(a, dtype), _t(b, dtype))), op(ta, tb).numpy())
            np.testing.assert_array_equal(to_host(op(5, _t(a, dtype))), op(5, ta).numpy())
        np.testing.assert_array_equal(to_host(~_t(a, dtype)), (~ta).numpy())


# ---------------------------------------------------------------------------- where
@pytest.mark.parametrize("device", DEVICES)
def test_where_with_two_scalar_branches_takes_torchs_dtype(device):
    c = ag.tensor([True, False], device=device)
    assert ag.where(c, 1.0, 0.0).dtype == ag.float32
    assert to_host(ag.where(c, 1.0, 0.0)).tolist() == [1.0, 0.0]
    assert ag.where(c, 1, 0.0).dtype == ag.float32
    assert ag.where(c, 1, 0).dtype == ag.int64
    assert ag.where(c, True, False).dtype == ag.bool
    previous = ag.get_default_dtype()
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.where(c, 1.0, 0.0).dtype == ag.float64
    finally:
        ag.set_default_dtype(previous)


def test_where_with_two_scalar_branches_against_torch(torch):
    for x, y in ((1.0, 0.0), (1, 0.0), (1, 0), (True, False)):
        ours = ag.where(ag.tensor([True, False]), x, y)
        theirs = torch.where(torch.tensor([True, False]), x, y)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(to_host(ours), theirs.numpy())


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("cond_dtype", ["int64", "uint8", "float32"])
def test_where_requires_a_bool_condition(cond_dtype, device):
    c = _t([1, 0], cond_dtype, device)
    x = ag.tensor([1.0, 2.0], device=device)
    with pytest.raises(RuntimeError, match=rf"where.*bool.*{cond_dtype}"):
        ag.where(c, x, 0.0)
    with pytest.raises(RuntimeError, match=rf"where.*bool.*{cond_dtype}"):
        ag.where(c, 1.0, 0.0)


def test_where_requires_a_bool_condition_in_torch_too(torch):
    with pytest.raises(RuntimeError, match="boolean"):
        torch.where(torch.tensor([1, 0]), torch.tensor([1.0, 2.0]), 0.0)


# ---------------------------------------------------------------------------- clamp_ with tensor bounds
@pytest.mark.parametrize("device", DEVICES)
def test_clamp_in_place_accepts_tensor_bounds(device):
    x = ag.tensor([1.0, 2.0, 3.0], device=device)
    data, version = x._data, x._version
    out = x.clamp_(min=ag.tensor([1.5, 0.0, 0.0], device=device))
    assert out is x and x._data is data
    assert to_host(x).tolist() == [1.5, 2.0, 3.0]
    x.clamp_(ag.tensor(1.75, device=device), ag.tensor([2.0, 2.0, 2.5], device=device))
    assert to_host(x).tolist() == [1.75, 2.0, 2.5]
    x.clamp_(max=ag.tensor(2.25, dtype=ag.float64, device=device))  # a float64 bound writes into float32
    assert x.dtype == ag.float32 and to_host(x).tolist() == [1.75, 2.0, 2.25]
    x.clamp_(min=ag.tensor([[3.0, 1.0, 1.0]], device=device)[0])
    assert to_host(x).tolist() == [3.0, 2.0, 2.25]
    assert x._version == version + 4


@pytest.mark.parametrize("device", DEVICES)
def test_clamp_in_place_refuses_what_it_cannot_write_back(device):
    x = ag.tensor([1.0, 2.0], device=device)
    with pytest.raises(RuntimeError, match="clamp_"):
        x.clamp_(min=ag.ones(2, 2, device=device))  # would need to grow x
    with pytest.raises(RuntimeError, match="clamp_"):
        ag.tensor([1, 2], device=device).clamp_(min=ag.tensor([1.5, 0.0], device=device))  # float into int
    with pytest.raises(ValueError, match="clamp_"):
        x.clamp_()


def test_clamp_in_place_bumps_the_version_so_saved_tensors_notice():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    w = y * y  # saves y
    with ag.no_grad():
        y.clamp_(min=ag.tensor([1.5, 1.5]))
    with pytest.raises(RuntimeError, match="modified"):
        w.sum().backward()


def test_clamp_in_place_with_tensor_bounds_against_torch(torch):
    rng = np.random.default_rng(1)
    x, lo, hi = rng.standard_normal((3, 4)), rng.standard_normal(4) - 0.5, rng.standard_normal((3, 1)) + 0.5
    ours, theirs = ag.tensor(x), torch.tensor(x)
    ours.clamp_(ag.tensor(lo), ag.tensor(hi))
    theirs.clamp_(torch.tensor(lo), torch.tensor(hi))
    np.testing.assert_array_equal(to_host(ours), theirs.numpy())


# ---------------------------------------------------------------------------- softplus, negative beta
def _softplus_reference(x, beta, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("beta", [-1.0, -0.5, -3.0, 1.0, 2.0])
def test_softplus_with_any_beta(beta, device):
    values = np.array([-30.0, -3.0, -0.5, 0.0, 0.7, 3.0, 30.0])
    x = ag.tensor(values, dtype=ag.float64, device=device, requires_grad=True)
    y = ag.softplus(x, beta=beta)
    np.testing.assert_allclose(to_host(y), _softplus_reference(values, beta), rtol=1e-12, atol=1e-300)
    y.sum().backward()
    slope = np.where(beta * values > 20.0, 1.0, 1.0 / (1.0 + np.exp(-beta * values)))
    np.testing.assert_allclose(to_host(x.grad), slope, rtol=1e-12)
    assert ag.gradcheck(lambda t: ag.softplus(t, beta=beta, threshold=1.0),
                        (ag.tensor(values[1:-1] + 0.01, dtype=ag.float64, requires_grad=True),))
    assert ag.gradgradcheck(lambda t: ag.softplus(t, beta=beta), (x,))


def test_softplus_with_negative_beta_against_torch(torch):
    values = [-30.0, -3.0, -0.5, 0.0, 0.7, 3.0, 30.0]
    for beta, threshold in ((-1.0, 20.0), (-0.5, 20.0), (-2.0, 1.0)):
        x = ag.tensor(values, dtype=ag.float64, requires_grad=True)
        tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        y, ty = ag.softplus(x, beta, threshold), torch.nn.functional.softplus(tx, beta, threshold)
        np.testing.assert_allclose(to_host(y), ty.detach().numpy(), rtol=1e-12)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(to_host(x.grad), tx.grad.numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------- comparisons promote
COMPARISONS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
               "ge": operator.ge}


@pytest.mark.parametrize("device", DEVICES)
def test_comparisons_promote_like_arithmetic(device):
    big = ag.tensor([2**24 + 1], device=device)  # int64; as float32 it is 2**24
    assert to_host(big == ag.tensor([2.0**24], device=device)).tolist() == [True]
    assert to_host(big == float(2**24)).tolist() == [True]
    assert to_host(big > ag.tensor(2.0**24, device=device)).tolist() == [False]
    assert to_host(big == ag.tensor(2**24, device=device)).tolist() == [False]  # int64 both: exact
    # float64 vs a float32 holding 0.1: compared in float64, they differ (as in PyTorch)
    f64 = ag.tensor([0.1], dtype=ag.float64, device=device)
    assert to_host(f64 == ag.tensor([0.1], device=device)).tolist() == [False]
    assert to_host(ag.tensor([0.1], device=device) == 0.1).tolist() == [True]  # the number is a float32 here
    assert to_host(ag.tensor([2.0**24], device=device) == 2**24 + 1).tolist() == [True]
    assert to_host(ag.tensor([1], dtype=ag.uint8, device=device) == ag.tensor([257], device=device)).tolist() == [False]


def test_comparisons_against_torch(torch):
    cases = [
        (np.array([2**24 + 1, 3, -(2**30) - 1]), np.array([2.0**24, 3.5, -(2.0**30)], dtype=np.float32)),
        (np.array([0.1, 0.2, 0.3]), np.array([0.1, 0.25, 0.3], dtype=np.float32)),
        (np.array([True, False, True]), np.array([1.0, 0.5, 0.0])),
        (np.array([1, 200, 3], dtype=np.uint8), np.array([257, 200, -1])),
        (np.array([2**24 + 1, 5, 7]), np.array(2.0**24, dtype=np.float32)),
        (np.array([0.1, 0.2, 0.3]), np.array(0.1, dtype=np.float32)),
    ]
    for a, b in cases:
        for name, op in COMPARISONS.items():
            for x, y in ((a, b), (b, a)):
                np.testing.assert_array_equal(to_host(op(ag.tensor(x), ag.tensor(y))),
                                              op(torch.from_numpy(x), torch.from_numpy(y)).numpy(),
                                              err_msg=f"{name} {x.dtype} {y.dtype}")
        # (numbers out of an unsigned tensor's range: PyTorch wraps them around; not tested)
        for s in (float(2**24), 0.1, 2**24 + 1, 3) if a.dtype != np.uint8 else (3, 200, 0.5):
            for name, op in COMPARISONS.items():
                np.testing.assert_array_equal(to_host(op(ag.tensor(a), s)), op(torch.from_numpy(a), s).numpy(),
                                              err_msg=f"{name} {a.dtype} {s!r}")


def test_logical_ops_keep_each_operands_truth():
    # logical ops don't promote: a tiny float64 is still true next to a float32
    tiny = ag.tensor([1e-50], dtype=ag.float64)
    assert to_host(E.logical_and(tiny, ag.tensor([1.0]))).tolist() == [True]
