"""Indexing writes and searches: take, index_copy, index_put (accumulate), put, masked_scatter,
scatter_reduce (every reduction, with and without include_self), searchsorted, bucketize, isin,
unique_consecutive, argwhere; forward, gradients, in-place forms and errors against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag

torch = pytest.importorskip("torch")

TOL = {"rtol": 1e-10, "atol": 1e-12}
rng = np.random.default_rng(0)


def _same(ours, theirs):
    expected = theirs.detach().numpy()
    assert str(ours.dtype) == str(expected.dtype), (ours.dtype, expected.dtype)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours.detach().numpy(), expected, equal_nan=True, **TOL)


def _grads_match(f_ours, f_torch, *arrays, seed=0):
    ours = [ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out, tout = f_ours(*ours), f_torch(*theirs)
    _same(out, tout)
    g = np.random.default_rng(seed).standard_normal(tuple(tout.shape))
    out.backward(ag.tensor(g))
    tout.backward(torch.tensor(g))
    for a, t in zip(ours, theirs):
        _same(a.grad, t.grad if t.grad is not None else torch.zeros_like(t))
    return ours


def _gradchecks(fn, *arrays):
    inputs = tuple(ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays)
    assert ag.gradcheck(fn, inputs)
    assert ag.gradgradcheck(fn, inputs)


def both(name, *args, **kwargs):
    """The same call on our module and on torch, index arrays converted for each."""
    def conv(mod, v):
        return mod.tensor(v) if isinstance(v, np.ndarray) else tuple(conv(mod, x) for x in v) if isinstance(v, tuple) else v

    return (lambda *xs: getattr(xs[0], name)(*[conv(ag, a) for a in args], *xs[1:], **kwargs),
            lambda *xs: getattr(xs[0], name)(*[conv(torch, a) for a in args], *xs[1:], **kwargs))


def test_take_wraps_negative_indices_and_accumulates_gradient():
    idx = np.array([[2, -1], [0, 0]])
    _grads_match(lambda x: ag.take(x, ag.tensor(idx)), lambda x: torch.take(x, torch.tensor(idx)), rng.standard_normal((3, 4)))
    assert ag.take(ag.tensor(5.0), ag.tensor(0)).shape == ()
    with pytest.raises(IndexError, match="out of range"):
        ag.take(ag.zeros(3), ag.tensor([3]))


def test_index_copy_matches_torch_and_gradchecks():
    rows = np.array([3, 0, 1])
    f, t = both("index_copy", 1, rows)
    _grads_match(f, t, rng.standard_normal((2, 4)), rng.standard_normal((2, 3)))
    _gradchecks(lambda x, s: x.index_copy(1, ag.tensor(rows), s), rng.standard_normal((2, 4)), rng.standard_normal((2, 3)))
    with pytest.raises(RuntimeError, match="source must have"):
        ag.zeros(2, 4).index_copy(1, ag.tensor(rows), ag.zeros(2, 2))
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.zeros(2, 4).index_copy(1, ag.tensor(rows), ag.zeros(2, 3, dtype=ag.float64))


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_and_put_match_torch(accumulate):
    ii = (np.array([0, 1, 0]), np.array([2, 2, 2]))
    f, t = both("index_put", ii, accumulate=accumulate)
    if accumulate:  # (without it, repeated indices have no specified winner)
        _grads_match(f, t, rng.standard_normal((2, 3)), rng.standard_normal(3))
    unique = (np.array([0, 1]), np.array([2, 0]))
    f, t = both("index_put", unique, accumulate=accumulate)
    _grads_match(f, t, rng.standard_normal((2, 3)), rng.standard_normal(1))  # values broadcast
    mask = (np.array([True, False, True]),)
    f, t = both("index_put", mask, accumulate=accumulate)
    _grads_match(f, t, rng.standard_normal((3, 2)), rng.standard_normal(2))
    positions = np.array([5, -1, 0])
    f, t = both("put", positions, accumulate=accumulate)
    _grads_match(f, t, rng.standard_normal((2, 3)), rng.standard_normal(3))
    _gradchecks(lambda x, v: x.index_put((ag.tensor(unique[0]), ag.tensor(unique[1])), v, accumulate=accumulate),
                rng.standard_normal((2, 3)), rng.standard_normal(2))


def test_in_place_forms_write_into_self_and_record():
    x = ag.zeros(2, 3)
    assert x.index_put_((ag.tensor([0, 0]), ag.tensor([1, 1])), ag.tensor([1.0, 2.0]), accumulate=True) is x
    assert x.tolist() == [[0.0, 3.0, 0.0], [0.0, 0.0, 0.0]]
    assert x.put_(ag.tensor([5]), ag.tensor([7.0])) is x and x[1, 2].item() == 7.0
    assert x.index_copy_(0, ag.tensor([1]), ag.ones(1, 3)) is x and x[1].tolist() == [1.0, 1.0, 1.0]
    assert x.masked_scatter_(ag.tensor([True, False, False]), ag.tensor([9.0, 8.0])) is x
    assert x[:, 0].tolist() == [9.0, 8.0]
    assert x.scatter_reduce_(1, ag.tensor([[0], [0]]), ag.tensor([[2.0], [3.0]]), "prod") is x
    assert x[:, 0].tolist() == [18.0, 24.0]
    # recorded: a source that requires grad gets its gradient through the in-place write
    src = ag.tensor([1.0, 2.0], requires_grad=True)
    y = ag.zeros(3)
    y.put_(ag.tensor([2, 0]), src)
    (y * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert src.grad.tolist() == [100.0, 1.0]


def test_masked_scatter_matches_torch():
    m = np.array([[True, False, True], [False, False, True]])
    f, t = both("masked_scatter", m)
    _grads_match(f, t, rng.standard_normal((2, 3)), rng.standard_normal((2, 4)))  # source's unused elements: zero grad
    f, t = both("masked_scatter", m[0])
    _grads_match(f, t, rng.standard_normal((2, 3)), rng.standard_normal(5))  # the mask broadcasts
    _gradchecks(lambda x, s: x.masked_scatter(ag.tensor(m), s), rng.standard_normal((2, 3)), rng.standard_normal(3))
    with pytest.raises(RuntimeError, match="at least as many elements"):
        ag.zeros(2, 3).masked_scatter(ag.tensor(m), ag.zeros(2))
    with pytest.raises(RuntimeError, match="boolean"):
        ag.zeros(3).masked_scatter(ag.tensor([1, 0, 1]), ag.zeros(3))


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_torch(reduce, include_self):
    index = np.array([[0, 0, 2, 0], [1, 1, 1, 0]])
    _grads_match(lambda x, s: x.scatter_reduce(1, ag.tensor(index), s, reduce, include_self=include_self),
                 lambda x, s: x.scatter_reduce(1, torch.tensor(index), s, reduce, include_self=include_self),
                 rng.standard_normal((2, 4)), rng.standard_normal((2, 4)))
    _gradchecks(lambda x, s: x.scatter_reduce(1, ag.tensor(index), s, reduce, include_self=include_self),
                rng.standard_normal((2, 4)), rng.standard_normal((2, 4)))


@pytest.mark.parametrize("reduce", ["prod", "amax", "amin"])
def test_scatter_reduce_ties_and_zeros_match_torch(reduce):
    src = np.array([2.0, 2.0, 1.0, 0.0, 3.0, 0.0, 0.0, 4.0])
    index = np.array([0, 0, 0, 1, 1, 2, 3, 3])
    base = np.array([2.0, 5.0, 0.0, 7.0, 1.0])
    _grads_match(lambda x, s: x.scatter_reduce(0, ag.tensor(index), s, reduce),
                 lambda x, s: x.scatter_reduce(0, torch.tensor(index), s, reduce), base, src)
    if reduce == "prod":  # one zero in a group: the product of the others; two: zero
        _grads_match(lambda x, s: x.scatter_reduce(0, ag.tensor(index), s, reduce, include_self=False),
                     lambda x, s: x.scatter_reduce(0, torch.tensor(index), s, reduce, include_self=False), base, src)


def test_scatter_reduce_amax_ties_without_self_share_among_participants():
    # PyTorch counts a tied, excluded self element when sharing (its shares then add up to less
    # than 1); here the elements that take part share the gradient evenly.
    x = ag.tensor([2.0, 5.0], requires_grad=True)
    s = ag.tensor([2.0, 2.0, 1.0], requires_grad=True)
    out = x.scatter_reduce(0, ag.tensor([0, 0, 0]), s, "amax", include_self=False)
    out.sum().backward()
    assert out.tolist() == [2.0, 5.0]
    assert s.grad.tolist() == [0.5, 0.5, 0.0] and x.grad.tolist() == [0.0, 1.0]


def test_scatter_reduce_integer_mean_rounds_down_and_errors():
    a, i, s = np.array([[1, 3, 0], [2, 2, 2]]), np.array([[0, 0], [1, 1]]), np.array([[4, 4], [5, 6]])
    for include_self in (True, False):
        _same(ag.tensor(a).scatter_reduce(1, ag.tensor(i), ag.tensor(s), "mean", include_self=include_self),
              torch.tensor(a).scatter_reduce(1, torch.tensor(i), torch.tensor(s), "mean", include_self=include_self))
        for reduce in ("amax", "amin", "prod"):
            _same(ag.tensor(a).scatter_reduce(1, ag.tensor(i), ag.tensor(s), reduce, include_self=include_self),
                  torch.tensor(a).scatter_reduce(1, torch.tensor(i), torch.tensor(s), reduce, include_self=include_self))
    with pytest.raises(RuntimeError, match="reduce argument"):
        ag.zeros(3).scatter_reduce(0, ag.tensor([0]), ag.ones(1), "max")


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_and_bucketize_match_torch(right):
    seq = np.array([1.0, 2.0, 2.0, 3.0, 4.0])
    values = np.array([[2.0, np.nan], [0.0, 5.0]])
    _same(ag.searchsorted(ag.tensor(seq), ag.tensor(values), right=right),
          torch.searchsorted(torch.tensor(seq), torch.tensor(values), right=right))
    rows = np.sort(rng.standard_normal((3, 5)), -1)
    v = rng.standard_normal((3, 4))
    v[0, 0], v[1, 1] = rows[0, 1], np.nan
    _same(ag.searchsorted(ag.tensor(rows), ag.tensor(v), right=right),
          torch.searchsorted(torch.tensor(rows), torch.tensor(v), right=right))
    _same(ag.bucketize(ag.tensor(values), ag.tensor(seq), right=right),
          torch.bucketize(torch.tensor(values), torch.tensor(seq), right=right))
    unsorted, sorter = np.array([3.0, 1.0, 2.0]), np.array([1, 2, 0])
    _same(ag.searchsorted(ag.tensor(unsorted), ag.tensor([2.5, 1.0]), sorter=ag.tensor(sorter), right=right),
          torch.searchsorted(torch.tensor(unsorted), torch.tensor([2.5, 1.0]), sorter=torch.tensor(sorter), right=right))
    side = "right" if right else "left"
    _same(ag.searchsorted(ag.tensor([1, 2, 3]), 2, side=side, out_int32=True),
          torch.searchsorted(torch.tensor([1, 2, 3]), 2, side=side, out_int32=True))


def test_searchsorted_errors():
    with pytest.raises(RuntimeError, match="opposites"):
        ag.searchsorted(ag.tensor([1, 2]), ag.tensor([1]), right=True, side="left")
    with pytest.raises(RuntimeError, match="first N-1 dimensions"):
        ag.searchsorted(ag.zeros(2, 3), ag.zeros(3, 1))
    with pytest.raises(RuntimeError, match="1 dimension"):
        ag.bucketize(ag.tensor([1.0]), ag.zeros(2, 2))


def test_isin_unique_consecutive_argwhere():
    _same(ag.isin(ag.tensor([[1, 2], [3, 4]]), ag.tensor([2, 3, 9])),
          torch.isin(torch.tensor([[1, 2], [3, 4]]), torch.tensor([2, 3, 9])))
    _same(ag.isin(ag.tensor([1, 2, 3]), ag.tensor([2]), invert=True), torch.isin(torch.tensor([1, 2, 3]), torch.tensor([2]), invert=True))
    _same(ag.isin(2, ag.tensor([1, 2])), torch.isin(2, torch.tensor([1, 2])))
    x = np.array([[1, 1, 2], [1, 1, 2], [3, 3, 3], [1, 1, 2]])
    for dim in (None, 0, 1):
        ours = ag.unique_consecutive(ag.tensor(x), return_inverse=True, return_counts=True, dim=dim)
        theirs = torch.unique_consecutive(torch.tensor(x), return_inverse=True, return_counts=True, dim=dim)
        for o, t in zip(ours, theirs):
            _same(o, t)
    _same(ag.tensor([1, 1, 2]).unique_consecutive(), torch.tensor([1, 1, 2]).unique_consecutive())
    out, counts = ag.unique_consecutive(ag.tensor([1, 1, 2]), return_counts=True)
    assert counts.tolist() == [2, 1]
    _same(ag.argwhere(ag.tensor(x - 1)), torch.argwhere(torch.tensor(x - 1)))
    _same(ag.tensor(1.0).argwhere(), torch.tensor(1.0).argwhere())
