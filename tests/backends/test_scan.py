"""The running reductions and scatters composed for CuPy (backends/scan.py), against NumPy's ufunc methods."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backends.scan import ComposedScans, scan, scatter_in_rounds


class _Composed(ComposedScans):
    xp = np


@settings(max_examples=60, deadline=None)
@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=9),
                 elements=st.floats(-50, 50) | st.sampled_from([-np.inf, np.inf, np.nan])),
    ufunc=st.sampled_from(["maximum", "minimum", "logaddexp"]),
    data=st.data(),
)
def test_scan_by_doubling_is_the_ufuncs_accumulate(x, ufunc, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    with np.errstate(invalid="ignore"):
        expected = getattr(np, ufunc).accumulate(x, axis=axis)
        got = scan(np, ufunc, x, axis)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)


def test_scan_keeps_integer_dtypes():
    x = np.array([[3, 1, 4, 1, 5, 9, 2, 6]], dtype=np.int64)
    got = _Composed().accumulate("maximum", x, 1)
    assert got.dtype == np.int64 and got.tolist() == [[3, 3, 4, 4, 5, 9, 9, 9]]


@settings(max_examples=60, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    picks=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.floats(0, 1, exclude_max=True)), max_size=12),
    ufunc=st.sampled_from(["multiply", "maximum", "minimum", "add"]),
)
def test_scatter_in_rounds_is_the_ufuncs_at_with_repeated_positions(shape, picks, ufunc):
    rows = np.array([int(a * shape[0]) for a, _ in picks], dtype=np.int64)
    cols = np.array([int(b * shape[1]) for _, b in picks], dtype=np.int64)
    values = np.linspace(-2.0, 3.0, rows.size)
    target = np.arange(1.0, 1.0 + shape[0] * shape[1]).reshape(shape)
    expected = target.copy()
    getattr(np, ufunc).at(expected, (rows, cols), values)
    scatter_in_rounds(np, ufunc, target, (rows, cols), values)
    np.testing.assert_allclose(target, expected, rtol=1e-15)


@pytest.mark.parametrize("index", [(np.array([0, 2, 0]),), (slice(None), np.array([1, 1, 0]))])
def test_scatter_in_rounds_with_a_slice_or_one_array_and_broadcast_values(index):
    target, expected = np.full((3, 3), 2.0), np.full((3, 3), 2.0)
    values = np.array(3.0)
    np.multiply.at(expected, index, values)
    _Composed().ufunc_at("multiply", target, index, values)
    np.testing.assert_array_equal(target, expected)
