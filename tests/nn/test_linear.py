"""Linear, Bilinear, Identity, Flatten, Unflatten without PyTorch: shapes, init ranges, gradchecks,
errors, and the strict and cuda devices."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from backends import DeviceError
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT


def _x(*shape, seed=0):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_linear_parameters_layout_and_default_init_range():
    ag.manual_seed(0)
    m = nn.Linear(20, 7)
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    assert m.weight.shape == (7, 20) and m.bias.shape == (7,)
    assert m.weight.dtype == np.float32 and m.weight.requires_grad
    bound = 1 / np.sqrt(20)
    w, b = to_host(m.weight.detach()), to_host(m.bias.detach())
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(b).max() <= bound
    m2 = nn.Linear(3, 2, bias=False, dtype=ag.float64)
    assert m2.bias is None and m2.weight.dtype == np.float64
    assert list(m2.state_dict()) == ["weight"]
    assert nn.Linear(0, 3).bias is not None  # fan_in 0: bound 0, as PyTorch


def test_linear_is_x_times_weight_transposed_plus_bias_for_any_leading_dims():
    m = nn.Linear(4, 3).double()
    for shape in ((4,), (5, 4), (2, 5, 4)):
        x = np.random.default_rng(1).standard_normal(shape)
        expected = x @ to_host(m.weight.detach()).T + to_host(m.bias.detach())
        np.testing.assert_allclose(to_host(m(ag.tensor(x))), expected, rtol=1e-13)


def test_linear_and_bilinear_gradcheck():
    m = nn.Linear(3, 2).double()
    x = _x(4, 3)
    assert ag.gradcheck(lambda t, w, b: F.linear(t, w, b), (x, m.weight, m.bias))
    assert ag.gradgradcheck(lambda t, w, b: F.linear(t, w, b), (x, m.weight, m.bias))
    bl = nn.Bilinear(2, 3, 2).double()
    x1, x2 = _x(3, 2, seed=1), _x(3, 3, seed=2)
    assert ag.gradcheck(F.bilinear, (x1, x2, bl.weight, bl.bias))
    assert ag.gradgradcheck(F.bilinear, (x1, x2, bl.weight, bl.bias))


def test_bilinear_matches_einsum():
    bl = nn.Bilinear(3, 4, 5).double()
    a, b = np.random.default_rng(3).standard_normal((2, 6, 3)), np.random.default_rng(4).standard_normal((2, 6, 4))
    w, bias = to_host(bl.weight.detach()), to_host(bl.bias.detach())
    expected = np.einsum("...i,kij,...j->...k", a, w, b) + bias
    np.testing.assert_allclose(to_host(bl(ag.tensor(a), ag.tensor(b))), expected, rtol=1e-12)
    assert bl.weight.shape == (5, 3, 4) and nn.Bilinear(3, 4, 5, bias=False).bias is None


def test_flatten_unflatten_identity():
    x = _x(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, -1)(x).shape == (24,)
    assert nn.Unflatten(1, (3, 4))(nn.Flatten()(x)).shape == (2, 3, 4)
    assert nn.Unflatten(-1, (2, -1))(x).shape == (2, 3, 2, 2)
    assert nn.Identity()(x) is x
    y = nn.Unflatten(1, (4, 3))(nn.Flatten()(x))
    y.sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), np.ones((2, 3, 4)))


def test_linear_errors_name_the_layer_and_shapes():
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=4, out_features=2\).*shape \(3, 5\).*4 features"):
        nn.Linear(4, 2)(ag.ones(3, 5))
    with pytest.raises(TypeError, match="expected a Tensor"):
        nn.Linear(4, 2)(np.ones((3, 4)))
    with pytest.raises(RuntimeError, match="dtypes must match"):
        nn.Linear(4, 2)(ag.ones(3, 4, dtype=ag.float64))
    with pytest.raises(ValueError, match="in_features must be a non-negative int"):
        nn.Linear(-1, 2)
    with pytest.raises(RuntimeError, match="bilinear: inputs of shapes"):
        nn.Bilinear(2, 3, 4)(ag.ones(5, 2), ag.ones(5, 2))
    with pytest.raises(RuntimeError, match="same leading dims"):
        nn.Bilinear(2, 3, 4)(ag.ones(5, 2), ag.ones(4, 3))
    with pytest.raises(RuntimeError, match="Unflatten: sizes"):
        nn.Unflatten(1, (5, 2))(ag.ones(2, 12))


def test_parameters_keep_identity_through_double_and_to():
    m = nn.Linear(3, 2)
    w = m.weight
    m.double()
    assert m.weight is w and w.dtype == np.float64


def _model():
    return nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Flatten(0), nn.Unflatten(0, (3, 5)), nn.Linear(5, 2))


def _forward_backward(model, device, x_host):
    x = ag.tensor(x_host, dtype=ag.float64, device=device, requires_grad=True)
    out = model(x)
    (out * out).sum().backward()
    return out, x


def test_layers_on_the_strict_device_match_cpu():
    ag.manual_seed(0)
    cpu, strict = _model().double(), _model().double()
    strict.load_state_dict({k: to_host(v) for k, v in cpu.state_dict().items()})
    strict.to(STRICT)
    bl_cpu = nn.Bilinear(4, 4, 3).double()
    bl_strict = nn.Bilinear(4, 4, 3).double()
    bl_strict.load_state_dict(bl_cpu.state_dict())
    bl_strict.to(STRICT)
    x = np.random.default_rng(0).standard_normal((3, 4))
    out_c, x_c = _forward_backward(cpu, "cpu", x)
    out_s, x_s = _forward_backward(strict, STRICT, x)
    assert str(out_s.device) == STRICT
    np.testing.assert_allclose(to_host(out_s), to_host(out_c), rtol=1e-13)
    np.testing.assert_allclose(to_host(x_s.grad), to_host(x_c.grad), rtol=1e-13)
    for p, q in zip(strict.parameters(), cpu.parameters()):
        assert str(p.grad.device) == STRICT
        np.testing.assert_allclose(to_host(p.grad), to_host(q.grad), rtol=1e-13)
    y_c = bl_cpu(ag.tensor(x), ag.tensor(x))
    y_s = bl_strict(ag.tensor(x, device=STRICT), ag.tensor(x, device=STRICT))
    y_s.sum().backward()
    np.testing.assert_allclose(to_host(y_s), to_host(y_c), rtol=1e-13)
    assert str(bl_strict.weight.grad.device) == STRICT


def test_mixing_devices_fails_naming_both():
    m = nn.Linear(3, 2).to(STRICT)
    with pytest.raises(RuntimeError, match=r"cpu.*strict|strict.*cpu"):
        m(ag.ones(1, 3))


@pytest.mark.cuda
def test_layers_on_cuda_match_cpu():
    try:
        ag.get_device("cuda")
    except DeviceError as exc:
        pytest.skip(f"no usable GPU: {exc}")
    ag.manual_seed(0)
    cpu, gpu = _model().double(), _model().double()
    gpu.load_state_dict({k: to_host(v) for k, v in cpu.state_dict().items()})
    w = gpu[0].weight
    gpu.to("cuda")
    assert gpu[0].weight is w and w.is_cuda  # parameters keep their identity across devices
    x = np.random.default_rng(0).standard_normal((3, 4))
    out_c, x_c = _forward_backward(cpu, "cpu", x)
    out_g, x_g = _forward_backward(gpu, "cuda", x)
    np.testing.assert_allclose(to_host(out_g), to_host(out_c), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_host(x_g.grad), to_host(x_c.grad), rtol=1e-10, atol=1e-12)
    for p, q in zip(gpu.parameters(), cpu.parameters()):
        assert p.grad.is_cuda
        np.testing.assert_allclose(to_host(p.grad), to_host(q.grad), rtol=1e-10, atol=1e-12)
