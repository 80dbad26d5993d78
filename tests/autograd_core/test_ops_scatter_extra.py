"""index_reduce (prod, mean, amax, amin; include_self both ways) and the out-of-place view writes
select_scatter, slice_scatter, diagonal_scatter (autograd_core/ops/index.py).

The op factory runs forward / backward / double backward on cpu and the strict device, with
hypothesis-drawn shapes, negative dims, repeated and empty indices, against NumPy references;
``test_vs_torch`` compares values and gradients with PyTorch in float64.  Hand-written tests cover
what random inputs never hit (ties, zeros in a product, integer means) and the errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, make_tests, make_torch_test, to_host

REDUCTIONS = ("prod", "mean", "amax", "amin")
TOL = {"rtol": 1e-10, "atol": 1e-12}


# ---------------------------------------------------------------------------- references (NumPy)
def _index_reduce_ref(x, src, *, dim, index, reduce, include_self):
    """A plain loop over the index: each source slice combined into its target slice."""
    d = dim % x.ndim
    out = np.moveaxis(x.copy(), d, 0)
    s = np.moveaxis(src, d, 0)
    combine = {"prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}[reduce]
    first = np.ones(out.shape[0], dtype=bool)  # without include_self the first write replaces x
    counts = np.zeros(out.shape[0])
    for i, j in enumerate(index):
        out[j] = s[i] if (first[j] and not include_self) else combine(out[j], s[i])
        first[j] = False
        counts[j] += 1
    if reduce == "mean":
        total = counts + (1 if include_self else 0)
        hit = counts > 0
        out[hit] = out[hit] / total[hit].reshape((-1,) + (1,) * (out.ndim - 1))
    return np.moveaxis(out, 0, d)


def _select_scatter_ref(x, src, *, dim, index):
    out = x.copy()
    np.moveaxis(out, dim, 0)[index] = src
    return out


def _slice_scatter_ref(x, src, *, dim, start, end, step):
    out = x.copy()
    np.moveaxis(out, dim, 0)[start:end:step] = np.moveaxis(src, dim, 0)
    return out


def _diagonal_scatter_ref(x, src, *, offset, dim1, dim2):
    out = x.copy()
    view = np.diagonal(out, offset, dim1, dim2)  # read-only view: write through the positions instead
    n = view.shape[-1]
    d1, d2 = dim1 % x.ndim, dim2 % x.ndim
    moved = np.moveaxis(out, (d1, d2), (-2, -1))  # a view of out
    rows, cols = np.arange(n) + max(-offset, 0), np.arange(n) + max(offset, 0)
    moved[..., rows, cols] = src
    return out


# ---------------------------------------------------------------------------- cases
@st.composite
def _index_reduce_case(draw, reduce, include_self):
    shape = draw(S.shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    d = draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[d]
    k = draw(st.integers(0, 5)) if n else 0
    index = np.array(draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k)) if n else [], dtype=np.int64)
    sshape = list(shape)
    sshape[d] = k
    return (shape, tuple(sshape)), {"dim": d, "index": index, "reduce": reduce, "include_self": include_self}


@st.composite
def _select_case(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    d = draw(st.integers(-len(shape), len(shape) - 1))
    index = draw(st.integers(-shape[d], shape[d] - 1))
    return (shape, shape[: d % len(shape)] + shape[d % len(shape) + 1 :]), {"dim": d, "index": index}


@st.composite
def _slice_case(draw):
    shape = draw(S.shapes(min_dims=1, max_dims=3, min_side=0, max_side=5))
    d = draw(st.integers(-len(shape), len(shape) - 1))
    bound = st.one_of(st.none(), st.integers(-7, 7))
    start, end, step = draw(bound), draw(bound), draw(st.integers(1, 3))
    size = len(range(*slice(start, end, step).indices(shape[d])))
    sshape = list(shape)
    sshape[d] = size
    return (shape, tuple(sshape)), {"dim": d, "start": start, "end": end, "step": step}


@st.composite
def _diagonal_case(draw):
    shape = draw(S.shapes(min_dims=2, max_dims=4, min_side=0, max_side=4))
    nd = len(shape)
    d1, d2 = draw(st.lists(st.integers(0, nd - 1), min_size=2, max_size=2, unique=True))
    d1, d2 = d1 - draw(st.sampled_from([0, nd])), d2 - draw(st.sampled_from([0, nd]))  # negative dims too
    offset = draw(st.integers(-4, 4))
    n = max(0, min(shape[d1] - max(-offset, 0), shape[d2] - max(offset, 0)))
    sshape = tuple(s for k, s in enumerate(shape) if k not in (d1 % nd, d2 % nd)) + (n,)
    return (shape, sshape), {"offset": offset, "dim1": d1, "dim2": d2}


def _index_reduce_spec(reduce, include_self, method):
    def op(x, s, *, dim, index, reduce, include_self):
        if method:
            return x.index_reduce(dim, index, s, reduce, include_self=include_self)
        return ag.index_reduce(x, dim, index, s, reduce, include_self=include_self)

    return OpSpec(
        f"index_reduce_{reduce}_{'self' if include_self else 'noself'}", op, _index_reduce_ref,
        case=_index_reduce_case(reduce, include_self),
        torch=lambda torch, x, s, *, dim, index, reduce, include_self: torch.index_reduce(
            x, dim, index, s, reduce, include_self=include_self),
    )


SPECS = [
    _index_reduce_spec(r, inc, method=inc) for r in REDUCTIONS for inc in (True, False)
] + [
    OpSpec("select_scatter", lambda x, s, **kw: ag.select_scatter(x, s, **kw), _select_scatter_ref,
           case=_select_case(), torch=lambda torch, x, s, **kw: torch.select_scatter(x, s, **kw)),
    OpSpec("slice_scatter", lambda x, s, **kw: x.slice_scatter(s, **kw), _slice_scatter_ref,
           case=_slice_case(), torch=lambda torch, x, s, **kw: torch.slice_scatter(x, s, **kw)),
    OpSpec("diagonal_scatter", lambda x, s, **kw: ag.diagonal_scatter(x, s, **kw), _diagonal_scatter_ref,
           case=_diagonal_case(), torch=lambda torch, x, s, **kw: torch.diagonal_scatter(x, s, **kw)),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)

try:
    import torch as _torch
except ImportError:  # PyTorch is an optional test oracle
    _torch = None
if _torch is not None:
    test_vs_torch = make_torch_test(SPECS, _torch)


# ---------------------------------------------------------------------------- against PyTorch by hand
def _pair(torch, *arrays):
    ours = [ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    return ours, theirs


def _compare(torch, f_ours, f_torch, *arrays, seed=0):
    """Values and gradients of both sides, float64, the same upstream gradient."""
    ours, theirs = _pair(torch, *arrays)
    out, tout = f_ours(*ours), f_torch(*theirs)
    np.testing.assert_allclose(to_host(out), tout.detach().numpy(), **TOL)
    g = np.random.default_rng(seed).standard_normal(tuple(tout.shape))
    out.backward(ag.tensor(g))
    tout.backward(torch.tensor(g))
    for a, t in zip(ours, theirs):
        expected = t.grad.numpy() if t.grad is not None else np.zeros(tuple(t.shape))
        np.testing.assert_allclose(to_host(a.grad), expected, **TOL)
    return ours


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_index_reduce_ties_share_the_gradient_as_pytorch(reduce, include_self):
    torch = pytest.importorskip("torch")
    sign = 1.0 if reduce == "amax" else -1.0
    x = sign * np.array([[2.0, 5.0], [1.0, 1.0], [3.0, -1.0]])
    # Ties among source rows everywhere, and with x itself where x takes part.
    src = sign * np.array([[2.0, 5.0], [2.0, 0.0], [7.0, -1.0], [7.0, -1.0]])
    if not include_self:
        x[[0, 2]] = sign * -4.0  # no tie with an element that takes no part (see below)
    _compare(torch, lambda a, s: a.index_reduce(0, ag.tensor([0, 0, 2, 2]), s, reduce, include_self=include_self),
             lambda a, s: a.index_reduce(0, torch.tensor([0, 0, 2, 2]), s, reduce, include_self=include_self), x, src)


def test_index_reduce_ties_without_self_share_among_the_elements_that_take_part():
    # As scatter_reduce here (the same machinery): PyTorch also counts a tied self element that
    # include_self=False leaves out, so its shares add up to less than 1; here they add up to 1.
    x = ag.tensor([2.0, 5.0], dtype=ag.float64, requires_grad=True)
    s = ag.tensor([2.0, 2.0, 1.0], dtype=ag.float64, requires_grad=True)
    out = x.index_reduce(0, ag.tensor([0, 0, 0]), s, "amax", include_self=False)
    out.sum().backward()
    assert out.tolist() == [2.0, 5.0]
    assert s.grad.tolist() == [0.5, 0.5, 0.0] and x.grad.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_prod_with_zeros_matches_pytorch(include_self):
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 2.0, 3.0], [4.0, 0.0, 5.0]])
    src = np.array([[2.0, 0.0, 1.5], [3.0, 0.0, 7.0]])  # groups with zeros in x, in src, once and twice
    for index in ([0, 0, 0], [2, 1, 2], [1, 1, 0]):
        ours, theirs = ag.tensor(index), torch.tensor(index)
        _compare(torch, lambda a, s, i=ours: a.index_reduce(-1, i, s, "prod", include_self=include_self),
                 lambda a, s, i=theirs: a.index_reduce(-1, i, s, "prod", include_self=include_self), x, src)
    # Twice differentiable across single zeros (the product is differentiated again in its zero).
    for index in ([1, 1, 0], [2, 1, 2]):
        fn = lambda a, s, i=ag.tensor(index): a.index_reduce(1, i, s, "prod", include_self=include_self)  # noqa: E731
        inputs = (ag.tensor(x, requires_grad=True), ag.tensor(src, requires_grad=True))
        assert ag.gradcheck(fn, inputs) and ag.gradgradcheck(fn, inputs)


def test_scatter_reduce_prod_second_derivatives_across_a_zero_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([0.0, 2.0, 3.0])
    src = np.array([1.5, 0.0, 4.0, 0.5])
    index = [0, 1, 1, 2]
    ours = [ag.tensor(a, requires_grad=True) for a in (x, src)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, src)]
    g = ag.grad(ours[0].scatter_reduce(0, ag.tensor(index), ours[1], "prod").pow(2).sum(), ours, create_graph=True)
    tg = torch.autograd.grad(theirs[0].scatter_reduce(0, torch.tensor(index), theirs[1], "prod").pow(2).sum(),
                             theirs, create_graph=True)
    gg = ag.grad(g[0].sum() + (g[1] * g[1]).sum(), ours)
    tgg = torch.autograd.grad(tg[0].sum() + (tg[1] * tg[1]).sum(), theirs)
    for a, b in zip(gg, tgg):
        np.testing.assert_allclose(to_host(a), b.numpy(), **TOL)


@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_mean_divides_by_the_count_and_gradchecks(include_self):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, src = rng.standard_normal((4, 4)), rng.standard_normal((4, 5))
    index = [3, 0, 3, 3, 1]
    _compare(torch, lambda a, s: a.index_reduce(1, ag.tensor(index), s, "mean", include_self=include_self),
             lambda a, s: a.index_reduce(1, torch.tensor(index), s, "mean", include_self=include_self), x, src)
    fn = lambda a, s: a.index_reduce(0, ag.tensor(index[:4]), s, "mean", include_self=include_self)  # noqa: E731
    inputs = (ag.tensor(x, requires_grad=True), ag.tensor(src[:, :4], requires_grad=True))
    assert ag.gradcheck(fn, inputs) and ag.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint8"])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_index_reduce_integers_match_pytorch_mean_rounding_down(dtype, reduce):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    low = 0 if dtype == "uint8" else -9
    x = rng.integers(low, 10, (5, 3)).astype(dtype)
    src = rng.integers(low, 10, (5, 4)).astype(dtype)
    index = np.array([0, 2, 0, 0], dtype=np.int64)
    for include_self in (True, False):
        ours = ag.tensor(x).index_reduce(1, ag.tensor(index), ag.tensor(src), reduce, include_self=include_self)
        theirs = torch.tensor(x).index_reduce(1, torch.tensor(index), torch.tensor(src), reduce,
                                              include_self=include_self)
        assert str(ours.dtype) == str(theirs.numpy().dtype)
        np.testing.assert_array_equal(to_host(ours), theirs.numpy())


def test_index_reduce_int32_index_0d_input_and_empty_index():
    torch = pytest.importorskip("torch")
    out = ag.tensor(5.0).index_reduce(0, ag.tensor([0, 0], dtype=ag.int32)[:1], ag.tensor(3.0), "prod")
    assert out.shape == () and out.item() == 15.0
    assert ag.tensor(5.0).index_reduce(-1, ag.tensor(0), ag.tensor(3.0), "amin").item() == 3.0
    x = ag.ones(2, 3, dtype=ag.float64, requires_grad=True)
    s = ag.ones(2, 0, dtype=ag.float64, requires_grad=True)
    out = x.index_reduce(1, ag.tensor([], dtype=ag.int64), s, "mean")
    out.sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), np.ones((2, 3)))
    assert s.grad.shape == (2, 0)
    t = torch.ones(2, 3).index_reduce(1, torch.tensor([], dtype=torch.int64), torch.ones(2, 0), "mean")
    np.testing.assert_array_equal(to_host(out.detach()), t.numpy())


def test_index_reduce_in_place_records_and_returns_self():
    torch = pytest.importorskip("torch")
    src = ag.tensor([[2.0, 3.0], [4.0, 5.0]], dtype=ag.float64, requires_grad=True)
    acc = ag.ones(3, 2, dtype=ag.float64)
    out = acc.index_reduce_(0, ag.tensor([2, 2]), src, "prod", include_self=False)
    assert out is acc and acc.requires_grad
    acc.sum().backward()
    tsrc = torch.tensor([[2.0, 3.0], [4.0, 5.0]], dtype=torch.float64, requires_grad=True)
    tacc = torch.ones(3, 2, dtype=torch.float64).index_reduce_(0, torch.tensor([2, 2]), tsrc, "prod",
                                                                 include_self=False)
    tacc.sum().backward()
    np.testing.assert_allclose(to_host(acc.detach()), tacc.detach().numpy(), **TOL)
    np.testing.assert_allclose(to_host(src.grad), tsrc.grad.numpy(), **TOL)
    plain = ag.zeros(3)
    plain.index_reduce_(0, ag.tensor([1, 1]), ag.tensor([2.0, 5.0]), "amax")
    assert plain.tolist() == [0.0, 5.0, 0.0] and not plain.requires_grad


def test_index_reduce_errors_match_pytorch_types():
    x, src = ag.ones(3, 2), ag.ones(2, 2)
    with pytest.raises(RuntimeError, match="prod, mean, amax or amin but got sum"):
        x.index_reduce(0, ag.tensor([0, 1]), src, "sum")
    with pytest.raises(RuntimeError, match="int32/int64 for index"):
        x.index_reduce(0, ag.tensor([0.0, 1.0]), src, "prod")
    with pytest.raises(RuntimeError, match="int32/int64 for index"):
        x.index_reduce(0, ag.tensor([0, 1], dtype=ag.int8), src, "prod")
    with pytest.raises(IndexError, match="vector"):
        x.index_reduce(0, ag.tensor([[0, 1]]), src, "prod")
    with pytest.raises(RuntimeError, match="same dtype"):
        x.index_reduce(0, ag.tensor([0, 1]), src.double(), "prod")
    with pytest.raises(RuntimeError, match=r"Number of indices \(3\) should be equal to source.size\(dim\): \(2\)"):
        x.index_reduce(0, ag.tensor([0, 1, 1]), src, "prod")
    with pytest.raises(RuntimeError, match=r"self.shape = \[3, 2\] source.shape = \[2, 3\]"):
        x.index_reduce(0, ag.tensor([0, 1]), ag.ones(2, 3), "prod")
    with pytest.raises(RuntimeError, match="source tensor shape must match"):
        x.index_reduce(1, ag.tensor([0]), ag.ones(3), "prod")
    with pytest.raises(IndexError, match="out of bounds"):
        x.index_reduce(0, ag.tensor([0, 3]), src, "prod")
    with pytest.raises(IndexError, match="out of bounds"):
        x.index_reduce(0, ag.tensor([-1, 0]), src, "prod")
    with pytest.raises(IndexError, match="dim 2"):
        x.index_reduce(2, ag.tensor([0, 1]), src, "prod")
    with pytest.raises(TypeError, match="source"):
        x.index_reduce(0, ag.tensor([0]), 3.0, "prod")
    with pytest.raises(RuntimeError, match="bool"):
        ag.tensor([True, False]).index_reduce(0, ag.tensor([0]), ag.tensor([True]), "amax")
    with pytest.raises(RuntimeError, match=r"self.shape = \[\] source.shape = \[1\]"):
        ag.tensor(5.0).index_reduce(0, ag.tensor([0]), ag.tensor([3.0]), "prod")


def test_index_reduce_does_not_follow_later_changes_to_the_index():
    x = ag.ones(3, dtype=ag.float64, requires_grad=True)
    s = ag.tensor([2.0, 3.0], dtype=ag.float64, requires_grad=True)
    index = ag.tensor([0, 0])
    out = x.index_reduce(0, index, s, "prod")
    index[0] = 2
    out.sum().backward()
    assert to_host(s.grad).tolist() == [3.0, 2.0]


# ---------------------------------------------------------------------------- select / slice / diagonal scatter
@pytest.mark.parametrize("device", DEVICES)
def test_view_writes_route_gradients_to_both_inputs(device):
    x = ag.tensor(np.arange(12.0).reshape(3, 4), device=device, requires_grad=True)
    src = ag.tensor([10.0, 20.0, 30.0], device=device, requires_grad=True)
    out = ag.diagonal_scatter(x, src, 0)
    g = ag.tensor(np.arange(12.0).reshape(3, 4) + 100, device=device)
    out.backward(g)
    expected_x = np.arange(12.0).reshape(3, 4) + 100
    expected_x[[0, 1, 2], [0, 1, 2]] = 0
    np.testing.assert_array_equal(to_host(x.grad), expected_x)
    np.testing.assert_array_equal(to_host(src.grad), [100.0, 105.0, 110.0])
    y = ag.zeros(2, 3, device=device, requires_grad=True)
    row = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    ag.select_scatter(y, row, 1, -1).backward(ag.ones(2, 3, device=device))
    np.testing.assert_array_equal(to_host(y.grad), [[1, 1, 0], [1, 1, 0]])
    np.testing.assert_array_equal(to_host(row.grad), [1.0, 1.0])


def test_view_writes_cast_src_to_input_dtype_and_keep_src_grad_dtype():
    torch = pytest.importorskip("torch")
    out = ag.select_scatter(ag.zeros(3, 3, dtype=ag.int64), ag.ones(3) * 1.5, 0, 0)
    expected = torch.select_scatter(torch.zeros(3, 3, dtype=torch.int64), torch.ones(3) * 1.5, 0, 0)
    assert out.dtype == ag.int64 and out.tolist() == expected.tolist()
    x = ag.zeros(3, 3, requires_grad=True)
    s = ag.ones(3, dtype=ag.float64, requires_grad=True)
    y = ag.diagonal_scatter(x, s)
    assert y.dtype == ag.float32
    y.sum().backward()
    assert s.grad.dtype == ag.float64 and x.grad.dtype == ag.float32
    assert ag.slice_scatter(ag.zeros(2, 3), ag.ones(2, 3, dtype=ag.int64)).dtype == ag.float32


@pytest.mark.parametrize("offset", [-2, -1, 0, 1, 3, 5])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (0, 2), (2, 0), (-1, -3), (1, 2)])
def test_diagonal_scatter_layouts_match_pytorch(offset, dims):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4, 5))
    n = torch.diagonal(torch.tensor(x), offset, *dims).shape
    src = rng.standard_normal(tuple(n))
    _compare(torch, lambda a, s: ag.diagonal_scatter(a, s, offset, *dims),
             lambda a, s: torch.diagonal_scatter(a, s, offset, *dims), x, src)


@settings(max_examples=15)
@given(case=_slice_case(), seed=S.seeds)
def test_slice_scatter_bounds_match_pytorch(case, seed):
    torch = pytest.importorskip("torch")
    (shape, sshape), kw = case
    rng = np.random.default_rng(seed)
    _compare(torch, lambda a, s: ag.slice_scatter(a, s, **kw), lambda a, s: torch.slice_scatter(a, s, **kw),
             rng.standard_normal(shape), rng.standard_normal(sshape))


def test_view_write_errors_name_the_expected_shape():
    x = ag.zeros(2, 3, 4)
    with pytest.raises(RuntimeError, match=r"src size = \[2, 3\], slice size = \[2, 4\]"):
        ag.select_scatter(x, ag.ones(2, 3), 1, 0)
    with pytest.raises(IndexError, match="index 3 out of range"):
        ag.select_scatter(x, ag.ones(2, 4), 1, 3)
    with pytest.raises(IndexError, match="index -4 out of range"):
        ag.select_scatter(x, ag.ones(2, 4), 1, -4)
    with pytest.raises(IndexError, match="dim 3"):
        ag.select_scatter(x, ag.ones(2, 4), 3, 0)
    with pytest.raises(IndexError, match="0-dim"):
        ag.select_scatter(ag.zeros(()), ag.tensor(1.0), 0, 0)
    with pytest.raises(TypeError, match="src"):
        ag.select_scatter(x, 1.0, 1, 0)
    with pytest.raises(RuntimeError, match=r"src size = \[2, 3, 3\], slice size = \[2, 3, 2\]"):
        ag.slice_scatter(x, ag.ones(2, 3, 3), 2, 1, 3)
    with pytest.raises(RuntimeError, match="step must be positive"):
        ag.slice_scatter(x, ag.ones(2, 3, 1), 2, 1, 3, 0)
    with pytest.raises(RuntimeError, match="step must be positive"):
        ag.slice_scatter(x, ag.ones(2, 3, 1), 2, 1, 3, -1)
    with pytest.raises(IndexError, match="0-dim"):
        ag.slice_scatter(ag.zeros(()), ag.ones(()))
    with pytest.raises(RuntimeError, match=r"src size = \[4\], slice size = \[3\]"):
        ag.diagonal_scatter(ag.zeros(3, 4), ag.ones(4))
    with pytest.raises(RuntimeError, match="cannot be identical"):
        ag.diagonal_scatter(ag.zeros(3, 4), ag.ones(3), 0, 1, -1)
    with pytest.raises(IndexError, match="dim 1"):
        ag.diagonal_scatter(ag.zeros(3), ag.ones(3))


def test_view_writes_are_tensor_methods_and_leave_input_alone():
    x = ag.zeros(2, 2)
    assert x.select_scatter(ag.ones(2), 0, 1).tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert x.slice_scatter(ag.ones(1, 2), start=-1).tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert x.diagonal_scatter(ag.ones(1), offset=1).tolist() == [[0.0, 1.0], [0.0, 0.0]]
    assert x.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert ag.slice_scatter(ag.zeros(3), ag.ones(0), 0, 5, 100).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("device", DEVICES)
def test_index_reduce_and_view_writes_run_on_every_device(device):
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    out = x.index_reduce(0, ag.tensor([1, 1], device=device), ag.tensor([[5.0, 0.0], [2.0, 9.0]], device=device),
                         "amax")
    assert out.device == x.device
    np.testing.assert_array_equal(to_host(out), [[1.0, 2.0], [5.0, 9.0]])
    out = ag.diagonal_scatter(x, ag.tensor([7.0, 8.0], device=device))
    np.testing.assert_array_equal(to_host(out), [[7.0, 2.0], [3.0, 8.0]])
