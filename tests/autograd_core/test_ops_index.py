"""Indexing: basic (ints, negative ints, slices, None, Ellipsis), fancy (repeated indices accumulate
gradient), boolean masks, gather, take_along_dim, index_select; the writes scatter, scatter_add,
index_add, index_fill and masked_fill; masked_select and nonzero."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core.ops.index import index_add, index_fill, masked_fill, masked_select, nonzero, scatter, scatter_add
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, each, make_tests, to_host


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
    index_shape = draw(st.one_of(st.integers(0, 5).map(lambda n: (n,)), st.just(())))  # a 0-d index counts as 1-D
    index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[d] - 1)))
    return (shape,), {"dim": draw(st.sampled_from([d, d - nd])), "index": index}


@st.composite
def _take_along_case(draw):
    """Indices that broadcast against input in every dim but ``dim`` (size-1 dims on either side),
    negative entries included; or ``dim=None``: any indices into the flattened input."""
    shape = draw(S.shapes(min_dims=1, min_side=1))
    nd = len(shape)
    if draw(st.booleans()):
        n = int(np.prod(shape))
        index = draw(hnp.arrays(np.int64, draw(S.shapes(max_dims=2)), elements=st.integers(0, n - 1)))
        return (shape,), {"dim": None, "index": index}
    d = draw(st.integers(0, nd - 1))
    ishape, xshape = [], []
    for k, s in enumerate(shape):
        if k == d:
            ishape.append(draw(st.integers(0, 4)))
            xshape.append(s)
        else:  # equal, or 1 on one side
            form = draw(st.sampled_from(["same", "index_1", "input_1"]))
            ishape.append(1 if form == "index_1" else s)
            xshape.append(1 if form == "input_1" else s)
    index = draw(hnp.arrays(np.int64, tuple(ishape), elements=st.integers(-shape[d], shape[d] - 1)))
    return (tuple(xshape),), {"dim": draw(st.sampled_from([d, d - nd])), "index": index}


def _take_along_ref(x, dim, index):
    if dim is None:
        return x.ravel()[index.ravel()]
    return np.take_along_axis(x, index, axis=dim)


@st.composite
def _ints_and_arrays_case(draw):
    """Integers (Python and 0-d tensors) with index arrays and slices, in any order: PyTorch applies the
    integers first, so the array dims stay where they are even when a slice separates the two."""
    shape = draw(S.shapes(min_dims=2, min_side=1))
    kinds = draw(st.lists(st.sampled_from(["int", "int_tensor", "array", "slice"]), min_size=len(shape),
                          max_size=len(shape)).filter(lambda k: "array" in k and ("int" in k or "int_tensor" in k)))
    index, n = [], draw(st.integers(1, 3))  # the arrays broadcast together: one length
    for kind, size in zip(kinds, shape):
        if kind == "slice":
            index.append(slice(None))
        elif kind == "array":
            index.append(draw(hnp.arrays(np.int64, n, elements=st.integers(-size, size - 1))))
        else:
            i = draw(st.integers(-size, size - 1))
            index.append(np.asarray(i, dtype=np.int64) if kind == "int_tensor" else i)
    return (shape,), {"index": tuple(index)}


def _ints_first_ref(x, index):
    """NumPy indexing with the integers applied first, as PyTorch does."""
    scalar = [np.ndim(i) == 0 and not isinstance(i, slice) for i in index]
    first = tuple(int(i) if s else slice(None) for i, s in zip(index, scalar))
    return x[first][tuple(i for i, s in zip(index, scalar) if not s)]


def _gather_ref(x, dim, index):
    d = dim % x.ndim
    grid = np.indices(index.shape, sparse=True)
    return x[tuple(index if k == d else grid[k] for k in range(x.ndim))]


def _getitem(x, index):
    return x[index]


# ---------------------------------------------------------------------------- writes: cases and references
@st.composite
def _scatter_case(draw, unique: bool, with_src: bool = True):
    """An index no larger than input (outside ``dim``) and src; ``unique``: no target written twice."""
    shape = draw(S.shapes(min_dims=1))
    nd = len(shape)
    d = draw(st.integers(0, nd - 1))
    n = shape[d]
    ishape = tuple(
        (draw(st.integers(0, n if unique else 4)) if n else 0) if k == d else draw(st.integers(0, s))
        for k, s in enumerate(shape)
    )
    rng = np.random.default_rng(draw(S.seeds))
    if unique:  # the first ishape[d] entries of a random permutation of each column
        perms = np.argsort(rng.random(ishape[:d] + (n,) + ishape[d + 1 :]), axis=d)
        index = np.take(perms, np.arange(ishape[d]), axis=d)
    else:
        index = rng.integers(0, max(n, 1), ishape)
    kwargs = {"dim": draw(st.sampled_from([d, d - nd])), "index": index.astype(np.int64)}
    if not with_src:
        return (shape,), {**kwargs, "value": draw(st.sampled_from([0.0, -1.5, 2.0]))}
    src_shape = tuple(i + draw(st.integers(0, 1)) for i in ishape)  # src may be larger than index
    return (shape, src_shape), kwargs


def _scatter_ref(x, src, dim, index, add=False):
    d = dim % x.ndim
    grid = np.indices(index.shape, sparse=True)
    where = tuple(index if k == d else grid[k] for k in range(x.ndim))
    part = src[tuple(slice(0, n) for n in index.shape)] if isinstance(src, np.ndarray) else src
    out = x.copy()
    if add:
        np.add.at(out, where, part)
    else:
        out[where] = part
    return out


def _leading(src, index):
    return src[tuple(slice(0, n) for n in index.shape)]


@st.composite
def _index_add_case(draw):
    shape = draw(S.shapes(min_dims=1))
    nd = len(shape)
    d = draw(st.integers(0, nd - 1))
    m = draw(st.integers(0, 4)) if shape[d] else 0
    index = draw(hnp.arrays(np.int64, m, elements=st.integers(0, max(shape[d] - 1, 0))))
    source = shape[:d] + (m,) + shape[d + 1 :]
    return (shape, source), {"dim": draw(st.sampled_from([d, d - nd])), "index": index,
                             "alpha": draw(st.sampled_from([1, 2.5, -1.0]))}


def _index_add_ref(x, source, dim, index, alpha=1):
    out = x.copy()
    np.add.at(out, (slice(None),) * (dim % x.ndim) + (index,), alpha * source)
    return out


@st.composite
def _masked_fill_case(draw, tensor_value: bool):
    x_shape, mask_shape = draw(S.broadcastable_shapes(2))
    mask = draw(hnp.arrays(np.bool_, mask_shape))
    if tensor_value:
        return (x_shape, ()), {"mask": mask}
    return (x_shape,), {"mask": mask, "value": draw(st.sampled_from([0.0, -1.5, 2, 1e30]))}


@st.composite
def _masked_select_case(draw):
    x_shape, mask_shape = draw(S.broadcastable_shapes(2))
    return (x_shape,), {"mask": draw(hnp.arrays(np.bool_, mask_shape))}


def _masked_select_ref(x, mask):
    x, mask = np.broadcast_arrays(x, mask)
    return x[mask]


@st.composite
def _index_fill_case(draw, tensor_value: bool):
    shape = draw(S.shapes(min_dims=1))
    d = draw(S.dim(len(shape)))
    n = shape[d]
    entries = st.integers(-n, n - 1) if n else st.just(0)  # (an empty dim takes an empty index)
    index = draw(hnp.arrays(np.int64, (draw(st.integers(0, 4)) if n else 0,), elements=entries))
    kwargs = {"dim": d, "index": index}
    if tensor_value:
        return (shape, ()), kwargs
    return (shape,), dict(kwargs, value=draw(st.sampled_from([0.0, -1.5, 2])))


def _index_fill_ref(x, value, dim, index):
    out = x.copy()
    out[(slice(None),) * (dim % x.ndim) + (index,)] = value
    return out


def _torch_index_fill_tensor_value(torch, x, v, dim, index):
    # PyTorch's forward takes negative indices, but the backward for a tensor value fails on them
    # ("index out of range", torch 2.x): give it the same indices made non-negative.
    return x.index_fill(dim, torch.where(index < 0, index + x.shape[dim], index), v)


def _sparse(x):
    """About half the entries zero, for nonzero."""
    return np.where(np.abs(x) > 0.7, x, 0.0)


SPECS = [
    OpSpec("getitem_basic", _getitem, _getitem, case=_basic_case(False), torch=lambda torch, x, index: x[index]),
    OpSpec("getitem_ellipsis", _getitem, _getitem, case=_basic_case(True), torch=lambda torch, x, index: x[index]),
    OpSpec("getitem_fancy", _getitem, _getitem, case=_fancy_case(),
           torch=lambda torch, x, index: x[index]),
    OpSpec("getitem_mixed", _getitem, _getitem, case=_mixed_case(), torch=lambda torch, x, index: x[index]),
    OpSpec("getitem_ints_and_arrays", _getitem, _ints_first_ref, case=_ints_and_arrays_case(),
           torch=lambda torch, x, index: x[index]),
    OpSpec("getitem_mask", _getitem, _getitem, case=_mask_case(), torch=lambda torch, x, index: x[index]),
    OpSpec("getitem_mask_after_slice", _getitem, _getitem, case=_mask_after_slice_case(),
           torch=lambda torch, x, index: x[index]),
    OpSpec("gather", lambda x, dim, index: ag.gather(x, dim, index), _gather_ref, case=_gather_case(),
           torch=lambda torch, x, dim, index: torch.gather(x, dim, index)),
    OpSpec("take_along_dim", lambda x, dim, index: ag.take_along_dim(x, index, dim), _gather_ref,
           case=_gather_case(same_shape=True),
           torch=lambda torch, x, dim, index: torch.take_along_dim(x, index, dim)),
    OpSpec("take_along_dim_broadcast", lambda x, dim, index: ag.take_along_dim(x, index, dim), _take_along_ref,
           case=_take_along_case(), torch=lambda torch, x, dim, index: torch.take_along_dim(x, index, dim)),
    OpSpec("gather_method", lambda x, dim, index: x.gather(dim, index), _gather_ref, case=_gather_case(),
           torch=lambda torch, x, dim, index: x.gather(dim, index)),
    OpSpec("index_select", lambda x, dim, index: ag.index_select(x, dim, index),
           lambda x, dim, index: np.take(x, np.atleast_1d(index), axis=dim), case=_index_select_case(),
           torch=lambda torch, x, dim, index: torch.index_select(x, dim, index)),
    OpSpec("scatter", lambda x, src, dim, index: scatter(x, dim, index, src), _scatter_ref,
           case=_scatter_case(unique=True),
           torch=lambda torch, x, src, dim, index: torch.scatter(x, dim, index, _leading(src, index))),
    OpSpec("scatter_value", lambda x, dim, index, value: scatter(x, dim, index, value=value),
           lambda x, dim, index, value: _scatter_ref(x, value, dim, index), case=_scatter_case(False, with_src=False),
           torch=lambda torch, x, dim, index, value: torch.scatter(x, dim, index, value)),
    OpSpec("scatter_add", lambda x, src, dim, index: scatter_add(x, dim, index, src),
           lambda x, src, dim, index: _scatter_ref(x, src, dim, index, add=True), case=_scatter_case(unique=False),
           torch=lambda torch, x, src, dim, index: torch.scatter_add(x, dim, index, _leading(src, index))),
    OpSpec("index_add", lambda x, source, dim, index, alpha: index_add(x, dim, index, source, alpha=alpha),
           _index_add_ref, case=_index_add_case(),
           torch=lambda torch, x, source, dim, index, alpha: torch.index_add(x, dim, index, source, alpha=alpha)),
    OpSpec("masked_fill", masked_fill, lambda x, mask, value: np.where(mask, value, x), case=_masked_fill_case(False),
           torch=lambda torch, x, mask, value: torch.masked_fill(x, mask, value)),
    OpSpec("masked_fill_tensor_value", lambda x, v, mask: masked_fill(x, mask, v),
           lambda x, v, mask: np.where(mask, v, x), case=_masked_fill_case(True),
           torch=lambda torch, x, v, mask: torch.masked_fill(x, mask, v)),
    OpSpec("masked_select", masked_select, _masked_select_ref, case=_masked_select_case(),
           torch=lambda torch, x, mask: torch.masked_select(x, mask)),
    OpSpec("masked_select_method", lambda x, mask: x.masked_select(mask), _masked_select_ref,
           case=_masked_select_case(), torch=lambda torch, x, mask: x.masked_select(mask)),
    OpSpec("index_fill", lambda x, dim, index, value: index_fill(x, dim, index, value),
           lambda x, dim, index, value: _index_fill_ref(x, value, dim, index), case=_index_fill_case(False),
           torch=lambda torch, x, dim, index, value: torch.index_fill(x, dim, index, value)),
    OpSpec("index_fill_tensor_value", lambda x, v, dim, index: x.index_fill(dim, index, v), _index_fill_ref,
           case=_index_fill_case(True), torch=_torch_index_fill_tensor_value),
    OpSpec("nonzero", nonzero, lambda x: np.argwhere(x), S.same_shapes(1), domain=each(_sparse), diff=(),
           torch=lambda torch, x: torch.nonzero(x)),
    OpSpec("nonzero_as_tuple", lambda x: nonzero(x, as_tuple=True), lambda x: np.nonzero(np.atleast_1d(x)),
           S.same_shapes(1), domain=each(_sparse), diff=(), torch=lambda torch, x: torch.nonzero(x, as_tuple=True)),
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


def _mask(lib, *values):
    return lib.tensor(list(values))


# Index expressions whose PyTorch result differs from NumPy's (or that NumPy rejects).
TORCH_INDEX_CASES = {
    "0d_true": ((), lambda L: (True,)),
    "0d_false": ((), lambda L: (False,)),
    "0d_true_ellipsis_true": ((), lambda L: (True, ..., True)),
    "true_then_int": ((3, 4), lambda L: (True, 1)),
    "int_slice_true": ((2, 3, 4), lambda L: (0, slice(None), True)),
    "int_none_mask": ((2, 3, 4), lambda L: (0, None, _mask(L, True, False, True))),
    "two_ellipses": ((2, 3, 4), lambda L: (..., ...)),
    "ellipsis_int_ellipsis": ((2, 3, 4), lambda L: (..., 0, ...)),
    "ellipses_around_all_dims": ((3, 4), lambda L: (..., 0, ..., 1, ...)),
    "int_slice_array": ((2, 3, 4), lambda L: (0, slice(None), L.tensor([0, 3, 3]))),
    "0d_tensor_slice_array": ((2, 3, 4), lambda L: (L.tensor(1), slice(1, None), L.tensor([[2], [0]]))),
    "array_slice_int": ((2, 3, 4), lambda L: (L.tensor([1, 0, 1]), slice(None), -1)),
}
REPEATED_INDEX_CASES = [TORCH_INDEX_CASES["int_slice_array"], TORCH_INDEX_CASES["array_slice_int"]]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("case", TORCH_INDEX_CASES.values(), ids=list(TORCH_INDEX_CASES))
def test_getitem_follows_pytorch_where_numpy_differs(case, device):
    torch = pytest.importorskip("torch")
    shape, index = case
    data = np.arange(1.0, 1.0 + np.prod(shape, dtype=int)).reshape(shape)
    x = _leaf(data, device)
    t = torch.tensor(data, requires_grad=True)
    out, expected = x[index(ag) if device == "cpu" else _to_device(index(ag), device)], t[index(torch)]
    assert out.shape == tuple(expected.shape)
    np.testing.assert_array_equal(to_host(out), expected.detach().numpy())
    g = np.arange(expected.numel(), dtype=np.float64).reshape(tuple(expected.shape))
    out.backward(ag.tensor(g, device=device))
    expected.backward(torch.tensor(g))
    np.testing.assert_array_equal(to_host(x.grad), t.grad.numpy())
    # Writing through the same index puts the values where PyTorch does.  (Where an index repeats,
    # which write lands is undefined on a GPU, in CuPy as in PyTorch's CUDA kernels.)
    if device == "cuda" and case in REPEATED_INDEX_CASES:
        return
    y, u = ag.zeros(*shape, dtype=ag.float64, device=device), torch.zeros(shape, dtype=torch.float64)
    y[index(ag) if device == "cpu" else _to_device(index(ag), device)] = ag.tensor(g, device=device)
    u[index(torch)] = torch.tensor(g)
    np.testing.assert_array_equal(to_host(y), u.numpy())


def _to_device(index, device):
    return tuple(i.to(device) if isinstance(i, ag.Tensor) else i for i in index)


@pytest.mark.parametrize(
    "call",
    [
        lambda L, x: L.index_select(x, 0, L.tensor(1)),
        lambda L, x: L.index_select(x, -1, L.tensor([3, 0, 3])),
        lambda L, x: L.index_select(x.sum(), 0, L.tensor(0)),
        lambda L, x: L.index_select(x.sum(), -1, L.tensor([0])),
        lambda L, x: L.gather(x.sum(), 0, L.tensor(0)),
        lambda L, x: L.gather(x.sum(), -1, L.tensor([0, 0])),
        lambda L, x: L.gather(x[0], 0, L.tensor(2)),
        lambda L, x: L.take_along_dim(x, L.tensor([[0, 1]]), dim=1),
        lambda L, x: L.take_along_dim(x, L.tensor([[-1], [0], [2]]), dim=-1),
        lambda L, x: L.take_along_dim(x[:1], L.tensor([[1], [2], [0]]), dim=1),
        lambda L, x: L.take_along_dim(x, L.tensor([[11, 0], [5, 5]])),
        lambda L, x: L.take_along_dim(x.sum(), L.tensor(0)),
    ],
    ids=["index_select_0d_index", "index_select_repeats", "index_select_0d_input", "index_select_0d_input_1d_index",
         "gather_0d", "gather_0d_input_1d_index", "gather_0d_index", "take_along_broadcast_index",
         "take_along_negative", "take_along_broadcast_input", "take_along_flat", "take_along_flat_0d"],
)
def test_index_reads_match_pytorch_shapes_values_and_gradients(call):
    torch = pytest.importorskip("torch")
    data = np.arange(12.0).reshape(3, 4)
    x, t = _leaf(data, "cpu"), torch.tensor(data, requires_grad=True)
    out, expected = call(ag, x), call(torch, t)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_array_equal(to_host(out), expected.detach().numpy())
    g = np.arange(1.0, 1.0 + expected.numel()).reshape(tuple(expected.shape))
    out.backward(ag.tensor(g))
    expected.backward(torch.tensor(g))
    np.testing.assert_array_equal(to_host(x.grad), t.grad.numpy())


@pytest.mark.parametrize(
    "call",
    [
        lambda L, x: x[L.tensor([True, False])],
        lambda L, x: x[::-1],
        lambda L, x: L.index_select(x, 0, L.tensor([-1])),
        lambda L, x: L.gather(x, 1, L.tensor([[-1]])),
        lambda L, x: L.take_along_dim(x, L.tensor([-1])),
    ],
    ids=["short_mask", "negative_step", "index_select_negative", "gather_negative", "take_along_flat_negative"],
)
def test_what_pytorch_rejects_is_rejected(call):
    torch = pytest.importorskip("torch")
    with pytest.raises((IndexError, ValueError, RuntimeError)):
        call(torch, torch.ones(3, 4))
    with pytest.raises((IndexError, ValueError)):
        call(ag, ag.ones(3, 4))


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
        (lambda x: x[ag.tensor([True, False])], IndexError,
         r"shape of the mask \[2\] at index 0 does not match the shape of the indexed tensor \[3, 4\] at index 0"),
        (lambda x: x[:, ag.tensor([True, False])], IndexError, r"mask \[2\] at index 0 .* tensor \[3, 4\] at index 1"),
        (lambda x: x[[[True, False, True, True]]], IndexError, r"mask \[1, 4\] at index 0 .* at index 0"),
        (lambda x: x[ag.ones(3, 4, 1, dtype=ag.bool)], IndexError, r"too many indices"),
        (lambda x: x[::-1], ValueError, r"step must be greater than zero, got -1.*flip"),
        (lambda x: x[:, 3:0:-2], ValueError, r"step must be greater than zero, got -2"),
        (lambda x: x[..., ..., 0], IndexError, r"second '\.\.\.'"),
        (lambda x: ag.index_select(x, 0, ag.tensor([-1])), IndexError,
         r"index_select: index -1 is out of bounds for dim 0 with size 3"),
        (lambda x: ag.index_select(x, 1, ag.tensor(4)), IndexError, r"index_select: index 4 is out of bounds for dim 1"),
        (lambda x: ag.index_select(x, 0, ag.tensor([0.0])), TypeError, r"index_select: index must be an integer"),
        (lambda x: ag.index_select(ag.tensor(1.0), 0, ag.tensor([0, 0])), RuntimeError, r"index_select: a 0-d input"),
        (lambda x: ag.gather(x, 1, ag.tensor([[-1]])), IndexError, r"gather: index -1 is out of bounds for dim 1 with size 4"),
        (lambda x: ag.gather(ag.tensor(1.0), 0, ag.tensor(1)), IndexError, r"gather: index 1 is out of bounds"),
        (lambda x: ag.take_along_dim(x, ag.tensor([[4]]), 1), IndexError,
         r"take_along_dim: index 4 is out of bounds for dim 1 with size 4"),
        (lambda x: ag.take_along_dim(x, ag.tensor([[-5]]), 1), IndexError, r"take_along_dim: index -5 is out of bounds"),
        (lambda x: ag.take_along_dim(x, ag.tensor([-1])), IndexError, r"take_along_dim: index -1 .* size 12"),
        (lambda x: ag.take_along_dim(x, ag.tensor([0, 1]), 1), RuntimeError, r"take_along_dim: .* same number of dims"),
        (lambda x: ag.take_along_dim(x, ag.zeros(2, 1, dtype=ag.int64), 1), RuntimeError,
         r"take_along_dim: shapes \(3,\) and \(2,\) cannot be broadcast"),
        (lambda x: ag.take_along_dim(ag.tensor(1.0), ag.tensor(0), 0), IndexError, r"take_along_dim: .* 0-d"),
    ],
    ids=["int", "negative", "fancy", "too_many", "float_index", "gather_bounds", "gather_dim", "index_select_2d",
         "mask_short", "mask_short_dim1", "mask_2d_host", "mask_too_many_dims", "negative_step", "negative_step_dim1",
         "second_ellipsis", "index_select_negative", "index_select_0d_bounds", "index_select_float",
         "index_select_0d_input", "gather_negative", "gather_0d_bounds", "take_along_bounds", "take_along_negative_bounds",
         "take_along_flat_negative", "take_along_ndim", "take_along_broadcast", "take_along_0d_dim"],
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


# ---------------------------------------------------------------------------- scatter, scatter_add, index_add
@pytest.mark.parametrize("device", DEVICES)
def test_scatter_overwrites_and_routes_gradients_to_input_and_src(device):
    x = _leaf(np.zeros((3, 4)), device)
    src = _leaf(np.arange(1.0, 7.0).reshape(2, 3), device)
    index = ag.tensor([[0, 1, 2], [2, 0, 1]], device=device)
    out = scatter(x, 0, index, src)
    np.testing.assert_array_equal(to_host(out), [[1.0, 5.0, 0.0, 0.0], [0.0, 2.0, 6.0, 0.0], [4.0, 0.0, 3.0, 0.0]])
    g = np.arange(12.0).reshape(3, 4)
    out.backward(ag.tensor(g, device=device))
    np.testing.assert_array_equal(to_host(x.grad), np.where(to_host(out) != 0, 0.0, g))  # overwritten: no gradient
    np.testing.assert_array_equal(to_host(src.grad), [[0.0, 5.0, 10.0], [8.0, 1.0, 6.0]])


@pytest.mark.parametrize("device", DEVICES)
def test_scatter_src_larger_than_index_gets_zero_gradient_outside_it(device):
    # PyTorch fails in backward here (a gradient of index's shape for src); we pad it with zeros.
    src = _leaf(np.arange(6.0).reshape(2, 3), device)
    out = scatter(ag.zeros(2, 2, dtype=ag.float64, device=device), 1, ag.tensor([[1], [0]], device=device), src)
    np.testing.assert_array_equal(to_host(out), [[0.0, 0.0], [3.0, 0.0]])
    out.sum().backward()
    np.testing.assert_array_equal(to_host(src.grad), [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])


@pytest.mark.parametrize("device", DEVICES)
def test_scatter_takes_a_number_as_src_or_value(device):
    x = _leaf(np.ones((2, 2)), device)
    index = ag.tensor([[1], [0]], device=device)
    for out in (scatter(x, -1, index, 7.0), scatter(x, 1, index, value=7.0)):
        np.testing.assert_array_equal(to_host(out), [[1.0, 7.0], [7.0, 1.0]])
    scatter(x, 1, index, 7.0).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [[1.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize("device", DEVICES)
def test_scatter_add_and_index_add_accumulate_repeated_targets(device):
    x = _leaf(np.zeros(3), device)
    src = _leaf([1.0, 2.0, 3.0, 4.0], device)
    out = scatter_add(x, 0, ag.tensor([0, 2, 0, 0], device=device), src)
    np.testing.assert_array_equal(to_host(out), [8.0, 0.0, 2.0])
    (out * ag.tensor([1.0, 10.0, 100.0], dtype=ag.float64, device=device)).sum().backward()
    np.testing.assert_array_equal(to_host(src.grad), [1.0, 100.0, 1.0, 1.0])
    np.testing.assert_array_equal(to_host(x.grad), [1.0, 10.0, 100.0])
    y = _leaf(np.zeros((3, 2)), device)
    source = _leaf(np.ones((3, 2)), device)
    out = index_add(y, 0, ag.tensor([0, 2, 0], device=device), source, alpha=2)
    np.testing.assert_array_equal(to_host(out), [[4.0, 4.0], [0.0, 0.0], [2.0, 2.0]])
    (out * ag.tensor([[1.0], [10.0], [100.0]], dtype=ag.float64, device=device)).sum().backward()
    np.testing.assert_array_equal(to_host(source.grad), [[2.0, 2.0], [200.0, 200.0], [2.0, 2.0]])


@pytest.mark.parametrize("device", DEVICES)
def test_writes_on_integer_tensors_keep_their_dtype_as_in_pytorch(device):
    torch = pytest.importorskip("torch")
    ours = index_add(ag.tensor([1, 2], device=device), 0, ag.tensor([0, 1], device=device),
                     ag.tensor([3, 3], device=device), alpha=0.5)
    theirs = torch.index_add(torch.tensor([1, 2]), 0, torch.tensor([0, 1]), torch.tensor([3, 3]), alpha=0.5)
    assert ours.dtype == ag.int64 and to_host(ours).tolist() == theirs.tolist()
    out = scatter_add(ag.tensor([1, 2], device=device), 0, ag.tensor([0, 0], device=device), ag.tensor([5, 6], device=device))
    assert out.dtype == ag.int64 and to_host(out).tolist() == [12, 2]


@pytest.mark.parametrize("device", DEVICES)
def test_zero_d_inputs_write_as_one_element(device):
    x = _leaf(1.0, device)
    assert to_host(scatter(x, 0, ag.tensor(0, device=device), ag.tensor(5.0, dtype=ag.float64, device=device))) == 5.0
    assert to_host(scatter(x, -1, ag.tensor(0, device=device), 7.0)) == 7.0
    out = scatter_add(x, 0, ag.tensor(0, device=device), ag.tensor(5.0, dtype=ag.float64, device=device))
    assert out.shape == () and to_host(out) == 6.0
    out = index_add(x, 0, ag.tensor([0], device=device), ag.tensor(2.0, dtype=ag.float64, device=device))
    assert out.shape == () and to_host(out) == 3.0
    out.backward()
    assert to_host(x.grad) == 1.0


@pytest.mark.parametrize("device", DEVICES)
def test_empty_index_writes_nothing(device):
    x = _leaf(np.ones((2, 3)), device)
    empty = ag.zeros(0, 3, dtype=ag.int64, device=device)
    np.testing.assert_array_equal(to_host(scatter(x, 0, empty, ag.zeros(0, 3, dtype=ag.float64, device=device))), np.ones((2, 3)))
    np.testing.assert_array_equal(to_host(scatter_add(x, 0, empty, ag.zeros(1, 3, dtype=ag.float64, device=device))), np.ones((2, 3)))
    out = index_add(x, 1, ag.zeros(0, dtype=ag.int64, device=device), ag.zeros(2, 0, dtype=ag.float64, device=device))
    out.sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), np.ones((2, 3)))


@pytest.mark.parametrize(
    "pick",
    [
        lambda w, i: scatter(ag.zeros(3, dtype=ag.float64), 0, i, w),
        lambda w, i: scatter_add(ag.zeros(3, dtype=ag.float64), 0, i, w),
        lambda w, i: index_add(ag.zeros(3, dtype=ag.float64), 0, i, w),
    ],
    ids=["scatter", "scatter_add", "index_add"],
)
def test_changing_the_index_after_a_write_does_not_redirect_the_gradient(pick):
    w = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    i = ag.tensor([0, 2])
    y = pick(w, i)
    i[1] = 0
    (y * ag.tensor([1.0, 10.0, 100.0], dtype=ag.float64)).sum().backward()
    assert w.grad.tolist() == [1.0, 100.0]


# ---------------------------------------------------------------------------- masked_fill, nonzero
@pytest.mark.parametrize("device", DEVICES)
def test_masked_fill_blocks_the_gradient_where_filled_and_feeds_a_tensor_value(device):
    x = _leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], device)
    v = _leaf(-1.0, device)
    mask = ag.tensor([True, False, True], device=device)  # broadcast over rows
    out = masked_fill(x, mask, v)
    np.testing.assert_array_equal(to_host(out), [[-1.0, 2.0, -1.0], [-1.0, 5.0, -1.0]])
    out.sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    assert to_host(v.grad) == 4.0


@pytest.mark.parametrize("device", DEVICES)
def test_masked_fill_casts_the_value_to_the_input_dtype_and_broadcasts_both(device):
    torch = pytest.importorskip("torch")
    cases = [
        (lambda m: m.tensor([1, 2]), lambda m: m.tensor([True, False]), 1.5),
        (lambda m: m.tensor([True, False]), lambda m: m.tensor([True, True]), 0.0),
        (lambda m: m.zeros(2), lambda m: m.tensor([True, False]), None),  # a float64 0-d value
        (lambda m: m.zeros(3), lambda m: m.zeros(2, 3, dtype=m.bool) | True, 2.0),  # mask bigger than input
    ]
    for make_x, make_mask, value in cases:
        ours = masked_fill(make_x(ag).to(device), make_mask(ag).to(device),
                           ag.tensor(2.0, dtype=ag.float64, device=device) if value is None else value)
        theirs = torch.masked_fill(make_x(torch), make_mask(torch),
                                   torch.tensor(2.0, dtype=torch.float64) if value is None else value)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(to_host(ours), theirs.numpy())


@pytest.mark.parametrize("device", DEVICES)
def test_nonzero_shapes_match_pytorch_for_0d_and_empty(device):
    torch = pytest.importorskip("torch")
    for data in ([[0.0, 1.0], [2.0, 0.0]], 5.0, 0.0, np.zeros((2, 0, 3)), [np.nan, 0.0], [True, False, True]):
        t = torch.tensor(np.asarray(data))
        x = ag.tensor(np.asarray(data), device=device)
        ours, theirs = nonzero(x), torch.nonzero(t)
        assert ours.dtype == ag.int64 and ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(to_host(ours), theirs.numpy())
        ours, theirs = nonzero(x, as_tuple=True), torch.nonzero(t, as_tuple=True)
        assert len(ours) == len(theirs)
        for o, e in zip(ours, theirs):
            np.testing.assert_array_equal(to_host(o), e.numpy())
    assert not nonzero(_leaf([1.0, 0.0], device)).requires_grad


# ---------------------------------------------------------------------------- errors of the writes
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x, i: scatter(x, 0, i - 2, x), IndexError, r"scatter: index -1 is out of bounds for dim 0 with size 2"),
        (lambda x, i: scatter(x, 1, i + 3, x), IndexError, r"scatter: index 4 is out of bounds for dim 1 with size 3"),
        (lambda x, i: scatter(x, 0, i.double(), x), TypeError, r"scatter: index must be an integer .* got float64"),
        (lambda x, i: scatter(x, 0, i[0], x), RuntimeError, r"scatter: index and src must have as many dims as input \(2\)"),
        (lambda x, i: scatter(x, 0, ag.zeros(3, 3, dtype=ag.int64), x), RuntimeError,
         r"scatter: index shape \(3, 3\) must be no larger than src shape \(2, 3\)"),
        (lambda x, i: scatter(x, 0, ag.zeros(2, 4, dtype=ag.int64), ag.ones(2, 4)), RuntimeError,
         r"no larger than input shape \(2, 3\) in every dim but 0"),
        (lambda x, i: scatter(x, 0, i, x.double()), RuntimeError, r"scatter: src has dtype float64 but input has float32"),
        (lambda x, i: scatter(x, 0, i), TypeError, r"scatter: pass exactly one of src"),
        (lambda x, i: scatter(x, 0, i, x, value=1.0), TypeError, r"scatter: pass exactly one of src"),
        (lambda x, i: scatter(x, 0, i, "a"), TypeError, r"scatter: src must be a Tensor or a Python number"),
        (lambda x, i: scatter(x, 2, i, x), IndexError, r"scatter: dim 2 is out of range"),
        (lambda x, i: scatter_add(x, 0, i, 1.0), TypeError, r"scatter_add: src must be a Tensor, got float"),
        (lambda x, i: scatter_add(x, 0, i + 1, x), IndexError, r"scatter_add: index 2 is out of bounds for dim 0"),
        (lambda x, i: index_add(x, 0, i, x), IndexError, r"index_add: index must be 1-D, got shape \(2, 3\)"),
        (lambda x, i: index_add(x, 0, ag.tensor([0, 2]), x), IndexError, r"index_add: index 2 is out of bounds for dim 0"),
        (lambda x, i: index_add(x, 0, ag.tensor([-1, 0]), x), IndexError, r"index_add: index -1 is out of bounds"),
        (lambda x, i: index_add(x, 0, ag.tensor([0]), x), RuntimeError,
         r"index_add: source must have input's shape \(2, 3\) with dim 0 of size len\(index\) = 1, that is \(1, 3\)"),
        (lambda x, i: index_add(x, 0, ag.tensor([0.0]), x[:1]), TypeError, r"index_add: index must be an integer"),
        (lambda x, i: index_add(x, 0, ag.tensor([0, 1]), x.double()), RuntimeError, r"index_add: source has dtype float64"),
        (lambda x, i: index_add(x, 0, ag.tensor([0, 1]), 1.0), TypeError, r"index_add: source must be a Tensor"),
        (lambda x, i: masked_fill(x, x > 0, ag.ones(1)), RuntimeError, r"masked_fill: value must be a number or a 0-d tensor"),
        (lambda x, i: masked_fill(x, x, 1.0), RuntimeError, r"masked_fill: mask must be a bool tensor, got float32"),
        (lambda x, i: masked_fill(x, ag.ones(2, dtype=ag.bool), 1.0), RuntimeError,
         r"masked_fill: shapes \(2, 3\) and \(2,\) cannot be broadcast"),
        (lambda x, i: masked_fill(x, x > 0, "a"), TypeError, r"masked_fill: value must be a number"),
    ],
    ids=["scatter_negative", "scatter_bounds", "scatter_float_index", "scatter_ndim", "scatter_index_vs_src",
         "scatter_index_vs_input", "scatter_dtype", "scatter_no_src", "scatter_src_and_value", "scatter_src_type",
         "scatter_dim", "scatter_add_number", "scatter_add_bounds", "index_add_2d_index", "index_add_bounds",
         "index_add_negative", "index_add_source_shape", "index_add_float_index", "index_add_dtype",
         "index_add_number", "masked_fill_value_shape", "masked_fill_float_mask", "masked_fill_broadcast",
         "masked_fill_value_type"],
)
def test_bad_writes_fail_at_the_call_naming_the_op(call, error, match):
    x = ag.ones(2, 3)
    i = ag.ones(2, 3, dtype=ag.int64)
    with pytest.raises(error, match=match):
        call(x, i)


def test_masked_select_needs_a_bool_mask_and_handles_0d():
    with pytest.raises(RuntimeError, match="masked_select: expected BoolTensor for mask"):
        ag.masked_select(ag.ones(2), ag.tensor([1, 0]))
    assert ag.masked_select(ag.tensor(3.0), ag.tensor(True)).tolist() == [3.0]
    assert ag.masked_select(ag.tensor(3.0), ag.tensor([True, False, True])).tolist() == [3.0, 3.0]


def test_index_fill_value_gradient_counts_each_slice_once_as_pytorch():
    x = ag.zeros(3, requires_grad=True)
    v = ag.tensor(2.0, requires_grad=True)
    ag.index_fill(x, 0, ag.tensor([0, 0, 2]), v).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0] and v.grad.item() == 2.0
    assert ag.index_fill(ag.tensor(2.0), 0, ag.tensor(-1), 5.0).item() == 5.0
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        ag.index_fill(ag.zeros(3), 0, ag.tensor([0]), ag.ones(1))
    with pytest.raises(IndexError, match="out of bounds"):
        ag.index_fill(ag.zeros(3), 0, ag.tensor([3]), 1.0)
