"""Integrals and densities of sampled data, and two small composites that sit with them:
``trapezoid`` (``trapz``), ``cumulative_trapezoid``, ``histogram``, ``vander``, ``msort``.

Everything differentiable here is composed of Tensor ops (narrow, sum, cumsum, cumprod, sort), so
gradients, second derivatives and devices come from those.  ``histogram`` is a primitive only so
that it behaves as PyTorch's does under autograd: its results join the graph when an input
requires grad, and a backward through them fails, saying the derivative is not implemented.
"""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from autograd_core import dtypes
from autograd_core.function import Primitive
from autograd_core.ops import reduce as R
from autograd_core.ops import shape as S
from autograd_core.ops._common import no_grad_result
from autograd_core.tensor import Tensor, _check_dim

HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])

_REAL = (int, float, np.integer, np.floating)


# ---------------------------------------------------------------------------- trapezoid rules
def _samples(op: str, y, dim: int) -> int:
    """Check ``y`` and return the dim it is integrated along."""
    if not isinstance(y, Tensor):
        raise TypeError(f"{op}(): argument 'y' (position 1) must be Tensor, not {type(y).__name__}")
    if y._data.dtype.kind == "b":
        raise RuntimeError(f"{op}: received a bool input for `y`, but bool is not supported")
    if y._data.ndim == 0:
        raise IndexError(f"{op}: dimension specified as {dim} but tensor has no dimensions; y needs at least one")
    return _check_dim(op, dim, y._data.ndim)


def _spacing(op: str, y: Tensor, x, dx, d: int):
    """The spacing between neighbouring samples: a Python number (``dx``, default 1) or, from
    sample points ``x``, a tensor of differences that broadcasts against the pairs of ``y``."""
    if x is not None and dx is not None:
        raise TypeError(f"{op}(): pass either the sample points x or the spacing dx, not both")
    if x is None:
        if dx is None:
            return 1
        if isinstance(dx, Tensor):
            if dx._data.ndim:
                raise RuntimeError(f"{op}: dx must be a number or a 0-d tensor, got a tensor of shape {tuple(dx.shape)}")
            dx = dx.item()  # a Scalar in PyTorch: no gradient flows into dx
        if isinstance(dx, (bool, np.bool_)) or not isinstance(dx, _REAL):
            raise RuntimeError(f"{op}: Currently, we only support dx as a real number.")
        return dx
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'x' must be Tensor, not {type(x).__name__}; pass a spacing as dx=")
    if x._data.dtype.kind == "b":
        raise RuntimeError(f"{op}: received a bool input for `x` or `y`, but bool is not supported")
    n, nd = y._data.shape[d], y._data.ndim
    if x._data.ndim == 1:
        if x._data.shape[0] != n:
            raise RuntimeError(
                f"{op}: There must be one `x` value for each sample point: x has {x._data.shape[0]} values, y has "
                f"{n} samples along dim {d}"
            )
        x = S.reshape(x, (1,) * d + (n,) + (1,) * (nd - d - 1))
    elif x._data.ndim < nd:  # leading dims of size 1, then broadcasting
        x = S.reshape(x, (1,) * (nd - x._data.ndim) + tuple(x._data.shape))
    m = builtins.max(x._data.shape[d] - 1, 0)
    return S.narrow(x, d, builtins.min(1, x._data.shape[d]), m) - S.narrow(x, d, 0, m)


def _pairs(y: Tensor, d: int) -> Tensor:
    """``y[i] + y[i + 1]`` along ``d`` for every neighbouring pair of samples."""
    n = y._data.shape[d]
    m = builtins.max(n - 1, 0)
    return S.narrow(y, d, 0, m) + S.narrow(y, d, builtins.min(1, n), m)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The integral of ``y`` along ``dim`` by the trapezoidal rule: samples at the points ``x`` (1-D,
    or broadcasting against ``y``), or spaced ``dx`` apart (default 1).  Integer ``y`` gives a
    float result; no samples give 0.  Differentiable in ``y`` and ``x``.

    >>> import autograd_core as ag
    >>> ag.trapezoid(ag.tensor([1.0, 2.0, 4.0]))
    tensor(4.5000)
    >>> ag.trapezoid(ag.tensor([1.0, 2.0, 4.0]), ag.tensor([0.0, 1.0, 3.0]))
    tensor(7.5000)
    """
    d = _samples("trapezoid", y, dim)
    step = _spacing("trapezoid", y, x, dx, d)
    shape = y._data.shape
    if shape[d] == 0:  # nothing to integrate: zeros of y's dtype, off the graph (as PyTorch)
        return no_grad_result(y._dev.xp.zeros(shape[:d] + shape[d + 1 :], dtype=y._data.dtype), y._dev)
    if isinstance(step, Tensor):
        return R.sum(step * _pairs(y, d), d) / 2.0
    # Each inner sample counts once, the two ends half: sum - (first + last) / 2.
    ends = S.select(y, d, 0) + S.select(y, d, shape[d] - 1)
    return (R.sum(y, d) - ends * 0.5) * step


def trapz(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """``trapezoid``'s older name.

    >>> import autograd_core as ag
    >>> ag.trapz(ag.tensor([[1.0, 3.0], [2.0, 2.0]]), dim=0)
    tensor([1.5000, 2.5000])
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The running integral of ``y`` along ``dim`` by the trapezoidal rule, one value per pair of
    neighbouring samples (so ``dim`` shrinks by one); ``x`` and ``dx`` as in ``trapezoid``.

    >>> import autograd_core as ag
    >>> ag.cumulative_trapezoid(ag.tensor([1.0, 2.0, 4.0]))
    tensor([1.5000, 4.5000])
    """
    if isinstance(y, Tensor) and y._data.ndim == 0:
        raise IndexError("cumulative_trapezoid: slice() cannot be applied to a 0-dim tensor; y needs at least one dim")
    d = _samples("cumulative_trapezoid", y, dim)
    step = _spacing("cumulative_trapezoid", y, x, dx, d)
    if isinstance(step, Tensor):
        return R.cumsum(step * _pairs(y, d) / 2.0, d)
    return R.cumsum(step / 2.0 * _pairs(y, d), d)


# ---------------------------------------------------------------------------- histogram
class Histogram(Primitive):
    """Counts (or summed weights) of ``x``'s elements per bin of ``edges``, and the edges.  Not
    differentiable, as in PyTorch, whose results still join the graph and refuse a backward."""

    @staticmethod
    def forward(ctx, x, weight, bins, edges, density):
        xp, dev = x._dev.xp, x._dev
        e = bins._data.astype(x._data.dtype, copy=True) if bins is not None else edges
        values = x._data.reshape(-1)
        lo, hi = e[0], e[-1]
        inside = (values >= lo) & (values <= hi)  # NaNs are in no bin
        n = e.shape[0] - 1
        # The bin whose left edge is the last one <= v; v equal to the last edge goes in the last bin.
        pos = xp.minimum(xp.searchsorted(e, values[inside], side="right") - 1, n - 1)
        w = None if weight is None else weight._data.reshape(-1)[inside]
        hist = xp.bincount(pos, weights=w, minlength=n).astype(x._data.dtype, copy=False)
        if density:
            hist = hist / hist.sum() / xp.diff(e)
        return Tensor._wrap(hist, dev), Tensor._wrap(e, dev)

    @staticmethod
    def backward(ctx, g_hist, g_edges):
        raise RuntimeError("derivative for aten::histogram is not implemented")


def _linspace(xp, lo: float, hi: float, steps: int, dtype):
    """PyTorch's linspace in ``dtype``: from the start for the first half, from the end for the
    second (both ends exact, the edges symmetric), each point ``start + step * i`` rounded once (a
    fused multiply-add in PyTorch: exactly so here for float32, whose products float64 holds)."""
    start, end = xp.asarray(lo, dtype=dtype), xp.asarray(hi, dtype=dtype)
    step = ((end - start) / xp.asarray(steps - 1, dtype=dtype)).astype("float64")
    start, end = start.astype("float64"), end.astype("float64")
    i = xp.arange(steps, dtype="float64")
    points = xp.where(i < steps // 2, start + step * i, end - step * (steps - 1 - i))
    return points.astype(dtype)


def _outer_edges(x: Tensor, range) -> tuple:
    """The histogram's range: ``range``, or the data's min and max (0 and 1 with no data); a single
    point is widened by 0.5 each way."""
    data = x._data
    if range is not None:
        try:
            lo, hi = (float(v) for v in range)
        except ValueError:
            raise RuntimeError(
                f"histogram: for a 1-dimensional histogram range should have 2 elements, but got {len(range)}"
            ) from None
        if lo > hi:
            raise RuntimeError(f"histogram: min should not exceed max, but got min {lo:g} max {hi:g}")
    elif data.size:
        lo, hi = float(data.min()), float(data.max())
    else:
        lo, hi = 0.0, 1.0
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"histogram: range [{lo:g}, {hi:g}] is not finite; pass a finite range= or drop the "
                           "non-finite values")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def histogram(input: Tensor, bins=100, *, range=None, weight: Tensor | None = None, density: bool = False):
    """``(hist, bin_edges)``: how many elements of ``input`` (flattened) fall in each bin, or with
    ``weight`` (input's dtype, one per element) the sum of their weights; with ``density`` the
    counts are scaled so the histogram integrates to 1.  ``bins`` is a number of equal bins over
    ``range`` (the data's min and max by default) or a 1-D tensor of increasing edges.  Bins
    include their left edge, the last one its right edge too; values outside are dropped.
    float32 / float64 input only.  Not differentiable (see the module note).

    >>> import autograd_core as ag
    >>> hist, edges = ag.histogram(ag.tensor([1.0, 2.0, 1.0, 4.0]), bins=3)
    >>> hist, edges
    (tensor([2., 1., 1.]), tensor([1., 2., 3., 4.]))
    >>> ag.histogram(ag.tensor([1.0, 2.0, 1.0, 4.0]), ag.tensor([0.0, 2.0, 5.0]), density=True).hist
    tensor([0.2500, 0.1667])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"histogram(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    dtype = input._data.dtype
    if dtype.name not in ("float32", "float64"):
        raise RuntimeError(f"histogram: not implemented for {input.dtype}; pass a float32 or float64 tensor "
                           "(convert with .float())")
    if weight is not None:
        if not isinstance(weight, Tensor):
            raise TypeError(f"histogram(): argument 'weight' must be Tensor, not {type(weight).__name__}")
        if weight._data.dtype != dtype:
            raise RuntimeError(f"histogram: if weight tensor is provided, input tensor and weight tensor should have "
                               f"the same dtype, but got input {input.dtype} and weight {weight.dtype}")
        if weight._data.size != input._data.size:
            raise RuntimeError(f"histogram: weight must have one element per element of input, got input of shape "
                               f"{tuple(input.shape)} and weight of shape {tuple(weight.shape)}")
    xp = input._dev.xp
    if isinstance(bins, Tensor):
        if range is not None:
            raise TypeError("histogram(): range can't be given with a tensor of bin edges (the edges set the range)")
        if bins._data.ndim != 1:
            raise RuntimeError(f"histogram: bins tensor should have one dimension, but got {bins._data.ndim} "
                               "dimensions in the bins tensor")
        if bins._data.dtype != dtype:
            raise RuntimeError(f"histogram: input tensor and bins tensors should have the same dtype, but got input "
                               f"with dtype {input.dtype} and bins with dtype {bins.dtype}")
        if bins._data.shape[0] < 2:
            raise RuntimeError(f"histogram: bins must be > 0, but got {bins._data.shape[0] - 1} (a tensor of bin edges "
                               "needs at least two)")
        return HistogramResult(*Histogram.apply(input, weight, bins, None, density))
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
        raise TypeError(f"histogram(): argument 'bins' must be an int or a 1-D Tensor of edges, not "
                        f"{type(bins).__name__}")
    if bins <= 0:
        raise RuntimeError(f"histogram: bins must be > 0, but got {bins}")
    lo, hi = _outer_edges(input, range)
    edges = _linspace(xp, lo, hi, int(bins) + 1, dtype)
    return HistogramResult(*Histogram.apply(input, weight, None, edges, density))


# ---------------------------------------------------------------------------- vander, msort
def _powers(x: Tensor, n: int) -> Tensor:
    """``x[..., None] ** [0, 1, ..., n-1]`` by running products (exact gradients at x = 0, where a
    power's derivative formula would divide by zero); integers and bools count in int64."""
    if x._data.dtype.kind in "biu":
        x = x.to(dtypes.int64)
    shape = tuple(x._data.shape)
    ones = no_grad_result(x._dev.xp.ones(shape + (builtins.min(n, 1),), dtype=x._data.dtype), x._dev)
    if n <= 1:
        return ones
    repeated = S.expand(S.unsqueeze(x, -1), shape + (n - 1,))
    return S.cat([ones, R.cumprod(repeated, -1)], -1)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of the 1-D ``x``: columns ``x ** (N-1), ..., x, 1`` (``N`` defaults to
    ``len(x)``), or the reverse order with ``increasing``.  Integer input gives int64.

    >>> import autograd_core as ag
    >>> ag.vander(ag.tensor([1, 2, 3]), N=3)
    tensor([[1, 1, 1],
            [4, 2, 1],
            [9, 3, 1]])
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"vander(): argument 'x' (position 1) must be Tensor, not {type(x).__name__}")
    if x._data.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got shape {tuple(x.shape)}")
    n = x._data.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {n}")
    out = _powers(x, n)
    return out if increasing else S.flip(out, 1)


def linalg_vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """``torch.linalg.vander``: for ``x`` of shape (..., n), the (..., n, N) matrices of increasing
    powers ``1, x, ..., x ** (N-1)`` (the reverse of ``vander``'s default order); ``N`` defaults to
    n and must be at least 2.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.integrate import linalg_vander
    >>> linalg_vander(ag.tensor([2.0, 3.0]), N=3)
    tensor([[1., 2., 4.],
            [1., 3., 9.]])
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vander(): argument 'x' (position 1) must be Tensor, not {type(x).__name__}")
    if x._data.dtype.kind == "b":
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, but got Bool")
    if x._data.ndim == 0:  # as PyTorch: a 0-d x is one point
        x = S.reshape(x, 1)
    n = x._data.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError(f"linalg.vander: N must be greater than 1, got {n}")
    return _powers(x, n)


def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first dim, ascending (NaNs last): ``sort(input, dim=0).values``.

    >>> import autograd_core as ag
    >>> ag.msort(ag.tensor([[3, 1], [2, 4]]))
    tensor([[2, 1],
            [3, 4]])
    """
    from autograd_core.ops.sorting import sort

    return sort(input, 0).values

