"""Pooling and upsampling (nearest, linear, cubic), composed from ``ag.pad``, ``ag.sliding_windows`` and reductions.

Max pooling takes the windows ``(N, C, kh*kw, oh, ow)`` of the ``-inf``-padded
input, flags each window's first maximum (flags need no gradient) and keeps that
element by a multiply (``ag.where`` when infinities are about): the gradient then
reaches exactly one element per window, as in PyTorch, instead of being shared
between ties as ``amax`` would.  Average
pooling sums the windows (a strided view, no copy) and divides by PyTorch's
per-window count.  Index tables (divisors, nearest-neighbour sources, adaptive
averaging matrices) are host-side metadata, built once per call with NumPy and
moved to the input's device.
"""

from __future__ import annotations

import math

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from nn.functional._conv import _flat_pad

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "interpolate",
    "upsample",
    "pixel_shuffle",
    "pixel_unshuffle",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "channel_shuffle",
]


def _ntuple(value, n: int, name: str, op: str) -> tuple:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    try:
        out = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(out) == 1 and n > 1:
        out = out * n
    if len(out) != n:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    return out


def _as_batched(op: str, input: Tensor, n: int) -> tuple[Tensor, bool]:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{op}: expected a {n + 1}-D (unbatched) or {n + 2}-D (batched) input, got shape {tuple(input.shape)}"
        )
    if any(s == 0 for s in input.shape[-n:]):
        raise RuntimeError(f"{op}: expected non-empty spatial dims, got input of shape {tuple(input.shape)}")
    return (input, True) if input.ndim == n + 2 else (input.unsqueeze(0), False)


def pool_output_size(op, size, kernel, stride, pad, dilation, ceil_mode) -> int:
    """PyTorch's ``pooling_output_shape``: with ``ceil_mode`` the last window must start inside the input
    or its left padding."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _geometry(op, x, kernel_size, stride, padding, dilation, ceil_mode, n, max_pool):
    kernel = _ntuple(kernel_size, n, "kernel_size", op)
    stride = (
        kernel
        if stride is None or (not isinstance(stride, int) and len(stride) == 0)
        else _ntuple(stride, n, "stride", op)
    )
    padding = _ntuple(padding, n, "padding", op)
    dilation = _ntuple(dilation, n, "dilation", op)
    for name, v in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        if any(e <= 0 for e in v):
            raise ValueError(f"{op}: {name} must be positive, got {v}")
    for p, k, d in zip(padding, kernel, dilation):
        limit = (d * (k - 1) + 1) // 2 if max_pool else k // 2
        if p < 0 or p > limit:
            raise ValueError(
                f"{op}: padding should be at most half of the effective kernel size, got padding={padding}, "
                f"kernel_size={kernel}" + (f" and dilation={dilation}" if max_pool else "")
            )
    sizes = x.shape[2:]
    outs = tuple(
        pool_output_size(op, s, k, st, p, d, ceil_mode)
        for s, k, st, p, d in zip(sizes, kernel, stride, padding, dilation)
    )
    if any(o < 1 for o in outs):
        raise RuntimeError(
            f"{op}: input of shape {tuple(x.shape)} is too small for kernel_size={kernel}, stride={stride}, "
            f"padding={padding}, dilation={dilation}: calculated output size {outs}"
        )
    # Right padding so the windows view yields exactly ``outs`` windows (ceil_mode may need more than ``pad``).
    pairs = tuple(
        (p, max(p, (o - 1) * st + d * (k - 1) + 1 - s - p))
        for s, k, st, p, d, o in zip(sizes, kernel, stride, padding, dilation, outs)
    )
    return kernel, stride, padding, dilation, outs, pairs


def _max_pool(op, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, n):
    x, batched = _as_batched(op, input, n)
    if not x.is_floating_point():
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")
    kernel, stride, padding, dilation, outs, pairs = _geometry(
        op, x, kernel_size, stride, padding, dilation, ceil_mode, n, max_pool=True
    )
    lead = x.shape[:2]
    padded = any(lo or hi for lo, hi in pairs)
    with ag.no_grad():
        finite = bool(ag.isfinite(x).all())
    if padded:
        x = ag.pad(x, _flat_pad(pairs), value=-math.inf)
    kk = math.prod(kernel)
    cols = ag.sliding_windows(x, kernel, stride, dilation)
    cols = cols.reshape(lead + (kk,) + outs)  # the one copy: windows as (N, C, kk, *out)
    with ag.no_grad():
        hit = _window_max_flags(cols, kk, finite)
    # Selecting with a multiply is 5x cheaper than ag.where in NumPy, but inf * 0 is nan.
    select_by_mul = finite and not padded
    out = (cols * hit if select_by_mul else ag.where(hit, cols, 0.0)).sum(2)
    if not batched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    # Flat index of each window's maximum into the (unpadded) input's spatial dims, PyTorch's convention.
    sizes = input.shape[-n:]
    offsets = np.zeros(kernel, dtype=np.int64)
    base = np.zeros(outs, dtype=np.int64)
    scale = 1
    for d in reversed(range(n)):
        shape = [1] * n
        shape[d] = -1
        offsets = offsets + (np.arange(kernel[d]) * dilation[d] * scale).reshape(shape)
        base = base + ((np.arange(outs[d]) * stride[d] - padding[d]) * scale).reshape(shape)
        scale *= sizes[d]
    with ag.no_grad():
        first = (hit * ag.arange(kk, device=x.device).reshape((kk,) + (1,) * n)).sum(2)  # one flag per window
        table = ag.tensor(offsets.reshape(-1), device=x.device)
        indices = table[first] + ag.tensor(base, device=x.device)
    return out, (indices if batched else indices.squeeze(0))


def _window_max_flags(cols: Tensor, kk: int, finite: bool) -> Tensor:
    """Flags, over dim 2 of ``(N, C, kk, *out)`` windows, of the element PyTorch's max pooling picks.

    That is the first maximum of each window, or, in a window holding nan, its last nan (PyTorch's
    kernel takes ``val > max or isnan(val)``).  Built from equal-to-max flags without argmax, which
    NumPy runs several times slower over a middle axis.
    """
    hit = _only_first(cols == cols.amax(2, keepdim=True), kk)
    if not finite:  # max is nan in a window with a nan: no equal-to-max flag there, take its last nan
        hit = hit | _only_first(ag.isnan(cols).flip((2,)), kk).flip((2,))
    return hit


def _only_first(flags: Tensor, kk: int) -> Tensor:
    """Keep only the first true flag of each window along dim 2 (a few passes over window-sized slices)."""
    if kk == 1:
        return flags
    seen = flags[:, :, 0]
    kept = [seen]
    for k in range(1, kk):
        kept.append(flags[:, :, k] & ~seen)
        if k < kk - 1:
            seen = seen | flags[:, :, k]
    return ag.stack(kept, 2)


def max_pool1d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """1-D max pooling over ``(N, C, L)``; padding is ``-inf``; ``stride`` defaults to ``kernel_size``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.max_pool1d(ag.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2).tolist()
    [[[3.0, 5.0]]]
    """
    x, batched = _as_batched("max_pool1d", input, 1)
    out = _max_pool(
        "max_pool1d",
        x.unsqueeze(2),
        (1, _ntuple(kernel_size, 1, "kernel_size", "max_pool1d")[0]),
        (1, _ntuple(kernel_size if stride is None else stride, 1, "stride", "max_pool1d")[0]),
        (0, _ntuple(padding, 1, "padding", "max_pool1d")[0]),
        (1, _ntuple(dilation, 1, "dilation", "max_pool1d")[0]),
        ceil_mode,
        return_indices,
        2,
    )
    if return_indices:
        out, idx = out
        out, idx = out.squeeze(2), idx.squeeze(2)
        return (out, idx) if batched else (out.squeeze(0), idx.squeeze(0))
    out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def max_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """2-D max pooling over ``(N, C, H, W)``; the gradient goes to each window's first maximum.

    With ``return_indices=True`` also returns the flat ``h * W + w`` index of each maximum.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.max_pool2d(ag.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    return _max_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool3d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """3-D max pooling over ``(N, C, D, H, W)``; the gradient goes to each window's first maximum.

    With ``return_indices=True`` also returns the flat ``(d * H + h) * W + w`` index of each maximum.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.max_pool3d(ag.arange(8.0).reshape(1, 1, 2, 2, 2), 2).tolist()
    [[[[[7.0]]]]]
    """
    return _max_pool("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """``max_pool1d(..., return_indices=True)``: always ``(output, indices)``, whatever ``return_indices``
    says (PyTorch's name for the form that returns the indices).

    >>> import autograd_core as ag, nn.functional as F
    >>> out, idx = F.max_pool1d_with_indices(ag.tensor([[[1.0, 3.0, 2.0, 5.0]]]), 2)
    >>> out.tolist(), idx.tolist()
    ([[[3.0, 5.0]]], [[[1, 3]]])
    """
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """``max_pool2d(..., return_indices=True)``: always ``(output, indices)``."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """``max_pool3d(..., return_indices=True)``: always ``(output, indices)``."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def _avg_pool(op, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, n):
    x, batched = _as_batched(op, input, n)
    if not x.is_floating_point():
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")
    if divisor_override is not None and (not isinstance(divisor_override, int) or divisor_override == 0):
        raise ValueError(f"{op}: divisor_override must be a non-zero int, got {divisor_override!r}")
    kernel, stride, padding, _, outs, pairs = _geometry(
        op, x, kernel_size, stride, padding, 1, ceil_mode, n, max_pool=False
    )
    sizes = x.shape[2:]
    if any(lo or hi for lo, hi in pairs):
        x = ag.pad(x, _flat_pad(pairs))
    cols = ag.sliding_windows(x, kernel, stride)
    total = cols.sum(tuple(range(2, 2 + n)))  # a reduction over the strided view: no im2col copy
    if divisor_override is not None:
        out = total / float(divisor_override)
    else:
        # PyTorch's divisor: the window clipped to the padded input (count_include_pad) or to the input itself.
        divisor = np.ones((), dtype=np.float64)
        for d in range(n):
            start = np.arange(outs[d]) * stride[d] - padding[d]
            end = np.minimum(start + kernel[d], sizes[d] + padding[d])
            if not count_include_pad:
                start, end = np.maximum(start, 0), np.minimum(end, sizes[d])
            shape = [1] * n
            shape[d] = -1
            divisor = divisor * (end - start).reshape(shape)
        if np.all(divisor == divisor.flat[0]):
            out = total / float(divisor.flat[0])
        else:
            out = total / ag.tensor(divisor, dtype=total.dtype, device=total.device)
    return out if batched else out.squeeze(0)


def avg_pool1d(
    input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True
) -> Tensor:
    """1-D average pooling over ``(N, C, L)``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.avg_pool1d(ag.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2).tolist()
    [[[2.0, 4.0]]]
    """
    return _avg_pool("avg_pool1d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def avg_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2-D average pooling over ``(N, C, H, W)``, with PyTorch's divisor rules.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.avg_pool2d(ag.ones(1, 1, 4, 4), 3, stride=1, padding=1, count_include_pad=False).shape
    torch.Size([1, 1, 4, 4])
    """
    return _avg_pool(
        "avg_pool2d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2
    )


def avg_pool3d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """3-D average pooling over ``(N, C, D, H, W)``, with PyTorch's divisor rules.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.avg_pool3d(ag.ones(1, 1, 4, 4, 4), 2, divisor_override=1).flatten().tolist()[:2]
    [8.0, 8.0]
    """
    return _avg_pool(
        "avg_pool3d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3
    )


def _adaptive_sizes(op, x, output_size, n) -> tuple:
    """The output's spatial sizes; ``None`` in ``output_size`` keeps the input's size."""
    if not x.is_floating_point():
        raise TypeError(f"{op}: expected a floating-point input, got {x.dtype}")
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size,) * n
    output_size = tuple(output_size)
    if len(output_size) != n:
        raise ValueError(f"{op}: output_size must be an int or a tuple of {n} (int or None), got {output_size}")
    outs = tuple(s if o is None else int(o) for s, o in zip(x.shape[2:], output_size))
    if any(o <= 0 for o in outs):
        raise ValueError(f"{op}: output_size must be positive, got {output_size}")
    return outs


def _adaptive_avg(op, input, output_size, n):
    x, batched = _as_batched(op, input, n)
    outs = _adaptive_sizes(op, x, output_size, n)
    for d in range(n):
        axis = 2 + d
        size, out = x.shape[axis], outs[d]
        if size == out:
            continue
        if size % out == 0:  # equal, disjoint windows: a reshape and a mean
            k = size // out
            x = x.reshape(x.shape[:axis] + (out, k) + x.shape[axis + 1 :]).mean(axis + 1)
            continue
        # Window i covers [floor(i*size/out), ceil((i+1)*size/out)): average with an (out, size) matrix.
        i = np.arange(out)
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        j = np.arange(size)
        x = _matmul_along(x, axis, ((j >= start[:, None]) & (j < end[:, None])) / (end - start)[:, None])
    return x if batched else x.squeeze(0)


def _matmul_along(x: Tensor, axis: int, weights: np.ndarray) -> Tensor:
    """``out[..., i, ...] = sum_j weights[i, j] * x[..., j, ...]`` along ``axis``: one GEMM with a host-built
    ``(out, size)`` matrix (adaptive averaging windows, antialiasing filters)."""
    mat = ag.tensor(weights, dtype=x.dtype, device=x.device)
    moved = x.transpose(axis, -1) if axis != x.ndim - 1 else x
    moved = ag.matmul(moved, mat.T)
    return moved.transpose(axis, -1) if axis != x.ndim - 1 else moved


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed output length, with PyTorch's window bounds.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.adaptive_avg_pool1d(ag.arange(5.0).reshape(1, 1, 5), 2).tolist()
    [[[1.0, 3.0]]]
    """
    return _adaptive_avg("adaptive_avg_pool1d", input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed ``(oh, ow)`` (``None`` keeps that dim): window ``i`` covers
    ``[floor(i*H/oh), ceil((i+1)*H/oh))``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.adaptive_avg_pool2d(ag.ones(2, 3, 7, 9), (3, None)).shape
    torch.Size([2, 3, 3, 9])
    """
    return _adaptive_avg("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average pooling of ``(N, C, D, H, W)`` to a fixed ``(od, oh, ow)`` (``None`` keeps that dim).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.adaptive_avg_pool3d(ag.ones(2, 3, 5, 7, 9), (1, None, 3)).shape
    torch.Size([2, 3, 1, 7, 3])
    """
    return _adaptive_avg("adaptive_avg_pool3d", input, output_size, 3)


def _adaptive_windows(size: int, out: int) -> np.ndarray:
    """``(out, width)`` source indices of PyTorch's adaptive windows ``[floor(i*size/out), ceil((i+1)*size/out))``,
    padded to the widest window by repeating each window's last index (a repeat changes neither the
    maximum nor which element is the first maximum)."""
    i = np.arange(out)
    start, end = (i * size) // out, -((-(i + 1) * size) // out)
    width = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(width), end[:, None] - 1)


def _adaptive_max(op, input, output_size, return_indices, n):
    x, batched = _as_batched(op, input, n)
    outs = _adaptive_sizes(op, x, output_size, n)
    tables = [_adaptive_windows(size, out) for size, out in zip(x.shape[2:], outs)]
    with ag.no_grad():
        finite = bool(ag.isfinite(x).all())
    cols = x
    for d, table in enumerate(tables):  # gather dim by dim: (N, C, out_1, width_1, ..., out_n, width_n)
        cols = cols[(slice(None),) * (2 + 2 * d) + (ag.tensor(table, device=x.device),)]
    widths = tuple(t.shape[1] for t in tables)
    order = (0, 1) + tuple(3 + 2 * d for d in range(n)) + tuple(2 + 2 * d for d in range(n))
    kk = math.prod(widths)
    cols = cols.permute(order).reshape(x.shape[:2] + (kk,) + outs)  # windows as (N, C, kk, *out), as in _max_pool
    with ag.no_grad():
        hit = _window_max_flags(cols, kk, finite)
    out = (cols * hit if finite else ag.where(hit, cols, 0.0)).sum(2)
    if not batched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    # Flat index into the input's spatial dims of each window element, laid out like ``cols``'s dims 2 onwards.
    flat = np.zeros((1,) * (2 * n), dtype=np.int64)
    scale = 1
    for d in reversed(range(n)):
        shape = [1] * (2 * n)
        shape[d], shape[n + d] = widths[d], outs[d]
        flat = flat + (tables[d].T * scale).reshape(shape)
        scale *= x.shape[2 + d]
    with ag.no_grad():
        indices = (hit * ag.tensor(flat.reshape((kk,) + outs), device=x.device)).sum(2)
    return out, (indices if batched else indices.squeeze(0))


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Adaptive 1-D max pooling over ``(N, C, L)``: output ``i`` is the max over
    ``[floor(i*L/out), ceil((i+1)*L/out))``; the gradient goes to each window's first maximum.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.adaptive_max_pool1d(ag.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2).tolist()
    [[[3.0, 5.0]]]
    """
    return _adaptive_max("adaptive_max_pool1d", input, output_size, return_indices, 1)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Adaptive 2-D max pooling over ``(N, C, H, W)`` (``None`` in ``output_size`` keeps that size).

    With ``return_indices=True`` also returns the flat ``h * W + w`` index of each maximum.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.adaptive_max_pool2d(ag.arange(16.0).reshape(1, 1, 4, 4), 1).tolist()
    [[[[15.0]]]]
    """
    return _adaptive_max("adaptive_max_pool2d", input, output_size, return_indices, 2)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Adaptive 3-D max pooling over ``(N, C, D, H, W)`` (``None`` in ``output_size`` keeps that size).

    With ``return_indices=True`` also returns the flat ``(d * H + h) * W + w`` index of each maximum.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.adaptive_max_pool3d(ag.arange(27.0).reshape(1, 1, 3, 3, 3), 1).flatten().tolist()
    [26.0]
    """
    return _adaptive_max("adaptive_max_pool3d", input, output_size, return_indices, 3)



def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """``adaptive_max_pool1d(..., return_indices=True)``: always ``(output, indices)``."""
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """``adaptive_max_pool2d(..., return_indices=True)``: always ``(output, indices)``."""
    return adaptive_max_pool2d(input, output_size, return_indices=True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """``adaptive_max_pool3d(..., return_indices=True)``: always ``(output, indices)``."""
    return adaptive_max_pool3d(input, output_size, return_indices=True)


def _nearest_source(size: int, out: int, scale, exact: bool = False) -> np.ndarray:
    """PyTorch's nearest index: ``min(floor(dst * s), size - 1)`` in float32, with ``s = 1/scale_factor``
    when a scale factor was given, else ``size/out`` (and exact shortcuts for 1x and 2x).  With ``exact``
    (``"nearest-exact"``, Pillow's and OpenCV's rule) the pixel centres are matched:
    ``min(floor((dst + 0.5) * s), size - 1)``, the product taken in double and rounded to float32."""
    dst = np.arange(out, dtype=np.int64)
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(size) / np.float32(out)
    if exact:
        src = np.floor(((dst + 0.5) * np.float64(s)).astype(np.float32))
        return np.minimum(src.astype(np.int64), size - 1)
    if out == size:
        return dst
    if out == 2 * size:
        return dst >> 1
    return np.minimum(np.floor(dst.astype(np.float32) * s).astype(np.int64), size - 1)


_LINEAR_MODES = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}
_NEAREST_MODES = ("nearest", "nearest-exact")
_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) bicubic convolution coefficient


def _linear_taps(size: int, out: int, scale, align_corners: bool, cubic: bool, dtype) -> list:
    """The source indices and weights of each output position along one dim, as PyTorch's
    ``area_pixel_compute_source_index`` computes them (in the input's float type): two taps
    (floor and next, clamped) for linear modes, four (floor - 1 ... floor + 2, clamped) with
    the cubic convolution weights for bicubic."""
    ft = np.float64 if dtype == np.float64 else np.float32
    dst = np.arange(out).astype(ft)
    if align_corners:
        s = ft(size - 1) / ft(out - 1) if out > 1 else ft(0)
        src = dst * s
    else:
        s = ft(1.0 / scale) if scale is not None and scale > 0 else ft(size) / ft(out)
        src = s * (dst + ft(0.5)) - ft(0.5)
        if not cubic:
            src = np.maximum(src, ft(0))
    i0 = np.floor(src).astype(np.int64)
    t = (src - i0.astype(ft)).astype(ft)
    if not cubic:
        i0 = np.minimum(i0, size - 1)
        return [(i0, 1 - t), (np.minimum(i0 + 1, size - 1), t)]
    a = ft(_CUBIC_A)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
    return [(np.clip(i0 + k - 1, 0, size - 1), w.astype(ft)) for k, w in enumerate(weights)]


def _antialias_weights(size: int, out: int, scale, align_corners: bool, cubic: bool, dtype) -> np.ndarray:
    """The ``(out, size)`` filter matrix of PyTorch's ``antialias=True`` resampling along one dim (Pillow's).

    Output ``i`` is centred at ``c = s * (i + 0.5)`` in the input (``s``: input pixels per output
    pixel).  Downsampling (``s > 1``) widens the triangle (bilinear) or Keys cubic (bicubic, with
    ``a = -0.5`` here, not -0.75) filter by ``s`` so that every input pixel under it contributes;
    upsampling keeps its width.  The taps are the pixels ``[int(c - support + 0.5), int(c + support + 0.5))``
    inside the input, weighted by the filter at their centres and normalised to sum to one (so the
    edges renormalise instead of clamping).  ``align_corners`` changes only ``s``.
    """
    ft = np.float64 if dtype == np.float64 else np.float32
    if align_corners:
        s = ft(size - 1) / ft(out - 1) if out > 1 else ft(0)
    else:
        s = ft(1.0 / scale) if scale is not None and scale > 0 else ft(size) / ft(out)
    half = 2.0 if cubic else 1.0  # half the filter's support at scale 1
    support = half * s if s >= 1 else half
    width = int(math.ceil(support)) * 2 + 1
    invscale = 1.0 / s if s >= 1 else 1.0
    center = s * (np.arange(out).astype(ft) + ft(0.5))
    start = np.maximum((center - support + 0.5).astype(np.int64), 0)  # C's truncating casts
    count = np.clip(np.minimum((center + support + 0.5).astype(np.int64), size) - start, 0, width)
    j = np.arange(width)
    x = np.abs((j + start[:, None] - center[:, None] + 0.5) * invscale)
    if cubic:
        a = -0.5
        w = np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1, np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0))
    else:
        w = np.maximum(1 - x, 0)
    w = np.where(j < count[:, None], w, 0)
    total = w.sum(1, keepdims=True)
    w = np.where(total != 0, w / np.where(total != 0, total, 1), w)
    weights = np.zeros((out, size), dtype=np.float64)
    rows, cols = np.nonzero(j < count[:, None])
    weights[rows, start[rows] + cols] = w[rows, cols]
    return weights


def _interpolate_dim(x: Tensor, axis: int, taps: list) -> Tensor:
    """``sum_k x[..., idx_k, ...] * w_k`` along ``axis``: index_select and a broadcast multiply per tap."""
    view = (-1,) + (1,) * (x.ndim - axis - 1)
    out = None
    for idx, w in taps:
        term = x.index_select(axis, ag.tensor(idx, device=x.device)) * ag.tensor(w, dtype=x.dtype, device=x.device).reshape(view)
        out = term if out is None else out + term
    return out


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims of ``(N, C, *spatial)`` (1 to 3 of them): ``mode`` ``"nearest"``,
    ``"nearest-exact"`` (pixel centres matched, as Pillow and OpenCV), ``"linear"`` (3-D input),
    ``"bilinear"`` or ``"bicubic"`` (4-D), ``"trilinear"`` (5-D), or ``"area"`` (adaptive average
    pooling), with PyTorch's ``align_corners`` rule.  The interpolating modes are separable: along
    each dim, an ``index_select`` per tap and a weighted sum.  ``antialias=True`` (bilinear and
    bicubic, 4-D) widens the filter when downsampling, as PyTorch and Pillow do: one GEMM per dim
    with the filter matrix.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.interpolate(ag.arange(3.0).reshape(1, 1, 3), scale_factor=2).tolist()
    [[[0.0, 0.0, 1.0, 1.0, 2.0, 2.0]]]
    >>> F.interpolate(ag.arange(3.0).reshape(1, 1, 3), size=5, mode="linear", align_corners=True).tolist()
    [[[0.0, 0.5, 1.0, 1.5, 2.0]]]
    """
    if mode not in _NEAREST_MODES + ("area",) and mode not in _LINEAR_MODES:
        raise NotImplementedError(
            f"interpolate: mode {mode!r} is not supported; use 'nearest', 'nearest-exact', 'linear', 'bilinear', "
            "'bicubic', 'trilinear' or 'area'"
        )
    if mode in _NEAREST_MODES + ("area",):
        if align_corners is not None:
            raise ValueError(
                f"interpolate: align_corners can only be set with the interpolating modes "
                f"(linear, bilinear, bicubic, trilinear), not {mode!r}"
            )
    elif align_corners is None:
        align_corners = False
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate: input must be a Tensor, got {type(input).__name__}")
    if antialias and not (mode in ("bilinear", "bicubic") and input.ndim == 4):
        raise ValueError(
            f"interpolate: antialias=True is restricted to the bilinear and bicubic modes and requires a 4-D "
            f"tensor as input, got mode={mode!r} and input of shape {tuple(input.shape)}"
        )
    n = input.ndim - 2
    if n not in (1, 2, 3):
        raise ValueError(
            f"interpolate: expected a 3-D, 4-D or 5-D (N, C, *spatial) input, got shape {tuple(input.shape)}"
        )
    if mode in _LINEAR_MODES and _LINEAR_MODES[mode] != n:
        need = _LINEAR_MODES[mode] + 2
        raise NotImplementedError(f"interpolate: got {input.ndim}D input, but {mode} mode needs {need}D input")
    sizes = input.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        outs = _ntuple(size, n, "size", "interpolate") if not isinstance(size, int) else (size,) * n
        scales = (None,) * n
    else:
        scales = (
            (float(scale_factor),) * n
            if isinstance(scale_factor, (int, float))
            else tuple(float(s) for s in scale_factor)
        )
        if len(scales) != n:
            raise ValueError(f"interpolate: scale_factor must have {n} entries for input of shape {tuple(input.shape)}")
        outs = tuple(int(math.floor(s * f)) for s, f in zip(sizes, scales))
        if recompute_scale_factor:
            scales = (None,) * n
    if any(o <= 0 for o in outs):
        raise ValueError(f"interpolate: output size {outs} must be positive (input shape {tuple(input.shape)})")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[n - 1](input, outs)
    x = input
    if mode in _LINEAR_MODES:
        if x.dtype.kind != "f":
            raise TypeError(f"interpolate: mode {mode!r} needs a floating point input, got dtype {x.dtype}")
        if antialias:
            for d in range(n):
                if outs[d] != sizes[d]:  # PyTorch leaves a dim whose size doesn't change as it is
                    weights = _antialias_weights(sizes[d], outs[d], scales[d], align_corners, mode == "bicubic", x.dtype)
                    x = _matmul_along(x, 2 + d, weights)
            return x
        for d in range(n):
            if outs[d] == sizes[d] and (align_corners or scales[d] in (None, 1.0)):
                continue  # the identity: every output lands exactly on its source
            taps = _linear_taps(sizes[d], outs[d], scales[d], align_corners, mode == "bicubic", x.dtype)
            x = _interpolate_dim(x, 2 + d, taps)
        return x
    for d in range(n):
        axis = 2 + d
        size, out = sizes[d], outs[d]
        src = _nearest_source(size, out, scales[d], exact=mode == "nearest-exact")
        if out == size and np.array_equal(src, np.arange(size)):
            continue
        if out % size == 0 and np.array_equal(src, np.arange(out) // (out // size)):
            # Integer upscale: repeat each element f times with expand + reshape (backward: a sum, no scatter).
            f = out // size
            shp = x.shape
            x = x.unsqueeze(axis + 1).expand(shp[: axis + 1] + (f,) + shp[axis + 1 :])
            x = x.reshape(shp[:axis] + (out,) + shp[axis + 1 :])
        else:
            x = x.index_select(axis, ag.tensor(src, device=x.device))
    return x


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """Deprecated alias of ``interpolate``, kept as PyTorch does."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """``(*, C * r**2, H, W)`` -> ``(*, C, H * r, W * r)``: sub-pixel convolution's rearrangement (a
    reshape and a permute).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.pixel_shuffle(ag.arange(4.0).reshape(1, 4, 1, 1), 2).tolist()
    [[[[0.0, 1.0], [2.0, 3.0]]]]
    """
    r = int(upscale_factor)
    if not isinstance(input, Tensor) or input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle: expected a tensor of at least 3 dims (*, C, H, W), got "
                           f"{getattr(input, 'shape', type(input).__name__)}")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle: upscale_factor must be positive, got {upscale_factor}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            f"pixel_shuffle: the channel dim ({c}) of input of shape {tuple(input.shape)} must be divisible by "
            f"the square of upscale_factor ({r * r})"
        )
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """``(*, C, H * r, W * r)`` -> ``(*, C * r**2, H, W)``: the inverse of ``pixel_shuffle``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.pixel_unshuffle(ag.arange(4.0).reshape(1, 1, 2, 2), 2).flatten().tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    r = int(downscale_factor)
    if not isinstance(input, Tensor) or input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle: expected a tensor of at least 3 dims (*, C, H, W), got "
                           f"{getattr(input, 'shape', type(input).__name__)}")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle: downscale_factor must be positive, got {downscale_factor}")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(
            f"pixel_unshuffle: the height ({h}) and width ({w}) of input of shape {tuple(input.shape)} must be "
            f"divisible by downscale_factor ({r})"
        )
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


# ---------------------------------------------------------------------------- power-average pooling
def _lp_pool(op: str, input: Tensor, norm_type, kernel_size, stride, ceil_mode: bool, n: int) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    kernel = _ntuple(kernel_size, n, "kernel_size", op)
    pool_max = (max_pool1d, max_pool2d, max_pool3d)[n - 1]
    pool_avg = (avg_pool1d, avg_pool2d, avg_pool3d)[n - 1]
    if norm_type == math.inf:
        return pool_max(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -pool_max(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = pool_avg(input ** norm_type, kernel_size, stride, 0, ceil_mode)
    # PyTorch's formula, kept as is: the window mean times the kernel size (so a ceil_mode window
    # that is cut short is scaled as if full), and sign * relu(|.|) so the gradient is 1 where out != 0.
    return (ag.sign(out) * ag.relu(ag.abs(out)) * float(math.prod(kernel))) ** (1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over ``(N, C, L)``: ``(sum over the window of x^p)^(1/p)`` (p = inf: max of |x|).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.lp_pool1d(ag.tensor([[[3.0, 4.0, 1.0, 1.0]]]), 2, 2).tolist()
    [[[5.0, 1.4142135381698608]]]
    """
    return _lp_pool("lp_pool1d", input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over ``(N, C, H, W)``: ``(sum over the window of x^p)^(1/p)``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.lp_pool2d(ag.ones(1, 1, 4, 4), 1, 2).tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]
    """
    return _lp_pool("lp_pool2d", input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over ``(N, C, D, H, W)``: ``(sum over the window of x^p)^(1/p)``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.lp_pool3d(ag.ones(1, 1, 2, 2, 2), 1, 2).flatten().tolist()
    [8.0]
    """
    return _lp_pool("lp_pool3d", input, norm_type, kernel_size, stride, ceil_mode, 3)


# ---------------------------------------------------------------------------- max unpooling
def _unpool_output_size(op: str, input: Tensor, kernel: tuple, stride: tuple, padding: tuple, output_size) -> tuple:
    """PyTorch's rule: by default ``(in - 1) * stride + kernel - 2 * padding``; an explicit ``output_size``
    (spatial sizes, or with the leading two) must lie strictly within ``stride`` of that."""
    n = len(kernel)
    default = tuple((input.shape[-n + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(n))
    if output_size is None:
        sizes = default
    else:
        sizes = tuple(int(v) for v in output_size)
        if len(sizes) == n + 2:
            sizes = sizes[2:]
        if len(sizes) != n:
            raise ValueError(
                f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a length of "
                f"'{len(sizes)}'"
            )
        for d in range(n):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < sizes[d] < hi:
                raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be between {lo} and {hi})')
    if any(v < 0 for v in sizes):
        raise ValueError(f"{op}: output_size must contain non-negative spatial dimensions, but got {sizes}")
    return sizes


def _max_unpool(op: str, input: Tensor, indices: Tensor, kernel_size, stride, padding, output_size, n: int):
    if not isinstance(input, Tensor) or not isinstance(indices, Tensor):
        raise TypeError(f"{op}: input and indices must be Tensors")
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{op}: expected a {n + 1}-D (unbatched) or {n + 2}-D (batched) input, got shape {tuple(input.shape)}"
        )
    if indices.dtype != ag.int64:
        raise RuntimeError(f"{op}: elements in indices should be type int64 but got: {indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) but got indices "
            f"tensor with shape: {list(indices.shape)}"
        )
    kernel = _ntuple(kernel_size, n, "kernel_size", op)
    stride = kernel if stride is None else _ntuple(stride, n, "stride", op)
    padding = _ntuple(padding, n, "padding", op)
    sizes = _unpool_output_size(op, input, kernel, stride, padding, output_size)
    lead = tuple(input.shape[:-n])
    plane = math.prod(sizes)
    flat_idx = indices.reshape(lead + (-1,))
    if flat_idx.numel():
        with ag.no_grad():
            lo, hi = int(flat_idx.min().item()), int(flat_idx.max().item())
        if lo < 0 or hi >= plane:
            bad = lo if lo < 0 else hi
            raise RuntimeError(
                f"{op}: Found an invalid max index: {bad} (output volumes are of size {'x'.join(map(str, sizes))})"
            )
    # Each value goes to its recorded position; the gradient is the output gradient gathered back from there.
    out = ag.zeros(lead + (plane,), dtype=input.dtype, device=input.device)
    out = out.scatter(len(lead), flat_idx, input.reshape(lead + (-1,)))
    return out.reshape(lead + sizes)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of ``max_pool1d``: each value is put back at its ``indices`` position, zeros elsewhere.

    >>> import autograd_core as ag, nn.functional as F
    >>> out, idx = F.max_pool1d(ag.tensor([[[1.0, 3.0, 2.0, 5.0]]]), 2, return_indices=True)
    >>> F.max_unpool1d(out, idx, 2).tolist()
    [[[0.0, 3.0, 0.0, 5.0]]]
    """
    return _max_unpool("max_unpool1d", input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of ``max_pool2d``: values go back to their flat ``h * W + w`` ``indices``.

    >>> import autograd_core as ag, nn.functional as F
    >>> out, idx = F.max_pool2d(ag.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
    >>> F.max_unpool2d(out, idx, 2)[0, 0, 1].tolist()
    [0.0, 5.0, 0.0, 7.0]
    """
    return _max_unpool("max_unpool2d", input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """The partial inverse of ``max_pool3d``: values go back to their flat ``(d * H + h) * W + w`` ``indices``.

    >>> import autograd_core as ag, nn.functional as F
    >>> out, idx = F.max_pool3d(ag.arange(8.0).reshape(1, 1, 2, 2, 2), 2, return_indices=True)
    >>> F.max_unpool3d(out, idx, 2).flatten().tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7.0]
    """
    return _max_unpool("max_unpool3d", input, indices, kernel_size, stride, padding, output_size, 3)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """ShuffleNet's channel shuffle: ``(N, g * k, *)`` viewed as ``(N, g, k, *)``, transposed to ``(N, k, g, *)``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.channel_shuffle(ag.arange(6.0).reshape(1, 6, 1), 2).flatten().tolist()
    [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"channel_shuffle: input must be a Tensor, got {type(input).__name__}")
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(input.shape)}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(n, c, *rest)
