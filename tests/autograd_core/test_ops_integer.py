"""gcd, lcm, bitwise shifts (functions, methods, in-place forms, ``<<`` ``>>`` ``<<=`` ``>>=``) and
frexp (autograd_core/ops/integer.py).

The integer ops are compared with PyTorch over hypothesis-drawn dtypes (promotion included),
broadcast shapes and values (negative, zero, out-of-range shift counts, overflow), on cpu and the
strict device; frexp's mantissa goes through the op factory (forward, backward, double backward)
and both outputs are compared with PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, make_tests, make_torch_test_if_installed, to_host
from tests.helpers.strict_backend import DEVICE as STRICT

INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "bool")
OPS = ("gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift")


def _values(dtype: str, shape):
    if dtype == "bool":
        return hnp.arrays(np.bool_, shape)
    info = np.iinfo(dtype)
    small = st.integers(max(info.min, -70), min(info.max, 70))  # shift counts in and out of range
    return hnp.arrays(dtype, shape, elements=st.one_of(small, st.integers(info.min, info.max)))


@st.composite
def _int_pair(draw):
    """Two integer operands: arrays of any two dtypes (bool with bool refused below) or 0-d ones."""
    shapes = draw(S.broadcastable_shapes(2, max_dims=3, max_side=3))
    dtypes = draw(st.tuples(st.sampled_from(INT_DTYPES), st.sampled_from(INT_DTYPES)).filter(
        lambda p: p != ("bool", "bool")))
    return tuple(draw(_values(d, s)) for d, s in zip(dtypes, shapes))


def _without_trapping_min(a: np.ndarray) -> np.ndarray:
    """PyTorch's lcm divides min by a gcd of -1 for int32 / int64 minima, which traps the CPU (and
    kills the test process): keep those out of the comparison (ours is tested there on its own)."""
    if a.dtype.kind == "i" and a.dtype.itemsize >= 4:
        return np.where(a == np.iinfo(a.dtype).min, np.iinfo(a.dtype).min + 1, a).astype(a.dtype)
    return a


def _torch_of(torch, a: np.ndarray):
    return torch.from_numpy(a.copy())


@pytest.mark.parametrize("device", ["cpu", STRICT])
@pytest.mark.parametrize("op", OPS)
@settings(max_examples=25)
@given(pair=_int_pair())
def test_integer_ops_match_pytorch_values_and_dtypes(op, device, pair):
    torch = pytest.importorskip("torch")
    a, b = (_without_trapping_min(x) for x in pair) if op == "lcm" else pair
    ours = getattr(ag, op)(ag.tensor(a, device=device), ag.tensor(b, device=device))
    theirs = getattr(torch, op)(_torch_of(torch, a), _torch_of(torch, b))
    assert ours.device == ag.device(device)
    assert str(ours.dtype) == str(theirs.numpy().dtype)
    np.testing.assert_array_equal(to_host(ours), theirs.numpy())
    assert not ours.requires_grad


@pytest.mark.parametrize("device", ["cpu", STRICT])
@pytest.mark.parametrize("op", ["bitwise_left_shift", "bitwise_right_shift"])
@settings(max_examples=25)
@given(dtype=st.sampled_from(INT_DTYPES[:-1]), data=st.data(),
       scalar=st.one_of(st.integers(-70, 70), st.integers(-(2**63), 2**63 - 1)), reflected=st.booleans())
def test_shifts_with_a_python_int_take_the_tensor_dtype_wrapping_the_int(op, device, dtype, data, scalar, reflected):
    torch = pytest.importorskip("torch")
    a = data.draw(_values(dtype, S.shapes(max_dims=2, max_side=3)))
    t, tt = ag.tensor(a, device=device), _torch_of(torch, a)
    ours = getattr(ag, op)(scalar, t) if reflected else getattr(ag, op)(t, scalar)
    theirs = getattr(torch, op)(scalar, tt) if reflected else getattr(torch, op)(tt, scalar)
    assert str(ours.dtype) == str(theirs.numpy().dtype)
    np.testing.assert_array_equal(to_host(ours), theirs.numpy())


def test_shift_operators_and_their_reflections_match_pytorch():
    torch = pytest.importorskip("torch")
    a = np.array([1, -8, 5, -1, 0])
    s = np.array([1, 2, 63, 64, -1])
    x, tx = ag.tensor(a), torch.tensor(a)
    cases = [(x << ag.tensor(s), tx << torch.tensor(s)), (x >> ag.tensor(s), tx >> torch.tensor(s)),
             (x << 2, tx << 2), (x >> 1, tx >> 1), (3 << x.abs(), 3 << tx.abs()), (256 >> x.abs(), 256 >> tx.abs()),
             (ag.tensor([True, False]) << 1, torch.tensor([True, False]) << 1),
             (x << True, tx << True),
             (ag.tensor([1, 2], dtype=ag.int8) << 300, torch.tensor([1, 2], dtype=torch.int8) << 300),
             (ag.tensor(-1, dtype=ag.int32) << ag.tensor(31), torch.tensor(-1, dtype=torch.int32) << torch.tensor(31)),
             (ag.tensor([1, 2], dtype=ag.int32) << ag.tensor(2**40), torch.tensor([1, 2], dtype=torch.int32)
              << torch.tensor(2**40))]
    for ours, theirs in cases:
        assert str(ours.dtype) == str(theirs.numpy().dtype)
        np.testing.assert_array_equal(to_host(ours), theirs.numpy())


def test_augmented_shifts_write_in_place_in_the_tensor_dtype():
    torch = pytest.importorskip("torch")
    x = ag.tensor([1, -8, 5, -1], dtype=ag.int8)
    alias, version = x, x._version
    x <<= 2
    assert x is alias and x._version == version + 1
    tx = torch.tensor([1, -8, 5, -1], dtype=torch.int8)
    tx <<= 2
    np.testing.assert_array_equal(to_host(x), tx.numpy())
    x >>= ag.tensor([1, 2, 3, 4])  # an int64 operand: the result is cast back to int8, as in PyTorch
    tx >>= torch.tensor([1, 2, 3, 4])
    assert x.dtype == ag.int8
    np.testing.assert_array_equal(to_host(x), tx.numpy())
    assert x.bitwise_left_shift_(1) is x and x.bitwise_right_shift_(ag.tensor(1)) is x
    with pytest.raises(RuntimeError, match="Float"):
        f = ag.tensor([1.0, 2.0])
        f <<= 1


@pytest.mark.parametrize("name", ["gcd_", "lcm_"])
def test_gcd_lcm_in_place_functions_and_methods(name):
    torch = pytest.importorskip("torch")
    a, b = np.array([12, -18, 0, 7], dtype=np.int32), np.array([8, 12, 5, 0])
    x = ag.tensor(a)
    assert getattr(x, name)(ag.tensor(b)) is x and x.dtype == ag.int32
    tx = torch.tensor(a)
    getattr(tx, name)(torch.tensor(b))
    np.testing.assert_array_equal(to_host(x), tx.numpy())
    y = ag.tensor(a)
    assert getattr(ag, name)(y, ag.tensor(b)) is y
    np.testing.assert_array_equal(to_host(y), tx.numpy())
    with pytest.raises(RuntimeError, match="shape"):
        getattr(ag.tensor(a), name)(ag.tensor([[1], [2]]))


def test_lcm_and_gcd_wrap_on_overflow_as_pytorch():
    torch = pytest.importorskip("torch")
    cases = [([2**62], [3], "int64"), ([-4], [100], "int8"), ([-128], [0], "int8"), ([-(2**63)], [0], "int64"),
             ([100, -100], [3, 7], "int8")]
    for a, b, dt in cases:
        for op in ("gcd", "lcm"):
            ours = getattr(ag, op)(ag.tensor(np.array(a, dtype=dt)), ag.tensor(np.array(b, dtype=dt)))
            theirs = getattr(torch, op)(torch.tensor(np.array(a, dtype=dt)), torch.tensor(np.array(b, dtype=dt)))
            np.testing.assert_array_equal(to_host(ours), theirs.numpy())


def test_lcm_at_the_minimum_wraps_instead_of_trapping():
    # gcd(min, 5) is -1 in C's arithmetic (|min| wraps to min); min / -1 traps in PyTorch, wraps here.
    lo = np.iinfo(np.int64).min
    assert ag.gcd(ag.tensor([lo, 5, lo]), ag.tensor([5, lo, -1])).tolist() == [-1, -1, 1]
    assert ag.lcm(ag.tensor([lo, 5, lo]), ag.tensor([5, lo, -1])).tolist() == [lo, lo, lo]
    assert ag.lcm(ag.tensor([-128, 5], dtype=ag.int8), ag.tensor([-1, -128], dtype=ag.int8)).tolist() == [-128, -128]


def test_integer_op_errors():
    x = ag.tensor([4, 6])
    for op in OPS:
        fn = getattr(ag, op)
        with pytest.raises(RuntimeError, match="Float"):
            fn(x.float(), x)
        with pytest.raises(RuntimeError, match="Float"):
            fn(x, x.double())
        with pytest.raises(RuntimeError, match="Bool"):
            fn(ag.tensor([True]), ag.tensor([False]))
        with pytest.raises(RuntimeError, match="broadcast"):
            fn(x, ag.tensor([1, 2, 3]))
    for op in ("gcd", "lcm"):
        with pytest.raises(TypeError, match="must be Tensor, not int"):
            getattr(ag, op)(x, 4)
    with pytest.raises(RuntimeError, match="Float"):
        ag.bitwise_left_shift(x, 2.5)
    with pytest.raises(RuntimeError, match="Float"):
        _ = 2.0 << x
    with pytest.raises(RuntimeError, match="Bool"):
        _ = ag.tensor([True]) << True
    with pytest.raises(OverflowError):
        _ = x >> 2**70
    with pytest.raises(TypeError):
        _ = x << [1, 2]
    with pytest.raises(TypeError, match="at least one Tensor"):
        ag.bitwise_left_shift(1, 2)


def test_empty_and_0d_operands():
    torch = pytest.importorskip("torch")
    for op in OPS:
        ours = getattr(ag, op)(ag.tensor(np.zeros((0, 2), dtype=np.int64)), ag.tensor([3, 4]))
        assert ours.shape == (0, 2) and ours.dtype == ag.int64
        ours = getattr(ag, op)(ag.tensor(7), ag.tensor(3))
        theirs = getattr(torch, op)(torch.tensor(7), torch.tensor(3))
        assert ours.shape == () and ours.item() == theirs.item()


# ---------------------------------------------------------------------------- frexp
def _wide(arrays, kwargs):
    """Values across binades 2**-8 .. 2**12, each far enough inside its binade (|mantissa| in
    [0.55, 0.95]) that a finite difference never crosses a power of two, where the exponent jumps."""
    out = []
    for a in arrays:
        m = np.where(a < 0, -1.0, 1.0) * (0.55 + 0.4 * np.abs(np.tanh(a)))
        out.append(np.ldexp(m, np.clip(np.round(a * 4), -8, 12).astype(int)))
    return out


SPECS = [
    OpSpec("frexp_mantissa", lambda x: ag.frexp(x).mantissa, lambda x: np.frexp(x)[0], S.same_shapes(1),
           domain=_wide, torch=lambda torch, x: torch.frexp(x).mantissa),
    OpSpec("frexp_method", lambda x: x.frexp()[0] * 2.0, lambda x: np.frexp(x)[0] * 2.0, S.same_shapes(1),
           domain=_wide, torch=lambda torch, x: torch.frexp(x)[0] * 2.0),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)

test_vs_torch = make_torch_test_if_installed(SPECS)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_frexp_matches_pytorch_on_special_values(device, dtype):
    torch = pytest.importorskip("torch")
    values = [0.0, -0.0, 1.0, -3.5, 1024.0, 0.3, 1e-3, 6e4, float("inf"), float("-inf"), float("nan")]
    if dtype != "float16":
        values += [1e-40, 3e38] + ([1e-310, 1e300] if dtype == "float64" else [])
    a = np.array(values, dtype=dtype)
    m, e = ag.frexp(ag.tensor(a, device=device))
    tm, te = torch.frexp(torch.tensor(a))
    assert m.dtype == ag.tensor(a).dtype and e.dtype == ag.int32 and te.dtype == torch.int32
    np.testing.assert_array_equal(to_host(m), tm.numpy())
    np.testing.assert_array_equal(np.signbit(to_host(m)), np.signbit(tm.numpy()))
    np.testing.assert_array_equal(to_host(e), te.numpy())


def test_frexp_gradient_is_two_to_the_minus_exponent_and_exponent_has_none():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, 3.0, 0.3, -7.5, 0.0, 1e-20])
    x = ag.tensor(a, requires_grad=True)
    m, e = ag.frexp(x)
    assert m.requires_grad and not e.requires_grad and e.grad_fn is None
    (m * ag.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=ag.float64)).sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    tm, _ = torch.frexp(tx)
    (tm * torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(to_host(x.grad), tx.grad.numpy(), rtol=1e-15)


def test_frexp_gradient_is_exact_where_pytorch_rounds_through_float32():
    # PyTorch divides by exponent.exp2() in float32, which is 0 or inf for exponents beyond its range;
    # the derivative 2 ** -exponent is a float64 power of two here.
    x = ag.tensor([1e300, 1e39], dtype=ag.float64, requires_grad=True)
    ag.frexp(x).mantissa.sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), np.ldexp(1.0, -np.frexp([1e300, 1e39])[1]))


def test_frexp_refuses_integers_and_non_tensors():
    with pytest.raises(RuntimeError, match="floating-point"):
        ag.frexp(ag.tensor([1, 2]))
    with pytest.raises(TypeError, match="Tensor"):
        ag.frexp(1.0)
    m, e = ag.tensor(3.0).frexp()
    assert m.shape == () and m.item() == 0.75 and e.item() == 2
