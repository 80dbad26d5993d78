"""Convolutions and F.pad without PyTorch: a direct NumPy reference, gradchecks (first and second
order, float64, small sizes), shapes, errors, and the strict and cuda devices."""

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


def conv2d_reference(x, w, b, stride, padding, dilation, groups):
    """The definition, one output element at a time (slow, obviously right)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0], padding[0]), (padding[1], padding[1])))
    oh = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for oc in range(o):
        g = oc // og
        for i in range(oh):
            for j in range(ow):
                patch = xp[
                    :,
                    g * cg : (g + 1) * cg,
                    i * stride[0] : i * stride[0] + dilation[0] * (kh - 1) + 1 : dilation[0],
                    j * stride[1] : j * stride[1] + dilation[1] * (kw - 1) + 1 : dilation[1],
                ]
                out[:, oc, i, j] = (patch * w[oc]).sum((1, 2, 3)) + (b[oc] if b is not None else 0)
    return out


@pytest.mark.parametrize(
    "stride,padding,dilation,groups",
    [
        ((1, 1), (0, 0), (1, 1), 1),
        ((2, 1), (1, 2), (1, 2), 1),
        ((1, 2), (2, 0), (2, 1), 2),
        ((1, 1), (1, 1), (1, 1), 4),
    ],
)
def test_conv2d_matches_the_definition(stride, padding, dilation, groups):
    x, w, b = _t(2, 4, 7, 6).detach(), _t(4, 4 // groups, 3, 2, seed=1).detach(), _t(4, seed=2).detach()
    out = F.conv2d(x, w, b, stride, padding, dilation, groups)
    expected = conv2d_reference(to_host(x), to_host(w), to_host(b), stride, padding, dilation, groups)
    np.testing.assert_allclose(to_host(out), expected, rtol=1e-12, atol=1e-12)


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    # <conv(x, w), y> == <x, conv_transpose(y, w)> for the same geometry: the defining property.
    for stride, padding, dilation, groups in [(1, 0, 1, 1), (2, 1, 1, 1), (3, 2, 2, 2)]:
        x, w = _t(2, 4, 9, 8).detach(), _t(6, 4 // groups, 3, 3, seed=1).detach()
        y = F.conv2d(x, w, None, stride, padding, dilation, groups)
        v = _t(*y.shape, seed=3).detach()
        extra = tuple(s - ((o - 1) * stride - 2 * padding + dilation * 2 + 1) for s, o in zip(x.shape[2:], y.shape[2:]))
        back = F.conv_transpose2d(v, w, None, stride, padding, extra, groups, dilation)
        assert back.shape == x.shape
        np.testing.assert_allclose(float((y * v).sum()), float((x * back).sum()), rtol=1e-10)


GRAD_CASES = [  # name, fn, input shape, weight shape, bias size
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), (1, 2, 5, 4), (3, 2, 3, 2), 3),
    (
        "conv2d same dilated",
        lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=2),
        (1, 2, 5, 5),
        (3, 2, 2, 2),
        3,
    ),
    ("conv2d groups", lambda x, w, b: F.conv2d(x, w, b, padding=(1, 0), groups=2), (2, 4, 4, 3), (4, 2, 2, 2), 4),
    ("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=2, dilation=2), (2, 2, 7), (3, 2, 3), 3),
    ("conv2d one position", lambda x, w, b: F.conv2d(x, w, b), (2, 2, 3, 2), (4, 2, 3, 2), 4),
    (
        "conv2d rows layout",
        lambda x, w, b: F.conv2d(x, w, b, padding=1, dilation=(1, 2)),
        (2, 2, 3, 3),
        (8, 2, 2, 2),
        8,
    ),
    ("conv1d rows layout", lambda x, w, b: F.conv1d(x, w, b, stride=2), (2, 2, 5), (4, 2, 3), 4),
    ("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1), (1, 2, 3, 3), (2, 3, 3, 3), 3),
    (
        "conv_transpose2d groups",
        lambda x, w, b: F.conv_transpose2d(x, w, b, (1, 2), 0, (0, 1), 2, (2, 1)),
        (1, 4, 3, 2),
        (4, 1, 2, 2),
        2,
    ),
    ("conv_transpose1d", lambda x, w, b: F.conv_transpose1d(x, w, b, stride=3, padding=1), (2, 2, 4), (2, 3, 3), 3),
]


@pytest.mark.parametrize("name,fn,xs,ws,bs", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck_and_gradgradcheck(name, fn, xs, ws, bs):
    x, w, b = _t(*xs), _t(*ws, seed=1), _t(bs, seed=2)
    assert ag.gradcheck(fn, (x, w, b))
    assert ag.gradgradcheck(fn, (x, w, b))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_modes_values_and_gradcheck(mode):
    x = _t(1, 2, 3, 4)
    out = F.pad(x, (2, 1, 1, 2), mode=mode)
    expected = np.pad(
        to_host(x),
        ((0, 0), (0, 0), (1, 2), (2, 1)),
        mode={"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode],
    )
    np.testing.assert_allclose(to_host(out), expected, rtol=0, atol=0)
    assert ag.gradcheck(lambda t: F.pad(t, (2, 1, 1, 2), mode=mode), (x,))
    assert ag.gradgradcheck(lambda t: F.pad(t, (2, 1, 1, 2), mode=mode), (x,))


def test_pad_errors():
    x = _t(1, 2, 3)
    with pytest.raises(NotImplementedError, match="pad: mode 'symmetric'"):
        F.pad(x, (1, 1), mode="symmetric")
    with pytest.raises(ValueError, match="reflect padding .* smaller than the dim's size 3"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="even length"):
        F.pad(x, (1, 1, 1))


def test_output_shapes_and_parameter_layout():
    ag.manual_seed(0)
    m = nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding="valid", dilation=(1, 2), groups=1, bias=False)
    assert m.weight.shape == (8, 3, 3, 5) and m.bias is None
    assert list(m.state_dict()) == ["weight"]
    assert m(ag.randn(2, 3, 11, 20)).shape == (2, 8, 5, 12)
    m = nn.Conv2d(4, 6, 4, padding="same", groups=2)
    assert m.weight.shape == (6, 2, 4, 4)
    assert m(ag.randn(1, 4, 7, 6)).shape == (1, 6, 7, 6)
    t = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    assert t.weight.shape == (4, 3, 3, 3)
    assert t(ag.randn(2, 4, 5, 5)).shape == (2, 6, 10, 10)
    assert nn.Conv1d(2, 3, 3, stride=2)(ag.randn(2, 9)).shape == (3, 4)  # unbatched
    assert nn.ConvTranspose1d(2, 3, 4, stride=2)(ag.randn(1, 2, 5)).shape == (1, 3, 12)


def test_module_dtype_and_double():
    m = nn.Conv2d(2, 3, 3)
    assert m.weight.dtype == np.float32
    m.double()
    assert m(ag.randn(1, 2, 5, 5, dtype=ag.float64)).dtype == np.float64


def test_errors_name_the_layer_and_the_shapes():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(RuntimeError, match=r"conv2d: expected input with 3 channels, got 4"):
        conv(ag.randn(2, 4, 8, 8))
    with pytest.raises(
        RuntimeError, match=r"conv2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input, got shape \(8, 8\)"
    ):
        conv(ag.randn(8, 8))
    with pytest.raises(
        RuntimeError, match=r"kernel size \(3, 3\) \(dilated\) can't be greater than the padded input size \(2, 5\)"
    ):
        conv(ag.randn(1, 3, 2, 5))
    with pytest.raises(RuntimeError, match=r"kernel size \(5, 5\) \(dilated\)"):
        nn.Conv2d(3, 8, 3, dilation=2)(ag.randn(1, 3, 4, 4))
    with pytest.raises(ValueError, match=r"in_channels \(3\) must be divisible by groups \(2\)"):
        nn.Conv2d(3, 8, 3, groups=2)
    with pytest.raises(ValueError, match=r"out_channels \(5\) must be divisible by groups \(2\)"):
        nn.Conv2d(4, 5, 3, groups=2)
    with pytest.raises(RuntimeError, match=r"out_channels 5 .* not divisible by groups=2"):
        F.conv2d(ag.randn(1, 4, 5, 5), ag.randn(5, 2, 3, 3), groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(3, 8, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 8, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="invalid padding string 'full'"):
        nn.Conv1d(3, 8, 3, padding="full")
    with pytest.raises(ValueError, match="output_padding .* must be smaller than either stride"):
        nn.ConvTranspose2d(3, 8, 3, stride=2, output_padding=2)
    with pytest.raises(TypeError, match=r"conv2d: input \(float32\), weight \(float64\)"):
        F.conv2d(ag.randn(1, 3, 5, 5), ag.randn(2, 3, 3, 3, dtype=ag.float64))
    with pytest.raises(RuntimeError, match=r"expected bias of shape \(2,\), got \(3,\)"):
        F.conv2d(ag.randn(1, 3, 5, 5), ag.randn(2, 3, 3, 3), ag.randn(3))
    with pytest.raises(RuntimeError, match=r"conv_transpose2d: expected input with 4 channels, got 3"):
        nn.ConvTranspose2d(4, 2, 3)(ag.randn(1, 3, 5, 5))


def test_state_dict_round_trip_gives_the_same_outputs():
    a, b = nn.Conv2d(2, 4, 3, padding=1), nn.Conv2d(2, 4, 3, padding=1)
    b.load_state_dict({k: to_host(v) for k, v in a.state_dict().items()})
    x = ag.randn(1, 2, 5, 5)
    np.testing.assert_array_equal(to_host(a(x)), to_host(b(x)))


def _model():
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, groups=2),
        nn.Conv2d(4, 3, 2, stride=2, padding=1, padding_mode="reflect"),
        nn.ConvTranspose2d(3, 2, 3, stride=2, output_padding=1),
        nn.Conv2d(2, 8, 5, stride=3),  # 2x2 output positions: the windows-as-rows layout
    )


def _forward_backward(model, device, x):
    xt = ag.tensor(x, device=device, requires_grad=True)
    out = model(xt)
    (out * out).sum().backward()
    return out, xt


def test_strict_device_forward_and_backward_match_cpu():
    ag.manual_seed(0)
    cpu = _model().double()
    strict = _model().double()
    strict.load_state_dict({k: to_host(v) for k, v in cpu.state_dict().items()})
    strict.to(STRICT)
    x = np.random.default_rng(0).standard_normal((2, 2, 6, 5))
    out_c, x_c = _forward_backward(cpu, "cpu", x)
    out_s, x_s = _forward_backward(strict, STRICT, x)
    assert str(out_s.device) == STRICT and str(x_s.grad.device) == STRICT
    np.testing.assert_allclose(to_host(out_s), to_host(out_c), rtol=1e-12)
    np.testing.assert_allclose(to_host(x_s.grad), to_host(x_c.grad), rtol=1e-12)
    for p, q in zip(strict.parameters(), cpu.parameters()):
        assert str(p.grad.device) == STRICT
        np.testing.assert_allclose(to_host(p.grad), to_host(q.grad), rtol=1e-12)
    y = F.pad(ag.tensor(x, device=STRICT), (1, 2, 2, 1), mode="circular")
    np.testing.assert_array_equal(to_host(y), to_host(F.pad(ag.tensor(x), (1, 2, 2, 1), mode="circular")))


@pytest.mark.cuda
def test_cuda_matches_cpu():
    try:
        ag.get_device("cuda")
    except DeviceError as exc:
        pytest.skip(f"no usable GPU: {exc}")
    ag.manual_seed(0)
    cpu, gpu = _model().double(), _model().double()
    gpu.load_state_dict({k: to_host(v) for k, v in cpu.state_dict().items()})
    gpu.to("cuda")
    x = np.random.default_rng(0).standard_normal((2, 2, 6, 5))
    out_c, x_c = _forward_backward(cpu, "cpu", x)
    out_g, x_g = _forward_backward(gpu, "cuda", x)
    assert out_g.is_cuda and x_g.grad.is_cuda
    np.testing.assert_allclose(to_host(out_g), to_host(out_c), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_host(x_g.grad), to_host(x_c.grad), rtol=1e-10, atol=1e-12)
    for p, q in zip(gpu.parameters(), cpu.parameters()):
        assert p.grad.is_cuda
        np.testing.assert_allclose(to_host(p.grad), to_host(q.grad), rtol=1e-10, atol=1e-12)
