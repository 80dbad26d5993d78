"""Indexing: basic (ints, negative ints, slices, None, Ellipsis), fancy (repeated indices accumulate
gradient), boolean masks, gather, take_along_dim, index_select."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, make_tests, to_host


def _positive_steps(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(not isinstance(i, slice) or i.step is None or i.step > 0 for i in items)  # PyTorch has no negative steps


def _has_ellipsis(index) -> bool:
    return any(i is Ellipsis for i in (index if isinstance(index, tuple) else (index,)))


@st.composite
def _basic_case(draw, ellipsis: bool):
    shape = draw(S.shapes())
    index = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=ellipsis).filter(_positive_steps))
    if ellipsis:
        index = draw(st.just(index).filter(_has_ellipsis))
    return (shape,), {"index": index}


@st.composite
def _fancy_case(draw):
    """Integer arrays (negative and repeated entries) over the leading dims, as a tuple or one tensor."""
    shape = draw(S.shapes(min_dims=1, min_side=1))
    arrays = draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)))
    k = draw(st.integers(1, len(shape)))
    arrays = tuple(np.asarray(a, dtype=np.int64) for a in arrays[:k])
    index = arrays[0] if k == 1 and draw(st.booleans()) else arrays  # a lone array becomes a device tensor
    return (shape,), {"index": index}


@st.composite
def _mixed_case(draw):
    """Slices and integer arrays interleaved: x[:, idx], x[idx, :, idx2], x[None, idx] ..."""
    shape = draw(S.shapes(min_dims=2, min_side=1))
    result = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    index = []
    for size in shape:
        if draw(st.booleans()):
            index.append(draw(hnp.arrays(np.int64, result, elements=st.integers(-size, size - 1))))
        else:
            index.append(slice(None))
    if all(isinstance(i, slice) for i in index):
        index[-1] = np.zeros(result, dtype=np.int64)
    if draw(st.booleans()):
        index.insert(draw(st.integers(0, len(index))), None)
    return (shape,), {"index": tuple(index)}


@st.composite
def _mask_case(draw):
    shape = draw(S.shapes(min_dims=1))
    k = draw(st.integers(1, len(shape)))
    mask = draw(hnp.arrays(np.bool_, shape[:k]))
    if draw(st.booleans()):
        return (shape,), {"index": mask}  # a bool tensor on the device
    return (shape,), {"index": (mask,)}  # a host mask in a tuple


@st.composite
def _mask_after_slice_case(draw):
    shape = draw(S.shapes(min_dims=2))
    mask = draw(hnp.arrays(np.bool_, shape[1:2]))
    return (shape,), {"index": (slice(None), mask)}


@st.composite
def _gather_case(draw, same_shape: bool = False):
    shape = draw(S.shapes(min_dims=1, min_side=1))
    nd = len(shape)
    d = draw(st.integers(0, nd - 1))
    if same_shape:
        index_shape = shape
    else:
        index_shape = tuple(draw(st.integers(0, 4)) if k == d else draw(st.integers(0, s)) for k, s in enumerate(shape))
    index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[d] - 1)))
    return (shape,), {"dim": draw(st.sampled_from([d, d - nd])), "index": index}


@st.composite
def _index_select_case(draw):
    shape = draw(S.shapes(min_dims=1, min_side=1))
    nd = len(shape)
    d = draw(st.integers(0, nd - 1))
    index = draw(hnp.arrays(np.int64, draw(st.integers(0, 5)), elements=st.integers(0, shape[d] - 1)))
    return (shape,), {"dim": draw(st.sampled_from([d, d - nd])), "index": index}


def _gather_ref(x, dim, index):
    d = dim % x.ndim
    grid = np.indices(index.shape, sparse=True)
    return x[tuple(index if k == d else grid[k] for k in range(x.ndim))]


def _getitem(x, index):
    return x[index]


SPECS = [
    OpSpec("getitem_basic", _getitem, _getitem, case=_basic_case(False), torch=lambda torch, x, index: x[index]),
    OpSpec("getitem_ellipsis", _getitem, _getitem, case=_basic_case(True), torch=lambda torch, x, index: x[index]),
    OpSpec("getitem_fancy", _getitem, _getitem, case=_fancy_case(),
           torch=lambda torch, x, index: x[index]),
    OpSpec("getitem_mixed", _getitem, _getitem, case=_mixed_case(), torch=lambda torch, x, index: x[index]),
    OpSpec("getitem_mask", _getitem, _getitem, case=_mask_case(), torch=lambda torch, x, index: x[index]),
    OpSpec("getitem_mask_after_slice", _getitem, _getitem, case=_mask_after_slice_case(),
           torch=lambda torch, x, index: x[index]),
    OpSpec("gather", lambda x, dim, index: ag.gather(x, dim, index), _gather_ref, case=_gather_case(),
           torch=lambda torch, x, dim, index: torch.gather(x, dim, index)),
    OpSpec("take_along_dim", lambda x, dim, index: ag.take_along_dim(x, index, dim), _gather_ref,
           case=_gather_case(same_shape=True),
           torch=lambda torch, x, dim, index: torch.take_along_dim(x, index, dim)),
    OpSpec("gather_method", lambda x, dim, index: x.gather(dim, index), _gather_ref, case=_gather_case(),
           torch=lambda torch, x, dim, index: x.gather(dim, index)),
    OpSpec("index_select", lambda x, dim, index: ag.index_select(x, dim, index),
           lambda x, dim, index: np.take(x, index, axis=dim), case=_index_select_case(),
           torch=lambda torch, x, dim, index: torch.index_select(x, dim, index)),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)


def _leaf(data, device):
    return ag.tensor(np.asarray(data, dtype=np.float64), device=device, requires_grad=True)


# ---------------------------------------------------------------------------- duplicates accumulate
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    "index, counts",
    [
        ([0, 2, 0, 0], [3.0, 0.0, 1.0, 0.0]),
        ((np.array([0, 2, 0, 0]),), [3.0, 0.0, 1.0, 0.0]),
        (np.array([0, -3, 0, 3]), [2.0, 1.0, 0.0, 1.0]),
    ],
    ids=["list", "host_array_tuple", "negative"],
)
def test_repeated_fancy_indices_accumulate_gradient(index, counts, device):
    x = _leaf(np.arange(4.0), device)
    x[index].sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), counts)


@pytest.mark.parametrize("device", DEVICES)
def test_repeated_tensor_index_accumulates_gradient(device):
    x = _leaf(np.arange(6.0).reshape(3, 2), device)
    idx = ag.tensor([2, 2, 0, 2], device=device)
    (x[idx] * ag.tensor([[1.0], [2.0], [3.0], [4.0]], dtype=ag.float64, device=device)).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [[3.0, 3.0], [0.0, 0.0], [7.0, 7.0]])


@pytest.mark.parametrize("device", DEVICES)
def test_index_select_and_gather_accumulate_repeated_indices(device):
    x = _leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], device)
    ag.index_select(x, 1, ag.tensor([2, 0, 2], device=device)).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [[1.0, 0.0, 2.0], [1.0, 0.0, 2.0]])
    y = _leaf([[1.0, 2.0], [3.0, 4.0]], device)
    out = ag.gather(y, 1, ag.tensor([[0, 0, 0], [1, 0, 1]], device=device))
    np.testing.assert_array_equal(to_host(out), [[1.0, 1.0, 1.0], [4.0, 3.0, 4.0]])
    out.sum().backward()
    np.testing.assert_array_equal(to_host(y.grad), [[3.0, 0.0], [1.0, 2.0]])


@pytest.mark.parametrize("device", DEVICES)
def test_boolean_mask_selects_and_routes_gradient(device):
    x = _leaf([[1.0, -2.0], [-3.0, 4.0]], device)
    picked = x[x > 0]
    np.testing.assert_array_equal(to_host(picked), [1.0, 4.0])
    (picked * 10).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [[10.0, 0.0], [0.0, 10.0]])


# ---------------------------------------------------------------------------- None and Ellipsis
ELLIPSIS_CASES = [
    (Ellipsis, 0),
    (Ellipsis, slice(None, None, 2)),
    (0, Ellipsis, 1),
    (Ellipsis, None),
    (None, Ellipsis, -1),
    (Ellipsis, np.array([1, 0, 1])),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("index", ELLIPSIS_CASES, ids=[str(i) for i in range(len(ELLIPSIS_CASES))])
def test_ellipsis_anywhere_in_the_index(index, device):
    data = np.arange(24.0).reshape(2, 3, 4)
    x = _leaf(data, device)
    out = x[index]
    np.testing.assert_array_equal(to_host(out), data[index])
    out.sum().backward()
    expected = np.zeros_like(data)
    np.add.at(expected, index, 1.0)
    np.testing.assert_array_equal(to_host(x.grad), expected)


@pytest.mark.parametrize("device", DEVICES)
def test_none_inserts_axes(device):
    x = _leaf(np.arange(6.0).reshape(2, 3), device)
    assert x[None].shape == (1, 2, 3)
    assert x[:, None, 1].shape == (2, 1)
    assert x[None, ..., None].shape == (1, 2, 3, 1)


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: x[3], IndexError, r"index 3 is out of bounds for dim 0 with size 3"),
        (lambda x: x[:, -5], IndexError, r"index -5 is out of bounds for dim 1 with size 4"),
        (lambda x: x[[0, 3]], IndexError, r"out of bounds"),
        (lambda x: x[0, 0, 0], IndexError, r"too many indices"),
        (lambda x: x[ag.tensor([0.5])], IndexError, r"long, int or bool"),
        (lambda x: ag.gather(x, 1, ag.tensor([[4]])), IndexError, r"out of bounds"),
        (lambda x: ag.gather(x, 2, ag.tensor([[0]])), IndexError, r"gather.*dim 2"),
        (lambda x: ag.index_select(x, 0, ag.tensor([[0]])), IndexError, r"index_select.*1-D"),
    ],
    ids=["int", "negative", "fancy", "too_many", "float_index", "gather_bounds", "gather_dim", "index_select_2d"],
)
def test_bad_indices_fail_at_the_call_with_the_dim_and_size(call, error, match):
    x = ag.ones(3, 4)
    with pytest.raises(error, match=match):
        call(x)


@pytest.mark.parametrize(
    "pick",
    [
        lambda w, i: w[i],
        lambda w, i: ag.gather(w.reshape(1, 3), 1, i.reshape(1, -1)),
        lambda w, i: ag.index_select(w, 0, i),
    ],
    ids=["getitem", "gather", "index_select"],
)
def test_changing_the_index_tensor_after_forward_does_not_redirect_the_gradient(pick):
    w = ag.tensor([1.0, -2.0, 3.0], dtype=ag.float64, requires_grad=True)
    i = ag.tensor([0, 0])
    y = pick(w, i)
    i[1] = 2  # the gradient belongs to what forward read: element 0, twice
    y.sum().backward()
    assert w.grad.tolist() == [2.0, 0.0, 0.0]
