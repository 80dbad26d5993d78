"""Spatial transformers: ``affine_grid`` and ``grid_sample``, composed from gather, arithmetic and ``where``.

``grid_sample`` reads the input at arbitrary real coordinates.  Per spatial dim the
coordinate is unnormalised from ``[-1, 1]`` to pixels, folded back inside by the padding
mode (clamped for ``"border"``, mirrored for ``"reflection"``), then split into taps: the
nearest pixel, the two neighbours of linear interpolation, or the four of cubic
convolution, each an integer index with a weight that is a differentiable function of
the coordinate.  The taps of all dims combine into ``K`` corners per output point
(4 for bilinear, 8 for trilinear, 16 for bicubic); one gather reads all of them and a
weighted sum over ``K`` gives the output.  The gradient w.r.t. the input is the gather's
(a scatter-add of the weights), the gradient w.r.t. the grid comes through the weights,
so no backward rule is written here.  Indices and the in-bounds masks carry no gradient.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

__all__ = ["affine_grid", "grid_sample"]

_MODES = ("bilinear", "nearest", "bicubic")
_PADDING_MODES = ("zeros", "border", "reflection")
_CUBIC_A = -0.75  # PyTorch's bicubic convolution coefficient (as in F.interpolate)


# ---------------------------------------------------------------------------- affine_grid
def _fma(a: float, b: float, c: float) -> float:
    """``a * b + c`` rounded once (a fused multiply-add), exactly through fractions."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def _linspace_from_neg_one(steps: int, align_corners: bool) -> np.ndarray:
    """PyTorch's base-grid coordinates along one dim: ``linspace(-1, 1, steps)``, scaled by
    ``(steps - 1) / steps`` without ``align_corners`` so the points are pixel centres; a single
    step sits at 0.  The linspace is computed as PyTorch's CPU kernel does it (from both ends
    towards the middle, each point one fused multiply-add) so that the grids agree bit for bit:
    an identity ``theta`` then puts points exactly on pixel centres on both sides, and
    ``grid_sample`` takes the same one-sided slope there for the gradient."""
    if steps <= 1:
        return np.zeros(max(steps, 0))
    step = 2.0 / (steps - 1)
    half = steps // 2
    out = np.array([_fma(step, i, -1.0) if i < half else _fma(-step, steps - 1 - i, 1.0) for i in range(steps)])
    return out if align_corners else out * (steps - 1) / steps


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of affine maps, for ``grid_sample``: ``(N, H, W, 2)`` from
    ``theta`` ``(N, 2, 3)`` and ``size`` ``(N, C, H, W)``, or ``(N, D, H, W, 3)`` from ``(N, 3, 4)``
    and ``(N, C, D, H, W)``.  Each output point is ``theta @ (x, y[, z], 1)`` for the target's
    normalised pixel coordinates (x along W); differentiable w.r.t. ``theta``.

    >>> import autograd_core as ag, nn.functional as F
    >>> grid = F.affine_grid(ag.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]), (1, 1, 2, 2), align_corners=True)
    >>> grid.reshape(4, 2).tolist()
    [[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]]
    """
    if not isinstance(theta, Tensor):
        raise TypeError(f"affine_grid: theta must be a Tensor, got {type(theta).__name__}")
    align_corners = bool(align_corners)
    if not theta.is_floating_point():
        raise ValueError(f"affine_grid: expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(
            f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size {size}."
        )
    n = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (n, n + 1):
        raise ValueError(
            f"affine_grid: expected a batch of {n}D affine matrices of shape Nx{n}x{n + 1} for size {size}, "
            f"got theta of shape {tuple(theta.shape)}"
        )
    if min(size) <= 0:
        raise ValueError(f"affine_grid: expected non-zero, positive output size, got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(
            f"affine_grid: theta of shape {tuple(theta.shape)} holds {theta.shape[0]} matrices but size {size} "
            f"asks for a batch of {size[0]}"
        )
    spatial = size[2:]
    # base[..., k] is the coordinate along spatial dim n-1-k (x along the last dim), then a 1.
    axes = [_linspace_from_neg_one(s, align_corners) for s in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack(list(mesh[::-1]) + [np.ones(spatial)], axis=-1).reshape(-1, n + 1)
    base = ag.tensor(base, dtype=theta.dtype, device=theta.device)
    grid = ag.matmul(base, theta.transpose(1, 2))  # (P, n+1) @ (N, n+1, n) -> (N, P, n)
    return grid.reshape((size[0],) + spatial + (n,))


# ---------------------------------------------------------------------------- grid_sample
def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    """``[-1, 1]`` to pixels: the corner pixels' centres (``align_corners``) or their outer edges."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _clip(coord: Tensor, size: int) -> Tensor:
    """Clamp to ``[0, size - 1]``; like PyTorch, the borders themselves count as outside (zero gradient)."""
    with ag.no_grad():
        inside = (coord > 0) & (coord < size - 1)
        clamped = coord.clamp(0, size - 1)
    return ag.where(inside, coord, clamped)


def _reflect(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    """Mirror into ``[low, low + span]`` (pixel centres with ``align_corners``, else pixel edges):
    fold ``|coord - low|`` by the period ``2 * span``, then reflect the far half."""
    low, twice_span = (0.0, 2.0 * (size - 1)) if align_corners else (-0.5, 2.0 * size)
    if twice_span == 0:  # one pixel, centres aligned: everything maps to it
        return coord * 0.0
    shifted = coord - low
    with ag.no_grad():
        negative = shifted < 0
    folded = ag.where(negative, -shifted, shifted)
    with ag.no_grad():
        periods = (folded / twice_span).floor()
    extra = folded - periods * twice_span
    mirrored = twice_span - extra
    with ag.no_grad():
        far = extra > mirrored
    return ag.where(far, mirrored, extra) + low


def _pad_coordinate(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    if padding_mode == "border":
        return _clip(coord, size)
    if padding_mode == "reflection":
        return _clip(_reflect(coord, size, align_corners), size)
    return coord


def _cubic_weights(t: Tensor) -> list:
    """Keys' cubic convolution weights of the taps at ``floor - 1 .. floor + 2`` for fraction ``t``."""
    a = _CUBIC_A

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _taps(coord: Tensor, size: int, mode: str, padding_mode: str, align_corners: bool) -> list:
    """``[(position, weight)]`` along one dim: float pixel positions (no gradient; out-of-range ones
    are masked later) and their weights (``None``: one tap of weight 1)."""
    if mode == "bicubic":
        # The coordinate itself is not padded: each of the four taps is, as PyTorch's bicubic does.
        with ag.no_grad():
            base = coord.floor()
        weights = _cubic_weights(coord - base)
        taps = []
        for k, w in enumerate(weights):
            with ag.no_grad():
                pos = _pad_coordinate(base + (k - 1), size, padding_mode, align_corners)
            taps.append((pos, w))
        return taps
    coord = _pad_coordinate(coord, size, padding_mode, align_corners)
    if mode == "nearest":
        # Piecewise constant in the coordinate: a weight of 1 whose gradient is round's, zero, so the
        # grid gets the zero gradient PyTorch gives it rather than none.
        pos = ag.round(coord)  # half to even, as PyTorch's nearbyint
        return [(pos.detach(), pos * 0.0 + 1.0)]
    with ag.no_grad():
        base = coord.floor()
    t = coord - base
    return [(base, 1 - t), (base + 1, t)]


def _check_grid_sample(input, grid, mode, padding_mode) -> None:
    if not isinstance(input, Tensor) or not isinstance(grid, Tensor):
        raise TypeError("grid_sample: input and grid must be Tensors")
    if mode not in _MODES:
        raise ValueError(f"grid_sample: expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: {mode!r}")
    if padding_mode not in _PADDING_MODES:
        raise ValueError(
            f"grid_sample: expected padding_mode to be 'zeros', 'border', or 'reflection', but got: {padding_mode!r}"
        )
    shapes = f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(f"grid_sample: expected 4D or 5D input and grid with same number of dimensions, but got {shapes}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sample: expected grid and input to have same batch size, but got {shapes}")
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(
            f"grid_sample: expected grid to have size {input.ndim - 2} in last dimension, but got {shapes}"
        )
    if any(s == 0 for s in input.shape[2:]):
        raise RuntimeError(f"grid_sample: expected input to have non-empty spatial dimensions, but got {shapes}")
    if mode == "bicubic" and input.ndim != 4:
        raise RuntimeError(f"grid_sample: bicubic interpolation only supports 4D input, got {shapes}")
    if input.device != grid.device:
        raise RuntimeError(f"grid_sample: input is on {input.device} but grid is on {grid.device}; move one")
    if not input.is_floating_point():
        raise TypeError(f"grid_sample: expected a floating-point input, got {input.dtype}")
    if input.dtype != grid.dtype:
        raise RuntimeError(
            f"grid_sample: input ({input.dtype}) and grid ({grid.dtype}) must have the same dtype; convert with .to(dtype)"
        )


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample ``input`` ``(N, C, H, W)`` at the normalised points of ``grid`` ``(N, H_out, W_out, 2)``
    (``x`` indexes W, ``y`` H; ``-1`` and ``1`` are the outer edges of the corner pixels, or their
    centres with ``align_corners=True``), giving ``(N, C, H_out, W_out)``; also 5-D
    ``(N, C, D, H, W)`` with a ``(N, D_out, H_out, W_out, 3)`` grid (``mode`` ``"bilinear"``, then
    trilinear, or ``"nearest"``).  ``padding_mode``: ``"zeros"`` outside, the ``"border"`` value,
    or the ``"reflection"`` at the border.  Differentiable w.r.t. ``input`` and ``grid``.

    >>> import autograd_core as ag, nn.functional as F
    >>> img = ag.arange(4.0).reshape(1, 1, 2, 2)
    >>> F.grid_sample(img, ag.tensor([[[[0.0, 0.0], [1.0, -1.0]]]]), align_corners=True).flatten().tolist()
    [1.5, 1.0]
    """
    _check_grid_sample(input, grid, mode, padding_mode)
    align_corners = bool(align_corners)
    n = input.ndim - 2
    n_batch, channels = input.shape[:2]
    sizes = tuple(input.shape[2:])
    outs = tuple(grid.shape[1:-1])
    length = math.prod(outs)
    points = grid.reshape(n_batch, length, n)
    # Spatial dim d of the input is indexed by grid component n-1-d (x is the last dim).
    taps = [
        _taps(_unnormalize(points[..., n - 1 - d], sizes[d], align_corners), sizes[d], mode, padding_mode, align_corners)
        for d in range(n)
    ]
    strides = [math.prod(sizes[d + 1 :]) for d in range(n)]
    flats, weights, valids = [], [], []
    for corner in itertools.product(*taps):  # one (position, weight) per dim
        weight = None
        with ag.no_grad():
            flat, valid = None, None
            for d, (pos, _) in enumerate(corner):
                inside = (pos >= 0) & (pos <= sizes[d] - 1)  # False for nan
                index = pos.clamp(0, sizes[d] - 1).nan_to_num(0.0).long() * strides[d]
                flat = index if flat is None else flat + index
                valid = inside if valid is None else valid & inside
        for _, w in corner:
            weight = w if weight is None else weight * w
        flats.append(flat)
        valids.append(valid)
        weights.append(weight)
    flat = ag.stack(flats, 1).reshape(n_batch, -1)  # (N, K*L)
    valid = ag.stack(valids, 1)  # (N, K, L)
    weight = ag.stack(weights, 1) * valid  # taps outside the input contribute nothing (nan stays nan, as in PyTorch)
    batch = ag.arange(n_batch, device=input.device).reshape(n_batch, 1)
    values = input.reshape(n_batch, channels, -1).transpose(1, 2)[batch, flat]  # (N, K*L, C): one gather
    values = values.reshape(n_batch, len(flats), length, channels)
    out = (values * weight.unsqueeze(-1)).sum(1)  # (N, L, C)
    return out.transpose(1, 2).reshape((n_batch, channels) + outs)
