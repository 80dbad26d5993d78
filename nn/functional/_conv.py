"""Convolutions and padding, composed from ``ag.pad``, ``ag.sliding_windows``, reshapes and matmul.

A convolution is im2col followed by one GEMM per sample: the padded input's
windows ``(N, C, *k, *out)`` (a strided view, no copy) are flattened to
``(N, C*prod(k), L)`` (the one copy), and ``weight.reshape(O, C*prod(k)) @ cols``
gives ``(N, O, L)``, which is already the ``(N, O, *out)`` layout: no transpose.
The backward comes from the primitives: matmul's two GEMMs, then the windows'
adjoint (a fold: one strided add per kernel offset), then the pad's slice.
A transposed convolution is the same picture read backwards: one GEMM to
columns, then the windows' adjoint (``fold_windows``), for any number of spatial dims.
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.amp import AUTOCAST, lower_precision
from autograd_core.ops.window import fold, fold_windows, unfold  # noqa: F401  (F.unfold / F.fold: im2col and col2im)

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "pad",
    "unfold",
    "fold",
]

_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _ntuple(value, n: int, name: str, op: str) -> tuple:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    try:
        out = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(out) != n:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    return out


def _check_positive(op: str, **values) -> None:
    for name, v in values.items():
        if any(x <= 0 for x in v):
            raise ValueError(f"{op}: {name} must be positive, got {v}")


def conv_padding(op: str, padding, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """``(left, right)`` per spatial dim for an int/tuple padding or ``"same"``/``"valid"``.

    ``"same"`` pads ``dilation * (kernel - 1)`` in all, the odd element on the
    right, as PyTorch does for even kernels.
    """
    n = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride={stride})")
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise ValueError(f"{op}: invalid padding string {padding!r}; expected 'valid' or 'same'")
    pads = _ntuple(padding, n, "padding", op)
    if any(p < 0 for p in pads):
        raise ValueError(f"{op}: padding must be non-negative, got {pads}")
    return tuple((p, p) for p in pads)


def _flat_pad(pairs: tuple) -> tuple:
    """Per-dim ``(left, right)`` pairs, first dim first, as ``F.pad``'s last-dim-first flat tuple."""
    return tuple(w for pair in reversed(pairs) for w in pair)


def _check_conv_args(op: str, input: Tensor, weight: Tensor, bias, groups: int, n: int, transposed: bool) -> bool:
    """Validate shapes and dtypes; returns whether ``input`` has a batch dim."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{op}: input and weight must be Tensors")
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{op}: expected a {n + 1}-D (unbatched) or {n + 2}-D (batched) input, got shape {tuple(input.shape)}"
        )
    if weight.ndim != n + 2:
        raise RuntimeError(f"{op}: expected a {n + 2}-D weight, got shape {tuple(weight.shape)}")
    if not isinstance(groups, int) or groups <= 0:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    channels = input.shape[1] if input.ndim == n + 2 else input.shape[0]
    if transposed:
        expected, out_ch = weight.shape[0], weight.shape[1] * groups
        if expected % groups:
            raise RuntimeError(
                f"{op}: in_channels {expected} (weight shape {tuple(weight.shape)}) not divisible by groups={groups}"
            )
    else:
        expected, out_ch = weight.shape[1] * groups, weight.shape[0]
        if out_ch % groups:
            raise RuntimeError(
                f"{op}: out_channels {out_ch} (weight shape {tuple(weight.shape)}) not divisible by groups={groups}"
            )
    if channels != expected:
        raise RuntimeError(
            f"{op}: expected input with {expected} channels, got {channels} (input shape {tuple(input.shape)}, "
            f"weight shape {tuple(weight.shape)}, groups={groups})"
        )
    if bias is not None and tuple(bias.shape) != (out_ch,):
        raise RuntimeError(f"{op}: expected bias of shape ({out_ch},), got {tuple(bias.shape)}")
    if input.dtype != weight.dtype or (bias is not None and bias.dtype != weight.dtype):
        raise TypeError(
            f"{op}: input ({input.dtype}), weight ({weight.dtype})"
            + (f" and bias ({bias.dtype})" if bias is not None else "")
            + " must have the same dtype; convert with .to(dtype)"
        )
    if not input.is_floating_point():
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")
    return input.ndim == n + 2


def _convnd(op, input, weight, bias, stride, padding, dilation, groups, n):
    if AUTOCAST[0]:  # (autocast: float16 operands; see autograd_core/amp.py)
        input, weight, bias = lower_precision(op, input, weight, bias)
    batched = _check_conv_args(op, input, weight, bias, groups, n, transposed=False)
    kernel = tuple(weight.shape[2:])
    stride = _ntuple(stride, n, "stride", op)
    dilation = _ntuple(dilation, n, "dilation", op)
    _check_positive(op, stride=stride, dilation=dilation)
    pairs = conv_padding(op, padding, kernel, stride, dilation)
    x = input if batched else input.unsqueeze(0)
    spatial = x.shape[2:]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pairs))
    if any(d * (k - 1) + 1 > p for k, d, p in zip(kernel, dilation, padded)):
        eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        raise RuntimeError(
            f"{op}: kernel size {eff} (dilated) can't be greater than the padded input size {padded} "
            f"(input shape {tuple(input.shape)})"
        )
    if any(lo or hi for lo, hi in pairs):
        x = ag.pad(x, _flat_pad(pairs))
    n_batch, channels = x.shape[:2]
    out_ch = weight.shape[0]
    kk = math.prod(kernel)
    if groups == 1:
        cols = ag.sliding_windows(x, kernel, stride, dilation)  # (N, C, *k, *out)
        out_sizes = cols.shape[2 + n :]
        length = math.prod(out_sizes)
        if length < 2 * out_ch:
            return _conv_as_linear(cols, weight, bias, batched, n)
        # The one copy of the forward: the strided windows laid out as GEMM operand.
        cols = cols.reshape(n_batch, channels * kk, math.prod(out_sizes))
        out = ag.matmul(weight.reshape(out_ch, channels * kk), cols)  # (N, O, L)
    else:
        cg = channels // groups
        x = x.reshape((n_batch, groups, cg) + padded)
        cols = ag.sliding_windows(x, kernel, stride, dilation)  # (N, G, C/G, *k, *out)
        out_sizes = cols.shape[3 + n :]
        cols = cols.reshape(n_batch, groups, cg * kk, math.prod(out_sizes))
        w = weight.reshape(groups, out_ch // groups, cg * kk)
        out = ag.matmul(w, cols)  # (N, G, O/G, L)
    if bias is not None:
        out = out.reshape(n_batch, out_ch, -1) + bias.reshape(out_ch, 1)
    out = out.reshape((n_batch, out_ch) + tuple(out_sizes))
    return out if batched else out.squeeze(0)


def _conv_as_linear(cols: Tensor, weight: Tensor, bias, batched: bool, n: int) -> Tensor:
    """The same convolution with the windows as rows: ``(N*L, C*prod(k)) @ weight.T``, one GEMM.

    Chosen when there are few output positions ``L`` per sample (deep layers, the
    "fully connected" conv of LeNet where ``L == 1``): the per-sample GEMMs of the
    default layout would be ``N`` matrix-vector products, and the weight gradient
    an ``(N, O, C*prod(k))`` temporary summed over ``N``.  Here ``ag.linear`` computes
    the weight gradient as one GEMM; the price is a transposed output (a view) and
    an im2col copy with short contiguous runs, which is why it is kept for small ``L``.
    """
    n_batch, channels = cols.shape[:2]
    out_sizes = tuple(cols.shape[2 + n :])
    out_ch = weight.shape[0]
    kk = math.prod(weight.shape[2:])
    order = (0,) + tuple(range(2 + n, 2 + 2 * n)) + (1,) + tuple(range(2, 2 + n))  # (N, *out, C, *k)
    rows = cols.permute(order).reshape(n_batch * math.prod(out_sizes), channels * kk)
    out = ag.linear(rows, weight.reshape(out_ch, channels * kk), bias)  # (N*L, O)
    out = out.reshape((n_batch,) + out_sizes + (out_ch,)).permute((0, n + 1) + tuple(range(1, n + 1)))
    return out if batched else out.squeeze(0)


def conv1d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups: int = 1
) -> Tensor:
    """1-D convolution (cross-correlation) over ``(N, C_in, L)``, weight ``(C_out, C_in/groups, k)``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.conv1d(ag.ones(2, 3, 10), ag.ones(4, 3, 3), padding="same").shape
    torch.Size([2, 4, 10])
    """
    return _convnd("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups: int = 1
) -> Tensor:
    """2-D convolution (cross-correlation) over ``(N, C_in, H, W)``, weight ``(C_out, C_in/groups, kh, kw)``.

    ``padding`` is an int, a pair, ``"valid"`` or ``"same"`` (stride 1; odd
    padding goes to the right/bottom, as in PyTorch).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.conv2d(ag.ones(2, 3, 8, 8), ag.ones(4, 3, 3, 3), stride=2, padding=1).shape
    torch.Size([2, 4, 4, 4])
    """
    return _convnd("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1, groups: int = 1
) -> Tensor:
    """3-D convolution (cross-correlation) over ``(N, C_in, D, H, W)``, weight ``(C_out, C_in/groups, kd, kh, kw)``.

    The same im2col-and-GEMM as ``conv2d``, with one more window dim.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.conv3d(ag.ones(2, 3, 6, 8, 8), ag.ones(4, 3, 3, 3, 3), stride=(1, 2, 2), padding=1).shape
    torch.Size([2, 4, 6, 4, 4])
    """
    return _convnd("conv3d", input, weight, bias, stride, padding, dilation, groups, 3)


def conv_transpose_output_size(op, in_sizes, kernel, stride, padding, output_padding, dilation) -> tuple:
    out = tuple(
        (i - 1) * s - 2 * p + d * (k - 1) + op_ + 1
        for i, k, s, p, op_, d in zip(in_sizes, kernel, stride, padding, output_padding, dilation)
    )
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{op}: computed output size {out} is too small (input spatial size {tuple(in_sizes)})")
    return out


def _conv_transposend(op, input, weight, bias, stride, padding, output_padding, groups, dilation, n):
    if AUTOCAST[0]:
        input, weight, bias = lower_precision(op, input, weight, bias)
    batched = _check_conv_args(op, input, weight, bias, groups, n, transposed=True)
    kernel = tuple(weight.shape[2:])
    stride = _ntuple(stride, n, "stride", op)
    dilation = _ntuple(dilation, n, "dilation", op)
    padding = _ntuple(padding, n, "padding", op)
    output_padding = _ntuple(output_padding, n, "output_padding", op)
    _check_positive(op, stride=stride, dilation=dilation)
    if any(p < 0 for p in padding + output_padding):
        raise ValueError(f"{op}: padding {padding} and output_padding {output_padding} must be non-negative")
    for o, s, d in zip(output_padding, stride, dilation):
        if o >= s and o >= d:
            raise ValueError(
                f"{op}: output_padding {output_padding} must be smaller than either stride {stride} or dilation {dilation}"
            )
    x = input if batched else input.unsqueeze(0)
    n_batch, in_ch = x.shape[:2]
    in_sizes = x.shape[2:]
    out_sizes = conv_transpose_output_size(op, in_sizes, kernel, stride, padding, output_padding, dilation)
    cg, og = in_ch // groups, weight.shape[1]
    out_ch = og * groups
    kk = math.prod(kernel)
    length = math.prod(in_sizes)
    # columns[n, g, (o, *k), l] = sum_c weight[g, c, (o, *k)] * x[n, g, c, l]: the adjoint of conv's GEMM.
    w = weight.reshape(groups, cg, og * kk).transpose(1, 2)
    cols = ag.matmul(w, x.reshape(n_batch, groups, cg, length))  # (N, G, O/G*kk, L)
    # The fold covers exactly the windows of a stride-s pass over (in-1)*s + d*(k-1) + 1 points;
    # padding then crops and output_padding extends (with zeros) the far side.
    full = tuple((i - 1) * s + d * (k - 1) + 1 for i, k, s, d in zip(in_sizes, kernel, stride, dilation))
    cols = cols.reshape((n_batch, out_ch) + kernel + tuple(in_sizes))  # windows (N, O, *k, *in)
    img = fold_windows(cols, full, kernel, stride, dilation)
    pairs = tuple((-p, -p + o) for p, o in zip(padding, output_padding))
    if any(lo or hi for lo, hi in pairs):
        img = ag.pad(img, _flat_pad(pairs))
    assert tuple(img.shape[2:]) == out_sizes
    if bias is not None:
        img = img + bias.reshape((out_ch,) + (1,) * n)
    return img if batched else img.squeeze(0)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """Transposed 1-D convolution; weight ``(C_in, C_out/groups, k)``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.conv_transpose1d(ag.ones(1, 2, 5), ag.ones(2, 3, 3), stride=2).shape
    torch.Size([1, 3, 11])
    """
    return _conv_transposend(
        "conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups, dilation, 1
    )


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """Transposed 2-D convolution (the adjoint of ``conv2d``); weight ``(C_in, C_out/groups, kh, kw)``.

    Output size ``(in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.conv_transpose2d(ag.ones(1, 2, 4, 4), ag.ones(2, 3, 3, 3), stride=2, padding=1, output_padding=1).shape
    torch.Size([1, 3, 8, 8])
    """
    return _conv_transposend(
        "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups, dilation, 2
    )


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """Transposed 3-D convolution (the adjoint of ``conv3d``); weight ``(C_in, C_out/groups, kd, kh, kw)``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.conv_transpose3d(ag.ones(1, 2, 3, 4, 4), ag.ones(2, 3, 3, 3, 3), stride=2, padding=1, output_padding=1).shape
    torch.Size([1, 3, 6, 8, 8])
    """
    return _conv_transposend(
        "conv_transpose3d", input, weight, bias, stride, padding, output_padding, groups, dilation, 3
    )


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last dims, ``pad = (last_left, last_right, prev_left, prev_right, ...)``, as ``torch.nn.functional.pad``.

    ``mode`` is ``"constant"`` (with ``value``, default 0; negative widths crop),
    ``"reflect"``, ``"replicate"`` or ``"circular"``.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.pad(ag.arange(3.0).reshape(1, 3), (2, 1), mode="reflect").tolist()
    [[2.0, 1.0, 0.0, 1.0, 2.0, 1.0]]
    """
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; use one of {_PAD_MODES}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: padding {pad} must have an even length of at most 2*ndim ({2 * input.ndim})")
    if mode == "constant":
        return ag.pad(input, pad, value=0.0 if value is None else value)
    if value is not None and value != 0:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take a value (got value={value})")
    if len(pad) // 2 > input.ndim - 1:
        raise ValueError(
            f"pad: mode {mode!r} pads at most the last {input.ndim - 1} dims of a {input.ndim}-D input, got pad {pad}"
        )
    out = input
    for i in range(len(pad) // 2):
        dim = input.ndim - 1 - i
        out = _pad_dim(out, dim, pad[2 * i], pad[2 * i + 1], mode)
    return out


def _pad_dim(x: Tensor, dim: int, left: int, right: int, mode: str) -> Tensor:
    size = x.shape[dim]
    if left < 0 or right < 0:
        raise ValueError(f"pad: mode {mode!r} needs non-negative widths, got ({left}, {right}) for dim {dim}")
    if not left and not right:
        return x
    if mode == "reflect" and (left >= size or right >= size):
        raise ValueError(
            f"pad: reflect padding ({left}, {right}) must be smaller than the dim's size {size} (dim {dim} "
            f"of shape {tuple(x.shape)})"
        )
    if mode == "circular" and (left > size or right > size):
        raise ValueError(f"pad: circular padding ({left}, {right}) can't exceed the dim's size {size} (dim {dim})")
    parts = []
    if mode == "reflect":
        if left:
            parts.append(x.narrow(dim, 1, left).flip((dim,)))
        parts.append(x)
        if right:
            parts.append(x.narrow(dim, size - 1 - right, right).flip((dim,)))
    elif mode == "replicate":
        if left:
            edge = x.narrow(dim, 0, 1)
            parts.append(edge.expand(tuple(left if d == dim else s for d, s in enumerate(x.shape))))
        parts.append(x)
        if right:
            edge = x.narrow(dim, size - 1, 1)
            parts.append(edge.expand(tuple(right if d == dim else s for d, s in enumerate(x.shape))))
    else:  # circular
        if left:
            parts.append(x.narrow(dim, size - left, left))
        parts.append(x)
        if right:
            parts.append(x.narrow(dim, 0, right))
    return ag.cat(parts, dim)
