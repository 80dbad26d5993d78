"""``ag.Size``: a tuple of ints with ``numel()`` and PyTorch's repr, taken wherever a shape is."""

from __future__ import annotations

import copy
import pickle

import pytest

import autograd_core as ag
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


def test_shape_and_size_stay_plain_tuples_equal_to_a_size():
    """Returning a Size from .shape would cost ~0.15 µs a call on the hot path; they compare equal."""
    x = ag.zeros(2, 3)
    assert type(x.shape) is tuple and x.shape == ag.Size([2, 3]) and x.size() == ag.Size([2, 3])
    assert ag.Size(x.shape).numel() == x.numel() == 6
    torch = pytest.importorskip("torch")
    assert x.shape == torch.zeros(2, 3).shape
