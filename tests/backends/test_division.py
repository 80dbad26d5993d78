"""``backends/division.py``: the CuPy back end's division, checked here with NumPy as the namespace.

NumPy's own ``floor_divide``/``remainder``/``fmod`` compute the values PyTorch computes, so the
composed versions must agree with them (inf and nan included); with PyTorch installed they must
also agree with PyTorch bit for bit, signed zeros too (NumPy's ``remainder`` gives a zero the
divisor's sign, PyTorch's the dividend's).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backends import division

FUNCTIONS = {
    "floor_divide": (division.floor_divide, np.floor_divide),
    "remainder": (division.remainder, np.remainder),
    "fmod": (division.fmod, np.fmod),
}
SPECIAL = [0.0, -0.0, 0.1, -0.1, 0.7, -0.7, 1.0, -1.0, 3.0, 1e10 + 0.5, 1e-30, np.inf, -np.inf, np.nan]


def _same(actual, expected, signed_zeros: bool = False) -> None:
    np.testing.assert_array_equal(actual, expected)
    if signed_zeros:  # -0.0 and 0.0 compare equal above (a NaN's sign bit means nothing)
        numbers = ~np.isnan(expected)
        np.testing.assert_array_equal(np.signbit(actual)[numbers], np.signbit(expected)[numbers])


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_values_match_numpy(name, dtype):
    ours, numpy_fn = FUNCTIONS[name]
    x, y = (np.array(v, dtype=dtype) for v in np.meshgrid(SPECIAL, SPECIAL))
    with np.errstate(divide="ignore", invalid="ignore"):
        _same(ours(np, x, y), numpy_fn(x, y))
        for scalar in (0.1, -0.7, 3.0):  # a Python number as either operand
            _same(ours(np, x, scalar), numpy_fn(x, np.array(scalar, dtype=dtype)))
            _same(ours(np, scalar, y), numpy_fn(np.array(scalar, dtype=dtype), y))


@pytest.mark.parametrize("name", list(FUNCTIONS))
@given(
    data=st.data(),
    dtype=st.sampled_from(["float32", "float64"]),
)
def test_random_floats_match_numpy(name, dtype, data):
    ours, numpy_fn = FUNCTIONS[name]
    elements = st.floats(width=32 if dtype == "float32" else 64, allow_nan=True, allow_infinity=True)
    x = data.draw(hnp.arrays(dtype, st.integers(0, 8), elements=elements), label="x")
    y = data.draw(hnp.arrays(dtype, x.shape, elements=elements), label="y")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        _same(ours(np, x, y), numpy_fn(x, y))


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8"])
@given(data=st.data())
def test_integers_are_exact(name, dtype, data):
    ours, numpy_fn = FUNCTIONS[name]
    info = np.iinfo(dtype)
    x = data.draw(hnp.arrays(dtype, st.integers(0, 8), elements=st.integers(info.min, info.max)), label="x")
    y = data.draw(hnp.arrays(dtype, x.shape, elements=st.integers(info.min, info.max).filter(bool)), label="y")
    y = np.where(x == info.min, np.where(y == -1, 1, y), y).astype(dtype)  # min // -1 overflows in C and NumPy
    np.testing.assert_array_equal(ours(np, x, y), numpy_fn(x, y))


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_values_match_pytorch_bit_for_bit(name, dtype):
    torch = pytest.importorskip("torch")
    ours, _ = FUNCTIONS[name]
    # (not 1e-30: PyTorch's vectorized float32 CPU fmod gives nan for fmod(1e10, 1e-30), where C's
    # fmod, NumPy and PyTorch's CUDA kernel give 3.6e-31)
    values = [v for v in SPECIAL if v != 1e-30]
    x, y = (np.array(v, dtype=dtype) for v in np.meshgrid(values, values))
    with np.errstate(divide="ignore", invalid="ignore"):
        _same(ours(np, x, y), getattr(torch, name)(torch.from_numpy(x), torch.from_numpy(y)).numpy(), signed_zeros=True)


def _c_fmod(x: int, y: int) -> int:
    """C's integer ``%``: truncated division's remainder, with Python's exact integers."""
    quotient = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
    return x - quotient * y


def test_big_integers_stay_exact():
    values = [2**62 + 7, -(2**53) - 3, -7, 7]
    x = np.array(values, dtype=np.int64)
    assert division.fmod(np, x, -3).tolist() == [_c_fmod(v, -3) for v in values] == [2, -2, -1, 1]
    assert division.fmod(np, x, 2**31 + 11).tolist() == [_c_fmod(v, 2**31 + 11) for v in values]


def test_one_over_a_tenth_floors_to_nine_as_in_pytorch():
    assert division.floor_divide(np, np.array([1.0]), 0.1).tolist() == [9.0]
    np.testing.assert_allclose(division.remainder(np, np.array([1.0]), 0.1), [1.0 % 0.1], rtol=0)
