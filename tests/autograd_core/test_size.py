"""``ag.Size``: a tuple of ints with ``numel()`` and PyTorch's repr, taken wherever a shape is."""

from __future__ import annotations

import copy
import pickle

import pytest

import autograd_core as ag
import nn
from autograd_core.size import Size


def test_a_size_is_a_tuple_with_pytorchs_repr_and_numel():
    torch = pytest.importorskip("torch")
    for sizes in ([2, 3], [], [5], (4, 0, 2)):
        ours, theirs = ag.Size(sizes), torch.Size(sizes)
        assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
        assert ours.numel() == theirs.numel() and ours == theirs == tuple(sizes)
        assert hash(ours) == hash(tuple(sizes))
    assert isinstance(ag.Size((2,)), tuple) and ag.Size([2, 3]) == (2, 3) and ag.Size is Size


def test_slices_sums_and_products_stay_sizes_as_in_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = ag.Size([2, 3]), torch.Size([2, 3])
    for op in (lambda s: s[1:], lambda s: s + (4,), lambda s: (4,) + s, lambda s: s * 2, lambda s: 2 * s):
        a, b = op(ours), op(theirs)
        assert type(a) is Size and repr(a) == repr(b)
    assert type(ours[0]) is int and ours[-1] == 3
    assert ours.index(3) == 1 and ours.count(2) == 1
    with pytest.raises(TypeError):
        ours + [4]  # (a list is not a tuple, as in Python and PyTorch)


def test_items_must_be_ints_as_in_pytorch():
    assert ag.Size([ag.tensor(3), True]) == (3, 1)  # anything with __index__, as torch.Size
    import numpy as np

    assert ag.Size([np.int64(4)]) == (4,) and type(ag.Size([np.int64(4)])[0]) is int
    with pytest.raises(TypeError, match=r"iterable of 'int' \(item 1 is 'float'\)"):
        ag.Size([2, 2.5])
    with pytest.raises(TypeError):
        ag.Size(3)


def test_pickle_and_copy_keep_the_class():
    s = ag.Size([2, 3])
    for other in (pickle.loads(pickle.dumps(s)), copy.deepcopy(s), copy.copy(s)):
        assert type(other) is Size and other == s


def test_factories_and_shape_ops_take_a_size():
    s = ag.Size([2, 3])
    made = [ag.zeros(s), ag.ones(s), ag.empty(s), ag.rand(s), ag.randn(s), ag.zeros(size=s), ag.zeros(*s),
            ag.full(s, 1.5), ag.randint(0, 5, s), ag.ones(6).reshape(s), ag.ones(6).view(s),
            ag.ones(1, 3).expand(s), ag.broadcast_to(ag.ones(3), s), ag.ones(1).new_zeros(s),
            ag.ones(1).new_ones(s), ag.ones(1).new_full(s, 2.0), ag.ones(6).unflatten(0, s)]
    for t in made:
        assert t.shape == s == (2, 3)
    assert ag.ones(2, 3).repeat(ag.Size([2, 1])).shape == (4, 3)
    assert ag.ones(2, 3).permute(ag.Size([1, 0])).shape == (3, 2)
    assert ag.tensor(s).tolist() == [2, 3]  # a Size is data too, as in PyTorch


def test_shape_and_size_are_sizes_as_in_pytorch():
    x = ag.zeros(2, 3)
    for s in (x.shape, x.size(), x.T.shape, x[0].shape, ag.tensor(1.0).shape):
        assert type(s) is Size and all(type(d) is int for d in s)
    assert x.shape == x.size() == (2, 3) and x.shape.numel() == x.size().numel() == x.numel() == 6
    assert type(x.size(1)) is int and x.size(-1) == 3  # size(dim) stays an int
    assert ag.tensor(1.0).shape == () and ag.tensor(1.0).shape.numel() == 1
    assert type(x.shape[1:]) is Size and type(x.shape + (4,)) is Size and x.shape[0] == 2
    p = nn.Parameter(ag.zeros(4, 5))
    assert type(p.shape) is Size and type(p.size()) is Size and p.shape == (4, 5)


def test_shapes_print_as_pytorchs():
    torch = pytest.importorskip("torch")
    for dims in ([2, 3], [], [5], [4, 0, 2]):
        ours, theirs = ag.zeros(dims), torch.zeros(dims)
        assert repr(ours.shape) == repr(theirs.shape) and str(ours.size()) == str(theirs.size())
        assert ours.shape == theirs.shape and ours.shape.numel() == theirs.shape.numel()
        assert isinstance(ours.shape, ag.Size) and isinstance(theirs.shape, torch.Size)
    pair = (ag.zeros(2).shape, ag.zeros(3).shape)
    assert repr(pair) == repr((torch.zeros(2).shape, torch.zeros(3).shape)) == "(torch.Size([2]), torch.Size([3]))"
    assert f"{ag.zeros(2, 3).shape}" == f"{torch.zeros(2, 3).shape}"


def test_shapes_equal_and_hash_as_tuples():
    x = ag.zeros(2, 3)
    assert x.shape == (2, 3) and (2, 3) == x.shape and x.shape != (3, 2) and x.shape != [2, 3]
    assert hash(x.shape) == hash((2, 3)) and {(2, 3): "a"}[x.shape] == "a" and {x.shape: "b"}[(2, 3)] == "b"
    assert len({x.shape, (2, 3), ag.Size([2, 3])}) == 1
    a, b = x.shape  # unpacks as a tuple
    assert (a, b) == (2, 3) and list(x.shape) == [2, 3] and tuple(x.shape) == (2, 3)


def test_ops_take_a_tensors_shape():
    x = ag.arange(6.0).reshape(2, 3)
    made = [ag.zeros(x.shape), ag.ones(x.size()), ag.randn(x.shape), ag.full(x.shape, 2.0), ag.empty(*x.shape),
            ag.arange(6.0).view(x.shape), ag.arange(6.0).reshape(x.size()), ag.ones(1, 3).expand(x.shape),
            x.new_zeros(x.shape), ag.zeros_like(x), ag.broadcast_to(ag.ones(3), x.shape)]
    for t in made:
        assert t.shape == x.shape and type(t.shape) is Size
    assert x.reshape(x.shape[::-1]).shape == (3, 2) and x.view(-1, x.shape[-1]).shape == (2, 3)
    assert ag.ones(x.shape + (1,)).squeeze(-1).shape == x.shape
    assert ag.tensor(x.shape).tolist() == [2, 3] and ag.tensor(x.shape.numel()).item() == 6


def test_a_saved_shape_loads_as_a_size(tmp_path):
    """torch.save / torch.load keep a torch.Size; ours does too, without pickling."""
    x = ag.zeros(2, 3)
    ag.save({"shape": x.shape, "dims": (2, 3), "w": x}, tmp_path / "ckpt.npz")
    back = ag.load(tmp_path / "ckpt.npz")
    assert type(back["shape"]) is Size and back["shape"] == (2, 3)
    assert type(back["dims"]) is tuple and back["w"].shape == x.shape
    m = nn.Linear(3, 2)
    m.load_state_dict(nn.Linear(3, 2).state_dict())  # its shape checks compare Sizes
    assert m.weight.shape == (2, 3)
