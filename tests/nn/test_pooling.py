"""Pooling and nearest upsampling without PyTorch: direct NumPy references, gradchecks (float64,
small sizes), the first-maximum gradient rule, errors, and the strict and cuda devices."""

from __future__ import annotations

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


def _t(*shape, seed=0, requires_grad=True):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=requires_grad)


def max_pool2d_reference(x, k, s, p, d):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf)
    oh, ow = (h + 2 * p - d * (k - 1) - 1) // s + 1, (w + 2 * p - d * (k - 1) - 1) // s + 1
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = xp[:, :, i * s : i * s + d * (k - 1) + 1 : d, j * s : j * s + d * (k - 1) + 1 : d].max(
                (2, 3)
            )
    return out


@given(
    k=st.integers(1, 3),
    s=st.integers(1, 3),
    d=st.integers(1, 2),
    h=st.integers(5, 8),
    w=st.integers(5, 8),
    data=st.data(),
)
def test_max_pool2d_matches_the_definition(k, s, d, h, w, data):
    p = data.draw(st.integers(0, (d * (k - 1) + 1) // 2))
    x = np.random.default_rng(h * w).standard_normal((2, 2, h, w))
    out = F.max_pool2d(ag.tensor(x), k, s, p, d)
    np.testing.assert_array_equal(to_host(out), max_pool2d_reference(x, k, s, p, d))


def test_avg_pool2d_divisors():
    x = ag.ones(1, 1, 4, 4)
    # count_include_pad: corners average 4 ones over 9 cells; without it, over the 4 real cells.
    inc = to_host(F.avg_pool2d(x, 3, stride=1, padding=1))
    exc = to_host(F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False))
    assert inc[0, 0, 0, 0] == pytest.approx(4 / 9) and inc[0, 0, 1, 1] == 1.0
    np.testing.assert_allclose(exc, np.ones((1, 1, 4, 4)), rtol=1e-7)
    assert to_host(F.avg_pool2d(x, 2, divisor_override=1)).tolist() == [[[[4.0, 4.0], [4.0, 4.0]]]]


def test_first_maximum_gets_the_whole_gradient():
    x = ag.tensor([[[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 0.0, 0.0]]]], requires_grad=True)
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    out.sum().backward()
    assert to_host(out).tolist() == [[[[3.0, 3.0]]]]
    assert to_host(idx).tolist() == [[[[1, 2]]]]
    assert to_host(x.grad).tolist() == [[[[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]


def test_adaptive_avg_pool_window_bounds():
    # Window i covers [floor(i*L/out), ceil((i+1)*L/out)): for L=5, out=3 that is [0,2), [1,4), [3,5).
    x = ag.arange(5.0).reshape(1, 1, 5)
    assert to_host(F.adaptive_avg_pool1d(x, 3)).tolist() == [[[0.5, 2.0, 3.5]]]
    y = F.adaptive_avg_pool2d(ag.arange(20.0).reshape(1, 1, 4, 5), (None, 3))
    assert y.shape == (1, 1, 4, 3)


def test_interpolate_nearest_indices():
    x = ag.arange(4.0).reshape(1, 1, 4)
    assert to_host(F.interpolate(x, size=6)).tolist() == [[[0.0, 0.0, 1.0, 2.0, 2.0, 3.0]]]
    assert to_host(F.interpolate(x, scale_factor=0.5)).tolist() == [[[0.0, 2.0]]]
    assert to_host(F.interpolate(x, scale_factor=2)).tolist() == [[[0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0]]]


GRAD_CASES = [
    ("max_pool2d", lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), (1, 2, 5, 6)),
    ("max_pool2d dilated", lambda x: F.max_pool2d(x, 2, 1, 1, dilation=2), (1, 2, 4, 5)),
    ("max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1), (2, 2, 7)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (1, 2, 5, 6)),
    ("avg_pool2d divisor", lambda x: F.avg_pool2d(x, 2, divisor_override=3), (1, 2, 4, 4)),
    ("avg_pool1d", lambda x: F.avg_pool1d(x, 2, 1, 1), (2, 2, 5)),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), (1, 2, 5, 6)),
    ("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 3), (2, 2, 7)),
    ("interpolate", lambda x: F.interpolate(x, size=(5, 7)), (1, 2, 3, 4)),
    ("interpolate x2", lambda x: F.interpolate(x, scale_factor=2), (1, 2, 3, 2)),
]


@pytest.mark.parametrize("name,fn,shape", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck_and_gradgradcheck(name, fn, shape):
    x = _t(*shape)
    assert ag.gradcheck(fn, (x,))
    assert ag.gradgradcheck(fn, (x,))


def test_modules_and_defaults():
    m = nn.MaxPool2d(3)
    assert m.stride == 3 and m.padding == 0 and m.dilation == 1 and not m.ceil_mode
    assert m(ag.randn(1, 2, 9, 10)).shape == (1, 2, 3, 3)
    out, idx = nn.MaxPool2d(2, return_indices=True)(ag.randn(2, 3, 4, 4))
    assert out.shape == idx.shape == (2, 3, 2, 2)
    assert nn.AvgPool2d(2, ceil_mode=True)(ag.randn(1, 1, 5, 5)).shape == (1, 1, 3, 3)
    assert nn.AvgPool1d(3, 1, 1)(ag.randn(2, 4, 6)).shape == (2, 4, 6)
    assert nn.AdaptiveAvgPool2d(1)(ag.randn(2, 4, 3, 5)).shape == (2, 4, 1, 1)
    assert nn.Upsample(scale_factor=(2, 1))(ag.randn(1, 1, 3, 4)).shape == (1, 1, 6, 4)
    assert nn.MaxPool2d(2)(ag.randn(2, 6, 6)).shape == (2, 3, 3)  # unbatched
    assert list(nn.MaxPool2d(2).state_dict()) == []


def test_errors_name_the_op_and_the_shapes():
    with pytest.raises(RuntimeError, match=r"max_pool2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input"):
        F.max_pool2d(ag.randn(5, 5), 2)
    with pytest.raises(ValueError, match="max_pool2d: padding should be at most half of the effective kernel size"):
        F.max_pool2d(ag.randn(1, 1, 5, 5), 2, padding=2)
    with pytest.raises(
        RuntimeError, match=r"avg_pool2d: input of shape \(1, 1, 2, 2\) is too small for kernel_size=\(3, 3\)"
    ):
        F.avg_pool2d(ag.randn(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match="stride must be positive"):
        F.max_pool2d(ag.randn(1, 1, 4, 4), 2, stride=0)
    with pytest.raises(ValueError, match="divisor_override must be a non-zero int"):
        F.avg_pool2d(ag.randn(1, 1, 4, 4), 2, divisor_override=0)
    with pytest.raises(ValueError, match="adaptive_avg_pool2d: output_size must be positive"):
        F.adaptive_avg_pool2d(ag.randn(1, 1, 4, 4), 0)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(ag.randn(1, 1, 4, 4))
    with pytest.raises(TypeError, match="max_pool2d: expected a floating-point input"):
        F.max_pool2d(ag.ones(1, 1, 4, 4, dtype=ag.int64), 2)


def _model():
    return nn.Sequential(
        nn.MaxPool2d(3, 2, 1, ceil_mode=True),
        nn.Upsample(scale_factor=2),
        nn.AvgPool2d(3, 1, 1, count_include_pad=False),
        nn.AdaptiveAvgPool2d((3, 2)),
        nn.Upsample(size=(4, 5)),
    )


def _forward_backward(device, x):
    xt = ag.tensor(x, device=device, requires_grad=True)
    out = _model()(xt)
    (out * out).sum().backward()
    out2, idx = F.max_pool1d(xt[:, :, 0], 2, return_indices=True)
    return out, xt, out2, idx


def test_strict_device_forward_and_backward_match_cpu():
    x = np.random.default_rng(0).standard_normal((2, 2, 7, 6))
    out_c, x_c, o2_c, i_c = _forward_backward("cpu", x)
    out_s, x_s, o2_s, i_s = _forward_backward(STRICT, x)
    assert str(out_s.device) == STRICT and str(x_s.grad.device) == STRICT and str(i_s.device) == STRICT
    np.testing.assert_allclose(to_host(out_s), to_host(out_c), rtol=1e-12)
    np.testing.assert_allclose(to_host(x_s.grad), to_host(x_c.grad), rtol=1e-12)
    np.testing.assert_array_equal(to_host(o2_s), to_host(o2_c))
    np.testing.assert_array_equal(to_host(i_s), to_host(i_c))


@pytest.mark.cuda
def test_cuda_matches_cpu():
    try:
        ag.get_device("cuda")
    except DeviceError as exc:
        pytest.skip(f"no usable GPU: {exc}")
    x = np.random.default_rng(0).standard_normal((2, 2, 7, 6))
    out_c, x_c, o2_c, i_c = _forward_backward("cpu", x)
    out_g, x_g, o2_g, i_g = _forward_backward("cuda", x)
    assert out_g.is_cuda and x_g.grad.is_cuda
    np.testing.assert_allclose(to_host(out_g), to_host(out_c), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_host(x_g.grad), to_host(x_c.grad), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(to_host(i_g), to_host(i_c))
