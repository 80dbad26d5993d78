"""F.interpolate's interpolating modes (linear, bilinear, bicubic, trilinear, area), nn.Upsample,
nn.UpsamplingBilinear2d and pixel (un)shuffle against PyTorch: values and input gradients,
float32 and float64; plus gradchecks and errors without PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host


def _check(ours_fn, torch_fn, x, dtype="float64"):
    torch = pytest.importorskip("torch")
    tol = {"rtol": 1e-12, "atol": 1e-12} if dtype == "float64" else {"rtol": 1e-5, "atol": 2e-6}
    x = x.astype(dtype)
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours_fn(xo), torch_fn(xt)
    assert yo.shape == tuple(yt.shape) and yo.dtype == x.dtype
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **tol)
    g = np.random.default_rng(1).standard_normal(yo.shape).astype(dtype)
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **tol)


CASES = [
    ((2, 3, 5, 7), dict(scale_factor=2, mode="bilinear")),
    ((2, 3, 5, 7), dict(scale_factor=2, mode="bilinear", align_corners=True)),
    ((2, 3, 5, 7), dict(size=(9, 4), mode="bilinear", align_corners=True)),
    ((2, 3, 5, 7), dict(size=(9, 4), mode="bilinear")),
    ((2, 3, 8, 7), dict(scale_factor=0.5, mode="bilinear")),
    ((2, 3, 5, 7), dict(scale_factor=(1.7, 0.6), mode="bilinear")),
    ((2, 3, 5, 7), dict(scale_factor=1.5, mode="bilinear", recompute_scale_factor=True)),
    ((2, 3, 5, 7), dict(size=(1, 1), mode="bilinear", align_corners=True)),
    ((2, 3, 6), dict(scale_factor=3, mode="linear")),
    ((2, 3, 6), dict(size=4, mode="linear", align_corners=True)),
    ((1, 2, 3, 4, 5), dict(size=(5, 2, 7), mode="trilinear")),
    ((2, 3, 5, 7), dict(scale_factor=2, mode="bicubic")),
    ((2, 3, 5, 7), dict(size=(3, 11), mode="bicubic", align_corners=True)),
    ((2, 3, 8, 7), dict(scale_factor=0.5, mode="bicubic")),
    ((2, 3, 8, 7), dict(size=(3, 5), mode="area")),
    ((2, 3, 8), dict(size=3, mode="area")),
]


@pytest.mark.parametrize("shape,kw", CASES, ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_interpolate_matches_torch(shape, kw, dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    _check(lambda t: F.interpolate(t, **kw), lambda t: torch.nn.functional.interpolate(t, **kw), x, dtype)


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 6), w=st.integers(1, 6), oh=st.integers(1, 9), ow=st.integers(1, 9),
       align=st.booleans(), mode=st.sampled_from(["bilinear", "bicubic"]))
def test_interpolate_any_size_matches_torch(h, w, oh, ow, align, mode):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(h * 10 + w).standard_normal((1, 2, h, w))
    kw = dict(size=(oh, ow), mode=mode, align_corners=align)
    _check(lambda t: F.interpolate(t, **kw), lambda t: torch.nn.functional.interpolate(t, **kw), x)


@pytest.mark.parametrize("kw", [dict(scale_factor=2, mode="bilinear"), dict(size=(3, 4), mode="bicubic"),
                                dict(scale_factor=2.0, mode="bilinear", align_corners=True)], ids=str)
def test_upsample_modules_match_torch(kw):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    assert repr(nn.Upsample(**kw)) == repr(torch.nn.Upsample(**kw))
    _check(nn.Upsample(**kw), torch.nn.Upsample(**kw), x)
    ours, theirs = nn.UpsamplingBilinear2d(scale_factor=2), torch.nn.UpsamplingBilinear2d(scale_factor=2)
    assert repr(ours) == repr(theirs)
    _check(ours, theirs, x)


@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((9, 2, 2), 3), ((2, 2, 9, 2, 3), 3)])
def test_pixel_shuffle_matches_torch(shape, r):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    _check(nn.PixelShuffle(r), torch.nn.PixelShuffle(r), x)
    assert repr(nn.PixelShuffle(r)) == repr(torch.nn.PixelShuffle(r))
    y = torch.nn.PixelShuffle(r)(torch.tensor(x)).numpy()
    _check(nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r), y)
    np.testing.assert_array_equal(to_host(F.pixel_unshuffle(F.pixel_shuffle(ag.tensor(x), r), r)), x)


def test_interpolate_linear_modes_gradcheck():
    x = ag.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4)), requires_grad=True)
    for kw in (dict(scale_factor=2, mode="bilinear"), dict(size=(5, 3), mode="bicubic", align_corners=True)):
        assert ag.gradcheck(lambda t, kw=kw: F.interpolate(t, **kw), (x,))
        assert ag.gradgradcheck(lambda t, kw=kw: F.interpolate(t, **kw), (x,))


def test_interpolate_linear_values_and_errors():
    x = ag.arange(3.0).reshape(1, 1, 3)
    assert to_host(F.interpolate(x, size=5, mode="linear", align_corners=True)).tolist() == [[[0, 0.5, 1, 1.5, 2]]]
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        F.interpolate(x, scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(x, scale_factor=2, mode="nearest", align_corners=True)
    with pytest.raises(NotImplementedError, match="lanczos"):
        F.interpolate(x, scale_factor=2, mode="lanczos")
    with pytest.raises(ValueError, match="antialias=True is restricted to the bilinear and bicubic modes"):
        F.interpolate(x.reshape(1, 1, 1, 3), scale_factor=0.5, mode="nearest", antialias=True)
    with pytest.raises(TypeError, match="floating point"):
        F.interpolate(ag.arange(3).reshape(1, 1, 3), scale_factor=2, mode="linear")
    with pytest.raises(RuntimeError, match="divisible"):
        F.pixel_shuffle(ag.zeros(1, 3, 2, 2), 2)


def test_new_layers_run_on_the_strict_device():
    from tests.helpers.strict_backend import DEVICE as STRICT

    x = ag.tensor(np.random.default_rng(0).standard_normal((2, 4, 3, 4)), device=STRICT, requires_grad=True)
    outs = [
        F.interpolate(x, scale_factor=2, mode="bilinear"),
        F.interpolate(x, size=(5, 3), mode="bicubic", align_corners=True),
        F.interpolate(x, size=(2, 2), mode="area"),
        F.pixel_shuffle(x, 2),
        nn.InstanceNorm2d(4, affine=True, track_running_stats=True).to(STRICT)(x),
        nn.RMSNorm(4).to(STRICT)(x),
        nn.ReflectionPad2d(1)(x),
    ]
    sum(o.sum() for o in outs).backward()
    assert str(x.grad.device) == STRICT
    host = ag.tensor(to_host(x.detach()), requires_grad=True)
    ref = [F.interpolate(host, scale_factor=2, mode="bilinear"), F.interpolate(host, size=(5, 3), mode="bicubic",
                                                                               align_corners=True)]
    for o, r in zip(outs[:2], ref):
        np.testing.assert_allclose(to_host(o), to_host(r), rtol=1e-14)
