"""Sorting: sort, argsort, topk, median.  Forward against NumPy's stable argsort, gradients (scattered back
through the indices) and second derivatives on hypothesis shapes (0-d, empty, negative dims), and
the conventions PyTorch fixes: the order of ties and NaN, the int64 indices, the result tuples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops.sorting import argsort, median, sort, topk
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, each, make_tests, to_host


# ---------------------------------------------------------------------------- references
def _order_ref(x, dim, descending):
    # The inputs are distinct (no ties, no NaN), so negating gives the descending order.
    return np.argsort(-x if descending else x, axis=dim, kind="stable")


def _sort_ref(x, dim=-1, descending=False, stable=False):
    if x.ndim == 0:
        return x, np.zeros((), np.int64)
    i = _order_ref(x, dim, descending)
    return np.take_along_axis(x, i, dim), i


def _argsort_ref(x, dim=-1, descending=False, stable=False):
    return _sort_ref(x, dim, descending)[1]


def _topk_ref(x, k, dim=-1, largest=True, sorted=True):
    if x.ndim == 0:
        return x, np.zeros((), np.int64)
    i = np.take(_order_ref(x, dim, largest), np.arange(k), axis=dim)
    return np.take_along_axis(x, i, dim), i


def _torch_topk(torch, x, k, dim=-1, largest=True, sorted=True):
    values, indices = torch.topk(x, k, dim, largest, sorted)
    if not sorted:  # PyTorch's order is unspecified then; ours is the sorted one
        order = torch.argsort(values.detach(), dim, descending=largest)
        values, indices = values.gather(dim, order), indices.gather(dim, order)
    return values, indices


def _torch(name):
    return lambda torch, *xs, **kw: getattr(torch, name)(*xs, **kw)


# ---------------------------------------------------------------------------- kwargs strategies
def _sort_kwargs(shapes):
    return st.fixed_dictionaries(
        {"dim": S.dim(len(shapes[0])), "descending": st.booleans(), "stable": st.booleans()}
    )


@st.composite
def _topk_case(draw):
    shape = draw(S.shapes())
    nd = len(shape)
    dim = draw(S.dim(nd))
    n = shape[dim % nd] if nd else 1
    kwargs = {"k": draw(st.integers(0, n)), "dim": dim, "largest": draw(st.booleans()), "sorted": draw(st.booleans())}
    return (shape,), kwargs


@st.composite
def _median_dim_case(draw):
    shape = draw(S.shapes())
    nd = len(shape)
    dim = draw(S.dim(nd).filter(lambda d: nd == 0 or shape[d] > 0))
    return (shape,), {"dim": dim, "keepdim": draw(st.booleans())}


def _median_all_ref(x):
    return np.sort(x.ravel())[(x.size - 1) // 2] if x.size else np.float64(np.nan)


def _median_dim_ref(x, dim, keepdim):
    if x.ndim == 0:
        return x, np.zeros((), np.int64)
    d = dim % x.ndim
    i = np.take(np.argsort(x, axis=d, kind="stable"), [(x.shape[d] - 1) // 2], axis=d)
    v = np.take_along_axis(x, i, d)
    return (v, i) if keepdim else (v.squeeze(d), i.squeeze(d))


SPECS = [
    OpSpec("sort", sort, _sort_ref, S.same_shapes(1), kwargs=_sort_kwargs, domain=each(S.distinct),
           torch=lambda torch, x, **kw: torch.sort(x, **kw)),
    OpSpec("argsort", argsort, _argsort_ref, S.same_shapes(1), kwargs=_sort_kwargs, domain=each(S.distinct), diff=(),
           torch=lambda torch, x, **kw: torch.argsort(x, **kw)),
    OpSpec("topk", topk, _topk_ref, case=_topk_case(), domain=each(S.distinct), torch=_torch_topk),
    OpSpec("median", median, _median_all_ref, S.same_shapes(1), domain=each(S.distinct), torch=_torch("median")),
    OpSpec("median_dim", median, _median_dim_ref, case=_median_dim_case(), domain=each(S.distinct),
           torch=_torch("median")),
    OpSpec("median_method", lambda x, **kw: x.median(**kw), _median_dim_ref, case=_median_dim_case(),
           domain=each(S.distinct), torch=lambda torch, x, **kw: x.median(**kw)),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)


def _leaf(data, device, dtype=ag.float64):
    return ag.tensor(np.asarray(data), dtype=dtype, device=device, requires_grad=True)


# ---------------------------------------------------------------------------- ties and NaN
TIES = [
    [1.0, 3.0, 3.0, 2.0, 3.0],
    [2.0, 2.0, 2.0],
    [np.nan, 1.0, np.nan, 0.0, 1.0],
    [-0.0, 0.0, -1.0, 0.0],
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("data", TIES, ids=["ties", "all_equal", "nan", "signed_zeros"])
def test_ties_keep_their_original_order_in_both_directions(data, descending, device):
    torch = pytest.importorskip("torch")
    values, indices = sort(ag.tensor(data, device=device), descending=descending)
    expected = torch.sort(torch.tensor(data), descending=descending, stable=True)
    np.testing.assert_array_equal(to_host(indices), expected.indices.numpy())
    np.testing.assert_array_equal(to_host(values), expected.values.numpy())
    np.testing.assert_array_equal(to_host(argsort(ag.tensor(data, device=device), descending=descending)),
                                  expected.indices.numpy())


@pytest.mark.parametrize("device", DEVICES)
def test_ties_along_a_negative_dim_of_a_batch_match_torch_stable_sort(device):
    torch = pytest.importorskip("torch")
    data = np.array([[[1, 0, 1], [2, 2, 0]], [[0, 0, 0], [1, 2, 1]]], dtype=np.float64)
    for dim in (-1, -2, -3):
        for descending in (False, True):
            got = sort(ag.tensor(data, device=device), dim, descending)
            expected = torch.sort(torch.tensor(data), dim=dim, descending=descending, stable=True)
            np.testing.assert_array_equal(to_host(got.indices), expected.indices.numpy())


@pytest.mark.parametrize("device", DEVICES)
def test_topk_takes_the_lower_index_among_ties_and_torch_values(device):
    torch = pytest.importorskip("torch")
    data = [1.0, 3.0, 3.0, 2.0, 3.0]
    for k, largest in [(2, True), (3, False), (5, True)]:
        got = topk(ag.tensor(data, device=device), k, largest=largest)
        expected = torch.topk(torch.tensor(data), k, largest=largest)
        np.testing.assert_array_equal(to_host(got.values), expected.values.numpy())
    assert to_host(topk(ag.tensor(data, device=device), 2).indices).tolist() == [1, 2]
    assert to_host(topk(ag.tensor(data, device=device), 3, largest=False).indices).tolist() == [0, 3, 1]
    nan_first = topk(ag.tensor([np.nan, 1.0, 0.0], device=device), 2)  # NaN counts as the largest, as in PyTorch
    assert to_host(nan_first.indices).tolist() == [0, 1]


@pytest.mark.parametrize("device", DEVICES)
def test_gradient_goes_to_the_element_each_value_came_from_even_at_ties(device):
    x = _leaf([2.0, 1.0, 2.0, 0.5], device)
    values, indices = sort(x, descending=True)  # order [0, 2, 1, 3]
    (values * ag.tensor([1.0, 2.0, 3.0, 4.0], dtype=ag.float64, device=device)).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [1.0, 3.0, 2.0, 4.0])
    y = _leaf([[2.0, 5.0, 5.0], [1.0, 0.0, 3.0]], device)
    topk(y, 2, dim=1).values.sum().backward()
    np.testing.assert_array_equal(to_host(y.grad), [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]])


def test_gradients_at_ties_match_torch_stable_sort():
    torch = pytest.importorskip("torch")
    data = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]])
    g = np.arange(6.0).reshape(2, 3)
    for descending in (False, True):
        x, t = _leaf(data, "cpu"), torch.tensor(data, requires_grad=True)
        sort(x, 1, descending).values.backward(ag.tensor(g))
        torch.sort(t, dim=1, descending=descending, stable=True).values.backward(torch.from_numpy(g))
        np.testing.assert_array_equal(to_host(x.grad), t.grad.numpy())


# ---------------------------------------------------------------------------- results and dtypes
@pytest.mark.parametrize("device", DEVICES)
def test_results_are_named_tuples_with_int64_indices_off_the_tape(device):
    x = _leaf([3.0, 1.0, 2.0], device)
    for result, name in [(sort(x), "sort"), (topk(x, 2), "topk")]:
        values, indices = result
        assert result.values is values and result.indices is indices and type(result).__name__ == name
        assert values.requires_grad and values.grad_fn is not None
        assert indices.dtype == ag.int64 and not indices.requires_grad
    assert argsort(x).dtype == ag.int64 and not argsort(x).requires_grad


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [ag.int64, ag.uint8, ag.bool, ag.float32])
def test_non_float_dtypes_sort_in_both_directions(dtype, device):
    torch = pytest.importorskip("torch")
    data = [1, 0, 2, 0, 1] if dtype != ag.bool else [True, False, True, False]
    tdtype = getattr(torch, str(dtype))
    for descending in (False, True):
        got = sort(ag.tensor(data, dtype=dtype, device=device), descending=descending)
        expected = torch.sort(torch.tensor(data, dtype=tdtype), descending=descending, stable=True)
        assert got.values.dtype == dtype
        np.testing.assert_array_equal(to_host(got.values), expected.values.numpy())
        np.testing.assert_array_equal(to_host(got.indices), expected.indices.numpy())


@pytest.mark.parametrize("device", DEVICES)
def test_zero_d_tensors_sort_as_one_element(device):
    x = _leaf(3.0, device)
    values, indices = sort(x, 0)
    assert values.shape == indices.shape == () and to_host(indices) == 0
    values.backward()
    assert to_host(x.grad) == 1.0
    assert argsort(x, -1).shape == ()
    for k in (0, 1):  # PyTorch returns the element for either
        assert to_host(topk(x, k).values) == 3.0


@pytest.mark.parametrize("device", DEVICES)
def test_empty_tensors_sort_and_backward(device):
    x = _leaf(np.zeros((2, 0)), device)
    for dim in (0, 1, -1):
        values, indices = sort(x, dim)
        assert values.shape == indices.shape == (2, 0)
        values.sum().backward()
        assert x.grad.shape == (2, 0)
    assert topk(x, 0).values.shape == (2, 0)
    values, indices = topk(_leaf(np.zeros((0, 3)), device), 2, dim=1)
    assert values.shape == indices.shape == (0, 2)


@pytest.mark.parametrize("device", DEVICES)
def test_changing_the_indices_after_forward_does_not_redirect_the_gradient(device):
    x = _leaf([3.0, 1.0, 2.0], device)
    values, indices = sort(x)
    indices[0] = 0  # a plain tensor the user may write into
    (values * ag.tensor([1.0, 10.0, 100.0], dtype=ag.float64, device=device)).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [100.0, 1.0, 10.0])


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: sort(x, 2), IndexError, r"sort: dim 2 is out of range .* 2 dims"),
        (lambda x: argsort(x, -3), IndexError, r"argsort: dim -3 is out of range"),
        (lambda x: topk(x, 4), RuntimeError, r"topk: k=4 is out of range for dim 1 of size 3"),
        (lambda x: topk(x, -1, 0), RuntimeError, r"topk: k=-1 is out of range for dim 0 of size 2"),
        (lambda x: topk(x, 1.5), TypeError, r"topk: k must be an int, got float"),
        (lambda x: topk(x, 1, dim=5), IndexError, r"topk: dim 5 is out of range"),
        (lambda x: topk(x[0, 0], 2), RuntimeError, r"topk: k=2 is out of range for a 0-d tensor"),
        (lambda x: sort(x[0, 0], 1), IndexError, r"sort: dim 1 is out of range"),
        (lambda x: sort(x, dim=1.0), TypeError, r"sort: dim must be an int"),
    ],
    ids=["sort_dim", "argsort_dim", "topk_k_large", "topk_k_negative", "topk_k_float", "topk_dim", "topk_0d",
         "sort_0d_dim", "sort_float_dim"],
)
def test_bad_calls_fail_at_the_call_naming_the_op(call, error, match):
    with pytest.raises(error, match=match):
        call(ag.ones(2, 3))


def test_stable_is_keyword_only_as_in_pytorch():
    with pytest.raises(TypeError):
        sort(ag.ones(3), 0, False, True)
    with pytest.raises(TypeError):
        argsort(ag.ones(3), 0, False, True)


# ---------------------------------------------------------------------------- median: ties, NaN, results
def test_median_of_all_elements_shares_the_gradient_between_ties_as_pytorch():
    torch = pytest.importorskip("torch")
    for data in ([[1.0, 5.0, 2.0, 2.0]], [3.0, 3.0, 3.0], [4.0, float("nan"), 1.0, float("nan")], [2.0, 1.0]):
        x = ag.tensor(data, dtype=ag.float64, requires_grad=True)
        t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
        out, tout = ag.median(x), torch.median(t)
        np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
        out.backward()
        tout.backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("device", DEVICES)
def test_median_along_a_dim_picks_the_first_nan_and_is_a_named_tuple(device):
    x = ag.tensor([[3.0, float("nan"), 1.0, float("nan")], [1.0, 2.0, 2.0, 2.0]], device=device, requires_grad=True)
    out = x.median(dim=1)
    assert type(out).__name__ == "median" and out.indices.dtype == ag.int64
    assert to_host(out.indices).tolist() == [1, 1]  # PyTorch: the first NaN; the lower median 2.0
    assert np.isnan(to_host(out.values)[0]) and to_host(out.values)[1] == 2.0
    out.values.sum().backward()
    assert to_host(x.grad).tolist() == [[0.0, 1.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]


def test_median_of_empty_tensors():
    assert np.isnan(ag.median(ag.zeros(0)).item())
    with pytest.raises(IndexError, match="non-zero size"):
        ag.median(ag.zeros(2, 0), dim=1)
    out = ag.median(ag.zeros(0, 2), dim=1)
    assert out.values.shape == (0,) and out.indices.shape == (0,)
    assert ag.median(ag.tensor([1, 2, 3, 4])).item() == 2
