"""Hardshrink, Softshrink, Threshold and GLU (functional and modules) against PyTorch, including the
gradient at the breakpoints, and the Unfold/Fold modules and load_state_dict's printed result."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host

X = np.concatenate([np.random.default_rng(0).standard_normal(20), [0.5, -0.5, 0.3, -0.3, 0.1, 0.0]]).reshape(2, 13)


@pytest.mark.parametrize("name,args", [("Hardshrink", ()), ("Hardshrink", (0.3,)), ("Softshrink", ()),
                                       ("Softshrink", (0.3,)), ("Threshold", (0.1, 20.0)),
                                       ("Threshold", (0.5, -1.0, True)), ("GLU", (0,))], ids=str)
def test_modules_match_torch(name, args):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    xo, xt = ag.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    yo, yt = ours(xo * 1.0), theirs(xt * 1.0)
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), rtol=1e-14)
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), rtol=1e-14, atol=1e-15)


def test_functional_values_and_errors():
    x = ag.tensor([-1.0, 0.2, 0.75, 1.5])
    assert to_host(F.hardshrink(x)).tolist() == [-1.0, 0.0, 0.75, 1.5]
    assert to_host(F.softshrink(x, 0.5)).tolist() == [-0.5, 0.0, 0.25, 1.0]
    assert to_host(F.threshold(x, 0.5, 9.0)).tolist() == [9.0, 9.0, 0.75, 1.5]
    assert to_host(F.glu(ag.tensor([[2.0, 0.0]]))).tolist() == [[1.0]]
    xg = ag.tensor(X, requires_grad=True)
    assert ag.gradcheck(lambda t: F.glu(t, dim=0), (xg,))
    with pytest.raises(RuntimeError, match="halving dimension must be even"):
        F.glu(ag.zeros(2, 3))
    with pytest.raises(RuntimeError, match="lambda must be greater or equal to 0"):
        F.softshrink(x, -1.0)


def test_unfold_fold_modules_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6))
    ours, theirs = nn.Unfold(3, padding=1, stride=2), torch.nn.Unfold(3, padding=1, stride=2)
    assert repr(ours) == repr(theirs)
    cols = theirs(torch.tensor(x))
    np.testing.assert_array_equal(to_host(ours(ag.tensor(x))), cols.numpy())
    ours, theirs = nn.Fold((5, 6), 3, padding=1, stride=2), torch.nn.Fold((5, 6), 3, padding=1, stride=2)
    assert repr(ours) == repr(theirs)
    np.testing.assert_allclose(to_host(ours(ag.tensor(cols.numpy()))), theirs(cols).numpy(), rtol=1e-14)
    assert F.unfold is ag.unfold and F.fold is ag.fold


def test_load_state_dict_result_prints_as_torch():
    m = nn.Linear(2, 2)
    assert repr(m.load_state_dict(m.state_dict())) == "<All keys matched successfully>"
    res = m.load_state_dict({"weight": m.weight.detach()}, strict=False)
    assert res.missing_keys == ["bias"] and "missing_keys=['bias']" in repr(res)
