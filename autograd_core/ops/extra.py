"""The rest of PyTorch's everyday top-level functions, composed from existing ops.

``gradient`` (finite differences), ``rsub``, ``fill``, ``detach``, ``scalar_tensor``,
``nuclear_norm`` / ``frobenius_norm`` (PyTorch's deprecated spellings of matrix and vector
norms), ``unravel_index``, ``histogramdd``, ``orgqr`` / ``ormqr`` (the Q of ``geqrf``),
``svd_lowrank`` / ``pca_lowrank`` (Halko et al.'s randomized SVD) and the samplers
``poisson`` / ``binomial``.  Everything differentiable here is a composition of recorded
ops, so its gradient (and second derivative) comes from theirs: no backward rule lives in
this file.  The samplers draw with ``xp`` on the tensor's device (uniforms from the
device's stream or ``generator=``), never through the host.
"""

from __future__ import annotations

import builtins
import math
import warnings
from collections import namedtuple

import numpy as np

from autograd_core import dtypes
from autograd_core.ops import elementwise as E
from autograd_core.ops import shape as S
from autograd_core.ops.integrate import _linspace
from autograd_core.tensor import Tensor, _check_dim


def _tensor_arg(op: str, name: str, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


# ---------------------------------------------------------------------------- small ones
def rsub(input: Tensor, other, *, alpha=1) -> Tensor:
    """``other - alpha * input`` (``sub`` with its operands swapped), as ``torch.rsub``.

    >>> import autograd_core as ag
    >>> ag.rsub(ag.tensor([1.0, 2.0]), 5, alpha=2)
    tensor([3., 1.])
    """
    _tensor_arg("rsub", "input", input)
    return E.sub(other, input, alpha=alpha)


def fill(input: Tensor, value) -> Tensor:
    """A new tensor like ``input`` (its shape, dtype, device) with every element ``value``; the
    out-of-place ``fill_``.  A 0-d tensor ``value`` receives the summed gradient, ``input`` none.

    >>> import autograd_core as ag
    >>> ag.fill(ag.tensor([1, 2]), 2.7)
    tensor([2, 2])
    """
    _tensor_arg("fill", "input", input)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill only supports 0-dimension value tensor but got tensor with {value.ndim} "
                               "dimensions.")
        v = value.to(input.dtype)
    else:
        v = Tensor._wrap(input._dev.xp.asarray(value).astype(input.dtype), input._dev)
    everywhere = Tensor._wrap(input._dev.xp.ones(input._data.shape, dtype=bool), input._dev)
    return E.where(everywhere, v, input)  # (input's gradient: zeros, as PyTorch's FillBackward)


def detach(input: Tensor) -> Tensor:
    """``input.detach()``: the same memory, cut from the graph."""
    return _tensor_arg("detach", "input", input).detach()


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s``, of the default float dtype unless ``dtype`` is given
    (even for an int or bool, unlike ``tensor``).

    >>> import autograd_core as ag
    >>> ag.scalar_tensor(3), ag.scalar_tensor(3, dtype=ag.int64)
    (tensor(3.), tensor(3))
    """
    from autograd_core.factories import tensor

    if isinstance(s, Tensor):
        s = s.item()
    if not isinstance(s, (builtins.int, builtins.float, builtins.bool, np.number, np.bool_)):
        raise TypeError(f"scalar_tensor(): argument 's' must be Number, not {type(s).__name__}")
    return tensor(s, dtype=dtypes.get_default_dtype() if dtype is None else dtype, device=device,
                  requires_grad=requires_grad)


# ---------------------------------------------------------------------------- deprecated norms
_WARNED = set()


def _deprecated(name: str, instead: str) -> None:
    if name not in _WARNED:  # (PyTorch warns once per process)
        _WARNED.add(name)
        warnings.warn(f"{name} is deprecated and it is just left for JIT compatibility. It will be removed in a "
                      f"future PyTorch release. Please use `{instead}` instead", UserWarning, stacklevel=3)


def nuclear_norm(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The nuclear norm (sum of singular values) of the matrices over ``dim`` (the last two when
    not given): ``nuclear_norm(A)``, ``nuclear_norm(A, keepdim=True)`` or ``nuclear_norm(A, (0, 1))``.
    PyTorch's deprecated spelling of ``linalg.matrix_norm(A, 'nuc', dim, keepdim)``, which it computes.

    >>> import autograd_core as ag
    >>> ag.nuclear_norm(ag.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor(7.)
    """
    from autograd_core.linalg import matrix_norm

    _tensor_arg("nuclear_norm", "input", input)
    if isinstance(dim, builtins.bool):  # nuclear_norm(A, True): the keepdim overload
        dim, keepdim = None, dim
    _deprecated("at::nuclear_norm", "linalg.matrix_norm(A, 'nuc', dim, keepdim)")
    if input.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    return matrix_norm(input, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim)


def frobenius_norm(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """The 2-norm of the elements over ``dim`` (one or two dims): PyTorch's deprecated spelling
    of ``linalg.vector_norm(A, 2, dim, keepdim)``.

    >>> import autograd_core as ag
    >>> ag.frobenius_norm(ag.tensor([[3.0, 0.0], [0.0, 4.0]]), (0, 1))
    tensor(5.)
    """
    from autograd_core.linalg import vector_norm

    _tensor_arg("frobenius_norm", "input", input)
    dims = (dim,) if isinstance(dim, (builtins.int, np.integer)) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions instead.")
    _deprecated("at::frobenius_norm", "linalg.vector_norm(A, 2., dim, keepdim)")
    return vector_norm(input, 2, dims, keepdim)


# ---------------------------------------------------------------------------- unravel_index
def unravel_index(indices, shape) -> tuple:
    """The coordinates in a tensor of ``shape`` of flat (row-major) ``indices``: a tuple of int64
    tensors, one per dim, each shaped like ``indices``.  As in PyTorch an index outside the
    range wraps (each coordinate is ``(index // stride) % size``, floor division), so -1 is
    the last element.

    >>> import autograd_core as ag
    >>> ag.unravel_index(ag.tensor([4, 1]), (2, 3))
    (tensor([1, 0]), tensor([1, 1]))
    """
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be integer tensor, but got {type(indices).__name__}")
    if indices.dtype.kind not in "iu" or indices.dtype.kind == "b":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {_torch_dtype(indices.dtype)}")
    if isinstance(shape, (builtins.int, np.integer)):
        shape = (shape,)
    shape = tuple(shape)
    if not builtins.all(isinstance(s, (builtins.int, np.integer)) and not isinstance(s, builtins.bool)
                        for s in shape):
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {shape!r}")
    if builtins.any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    xp = indices._dev.xp
    flat = indices._data.astype(np.int64)
    out, stride = [], 1
    for size in reversed(shape):
        coord = xp.floor_divide(flat, stride) % size if size else xp.zeros_like(flat)
        out.append(Tensor._wrap(coord, indices._dev))
        stride *= builtins.max(builtins.int(size), 1)
    return tuple(reversed(out))


def _torch_dtype(dt) -> str:
    return "torch." + np.dtype(dt).name


# ---------------------------------------------------------------------------- gradient
def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple:
    """The derivative of the samples in ``input`` along each dim of ``dim`` (all dims when None),
    by second-order central differences inside and one-sided ones of ``edge_order`` (1 or 2)
    at the edges, as ``torch.gradient`` / ``numpy.gradient``.  ``spacing``: a number (the
    sample distance in every dim), a list of numbers (one per dim), or a list of 1-D
    coordinate tensors (one per dim; the formulas for uneven spacing).  Integer input gives
    the default float dtype.  Differentiable: composed of slices and arithmetic.

    >>> import autograd_core as ag
    >>> ag.gradient(ag.tensor([1.0, 4.0, 9.0, 16.0]))
    (tensor([3., 4., 6., 7.]),)
    >>> ag.gradient(ag.tensor([1.0, 4.0, 9.0, 16.0]), spacing=(ag.tensor([0.0, 1.0, 3.0, 4.0]),))[0]
    tensor([3.0000, 2.8333, 5.5000, 7.0000])
    """
    op = "torch.gradient"
    _tensor_arg("gradient", "input", input)
    if edge_order not in (1, 2):
        raise RuntimeError(f"{op} only supports edge_order=1 and edge_order=2.")
    dims = _gradient_dims(input, dim)
    spacings = _gradient_spacing(input, spacing, dim, dims)
    for d in dims:
        if input._data.shape[d] < edge_order + 1:
            raise RuntimeError(f"{op} expected each dimension size to be at least edge_order+1")
    x = input if input.dtype.kind in "fc" else input.to(dtypes.get_default_dtype())
    return tuple(_gradient_along(x, d, h, edge_order) for d, h in zip(dims, spacings))


def _gradient_dims(input: Tensor, dim) -> tuple:
    if dim is None:
        return tuple(range(input.ndim))
    raw = (dim,) if isinstance(dim, (builtins.int, np.integer)) else tuple(dim)
    dims = tuple(_check_dim("torch.gradient", d, input.ndim) for d in raw)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"torch.gradient: dim {raw} appears multiple times in the list of dims")
    return dims


def _gradient_spacing(input: Tensor, spacing, dim, dims) -> list:
    if isinstance(spacing, (builtins.int, builtins.float, np.number)) or (
            isinstance(spacing, Tensor) and spacing.ndim == 0):
        return [spacing] * len(dims)
    spacing = list(spacing)
    if len(spacing) != len(dims):
        if dim is None:
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
                               f"equal to 'self.dim() = {input.ndim}', since dim argument was not given, but got "
                               f"a list of length {len(spacing)}")
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                           f"arguments to have the same length, but got a spacing argument of length "
                           f"{len(spacing)} and a dim argument of length {len(dims)}.")
    for h, d in zip(spacing, dims):
        if isinstance(h, Tensor) and h.ndim != 0:
            if h.ndim != 1 or h._data.shape[0] != input._data.shape[d]:
                raise RuntimeError(f"torch.gradient expected each tensor to be on the same device and have "
                                   f"as many elements as the dimension it applies to ({input._data.shape[d]} "
                                   f"along dim {d}), but got coordinates of shape {tuple(h.shape)}")
            if h._dev is not input._dev:
                raise RuntimeError(f"torch.gradient: coordinates are on {h._dev} but input is on {input._dev}")
    return spacing


def _gradient_along(f: Tensor, d: int, h, edge_order: int) -> Tensor:
    n = f._data.shape[d]

    def part(start, length):
        return S.narrow(f, d, start, length)

    if isinstance(h, Tensor) and h.ndim == 1:
        return _uneven_gradient(f, d, h, edge_order, part, n)
    interior = (part(2, n - 2) - part(0, n - 2)) / (2 * h)
    if edge_order == 1:
        first = (part(1, 1) - part(0, 1)) / h
        last = (part(n - 1, 1) - part(n - 2, 1)) / h
    else:
        first = (-1.5 * part(0, 1) + 2.0 * part(1, 1) - 0.5 * part(2, 1)) / h
        last = (0.5 * part(n - 3, 1) - 2.0 * part(n - 2, 1) + 1.5 * part(n - 1, 1)) / h
    return S.cat([first, interior, last], d)


def _uneven_gradient(f: Tensor, d: int, x: Tensor, edge_order: int, part, n: int) -> Tensor:
    """numpy.gradient's formulas for sample coordinates ``x`` along ``d`` (PyTorch uses the same)."""
    view = [1] * f.ndim
    view[d] = -1

    def coords(start, length):
        return S.reshape(S.narrow(x, 0, start, length), tuple(view))

    dx = coords(1, n - 1) - coords(0, n - 1)  # spacing between neighbours
    hl, hr = S.narrow(dx, d, 0, n - 2), S.narrow(dx, d, 1, n - 2)
    a = -hr / (hl * (hl + hr))
    b = (hr - hl) / (hl * hr)
    c = hl / (hr * (hl + hr))
    interior = a * part(0, n - 2) + b * part(1, n - 2) + c * part(2, n - 2)
    if edge_order == 1:
        first = (part(1, 1) - part(0, 1)) / S.narrow(dx, d, 0, 1)
        last = (part(n - 1, 1) - part(n - 2, 1)) / S.narrow(dx, d, n - 2, 1)
    else:
        h1, h2 = S.narrow(dx, d, 0, 1), S.narrow(dx, d, 1, 1)
        first = (-(2 * h1 + h2) / (h1 * (h1 + h2)) * part(0, 1) + (h1 + h2) / (h1 * h2) * part(1, 1)
                 - h1 / (h2 * (h1 + h2)) * part(2, 1))
        h1, h2 = S.narrow(dx, d, n - 3, 1), S.narrow(dx, d, n - 2, 1)
        last = (h2 / (h1 * (h1 + h2)) * part(n - 3, 1) - (h2 + h1) / (h1 * h2) * part(n - 2, 1)
                + (2 * h2 + h1) / (h2 * (h1 + h2)) * part(n - 1, 1))
    return S.cat([first, interior, last], d)


# ---------------------------------------------------------------------------- histogramdd
HistogramddResult = namedtuple("histogramdd", ["hist", "bin_edges"])


def histogramdd(input: Tensor, bins=10, *, range=None, weight: Tensor | None = None, density: bool = False):
    """``(hist, bin_edges)``: the D-dimensional histogram of the points in ``input`` (``(..., D)``:
    the last dim holds a point's coordinates).  ``bins``: one number for every dim, a number per
    dim, or a list of D 1-D tensors of increasing edges.  ``range``: ``[lo_0, hi_0, lo_1, ...]``
    (each dim's min and max by default).  Bins include their left edge, the last one its right
    edge too; points outside are dropped.  ``weight`` (one per point) sums weights; ``density``
    scales so the histogram integrates to 1.  float32 / float64 only; not differentiable.

    >>> import autograd_core as ag
    >>> hist, edges = ag.histogramdd(ag.tensor([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]]), bins=2)
    >>> hist
    tensor([[1., 0.],
            [1., 1.]])
    """
    op = "torch.histogramdd"
    _tensor_arg("histogramdd", "input", input)
    dt = input._data.dtype
    if dt.name not in ("float32", "float64"):
        raise RuntimeError(f"{op}: not implemented for {_torch_dtype(dt)}; pass a float32 or float64 tensor")
    if input.ndim < 1:
        raise RuntimeError(f"{op}: input tensor should have at least 1 dimension, but got 0 dimensions")
    xp, dev = input._dev.xp, input._dev
    ndim_pts = input._data.shape[-1]
    pts = input._data.reshape(-1, ndim_pts)
    if weight is not None:
        _tensor_arg("histogramdd", "weight", weight)
        if tuple(weight.shape) != tuple(input.shape[:-1]):
            raise RuntimeError(f"{op}: if weight tensor is provided it should have the same shape as the input "
                               f"tensor excluding its innermost dimension, but got input with shape "
                               f"{tuple(input.shape)} and weight with shape {tuple(weight.shape)}")
        if weight.dtype != dt:
            raise RuntimeError(f"{op}: if weight tensor is provided, input tensor and weight tensor should have "
                               f"the same dtype, but got input {input.dtype} and weight {weight.dtype}")
    edges = _histogramdd_edges(op, input, pts, bins, range)
    counts = [e.shape[0] - 1 for e in edges]
    keep = xp.ones(pts.shape[0], dtype=bool)
    flat = xp.zeros(pts.shape[0], dtype=np.int64)
    for k, e in enumerate(edges):
        col = pts[:, k]
        keep &= (col >= e[0]) & (col <= e[-1])
        idx = xp.searchsorted(e, col, side="right") - 1
        idx = xp.clip(idx, 0, counts[k] - 1)  # the last edge belongs to the last bin
        flat = flat * counts[k] + idx
    w = keep.astype(dt) if weight is None else weight._data.reshape(-1) * keep
    total = builtins.int(np.prod(counts))
    hist = xp.bincount(xp.where(keep, flat, 0), weights=w, minlength=total)[:total].astype(dt).reshape(counts)
    if density:
        widths = [xp.diff(e) for e in edges]
        volume = widths[0]
        for wk in widths[1:]:
            volume = volume[..., None] * wk
        hist = hist / (hist.sum() * volume)
    return HistogramddResult(Tensor._wrap(hist, dev), [Tensor._wrap(e, dev) for e in edges])


def _histogramdd_edges(op: str, input: Tensor, pts, bins, range) -> list:
    xp, dt = input._dev.xp, input._data.dtype
    d = pts.shape[1]
    if isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor):
        if len(bins) != d:
            raise RuntimeError(f"{op}: expected {d} sequences of bin edges for each of the {d} dimensions of "
                               f"input, but got {len(bins)} bin edges tensors")
        if range is not None:
            raise TypeError(f"{op}: range can't be given with tensors of bin edges (the edges set the range)")
        for b in bins:
            if b.ndim != 1 or b._data.shape[0] < 1 or b.dtype != dt:
                raise RuntimeError(f"{op}: bin edges must be 1-D tensors of input's dtype {input.dtype}, got "
                                   f"shape {tuple(b.shape)} and dtype {b.dtype}")
        return [b._data for b in bins]
    counts = [bins] * d if isinstance(bins, (builtins.int, np.integer)) else list(bins)
    if len(counts) != d:
        raise RuntimeError(f"{op}: expected {d} bin counts for each of the {d} dimensions of input, but got "
                           f"{len(counts)} bin counts")
    for c in counts:
        if not isinstance(c, (builtins.int, np.integer)) or isinstance(c, builtins.bool) or c <= 0:
            raise RuntimeError(f"{op}: bins must be > 0, but got {c} for one of the dimensions")
    if range is not None:
        if len(range) != 2 * d:
            raise RuntimeError(f"{op}: for a {d}-dimensional histogram, range should have {2 * d} elements, but "
                               f"got {len(range)}")
        bounds = [(builtins.float(range[2 * k]), builtins.float(range[2 * k + 1])) for k in builtins.range(d)]
    elif pts.shape[0] == 0:
        bounds = [(0.0, 0.0)] * d
    else:
        lo, hi = pts.min(axis=0), pts.max(axis=0)  # (one transfer of 2*D numbers: the edges are metadata)
        lo_h, hi_h = input._dev.backend.to_numpy(lo), input._dev.backend.to_numpy(hi)
        bounds = [(builtins.float(a), builtins.float(b)) for a, b in zip(lo_h, hi_h)]
    edges = []
    for (lo, hi), c in zip(bounds, counts):
        if lo > hi:
            raise RuntimeError(f"{op}: min should not exceed max, but got min {lo} max {hi}")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"{op}: range of [{lo}, {hi}] is not finite")
        if lo == hi:  # (PyTorch widens an empty range by one on each side, as histc does)
            lo, hi = lo - 1.0, hi + 1.0
        edges.append(_linspace(xp, lo, hi, c + 1, dt))  # (histogram's: PyTorch's linspace, rounding included)
    return edges


# ---------------------------------------------------------------------------- the Q of geqrf
def orgqr(input: Tensor, tau: Tensor) -> Tensor:
    """The first ``n`` columns of the Q whose Householder reflectors ``geqrf`` returned
    (PyTorch's alias of ``linalg.householder_product``).

    >>> import autograd_core as ag
    >>> a, tau = ag.geqrf(ag.tensor([[3.0, 1.0], [4.0, 2.0]], dtype=ag.float64))
    >>> ag.orgqr(a, tau).abs().round(decimals=12).tolist()
    [[0.6, 0.8], [0.8, 0.6]]
    """
    from autograd_core.ops.decompositions import householder_product

    return householder_product(input, tau)


def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True, transpose: bool = False) -> Tensor:
    """``Q @ other`` (``left``) or ``other @ Q``, with ``Q.mT`` instead when ``transpose``, where Q
    is the full square orthogonal matrix of the reflectors ``geqrf`` returned (``input``
    ``(*, mn, k)``, ``tau`` ``(*, min(mn, k))``).  Composed from ``householder_product`` (the
    reflectors padded with zero ones, which are the identity, to give the square Q) and matmul.

    >>> import autograd_core as ag
    >>> A = ag.tensor([[3.0, 1.0], [4.0, 2.0]], dtype=ag.float64)
    >>> a, tau = ag.geqrf(A)
    >>> R = a.triu()
    >>> ag.allclose(ag.ormqr(a, tau, R), A)
    True
    """
    from autograd_core.ops.decompositions import householder_product
    from autograd_core.ops.linalg import matmul

    op = "torch.ormqr"
    for name, t in (("input", input), ("tau", tau), ("other", other)):
        _tensor_arg("ormqr", name, t)
    if input.ndim < 2 or other.ndim < 2:
        raise RuntimeError(f"{op}: input and other must have at least 2 dimensions, got shapes "
                           f"{tuple(input.shape)} and {tuple(other.shape)}")
    if tau.ndim != input.ndim - 1:
        raise RuntimeError(f"{op}: input.dim() - tau.dim() must be equal to 1 but got {input.ndim - tau.ndim}")
    mn, k = input._data.shape[-2], tau._data.shape[-1]
    side = other._data.shape[-2] if left else other._data.shape[-1]
    if side != mn:
        which = "other.shape[-2]" if left else "other.shape[-1]"
        raise RuntimeError(f"{op}: {which} must be equal to input.shape[-2] ({mn}), got shapes input "
                           f"{tuple(input.shape)} and other {tuple(other.shape)}")
    if k > mn or k > input._data.shape[-1]:
        raise RuntimeError(f"{op}: tau.shape[-1] must be less than or equal to input.shape[-2] and "
                           f"input.shape[-1], got tau {tuple(tau.shape)} and input {tuple(input.shape)}")
    v = S.narrow(input, -1, 0, k)
    if k < mn:  # zero reflectors (tau = 0) are the identity: they complete Q to mn x mn
        v = S.cat([v, v.new_zeros(tuple(input.shape[:-1]) + (mn - k,))], -1)
        tau = S.cat([tau, tau.new_zeros(tuple(tau.shape[:-1]) + (mn - k,))], -1)
    Q = householder_product(v, tau)
    if transpose:
        Q = S.transpose(Q, -2, -1)
    return matmul(Q, other) if left else matmul(other, Q)


# ---------------------------------------------------------------------------- randomized low-rank SVD / PCA
def _approximate_basis(A: Tensor, q: int, niter: int, M: Tensor | None) -> Tensor:
    """Q with ``q`` orthonormal columns whose span approximates that of ``A - M`` (Halko, Martinsson
    and Tropp 2009, algorithm 4.4: a random projection, then ``niter`` subspace iterations)."""
    from autograd_core.factories import randn
    from autograd_core.linalg import qr

    def times(B: Tensor, X: Tensor, Mx: Tensor | None) -> Tensor:
        out = B @ X
        return out if Mx is None else out - Mx @ X

    dt = A.dtype if A.dtype.kind == "f" else dtypes.get_default_dtype()
    R = randn(A.shape[-1], q, dtype=dt, device=A.device)
    Q = qr(times(A, R, M)).Q
    At = S.transpose(A, -2, -1)
    Mt = None if M is None else S.transpose(M, -2, -1)
    for _ in builtins.range(niter):
        Q = qr(times(At, Q, Mt)).Q
        Q = qr(times(A, Q, M)).Q
    return Q


SVDLowRank = namedtuple("svd_lowrank", ["U", "S", "V"])


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None) -> tuple:
    """``(U, S, V)`` with ``A - M ~= U diag(S) V^T`` of rank ``q``, by PyTorch's randomized algorithm
    (Halko et al. 2009, algorithm 5.1): a basis of ``q`` random projections refined by ``niter``
    subspace iterations, then the SVD of the small projected matrix.  Draws from the default
    generator (``manual_seed`` for repeatable results).  Differentiable through the matmuls,
    QRs and SVD it is made of.

    >>> import autograd_core as ag
    >>> _ = ag.manual_seed(0)
    >>> A = ag.tensor([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]], dtype=ag.float64)
    >>> U, S, V = ag.svd_lowrank(A, q=1)
    >>> round(S.item(), 6), round((U * S @ V.mT - A).abs().max().item(), 12)
    (8.3666, 0.0)
    """
    from autograd_core.linalg import svd

    _tensor_arg("svd_lowrank", "A", A)
    if A.ndim < 2:
        raise RuntimeError(f"svd_lowrank: A must have at least 2 dimensions, got shape {tuple(A.shape)}")
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    m, n = A._data.shape[-2:]
    if M is not None:
        M = S.broadcast_to(M, tuple(A.shape))
    if m < n:  # work with the tall matrix
        A = S.transpose(A, -2, -1)
        M = None if M is None else S.transpose(M, -2, -1)
    Q = _approximate_basis(A, q, niter, M)
    Qt = S.transpose(Q, -2, -1)
    B = Qt @ A if M is None else Qt @ A - Qt @ M
    U, Sv, Vh = svd(B, full_matrices=False)
    V = S.transpose(Vh, -2, -1)
    U = Q @ U
    return SVDLowRank(V, Sv, U) if m < n else SVDLowRank(U, Sv, V)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> tuple:
    """``(U, S, V)``: the randomized SVD (``svd_lowrank``) of ``A`` with its column means removed
    (``center``): the columns of V are the principal directions, ``S**2 / (m - 1)`` the variances
    along them.  ``q`` defaults to ``min(6, m, n)``.

    >>> import autograd_core as ag
    >>> _ = ag.manual_seed(0)
    >>> U, S, V = ag.pca_lowrank(ag.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], dtype=ag.float64), q=1)
    >>> round(S.item() ** 2 / 2, 12), V.abs().flatten().tolist() == [0.7071067811865475] * 2
    (2.0, True)
    """
    _tensor_arg("pca_lowrank", "A", A)
    if A.ndim < 2:
        raise RuntimeError(f"pca_lowrank: A must have at least 2 dimensions, got shape {tuple(A.shape)}")
    m, n = A._data.shape[-2:]
    if q is None:
        q = builtins.min(6, m, n)
    elif not (q >= 0 and q <= builtins.min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={builtins.min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return svd_lowrank(A, q, niter=niter)
    return svd_lowrank(A - A.mean(dim=-2, keepdim=True), q, niter=niter)


# ---------------------------------------------------------------------------- samplers
def _uniform(shape, dev, generator):
    from autograd_core.factories import _uniform_like

    return _uniform_like(shape, dev, generator)


def _log_factorial(xp, k):
    """``log(k!)`` for arrays of non-negative whole numbers (float64): Stirling's series at
    ``k + 9`` (accurate to ~1e-15 there), shifted back down by the eight factors in between."""
    x = k + 9.0
    series = (x - 0.5) * xp.log(x) - x + 0.5 * math.log(2 * math.pi) + 1 / (12 * x) - 1 / (360 * x ** 3) \
        + 1 / (1260 * x ** 5) - 1 / (1680 * x ** 7)
    shift = xp.zeros_like(k)
    for j in builtins.range(1, 9):
        shift = shift + xp.log(k + j)
    return series - shift


def _poisson_small(xp, lam, dev, generator):
    """Poisson counts for rates below 10 by multiplying uniforms until the product falls below
    ``exp(-lam)`` (Knuth); a few dozen rounds at most, every element at once."""
    k = xp.zeros(lam.shape, dtype=np.float64)
    limit = xp.exp(-lam)
    prod = xp.ones(lam.shape, dtype=np.float64)
    active = lam > 0
    while builtins.bool(active.any()):
        prod = xp.where(active, prod * _uniform(lam.shape, dev, generator), prod)
        active = active & (prod > limit)
        k = k + active
    return k


def _poisson_ptrs(xp, lam, dev, generator):
    """Poisson counts for rates of 10 and above by Hormann's transformed rejection with squeeze
    (PTRS, 1993: NumPy's algorithm too); each round redraws only what was rejected."""
    slam, loglam = xp.sqrt(lam), xp.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    out = xp.zeros(lam.shape, dtype=np.float64)
    pending = xp.ones(lam.shape, dtype=bool)
    while builtins.bool(pending.any()):
        u = _uniform(lam.shape, dev, generator) - 0.5
        v = _uniform(lam.shape, dev, generator)
        us = 0.5 - xp.abs(u)
        k = xp.floor((2 * a / us + b) * u + lam + 0.43)
        quick = (us >= 0.07) & (v <= vr)
        possible = (k >= 0) & ~((us < 0.013) & (v > us))
        kk = xp.where(k >= 0, k, 0.0)
        slow = xp.log(v) + xp.log(invalpha) - xp.log(a / (us * us) + b) <= -lam + kk * loglam - _log_factorial(xp, kk)
        accept = pending & (quick | (possible & slow))
        out = xp.where(accept, k, out)
        pending = pending & ~accept
    return out


def poisson(input: Tensor, generator=None) -> Tensor:
    """Counts drawn from Poisson distributions with the rates in ``input`` (non-negative floats),
    in its shape and dtype.  As in PyTorch the draw passes a zero gradient to the rates.

    >>> import autograd_core as ag
    >>> ag.poisson(ag.tensor([0.0, 0.0]))
    tensor([0., 0.])
    """
    _tensor_arg("poisson", "input", input)
    if input.dtype.kind != "f":
        raise RuntimeError(f"poisson: not implemented for {_torch_dtype(input.dtype)}; the rates must be a "
                           "floating-point tensor (convert with .float())")
    xp, dev = input._dev.xp, input._dev
    lam = input._data.astype(np.float64)
    if builtins.bool((lam < 0).any()) or builtins.bool(xp.isnan(lam).any()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    small = lam < 10
    draws = xp.where(small, _poisson_small(xp, xp.where(small, lam, 0.0), dev, generator), 0.0)
    if not builtins.bool(small.all()):
        draws = xp.where(small, draws, _poisson_ptrs(xp, xp.where(small, 10.0, lam), dev, generator))
    return E.PiecewiseConstant.apply(lambda xp_, a: draws.astype(a.dtype), input)


def binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """Numbers of successes in ``count`` trials of probability ``prob`` (float tensors, broadcast),
    drawn by counting geometric waiting times between successes (exact; the rounds grow with
    ``count * min(prob, 1 - prob)``).  Not differentiable, as in PyTorch: the result takes part in
    the graph but its backward raises.

    >>> import autograd_core as ag
    >>> ag.binomial(ag.tensor([5.0, 10.0]), ag.tensor([1.0, 0.0]))
    tensor([5., 0.])
    """
    _tensor_arg("binomial", "count", count)
    _tensor_arg("binomial", "prob", prob)
    for name, t in (("count", count), ("prob", prob)):
        if t.dtype.kind != "f":
            raise ValueError(f"binomial only supports floating-point dtypes for {name}, got: "
                             f"{_torch_dtype(t.dtype)[6:].capitalize()}")
    if count._dev is not prob._dev:
        raise RuntimeError(f"binomial: count is on {count._dev} but prob is on {prob._dev}")
    xp, dev = count._dev.xp, count._dev
    n, p = xp.broadcast_arrays(count._data.astype(np.float64), prob._data.astype(np.float64))
    n = xp.floor(xp.maximum(n, 0.0))
    flip = p > 0.5  # count failures instead: fewer rounds
    q = xp.where(flip, 1.0 - p, p)
    successes = xp.zeros(n.shape, dtype=np.float64)
    position = xp.zeros(n.shape, dtype=np.float64)
    active = (q > 0) & (n > 0)
    log_fail = xp.log1p(-xp.where(active, q, 0.5))
    while builtins.bool(active.any()):
        u = _uniform(n.shape, dev, generator)
        # the trial of the next success: a geometric waiting time, ceil(log(1 - u) / log(1 - q))
        position = position + xp.maximum(xp.ceil(xp.log1p(-u) / log_fail), 1.0)
        hit = active & (position <= n)
        successes = successes + hit
        active = hit
    draws = xp.where(flip, n - successes, successes)
    dt = np.result_type(count._data.dtype, prob._data.dtype)
    return _NotDifferentiable.apply(lambda xp_, *_: draws.astype(dt), count, prob)


class _NotDifferentiable(E.PiecewiseConstant):
    """A value PyTorch records without a derivative: backward through it raises, as PyTorch's does."""

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::binomial is not implemented")


# PyTorch's top-level in-place functions (``torch.abs_(x)`` ...) that are Tensor methods here:
# autograd_core/__init__.py binds each name to the method itself.
TOP_LEVEL_IN_PLACE = (
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_",
    "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_",
    "deg2rad_", "detach_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_", "i0_",
    "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_",
    "reciprocal_", "resize_as_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_",
    "tan_", "tanh_", "trunc_", "xlogy_", "zero_",
)  # fmt: skip
