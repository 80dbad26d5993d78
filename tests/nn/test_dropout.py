"""Dropout: inverted scaling, train/eval, p validation, gradient = mask * scale, channel variants, devices."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from backends import DeviceError
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_training_zeros_a_fraction_p_and_scales_the_rest(p):
    ag.manual_seed(0)
    x = ag.ones(200_00, dtype=ag.float64, requires_grad=True)
    y = F.dropout(x, p, training=True)
    v = to_host(y)
    kept = v != 0
    np.testing.assert_allclose(v[kept], 1.0 / (1.0 - p), rtol=1e-15)
    n = v.size
    assert abs((~kept).mean() - p) < 5 * np.sqrt(p * (1 - p) / n)  # binomial, 5 standard errors
    g = np.random.default_rng(0).standard_normal(n)
    y.backward(ag.tensor(g))
    np.testing.assert_allclose(to_host(x.grad), g * kept / (1 - p), rtol=1e-15)  # same mask, same scale


def test_eval_mode_and_p_zero_are_the_identity_and_p_one_zeros():
    x = ag.randn(4, 5)
    d = nn.Dropout(0.4)
    assert d.training
    d.eval()
    assert d(x) is x
    assert F.dropout(x, 0.4, training=False) is x
    assert F.dropout(x, 0.0) is x
    y = F.dropout(x, 1.0)
    assert not to_host(y).any() and y.shape == x.shape
    d.train()
    assert not (to_host(d(ag.ones(1000))) == 1).all()


def test_masks_follow_the_seed():
    ag.manual_seed(3)
    a = to_host(F.dropout(ag.ones(50), 0.5))
    ag.manual_seed(3)
    b = to_host(F.dropout(ag.ones(50), 0.5))
    np.testing.assert_array_equal(a, b)


def test_p_is_validated_with_a_clear_message():
    for bad in (-0.1, 1.5, "0.5"):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            nn.Dropout(bad)
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            F.dropout(ag.ones(2), bad)
    with pytest.raises(TypeError, match="floating point"):
        F.dropout(ag.tensor([1, 2]), 0.5)


def test_dropout2d_zeros_whole_channels():
    ag.manual_seed(0)
    y = to_host(F.dropout2d(ag.ones(8, 16, 3, 3), 0.5))
    per_channel = y.reshape(8, 16, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1)).all()
    assert 0 < (per_channel == 0).all(-1).mean() < 1
    assert F.dropout1d(ag.ones(2, 3, 4), 0.5).shape == (2, 3, 4)
    assert F.dropout3d(ag.ones(3, 2, 2, 2), 0.5).shape == (3, 2, 2, 2)  # unbatched
    with pytest.raises(RuntimeError, match="dropout2d: expected a 3-D"):
        F.dropout2d(ag.ones(2, 3), 0.5)
    assert repr(nn.Dropout2d()) == "Dropout2d(p=0.5, inplace=False)"


def test_dropout_in_a_model_follows_train_and_eval():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.9))
    x = ag.randn(64, 4)
    model.eval()
    a, b = to_host(model(x)), to_host(model(x))
    np.testing.assert_array_equal(a, b)
    model.train()
    assert (to_host(model(x)) == 0).mean() > 0.5


def test_dropout_on_strict_device_keeps_data_there():
    ag.manual_seed(0)
    x = ag.ones(100, dtype=ag.float64, device=STRICT, requires_grad=True)
    y = nn.Dropout(0.5)(x)
    y.sum().backward()
    assert str(y.device) == STRICT and str(x.grad.device) == STRICT
    v = to_host(y)
    np.testing.assert_array_equal(to_host(x.grad), v)  # gradient of sum is the scaled mask itself
    assert set(np.unique(v)) <= {0.0, 2.0}


@pytest.mark.cuda
def test_dropout_on_cuda():
    try:
        ag.get_device("cuda")
    except DeviceError as exc:
        pytest.skip(f"no usable GPU: {exc}")
    x = ag.ones(1000, device="cuda", requires_grad=True)
    y = F.dropout(x, 0.25)
    y.sum().backward()
    assert y.is_cuda and x.grad.is_cuda
    v = to_host(y)
    np.testing.assert_allclose(np.unique(v), [0.0, 1 / 0.75], rtol=1e-6)
    np.testing.assert_array_equal(to_host(x.grad), v)
