"""Memory formats: channels-last layouts with PyTorch's strides, unchanged values, and ops
(a convolution and its gradients) that work on them."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F

SHAPES_4D = [(2, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1), (1, 3, 4, 5)]


def _array(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _torch_format(torch, fmt):
    return getattr(torch, fmt.name)


def test_formats_print_as_pytorch():
    assert [repr(f) for f in (ag.contiguous_format, ag.channels_last, ag.channels_last_3d, ag.preserve_format)] == [
        "torch.contiguous_format", "torch.channels_last", "torch.channels_last_3d", "torch.preserve_format"]
    assert copy.deepcopy(ag.channels_last) is ag.channels_last


@pytest.mark.parametrize("shape", SHAPES_4D + [(2, 3, 4, 5, 6)])
def test_strides_and_flags_vs_torch(shape):
    torch = pytest.importorskip("torch")
    a = _array(shape)
    fmt = ag.channels_last if len(shape) == 4 else ag.channels_last_3d
    ours, theirs = ag.tensor(a).to(memory_format=fmt), torch.tensor(a).to(memory_format=_torch_format(torch, fmt))
    assert ours.shape == theirs.shape and ours.stride() == theirs.stride()
    np.testing.assert_array_equal(ours.numpy(), a)
    for f in (ag.contiguous_format, ag.channels_last, ag.channels_last_3d, ag.preserve_format):
        assert ours.is_contiguous(memory_format=f) == theirs.is_contiguous(memory_format=_torch_format(torch, f))
    assert ours.is_contiguous() == theirs.is_contiguous()
    back = ours.contiguous()
    assert back.stride() == theirs.contiguous().stride()
    np.testing.assert_array_equal(back.numpy(), a)
    # Layout-keeping ops, as in PyTorch: clone (preserve), *_like, elementwise math, a dtype change.
    assert ours.clone().stride() == theirs.clone().stride()
    assert ag.clone(ours, memory_format=ag.contiguous_format).stride() == theirs.clone(
        memory_format=torch.contiguous_format).stride()
    for like in ("zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"):
        assert getattr(ag, like)(ours).stride() == getattr(torch, like)(theirs).stride()
    assert ag.full_like(ours, 2.0).stride() == torch.full_like(theirs, 2.0).stride()
    if 1 not in shape:  # (NumPy's ufuncs give size-1 dims C strides: they lay out no memory either way)
        assert (ours + 1).stride() == (theirs + 1).stride()
        assert ours.to(ag.float64).stride() == theirs.to(torch.float64).stride()


def test_returns_self_when_already_laid_out():
    x = ag.tensor(_array((2, 3, 4, 5)))
    xc = x.to(memory_format=ag.channels_last)
    assert xc.to(memory_format=ag.channels_last) is xc
    assert xc.contiguous(memory_format=ag.channels_last) is xc
    assert x.to(memory_format=ag.preserve_format) is x and x.contiguous() is x
    assert xc.clone(memory_format=ag.channels_last) is not xc


def test_explicit_formats_in_factories_and_to():
    torch = pytest.importorskip("torch")
    a = _array((2, 3, 4, 5))
    x, t = ag.tensor(a), torch.tensor(a)
    assert ag.zeros_like(x, memory_format=ag.channels_last).stride() == torch.zeros_like(
        t, memory_format=torch.channels_last).stride()
    xc, tc = x.to(memory_format=ag.channels_last), t.to(memory_format=torch.channels_last)
    assert ag.ones_like(xc, memory_format=ag.contiguous_format).stride() == torch.ones_like(
        tc, memory_format=torch.contiguous_format).stride()
    assert x.to(ag.float64, memory_format=ag.channels_last).stride() == t.to(
        torch.float64, memory_format=torch.channels_last).stride()
    assert x.contiguous(memory_format=ag.channels_last).stride() == t.contiguous(
        memory_format=torch.channels_last).stride()


def test_errors_as_pytorch():
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last format"):
        ag.ones(2, 3, 4).to(memory_format=ag.channels_last)
    with pytest.raises(RuntimeError, match="required rank 5 tensor to use channels_last_3d format"):
        ag.ones(2, 3, 4, 5).contiguous(memory_format=ag.channels_last_3d)
    with pytest.raises(RuntimeError, match="required rank 5"):
        ag.empty_like(ag.ones(2, 3, 4, 5), memory_format=ag.channels_last_3d)
    with pytest.raises(TypeError, match="must be torch.memory_format, not str"):
        ag.ones(2, 3, 4, 5).contiguous(memory_format="channels_last")
    with pytest.raises(RuntimeError, match="preserve memory format is unsupported"):
        ag.ones(2, 3, 4, 5).to(memory_format=ag.channels_last).contiguous(memory_format=ag.preserve_format)
    assert ag.ones(2, 3).is_contiguous(memory_format=ag.channels_last) is False


def test_conv_on_channels_last_input_vs_torch():
    torch = pytest.importorskip("torch")
    a, k = _array((2, 3, 6, 6)).astype(np.float64), _array((4, 3, 3, 3), 1).astype(np.float64)
    x = ag.tensor(a).to(memory_format=ag.channels_last).requires_grad_()
    w = ag.tensor(k, requires_grad=True)
    tx = torch.tensor(a).to(memory_format=torch.channels_last).requires_grad_()
    tw = torch.tensor(k, requires_grad=True)
    out, tout = F.conv2d(x, w, padding=1), torch.nn.functional.conv2d(tx, tw, padding=1)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_layout_change_is_differentiable():
    a = _array((1, 2, 3, 3)).astype(np.float64)
    assert ag.gradcheck(lambda t: t.to(memory_format=ag.channels_last) * 2.0, (ag.tensor(a, requires_grad=True),))
    assert ag.gradcheck(lambda t: t.contiguous(memory_format=ag.channels_last).contiguous().sin(),
                        (ag.tensor(a, requires_grad=True),))
    assert ag.gradgradcheck(lambda t: (t.to(memory_format=ag.channels_last) ** 2).sum(),
                            (ag.tensor(a, requires_grad=True),))


def test_module_to_channels_last_vs_torch():
    torch = pytest.importorskip("torch")
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4, 2)).to(memory_format=ag.channels_last)
    twin = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten(), torch.nn.Linear(4, 2)).to(
        memory_format=torch.channels_last)
    assert [p.stride() for p in model.parameters()] == [p.stride() for p in twin.parameters()]
    assert all(p.is_leaf and p.requires_grad for p in model.parameters())
    x = ag.tensor(_array((2, 3, 3, 3))).to(memory_format=ag.channels_last)
    model(x).sum().backward()
    assert model[0].weight.grad.shape == (4, 3, 3, 3)


@pytest.mark.cuda
def test_channels_last_on_cuda():
    if not ag.cuda.is_available():
        pytest.skip("no usable CUDA device")
    a = _array((2, 3, 4, 5))
    x = ag.tensor(a, device="cuda").to(memory_format=ag.channels_last)
    assert x.stride() == (60, 1, 15, 3) and x.is_contiguous(memory_format=ag.channels_last)
    np.testing.assert_array_equal(x.cpu().numpy(), a)
    assert ag.zeros_like(x).stride() == (60, 1, 15, 3)
