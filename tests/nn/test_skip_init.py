"""nn.utils.skip_init: PyTorch's checks, structure, dtypes and devices, uninitialised contents and untouched
random streams."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT


@pytest.mark.parametrize("name, args, kwargs", [
    ("Linear", (5, 3), {}),
    ("Linear", (), {"in_features": 6, "out_features": 2, "bias": False}),
    ("Conv2d", (3, 4, 3), {"dtype": "float64"}),
    ("BatchNorm1d", (4,), {}),
    ("LSTMCell", (3, 5), {}),
    ("Embedding", (7, 3), {}),
])
def test_structure_matches_torch_and_contents_are_empty(name, args, kwargs):
    torch = pytest.importorskip("torch")
    ours_kwargs = {k: getattr(ag, v) if k == "dtype" else v for k, v in kwargs.items()}
    theirs_kwargs = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    m = nn.utils.skip_init(getattr(nn, name), *args, **ours_kwargs)
    t = torch.nn.utils.skip_init(getattr(torch.nn, name), *args, **theirs_kwargs)
    assert type(m) is getattr(nn, name)
    so, st = m.state_dict(keep_vars=True), t.state_dict(keep_vars=True)
    assert list(so) == list(st)
    for k in st:
        assert tuple(so[k].shape) == tuple(st[k].shape), k
        assert f"torch.{so[k].dtype}" == str(st[k].dtype), k
        assert so[k].requires_grad == st[k].requires_grad, k
        assert str(so[k].device) == "cpu"
        # What ag.empty gives (no initialiser ran, as far as the contents tell).
        np.testing.assert_array_equal(to_host(so[k]), to_host(ag.empty_like(so[k])), err_msg=k)
    assert all(isinstance(p, nn.Parameter) for p in m.parameters())
    assert m.training


def test_random_streams_are_untouched_as_in_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    torch.nn.utils.skip_init(torch.nn.Linear, 50, 40)
    assert torch.equal(torch.rand(3), expected)  # PyTorch's initialisers never ran
    ag.manual_seed(0)
    expected = to_host(ag.rand(3))
    ag.manual_seed(0)
    nn.utils.skip_init(nn.Linear, 50, 40)
    np.testing.assert_array_equal(to_host(ag.rand(3)), expected)


def test_device_argument_and_training_after_skip_init():
    m = nn.utils.skip_init(nn.Linear, 3, 2, device=STRICT)
    assert all(str(p.device) == STRICT for p in m.parameters())
    nn.init.ones_(m.weight)
    x = ag.ones(4, 3, device=STRICT, requires_grad=True)
    m(x).sum().backward()
    assert str(m.weight.grad.device) == STRICT
    np.testing.assert_array_equal(to_host(m.bias.grad), np.full(2, 4.0, dtype=np.float32))


def test_errors_match_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="Expected a Module"):
        torch.nn.utils.skip_init(int)
    with pytest.raises(RuntimeError, match="Expected a Module"):
        nn.utils.skip_init(int)
    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        torch.nn.utils.skip_init(torch.nn.ReLU)
    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        nn.utils.skip_init(nn.ReLU)
    with pytest.raises(TypeError):
        torch.nn.utils.skip_init(torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match="module_cls must be a class"):
        nn.utils.skip_init(nn.Linear(2, 2))
