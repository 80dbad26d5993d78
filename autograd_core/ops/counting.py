"""Counting: unique, bincount.  Results are plain tensors off the tape (no gradient), as their
PyTorch counterparts have no derivative."""

from __future__ import annotations

import operator

from autograd_core.function import _device_error
from autograd_core.ops._common import no_grad_result
from autograd_core.tensor import Tensor


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None):
    """The distinct elements of the flattened ``input``, in ascending order.

    With ``return_inverse``, also an int64 tensor of ``input``'s shape giving each element's position
    in the result; with ``return_counts``, how many times each distinct element occurs (int64).
    Every NaN is a distinct element, sorted last, as in PyTorch.  Results are always sorted
    (PyTorch allows that for ``sorted=False`` too).  Only ``dim=None`` is supported.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.counting import unique
    >>> unique(ag.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    (tensor([1, 2, 3]), tensor([2, 0, 2, 1]), tensor([1, 1, 2]))
    """
    if dim is not None:
        raise RuntimeError(
            f"unique: dim={dim} is not supported; only dim=None (unique elements of the flattened input)"
        )
    if not isinstance(input, Tensor):
        raise TypeError(f"unique: input must be a Tensor, got {type(input).__name__}")
    dev = input._dev
    xp, flat = dev.xp, input._data.reshape(-1)
    order = xp.argsort(flat)
    ordered = flat[order]
    starts = xp.empty(flat.shape, dtype=bool)  # True where a new value begins in sorted order
    starts[:1] = True
    starts[1:] = ordered[1:] != ordered[:-1]  # NaN != NaN: each NaN stays its own value
    values = no_grad_result(ordered[starts], dev)
    if not return_inverse and not return_counts:
        return values
    group = xp.cumsum(starts).astype("int64") - 1  # position in `values` of each sorted element
    out = [values]
    if return_inverse:
        inverse = xp.empty(flat.shape, dtype="int64")
        inverse[order] = group
        out.append(no_grad_result(inverse.reshape(input._data.shape), dev))
    if return_counts:
        counts = xp.bincount(group, minlength=int(values._data.shape[0])) if flat.size else xp.zeros(0, dtype="int64")
        out.append(no_grad_result(counts.astype("int64", copy=False), dev))
    return tuple(out)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How many times each value ``0 .. max(input)`` occurs in the 1-D non-negative integer ``input``
    (at least ``minlength`` bins); with ``weights``, the sum of the weights of each value's positions.

    The result is int64 without weights; with weights it is float32 for float32 weights and float64
    for any other dtype, as in PyTorch.  An empty ``input`` gives int64 zeros (PyTorch's rule, weights
    or not).

    >>> import autograd_core as ag
    >>> from autograd_core.ops.counting import bincount
    >>> bincount(ag.tensor([0, 2, 2, 5]), minlength=7)
    tensor([1, 0, 2, 0, 0, 1, 0])
    >>> bincount(ag.tensor([0, 2, 2]), weights=ag.tensor([0.5, 1.0, 2.0]))  # float32 weights: float32
    tensor([0.5000, 0.0000, 3.0000])
    """
    if isinstance(minlength, bool) or not isinstance(minlength, int):
        try:
            minlength = operator.index(minlength)
        except TypeError:
            raise TypeError(f"bincount(): argument 'minlength' must be int, not {type(minlength).__name__}") from None
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    if not isinstance(input, Tensor):
        raise TypeError(f"bincount: input must be a Tensor, got {type(input).__name__}")
    dev, x = input._dev, input._data
    if x.ndim != 1 or x.dtype.kind not in "iu":
        raise RuntimeError(
            f"bincount only supports 1-d non-negative integral inputs; got a {x.ndim}-d tensor of dtype "
            f"{input.dtype} (shape {tuple(input.shape)})"
        )
    if weights is not None:
        if not isinstance(weights, Tensor):
            raise TypeError(f"bincount: weights must be a Tensor or None, got {type(weights).__name__}")
        if weights._dev is not dev:
            _device_error("bincount", dev, weights._dev)
        if weights._data.shape != x.shape:
            raise RuntimeError(
                f"bincount: weights should be 1-d and have the same length as input; got weights of shape "
                f"{tuple(weights.shape)} for input of shape {tuple(input.shape)}"
            )
    xp = dev.xp
    if x.size == 0:
        return no_grad_result(xp.zeros(minlength, dtype="int64"), dev)
    if bool((x < 0).any()):
        raise RuntimeError(
            f"bincount only supports 1-d non-negative integral inputs; input has negative values (min {int(x.min())})"
        )
    x = x.astype("int64", copy=False)
    kw = {"minlength": minlength} if minlength else {}
    if weights is None:
        return no_grad_result(xp.bincount(x, **kw).astype("int64", copy=False), dev)
    w = weights._data
    out = xp.bincount(x, weights=w.astype("float64", copy=False), **kw)
    return no_grad_result(out.astype("float32" if w.dtype == "float32" else "float64", copy=False), dev)
