"""F.grid_sample and F.affine_grid against PyTorch (float64: outputs and the gradients w.r.t. input, grid
and theta), gradcheck, a few spatial-transformer training steps, errors, and the strict device."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn.functional as F
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOL = {"rtol": 1e-10, "atol": 1e-12}


@pytest.fixture(autouse=True)
def _quiet_torch():
    with warnings.catch_warnings():  # PyTorch's align_corners-default warnings
        warnings.simplefilter("ignore", UserWarning)
        yield


def _rand(shape, seed, lo=-1.0, hi=1.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


def check_sample(x, grid, seed=0, **kw):
    xo, go = ag.tensor(x, requires_grad=True), ag.tensor(grid, requires_grad=True)
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    yo, yt = F.grid_sample(xo, go, **kw), TF.grid_sample(xt, gt, **kw)
    assert yo.shape == tuple(yt.shape)
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **TOL)
    g = np.random.default_rng(seed + 3).standard_normal(yo.shape)
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(to_host(go.grad), gt.grad.numpy(), **TOL)  # zeros for nearest, as PyTorch


SETTINGS = list(itertools.product(["zeros", "border", "reflection"], [False, True]))


@pytest.mark.parametrize("padding_mode,align_corners", SETTINGS, ids=str)
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_4d_matches_torch(mode, padding_mode, align_corners):
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6))
    grid = _rand((2, 4, 7, 2), 1, -1.3, 1.3)  # some points outside the image
    check_sample(x, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)


@pytest.mark.parametrize("padding_mode,align_corners", SETTINGS, ids=str)
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_5d_matches_torch(mode, padding_mode, align_corners):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5, 3))
    grid = _rand((2, 3, 2, 4, 3), 2, -1.3, 1.3)
    check_sample(x, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_reflection_far_outside_folds_several_times_like_torch(mode, align_corners):
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4))
    check_sample(x, _rand((1, 5, 6, 2), 4, -7, 7), mode=mode, padding_mode="reflection", align_corners=align_corners)


def test_grid_sample_single_pixel_dims_match_torch():
    x = np.random.default_rng(0).standard_normal((1, 2, 1, 4))
    for pm, ac in SETTINGS:
        check_sample(x, _rand((1, 3, 3, 2), 5, -1.5, 1.5), padding_mode=pm, align_corners=ac)


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_is_torchs_bit_for_bit(n, align_corners):
    size = (2, 3, 5, 7) if n == 2 else (2, 3, 4, 6, 5)
    theta = np.tile(np.eye(n, n + 1), (2, 1, 1))
    ours = F.affine_grid(ag.tensor(theta), size, align_corners=align_corners)
    theirs = TF.affine_grid(torch.tensor(theta), size, align_corners=align_corners)
    np.testing.assert_array_equal(to_host(ours), theirs.numpy())  # same linspace, to the last bit


@pytest.mark.parametrize("n,size", [(2, (2, 3, 5, 7)), (2, (1, 2, 1, 6)), (3, (2, 2, 3, 4, 5))], ids=str)
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_then_grid_sample_gradients_match_torch(n, size, align_corners):
    theta = np.tile(np.eye(n, n + 1), (size[0], 1, 1)) + _rand((size[0], n, n + 1), 6, -0.3, 0.3)
    x = np.random.default_rng(7).standard_normal(size)
    to, tt = ag.tensor(theta, requires_grad=True), torch.tensor(theta, requires_grad=True)
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    go, gt = F.affine_grid(to, size, align_corners), TF.affine_grid(tt, size, align_corners)
    np.testing.assert_allclose(to_host(go), gt.detach().numpy(), **TOL)
    yo = F.grid_sample(xo, go, align_corners=align_corners, padding_mode="border")
    yt = TF.grid_sample(xt, gt, align_corners=align_corners, padding_mode="border")
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **TOL)
    g = np.random.default_rng(8).standard_normal(yo.shape)
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(to.grad), tt.grad.numpy(), **TOL)
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **TOL)


def test_identity_transform_with_aligned_corners_matches_torch_exactly():
    # Every point lands exactly on a pixel centre: the grid gradient is a one-sided slope, the same side.
    size = (2, 3, 5, 7)
    x = np.random.default_rng(0).standard_normal(size)
    theta = np.tile(np.eye(2, 3), (2, 1, 1))
    to, tt = ag.tensor(theta, requires_grad=True), torch.tensor(theta, requires_grad=True)
    yo = F.grid_sample(ag.tensor(x), F.affine_grid(to, size, True), align_corners=True)
    yt = TF.grid_sample(torch.tensor(x), TF.affine_grid(tt, size, True), align_corners=True)
    np.testing.assert_allclose(to_host(yo), x, rtol=0, atol=1e-14)
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(to_host(to.grad), tt.grad.numpy(), **TOL)


def test_spatial_transformer_training_steps_match_torch():
    """PyTorch's spatial-transformer tutorial in miniature: learn theta by SGD through affine_grid and grid_sample."""
    rng = np.random.default_rng(0)
    x, target = rng.standard_normal((2, 1, 8, 8)), rng.standard_normal((2, 1, 6, 6))
    theta0 = np.tile(np.eye(2, 3), (2, 1, 1)) + rng.uniform(-0.2, 0.2, (2, 2, 3))
    to, tt = ag.tensor(theta0, requires_grad=True), torch.tensor(theta0, requires_grad=True)
    for _ in range(3):
        losses = []
        for lib, fn, theta, t in ((ag, F, to, ag.tensor(target)), (torch, TF, tt, torch.tensor(target))):
            grid = fn.affine_grid(theta, (2, 1, 6, 6), align_corners=False)
            out = fn.grid_sample(lib.tensor(x), grid, align_corners=False)
            loss = ((out - t) ** 2).mean()
            loss.backward()
            with lib.no_grad():
                theta -= 0.5 * theta.grad
            theta.grad = None
            losses.append(loss.item())
        assert losses[0] == pytest.approx(losses[1], rel=1e-12)
    np.testing.assert_allclose(to_host(to), tt.detach().numpy(), **TOL)


@pytest.mark.parametrize(
    "mode,padding_mode,n",
    [("bilinear", "zeros", 2), ("bicubic", "reflection", 2), ("bilinear", "border", 3), ("bicubic", "zeros", 2)],
)
def test_gradcheck_input_and_grid(mode, padding_mode, n):
    shape = (1, 2, 3, 4) if n == 2 else (1, 2, 2, 3, 3)
    x = ag.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    grid = ag.tensor(_rand((1, 2, 3, n) if n == 2 else (1, 2, 2, 2, n), 1, -1.2, 1.2), requires_grad=True)
    fn = lambda x, g: F.grid_sample(x, g, mode=mode, padding_mode=padding_mode, align_corners=False)  # noqa: E731
    assert ag.gradcheck(fn, (x, grid))
    assert ag.gradgradcheck(fn, (x, grid), fast_mode=True)


def test_gradcheck_affine_grid():
    theta = ag.tensor(_rand((2, 3, 4), 0), requires_grad=True)
    assert ag.gradcheck(lambda t: F.affine_grid(t, (2, 1, 2, 3, 2), align_corners=False), (theta,))


def test_grid_sample_errors_match_torchs_types():
    x, grid = ag.randn(2, 3, 4, 5, dtype=ag.float64), ag.rand(2, 6, 7, 2, dtype=ag.float64)
    with pytest.raises(ValueError, match="grid_sample: expected mode to be 'bilinear', 'nearest' or 'bicubic'"):
        F.grid_sample(x, grid, mode="area")
    with pytest.raises(ValueError, match="grid_sample: expected padding_mode"):
        F.grid_sample(x, grid, padding_mode="wrap")
    with pytest.raises(RuntimeError, match="same batch size"):
        F.grid_sample(x, grid[:1])
    with pytest.raises(RuntimeError, match="size 2 in last dimension"):
        F.grid_sample(x, grid[..., :1])
    with pytest.raises(RuntimeError, match="4D or 5D input and grid with same number of dimensions"):
        F.grid_sample(x, grid[0])
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D input"):
        F.grid_sample(x.unsqueeze(2), ag.rand(2, 1, 6, 7, 3, dtype=ag.float64), mode="bicubic")
    with pytest.raises(RuntimeError, match="non-empty spatial dimensions"):
        F.grid_sample(ag.randn(2, 3, 0, 5, dtype=ag.float64), grid)
    with pytest.raises(RuntimeError, match=r"input \(float64\) and grid \(float32\) must have the same dtype"):
        F.grid_sample(x, grid.float())


def test_affine_grid_errors_match_torchs_types():
    theta = ag.randn(2, 2, 3)
    with pytest.raises(ValueError, match="expected theta to have floating point type"):
        F.affine_grid(ag.ones(2, 2, 3, dtype=ag.int64), (2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"affine matrices of shape Nx2x3 for size \(2, 3, 4, 5\)"):
        F.affine_grid(ag.randn(2, 3, 3), (2, 3, 4, 5))
    with pytest.raises(NotImplementedError, match="affine_grid only supports 4D and 5D sizes"):
        F.affine_grid(theta, (2, 3, 4))
    with pytest.raises(ValueError, match="non-zero, positive output size"):
        F.affine_grid(theta, (2, 3, 0, 5))
    with pytest.raises(RuntimeError, match="holds 2 matrices but size .* asks for a batch of 3"):
        F.affine_grid(theta, (3, 3, 4, 5))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_non_finite_coordinates_give_nan_like_torch(mode):
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4))
    grid = _rand((1, 2, 2, 2), 1)
    grid[0, 0, 1, 0], grid[0, 1, 1, 1] = np.nan, np.inf
    ours = F.grid_sample(ag.tensor(x), ag.tensor(grid), mode=mode, align_corners=False)
    theirs = TF.grid_sample(torch.tensor(x), torch.tensor(grid), mode=mode, align_corners=False)
    np.testing.assert_allclose(to_host(ours), theirs.numpy(), equal_nan=True, **TOL)


def test_strict_device_forward_and_backward_match_cpu():
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 4))
    theta = np.tile(np.eye(2, 3), (2, 1, 1)) + _rand((2, 2, 3), 1, -0.4, 0.4)
    results = []
    for device in ("cpu", STRICT):
        xt = ag.tensor(x, device=device, requires_grad=True)
        th = ag.tensor(theta, device=device, requires_grad=True)
        grid = F.affine_grid(th, (2, 3, 6, 3), align_corners=False)
        outs = [F.grid_sample(xt, grid * 1.2, mode=m, padding_mode=p) for m in ("bilinear", "nearest", "bicubic")
                for p in ("zeros", "border", "reflection")]
        grid3 = ag.tensor(_rand((2, 2, 3, 4, 3), 2, -1.2, 1.2), device=device, requires_grad=True)
        outs.append(F.grid_sample(xt.reshape(2, 3, 1, 5, 4).expand(2, 3, 2, 5, 4), grid3, padding_mode="reflection"))
        sum((o * o).sum() for o in outs).backward()
        results.append((outs, xt, th))
    (outs_c, x_c, th_c), (outs_s, x_s, th_s) = results
    for o_s, o_c in zip(outs_s, outs_c):
        assert str(o_s.device) == STRICT
        np.testing.assert_allclose(to_host(o_s), to_host(o_c), rtol=1e-12)
    np.testing.assert_allclose(to_host(x_s.grad), to_host(x_c.grad), rtol=1e-12)
    np.testing.assert_allclose(to_host(th_s.grad), to_host(th_c.grad), rtol=1e-12)
