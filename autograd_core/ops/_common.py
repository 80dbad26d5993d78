"""Helpers shared by the primitive families: operand preparation, scalars, dims."""

from __future__ import annotations

import numpy as np

from autograd_core import dtypes
from autograd_core.tensor import Tensor, _check_dim

_wrap = Tensor._wrap


def val(x):
    """The array behind a Tensor operand, or the Python scalar itself."""
    return x._data if isinstance(x, Tensor) else x


def broadcast_shape(op: str, *shapes) -> tuple:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(
            f"{op}: shapes {' and '.join(str(tuple(s)) for s in shapes)} cannot be broadcast together "
            "(trailing dimensions must be equal or 1)"
        ) from None


def prepare_binary(op: str, a: Tensor, b):
    """Bring ``b`` and ``a`` to one dtype and shape for a binary primitive.

    This is where broadcasting is handled, once for every binary op: a tensor
    whose shape differs is ``expand``-ed (a view, whose backward sums the
    gradient back to the original shape), so no primitive ever sees two shapes.
    A Python scalar stays a scalar and, as in PyTorch, does not upcast.
    """
    cls = b.__class__
    if cls is float or cls is int:
        if cls is float and a._data.dtype.kind in "iub":
            from autograd_core.ops.elementwise import cast

            a = cast(a, dtypes.get_default_dtype())
        return a, b
    if not isinstance(b, Tensor):
        if isinstance(b, (bool, np.bool_, np.number)):
            if a._data.dtype.kind == "b" and isinstance(b, (bool, np.bool_)):
                return a, bool(b)  # bool with bool stays bool (``mask + True`` is a logical or), as in PyTorch
            return prepare_binary(op, a, b.item() if hasattr(b, "item") else int(b))
        if isinstance(b, (np.ndarray, list)):  # array-likes act as tensors of their dtype, as in PyTorch
            from autograd_core.factories import tensor

            return prepare_binary(op, a, tensor(b, device=a._dev))
        raise TypeError(f"{op}: unsupported operand type {type(b).__name__}; expected a Tensor or a Python number")
    da, db = a._data.dtype, b._data.dtype
    # A bool operand needs no cast: the array library already gives the other operand's dtype.
    if da is not db and da != db and da.kind != "b" and db.kind != "b":
        target = _result_dtype(a, b)
        from autograd_core.ops.elementwise import cast

        if da != target:
            a = cast(a, target)
        if db != target:
            b = cast(b, target)
    sa, sb = a._data.shape, b._data.shape
    if sa != sb:
        from autograd_core.ops.shape import expand

        shape = broadcast_shape(op, sa, sb)
        if sa != shape:
            a = expand(a, shape)
        if sb != shape:
            b = expand(b, shape)
    return a, b


def promote_arrays(op: str, a: Tensor, b, promote: bool = True):
    """The arrays behind ``a`` and ``b`` (or ``b`` itself, a Python scalar) for an op with no
    gradient, such as a comparison: in the dtype ``prepare_binary`` would give them (unless
    ``promote`` is false), but not broadcast, which the array library does by itself."""
    x = a._data
    cls = b.__class__
    if cls is float or cls is int or cls is bool:
        if promote and cls is float and x.dtype.kind in "iub":
            x = x.astype(dtypes.get_default_dtype())
        return x, b
    if not isinstance(b, Tensor):
        return x, b  # array-likes and NumPy scalars: left to the array library
    if b._dev is not a._dev:
        from autograd_core.function import _device_error

        _device_error(op, a._dev, b._dev)
    y = b._data
    da, db = x.dtype, y.dtype
    if promote and da is not db and da != db and da.kind != "b" and db.kind != "b":
        target = _result_dtype(a, b)
        if da != target:
            x = x.astype(target)
        if db != target:
            y = y.astype(target)
    return x, y


def _result_dtype(a: Tensor, b: Tensor):
    """PyTorch promotion: a 0-d tensor does not widen a dimensioned one of the same kind."""
    da, db = a._data.dtype, b._data.dtype
    cat_a, cat_b = da.kind == "f", db.kind == "f"
    if cat_a == cat_b and (a._data.ndim == 0) != (b._data.ndim == 0) and da.kind != "b" and db.kind != "b":
        return db if a._data.ndim == 0 else da
    return dtypes.promote(da, db)


def dims_of(op: str, dim, ndim: int) -> tuple:
    """Normalise ``dim`` (None, int, or a sequence) to a sorted tuple of non-negative dims."""
    if dim is None or (isinstance(dim, (list, tuple)) and not dim):  # dim=() reduces all, as in PyTorch
        return tuple(range(ndim))
    if ndim == 0:  # PyTorch lets a 0-d tensor be reduced over dim 0 or -1 (a no-op)
        for d in dim if isinstance(dim, (list, tuple)) else (dim,):
            _check_dim(op, d, 0)
        return ()
    if isinstance(dim, (list, tuple)):
        out = tuple(sorted({_check_dim(op, d, ndim) for d in dim}))
        if len(out) != len(dim):
            raise ValueError(f"{op}: dim {tuple(dim)} names a dimension twice")
        return out
    return (_check_dim(op, dim, ndim),)


def keep_shape(shape: tuple, dims: tuple) -> tuple:
    """``shape`` with the reduced ``dims`` set to 1 (the keepdim shape)."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def no_grad_result(data, dev) -> Tensor:
    """Results of non-differentiable ops (comparisons, argmax): plain tensors off the tape."""
    return _wrap(data, dev)
