"""3-D pooling (max, average, adaptive, power-average, unpooling) and interpolate's 'area' on 5-D input,
'nearest-exact' and antialias=True, against PyTorch (float64: outputs, indices, input gradients), gradcheck,
reprs, errors, and the strict device."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOL = {"rtol": 1e-12, "atol": 1e-13}


def _input(*shape, seed=0, ties=False):
    x = np.random.default_rng(seed).standard_normal(shape)
    if ties:  # plateaus of equal values, where "the first maximum" matters
        x = np.round(x * 2) / 2
    return x


def check(ours_fn, torch_fn, x, seed=0, tol=TOL):
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours_fn(xo), torch_fn(xt)
    if isinstance(yt, tuple):
        (yo, io), (yt, it) = yo, yt
        assert io.dtype == np.int64
        np.testing.assert_array_equal(to_host(io), it.numpy())
    assert yo.shape == tuple(yt.shape)
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **tol)
    g = np.random.default_rng(seed + 7).standard_normal(yo.shape)
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **tol)


MAX3D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1),
    dict(kernel_size=(1, 3, 2), stride=2, padding=(0, 1, 1)),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3, 2), stride=(3, 2, 1), ceil_mode=True),
    dict(kernel_size=2, stride=2, dilation=(2, 1, 2), padding=1),
    dict(kernel_size=2, stride=1, return_indices=True),
    dict(kernel_size=3, stride=2, padding=1, dilation=(1, 2, 1), ceil_mode=True, return_indices=True),
]


@pytest.mark.parametrize("kw", MAX3D, ids=str)
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool3d_matches_torch_including_ties(kw, ties):
    x = _input(2, 3, 5, 7, 6, ties=ties)
    check(lambda t: F.max_pool3d(t, **kw), lambda t: TF.max_pool3d(t, **kw), x)
    check(lambda t: nn.MaxPool3d(**kw)(t), lambda t: torch.nn.MaxPool3d(**kw)(t), x[0])  # unbatched


def test_max_pool3d_non_finite_inputs_match_torch():
    x = _input(1, 2, 4, 4, 4)
    x[0, 0, 1, 1, 1], x[0, 1, 2, 0, 3], x[0, 1, 0, 0, 0] = np.inf, -np.inf, np.nan
    kw = dict(kernel_size=2, padding=1, return_indices=True)
    check(lambda t: F.max_pool3d(t, **kw), lambda t: TF.max_pool3d(t, **kw), x, tol={"equal_nan": True, **TOL})


AVG3D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=(3, 2, 3), stride=2, padding=(1, 0, 1), ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), divisor_override=5),
]


@pytest.mark.parametrize("kw", AVG3D, ids=str)
def test_avg_pool3d_matches_torch(kw):
    x = _input(2, 3, 5, 7, 6)
    check(lambda t: F.avg_pool3d(t, **kw), lambda t: TF.avg_pool3d(t, **kw), x)
    check(lambda t: nn.AvgPool3d(**kw)(t), lambda t: torch.nn.AvgPool3d(**kw)(t), x[1])  # unbatched


@pytest.mark.parametrize("size", [1, 2, (3, None, 2), (4, 5, 7), (2, 3, 4)], ids=str)
def test_adaptive_pool3d_matches_torch(size):
    x = _input(2, 3, 5, 7, 6, ties=True)
    check(lambda t: F.adaptive_avg_pool3d(t, size), lambda t: TF.adaptive_avg_pool3d(t, size), x)
    check(lambda t: nn.AdaptiveAvgPool3d(size)(t), lambda t: torch.nn.AdaptiveAvgPool3d(size)(t), x[0])
    check(lambda t: F.adaptive_max_pool3d(t, size, True), lambda t: TF.adaptive_max_pool3d(t, size, True), x)
    check(lambda t: nn.AdaptiveMaxPool3d(size)(t), lambda t: torch.nn.AdaptiveMaxPool3d(size)(t), x[1])


@pytest.mark.parametrize("p,kw", [(2, dict(kernel_size=2)), (3.0, dict(kernel_size=(1, 2, 3), stride=1)),
                                  (1, dict(kernel_size=3, stride=2, ceil_mode=True))], ids=str)
def test_lp_pool3d_matches_torch(p, kw):
    x = np.abs(_input(2, 2, 5, 6, 7)) + 0.1  # fractional powers of positive values, as LPPool is meant for
    check(lambda t: F.lp_pool3d(t, p, **kw), lambda t: TF.lp_pool3d(t, p, **kw), x)
    check(lambda t: nn.LPPool3d(p, **kw)(t), lambda t: torch.nn.LPPool3d(p, **kw)(t), x)


def test_max_unpool3d_matches_torch():
    x = _input(2, 3, 4, 6, 5)
    out, idx = TF.max_pool3d(torch.tensor(x), 2, return_indices=True)
    ours_idx = ag.tensor(idx.numpy())
    check(lambda t: F.max_unpool3d(t, ours_idx, 2, output_size=(4, 6, 5)),
          lambda t: TF.max_unpool3d(t, idx, 2, output_size=(4, 6, 5)), out.numpy())
    x = _input(2, 3, 4, 6, 4)  # the default output size, (in - 1) * stride + kernel
    out, idx = TF.max_pool3d(torch.tensor(x), 2, return_indices=True)
    ours_idx = ag.tensor(idx.numpy())
    check(lambda t: nn.MaxUnpool3d(2)(t, ours_idx), lambda t: torch.nn.MaxUnpool3d(2)(t, idx), out.numpy())


INTERP = [
    ((2, 3, 7, 6, 5), dict(size=(3, 4, 2), mode="area")),
    ((2, 3, 4, 6, 5), dict(scale_factor=0.5, mode="area")),
    ((2, 3, 9), dict(size=4, mode="nearest-exact")),
    ((2, 3, 5, 6), dict(scale_factor=(1.7, 2.3), mode="nearest-exact")),
    ((2, 3, 13, 11), dict(size=(5, 4), mode="nearest-exact")),
    ((1, 2, 3, 4, 5), dict(size=(7, 3, 11), mode="nearest-exact")),
    ((2, 3, 13, 11), dict(size=(5, 4), mode="bilinear", antialias=True)),
    ((2, 3, 13, 11), dict(scale_factor=0.37, mode="bilinear", antialias=True)),
    ((2, 3, 13, 11), dict(size=(20, 5), mode="bilinear", antialias=True)),  # one dim up, one down
    ((2, 3, 13, 11), dict(size=(4, 3), mode="bilinear", antialias=True, align_corners=True)),
    ((2, 3, 13, 11), dict(size=(5, 11), mode="bicubic", antialias=True)),  # an unchanged dim is left as is
    ((2, 3, 13, 11), dict(scale_factor=(0.5, 1.1), mode="bicubic", antialias=True)),
    ((2, 3, 13, 11), dict(size=(24, 5), mode="bicubic", antialias=True, align_corners=True)),
    ((1, 2, 9, 8), dict(size=(1, 1), mode="bicubic", antialias=True)),
]


@pytest.mark.parametrize("shape,kw", INTERP, ids=str)
def test_interpolate_new_modes_match_torch(shape, kw):
    x = _input(*shape)
    check(lambda t: F.interpolate(t, **kw), lambda t: TF.interpolate(t, **kw), x, tol={"rtol": 1e-10, "atol": 1e-12})


@pytest.mark.parametrize("mode", ["nearest-exact", "area"])
def test_upsample_module_takes_the_new_modes(mode):
    x = _input(1, 2, 4, 3, 5)
    kw = dict(scale_factor=2) if mode == "nearest-exact" else dict(size=(2, 3, 2))
    check(lambda t: nn.Upsample(mode=mode, **kw)(t), lambda t: torch.nn.Upsample(mode=mode, **kw)(t), x)
    assert repr(nn.Upsample(mode=mode, **kw)) == repr(torch.nn.Upsample(mode=mode, **kw))


GRAD_CASES = [
    ("max_pool3d", lambda x: F.max_pool3d(x, 2, stride=1, padding=1), (1, 2, 3, 3, 2)),
    ("avg_pool3d", lambda x: F.avg_pool3d(x, 2, padding=1, ceil_mode=True, count_include_pad=False), (1, 2, 3, 2, 3)),
    ("adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, (2, 1, 2)), (1, 2, 3, 2, 3)),
    ("adaptive_max_pool3d", lambda x: F.adaptive_max_pool3d(x, (2, 2, 1)), (1, 2, 3, 3, 2)),
    ("antialias bicubic", lambda x: F.interpolate(x, size=(2, 3), mode="bicubic", antialias=True), (1, 2, 5, 4)),
    ("nearest-exact", lambda x: F.interpolate(x, size=(3, 5), mode="nearest-exact"), (1, 2, 4, 3)),
]


@pytest.mark.parametrize("name,fn,shape", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck_and_gradgradcheck(name, fn, shape):
    x = ag.tensor(_input(*shape), requires_grad=True)
    assert ag.gradcheck(fn, (x,))
    assert ag.gradgradcheck(fn, (x,))


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.MaxPool3d(3, stride=2, padding=1, dilation=2, ceil_mode=True),
        lambda m: m.AvgPool3d((1, 2, 3), padding=(0, 1, 1), divisor_override=3),
        lambda m: m.AdaptiveAvgPool3d((1, None, 2)),
        lambda m: m.AdaptiveMaxPool3d(2, return_indices=True),
        lambda m: m.LPPool3d(2, 3, stride=2),
        lambda m: m.MaxUnpool3d(2, stride=(1, 2, 2)),
    ],
)
def test_reprs_match_torch(make):
    assert repr(make(nn)) == repr(make(torch.nn))


def test_errors_name_the_op_and_the_shapes():
    with pytest.raises(RuntimeError, match=r"max_pool3d: expected a 4-D \(unbatched\) or 5-D \(batched\) input"):
        F.max_pool3d(ag.randn(2, 3, 3), 2)
    with pytest.raises(ValueError, match="avg_pool3d: padding should be at most half"):
        F.avg_pool3d(ag.randn(1, 1, 4, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match="max_pool3d: input of shape .* is too small"):
        F.max_pool3d(ag.randn(1, 1, 1, 4, 4), 2)
    with pytest.raises(ValueError, match="adaptive_max_pool3d: output_size must be an int or a tuple of 3"):
        F.adaptive_max_pool3d(ag.randn(1, 1, 4, 4, 4), (2, 2))
    with pytest.raises(ValueError, match="antialias=True is restricted to the bilinear and bicubic modes"):
        F.interpolate(ag.randn(1, 1, 4, 4, 4), scale_factor=0.5, mode="trilinear", antialias=True)
    with pytest.raises(ValueError, match="antialias"):
        F.interpolate(ag.randn(1, 1, 4, 4), scale_factor=0.5, mode="nearest", antialias=True)
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(ag.randn(1, 1, 4, 4), scale_factor=2, mode="nearest-exact", align_corners=True)
    with pytest.raises(TypeError, match="avg_pool3d: expected a floating-point input"):
        F.avg_pool3d(ag.ones(1, 1, 2, 2, 2, dtype=ag.int64), 2)


def test_strict_device_forward_and_backward_match_cpu():
    x = _input(2, 2, 4, 6, 5)
    results = []
    for device in ("cpu", STRICT):
        xt = ag.tensor(x, device=device, requires_grad=True)
        out, idx = F.max_pool3d(xt, 3, stride=2, padding=1, ceil_mode=True, return_indices=True)
        outs = [
            out,
            F.avg_pool3d(xt, 2, padding=1, count_include_pad=False),
            F.adaptive_avg_pool3d(xt, (3, 4, 2)),
            F.adaptive_max_pool3d(xt, (3, 4, 2)),
            F.interpolate(xt, size=(2, 3, 3), mode="area"),
            F.interpolate(xt, scale_factor=1.5, mode="nearest-exact"),
            F.interpolate(xt[0], size=(3, 4), mode="bicubic", antialias=True),
            F.max_unpool3d(out, idx, 3, 2, 1, output_size=(4, 6, 5)),
        ]
        sum((o * o).sum() for o in outs).backward()
        results.append((outs, idx, xt))
    (outs_c, idx_c, x_c), (outs_s, idx_s, x_s) = results
    assert str(x_s.grad.device) == STRICT
    np.testing.assert_array_equal(to_host(idx_s), to_host(idx_c))
    for o_s, o_c in zip(outs_s, outs_c):
        assert str(o_s.device) == STRICT
        np.testing.assert_allclose(to_host(o_s), to_host(o_c), rtol=1e-12)
    np.testing.assert_allclose(to_host(x_s.grad), to_host(x_c.grad), rtol=1e-12)
