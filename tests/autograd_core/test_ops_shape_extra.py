"""Shape ops composed from the movement primitives: ravel, select, tensor_split and h/v/dsplit,
the stacks, atleast_nd, rot90, flips, block_diag, cartesian_prod, combinations, broadcasting
helpers, diag_embed / diagflat, strides and storage offsets, and the in-place view changes."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag

torch = pytest.importorskip("torch")

X = np.arange(24.0).reshape(2, 3, 4)


def _same(ours, theirs):
    """Values, shape and dtype equal to PyTorch's (tuples element by element)."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _same(o, t)
        return
    expected = theirs.detach().numpy()
    assert str(ours.dtype) == str(expected.dtype), (ours.dtype, expected.dtype)
    np.testing.assert_array_equal(ours.detach().numpy(), expected)


def _grads_match(f_ours, f_torch, *arrays, seed=0):
    """Forward and gradient against PyTorch's; the op's result may be a tuple (summed with weights)."""
    ours = [ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out, tout = f_ours(*ours), f_torch(*theirs)
    outs, touts = (out, tout) if isinstance(tout, (tuple, list)) else ((out,), (tout,))
    rng = np.random.default_rng(seed)
    loss, tloss = 0.0, 0.0
    for o, t in zip(outs, touts):
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-12)
        g = rng.standard_normal(tuple(t.shape))
        loss = loss + (o * ag.tensor(g)).sum()
        tloss = tloss + (t * torch.tensor(g)).sum()
    loss.backward()
    tloss.backward()
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_ravel_select_narrow_copy():
    a, t = ag.tensor(X), torch.tensor(X)
    _same(a.ravel(), t.ravel())
    _same(ag.ravel(ag.tensor(2.0)), torch.ravel(torch.tensor(2.0)))
    for dim, index in [(0, 1), (1, -1), (-1, 2)]:
        _same(a.select(dim, index), t.select(dim, index))
    _same(ag.narrow_copy(a, 2, 1, 2), torch.narrow_copy(t, 2, 1, 2))
    assert ag.narrow_copy(a, 2, 1, 2).is_contiguous()
    with pytest.raises(IndexError, match="out of range"):
        a.select(1, 3)
    _grads_match(lambda x: x.select(1, 2) * 3, lambda x: x.select(1, 2) * 3, X)


@pytest.mark.parametrize("spec", [3, 5, [1, 3], [-1], [0, 5, 2], [3, 1], "tensor0d", "tensor1d"])
@pytest.mark.parametrize("dim", [0, 2, -1])
def test_tensor_split_matches_torch(spec, dim):
    ours_spec, torch_spec = spec, spec
    if spec == "tensor0d":
        ours_spec, torch_spec = ag.tensor(2), torch.tensor(2)
    elif spec == "tensor1d":
        ours_spec, torch_spec = ag.tensor([1, 2]), torch.tensor([1, 2])
    _same(ag.tensor(X).tensor_split(ours_spec, dim), torch.tensor(X).tensor_split(torch_spec, dim))


def test_tensor_split_gradient_and_views():
    parts, tparts = ag.tensor(X).tensor_split(3, 2), torch.tensor(X).tensor_split(3, 2)
    assert [p.storage_offset() for p in parts] == [p.storage_offset() for p in tparts]  # views, as PyTorch's
    _grads_match(lambda x: x.tensor_split([1, 3], 1), lambda x: x.tensor_split([1, 3], 1), X)


def test_hsplit_vsplit_dsplit_match_torch_and_check_divisibility():
    a, t = ag.tensor(X), torch.tensor(X)
    _same(a.hsplit(3), t.hsplit(3))
    _same(a.vsplit([1]), t.vsplit([1]))
    _same(a.dsplit(2), t.dsplit(2))
    _same(ag.hsplit(ag.arange(6), 2), torch.hsplit(torch.arange(6), 2))
    with pytest.raises(RuntimeError, match="divisible"):
        a.dsplit(3)
    with pytest.raises(RuntimeError, match="at least 3"):
        ag.dsplit(ag.zeros(2, 2), 2)
    with pytest.raises(RuntimeError, match="at least 2"):
        ag.vsplit(ag.zeros(4), 2)


def test_dstack_column_stack_and_atleast_nd():
    _same(ag.dstack([ag.arange(3), ag.arange(3)]), torch.dstack([torch.arange(3), torch.arange(3)]))
    _same(ag.dstack([ag.ones(2, 3), ag.zeros(2, 3, 2)]), torch.dstack([torch.ones(2, 3), torch.zeros(2, 3, 2)]))
    _same(ag.column_stack([ag.arange(3), ag.ones(3, 2)]), torch.column_stack([torch.arange(3), torch.ones(3, 2)]))
    for name in ("atleast_1d", "atleast_2d", "atleast_3d"):
        for a in [np.array(1.0), np.arange(3.0), np.ones((2, 3)), X]:
            _same(getattr(ag, name)(ag.tensor(a)), getattr(torch, name)(torch.tensor(a)))
        _same(getattr(ag, name)(ag.tensor(1.0), ag.ones(2)), getattr(torch, name)(torch.tensor(1.0), torch.ones(2)))
        _same(getattr(ag, name)([ag.tensor(1.0)]), getattr(torch, name)([torch.tensor(1.0)]))
    _grads_match(lambda x, y: ag.column_stack([x, y]), lambda x, y: torch.column_stack([x, y]), np.ones(3), np.ones((3, 2)))


@pytest.mark.parametrize("k", range(-2, 6))
@pytest.mark.parametrize("dims", [(0, 1), (2, 0), (-1, 1)])
def test_rot90_matches_torch(k, dims):
    _same(ag.tensor(X).rot90(k, dims), torch.tensor(X).rot90(k, dims))


def test_rot90_errors_and_gradient():
    with pytest.raises(RuntimeError, match="different"):
        ag.rot90(ag.zeros(2, 2), 1, (0, 0))
    with pytest.raises(RuntimeError, match="total dims >= 2"):
        ag.rot90(ag.zeros(2))
    _grads_match(lambda x: ag.rot90(x, 3, (1, 2)), lambda x: torch.rot90(x, 3, (1, 2)), X)


def test_fliplr_flipud():
    _same(ag.tensor(X).fliplr(), torch.tensor(X).fliplr())
    _same(ag.tensor(X).flipud(), torch.tensor(X).flipud())
    with pytest.raises(RuntimeError, match="fliplr"):
        ag.fliplr(ag.zeros(3))
    with pytest.raises(RuntimeError, match="flipud"):
        ag.flipud(ag.tensor(1.0))


def test_broadcast_shapes_and_tensors():
    assert ag.broadcast_shapes((2, 1), (3,), 1) == tuple(torch.broadcast_shapes((2, 1), (3,), 1))
    assert ag.broadcast_shapes() == ()
    with pytest.raises(RuntimeError):
        ag.broadcast_shapes((2,), (3,))
    _same(ag.broadcast_tensors(ag.ones(2, 1), ag.arange(3)), torch.broadcast_tensors(torch.ones(2, 1), torch.arange(3)))
    _grads_match(lambda a, b: ag.broadcast_tensors(a, b), lambda a, b: torch.broadcast_tensors(a, b), np.ones((2, 1)), np.ones(3))


def test_block_diag_cartesian_prod_combinations():
    _same(ag.block_diag(ag.ones(2, 2), ag.tensor(3), ag.arange(3)),
          torch.block_diag(torch.ones(2, 2), torch.tensor(3), torch.arange(3)))
    _grads_match(lambda a, b: ag.block_diag(a, b), lambda a, b: torch.block_diag(a, b), np.ones((2, 3)), np.ones((1, 2)))
    _same(ag.cartesian_prod(ag.arange(2), ag.arange(3), ag.arange(2)),
          torch.cartesian_prod(torch.arange(2), torch.arange(3), torch.arange(2)))
    _same(ag.cartesian_prod(ag.arange(3)), torch.cartesian_prod(torch.arange(3)))
    for r in (0, 1, 2, 3, 5):
        for with_replacement in (False, True):
            _same(ag.combinations(ag.arange(4), r, with_replacement), torch.combinations(torch.arange(4), r, with_replacement))
    _grads_match(lambda a: ag.combinations(a, 2), lambda a: torch.combinations(a, 2), np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("offset", [-1, 0, 2])
@pytest.mark.parametrize("dims", [(-2, -1), (0, 2), (2, 0), (1, 3)])
def test_diag_embed_matches_torch(offset, dims):
    _same(ag.tensor(X).diag_embed(offset, *dims), torch.tensor(X).diag_embed(offset, *dims))


def test_diag_embed_and_diagflat_gradients():
    a = np.random.default_rng(0).standard_normal((2, 3))
    _grads_match(lambda x: ag.diag_embed(x, 1, 0, 2), lambda x: torch.diag_embed(x, 1, 0, 2), a)
    _grads_match(lambda x: ag.diagflat(x, -1), lambda x: torch.diagflat(x, -1), a)
    x = ag.tensor(a, requires_grad=True)
    assert ag.gradgradcheck(lambda t: ag.diag_embed(t) * ag.diag_embed(t), (x,))
    with pytest.raises(RuntimeError, match="identical"):
        ag.diag_embed(x, 0, 1, -2)


def test_stride_and_storage_offset_in_elements():
    cases = [
        (ag.tensor(X), torch.tensor(X)),
        (ag.tensor(X).permute(2, 0, 1), torch.tensor(X).permute(2, 0, 1)),
        (ag.tensor(X)[:, 1:, ::2], torch.tensor(X)[:, 1:, ::2]),
        (ag.ones(3, 1).expand(3, 4), torch.ones(3, 1).expand(3, 4)),
        (ag.tensor(X)[1], torch.tensor(X)[1]),
    ]
    for ours, theirs in cases:
        assert ours.stride() == theirs.stride()
        assert ours.stride(-1) == theirs.stride(-1)
        assert ours.storage_offset() == theirs.storage_offset()
    assert ag.tensor(1.0).stride() == ()


@pytest.mark.parametrize("op,args", [("squeeze_", ()), ("squeeze_", (1,)), ("unsqueeze_", (0,)), ("transpose_", (0, 2)),
                                     ("swapaxes_", (1, 2)), ("swapdims_", (0, 1))])
def test_in_place_view_changes_match_torch(op, args):
    a = np.arange(6.0).reshape(2, 1, 3)
    ours, theirs = ag.tensor(a), torch.tensor(a)
    assert getattr(ours, op)(*args) is ours
    theirs = getattr(theirs, op)(*args)
    _same(ours, theirs)
    assert ours._version == theirs._version  # bumped, as PyTorch bumps it

    x, tx = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = x * 2, tx * 2
    getattr(y, op)(*args)
    getattr(ty, op)(*args)
    assert y.shape == tuple(ty.shape)
    g = np.random.default_rng(0).standard_normal(tuple(ty.shape))
    (y * ag.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(x, op)(*args)
    with ag.no_grad():
        getattr(x, op)(*args)  # allowed under no_grad, as in PyTorch
    assert x.shape == y.shape


def test_t_in_place_and_conjugate_transposes():
    a = ag.ones(2, 3)
    a.t_()
    assert a.shape == (3, 2) and a.stride() == (1, 3)
    assert ag.ones(2, 3).H.shape == (3, 2) and ag.ones(2, 3, 4).mH.shape == (2, 4, 3)
    assert ag.ones(2, 3).adjoint().shape == (3, 2)
    with pytest.raises(RuntimeError, match="matrices"):
        _ = ag.ones(2, 3, 4).H


def test_concatenate_swapaxes_t_are_top_level():
    _same(ag.concatenate([ag.ones(2), ag.zeros(1)]), torch.concatenate([torch.ones(2), torch.zeros(1)]))
    _same(ag.swapaxes(ag.tensor(X), 0, 2), torch.swapaxes(torch.tensor(X), 0, 2))
    _same(ag.swapdims(ag.tensor(X), 0, 1), torch.swapdims(torch.tensor(X), 0, 1))
    _same(ag.t(ag.ones(2, 3)), torch.t(torch.ones(2, 3)))
    _same(ag.split_with_sizes(ag.tensor(X), [1, 2], 1), torch.tensor(X).split_with_sizes([1, 2], 1))
    _same(ag.tensor(X).sum_to_size(1, 3, 1), torch.tensor(X).sum_to_size(1, 3, 1))
