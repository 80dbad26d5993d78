"""Activations without PyTorch: float64 gradchecks (first and second order), the Elliot pair against
their formulas and finite differences, reprs, errors, and the strict and cuda devices."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
import nn
import nn.functional as F
from backends import DeviceError
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT


def _away_from_kinks(shape, seed, kinks=(0.0, -1.0, 1.0, -3.0, 3.0, 6.0), gap=0.05):
    x = np.random.default_rng(seed).standard_normal(shape) * 2.5
    for k in kinks:
        close = np.abs(x - k) < gap
        x[close] = k + gap * 2 * np.sign(x[close] - k + 1e-12)
    return ag.tensor(x, requires_grad=True)


SMOOTH_EVERYWHERE = {"sigmoid", "tanh", "gelu", "silu", "mish", "softplus", "logsigmoid", "tanhshrink", "softmax",
                     "log_softmax", "softmin"}

ACTIVATIONS = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.1}), ("elu", {"alpha": 0.7}), ("selu", {}),
    ("celu", {"alpha": 1.3}), ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}),
    ("sigmoid", {}), ("tanh", {}), ("softplus", {"beta": 1.5, "threshold": 4.0}), ("softsign", {}),
    ("hardtanh", {"min_val": -1.0, "max_val": 1.0}), ("hardsigmoid", {}), ("hardswish", {}), ("logsigmoid", {}),
    ("tanhshrink", {}), ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}), ("softmin", {"dim": -1}),
    ("elliot", {"steepness": 1.7}), ("symmetric_elliot", {"steepness": 0.6}),
]


@pytest.mark.parametrize("name,kwargs", ACTIVATIONS, ids=[f"{n}{k or ''}" for n, k in ACTIVATIONS])
def test_activation_gradcheck_and_gradgradcheck(name, kwargs):
    x = _away_from_kinks((3, 4), seed=len(name))
    if name == "softplus":  # its linear shortcut starts at beta * x > threshold: stay clear of it
        x = ag.tensor(np.clip(to_host(x.detach()), -2.0, 2.0), requires_grad=True)
    fn = getattr(F, name)
    assert ag.gradcheck(lambda t: fn(t, **kwargs), (x,))
    assert ag.gradgradcheck(lambda t: fn(t, **kwargs), (x,))


def test_prelu_gradcheck_for_input_and_weight():
    x = _away_from_kinks((2, 3, 4), seed=1)
    w = ag.tensor([0.1, -0.4, 0.25], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(F.prelu, (x, w))
    assert ag.gradgradcheck(F.prelu, (x, w))
    shared = ag.tensor([0.3], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(F.prelu, (x, shared))


# ---------------------------------------------------------------------------- Elliot (not in PyTorch)
def _elliot_ref(x, s):
    return 0.5 * s * x / (1 + np.abs(s * x)) + 0.5


def _symmetric_elliot_ref(x, s):
    return s * x / (1 + np.abs(s * x))


@given(steepness=st.floats(0.1, 5.0), seed=st.integers(0, 2**32 - 1))
def test_elliot_pair_match_their_formulas_and_derivatives(steepness, seed):
    x = np.random.default_rng(seed).standard_normal(12) * 3
    for fn, module, ref, deriv in (
        (F.elliot, nn.Elliot, _elliot_ref, lambda v: 0.5 * steepness / (1 + np.abs(steepness * v)) ** 2),
        (F.symmetric_elliot, nn.SymmetricElliot, _symmetric_elliot_ref,
         lambda v: steepness / (1 + np.abs(steepness * v)) ** 2),
    ):
        t = ag.tensor(x, requires_grad=True)
        out = fn(t, steepness=steepness)
        np.testing.assert_allclose(to_host(out), ref(x, steepness), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(to_host(module(steepness)(ag.tensor(x))), ref(x, steepness), rtol=1e-13,
                                   atol=1e-15)
        out.sum().backward()
        np.testing.assert_allclose(to_host(t.grad), deriv(x), rtol=1e-12, atol=1e-15)
        # and against central differences of the formula itself
        h = 1e-6
        numeric = (ref(x + h, steepness) - ref(x - h, steepness)) / (2 * h)
        np.testing.assert_allclose(to_host(t.grad), numeric, rtol=1e-6, atol=1e-8)


def test_elliot_range_symmetry_and_value_at_zero():
    x = ag.tensor(np.linspace(-1e6, 1e6, 101))
    y, z = to_host(F.elliot(x)), to_host(F.symmetric_elliot(x))
    assert ((y > 0) & (y < 1)).all() and ((z > -1) & (z < 1)).all()
    np.testing.assert_allclose(y + y[::-1], 1.0, rtol=1e-14)  # elliot(-x) = 1 - elliot(x)
    np.testing.assert_allclose(z, -z[::-1], rtol=1e-14)  # odd
    assert F.elliot(ag.tensor([0.0])).item() == 0.5 and F.symmetric_elliot(ag.tensor([0.0])).item() == 0.0
    # derivative at 0 is s/2 and s: both well defined at the |x| kink
    t = ag.tensor([0.0], dtype=ag.float64, requires_grad=True)
    F.elliot(t, steepness=3.0).backward()
    assert t.grad.item() == 1.5
    assert repr(nn.Elliot()) == "Elliot(steepness=1.0)" and repr(nn.SymmetricElliot(2)) == "SymmetricElliot(steepness=2)"


# ---------------------------------------------------------------------------- values and subgradients
def test_kink_subgradients_follow_pytorchs_choices():
    x = ag.tensor([0.0, 0.0, 0.0], dtype=ag.float64, requires_grad=True)
    for fn, expected in ((F.relu, 0.0), (lambda t: F.leaky_relu(t, 0.2), 0.2), (lambda t: F.elu(t, 0.5), 0.5),
                         (F.softsign, 1.0)):
        x.grad = None
        fn(x).sum().backward()
        np.testing.assert_allclose(to_host(x.grad), expected)
    b = ag.tensor([-1.0, 1.0, 0.999], dtype=ag.float64, requires_grad=True)
    F.hardtanh(b).sum().backward()
    assert to_host(b.grad).tolist() == [0.0, 0.0, 1.0]  # zero at the bounds, as PyTorch


def test_gelu_values_and_elu_large_inputs():
    x = ag.tensor([-3.0, -1.0, 0.0, 1.0, 3.0], dtype=ag.float64)
    exact = [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in (-3.0, -1.0, 0.0, 1.0, 3.0)]
    np.testing.assert_allclose(to_host(F.gelu(x)), exact, rtol=1e-14, atol=1e-16)
    big = ag.tensor([1000.0, -1000.0], requires_grad=True)
    with np.errstate(over="raise"):  # the unused exp branch must not overflow
        out = F.elu(big)
    out.sum().backward()
    assert to_host(out).tolist() == [1000.0, -1.0]
    assert np.isfinite(to_host(big.grad)).all()


def test_softmax_without_dim_warns_and_uses_pytorchs_legacy_dim():
    x = ag.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        out = F.softmax(x)
    np.testing.assert_allclose(to_host(out).sum(1), 1.0, rtol=1e-6)
    with pytest.warns(UserWarning):
        out3 = nn.LogSoftmax()(ag.randn(2, 3, 4))
    np.testing.assert_allclose(np.exp(to_host(out3)).sum(0), 1.0, rtol=1e-5)


def test_modules_dtype_and_shape_preserved():
    x = ag.randn(2, 3, 4)
    for cls in ("ReLU", "GELU", "Sigmoid", "Tanh", "Softsign", "Elliot", "SymmetricElliot", "Hardswish", "SiLU"):
        out = getattr(nn, cls)()(x)
        assert out.shape == x.shape and out.dtype == np.float32, cls
        out64 = getattr(nn, cls)()(x.double())
        assert out64.dtype == np.float64, cls


def test_activation_errors_are_clear():
    with pytest.raises(TypeError, match="relu: expected a floating point tensor"):
        F.relu(ag.tensor([1, 2]))
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU("fast")
    with pytest.raises(RuntimeError, match="prelu: weight has 3 parameters but the input"):
        nn.PReLU(3)(ag.randn(2, 4))
    with pytest.raises(ValueError, match="min_val"):
        nn.Hardtanh(2.0, 1.0)
    with pytest.raises(ValueError, match="num_parameters"):
        nn.PReLU(0)


def test_prelu_parameter_and_state_dict():
    m = nn.PReLU(4, init=0.1)
    assert list(dict(m.named_parameters())) == ["weight"]
    assert m.weight.shape == (4,) and to_host(m.weight.detach()).tolist() == pytest.approx([0.1] * 4)
    assert list(m.state_dict()) == ["weight"]


# ---------------------------------------------------------------------------- devices
def _all_activation_modules():
    return nn.Sequential(
        nn.Linear(5, 6), nn.ReLU(), nn.LeakyReLU(0.1), nn.PReLU(), nn.ELU(), nn.GELU(), nn.GELU("tanh"),
        nn.Sigmoid(), nn.Tanh(), nn.Softplus(), nn.Softsign(), nn.Hardtanh(), nn.SiLU(), nn.Mish(), nn.SELU(),
        nn.Elliot(2.0), nn.SymmetricElliot(), nn.Hardswish(), nn.LogSigmoid(), nn.Linear(6, 4), nn.LogSoftmax(1),
    )


def _run_on(device, model, x_host):
    model = model.to(device)
    x = ag.tensor(x_host, dtype=ag.float64, device=device, requires_grad=True)
    out = model(x)
    (out * out).sum().backward()
    return out, x, model


def test_activation_stack_runs_forward_and_backward_on_the_strict_device():
    ag.manual_seed(0)
    cpu = _all_activation_modules().double()
    strict = _all_activation_modules().double()
    strict.load_state_dict({k: to_host(v) for k, v in cpu.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 5))
    out_c, x_c, _ = _run_on("cpu", cpu, x)
    out_s, x_s, strict = _run_on(STRICT, strict, x)
    assert str(out_s.device) == STRICT and str(x_s.grad.device) == STRICT
    np.testing.assert_allclose(to_host(out_s), to_host(out_c), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(to_host(x_s.grad), to_host(x_c.grad), rtol=1e-12, atol=1e-14)
    for (name, p), q in zip(strict.named_parameters(), cpu.parameters()):
        assert str(p.grad.device) == STRICT, name
        np.testing.assert_allclose(to_host(p.grad), to_host(q.grad), rtol=1e-12, atol=1e-14, err_msg=name)


def _cuda_or_skip():
    try:
        ag.get_device("cuda")
    except DeviceError as exc:
        pytest.skip(f"no usable GPU: {exc}")


@pytest.mark.cuda
def test_activation_stack_on_cuda_matches_cpu():
    _cuda_or_skip()
    ag.manual_seed(0)
    cpu = _all_activation_modules().double()
    gpu = _all_activation_modules().double()
    gpu.load_state_dict({k: to_host(v) for k, v in cpu.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((3, 5))
    out_c, x_c, _ = _run_on("cpu", cpu, x)
    out_g, x_g, gpu = _run_on("cuda", gpu, x)
    assert out_g.is_cuda and x_g.grad.is_cuda
    np.testing.assert_allclose(to_host(out_g), to_host(out_c), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_host(x_g.grad), to_host(x_c.grad), rtol=1e-10, atol=1e-12)
    for p, q in zip(gpu.parameters(), cpu.parameters()):
        np.testing.assert_allclose(to_host(p.grad), to_host(q.grad), rtol=1e-10, atol=1e-12)
