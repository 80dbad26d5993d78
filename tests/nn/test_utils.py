"""nn.utils: gradient clipping and parameter <-> vector, against PyTorch and the formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT


def _params_with_grads(seed=0, scale=1.0, device="cpu"):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    params = []
    for s in shapes:
        p = nn.Parameter(ag.tensor(rng.standard_normal(s), device=device))
        p.grad = ag.tensor(rng.standard_normal(s) * scale, device=device)
        params.append(p)
    no_grad = nn.Parameter(ag.zeros(3, device=device))  # skipped: no .grad
    return params + [no_grad]


def _flat_grads(params):
    return np.concatenate([to_host(p.grad).ravel() for p in params if p.grad is not None])


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_the_formula(norm_type, max_norm):
    params = _params_with_grads()
    g = _flat_grads(params)
    p = float(norm_type)
    total = np.abs(g).max() if math.isinf(p) else (np.abs(g) ** p).sum() ** (1 / p)
    out = nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    np.testing.assert_allclose(out.item(), total, rtol=1e-12)
    coef = min(1.0, max_norm / (total + 1e-6))
    np.testing.assert_allclose(_flat_grads(params), g * coef, rtol=1e-12)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm_matches_torch(norm_type):
    torch = pytest.importorskip("torch")
    ours = _params_with_grads(1, scale=3.0)[:3]
    theirs = [torch.nn.Parameter(torch.tensor(to_host(p.detach()))) for p in ours]
    for t, p in zip(theirs, ours):
        t.grad = torch.tensor(to_host(p.grad))
    a = nn.utils.clip_grad_norm_(ours, 1.5, norm_type)
    b = torch.nn.utils.clip_grad_norm_(theirs, 1.5, norm_type)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(to_host(p.grad), t.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        nn.utils.get_total_norm([p.grad for p in ours], norm_type).item(),
        torch.nn.utils.get_total_norm([t.grad for t in theirs], norm_type).item(), rtol=1e-12)


def test_clip_grad_norm_accepts_a_single_tensor_and_no_grads():
    p = nn.Parameter(ag.zeros(2))
    assert nn.utils.clip_grad_norm_(p, 1.0).item() == 0.0
    p.grad = ag.tensor([6.0, 8.0])
    assert nn.utils.clip_grad_norm_(p, 5.0).item() == 10.0
    np.testing.assert_allclose(to_host(p.grad), [3.0, 4.0], rtol=1e-5)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf * 0, as in PyTorch
def test_clip_grad_norm_nonfinite():
    p = nn.Parameter(ag.zeros(2))
    p.grad = ag.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert math.isinf(nn.utils.clip_grad_norm_([p], 1.0).item())


def test_clip_grad_value_():
    params = _params_with_grads(2, scale=2.0)
    g = _flat_grads(params)
    nn.utils.clip_grad_value_(params, 0.7)
    np.testing.assert_array_equal(_flat_grads(params), np.clip(g, -0.7, 0.7))


def test_parameters_to_vector_and_back_round_trip():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    np.testing.assert_array_equal(to_host(vec), np.concatenate([to_host(p.detach()).ravel()
                                                                for p in model.parameters()]))
    weights = [p for p in model.parameters()]
    new = ag.arange(vec.numel(), dtype=ag.float32)
    nn.utils.vector_to_parameters(new, model.parameters())
    assert [p for p in model.parameters()] == weights  # same Parameter objects, new values
    np.testing.assert_array_equal(to_host(nn.utils.parameters_to_vector(model.parameters())), to_host(new))
    assert model[0].weight.requires_grad


def test_parameters_to_vector_is_differentiable():
    a = nn.Parameter(ag.tensor([1.0, 2.0], dtype=ag.float64))
    b = nn.Parameter(ag.tensor([[3.0]], dtype=ag.float64))
    v = nn.utils.parameters_to_vector([a, b])
    (v * ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64)).sum().backward()
    assert to_host(a.grad).tolist() == [1.0, 2.0] and to_host(b.grad).tolist() == [[3.0]]


def test_vector_to_parameters_errors():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="expected vec to be a Tensor"):
        nn.utils.vector_to_parameters(np.zeros(6), m.parameters())
    with pytest.raises(ValueError, match="6 elements"):
        nn.utils.vector_to_parameters(ag.zeros(5), m.parameters())


def test_utils_on_the_strict_device():
    params = _params_with_grads(3, device=STRICT)
    cpu = _params_with_grads(3)
    a = nn.utils.clip_grad_norm_(params, 0.5)
    b = nn.utils.clip_grad_norm_(cpu, 0.5)
    assert str(a.device) == STRICT
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)
    np.testing.assert_allclose(_flat_grads(params), _flat_grads(cpu), rtol=1e-12)
    nn.utils.clip_grad_value_(params, 0.01)
    vec = nn.utils.parameters_to_vector(params)
    nn.utils.vector_to_parameters(vec * 2.0, params)
    assert str(vec.device) == STRICT and str(params[0].device) == STRICT
