"""Indexing: ``x[idx]`` (basic, negative, fancy, boolean), gather, index_select.

One primitive pair covers them all: ``Index`` reads, ``IndexBackward`` scatters the
gradient into zeros, adding where an index repeats.  Each is the other's backward.
"""

from __future__ import annotations

import builtins

import numpy as np

from autograd_core.function import Primitive
from autograd_core.tensor import Tensor, _check_dim

_BASIC = (int, slice, type(None), type(Ellipsis))


class Index(Primitive):
    @staticmethod
    def forward(ctx, x, idx, basic):
        if ctx._next and not basic:
            # Index arrays may be a tensor's own memory (x[i], gather): keep them as they are now,
            # so changing that tensor in place before backward can't redirect the gradient.
            is_array = x._dev.backend.is_array
            idx = tuple(i.copy() if is_array(i) else i for i in idx)
        ctx.idx, ctx.basic, ctx.in_shape = idx, basic, x._data.shape
        return x._data[idx]

    @staticmethod
    def backward(ctx, g):
        return IndexBackward.apply(g, ctx.idx, ctx.basic, ctx.in_shape), None, None


class IndexBackward(Primitive):
    @staticmethod
    def forward(ctx, g, idx, basic, shape):
        ctx.idx, ctx.basic = idx, basic
        out = g._dev.xp.zeros(shape, dtype=g._data.dtype)
        if basic:  # slices and ints never select an element twice: plain assignment
            out[idx] = g._data
        else:
            g._dev.backend.scatter_add(out, idx, g._data)
        return out

    @staticmethod
    def backward(ctx, gg):
        return Index.apply(gg, ctx.idx, ctx.basic), None, None, None


def _convert_index(x: Tensor, index):
    """Turn a user's index into one the back end understands, and say whether it is basic."""
    items = index if isinstance(index, tuple) else (index,)
    basic = True
    out = []
    dev = x._dev
    for it in items:
        if isinstance(it, _BASIC) and not isinstance(it, bool):
            if isinstance(it, slice) and builtins.any(isinstance(v, Tensor) for v in (it.start, it.stop, it.step)):
                it = slice(*(int(v) if isinstance(v, Tensor) else v for v in (it.start, it.stop, it.step)))
            out.append(it)
            continue
        basic = False
        if isinstance(it, Tensor):
            if it._dev is not dev:
                raise IndexError(f"index: indices are on {it._dev} but the tensor is on {dev}; move them with .to('{dev}')")
            arr = it._data
        elif isinstance(it, (bool, np.bool_)):
            arr = dev.backend.asarray(np.asarray(it))
        else:
            host = np.asarray(it)
            if host.dtype.kind not in "iub":
                if host.size == 0:
                    host = host.astype(np.int64)
                else:
                    raise IndexError(
                        f"index: tensors used as indices must be long, int or bool, got {host.dtype}"
                    )
            arr = dev.backend.asarray(host)
        if arr.dtype.kind == "b":
            out.extend(arr.nonzero()) if arr.ndim else out.append(arr)
        else:
            if arr.dtype.kind not in "iu":
                raise IndexError(f"index: tensors used as indices must be long, int or bool, got {arr.dtype}")
            out.append(arr)
    _check_bounds(x, out)
    return (out[0] if len(out) == 1 and not isinstance(index, tuple) and basic else tuple(out)), basic


def _check_bounds(x: Tensor, items) -> None:
    """Out-of-range integer indices fail here, naming the dim and size (not deep in NumPy)."""
    dim = 0
    n_real = builtins.sum(1 for it in items if it is not None and it is not Ellipsis)
    for it in items:
        if it is Ellipsis:  # stands for the dims no other item names
            dim += x._data.ndim - n_real
            continue
        if it is None:
            continue
        if dim >= x._data.ndim:
            raise IndexError(f"index: too many indices for a tensor of shape {tuple(x.shape)}")
        size = x._data.shape[dim]
        if isinstance(it, int):
            if not -size <= it < size:
                raise IndexError(f"index {it} is out of bounds for dim {dim} with size {size}")
        elif not isinstance(it, slice) and getattr(it, "size", 0) and it.dtype.kind != "b":
            lo, hi = int(it.min()), int(it.max())
            if lo < -size or hi >= size:
                raise IndexError(f"index {hi if hi >= size else lo} is out of bounds for dim {dim} with size {size}")
        dim += 1


def getitem(x: Tensor, index) -> Tensor:
    """``x[index]``; a basic index gives a view, repeated fancy indices accumulate gradients."""
    idx, basic = _convert_index(x, index)
    out = Index.apply(x, idx, basic)
    if basic:
        out._vc = x._version_box()
    return out


def setitem(x: Tensor, index, value) -> None:
    """``x[index] = value`` in place (under no_grad, or on tensors that don't require grad)."""
    from autograd_core.grad_mode import GRAD_ENABLED

    if x._rg and GRAD_ENABLED[0]:
        raise RuntimeError(
            "setitem: in-place assignment into a tensor that requires grad is not recorded on the tape; "
            "do it under ag.no_grad(), or build the result out of place (ag.where, ag.cat, index ops)"
        )
    idx, _ = _convert_index(x, index)
    if isinstance(value, Tensor):
        if value._rg and GRAD_ENABLED[0]:
            raise RuntimeError(
                "setitem: the value requires grad, but in-place assignment is not recorded, so its gradient "
                "would be lost; build the result out of place (ag.where, ag.cat, index ops), or assign "
                "value.detach() if no gradient should flow through it"
            )
        if value._dev is not x._dev:
            raise RuntimeError(f"setitem: value is on {value._dev} but the tensor is on {x._dev}")
        value = value._data
    x._data[idx] = value
    x._bump_version()


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` for ``dim=1`` (PyTorch's gather)."""
    d = _check_dim("gather", dim, input._data.ndim)
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise TypeError("gather: index must be an integer (int64) Tensor")
    if index._data.ndim != input._data.ndim:
        raise RuntimeError(
            f"gather: index must have as many dims as input ({input.ndim}), got index of shape {tuple(index.shape)}"
        )
    for k, (si, sx) in enumerate(zip(index._data.shape, input._data.shape)):
        if k != d and si > sx:
            raise RuntimeError(
                f"gather: index shape {tuple(index.shape)} exceeds input shape {tuple(input.shape)} at dim {k}"
            )
    xp = input._dev.xp
    nd = input._data.ndim
    full = tuple(
        index._data if k == d else xp.arange(n).reshape((1,) * k + (n,) + (1,) * (nd - k - 1))
        for k, n in enumerate(index._data.shape)
    )
    _check_bounds(input, [slice(None)] * d + [index._data])
    return Index.apply(input, full, False)


def take_along_dim(input: Tensor, indices: Tensor, dim: int) -> Tensor:
    return gather(input, dim, indices)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """Rows (along ``dim``) named by a 1-D ``index``; repeated rows accumulate gradient."""
    d = _check_dim("index_select", dim, input._data.ndim)
    if isinstance(index, Tensor) and index._data.ndim > 1:
        raise IndexError(f"index_select: index must be 1-D, got shape {tuple(index.shape)}")
    return getitem(input, (slice(None),) * d + (index,))
