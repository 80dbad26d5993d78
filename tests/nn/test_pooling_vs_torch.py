"""Pooling and nearest upsampling against PyTorch (float64): outputs, input gradients, indices, reprs."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOL = {"rtol": 1e-12, "atol": 1e-13}


def _input(*shape, seed=0, ties=False):
    x = np.random.default_rng(seed).standard_normal(shape)
    if ties:  # plateaus of equal values, where "the first maximum" matters
        x = np.round(x * 2) / 2
    return x


def check(ours_fn, torch_fn, x, seed=0):
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours_fn(xo), torch_fn(xt)
    if isinstance(yt, tuple):
        (yo, io), (yt, it) = yo, yt
        assert io.dtype == np.int64
        np.testing.assert_array_equal(to_host(io), it.numpy())
    assert yo.shape == tuple(yt.shape)
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **TOL)
    g = np.random.default_rng(seed + 7).standard_normal(yo.shape)
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **TOL)


MAX2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(3, 2), ceil_mode=True),
    dict(kernel_size=3, stride=2, dilation=2, padding=1),
    dict(kernel_size=(3, 2), dilation=(1, 2), padding=(1, 1), ceil_mode=True),
    dict(kernel_size=2, stride=1, return_indices=True),
    dict(kernel_size=3, stride=2, padding=1, dilation=(2, 1), ceil_mode=True, return_indices=True),
]


@pytest.mark.parametrize("kw", MAX2D, ids=str)
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool2d_matches_torch_including_ties(kw, ties):
    x = _input(2, 3, 9, 8, ties=ties)
    check(lambda t: F.max_pool2d(t, **kw), lambda t: TF.max_pool2d(t, **kw), x)
    check(lambda t: nn.MaxPool2d(**kw)(t), lambda t: torch.nn.MaxPool2d(**kw)(t), x[0])  # unbatched


def test_max_pool_gradient_goes_to_one_element_per_window():
    x = np.ones((1, 1, 4, 4))
    xo = ag.tensor(x, requires_grad=True)
    F.max_pool2d(xo, 2).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    TF.max_pool2d(xt, 2).sum().backward()
    np.testing.assert_array_equal(to_host(xo.grad), xt.grad.numpy())
    assert to_host(xo.grad).sum() == 4 and set(np.unique(to_host(xo.grad))) == {0.0, 1.0}


@pytest.mark.parametrize("special", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(
    "kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, return_indices=True)], ids=str
)
def test_max_pool2d_non_finite_inputs_match_torch(special, kw):
    x = _input(1, 2, 6, 6, ties=True)
    x[0, 0, 1, 1] = x[0, 1, 4, 3] = x[0, 1, 4, 2] = special
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = F.max_pool2d(xo, **kw), TF.max_pool2d(xt, **kw)
    if isinstance(yt, tuple):
        (yo, io), (yt, it) = yo, yt
        np.testing.assert_array_equal(to_host(io), it.numpy())
    np.testing.assert_array_equal(to_host(yo), yt.detach().numpy())
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(to_host(xo.grad), xt.grad.numpy())


MAX1D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, return_indices=True),
    dict(kernel_size=2, dilation=3, return_indices=True),
]


@pytest.mark.parametrize("kw", MAX1D, ids=str)
def test_max_pool1d_matches_torch(kw):
    x = _input(2, 3, 11, ties=True)
    check(lambda t: F.max_pool1d(t, **kw), lambda t: TF.max_pool1d(t, **kw), x)
    check(lambda t: nn.MaxPool1d(**kw)(t), lambda t: torch.nn.MaxPool1d(**kw)(t), x[0])


AVG2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(2, 4), stride=(3, 2), padding=(1, 2), ceil_mode=True),
    dict(kernel_size=3, padding=1, divisor_override=5),
    dict(kernel_size=2, stride=3, ceil_mode=True, divisor_override=3),
]


@pytest.mark.parametrize("kw", AVG2D, ids=str)
def test_avg_pool2d_matches_torch(kw):
    x = _input(2, 3, 9, 8)
    check(lambda t: F.avg_pool2d(t, **kw), lambda t: TF.avg_pool2d(t, **kw), x)
    check(lambda t: nn.AvgPool2d(**kw)(t), lambda t: torch.nn.AvgPool2d(**kw)(t), x[1])


@pytest.mark.parametrize(
    "kw",
    [dict(kernel_size=3), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True, count_include_pad=False)],
    ids=str,
)
def test_avg_pool1d_matches_torch(kw):
    x = _input(2, 3, 13)
    check(lambda t: F.avg_pool1d(t, **kw), lambda t: TF.avg_pool1d(t, **kw), x)
    check(lambda t: nn.AvgPool1d(**kw)(t), lambda t: torch.nn.AvgPool1d(**kw)(t), x)


@pytest.mark.parametrize("size", [1, 3, (3, None), (None, 5), (4, 4), (2, 7), (9, 8), (5, 3)], ids=str)
def test_adaptive_avg_pool2d_matches_torch(size):
    x = _input(2, 3, 9, 8)
    check(lambda t: F.adaptive_avg_pool2d(t, size), lambda t: TF.adaptive_avg_pool2d(t, size), x)
    check(lambda t: nn.AdaptiveAvgPool2d(size)(t), lambda t: torch.nn.AdaptiveAvgPool2d(size)(t), x[0])


@pytest.mark.parametrize("size", [1, 4, 5, 13])
def test_adaptive_avg_pool1d_matches_torch(size):
    x = _input(2, 3, 13)
    check(lambda t: F.adaptive_avg_pool1d(t, size), lambda t: TF.adaptive_avg_pool1d(t, size), x)


INTERP = [
    dict(scale_factor=2),
    dict(scale_factor=3),
    dict(scale_factor=(2, 3)),
    dict(scale_factor=1.5),
    dict(scale_factor=(0.5, 1.7)),
    dict(scale_factor=2.5, recompute_scale_factor=True),
    dict(size=(5, 13)),
    dict(size=(27, 16)),
    dict(size=4),
    dict(size=(7, 8)),
]


@pytest.mark.parametrize("kw", INTERP, ids=str)
def test_interpolate_nearest_matches_torch(kw):
    x = _input(2, 3, 7, 8)
    check(lambda t: F.interpolate(t, **kw), lambda t: TF.interpolate(t, **kw), x)
    check(lambda t: nn.Upsample(**kw)(t), lambda t: torch.nn.Upsample(**kw)(t), x)


@pytest.mark.parametrize("kw", [dict(scale_factor=3), dict(size=11), dict(scale_factor=0.6)], ids=str)
def test_interpolate_nearest_1d_and_3d_match_torch(kw):
    check(lambda t: F.interpolate(t, **kw), lambda t: TF.interpolate(t, **kw), _input(2, 3, 7))
    check(lambda t: F.interpolate(t, **kw), lambda t: TF.interpolate(t, **kw), _input(1, 2, 4, 3, 5))


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.MaxPool2d(3, 2, 1),
        lambda m: m.MaxPool2d((2, 3), dilation=2, ceil_mode=True),
        lambda m: m.MaxPool1d(2),
        lambda m: m.AvgPool2d(3, stride=2, padding=1),
        lambda m: m.AvgPool1d(4, 2),
        lambda m: m.AdaptiveAvgPool2d((3, None)),
        lambda m: m.AdaptiveAvgPool1d(5),
        lambda m: m.Upsample(scale_factor=2),
        lambda m: m.Upsample(size=(3, 4), mode="nearest"),
        lambda m: m.UpsamplingNearest2d(scale_factor=3),
    ],
)
def test_reprs_match_torch(make):
    assert repr(make(nn)) == repr(make(torch.nn))
