"""Ops composed from others (no backward rule of their own) that PyTorch programs use:
addcmul/addcdiv/baddbmm, tile/movedim/meshgrid/hstack/vstack, diff/count_nonzero, and the
in-place index_add_/scatter_add_; values, dtypes and gradients against PyTorch, gradchecks
without it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers.op_factory import to_host

rng = np.random.default_rng(0)
A, B, C = rng.standard_normal((3, 2, 3, 4))


def _match(ours_fn, torch_fn, *values):
    torch = pytest.importorskip("torch")
    ours = [ag.tensor(v, requires_grad=v.dtype.kind == "f") for v in values]
    theirs = [torch.tensor(v, requires_grad=v.dtype.kind == "f") for v in values]
    yo, yt = ours_fn(*ours), torch_fn(*theirs)
    yo, yt = (yo, yt) if not isinstance(yt, tuple) else (ag.stack(list(yo)), torch.stack(list(yt)))
    assert yo.shape == tuple(yt.shape) and str(yo.dtype) == str(yt.dtype).replace("torch.", "")
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    if yt.requires_grad:
        g = np.linspace(0.5, 1.5, yt.numel()).reshape(tuple(yt.shape))
        yo.backward(ag.tensor(g))
        yt.backward(torch.tensor(g))
        for o, t in zip(ours, theirs):
            if t.grad is None:
                assert o.grad is None
            else:
                np.testing.assert_allclose(to_host(o.grad), t.grad.numpy(), rtol=1e-12, atol=1e-14)


CASES = {
    "addcmul": (lambda m, a, b, c: m.addcmul(a, b, c, value=0.5), (A, B, C)),
    "addcmul_method": (lambda m, a, b, c: a.addcmul(b, c[0]), (A, B, C)),
    "addcdiv": (lambda m, a, b, c: m.addcdiv(a, b, c.abs() + 1, value=-2), (A, B, C)),
    "baddbmm": (lambda m, a, b, c: m.baddbmm(a[..., :3], b, c.transpose(1, 2), beta=0.5, alpha=2), (A, B, C)),
    "baddbmm_beta0": (lambda m, a, b, c: m.baddbmm(a[..., :3], b, c.transpose(1, 2), beta=0), (A, B, C)),
    "tile": (lambda m, a: m.tile(a, (2,)), (A,)),
    "tile_method": (lambda m, a: a.tile(2, 1, 1, 3), (A,)),
    "movedim": (lambda m, a: m.movedim(a, 0, -1), (A,)),
    "movedim_many": (lambda m, a: a.movedim((0, 2), (2, 0)), (A,)),
    "moveaxis": (lambda m, a: m.moveaxis(a, [1, 0], [0, 2]), (A,)),
    "meshgrid_ij": (lambda m, a, b: m.meshgrid(a[0, 0], b[0, 0], indexing="ij"), (A, B)),
    "meshgrid_xy": (lambda m, a, b, c: m.meshgrid(a[0, 0], b[0, 0], c[0, 0], indexing="xy"), (A, B, C)),
    "hstack": (lambda m, a, b: m.hstack([a, b]), (A, B)),
    "hstack_1d": (lambda m, a, b: m.hstack((a[0, 0], b[0, 1, :2])), (A, B)),
    "vstack": (lambda m, a, b: m.vstack([a[0], b[1, :1]]), (A, B)),
    "vstack_1d": (lambda m, a, b: m.vstack([a[0, 0], b[0, 0]]), (A, B)),
    "diff": (lambda m, a: m.diff(a), (A,)),
    "diff_n2_dim0": (lambda m, a: a.diff(n=2, dim=1), (A,)),
    "diff_prepend": (lambda m, a, b: m.diff(a, dim=-1, prepend=b[..., :1], append=b[..., 2:]), (A, B)),
    "diff_int": (lambda m, a: m.diff(a), (np.array([1, 4, 9, 16]),)),
    "diff_bool": (lambda m, a: m.diff(a), (np.array([True, True, False, True]),)),
    "count_nonzero": (lambda m, a: m.count_nonzero(a), (np.array([[0, 1, 2], [0, 0, 3]]),)),
    "count_nonzero_dim": (lambda m, a: a.count_nonzero(dim=(0, 1)), ((A > 0) * A,)),
    "index_add_": (lambda m, a, b: m.zeros(4, 4, dtype=m.float64).index_add_(0, m.tensor([0, 2, 0]), b[0] * 2,
                                                                               alpha=3), (A, B)),
    "scatter_add_": (lambda m, a, b: m.zeros(3, 4, dtype=m.float64).scatter_add_(
        1, m.tensor([[0, 1, 1, 3], [2, 2, 2, 2], [3, 0, 1, 2]]), b[1]), (A, B)),
    "index_add_graph": (lambda m, a, b: (a[0] * 1).index_add_(1, m.tensor([3, 0, 3, 1]), b[0]), (A, B)),
    "scatter_add_graph": (lambda m, a, b: (a[1] + 0).scatter_add_(0, m.tensor([[0, 1, 2, 0]]), b[0, :1]), (A, B)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    torch = pytest.importorskip("torch")
    fn, values = CASES[name]
    _match(lambda *t: fn(ag, *t), lambda *t: fn(torch, *t), *values)


@settings(max_examples=30, deadline=None)
@given(nd=st.integers(1, 4), data=st.data())
def test_movedim_matches_numpy(nd, data):
    shape = tuple(range(2, 2 + nd))
    k = data.draw(st.integers(1, nd))
    src = data.draw(st.permutations(range(nd)))[:k]
    dst = data.draw(st.permutations(range(-nd, 0)))[:k]
    x = np.arange(np.prod(shape)).reshape(shape)
    np.testing.assert_array_equal(to_host(ag.movedim(ag.tensor(x), src, dst)), np.moveaxis(x, src, dst))


def test_gradchecks():
    a, b, c = (ag.tensor(v, requires_grad=True) for v in (A, B, C))
    assert ag.gradcheck(lambda a, b, c: ag.addcdiv(a, b, c * c + 1.0, value=0.3), (a, b, c))
    assert ag.gradgradcheck(lambda a, b, c: ag.addcmul(a, b, c, value=2.0), (a, b, c))
    assert ag.gradcheck(lambda a, b, c: ag.baddbmm(a[..., :3], b, c.transpose(1, 2), beta=0.5), (a, b, c))
    assert ag.gradcheck(lambda a: ag.diff(a, n=2, dim=2), (a,))
    assert ag.gradcheck(lambda a, b: ag.zeros(3, 4, dtype=ag.float64).index_add_(0, ag.tensor([2, 2]), a[0, :2] * b[1, :2]),
                        (a, b))


def test_errors():
    with pytest.raises(RuntimeError, match="integer division"):
        ag.addcdiv(ag.zeros(2), ag.tensor([1, 2]), ag.tensor([2, 2]))
    with pytest.raises(RuntimeError, match="at least one-dimensional"):
        ag.diff(ag.tensor(1.0))
    with pytest.raises(RuntimeError, match="same number of elements"):
        ag.movedim(ag.zeros(2, 3), (0, 1), 0)
    with pytest.raises(RuntimeError, match="0-D or 1-D"):
        ag.meshgrid(ag.zeros(2, 2), ag.zeros(2))
    with pytest.raises(RuntimeError, match="leaf"):
        ag.zeros(3, requires_grad=True).index_add_(0, ag.tensor([0]), ag.ones(1))
