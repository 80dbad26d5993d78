"""The sliding-window primitive (im2col) and its adjoint (col2im).

``sliding_windows`` turns ``(*lead, *spatial)`` into ``(*lead, *kernel, *out)``
as a strided view (no copy); ``fold_windows`` adds such windows back into an
array of the input's shape.  Convolution and pooling in ``nn`` are built from
these, padding and reshapes: the windows' backward is the fold, the fold's
backward the windows, so both first and second derivatives come for free.
"""

from __future__ import annotations

import itertools

from autograd_core.function import Primitive
from autograd_core.ops.shape import pad, reshape
from autograd_core.tensor import Tensor, _share_version


class Windows(Primitive):
    @staticmethod
    def forward(ctx, x, kernel, stride, dilation):
        ctx.in_shape, ctx.geom = x._data.shape, (kernel, stride, dilation)
        return x._dev.backend.windows(x._data, kernel, stride, dilation)

    @staticmethod
    def backward(ctx, g):
        return FoldWindows.apply(g, ctx.in_shape, *ctx.geom), None, None, None


class FoldWindows(Primitive):
    @staticmethod
    def forward(ctx, g, shape, kernel, stride, dilation):
        ctx.geom = (kernel, stride, dilation)
        xp, data = g._dev.xp, g._data
        n = len(kernel)
        lead = data.ndim - 2 * n
        out_sizes = data.shape[lead + n :]
        out = xp.zeros(shape, dtype=data.dtype)
        # One strided add per kernel offset: out[..., i*d : i*d + s*o : s] += g[..., i, :].
        for offset in itertools.product(*(range(k) for k in kernel)):
            target = tuple(
                slice(i * d, i * d + s * (o - 1) + 1, s) for i, d, s, o in zip(offset, dilation, stride, out_sizes)
            )
            out[(Ellipsis,) + target] += data[(Ellipsis,) + offset + (slice(None),) * n]
        return out

    @staticmethod
    def backward(ctx, gg):
        return Windows.apply(gg, *ctx.geom), None, None, None, None


def _tuple(v, n: int, name: str, op: str) -> tuple:
    if isinstance(v, int):
        return (v,) * n
    v = tuple(int(x) for x in v)
    if len(v) != n:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {v}")
    return v


def sliding_windows(input: Tensor, kernel_size, stride=1, dilation=1) -> Tensor:
    """Windows over the last ``len(kernel_size)`` dims: ``(*lead, *spatial)`` -> ``(*lead, *kernel, *out)``.

    >>> import autograd_core as ag
    >>> ag.sliding_windows(ag.arange(5.0).reshape(1, 5), (2,)).shape
    torch.Size([1, 2, 4])
    """
    n = len(kernel_size) if not isinstance(kernel_size, int) else 1
    kernel = _tuple(kernel_size, n, "kernel_size", "sliding_windows")
    stride = _tuple(stride, n, "stride", "sliding_windows")
    dilation = _tuple(dilation, n, "dilation", "sliding_windows")
    if input._data.ndim < n:
        raise RuntimeError(f"sliding_windows: input of shape {tuple(input.shape)} has fewer than {n} dims")
    for s, k, d, st in zip(input._data.shape[-n:], kernel, dilation, stride):
        if k <= 0 or d <= 0 or st <= 0:
            raise ValueError(f"sliding_windows: kernel_size, stride and dilation must be positive, got {kernel}, {stride}, {dilation}")
        if d * (k - 1) + 1 > s:
            raise RuntimeError(
                f"sliding_windows: kernel {kernel} with dilation {dilation} is larger than the input's spatial "
                f"size {tuple(input.shape[-n:])}"
            )
    out = Windows.apply(input, kernel, stride, dilation)
    _share_version(out, input)
    return out


def fold_windows(input: Tensor, output_size, kernel_size, stride=1, dilation=1) -> Tensor:
    """The adjoint of ``sliding_windows``: ``(*lead, *kernel, *out)`` windows summed back into ``(*lead, *output_size)``.

    Where windows overlap their values add up (col2im for any number of spatial dims); a
    transposed convolution is a GEMM to such windows followed by this fold.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.window import fold_windows
    >>> fold_windows(ag.ones(1, 2, 4), (5,), (2,)).tolist()
    [[1.0, 2.0, 2.0, 2.0, 1.0]]
    """
    n = len(kernel_size) if not isinstance(kernel_size, int) else 1
    kernel = _tuple(kernel_size, n, "kernel_size", "fold_windows")
    stride = _tuple(stride, n, "stride", "fold_windows")
    dilation = _tuple(dilation, n, "dilation", "fold_windows")
    size = _tuple(output_size, n, "output_size", "fold_windows")
    shape = tuple(input._data.shape)
    if len(shape) < 2 * n:
        raise RuntimeError(f"fold_windows: input of shape {shape} has fewer than {2 * n} (kernel and window) dims")
    outs = tuple((s - d * (k - 1) - 1) // st + 1 for s, k, d, st in zip(size, kernel, dilation, stride))
    if shape[len(shape) - 2 * n :] != kernel + outs:
        raise RuntimeError(
            f"fold_windows: input of shape {shape} does not end in kernel {kernel} and {outs} windows "
            f"(what sliding_windows makes of spatial size {size} with stride {stride} and dilation {dilation})"
        )
    return FoldWindows.apply(input, shape[: len(shape) - 2 * n] + size, kernel, stride, dilation)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """im2col as ``torch.nn.functional.unfold``: ``(N, C, H, W)`` -> ``(N, C*kh*kw, L)``."""
    if input._data.ndim not in (3, 4):
        raise RuntimeError(f"unfold: expects a 3-D or 4-D (N, C, H, W) input, got shape {tuple(input.shape)}")
    batched = input._data.ndim == 4
    x = input if batched else reshape(input, (1,) + input._data.shape)
    padding = _tuple(padding, 2, "padding", "unfold")
    x = pad(x, (padding[1], padding[1], padding[0], padding[0]))
    w = sliding_windows(x, _tuple(kernel_size, 2, "kernel_size", "unfold"), stride, dilation)
    n, c, kh, kw, oh, ow = w._data.shape
    out = reshape(w, n, c * kh * kw, oh * ow)
    return out if batched else reshape(out, out._data.shape[1:])


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """col2im as ``torch.nn.functional.fold``: sums overlapping windows back into an image."""
    if input._data.ndim not in (2, 3):
        raise RuntimeError(f"fold: expects a 2-D or 3-D (N, C*kh*kw, L) input, got shape {tuple(input.shape)}")
    batched = input._data.ndim == 3
    x = input if batched else reshape(input, (1,) + input._data.shape)
    kernel = _tuple(kernel_size, 2, "kernel_size", "fold")
    dilation = _tuple(dilation, 2, "dilation", "fold")
    padding = _tuple(padding, 2, "padding", "fold")
    stride = _tuple(stride, 2, "stride", "fold")
    size = _tuple(output_size, 2, "output_size", "fold")
    padded = tuple(s + 2 * p for s, p in zip(size, padding))
    outs = tuple((s - d * (k - 1) - 1) // st + 1 for s, k, d, st in zip(padded, kernel, dilation, stride))
    n, ckk, length = x._data.shape
    if ckk % (kernel[0] * kernel[1]) or length != outs[0] * outs[1]:
        raise RuntimeError(
            f"fold: input of shape {tuple(input.shape)} does not match kernel {kernel} and {outs[0]}x{outs[1]} blocks"
        )
    c = ckk // (kernel[0] * kernel[1])
    cols = reshape(x, n, c, kernel[0], kernel[1], outs[0], outs[1])
    img = FoldWindows.apply(cols, (n, c) + padded, kernel, stride, dilation)
    img = pad(img, (-padding[1], -padding[1], -padding[0], -padding[0]))
    return img if batched else reshape(img, img._data.shape[1:])
