"""nn.init, as the layers rely on it: gains, fans, bounds and moments of each initialiser (PyTorch's formulas)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers.op_factory import to_host


def _values(t):
    return to_host(t.detach())


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
    ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None),
])
def test_calculate_gain_matches_torch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    assert nn.init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)


def test_kaiming_uniform_with_a_sqrt5_is_uniform_one_over_sqrt_fan_in():
    ag.manual_seed(0)
    w = nn.init.kaiming_uniform_(ag.empty(300, 50), a=math.sqrt(5))
    v = _values(w)
    bound = 1 / math.sqrt(50)
    assert np.abs(v).max() <= bound and np.abs(v).max() > 0.99 * bound
    assert abs(v.std() - bound / math.sqrt(3)) < 0.02 * bound


@pytest.mark.parametrize("mode,fan", [("fan_in", 40), ("fan_out", 200)])
def test_kaiming_normal_std(mode, fan):
    ag.manual_seed(1)
    v = _values(nn.init.kaiming_normal_(ag.empty(200, 40), mode=mode, nonlinearity="relu"))
    assert abs(v.std() - math.sqrt(2.0 / fan)) < 0.03 * math.sqrt(2.0 / fan)


def test_xavier_bounds_and_std_use_fan_in_plus_fan_out_with_receptive_field():
    ag.manual_seed(2)
    w = ag.empty(16, 8, 3, 3)  # fan_in 72, fan_out 144
    v = _values(nn.init.xavier_uniform_(w, gain=2.0))
    bound = 2.0 * math.sqrt(6.0 / (72 + 144))
    assert np.abs(v).max() <= bound and np.abs(v).max() > 0.98 * bound
    v = _values(nn.init.xavier_normal_(ag.empty(400, 300)))
    assert abs(v.std() - math.sqrt(2.0 / 700)) < 0.02 * math.sqrt(2.0 / 700)


def test_constant_zeros_ones_eye_orthogonal():
    assert (_values(nn.init.constant_(ag.empty(2, 3), 0.3)) == np.float32(0.3)).all()
    assert not _values(nn.init.zeros_(ag.ones(4))).any()
    assert (_values(nn.init.ones_(ag.zeros(4))) == 1).all()
    np.testing.assert_array_equal(_values(nn.init.eye_(ag.empty(3, 5))), np.eye(3, 5))
    q = _values(nn.init.orthogonal_(ag.empty(6, 4, dtype=ag.float64)))
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-12)


def test_initialisers_work_in_place_on_parameters_without_recording():
    p = nn.Parameter(ag.empty(3, 4))
    out = nn.init.uniform_(p, -0.1, 0.1)
    assert out is p and p.is_leaf and p.grad_fn is None
    assert np.abs(_values(p)).max() <= 0.1
    nn.init.normal_(p, 5.0, 0.01)
    assert abs(_values(p).mean() - 5.0) < 0.05


def test_fan_needs_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dims"):
        nn.init.xavier_uniform_(ag.empty(5))
