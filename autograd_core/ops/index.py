"""Indexing: ``x[idx]`` (basic, negative, fancy, boolean), gather, index_select, and the writes
scatter, scatter_add, index_add, index_fill, masked_fill; masked_select, nonzero.

One primitive pair covers the reads: ``Index`` reads, ``IndexBackward`` scatters the
gradient into zeros, adding where an index repeats.  Each is the other's backward, so
scatter_add and index_add are ``IndexBackward`` itself (plus the input).  ``Scatter``
overwrites instead of adding; masked_fill is ``where``.
"""

from __future__ import annotations

import builtins
import operator

import numpy as np

from autograd_core.function import Primitive
from autograd_core.ops._common import broadcast_shape, no_grad_result
from autograd_core.ops.shape import expand, reshape
from autograd_core.tensor import Tensor, _check_dim, _share_version

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


class Scatter(Primitive):
    """``x`` with ``src`` (a tensor or a number) written at ``idx``; where ``idx`` repeats, one write wins.
    ``basic`` says that ``idx`` names no element twice (slices, ints, a diagonal's positions), so
    reading src's gradient back needs no accumulating scatter."""

    @staticmethod
    def forward(ctx, x, src, idx, basic=False):
        ctx.idx, ctx.basic = idx, basic
        out = x._data.copy()
        out[idx] = src._data if isinstance(src, Tensor) else src
        return out

    @staticmethod
    def backward(ctx, g):
        # Overwritten elements of x get no gradient; each src element gets the gradient where it
        # was written (PyTorch's rule, which also hands it to the losing writes of a repeated index).
        needs = ctx.needs_input_grad
        gx = Scatter.apply(g, 0.0, ctx.idx, ctx.basic) if needs[0] else None
        gsrc = Index.apply(g, ctx.idx, ctx.basic) if needs[1] else None
        return gx, gsrc, None, None


def _convert_index(x: Tensor, index):
    """Turn a user's index into one the back end understands, and say whether it is basic."""
    items = index if isinstance(index, tuple) else (index,)
    basic = True
    out = []
    dev = x._dev
    for it in items:
        if isinstance(it, _BASIC) and not isinstance(it, bool):
            if isinstance(it, slice):
                if builtins.any(isinstance(v, Tensor) for v in (it.start, it.stop, it.step)):
                    it = slice(*(int(v) if isinstance(v, Tensor) else v for v in (it.start, it.stop, it.step)))
                if it.step is not None and it.step < 0:
                    raise ValueError(
                        f"index: step must be greater than zero, got {it.step} (PyTorch has no negative "
                        "steps); reverse a dim with x.flip(dim)"
                    )
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
        if arr.dtype.kind not in "iub":
            raise IndexError(f"index: tensors used as indices must be long, int or bool, got {arr.dtype}")
        out.append(arr)
    if _check_bounds(x, out):  # more than one Ellipsis: the first one expands, the others stand for nothing
        first = next(k for k, it in enumerate(out) if it is Ellipsis)
        out = out[: first + 1] + [it for it in out[first + 1 :] if it is not Ellipsis]
    if not basic:  # masks become the integer indices of their True elements (a 0-d bool stays: a new dim)
        out = [a for it in out for a in (it.nonzero() if _is_mask(it) and it.ndim else (it,))]
    return (out[0] if len(out) == 1 and not isinstance(index, tuple) and basic else tuple(out)), basic


def _is_mask(it) -> bool:
    return not isinstance(it, (int, slice)) and it is not None and it is not Ellipsis and it.dtype.kind == "b"


def _check_bounds(x: Tensor, items) -> bool:
    """Out-of-range integer indices and misshapen masks fail here, naming the dim and size (not deep in
    NumPy).  Returns whether the index holds more than one Ellipsis."""
    shape = x._data.shape
    ndim = len(shape)
    # A mask indexes as many dims as it has; a 0-d bool (x[True]) adds a dim of size 1 or 0 and indexes none.
    n_real = 0
    for it in items:
        if isinstance(it, (int, slice)):
            n_real += 1
        elif it is not None and it is not Ellipsis:
            n_real += it.ndim if it.dtype.kind == "b" else 1
    if n_real > ndim:
        raise IndexError(f"index: too many indices for a tensor of shape {tuple(shape)}")
    dim = ellipses = 0
    for it in items:
        if it is Ellipsis:  # stands for the dims no other item names
            ellipses += 1
            dim += (ndim - n_real) if ellipses == 1 else 0
            continue
        if ellipses > 1 and ndim != n_real:  # PyTorch skips as many dims again: past the last one
            raise IndexError(
                f"index: nothing but '...' may follow a second '...' in an index of a tensor of shape "
                f"{tuple(shape)}; use a single '...'"
            )
        if it is None:
            continue
        if isinstance(it, int):
            size = shape[dim]
            if not -size <= it < size:
                raise IndexError(f"index {it} is out of bounds for dim {dim} with size {size}")
        elif isinstance(it, slice):
            pass
        elif it.dtype.kind == "b":
            for j, n in enumerate(it.shape):
                if n != shape[dim + j]:
                    raise IndexError(
                        f"index: the shape of the mask {list(it.shape)} at index {j} does not match the shape of "
                        f"the indexed tensor {list(shape)} at index {dim + j}; a boolean mask must have the sizes "
                        "of the dims it indexes"
                    )
            dim += it.ndim
            continue
        elif it.size:
            size = shape[dim]
            lo, hi = int(it.min()), int(it.max())
            if lo < -size or hi >= size:
                raise IndexError(f"index {hi if hi >= size else lo} is out of bounds for dim {dim} with size {size}")
        dim += 1
    return ellipses > 1


def getitem(x: Tensor, index) -> Tensor:
    """``x[index]``; a basic index gives a view, repeated fancy indices accumulate gradients."""
    idx, basic = _convert_index(x, index)
    if not basic:
        first, idx = _ints_first(idx)
        if first is not None:
            x = Index.apply(x, first, True)
    out = Index.apply(x, idx, basic)
    if basic:
        _share_version(out, x)
    return out


def setitem(x: Tensor, index, value) -> None:
    """``x[index] = value`` in place; recorded (as in PyTorch) when ``x`` is in the graph or
    ``value`` requires grad: the elements written get their gradient from ``value``."""
    from autograd_core.grad_mode import GRAD_ENABLED

    if GRAD_ENABLED[0] and (x._rg or (isinstance(value, Tensor) and value._rg)):
        from autograd_core.ops.inplace import _recorded

        _recorded("setitem", x, lambda old: _index_put(old, index, value))
        return
    idx, basic = _convert_index(x, index)
    target = x._data
    if not basic:
        first, idx = _ints_first(idx)
        if first is not None:
            target = target[first]  # a view: writing into it writes into x
    if isinstance(value, Tensor):
        if value._dev is not x._dev:
            raise RuntimeError(f"setitem: value is on {value._dev} but the tensor is on {x._dev}")
        value = value._data
    target[idx] = value
    x._bump_version()


def _index_put(x: Tensor, index, value) -> Tensor:
    """``x`` with ``value`` written at ``index``, out of place and recorded (setitem on the tape)."""
    idx, basic = _convert_index(x, index)
    if not basic and _ints_first(idx)[0] is not None:
        raise RuntimeError(
            "setitem: assignment that mixes integers with index tensors is not recorded on the tape; "
            "index with tensors only (e.g. ag.tensor([i]) instead of i), or build the result out of place"
        )
    shape = x._data[idx].shape
    if isinstance(value, Tensor):
        if value._dev is not x._dev:
            raise RuntimeError(f"setitem: value is on {value._dev} but the tensor is on {x._dev}")
        if value._data.dtype != x._data.dtype:
            value = value.to(x.dtype)
        if tuple(value.shape) != shape:
            from autograd_core.ops.shape import expand

            try:
                value = expand(value, shape)  # recorded, so the value's gradient is summed back
            except RuntimeError:
                raise RuntimeError(
                    f"setitem: value of shape {tuple(value.shape)} can't be broadcast to the indexed shape {shape}"
                ) from None
    return Scatter.apply(x, value, idx)


def _ints_first(idx: tuple):
    """Split an advanced index into (integer part, the rest) when it mixes integers with index arrays.

    PyTorch applies integers (and 0-d integer tensors) first, each removing its dim, and only then
    the arrays; NumPy counts them as advanced indices, which moves the result's dims to the front
    when a slice separates them from the arrays (``x[0, :, [0, 1]]``).  Returns (None, idx) when
    there is nothing to split.
    """
    scalar = [isinstance(i, int) or (hasattr(i, "dtype") and i.ndim == 0 and i.dtype.kind in "iu") for i in idx]
    if not builtins.any(scalar) or builtins.all(s or not hasattr(i, "dtype") for i, s in zip(idx, scalar)):
        return None, idx
    first = []
    for i, s in zip(idx, scalar):
        if s:
            first.append(int(i))
        elif i is Ellipsis:
            first.append(i)
        elif i is not None and not (hasattr(i, "dtype") and i.ndim == 0):  # None and a 0-d bool take no dim
            first.append(slice(None))
    if not builtins.any(i is Ellipsis for i in first):
        first.append(Ellipsis)  # a view even when every dim gets an integer (setitem writes through it)
    return tuple(first), tuple(i for i, s in zip(idx, scalar) if not s)


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` for ``dim=1`` (PyTorch's gather).  Indices lie in
    0..size-1; a 0-d input or index counts as 1-D, and the result has index's shape."""
    _check_index_tensor("gather", index)
    if input._data.ndim == 0 or index._data.ndim == 0:
        _check_dim("gather", dim, builtins.max(input._data.ndim, 1))
        return reshape(gather(_vector(input), 0, _vector(index)), index._data.shape)
    d = _check_dim("gather", dim, input._data.ndim)
    if index._data.ndim != input._data.ndim:
        raise RuntimeError(
            f"gather: index must have as many dims as input ({input.ndim}), got index of shape {tuple(index.shape)}"
        )
    for k, (si, sx) in enumerate(zip(index._data.shape, input._data.shape)):
        if k != d and si > sx:
            raise RuntimeError(
                f"gather: index shape {tuple(index.shape)} exceeds input shape {tuple(input.shape)} at dim {k}"
            )
    _check_in_range("gather", index._data, d, input._data.shape[d])
    return Index.apply(input, along_dim(input._dev.xp, index._data, d), False)


def along_dim(xp, index, d: int) -> tuple:
    """The fancy index that pairs each entry of ``index`` with its own position elsewhere:
    ``x[along_dim(xp, index, 1)][i][j][k] = x[i][index[i][j][k]][k]`` (gather's rule)."""
    nd = index.ndim
    return tuple(
        index if k == d else xp.arange(n).reshape((1,) * k + (n,) + (1,) * (nd - k - 1))
        for k, n in enumerate(index.shape)
    )


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``gather`` with ``indices`` broadcast against ``input`` in every dim but ``dim`` (negative indices
    count from the end); with ``dim=None``, a gather from the flattened input, as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.take_along_dim(ag.tensor([[1.0, 2.0], [3.0, 4.0]]), ag.tensor([[1]]), dim=1)
    tensor([[2.],
            [4.]])
    """
    _check_index_tensor("take_along_dim", indices)
    if dim is None:
        _check_in_range("take_along_dim", indices._data, 0, input._data.size)
        return gather(reshape(input, -1), 0, reshape(indices, -1))
    if input._data.ndim == 0:
        raise IndexError("take_along_dim: dim given but input is 0-d; pass dim=None")
    nd = input._data.ndim
    d = _check_dim("take_along_dim", dim, nd)
    if indices._data.ndim != nd:
        raise RuntimeError(
            f"take_along_dim: input and indices must have the same number of dims, got input of shape "
            f"{tuple(input.shape)} and indices of shape {tuple(indices.shape)}"
        )
    shape, ishape = input._data.shape, indices._data.shape
    lead = broadcast_shape("take_along_dim", shape[:d] + shape[d + 1 :], ishape[:d] + ishape[d + 1 :])
    n = shape[d]
    idx = indices._data
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < -n or hi >= n:
            raise IndexError(f"take_along_dim: index {lo if lo < -n else hi} is out of bounds for dim {d} with size {n}")
        if lo < 0:
            idx = idx % n
    idx = input._dev.xp.broadcast_to(idx, lead[:d] + (ishape[d],) + lead[d:])
    if shape != lead[:d] + (n,) + lead[d:]:
        input = expand(input, lead[:d] + (n,) + lead[d:])
    return Index.apply(input, along_dim(input._dev.xp, idx, d), False)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """Rows (along ``dim``) named by a 1-D (or 0-d) ``index`` of entries in 0..size-1; repeated rows
    accumulate gradient.  A 0-d input takes one index and gives a 0-d result, as in PyTorch."""
    _check_index_tensor("index_select", index)
    if index._data.ndim > 1:
        raise IndexError(f"index_select: index must be 1-D (a vector), got shape {tuple(index.shape)}")
    rows = index._data.reshape(-1)
    if input._data.ndim == 0:
        _check_dim("index_select", dim, 0)
        if rows.shape[0] != 1:
            raise RuntimeError(f"index_select: a 0-d input takes exactly one index, got {rows.shape[0]}")
        return reshape(index_select(reshape(input, 1), 0, index), ())
    d = _check_dim("index_select", dim, input._data.ndim)
    _check_in_range("index_select", rows, d, input._data.shape[d])
    return Index.apply(input, (slice(None),) * d + (rows,), False)


# ---------------------------------------------------------------------------- writes: scatter, index_add, masked_fill
def _vector(t):
    """A 0-d tensor as a 1-element vector (these ops treat a 0-d input so, as PyTorch does)."""
    return reshape(t, 1) if isinstance(t, Tensor) and t._data.ndim == 0 else t


def _check_in_range(op: str, index, d: int, size: int) -> None:
    """gather, index_select and the writes take indices in 0..size-1 only, no negative ones (PyTorch)."""
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        if lo < 0 or hi >= size:
            raise IndexError(f"{op}: index {lo if lo < 0 else hi} is out of bounds for dim {d} with size {size}")


def _check_index_tensor(op: str, index) -> None:
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        got = index.dtype if isinstance(index, Tensor) else type(index).__name__
        raise TypeError(f"{op}: index must be an integer (int64) Tensor, got {got}")


def _scatter_index(op: str, input: Tensor, dim: int, index, src) -> tuple:
    """Check a scatter call; return the fancy index it writes through and the part of src it reads."""
    nd = input._data.ndim
    d = _check_dim(op, dim, nd)
    _check_index_tensor(op, index)
    shape, ishape = input._data.shape, index._data.shape
    sshape = src._data.shape if isinstance(src, Tensor) else ishape
    if len(ishape) != nd or len(sshape) != nd:
        raise RuntimeError(
            f"{op}: index and src must have as many dims as input ({nd}), got index of shape {ishape}"
            + (f" and src of shape {sshape}" if isinstance(src, Tensor) else "")
        )
    if builtins.any(i > s for i, s in zip(ishape, sshape)) or builtins.any(
        i > n for k, (i, n) in enumerate(zip(ishape, shape)) if k != d
    ):
        raise RuntimeError(
            f"{op}: index shape {ishape} must be no larger than src shape {sshape} in every dim, and no larger "
            f"than input shape {shape} in every dim but {d}"
        )
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError(f"{op}: src has dtype {src.dtype} but input has {input.dtype}; convert one with .to()")
        if sshape != ishape:  # only src's leading part, of index's shape, is written
            src = src[tuple(builtins.slice(0, n) for n in ishape)]
    _check_in_range(op, index._data, d, shape[d])
    # A copy: changing the index tensor in place after this call must not move the gradient.
    return along_dim(input._dev.xp, index._data.copy(), d), src


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None) -> Tensor:
    """A copy of ``input`` with ``src`` written where ``index`` points along ``dim``:
    ``out[index[i][j]][j] = src[i][j]`` for ``dim=0``.  ``src`` is a tensor of input's dtype
    (its leading part, of index's shape, is used) or a Python number (also as ``value=``).
    Where ``index`` repeats a target, which write wins is unspecified, as in PyTorch.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.index import scatter
    >>> scatter(ag.zeros(2, 3), 1, ag.tensor([[2], [0]]), ag.tensor([[5.0], [7.0]]))
    tensor([[0., 0., 5.],
            [7., 0., 0.]])
    """
    if (src is None) == (value is None):
        raise TypeError("scatter: pass exactly one of src (a Tensor or a number) and value (a number)")
    src = value if src is None else src
    if not isinstance(src, (Tensor, int, float, np.number, np.bool_)):
        raise TypeError(f"scatter: src must be a Tensor or a Python number, got {type(src).__name__}")
    if input._data.ndim == 0:
        _check_dim("scatter", dim, 0)
        return reshape(scatter(reshape(input, 1), 0, _vector(index), _vector(src)), ())
    idx, src = _scatter_index("scatter", input, dim, index, src)
    return Scatter.apply(input, src, idx)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` plus ``src`` added where ``index`` points along ``dim`` (``out[index[i][j]][j] += src[i][j]``
    for ``dim=0``); repeated targets add up.  Each src element's gradient is read back from there.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.index import scatter_add
    >>> scatter_add(ag.zeros(3), 0, ag.tensor([0, 2, 0]), ag.tensor([1.0, 2.0, 3.0]))
    tensor([4., 0., 2.])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__}; use ag.full_like for a constant")
    if input._data.ndim == 0:
        _check_dim("scatter_add", dim, 0)
        return reshape(scatter_add(reshape(input, 1), 0, _vector(index), _vector(src)), ())
    idx, src = _scatter_index("scatter_add", input, dim, index, src)
    return input + IndexBackward.apply(src, idx, False, input._data.shape)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """``input`` plus ``alpha * source[i]`` added into row ``index[i]`` along ``dim``; repeated rows add up.
    ``source`` has input's shape with dim ``dim`` of size ``len(index)``.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.index import index_add
    >>> index_add(ag.zeros(3, 2), 0, ag.tensor([0, 2, 0]), ag.ones(3, 2), alpha=2)
    tensor([[4., 4.],
            [0., 0.],
            [2., 2.]])
    """
    if input._data.ndim == 0:
        _check_dim("index_add", dim, 0)
        return reshape(index_add(reshape(input, 1), 0, _vector(index), _vector(source), alpha=alpha), ())
    shape = input._data.shape
    d = _check_dim("index_add", dim, len(shape))
    _check_index_tensor("index_add", index)
    if index._data.ndim > 1:
        raise IndexError(f"index_add: index must be 1-D, got shape {tuple(index.shape)}")
    if not isinstance(source, Tensor):
        raise TypeError(f"index_add: source must be a Tensor, got {type(source).__name__}")
    rows = index._data.reshape(-1)
    expected = shape[:d] + (rows.shape[0],) + shape[d + 1 :]
    if source._data.shape != expected:
        raise RuntimeError(
            f"index_add: source must have input's shape {shape} with dim {d} of size len(index) = {rows.shape[0]}, "
            f"that is {expected}; got {tuple(source.shape)}"
        )
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add: source has dtype {source.dtype} but input has {input.dtype}; convert one with .to()")
    _check_in_range("index_add", rows, d, shape[d])
    if alpha != 1:  # PyTorch casts alpha to the input's kind: integer tensors take int(alpha)
        source = source * (int(alpha) if input._data.dtype.kind in "iu" else alpha)
    idx = (builtins.slice(None),) * d + (rows.copy(),)
    return input + IndexBackward.apply(source, idx, False, shape)


def index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """``index_add`` in place (``acc.index_add_(0, idx, rows)``); recorded in the graph as ``index_add``
    when ``self`` is in it or ``source`` requires grad, as PyTorch records it.

    >>> import autograd_core as ag
    >>> ag.zeros(3).index_add_(0, ag.tensor([0, 0, 2]), ag.tensor([1.0, 2.0, 3.0]))
    tensor([3., 0., 3.])
    """
    from autograd_core.ops.inplace import _out_of_place_into

    return _out_of_place_into("index_add_", self, lambda old: index_add(old, dim, index, source, alpha=alpha), source)


def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``scatter_add`` in place; recorded in the graph as ``scatter_add`` when ``self`` is in it or
    ``src`` requires grad.

    >>> import autograd_core as ag
    >>> ag.zeros(3).scatter_add_(0, ag.tensor([0, 2, 0]), ag.tensor([1.0, 2.0, 3.0]))
    tensor([4., 0., 2.])
    """
    from autograd_core.ops.inplace import _out_of_place_into

    return _out_of_place_into("scatter_add_", self, lambda old: scatter_add(old, dim, index, src), src)


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``input`` with ``value`` (a number or a 0-d tensor, cast to input's dtype) where ``mask`` is True;
    ``mask`` broadcasts with ``input``.  Filled elements pass no gradient to ``input``; a 0-d tensor
    ``value`` gets the sum of theirs.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.index import masked_fill
    >>> x = ag.tensor([1.0, 2.0, 3.0])
    >>> masked_fill(x, x > 1.5, 0.0)
    tensor([1., 0., 0.])
    """
    from autograd_core.ops.elementwise import where

    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_fill: mask must be a bool tensor, got {got}; build it with a comparison (e.g. x > 0)")
    broadcast_shape("masked_fill", input._data.shape, mask._data.shape)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"masked_fill: value must be a number or a 0-d tensor, got a tensor of shape {tuple(value.shape)}")
        value = value.to(input.dtype)
    elif isinstance(value, (int, float, np.number, np.bool_)):
        value = no_grad_result(input._dev.xp.asarray(value, dtype=input._data.dtype), input._dev)
    else:
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    return where(mask, value, input)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` is True, as a 1-D tensor in row-major order; ``mask``
    (bool) and ``input`` broadcast together.  The gradient is scattered back to those elements.

    >>> import autograd_core as ag
    >>> x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> ag.masked_select(x, ag.tensor([True, False]))
    tensor([1., 3.])
    """
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    if mask._dev is not input._dev:
        from autograd_core.function import _device_error

        _device_error("masked_select", input._dev, mask._dev)
    shape = broadcast_shape("masked_select", input._data.shape, mask._data.shape)
    if input._data.shape != shape:
        input = expand(input, shape)
    m = mask._data if mask._data.shape == shape else input._dev.xp.broadcast_to(mask._data, shape)
    if not shape:  # a 0-d input and mask: a vector of one element or none
        input, m = reshape(input, 1), m.reshape(1)
    # Each selected position appears once, so the backward's plain (``basic``) assignment is exact.
    return Index.apply(input, tuple(m.nonzero()), True)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` with every slice along ``dim`` that ``index`` (1-D, negative entries
    counting from the end) names set to ``value``, a number or a 0-d tensor.  Filled elements pass
    no gradient to ``input``; a tensor ``value`` gets the sum of theirs, each slice counted once.

    >>> import autograd_core as ag
    >>> ag.zeros(2, 3).index_fill(1, ag.tensor([0, 2]), -1.0)
    tensor([[-1.,  0., -1.],
            [-1.,  0., -1.]])
    """
    _check_index_tensor("index_fill", index)
    if index._data.ndim > 1:
        raise IndexError(f"index_fill: index must be a vector (1-D), got shape {tuple(index.shape)}")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"index_fill: only supports a 0-dimensional value tensor, got a tensor of shape {tuple(value.shape)}"
            )
        if value._dev is not input._dev:
            from autograd_core.function import _device_error

            _device_error("index_fill", input._dev, value._dev)
        value = value.to(input.dtype)
    elif not isinstance(value, (int, float, np.number, np.bool_)):
        raise TypeError(f"index_fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    if input._data.ndim == 0:
        _check_dim("index_fill", dim, 0)
        return reshape(index_fill(reshape(input, 1), 0, index, value), ())
    shape = input._data.shape
    d = _check_dim("index_fill", dim, len(shape))
    rows = index._data.reshape(-1)
    if rows.size:
        n = shape[d]
        lo, hi = int(rows.min()), int(rows.max())
        if lo < -n or hi >= n:
            raise IndexError(f"index_fill: index {hi if hi >= n else lo} is out of bounds for dim {d} with size {n}")
    # Filling is idempotent: each slice once (a fresh array, so later changes to index can't move the gradient).
    rows = input._dev.xp.unique(rows % shape[d] if rows.size else rows)
    idx = (builtins.slice(None),) * d + (rows,)
    if isinstance(value, Tensor):
        value = expand(value, shape[:d] + (rows.shape[0],) + shape[d + 1 :])  # its gradient sums back
    return Scatter.apply(input, value, idx)


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of the non-zero elements, in row-major order: an ``(n, ndim)`` int64 tensor, or with
    ``as_tuple`` one 1-D tensor per dim (a 0-d input counts as 1-D there, as in PyTorch).  No gradient.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.index import nonzero
    >>> nonzero(ag.tensor([[0.0, 1.0], [2.0, 0.0]]))
    tensor([[0, 1],
            [1, 0]])
    """
    d, dev = input._data, input._dev
    coords = (d.reshape(1) if d.ndim == 0 else d).nonzero()
    if as_tuple:
        return tuple(no_grad_result(c.astype("int64", copy=False), dev) for c in coords)
    if d.ndim == 0:
        return no_grad_result(dev.xp.zeros((coords[0].shape[0], 0), dtype="int64"), dev)
    return no_grad_result(dev.xp.stack(coords, axis=1).astype("int64", copy=False), dev)


# ---------------------------------------------------------------------------- more writes: index_copy, index_put, put, masked_scatter
def _wrapped(op: str, index, size: int):
    """Integer indices with negative ones counted from the end, checked against ``size``."""
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        if lo < -size or hi >= size:
            raise IndexError(f"{op}: index {lo if lo < -size else hi} is out of range for a tensor of {size} elements")
    return index % size if size else index


def take(input: Tensor, index: Tensor) -> Tensor:
    """Elements of the flattened ``input`` at ``index`` (negative entries count from the end); the
    result has index's shape and the gradient is scattered back (repeats add up).

    >>> import autograd_core as ag
    >>> ag.take(ag.tensor([[1, 2], [3, 4]]), ag.tensor([-1, 0])).tolist()
    [4, 1]
    """
    _check_index_tensor("take", index)
    flat = reshape(input, -1)
    idx = _wrapped("take", index._data, flat._data.shape[0])
    return Index.apply(flat, (idx.copy(),), False)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` whose slices ``index[i]`` along ``dim`` are ``source``'s slice ``i``; where
    ``index`` repeats, which write wins is unspecified (as in PyTorch).  Overwritten slices pass no
    gradient to ``input``.

    >>> import autograd_core as ag
    >>> ag.zeros(3, 2).index_copy(0, ag.tensor([2, 0]), ag.tensor([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[3.0, 4.0], [0.0, 0.0], [1.0, 2.0]]
    """
    _check_index_tensor("index_copy", index)
    if index._data.ndim > 1:
        raise IndexError(f"index_copy: index should have dimension 1 or 0, got shape {tuple(index.shape)}")
    if not isinstance(source, Tensor):
        raise TypeError(f"index_copy: source must be a Tensor, got {type(source).__name__}")
    if input._data.ndim == 0:
        _check_dim("index_copy", dim, 0)
        return reshape(index_copy(reshape(input, 1), 0, index, _vector(source)), ())
    shape = input._data.shape
    d = _check_dim("index_copy", dim, len(shape))
    rows = index._data.reshape(-1)
    expected = shape[:d] + (rows.shape[0],) + shape[d + 1 :]
    if source._data.ndim == 0 and rows.shape[0] == 1:
        source = reshape(source, expected)
    if source._data.shape != expected:
        raise RuntimeError(
            f"index_copy: source must have input's shape {shape} with dim {d} of size len(index) = {rows.shape[0]}, "
            f"that is {expected}; got {tuple(source.shape)}"
        )
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{input.dtype} and (source) {source.dtype}")
    _check_in_range("index_copy", rows, d, shape[d])
    return Scatter.apply(input, source, (builtins.slice(None),) * d + (rows.copy(),))


def index_copy_(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``index_copy`` in place (recorded when ``self`` is in the graph or ``source`` requires grad)."""
    from autograd_core.ops.inplace import _out_of_place_into

    return _out_of_place_into("index_copy_", self, lambda old: index_copy(old, dim, index, source), source)


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` (broadcast) written at ``input[indices]``, ``indices`` a tuple of
    index tensors (integer or bool; None for a whole dim), or added there with ``accumulate=True``
    (repeated indices then add up; without it, which write wins is unspecified).

    >>> import autograd_core as ag
    >>> x = ag.zeros(3)
    >>> ag.index_put(x, (ag.tensor([0, 0, 2]),), ag.tensor(1.0), accumulate=True).tolist()
    [2.0, 0.0, 1.0]
    """
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put: indices must be a tuple of tensors, got {type(indices).__name__}")
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put: values must be a Tensor, got {type(values).__name__}")
    for i in indices:
        if i is not None and not isinstance(i, Tensor):
            raise TypeError(f"index_put: indices must be tensors (or None), got {type(i).__name__}")
        if isinstance(i, Tensor) and i._data.dtype.kind not in "iub":
            raise IndexError(f"index_put: tensors used as indices must be long, int or bool, got {i.dtype}")
    index = tuple(builtins.slice(None) if i is None else i for i in indices)
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got {input.dtype} for the "
                           f"destination and {values.dtype} for the source.")
    if not accumulate:
        return _index_put(input, index, values)
    idx, basic = _convert_index(input, index)
    shape = input._data[idx].shape
    if tuple(values.shape) != shape:
        try:
            values = expand(values, shape)
        except RuntimeError:
            raise RuntimeError(
                f"index_put: values of shape {tuple(values.shape)} can't be broadcast to the indexed shape {shape}"
            ) from None
    if basic:
        idx = idx if isinstance(idx, tuple) else (idx,)
    return input + IndexBackward.apply(values, idx, basic, input._data.shape)


def index_put_(self: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """``index_put`` in place (recorded when ``self`` is in the graph or ``values`` requires grad)."""
    from autograd_core.ops.inplace import _out_of_place_into

    return _out_of_place_into("index_put_", self, lambda old: index_put(old, indices, values, accumulate), values)


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source``'s elements written (or, with ``accumulate``, added) at
    ``index``, positions in the flattened tensor (negative ones count from the end).

    >>> import autograd_core as ag
    >>> ag.put(ag.zeros(2, 2), ag.tensor([0, -1]), ag.tensor([1.0, 2.0])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    _check_index_tensor("put", index)
    if not isinstance(source, Tensor):
        raise TypeError(f"put: source must be a Tensor, got {type(source).__name__}")
    if source._data.size != index._data.size:
        raise RuntimeError(
            f"put_(): Expected source and index to have the same number of elements, but got source.numel() = "
            f"{source._data.size}, index.numel() = {index._data.size}"
        )
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{input.dtype} and source.dtype = {source.dtype}")
    flat = reshape(input, -1)
    idx = (_wrapped("put", index._data.reshape(-1), flat._data.shape[0]).copy(),)
    src = reshape(source, -1)
    out = flat + IndexBackward.apply(src, idx, False, flat._data.shape) if accumulate else Scatter.apply(flat, src, idx)
    return reshape(out, input._data.shape)


def put_(self: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """``put`` in place (recorded when ``self`` is in the graph or ``source`` requires grad).

    >>> import autograd_core as ag
    >>> ag.zeros(3).put_(ag.tensor([1, 1]), ag.tensor([1.0, 2.0]), accumulate=True).tolist()
    [0.0, 3.0, 0.0]
    """
    from autograd_core.ops.inplace import _out_of_place_into

    return _out_of_place_into("put_", self, lambda old: put(old, index, source, accumulate), source)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` where the positions of True in ``mask`` (broadcast with ``input``) take
    ``source``'s elements in row-major order; ``source`` needs at least as many elements as the mask
    has True.  Its unused elements get a zero gradient; overwritten ones of ``input`` get none.

    >>> import autograd_core as ag
    >>> ag.zeros(2, 3).masked_scatter(ag.tensor([True, False, True]), ag.arange(10.0)).tolist()
    [[0.0, 0.0, 1.0], [2.0, 0.0, 3.0]]
    """
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {got}")
    if not isinstance(source, Tensor):
        raise TypeError(f"masked_scatter: source must be a Tensor, got {type(source).__name__}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got {input.dtype} "
                           f"and {source.dtype}")
    shape = broadcast_shape("masked_scatter", input._data.shape, mask._data.shape)
    if input._data.shape != shape:
        input = expand(input, shape)
    m = mask._data if mask._data.shape == shape else input._dev.xp.broadcast_to(mask._data, shape)
    if not shape:
        return reshape(masked_scatter(reshape(input, 1), reshape(mask, 1), source), ())
    positions = tuple(m.nonzero())
    k = int(positions[0].shape[0])
    if k > source._data.size:
        raise RuntimeError(
            f"masked_scatter: expected source to have at least as many elements as the ones in mask ({k}), "
            f"got {source._data.size}"
        )
    src = reshape(source, -1)
    if k != src._data.shape[0]:
        src = src[builtins.slice(0, k)]
    return Scatter.apply(input, src, positions)


def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``masked_scatter`` in place (the mask broadcasts to ``self``'s shape)."""
    from autograd_core.ops.inplace import _out_of_place_into

    return _out_of_place_into("masked_scatter_", self, lambda old: masked_scatter(old, mask, source), source)


# ---------------------------------------------------------------------------- scatter_reduce
_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


class ScatterReduce(Primitive):
    """``prod``, ``amax`` and ``amin`` of ``src`` into ``x`` at ``idx`` (repeats combine), with ``x``'s
    own targeted elements taking part or not (``include_self``).

    The backward is composed of Tensor ops (this primitive among them), so it is differentiable
    again.  amax / amin share the gradient evenly among the elements equal to the result (PyTorch's
    rule); prod gives each element the product of the others in its group, zeros included, as
    PyTorch does (and twice differentiable wherever PyTorch's is).
    """

    @staticmethod
    def forward(ctx, x, src, idx, reduce, include_self):
        xp = x._dev.xp
        out = x._data.copy()
        targeted = xp.zeros(out.shape, dtype=bool)
        targeted[idx] = True
        if not include_self:
            out[idx] = _identity(xp, reduce, out.dtype)
        ufunc = {"prod": "multiply", "amax": "maximum", "amin": "minimum"}[reduce]
        x._dev.backend.ufunc_at(ufunc, out, idx, src._data)
        ctx.idx, ctx.reduce, ctx.include_self = idx, reduce, include_self
        ctx.targeted = targeted
        result = Tensor._wrap(out, x._dev)
        ctx.save_for_backward(x, src, result)
        return result

    @staticmethod
    def backward(ctx, g):
        from autograd_core.ops.elementwise import where

        x, src, result = ctx.saved_tensors
        idx, shape = ctx.idx, x._data.shape
        dev = x._dev
        # x's elements that take part: all of them, or, without include_self, those no index targets.
        own = no_grad_result(dev.xp.ones(shape, dtype=bool) if ctx.include_self else ~ctx.targeted, dev)
        if ctx.reduce in ("amax", "amin"):
            x_hit = own & (x == result)
            src_hit = src == Index.apply(result, idx, False)
            count = x_hit.to(g.dtype) + IndexBackward.apply(src_hit.to(g.dtype), idx, False, shape)
            share = g / where(count == 0, 1.0, count)
            return share * x_hit, Index.apply(share, idx, False) * src_hit, None, None, None
        # prod: each element's gradient is the product of the others in its group, written with products
        # recomputed from x and src (not the saved result) so that it is differentiable again, also
        # across zeros: a zero reads its own group's product with itself taken as 1.
        base = where(own, x, 1.0)  # the elements of x that take no part count as 1
        x_zero, src_zero = own & (x == 0), src == 0
        x1 = where(x == 0, 1.0, x)
        # x: at most one element per group, so the product with it taken as 1, over x itself if non-zero
        gx = g * where(own, ScatterReduce.apply(where(x_zero, 1.0, base), src, idx, "prod", True) / x1, 0.0)
        # src: a non-zero element divides the whole product; src's only zero in its group takes the
        # product with itself as 1; a zero among several zeros of src gets 0 (exact to first order;
        # PyTorch refuses to differentiate that case twice).
        src_zeros = Index.apply(IndexBackward.apply(src_zero.to(g.dtype), idx, False, shape), idx, False)
        single = src_zero & (src_zeros == 1)
        full = Index.apply(ScatterReduce.apply(base, src, idx, "prod", True), idx, False)
        alone = Index.apply(ScatterReduce.apply(base, where(single, 1.0, src), idx, "prod", True), idx, False)
        others = where(single, alone, where(src_zero, 0.0, full / where(src_zero, 1.0, src)))
        gsrc = Index.apply(g, idx, False) * others
        return gx, gsrc, None, None, None


def _identity(xp, reduce: str, dtype):
    """The value that leaves ``reduce`` unchanged: 1 for prod, the lowest (highest) value for amax (amin)."""
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce != "amax"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """``input`` with ``src``'s elements combined into the places ``index`` points to along ``dim``
    (scatter's rule), by ``reduce``: ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``.
    With ``include_self=False`` the targeted elements of ``input`` take no part (and get no
    gradient); untargeted ones are kept.  An integer mean rounds down, as in PyTorch.

    >>> import autograd_core as ag
    >>> src, idx = ag.tensor([1.0, 2.0, 3.0, 4.0]), ag.tensor([0, 0, 1, 1])
    >>> ag.full((3,), 10.0).scatter_reduce(0, idx, src, "amax", include_self=False).tolist()
    [2.0, 4.0, 10.0]
    >>> [round(v, 4) for v in ag.full((3,), 10.0).scatter_reduce(0, idx, src, "mean").tolist()]
    [4.3333, 5.6667, 10.0]
    """
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce: src must be a Tensor, got {type(src).__name__}")
    if input._data.ndim == 0:
        _check_dim("scatter_reduce", dim, 0)
        return reshape(scatter_reduce(reshape(input, 1), 0, _vector(index), _vector(src), reduce,
                                      include_self=include_self), ())
    idx, src = _scatter_index("scatter_reduce", input, dim, index, src)
    return _reduce_at(input, src, idx, reduce, include_self)


def _reduce_at(input: Tensor, src: Tensor, idx: tuple, reduce: str, include_self: bool) -> Tensor:
    """``input`` with each element of ``src`` combined by ``reduce`` into ``input[idx]`` at its own
    position (``idx`` has src's shape): what scatter_reduce and index_reduce share once their
    indices are checked and spelled out element by element."""
    from autograd_core.ops.elementwise import floor_divide

    shape, dev = input._data.shape, input._dev
    if reduce in ("prod", "amax", "amin"):
        return ScatterReduce.apply(input, src, idx, reduce, include_self)
    base = input if include_self else Scatter.apply(input, 0, idx)
    total = base + IndexBackward.apply(src, idx, False, shape)
    if reduce == "sum":
        return total
    xp = dev.xp
    count = xp.zeros(shape, dtype=input._data.dtype)
    dev.backend.scatter_add(count, idx, xp.ones(idx[0].shape, dtype=count.dtype))
    if include_self:
        count += 1
    else:
        count[count == 0] = 1  # untargeted elements: input itself, divided by one
    count = no_grad_result(count, dev)
    return floor_divide(total, count) if input._data.dtype.kind in "iub" else total / count


def scatter_reduce_(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    """``scatter_reduce`` in place."""
    from autograd_core.ops.inplace import _out_of_place_into

    return _out_of_place_into(
        "scatter_reduce_", self, lambda old: scatter_reduce(old, dim, index, src, reduce, include_self=include_self), src
    )


# ---------------------------------------------------------------------------- index_reduce
_INDEX_REDUCTIONS = ("prod", "mean", "amax", "amin")


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """``input`` with slice ``i`` of ``source`` along ``dim`` combined into slice ``index[i]`` by
    ``reduce``: ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"`` (repeated indices combine).
    ``source`` has input's shape with dim ``dim`` of size ``len(index)``.  It is scatter_reduce with
    ``index`` repeated across every other dim, so gradients follow the same rules: amax / amin share
    it evenly among tied elements, prod is exact with one zero per group, mean divides by the count
    (self included when ``include_self``); with ``include_self=False`` the targeted slices of
    ``input`` take no part and get no gradient.

    >>> import autograd_core as ag
    >>> x = ag.ones(3, 2)
    >>> x.index_reduce(0, ag.tensor([0, 0, 2]), ag.tensor([[2.0, 3.0], [4.0, 5.0], [6.0, 7.0]]), "prod")
    tensor([[ 8., 15.],
            [ 1.,  1.],
            [ 6.,  7.]])
    >>> x.index_reduce(0, ag.tensor([0, 0]), ag.tensor([[2.0, 3.0], [4.0, 6.0]]), "mean", include_self=False)
    tensor([[3.0000, 4.5000],
            [1.0000, 1.0000],
            [1.0000, 1.0000]])
    """
    if reduce not in _INDEX_REDUCTIONS:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    if not isinstance(source, Tensor):
        raise TypeError(f"index_reduce(): argument 'source' must be Tensor, not {type(source).__name__}")
    if not isinstance(index, Tensor) or index._data.dtype.name not in ("int32", "int64"):
        got = index.dtype if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"index_reduce(): Expected dtype int32/int64 for index but got {got}")
    if index._data.ndim > 1:
        raise IndexError(f"index_reduce(): index is supposed to be a vector, but got shape {tuple(index.shape)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_reduce(): self ({input.dtype}) and source ({source.dtype}) must have the same "
                           "dtype; convert one with .to()")
    if input._data.dtype.kind == "b":
        raise RuntimeError("index_reduce(): not implemented for bool tensors; convert to an integer dtype first")
    shape = input._data.shape
    if not shape:  # a 0-d input is a vector of one element, with a 0-d source
        _check_dim("index_reduce", dim, 0)
        _same_but_dim("index_reduce", shape, source._data.shape, None)
        return reshape(index_reduce(reshape(input, 1), 0, index, reshape(source, 1), reduce,
                                    include_self=include_self), ())
    d = _check_dim("index_reduce", dim, len(shape))
    _same_but_dim("index_reduce", shape, source._data.shape, d)
    rows = index._data.reshape(-1)
    if rows.shape[0] != source._data.shape[d]:
        raise RuntimeError(f"index_reduce(): Number of indices ({rows.shape[0]}) should be equal to source.size(dim): "
                           f"({source._data.shape[d]}), for dim: {d}")
    _check_in_range("index_reduce", rows, d, shape[d])
    xp, nd = input._dev.xp, len(shape)
    # index repeated across the other dims (a copy: changing index later must not move the gradient)
    full = xp.broadcast_to(rows.reshape((1,) * d + (-1,) + (1,) * (nd - d - 1)), source._data.shape).copy()
    return _reduce_at(input, source, along_dim(xp, full, d), reduce, include_self)


def _same_but_dim(op: str, shape: tuple, sshape: tuple, d) -> None:
    """``source`` must have ``input``'s shape except along ``d`` (a 0-d input takes a 0-d source)."""
    if len(sshape) != len(shape) or builtins.any(a != b for k, (a, b) in enumerate(zip(shape, sshape)) if k != d):
        raise RuntimeError(
            f"{op}(): source tensor shape must match self tensor shape, excluding the specified dimension. Got "
            f"self.shape = {list(shape)} source.shape = {list(sshape)}"
        )


def index_reduce_(self: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                  include_self: bool = True) -> Tensor:
    """``index_reduce`` in place (recorded when ``self`` is in the graph or ``source`` requires grad).

    >>> import autograd_core as ag
    >>> ag.zeros(3).index_reduce_(0, ag.tensor([1, 1]), ag.tensor([2.0, 5.0]), "amax")
    tensor([0., 5., 0.])
    """
    from autograd_core.ops.inplace import _out_of_place_into

    return _out_of_place_into(
        "index_reduce_", self,
        lambda old: index_reduce(old, dim, index, source, reduce, include_self=include_self), source
    )


# ---------------------------------------------------------------------------- select / slice / diagonal scatter
def _embed(op: str, input: Tensor, src, idx: tuple, expected: tuple, move_to=None) -> Tensor:
    """A copy of ``input`` with ``src`` written at ``idx``, a place no element appears twice in:
    the out-of-place inverse of a view (select, slice, diagonal).  ``src`` must have the view's
    ``expected`` shape and is cast to input's dtype; ``move_to`` says where its last dim goes in
    NumPy's layout of ``input[idx]`` (a diagonal indexed by two arrays).  Gradients: zero for the
    overwritten part of input, the matching part of the gradient for src."""
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}(): argument 'src' (position 2) must be Tensor, not {type(src).__name__}")
    if tuple(src._data.shape) != expected:
        raise RuntimeError(
            f"{op}: expected src to have a size equal to the slice of self. src size = {list(src._data.shape)}, "
            f"slice size = {list(expected)}"
        )
    if src._data.dtype != input._data.dtype:
        src = src.to(input.dtype)
    if move_to is not None and move_to != src._data.ndim - 1:
        from autograd_core.ops.shape import movedim

        src = movedim(src, -1, move_to)
    return Scatter.apply(input, src, idx, True)


def _index_arg(op: str, name: str, value) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{name}' must be int, not bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(value).__name__}") from None


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``src`` written into ``input.select(dim, index)`` (``src`` has that
    slice's shape; negative ``index`` counts from the end).

    >>> import autograd_core as ag
    >>> ag.select_scatter(ag.zeros(2, 3), ag.ones(2), 1, -1)
    tensor([[0., 0., 1.],
            [0., 0., 1.]])
    """
    shape = input._data.shape
    if not shape:
        raise IndexError("select_scatter: select() cannot be applied to a 0-dim tensor.")
    d = _check_dim("select_scatter", dim, len(shape))
    i, n = _index_arg("select_scatter", "index", index), shape[d]
    if not -n <= i < n:
        raise IndexError(f"select_scatter: index {i} out of range for tensor of size {list(shape)} at dimension {d}")
    idx = (builtins.slice(None),) * d + (i % n,)
    return _embed("select_scatter", input, src, idx, shape[:d] + shape[d + 1 :])


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written into ``input[..., start:end:step, ...]`` along ``dim``
    (``src`` has that slice's shape; bounds as in Python slicing; ``step`` positive).

    >>> import autograd_core as ag
    >>> ag.slice_scatter(ag.zeros(2, 4), ag.ones(2, 2), 1, start=1, step=2)
    tensor([[0., 1., 0., 1.],
            [0., 1., 0., 1.]])
    """
    shape = input._data.shape
    if not shape:
        raise IndexError("slice_scatter: slice() cannot be applied to a 0-dim tensor.")
    d = _check_dim("slice_scatter", dim, len(shape))
    bounds = tuple(None if v is None else _index_arg("slice_scatter", name, v)
                   for name, v in (("start", start), ("end", end), ("step", step)))
    if bounds[2] is None or bounds[2] <= 0:
        raise RuntimeError(f"slice_scatter: slice step must be positive, got {step}")
    part = builtins.slice(*bounds)
    size = len(builtins.range(*part.indices(shape[d])))
    idx = (builtins.slice(None),) * d + (part,)
    return _embed("slice_scatter", input, src, idx, shape[:d] + (size,) + shape[d + 1 :])


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written onto ``input.diagonal(offset, dim1, dim2)`` (``src`` has
    that diagonal's shape: the other dims, then the diagonal's length).

    >>> import autograd_core as ag
    >>> ag.diagonal_scatter(ag.zeros(2, 3), ag.tensor([1.0, 2.0]), 1)
    tensor([[0., 1., 0.],
            [0., 0., 2.]])
    """
    shape = input._data.shape
    nd = len(shape)
    d1, d2 = _check_dim("diagonal_scatter", dim1, nd), _check_dim("diagonal_scatter", dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal_scatter: diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = _index_arg("diagonal_scatter", "offset", offset)
    up, down = builtins.max(offset, 0), builtins.max(-offset, 0)  # the diagonal starts at (down, up)
    n = builtins.max(0, builtins.min(shape[d1] - down, shape[d2] - up))
    xp = input._dev.xp
    idx = [builtins.slice(None)] * nd
    idx[d1], idx[d2] = xp.arange(n) + down, xp.arange(n) + up
    # NumPy puts the diagonal where its two index arrays stand when they are neighbours, else first.
    where = builtins.min(d1, d2) if builtins.abs(d1 - d2) == 1 else 0
    expected = tuple(s for k, s in enumerate(shape) if k not in (d1, d2)) + (n,)
    return _embed("diagonal_scatter", input, src, tuple(idx), expected, move_to=where)


def argwhere(input: Tensor) -> Tensor:
    """The (n, ndim) int64 coordinates of the non-zero elements: ``nonzero(input)``.

    >>> import autograd_core as ag
    >>> ag.argwhere(ag.tensor([[0, 1], [2, 0]])).tolist()
    [[0, 1], [1, 0]]
    """
    return nonzero(input)


# ---------------------------------------------------------------------------- searching (no gradient)
def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False, side=None,
                 sorter=None) -> Tensor:
    """Where each value of ``input`` would go in ``sorted_sequence`` (sorted along its last dim) to keep
    it sorted: the first such place, or with ``right=True`` (``side="right"``) the last.  A 1-D
    sequence serves every value; an N-D one has one row per leading index of ``input``.  A NaN value
    goes after everything, as in PyTorch.  int64 (int32 with ``out_int32``) indices, no gradient.

    >>> import autograd_core as ag
    >>> ag.searchsorted(ag.tensor([1, 3, 5, 7]), ag.tensor([3, 6, 9])).tolist()
    [1, 3, 4]
    >>> ag.searchsorted(ag.tensor([1, 3, 5, 7]), 3, right=True).item()
    2
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    seq = sorted_sequence
    dev = seq._dev
    xp = dev.xp
    s = seq._data
    if s.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           "of boundaries tensor and input value tensor must match, but we got boundaries tensor [] "
                           "and input value tensor " + str(list(getattr(input, "shape", ()))))
    if sorter is not None:
        _check_index_tensor("searchsorted", sorter)
        s = xp.take_along_axis(s, sorter._data, axis=-1)
    scalar = not isinstance(input, Tensor)
    v = xp.asarray(input, dtype=s.dtype) if scalar else input._data
    if v.dtype != s.dtype:
        common = np.promote_types(np.dtype(str(v.dtype)), np.dtype(str(s.dtype)))
        v, s = v.astype(common), s.astype(common)
    n = s.shape[-1]
    if s.ndim == 1:
        out = xp.searchsorted(s, v.reshape(-1), side="right" if right else "left").reshape(v.shape)
    else:
        if v.ndim != s.ndim or v.shape[:-1] != s.shape[:-1]:
            raise RuntimeError(
                f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
                f"boundaries tensor and input value tensor must match, but we got boundaries tensor {list(s.shape)} "
                f"and input value tensor {list(v.shape)}"
            )
        # Counting the smaller (or not larger) entries per row: every row at once, O(n * m) memory.
        below = (s[..., None, :] <= v[..., :, None]) if right else (s[..., None, :] < v[..., :, None])
        out = below.sum(axis=-1)
    if v.dtype.kind == "f":
        out = xp.where(xp.isnan(v), n, out)
    return no_grad_result(out.astype("int32" if out_int32 else "int64"), dev)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value among the 1-D sorted ``boundaries``: ``i`` with
    ``boundaries[i-1] < x <= boundaries[i]`` (``<= x <`` with ``right=True``).

    >>> import autograd_core as ag
    >>> ag.bucketize(ag.tensor([1, 5, 9]), ag.tensor([1, 3, 5, 7])).tolist()
    [0, 2, 4]
    """
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """A bool tensor of ``elements``' shape: whether each element occurs in ``test_elements`` (either
    may be a number).

    >>> import autograd_core as ag
    >>> ag.isin(ag.tensor([1, 2, 3]), ag.tensor([2, 5])).tolist()
    [False, True, False]
    """
    ref = elements if isinstance(elements, Tensor) else test_elements
    if not isinstance(ref, Tensor):
        raise TypeError("isin: expected at least one of elements and test_elements to be a Tensor")
    dev = ref._dev
    xp = dev.xp
    e = elements._data if isinstance(elements, Tensor) else xp.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    out = xp.isin(e, t, invert=invert)
    return no_grad_result(out.reshape(e.shape), dev)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The elements (or, with ``dim``, the slices along ``dim``) with each run of equal consecutive
    ones reduced to one; with ``return_inverse`` also where each input element went, with
    ``return_counts`` the length of each run.  No gradient.

    >>> import autograd_core as ag
    >>> out, counts = ag.unique_consecutive(ag.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
    >>> out.tolist(), counts.tolist()
    ([1, 2, 3, 1], [2, 2, 1, 1])
    """
    dev = input._dev
    xp, x = dev.xp, input._data
    if dim is None:
        flat = x.reshape(-1)
        starts = xp.ones(flat.shape, dtype=bool)
        if flat.shape[0] > 1:
            starts[1:] = flat[1:] != flat[:-1]
        out = flat[starts]
        inverse_shape = x.shape
    else:
        d = _check_dim("unique_consecutive", dim, builtins.max(x.ndim, 1))
        if x.ndim == 0:
            raise RuntimeError("unique_consecutive: a 0-d tensor has no dim to take slices along; pass dim=None")
        moved = xp.moveaxis(x, d, 0)
        rows = moved.reshape(moved.shape[0], -1)
        starts = xp.ones(rows.shape[0], dtype=bool)
        if rows.shape[0] > 1:
            starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        out = xp.moveaxis(moved[starts], 0, d)
        inverse_shape = (x.shape[d],)
    results = [no_grad_result(xp.ascontiguousarray(out), dev)]
    if return_inverse:
        inverse = (xp.cumsum(starts) - 1).astype("int64")
        results.append(no_grad_result(inverse.reshape(inverse_shape), dev))
    if return_counts:
        positions = xp.nonzero(starts)[0]
        total = starts.shape[0]
        ends = xp.concatenate([positions[1:], xp.asarray([total], dtype=positions.dtype)])
        results.append(no_grad_result((ends - positions).astype("int64"), dev))
    return results[0] if len(results) == 1 else tuple(results)
