"""Padding layers (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad 1d-3d) against
PyTorch: values, input gradients and reprs."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers.op_factory import to_host

CASES = [
    ("ZeroPad1d", ((1, 2),), (2, 3, 5)),
    ("ZeroPad2d", (2,), (1, 2, 4, 5)),
    ("ZeroPad2d", ((1, 1, 2, 0),), (2, 4, 5)),
    ("ZeroPad3d", ((1, 0, 0, 1, 2, 0),), (1, 1, 2, 3, 4)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 5)),
    ("ConstantPad2d", ((1, 2, 3, 0), -1.0), (2, 4, 5)),
    ("ConstantPad3d", (1, 2.0), (1, 1, 2, 3, 4)),
    ("ReflectionPad1d", (2,), (2, 3, 5)),
    ("ReflectionPad2d", ((1, 2, 3, 1),), (1, 2, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 1, 3, 3, 4)),
    ("ReplicationPad1d", (3,), (2, 3, 5)),
    ("ReplicationPad2d", (1,), (1, 2, 4, 5)),
    ("ReplicationPad3d", (1,), (1, 1, 2, 3, 4)),
    ("CircularPad1d", (2,), (2, 3, 5)),
    ("CircularPad2d", ((1, 0, 2, 1),), (1, 2, 4, 5)),
    ("CircularPad3d", (1,), (1, 1, 2, 3, 4)),
]


@pytest.mark.parametrize("name,args,shape", CASES, ids=str)
def test_padding_layers_match_torch(name, args, shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_array_equal(to_host(yo), yt.detach().numpy())
    g = np.random.default_rng(1).standard_normal(yo.shape)
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), rtol=1e-13, atol=1e-13)


def test_padding_layers_without_torch():
    x = ag.arange(4.0).reshape(1, 1, 4)
    assert to_host(nn.ReflectionPad1d(2)(x)).tolist() == [[[2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0, 1.0]]]
    assert to_host(nn.ReplicationPad1d((1, 0))(x)).tolist() == [[[0.0, 0.0, 1.0, 2.0, 3.0]]]
    assert to_host(nn.ConstantPad1d((0, 1), 9.0)(x)).tolist() == [[[0.0, 1.0, 2.0, 3.0, 9.0]]]
    assert nn.ZeroPad2d(1)(ag.ones(1, 2, 2)).shape == (1, 4, 4)
    with pytest.raises(ValueError, match="4 ints"):
        nn.ZeroPad2d((1, 2))
