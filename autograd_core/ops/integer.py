"""Integer arithmetic with no gradient: ``gcd``, ``lcm``, ``bitwise_left_shift`` (``<<``),
``bitwise_right_shift`` (``>>``), their in-place forms (``gcd_`` ... ``<<=``); and ``frexp``, a float's mantissa and integer exponent.

The integer ops follow PyTorch's promotion (two tensors meet in their common dtype, a 0-d tensor
does not widen a dimensioned one, a Python int takes the tensor's dtype, wrapping as a C cast
would) and refuse float and bool operands as PyTorch does.  Two results differ from what the
array library's own functions give, so they are spelled out here: a shift by a negative count or
by at least the dtype's width gives 0 (left) or the sign (right), not whatever the hardware does;
and ``lcm`` takes the absolute value after the product, in C's integer arithmetic, so an
overflowing lcm wraps as PyTorch's does.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from autograd_core.function import Primitive
from autograd_core.ops._common import _result_dtype, broadcast_shape, no_grad_result
from autograd_core.ops.inplace import _in_place
from autograd_core.tensor import Tensor

FrexpResult = namedtuple("frexp", ["mantissa", "exponent"])


# ---------------------------------------------------------------------------- operands
def _refuse(op: str, what: str) -> None:
    raise RuntimeError(f"{op}: not implemented for '{what}'; it takes integer tensors (convert with .long())")


def _dtype_name(dtype) -> str:
    return {"b": "Bool", "f": "Float"}.get(np.dtype(dtype).kind, str(dtype))


def _wrapped_int(op: str, value: int, dtype) -> int:
    """A Python int as a C cast to ``dtype`` would leave it (300 -> 44 in int8), as PyTorch does."""
    if not -(2**63) <= value < 2**64:
        raise OverflowError(f"{op}: int too big to convert: {value}")
    bits = 8 * np.dtype(dtype).itemsize
    value %= 2**bits
    if np.dtype(dtype).kind == "i" and value >= 2 ** (bits - 1):
        value -= 2**bits
    return value


def _operands(op: str, input, other, scalars: bool):
    """``(dev, a, b)``: the two operands' arrays in their common integer dtype (not broadcast).

    ``scalars`` lets one side be a Python int (the shifts); gcd and lcm take tensors only, as in
    PyTorch.
    """
    for pos, (name, v) in enumerate((("input", input), ("other", other)), 1):
        if isinstance(v, Tensor):
            continue
        if not scalars or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(v).__name__}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}(): expected at least one Tensor operand, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    t = input if isinstance(input, Tensor) else other
    dev = t._dev
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        if input._dev is not other._dev:
            from autograd_core.function import _device_error

            _device_error(op, input._dev, other._dev)
        for v in (input, other):
            if v._data.dtype.kind == "f":
                _refuse(op, _dtype_name(v._data.dtype))
        dtype = _result_dtype(input, other)
        if dtype.kind == "b":
            _refuse(op, "Bool")
        broadcast_shape(op, input._data.shape, other._data.shape)
        return dev, input._data.astype(dtype, copy=False), other._data.astype(dtype, copy=False)
    scalar = other if t is input else input
    if t._data.dtype.kind == "f" or isinstance(scalar, (float, np.floating)):
        _refuse(op, "Float")
    dtype = t._data.dtype
    if dtype.kind == "b":
        if isinstance(scalar, (bool, np.bool_)):
            _refuse(op, "Bool")
        dtype = np.dtype(np.int64)  # a bool tensor with an int: int64, as in PyTorch
    s = dev.xp.asarray(_wrapped_int(op, int(scalar), dtype), dtype=dtype)
    a = t._data.astype(dtype, copy=False)
    return (dev, a, s) if t is input else (dev, s, a)


def _elementwise(op: str, fn, input, other, scalars: bool) -> Tensor:
    dev, a, b = _operands(op, input, other, scalars)
    shape = broadcast_shape(op, a.shape, b.shape)
    if not shape:  # keep 0-d operands arrays: NumPy scalars would warn where arrays wrap silently
        a, b = a.reshape(1), b.reshape(1)
    return no_grad_result(fn(dev.xp, a, b).reshape(shape), dev)


# ---------------------------------------------------------------------------- gcd, lcm
def _gcd(xp, a, b):
    """Euclid's algorithm on ``|a|`` and ``|b|`` in their dtype with C's remainder, all elements at
    once, as PyTorch runs it: the usual gcd, except where ``|min|`` wraps back to the dtype's
    minimum, which PyTorch (and so this) can answer with a negative number."""
    x, y = xp.abs(a), xp.abs(b)
    shape = broadcast_shape("gcd", x.shape, y.shape)
    x, y = xp.broadcast_to(x, shape), xp.broadcast_to(y, shape)
    while bool((x != 0).any()):  # at most about 1.5 steps per bit
        going = x != 0
        # (a remainder by -1 is 0, and min % -1 would trap the CPU: divide by 1 there instead)
        x, y = xp.where(going, xp.fmod(y, xp.where(going & (x != -1), x, 1)), 0), xp.where(going, x, y)
    return y.astype(a.dtype, copy=True)


def _lcm(xp, a, b):
    # |a / gcd * b| in C's arithmetic, as PyTorch computes it: types narrower than int32 are
    # widened to int (so int8's lcm(-100, 7) is 700, then cast: -68), wider ones wrap in place.
    dtype = a.dtype
    work = "int32" if dtype.itemsize < 4 else dtype
    g = _gcd(xp, a, b).astype(work)
    a, b = a.astype(work), b.astype(work)
    # g divides a exactly; -1 (a wrapped gcd) divides by negating, as min // -1 would trap the CPU
    quotient = xp.where(g == -1, -a, a // xp.where((g == 0) | (g == -1), 1, g))
    return xp.where(g == 0, 0, xp.abs(quotient * b)).astype(dtype)


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor of each pair of elements (non-negative; ``gcd(0, 0) = 0``), of
    two integer tensors, broadcast and promoted.

    >>> import autograd_core as ag
    >>> ag.gcd(ag.tensor([12, -18, 0, 7]), ag.tensor([8, 12, 5, 0]))
    tensor([4, 6, 5, 7])
    """
    return _elementwise("gcd", _gcd, input, other, False)


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple of each pair of elements (non-negative; 0 when either is 0), of two
    integer tensors, broadcast and promoted.  An lcm the dtype can't hold wraps, as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.lcm(ag.tensor([12, -18, 0, 7]), ag.tensor([8, 12, 5, 0]))
    tensor([24, 36,  0,  0])
    """
    return _elementwise("lcm", _lcm, input, other, False)


# ---------------------------------------------------------------------------- shifts
def _shift(left: bool):
    def compute(xp, a, s):
        bits = 8 * a.dtype.itemsize
        in_range = (s >= 0) & (s < bits)
        count = xp.where(in_range, s, 0).astype(a.dtype, copy=False)
        shifted = xp.left_shift(a, count) if left else xp.right_shift(a, count)
        # Shifting every bit out leaves 0 (left) or the sign bit everywhere (right): -1 or 0.
        out_of_range = 0 if left else xp.where(a < 0, -1, 0)
        return xp.where(in_range, shifted, out_of_range).astype(a.dtype, copy=False)

    return compute


_left, _right = _shift(True), _shift(False)


def bitwise_left_shift(input, other) -> Tensor:
    """``input << other``: each element's bits moved ``other`` places up, wrapping in its dtype
    (a count that is negative or at least the dtype's width gives 0).  Either side may be a Python
    int; integer tensors only.

    >>> import autograd_core as ag
    >>> ag.bitwise_left_shift(ag.tensor([1, -3, 5], dtype=ag.int8), ag.tensor([2, 1, 7], dtype=ag.int8)).tolist()
    [4, -6, -128]
    >>> 1 << ag.tensor([0, 3, 64])
    tensor([1, 8, 0])
    """
    return _elementwise("bitwise_left_shift", _left, input, other, True)


def bitwise_right_shift(input, other) -> Tensor:
    """``input >> other``: each element's bits moved ``other`` places down, the sign kept (so
    ``-1 >> n`` is -1); a count that is negative or at least the dtype's width gives -1 for negative
    elements and 0 for the others.  Either side may be a Python int; integer tensors only.

    >>> import autograd_core as ag
    >>> ag.tensor([16, -16, 255]) >> 2
    tensor([ 4, -4, 63])
    """
    return _elementwise("bitwise_right_shift", _right, input, other, True)


# ---------------------------------------------------------------------------- in place
# ``self`` becomes the op's result in its own dtype (``x <<= 2``, ``x.gcd_(y)``), as the in-place
# family of ops/inplace.py does it; integers never require grad, so nothing is ever recorded.
gcd_ = _in_place("gcd_", gcd)
lcm_ = _in_place("lcm_", lcm)
bitwise_left_shift_ = _in_place("bitwise_left_shift_", bitwise_left_shift)
bitwise_right_shift_ = _in_place("bitwise_right_shift_", bitwise_right_shift)


# ---------------------------------------------------------------------------- frexp
class Frexp(Primitive):
    """``x = mantissa * 2 ** exponent``; the mantissa's derivative is ``2 ** -exponent`` (the exponent
    is locally constant), computed exactly with ldexp in x's dtype."""

    @staticmethod
    def forward(ctx, x):
        xp = x._dev.xp
        mantissa, exponent = xp.frexp(x._data)
        exponent = exponent.astype("int32", copy=False)
        if ctx._next:
            ctx.scale = xp.ldexp(xp.ones_like(x._data), -exponent)
        return mantissa, Tensor._wrap(exponent, x._dev)

    @staticmethod
    def backward(ctx, g_mantissa, g_exponent):
        if g_mantissa is None:
            return (None,)
        return (g_mantissa * no_grad_result(ctx.scale, g_mantissa._dev),)


def frexp(input: Tensor):
    """``(mantissa, exponent)`` with ``input = mantissa * 2 ** exponent``, ``0.5 <= |mantissa| < 1``
    (and both 0 for 0; inf and NaN keep their value with exponent 0).  The mantissa has input's
    dtype and a gradient, the exponent is int32 and has none, as in PyTorch.

    >>> import autograd_core as ag
    >>> m, e = ag.frexp(ag.tensor([1.0, -3.5, 0.0]))
    >>> m, e.tolist(), e.dtype == ag.int32
    (tensor([ 0.5000, -0.8750,  0.0000]), [1, 2, 0], True)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"frexp(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"frexp: torch.frexp() only supports floating-point dtypes, got {input.dtype}")
    return FrexpResult(*Frexp.apply(input))
