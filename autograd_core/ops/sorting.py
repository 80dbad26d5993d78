"""Sorting: sort, argsort, topk, median.

The order comes from one stable argsort on the back end; the values are then read through
that order with the indexing primitive (gather's rule), so their gradient is scattered back
to the positions the indices name, and is itself differentiable.  No new backward rule.
"""

from __future__ import annotations

import operator
from collections import namedtuple

from autograd_core.function import Primitive
from autograd_core.ops._common import no_grad_result
from autograd_core.ops.index import Index, along_dim
from autograd_core.ops.shape import reshape
from autograd_core.tensor import Tensor, _check_dim

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])
MedianResult = namedtuple("median", ["values", "indices"])


def _stable_order(input: Tensor, dim: int, descending: bool):
    """int64 indices that sort ``input`` along ``dim`` (non-negative), ties in their original order.

    NaN sorts as the largest value, as in PyTorch.  Descending without breaking that tie order:
    sort the reversed tensor ascending, reverse the result (ties now come first-to-last) and map
    positions in the reversed tensor back (``n - 1 - i``); negating would fail for unsigned, bool
    and NaN.
    """
    xp, d = input._dev.xp, input._data
    # NumPy sorts stably only when asked; CuPy's argsort is always stable (older ones take no `kind`).
    kind = {} if input._dev.type == "cuda" else {"kind": "stable"}
    if not descending:
        return xp.argsort(d, axis=dim, **kind).astype("int64", copy=False)
    order = xp.flip(xp.argsort(xp.flip(d, axis=dim), axis=dim, **kind), axis=dim)
    return (d.shape[dim] - 1 - order).astype("int64", copy=False)


def _as_1d(fn, input: Tensor):
    """A 0-d tensor sorts as a 1-element vector; the results are 0-d again."""
    out = fn(reshape(input, 1))
    return type(out)(*(reshape(o, ()) for o in out))


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> SortResult:
    """``(values, indices)`` sorted along ``dim``, ascending unless ``descending``; indices are int64.

    The sort is always stable (``stable=True``'s order, ties kept in their original order in both
    directions), which PyTorch allows for ``stable=False`` too.  The gradient of ``values`` goes
    back to the element each came from.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.sorting import sort
    >>> sort(ag.tensor([3.0, 1.0, 3.0, 2.0]), descending=True)
    sort(values=tensor([3., 3., 2., 1.]), indices=tensor([0, 2, 3, 1]))
    """
    if input._data.ndim == 0:
        _check_dim("sort", dim, 0)
        return _as_1d(lambda x: sort(x, 0, descending), input)
    d = _check_dim("sort", dim, input._data.ndim)
    order = _stable_order(input, d, descending)
    return SortResult(Index.apply(input, along_dim(input._dev.xp, order, d), False), no_grad_result(order, input._dev))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The int64 indices that sort ``input`` along ``dim`` (``sort(...).indices``, stable as it is).

    >>> import autograd_core as ag
    >>> from autograd_core.ops.sorting import argsort
    >>> argsort(ag.tensor([[2.0, 0.5, 1.0]]), dim=1)
    tensor([[1, 2, 0]])
    """
    if input._data.ndim == 0:
        _check_dim("argsort", dim, 0)
        return no_grad_result(input._dev.xp.zeros((), dtype="int64"), input._dev)
    d = _check_dim("argsort", dim, input._data.ndim)
    return no_grad_result(_stable_order(input, d, descending), input._dev)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopkResult:
    """The ``k`` largest (or, with ``largest=False``, smallest) elements along ``dim`` and their int64 indices.

    Results always come sorted (``sorted=False`` lets PyTorch return any order; this is one).
    Among equal values the lower index is taken first; PyTorch leaves that choice unspecified.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.sorting import topk
    >>> topk(ag.tensor([1.0, 4.0, 2.0, 5.0]), 2)
    topk(values=tensor([5., 4.]), indices=tensor([3, 1]))
    """
    try:
        k = operator.index(k)
    except TypeError:
        raise TypeError(f"topk: k must be an int, got {type(k).__name__}") from None
    shape = input._data.shape
    if not shape:
        _check_dim("topk", dim, 0)
        if k not in (0, 1):  # PyTorch takes k = 0 or 1 for a 0-d tensor, and returns its element
            raise RuntimeError(f"topk: k={k} is out of range for a 0-d tensor (it has 1 element; use k=1)")
        return _as_1d(lambda x: topk(x, 1, 0, largest, sorted), input)
    d = _check_dim("topk", dim, len(shape))
    if not 0 <= k <= shape[d]:
        raise RuntimeError(
            f"topk: k={k} is out of range for dim {d} of size {shape[d]} (shape {tuple(shape)}); "
            f"k must be between 0 and {shape[d]}"
        )
    order = _stable_order(input, d, largest)[(slice(None),) * d + (slice(0, k),)].copy()
    return TopkResult(Index.apply(input, along_dim(input._dev.xp, order, d), False), no_grad_result(order, input._dev))


class Median(Primitive):
    """The lower median of all elements (NaN if any is NaN).  The gradient is shared evenly by
    the elements equal to it (NaNs, for a NaN result): PyTorch's rule for ``median()``."""

    @staticmethod
    def forward(ctx, x):
        flat = x._data.reshape(-1)
        xp = x._dev.xp
        if flat.shape[0] == 0:  # NaN, as in PyTorch (median refuses empty integer tensors before this)
            y = Tensor._wrap(xp.full((), float("nan"), dtype=flat.dtype), x._dev)
            ctx.save_for_backward(x, y)
            return y
        ordered = xp.sort(flat)  # NaN sorts last
        pos = (flat.shape[0] - 1) // 2
        if flat.dtype.kind == "f" and bool(xp.isnan(flat).any()):
            pos = flat.shape[0] - 1
        y = Tensor._wrap(ordered[pos : pos + 1].reshape(()), x._dev)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        from autograd_core.ops.elementwise import isnan

        x, y = ctx.saved_tensors
        hit = (x == y) | (isnan(x) & isnan(y))
        return g * hit / hit.sum()


def median(input: Tensor, dim=None, keepdim: bool = False):
    """Without ``dim``: the lower median of all elements (the smaller of the two middle values for
    an even count), NaN if any element is NaN; tied elements share its gradient, as in PyTorch.

    With ``dim``: ``(values, indices)``, the lower median along ``dim`` and the int64 index of the
    element it is (the first NaN where a slice holds one); the gradient goes to that element.
    Among equal values the index is that of the tie in the median's place in a stable sort;
    PyTorch leaves that choice unspecified.

    >>> import autograd_core as ag
    >>> ag.median(ag.tensor([3.0, 1.0, 4.0, 2.0]))
    tensor(2.)
    >>> ag.median(ag.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 9.0]]), dim=1)
    median(values=tensor([2., 5.]), indices=tensor([2, 1]))
    """
    if dim is None:
        if input._data.size == 0 and input._data.dtype.kind != "f":
            raise RuntimeError(f"median: the median of an empty {input.dtype} tensor is undefined")
        return Median.apply(input)
    if input._data.ndim == 0:
        _check_dim("median", dim, 0)
        return _as_1d(lambda x: median(x, 0), input)
    d = _check_dim("median", dim, input._data.ndim)
    n = input._data.shape[d]
    if n == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size (shape {tuple(input.shape)})")
    xp = input._dev.xp
    order = _stable_order(input, d, False)
    pos = xp.full(input._data.shape[:d] + (1,) + input._data.shape[d + 1 :], (n - 1) // 2, dtype="int64")
    if input._data.dtype.kind == "f":  # a slice with NaNs: the first of them (they sort last, stably)
        nans = xp.isnan(input._data).sum(axis=d, keepdims=True)
        pos = xp.where(nans > 0, n - nans, pos).astype("int64", copy=False)
    indices = order[along_dim(xp, pos, d)]
    values = Index.apply(input, along_dim(xp, indices, d), False)
    indices = no_grad_result(indices, input._dev)
    if not keepdim:
        values, indices = reshape(values, _drop(values, d)), reshape(indices, _drop(indices, d))
    return MedianResult(values, indices)


def _drop(t: Tensor, d: int) -> tuple:
    return t._data.shape[:d] + t._data.shape[d + 1 :]
