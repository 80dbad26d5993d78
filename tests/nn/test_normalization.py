"""Normalization layers without PyTorch: the formulas by hand (biased variance to normalize, unbiased
for the running update, cumulative average for momentum=None), gradchecks, errors, strict and cuda."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from backends import DeviceError
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT


def _t(*shape, seed=0, requires_grad=True):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=requires_grad)


def test_batchnorm_training_formula_and_running_update():
    bn = nn.BatchNorm2d(3, momentum=0.25).double()
    with ag.no_grad():
        bn.weight.copy_(ag.tensor([1.0, 2.0, -1.0]))
        bn.bias.copy_(ag.tensor([0.0, 0.5, 1.0]))
    x = np.random.default_rng(0).standard_normal((4, 3, 2, 5)) * 2 + 3
    y = to_host(bn(ag.tensor(x)))
    mean, var = x.mean((0, 2, 3)), x.var((0, 2, 3))  # biased, to normalize
    shape = (1, 3, 1, 1)
    expected = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 1e-5) * np.array([1, 2, -1.0]).reshape(
        shape
    ) + np.array([0, 0.5, 1.0]).reshape(shape)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    n = 4 * 2 * 5
    np.testing.assert_allclose(to_host(bn.running_mean), 0.75 * 0 + 0.25 * mean, rtol=1e-12)
    np.testing.assert_allclose(to_host(bn.running_var), 0.75 * 1 + 0.25 * var * n / (n - 1), rtol=1e-12)  # unbiased
    assert int(bn.num_batches_tracked) == 1 and bn.num_batches_tracked.dtype == np.int64
    bn.eval()
    x2 = np.random.default_rng(1).standard_normal((2, 3, 2, 2))
    rm, rv = to_host(bn.running_mean).reshape(shape), to_host(bn.running_var).reshape(shape)
    expected = (x2 - rm) / np.sqrt(rv + 1e-5) * np.array([1, 2, -1.0]).reshape(shape) + np.array([0, 0.5, 1.0]).reshape(
        shape
    )
    np.testing.assert_allclose(to_host(bn(ag.tensor(x2))), expected, rtol=1e-12, atol=1e-12)
    assert int(bn.num_batches_tracked) == 1  # eval doesn't count


def test_batchnorm_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    batches = [np.random.default_rng(i).standard_normal((5, 2)) + i for i in range(4)]
    for b in batches:
        bn(ag.tensor(b))
    np.testing.assert_allclose(to_host(bn.running_mean), np.mean([b.mean(0) for b in batches], 0), rtol=1e-12)
    np.testing.assert_allclose(to_host(bn.running_var), np.mean([b.var(0, ddof=1) for b in batches], 0), rtol=1e-12)
    assert int(bn.num_batches_tracked) == 4


def test_batchnorm_without_running_stats_always_uses_the_batch():
    bn = nn.BatchNorm1d(3, track_running_stats=False).double().eval()
    assert bn.running_mean is None and list(bn.state_dict()) == ["weight", "bias"]
    x = np.random.default_rng(0).standard_normal((6, 3))
    np.testing.assert_allclose(to_host(bn(ag.tensor(x))), (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-12)


def test_layernorm_and_groupnorm_formulas():
    x = np.random.default_rng(0).standard_normal((3, 4, 5))
    y = to_host(F.layer_norm(ag.tensor(x), (4, 5), eps=1e-3))
    m, v = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(y, (x - m) / np.sqrt(v + 1e-3), rtol=1e-12, atol=1e-12)
    y = to_host(F.group_norm(ag.tensor(x), 2))
    xg = x.reshape(3, 2, 10)
    expected = ((xg - xg.mean(2, keepdims=True)) / np.sqrt(xg.var(2, keepdims=True) + 1e-5)).reshape(x.shape)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


GRAD_CASES = [
    ("batch_norm train", lambda x, w, b: F.batch_norm(x, None, None, w, b, True), (4, 3, 2), 3),
    (
        "batch_norm eval",
        lambda x, w, b: F.batch_norm(
            x, ag.tensor([0.1, -0.2, 0.3], dtype=ag.float64), ag.tensor([1.5, 0.5, 2.0], dtype=ag.float64), w, b, False
        ),
        (4, 3, 2),
        3,
    ),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (3, 2), w.reshape(3, 2), b.reshape(3, 2)), (4, 3, 2), 6),
    ("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), (2, 4, 3), 4),
]


@pytest.mark.parametrize("name,fn,shape,c", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck_and_gradgradcheck(name, fn, shape, c):
    x, w, b = _t(*shape), _t(c, seed=1), _t(c, seed=2)
    assert ag.gradcheck(fn, (x, w, b))
    assert ag.gradgradcheck(fn, (x, w, b))


def test_parameters_buffers_and_defaults():
    bn = nn.BatchNorm2d(5)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert to_host(bn.weight.detach()).tolist() == [1.0] * 5 and to_host(bn.bias.detach()).tolist() == [0.0] * 5
    assert to_host(bn.running_var).tolist() == [1.0] * 5 and bn.num_batches_tracked.shape == ()
    bn.double()
    assert bn.running_mean.dtype == np.float64 and bn.num_batches_tracked.dtype == np.int64
    assert nn.BatchNorm1d(3, affine=False).weight is None
    ln = nn.LayerNorm([2, 3])
    assert ln.normalized_shape == (2, 3) and ln.weight.shape == (2, 3)
    assert nn.LayerNorm(4, elementwise_affine=False).weight is None
    gn = nn.GroupNorm(2, 4)
    assert gn.weight.shape == (4,)
    bn = nn.BatchNorm1d(2)
    bn(ag.randn(4, 2))
    bn.reset_running_stats()
    assert int(bn.num_batches_tracked) == 0 and to_host(bn.running_mean).tolist() == [0.0, 0.0]


def test_errors_name_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected input with 3 channels, got 4"):
        nn.BatchNorm2d(3)(ag.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D or 3D input, got 4D input"):
        nn.BatchNorm1d(3)(ag.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input, got 3D input"):
        nn.BatchNorm2d(3)(ag.randn(3, 4, 4))
    with pytest.raises(ValueError, match="expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(ag.randn(1, 3))
    with pytest.raises(RuntimeError, match=r"batch_norm: expected input with 3 channels, got 2"):
        F.batch_norm(ag.randn(4, 2), ag.zeros(3), ag.ones(3))
    with pytest.raises(
        RuntimeError, match=r"layer_norm: given normalized_shape=\[4\], expected input with shape \[\*, 4\]"
    ):
        nn.LayerNorm(4)(ag.randn(2, 3))
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"GroupNorm: expected input with 6 channels, got 4"):
        nn.GroupNorm(3, 6)(ag.randn(2, 4, 3))
    with pytest.raises(RuntimeError, match=r"group_norm: expected the number of channels \(5\) to be divisible"):
        F.group_norm(ag.randn(2, 5), 2)


def _model():
    return nn.Sequential(nn.BatchNorm2d(2), nn.GroupNorm(1, 2), nn.LayerNorm((3, 4)))


def _steps(model, device, xs):
    outs, grads = [], []
    for i, x in enumerate(xs):
        model.train(i < len(xs) - 1)
        xt = ag.tensor(x, device=device, requires_grad=True)
        out = model(xt)
        (out * out).sum().backward()
        outs.append(out)
        grads.append(xt.grad)
    return outs, grads


def test_strict_device_training_and_eval_match_cpu():
    xs = [np.random.default_rng(i).standard_normal((3, 2, 3, 4)) for i in range(3)]
    cpu, strict = _model().double(), _model().double().to(STRICT)
    oc, gc = _steps(cpu, "cpu", xs)
    os_, gs = _steps(strict, STRICT, xs)
    for a, b in zip(os_ + gs, oc + gc):
        assert str(a.device) == STRICT
        np.testing.assert_allclose(to_host(a), to_host(b), rtol=1e-12, atol=1e-13)
    for (k, v), (_, w) in zip(strict.state_dict().items(), cpu.state_dict().items()):
        assert str(v.device) == STRICT
        np.testing.assert_allclose(to_host(v), to_host(w), rtol=1e-12, err_msg=k)


@pytest.mark.cuda
def test_cuda_matches_cpu():
    try:
        ag.get_device("cuda")
    except DeviceError as exc:
        pytest.skip(f"no usable GPU: {exc}")
    xs = [np.random.default_rng(i).standard_normal((3, 2, 3, 4)) for i in range(3)]
    cpu, gpu = _model().double(), _model().double().to("cuda")
    oc, gc = _steps(cpu, "cpu", xs)
    og, gg = _steps(gpu, "cuda", xs)
    for a, b in zip(og + gg, oc + gc):
        assert a.is_cuda
        np.testing.assert_allclose(to_host(a), to_host(b), rtol=1e-10, atol=1e-12)
    for (k, v), (_, w) in zip(gpu.state_dict().items(), cpu.state_dict().items()):
        np.testing.assert_allclose(to_host(v), to_host(w), rtol=1e-10, err_msg=k)


# ---------------------------------------------------------------------------- F.normalize
def test_normalize_formula_and_zero_vectors():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1e-14, 0.0]])
    out = to_host(F.normalize(ag.tensor(x)))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0], [1e-2, 0.0]])  # norm clamped to eps=1e-12
    y = np.random.default_rng(0).standard_normal((2, 3, 4))
    for p, dim in ((2.0, 1), (1.0, -1), (3.0, 0), (float("inf"), 2), (2.0, (1, 2))):
        got = to_host(F.normalize(ag.tensor(y), p=p, dim=dim))
        axes = dim if isinstance(dim, tuple) else (dim,)
        if p == float("inf"):
            n = np.abs(y).max(axis=axes, keepdims=True)
        else:
            n = (np.abs(y) ** p).sum(axis=axes, keepdims=True) ** (1 / p)
        np.testing.assert_allclose(got, y / np.maximum(n, 1e-12), rtol=1e-12)


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1), (2.0, (0, 1))])
def test_normalize_gradcheck_and_gradgradcheck(p, dim):
    x = _t(3, 4, seed=1)
    fn = lambda t: F.normalize(t, p=p, dim=dim)  # noqa: E731
    assert ag.gradcheck(fn, (x,)) and ag.gradgradcheck(fn, (x,))


def test_normalize_on_the_strict_device_matches_cpu():
    x = np.random.default_rng(2).standard_normal((3, 5))
    a, b = ag.tensor(x, requires_grad=True), ag.tensor(x, device=STRICT, requires_grad=True)
    ya, yb = F.normalize(a), F.normalize(b, eps=1e-12)
    assert str(yb.device) == STRICT
    np.testing.assert_allclose(to_host(yb), to_host(ya), rtol=1e-12)
    (ya * ya[0:1]).sum().backward()
    (yb * yb[0:1]).sum().backward()
    np.testing.assert_allclose(to_host(b.grad), to_host(a.grad), rtol=1e-12)
