"""Elementwise primitives: forward on arrays, backward with Tensor ops, side by side.

Operands reach these primitives already broadcast to one shape and dtype
(``prepare_binary``), or as a Python scalar, so no rule here handles shapes.
"""

from __future__ import annotations

import math

from autograd_core import dtypes
from autograd_core.function import Primitive
from autograd_core.grad_mode import GRAD_ENABLED
from autograd_core.ops._common import broadcast_shape, no_grad_result, prepare_binary, promote_arrays, val
from autograd_core.tensor import Tensor

_wrap = Tensor._wrap
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


# ---------------------------------------------------------------------------- binary
class Add(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        if b.__class__ is float or b.__class__ is int:
            return a._data + b
        return val(a) + val(b)

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        return val(a) - val(b)

    @staticmethod
    def backward(ctx, g):
        ga, gb = ctx.needs_input_grad
        return (g if ga else None), (-g if gb else None)


class Mul(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        if b.__class__ is float or b.__class__ is int:
            ctx.scalar = b  # times a number: backward needs only the number
            return a._data * b
        nxt = ctx._next  # empty unless recording
        if nxt:  # keep only what backward needs: d/da needs b, d/db needs a
            ctx.save_for_backward(a if nxt[1] is not None else None, b if nxt[0] is not None else None)
        return val(a) * val(b)

    @staticmethod
    def backward(ctx, g):
        if "scalar" in ctx.__dict__:
            return g * ctx.scalar, None
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        return (g * b if ga else None), (g * a if gb else None)


class Div(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return val(a) / val(b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        return (g / b if ga else None), (-g * a / (b * b) if gb else None)


class Pow(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return val(a) ** val(b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        grad_a = grad_b = None
        if ga:
            # d/da a**b = b * a**(b-1); PyTorch defines it as 0 where b == 0 (even at a == 0).
            if isinstance(b, Tensor):
                grad_a = where(b == 0, 0.0, g * b * a ** (b - 1))
            else:
                grad_a = g * 0.0 if b == 0 else g * b * a ** (b - 1)
        if gb:
            # d/db a**b = a**b * log(a); taken as 0 where a == 0 and b >= 0, as PyTorch does.
            out = a ** b
            if isinstance(a, Tensor):
                safe = where(a == 0, 1.0, a)
                grad_b = where((a == 0) & (b >= 0), 0.0, g * out * log(safe))
            else:
                grad_b = g * out * (math.log(a) if a > 0 else float("nan")) if a != 0 else g * 0.0
        return grad_a, grad_b


class Maximum(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a._dev.xp.maximum(val(a), val(b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _split_ties(ctx, g, a < b, a > b, a == b)


class Minimum(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a._dev.xp.minimum(val(a), val(b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _split_ties(ctx, g, a > b, a < b, a == b)


class Remainder(Primitive):
    """``a - floor_divide(a, b) * b``, with the sign of ``b`` (Python's ``%``, PyTorch's remainder)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return (a if isinstance(a, Tensor) else b)._dev.backend.remainder(val(a), val(b))

    @staticmethod
    def backward(ctx, g):
        # The quotient is piecewise constant: d/da is 1 and d/db is -floor_divide(a, b), as in PyTorch.
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        return (g if ga else None), (-g * floor_divide(a, b) if gb else None)


class Fmod(Primitive):
    """``a - trunc(a / b) * b``, with the sign of ``a`` (C's fmod, PyTorch's fmod)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a._dev.backend.fmod(val(a), val(b))

    @staticmethod
    def backward(ctx, g):
        # As for remainder: d/da is 1 and d/db is -trunc(a / b), PyTorch's rule.
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        return (g if ga else None), (-g * div(a, b, rounding_mode="trunc") if gb else None)


class Atan2(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a._dev.xp.arctan2(a._data, b._data)

    @staticmethod
    def backward(ctx, g):
        # d/da atan2(a, b) = b / (a² + b²), d/db = -a / (a² + b²), as PyTorch writes them.
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        scale = g / (a * a + b * b)
        return (scale * b if ga else None), (-scale * a if gb else None)


def _split_ties(ctx, g, a_loses, b_loses, tie):
    # Where the operands are equal each gets half the gradient; an operand gets the whole of it
    # unless it loses, so both do where one is NaN (PyTorch's rule).
    ga, gb = ctx.needs_input_grad
    share = where(tie, g * 0.5, g)
    return (
        where(a_loses, 0.0, share) if ga else None,
        where(b_loses, 0.0, share) if gb else None,
    )


# ---------------------------------------------------------------------------- unary
class Neg(Primitive):
    @staticmethod
    def forward(ctx, x):
        return -x._data

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(Primitive):
    @staticmethod
    def forward(ctx, x):
        y = _wrap(x._dev.xp.exp(x._data), x._dev)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Log(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.log(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Log1p(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.log1p(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x + 1.0)


class Sqrt(Primitive):
    @staticmethod
    def forward(ctx, x):
        y = _wrap(x._dev.xp.sqrt(x._data), x._dev)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g / (y * 2.0)


class Log2(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.log2(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * _LN2)


class Log10(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.log10(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * _LN10)


class Exp2(Primitive):
    @staticmethod
    def forward(ctx, x):
        y = _wrap(x._dev.xp.exp2(x._data), x._dev)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * _LN2


class Expm1(Primitive):
    @staticmethod
    def forward(ctx, x):
        y = _wrap(x._dev.xp.expm1(x._data), x._dev)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y + 1.0)


class Rsqrt(Primitive):
    @staticmethod
    def forward(ctx, x):
        d = x._data
        y = _wrap((1.0 / x._dev.xp.sqrt(d)).astype(d.dtype, copy=False), x._dev)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y * y * y) * -0.5  # d/dx x**-0.5 = -0.5 * y**3, as PyTorch computes it


class Abs(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.abs(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * sign(x)  # sign(0) = 0: the subgradient PyTorch picks


class Sin(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.sin(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * cos(x)


class Cos(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.cos(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * sin(x)


class Tanh(Primitive):
    @staticmethod
    def forward(ctx, x):
        y = _wrap(x._dev.xp.tanh(x._data), x._dev)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1.0 - y * y)


class Reciprocal(Primitive):
    @staticmethod
    def forward(ctx, x):
        d = x._data
        y = _wrap((1.0 / d).astype(d.dtype, copy=False), x._dev)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return -g * (y * y)  # d/dx 1/x = -1/x² = -y², as PyTorch computes it


class Tan(Primitive):
    @staticmethod
    def forward(ctx, x):
        y = _wrap(x._dev.xp.tan(x._data), x._dev)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y * y + 1.0)  # sec² x = 1 + tan² x


class Sinh(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.sinh(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * cosh(x)


class Cosh(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.cosh(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * sinh(x)


class Atan(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.arctan(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * x + 1.0)


class Asin(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.arcsin(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * rsqrt(1.0 - x * x)


class Acos(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.arccos(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * rsqrt(1.0 - x * x)


class Asinh(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.arcsinh(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * rsqrt(x * x + 1.0)


class Acosh(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.arccosh(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * rsqrt(x * x - 1.0)


class Atanh(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._dev.xp.arctanh(x._data)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1.0 - x * x)


class Sigmoid(Primitive):
    @staticmethod
    def forward(ctx, x):
        # 1/(1+exp(-x)) overflows exp for very negative x, and 0.5*tanh(x/2)+0.5
        # rounds tiny results to 0; with e = exp(-|x|) <= 1 both branches are exact.
        xp, d = x._dev.xp, x._data
        e = xp.exp(-xp.abs(d))
        y = _wrap(xp.where(d >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(d.dtype, copy=False), x._dev)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (1.0 - y)


class Relu(Primitive):
    @staticmethod
    def forward(ctx, x):
        y = _wrap(x._dev.xp.maximum(x._data, 0), x._dev)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if GRAD_ENABLED[0]:  # create_graph: the gradient is a node of its own, differentiable again
            return ReluBackward.apply(g, y)
        return _wrap(g._data * _relu_passes(y._data), g._dev)  # nothing records it: on arrays


def _relu_passes(y):
    """Where ReLU (whose output ``y`` is never negative) passes the gradient: ``y != 0``, so that a
    NaN passes it on, as in PyTorch (``y > 0`` would stop it)."""
    return y != 0


class ReluBackward(Primitive):
    """``g * (y > 0)`` in one node (PyTorch's threshold_backward); np.where would be ~10x slower."""

    @staticmethod
    def forward(ctx, g, y):
        mask = _relu_passes(y._data)
        ctx.mask = _wrap(mask, y._dev)
        return g._data * mask

    @staticmethod
    def backward(ctx, gg):
        return gg * ctx.mask, None  # piecewise linear in g, constant in y


class Softplus(Primitive):
    @staticmethod
    def forward(ctx, x, beta, threshold):
        # log(1 + exp(bx))/b written as (max(bx, 0) + log1p(exp(-|bx|)))/b: never overflows,
        # and right for a negative beta too (where max(bx, 0)/b is min(x, 0), not max(x, 0)).
        xp, d = x._dev.xp, x._data
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        bx = d * beta
        soft = (xp.maximum(bx, 0) + xp.log1p(xp.exp(-xp.abs(bx)))) / beta
        return xp.where(bx > threshold, d, soft).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        bx = x * ctx.beta
        return where(bx > ctx.threshold, g, g * sigmoid(bx)), None, None


class Clamp(Primitive):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return x._dev.xp.clip(x._data, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        # The gradient passes where min <= x <= max, boundaries included (PyTorch's choice).
        inside = None
        if ctx.lo is not None:
            inside = x >= ctx.lo
        if ctx.hi is not None:
            inside = (x <= ctx.hi) if inside is None else inside & (x <= ctx.hi)
        return (g if inside is None else g * inside), None, None


class Where(Primitive):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        return cond._dev.xp.where(cond._data, val(a), val(b))

    @staticmethod
    def backward(ctx, g):
        _, ga, gb = ctx.needs_input_grad
        c = ctx.cond
        return None, (where(c, g, 0.0) if ga else None), (where(c, 0.0, g) if gb else None)


class Cast(Primitive):
    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x._data.dtype
        return x._data.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return cast(g, ctx.in_dtype), None


# ---------------------------------------------------------------------------- functional API
def _binary(cls, name):
    apply = cls.apply

    def op(input, other):
        # Fast path, the common case: a float tensor and a Python float.
        if other.__class__ is float and input.__class__ is Tensor and input._data.dtype.kind == "f":
            return apply(input, other)
        if not isinstance(input, Tensor):  # scalar op tensor: the scalar stays a scalar
            other, input_ = prepare_binary(name, other, input)
            return apply(input_, other)
        a, b = prepare_binary(name, input, other)
        return apply(a, b)

    op.__name__ = name
    return op


add_ = _binary(Add, "add")


def add(input, other, *, alpha=1) -> Tensor:
    """``input + alpha * other`` with broadcasting.

    >>> import autograd_core as ag
    >>> ag.add(ag.tensor([1.0, 2.0]), 1.0)
    tensor([2., 3.])
    """
    return add_(input, other if alpha == 1 else other * alpha)


sub_ = _binary(Sub, "sub")


def sub(input, other, *, alpha=1) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    return sub_(input, other if alpha == 1 else other * alpha)


mul = _binary(Mul, "mul")
mul.__doc__ = "Elementwise product with broadcasting: ``ag.mul(x, 2.0)``."
maximum = _binary(Maximum, "maximum")
maximum.__doc__ = "Elementwise maximum; ties split the gradient evenly."
minimum = _binary(Minimum, "minimum")
minimum.__doc__ = "Elementwise minimum; ties split the gradient evenly."
_pow = _binary(Pow, "pow")


def div(input, other, *, rounding_mode=None) -> Tensor:
    """True division (integers divide to float, as in PyTorch); ``rounding_mode='floor'|'trunc'`` gives no grad."""
    if rounding_mode is not None:
        if rounding_mode in ("floor", "trunc"):
            return _rounded_divide(input, other, rounding_mode)
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    if isinstance(input, Tensor) and input._data.dtype.kind in "iub" and not (
        isinstance(other, Tensor) and other._data.dtype.kind == "f"
    ):
        input = cast(input, dtypes.get_default_dtype())
    elif not isinstance(input, Tensor) and other._data.dtype.kind in "iub":
        other = cast(other, dtypes.get_default_dtype())
    return _div(input, other)


_div = _binary(Div, "div")
true_divide = divide = div


def pow(input, exponent) -> Tensor:
    """``input ** exponent``; either may be a tensor (gradients flow to both)."""
    if isinstance(input, Tensor) and input._data.dtype.kind == "b" and exponent.__class__ is int:
        input = cast(input, dtypes.int64)  # PyTorch: bools to an integer power are int64 (NumPy gives int8)
    return _pow(input, exponent)


# ---------------------------------------------------------------------------- floor division and remainder
def _kind(x) -> str:
    """The dtype kind of an operand: "b", "i", "u" or "f" (Python scalars as PyTorch sees them)."""
    cls = x.__class__
    if cls is bool:
        return "b"
    if cls is int:
        return "i"
    if cls is float:
        return "f"
    return val(x).dtype.kind


def _division_operands(name: str, input, other):
    """``input`` and ``other`` prepared as for any binary op (kept in order), their device,
    and whether the division is integral.  Integer division by zero raises, as in PyTorch
    (NumPy would give 0 and a warning)."""
    if isinstance(input, Tensor):
        a, b = prepare_binary(name, input, other)
    elif isinstance(other, Tensor):
        b, a = prepare_binary(name, other, input)
    else:
        raise TypeError(f"{name}: expected a Tensor operand, got {type(input).__name__} and {type(other).__name__}")
    ka, kb = _kind(a), _kind(b)
    integral = ka != "f" and kb != "f"
    if integral:
        if ka == "b" and kb == "b":
            raise RuntimeError(f"{name}: not implemented for two bool operands; cast one to an integer dtype")
        d = val(b)
        if (d == 0) if d.__class__ is int or d.__class__ is bool else bool((d == 0).any()):
            raise RuntimeError(f"{name}: integer division by zero (ZeroDivisionError)")
    return a, b, (a if isinstance(a, Tensor) else b)._dev, integral


def floor_divide(input, other) -> Tensor:
    """``input // other``: the quotient rounded down, exact for integers (no gradient, as in PyTorch).

    >>> import autograd_core as ag
    >>> ag.tensor([7, -7]) // 2
    tensor([ 3, -4])
    """
    a, b, dev, _ = _division_operands("floor_divide", input, other)
    return no_grad_result(dev.backend.floor_divide(val(a), val(b)), dev)


def _rounded_divide(input, other, rounding_mode: str) -> Tensor:
    """``div`` with ``rounding_mode``: piecewise constant, recorded with a zero gradient as in PyTorch.

    The back end divides (CuPy's own ``floor_divide`` rounds floats differently from PyTorch)."""
    a, b, dev, integral = _division_operands("div", input, other)
    backend = dev.backend

    def quotient(xp, x, y):
        if rounding_mode == "floor":
            return backend.floor_divide(x, y)
        if not integral:
            return xp.trunc(x / y)
        return backend.floor_divide(x - backend.fmod(x, y), y)  # x - fmod(x, y) is a multiple of y: exact

    return PiecewiseConstant.apply(quotient, a, b)


def remainder(input, other) -> Tensor:
    """``input % other``: the remainder of floor division, with the sign of ``other`` (as Python's ``%``).

    >>> import autograd_core as ag
    >>> ag.tensor([7, -7]) % 3
    tensor([1, 2])
    """
    a, b, _, _ = _division_operands("remainder", input, other)
    return Remainder.apply(a, b)


def fmod(input: Tensor, other) -> Tensor:
    """C-style remainder ``input - trunc(input / other) * other``, with the sign of ``input``
    (``remainder`` takes the sign of ``other``); ``other`` is a tensor or a number.  Integer
    division by zero raises, as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.fmod(ag.tensor([5.0, -5.0]), 3)
    tensor([ 2., -2.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"fmod: input must be a Tensor, got {type(input).__name__}")
    a, b, _, _ = _division_operands("fmod", input, other)
    return Fmod.apply(a, b)


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point ``(other, input)``: ``atan(input / other)`` in the right quadrant,
    elementwise with broadcasting; integer tensors give the default dtype.  Both are tensors,
    as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.atan2(ag.tensor([1.0, -1.0]), ag.tensor([-1.0, -1.0]))  # 3 pi / 4 and -3 pi / 4
    tensor([ 2.3562, -2.3562])
    """
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"atan2: argument '{name}' must be a Tensor, not {type(t).__name__}")
    a, b = prepare_binary("atan2", input, other)
    if a._data.dtype.kind != "f":
        a, b = cast(a, dtypes.get_default_dtype()), cast(b, dtypes.get_default_dtype())
    return Atan2.apply(a, b)


arctan2 = atan2


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """``input + weight * (end - input)``: linear interpolation, broadcasting all three.  ``end``
    (and ``weight`` when it is a tensor) must have input's dtype, as in PyTorch; gradients go to
    all three (``1 - weight``, ``weight`` and ``end - input``).  Where ``|weight| >= 0.5`` it is
    computed from the other end, ``end - (end - input) * (1 - weight)``, as PyTorch does: exact at
    ``weight = 1`` (the first form can lose a small ``end`` next to a large ``input``).

    >>> import autograd_core as ag
    >>> ag.lerp(ag.tensor([0.0, 1.0]), ag.tensor([10.0, 3.0]), 0.5)
    tensor([5., 2.])
    """
    for name, t in (("input", input), ("end", end)):
        if not isinstance(t, Tensor):
            raise TypeError(f"lerp: argument '{name}' must be a Tensor, not {type(t).__name__}")
    if not isinstance(weight, (Tensor, int, float)) or isinstance(weight, bool):
        raise TypeError(f"lerp: weight must be a Tensor or a Python number, got {type(weight).__name__}")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"lerp: expected dtype {input.dtype} for `{name}` but got dtype {t.dtype}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"lerp: expected a floating point input, got {input.dtype}")
    diff = sub_(end, input)
    if not isinstance(weight, Tensor):
        return add_(input, mul(diff, weight)) if -0.5 < weight < 0.5 else sub_(end, mul(diff, 1 - weight))
    near_input = abs(weight) < 0.5  # (this module's abs; a comparison: no gradient through the choice)
    return where(near_input, add_(input, mul(weight, diff)), sub_(end, mul(diff, sub_(1, weight))))


def _unary(cls, name, doc):
    def op(input: Tensor) -> Tensor:
        return cls.apply(input)

    op.__name__ = name
    op.__doc__ = doc
    return op


def _float_unary(cls, name, doc):
    """A float-valued op: integer and bool inputs are computed in the default dtype, as in PyTorch."""
    apply = cls.apply

    def op(input: Tensor) -> Tensor:
        if input._data.dtype.kind != "f":
            input = cast(input, dtypes.get_default_dtype())
        return apply(input)

    op.__name__ = name
    op.__doc__ = doc
    return op


neg = negative = _unary(Neg, "neg", "``-input``.")
exp = _float_unary(Exp, "exp", "Elementwise e**x.")
log = _float_unary(Log, "log", "Natural logarithm.")
log1p = _float_unary(Log1p, "log1p", "log(1 + x), accurate for small x.")
sqrt = _float_unary(Sqrt, "sqrt", "Square root.")
abs = _unary(Abs, "abs", "Absolute value; its gradient at 0 is 0.")
sin = _float_unary(Sin, "sin", "Sine.")
cos = _float_unary(Cos, "cos", "Cosine.")
tanh = _float_unary(Tanh, "tanh", "Hyperbolic tangent.")
sigmoid = _float_unary(Sigmoid, "sigmoid", "Logistic sigmoid 1/(1+exp(-x)), stable for any x.")
relu = _unary(Relu, "relu", "max(x, 0); its gradient at 0 is 0.")
log2 = _float_unary(Log2, "log2", "Base-2 logarithm.")
log10 = _float_unary(Log10, "log10", "Base-10 logarithm.")
exp2 = _float_unary(Exp2, "exp2", "Elementwise 2**x.")
expm1 = _float_unary(Expm1, "expm1", "exp(x) - 1, accurate for small x.")
reciprocal = _float_unary(Reciprocal, "reciprocal", "``1 / x``; integer inputs give the default dtype.")
tan = _float_unary(Tan, "tan", "Tangent.")
atan = arctan = _float_unary(Atan, "atan", "Inverse tangent, in (-pi/2, pi/2).")
asin = arcsin = _float_unary(Asin, "asin", "Inverse sine (NaN outside [-1, 1]).")
acos = arccos = _float_unary(Acos, "acos", "Inverse cosine (NaN outside [-1, 1]).")
sinh = _float_unary(Sinh, "sinh", "Hyperbolic sine.")
cosh = _float_unary(Cosh, "cosh", "Hyperbolic cosine.")
asinh = arcsinh = _float_unary(Asinh, "asinh", "Inverse hyperbolic sine.")
acosh = arccosh = _float_unary(Acosh, "acosh", "Inverse hyperbolic cosine (NaN below 1).")
atanh = arctanh = _float_unary(Atanh, "atanh", "Inverse hyperbolic tangent (NaN outside [-1, 1]).")
subtract = sub
multiply = mul
rsqrt = _float_unary(Rsqrt, "rsqrt", "Reciprocal square root 1/sqrt(x).")


def square(input: Tensor) -> Tensor:
    """``input * input``; integer dtypes are kept and bool becomes int64, as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.square(ag.tensor([-2, 3]))
    tensor([4, 9])
    """
    if input._data.dtype.kind == "b":
        input = cast(input, dtypes.int64)
    return mul(input, input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, x itself where beta * x > threshold (PyTorch's definition, any beta)."""
    return Softplus.apply(input, beta, threshold)


def clamp(input: Tensor, min=None, max=None) -> Tensor:
    """Limit values to [min, max]; tensor bounds are allowed too."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if input._data.dtype.kind in "iub" and (isinstance(min, float) or isinstance(max, float)):
        input = cast(input, dtypes.get_default_dtype())  # as PyTorch: int clamped to a float bound is float
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # Tensor bounds: where() sends the gradient to x inside [min, max] (bounds included,
        # as PyTorch does) and to the bound outside; maximum/minimum would split ties.
        out = input
        if min is not None:
            out = where(out < min, min, out) if isinstance(min, Tensor) else Clamp.apply(out, min, None)
        if max is not None:
            out = where(out > max, max, out) if isinstance(max, Tensor) else Clamp.apply(out, None, max)
        return out
    return Clamp.apply(input, min, max)


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:
    """``clamp(input, min=min)``: values below ``min`` become ``min`` (a number or a tensor).

    >>> import autograd_core as ag
    >>> ag.clamp_min(ag.tensor([-1.0, 0.5, 2.0]), 0.0)
    tensor([0.0000, 0.5000, 2.0000])
    """
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:
    """``clamp(input, max=max)``: values above ``max`` become ``max`` (a number or a tensor)."""
    return clamp(input, max=max)


def where(condition, input=None, other=None):
    """Pick ``input`` where ``condition`` holds, else ``other``; scalars allowed for either branch.

    With ``condition`` alone it is ``nonzero(condition, as_tuple=True)``, as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.where(ag.tensor([0.0, 3.0, 5.0]))
    (tensor([1, 2]),)
    """
    from autograd_core.ops.shape import expand

    if input is None and other is None:
        from autograd_core.ops.index import nonzero

        if not isinstance(condition, Tensor):
            raise TypeError(f"where: condition must be a Tensor, got {type(condition).__name__}")
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: expected where(condition) or where(condition, input, other)")
    if not isinstance(condition, Tensor):
        raise TypeError("where: condition must be a bool Tensor")
    if condition._data.dtype.kind != "b":
        raise RuntimeError(
            f"where: expected condition to be a bool tensor, got {condition.dtype}; compare it (e.g. `c != 0`) first"
        )
    ref = input if isinstance(input, Tensor) else other
    if not isinstance(ref, Tensor):  # two Python scalars: a float result takes the default dtype
        out = condition._dev.xp.where(condition._data, input, other)
        if out.dtype.kind == "f":
            out = out.astype(dtypes.get_default_dtype(), copy=False)
        return no_grad_result(out, condition._dev)
    # The branches get one dtype and shape as any binary op's operands do; then all three broadcast.
    if isinstance(input, Tensor):
        input, other = prepare_binary("where", input, other)
        shape = input._data.shape
    else:
        other, input = prepare_binary("where", other, input)
        shape = other._data.shape
    full = broadcast_shape("where", shape, condition._data.shape)
    if condition._data.shape != full:
        condition = no_grad_result(condition._dev.xp.broadcast_to(condition._data, full), condition._dev)
    if isinstance(input, Tensor) and input._data.shape != full:
        input = expand(input, full)
    if isinstance(other, Tensor) and other._data.shape != full:
        other = expand(other, full)
    return Where.apply(condition, input, other)


def cast(input: Tensor, dtype) -> Tensor:
    """``input`` converted to ``dtype`` (gradients are converted back)."""
    dtype = dtypes.to_dtype(dtype)
    if input._data.dtype == dtype:
        return input
    if dtype.kind not in "fc" and input._rg:
        from autograd_core.grad_mode import no_grad

        with no_grad():
            return Cast.apply(input, dtype)
    return Cast.apply(input, dtype)


# ---------------------------------------------------------------------------- no gradient
def _compare(name, fn, promote=True):
    """A binary op with no gradient; the array library broadcasts.  Comparisons and bitwise ops
    compute in the dtype arithmetic would (``promote``), as PyTorch does; logical ops need not."""

    def op(input, other) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
        a = input._data
        cls = other.__class__
        if cls is Tensor and other._data.dtype is a.dtype and other._dev is input._dev:  # the common cases
            b = other._data
        elif cls is float and a.dtype.kind == "f":
            b = other
        else:
            a, b = promote_arrays(name, input, other, promote)
        try:
            return no_grad_result(fn(input._dev.xp, a, b), input._dev)
        except ValueError:
            broadcast_shape(name, input.shape, other.shape)
            raise

    op.__name__ = name
    return op


eq = _compare("eq", lambda xp, a, b: xp.equal(a, b))
ne = _compare("ne", lambda xp, a, b: xp.not_equal(a, b))
lt = less = _compare("lt", lambda xp, a, b: xp.less(a, b))
le = less_equal = _compare("le", lambda xp, a, b: xp.less_equal(a, b))
gt = greater = _compare("gt", lambda xp, a, b: xp.greater(a, b))
ge = greater_equal = _compare("ge", lambda xp, a, b: xp.greater_equal(a, b))
logical_and = _compare("logical_and", lambda xp, a, b: xp.logical_and(a, b), promote=False)
logical_or = _compare("logical_or", lambda xp, a, b: xp.logical_or(a, b), promote=False)
logical_xor = _compare("logical_xor", lambda xp, a, b: xp.logical_xor(a, b), promote=False)


def _require_integral(name: str, x) -> None:
    kind = _kind(x) if isinstance(x, (Tensor, bool, int, float)) else "?"
    if kind not in "biu":
        what = x.dtype if isinstance(x, Tensor) else type(x).__name__
        raise TypeError(f"{name}: only integer and bool tensors are supported, got {what}")


def _bitwise(name, fn):
    """``&``, ``|``, ``^``: bitwise on integers, logical on bools (the same thing bit by bit)."""

    compute = _compare(name, fn)

    def op(input, other) -> Tensor:
        if not isinstance(input, Tensor):  # ``7 & t``: the op is symmetric
            input, other = other, input
        _require_integral(name, input)
        _require_integral(name, other)
        return compute(input, other)

    op.__name__ = name
    op.__doc__ = f"Elementwise {name.replace('_', ' ')} of integer or bool tensors (and Python ints or bools)."
    return op


bitwise_and = _bitwise("bitwise_and", lambda xp, a, b: xp.bitwise_and(a, b))
bitwise_or = _bitwise("bitwise_or", lambda xp, a, b: xp.bitwise_or(a, b))
bitwise_xor = _bitwise("bitwise_xor", lambda xp, a, b: xp.bitwise_xor(a, b))


def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: bitwise not of an integer tensor, logical not of a bool one."""
    _require_integral("bitwise_not", input)
    return no_grad_result(input._dev.xp.invert(input._data), input._dev)


def _nograd_unary(name, fn, doc):
    def op(input: Tensor) -> Tensor:
        return no_grad_result(fn(input._dev.xp, input._data), input._dev)

    op.__name__ = name
    op.__doc__ = doc + " (no gradient)"
    return op


class PiecewiseConstant(Primitive):
    """``fn`` of the operands' arrays, for a value that is locally constant (floor, round,
    sign, division with rounding): recorded as PyTorch records it, so the result of a float
    input that requires grad requires grad too, with a zero gradient."""

    @staticmethod
    def forward(ctx, fn, *operands):
        dev = next(o for o in operands if isinstance(o, Tensor))._dev
        return fn(dev.xp, *(val(o) for o in operands))

    @staticmethod
    def backward(ctx, g):
        zero = _wrap(g._dev.xp.zeros_like(g._data), g._dev)
        return (None,) + tuple(zero if needs else None for needs in ctx.needs_input_grad[1:])


def _piecewise_unary(name, fn, doc):
    def op(input: Tensor) -> Tensor:
        return PiecewiseConstant.apply(fn, input)

    op.__name__ = name
    op.__doc__ = doc + " (piecewise constant: its gradient is zero, as in PyTorch)"
    return op


def _sign(xp, a):
    return a.copy() if a.dtype.kind == "b" else xp.sign(a)  # NumPy has no sign for bools; PyTorch keeps them


sign = _piecewise_unary("sign", _sign, "-1, 0 or 1 by the sign of each element")
floor = _piecewise_unary("floor", lambda xp, a: xp.floor(a), "Round down")
ceil = _piecewise_unary("ceil", lambda xp, a: xp.ceil(a), "Round up")


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even; with ``decimals``, to that many decimal places (negative: tens,
    hundreds...), as PyTorch does: ``rint(x * 10**decimals) / 10**decimals``.  Piecewise
    constant: its gradient is zero, as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.tensor([0.5, 1.5, 2.5]).round()
    tensor([0., 2., 2.])
    >>> ag.tensor([1.2345, -7.5], dtype=ag.float64).round(decimals=2).tolist()
    [1.23, -7.5]
    """
    decimals = int(decimals)
    return PiecewiseConstant.apply(lambda xp, a: xp.round(a, decimals), input)


trunc = _piecewise_unary("trunc", lambda xp, a: xp.trunc(a), "Round towards zero")
logical_not = _nograd_unary("logical_not", lambda xp, a: xp.logical_not(a), "Elementwise not")
isnan = _nograd_unary("isnan", lambda xp, a: xp.isnan(a), "True where NaN")
isinf = _nograd_unary("isinf", lambda xp, a: xp.isinf(a), "True where +-inf")
isfinite = _nograd_unary("isfinite", lambda xp, a: xp.isfinite(a), "True where finite")


# ---------------------------------------------------------------------------- closeness
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """True where ``|input - other| <= atol + rtol * |other|``, elementwise (no gradient).

    Infinities are close only to themselves, NaN to nothing unless ``equal_nan``.  Both
    tensors must have one dtype; they broadcast.  Integers are compared in the default dtype.

    >>> import autograd_core as ag
    >>> ag.isclose(ag.tensor([1.0, 2.0]), ag.tensor([1.0 + 1e-7, 2.1]))
    tensor([ True, False])
    """
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        bad = other if isinstance(input, Tensor) else input
        raise TypeError(f"isclose: expected Tensor operands, got {type(bad).__name__}")
    if input._dev is not other._dev:
        from autograd_core.function import _device_error

        _device_error("isclose", input._dev, other._dev)
    if input.dtype != other.dtype:
        raise RuntimeError(
            f"isclose: expected both tensors to have the same dtype, got {input.dtype} and {other.dtype}; "
            "convert one with .to(other.dtype)"
        )
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose: rtol and atol must be >= 0, got rtol={rtol} and atol={atol}")
    broadcast_shape("isclose", input._data.shape, other._data.shape)
    xp, a, b = input._dev.xp, input._data, other._data
    close = a == b
    if equal_nan and a.dtype.kind == "f":
        close = close | (xp.isnan(a) & xp.isnan(b))
    if rtol == 0 and atol == 0:
        return no_grad_result(close, input._dev)
    # As PyTorch: integers and bools are compared in the default dtype (converted before the
    # subtraction, so nothing wraps; 2**40 and 2**40 + 1 are then equal in float32).
    if a.dtype.kind != "f":
        a, b = a.astype(dtypes.get_default_dtype()), b.astype(dtypes.get_default_dtype())
    allowed = xp.abs(rtol * b) + atol
    actual = xp.abs(a - b)
    close = close | (xp.isfinite(actual) & (actual <= allowed))
    return no_grad_result(close, input._dev)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see ``isclose``): a Python bool.

    >>> import autograd_core as ag
    >>> ag.allclose(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0 + 1e-6]))
    True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


# ---------------------------------------------------------------------------- repetition
def _repeat_index(op: str, repeats: Tensor, dtype):
    """``[0]*r0 + [1]*r1 + ...`` for the counts in the 1-D ``repeats``, as a device array of ``dtype``."""
    r = repeats._data
    xp = repeats._dev.xp
    if r.size and int(r.min()) < 0:
        raise RuntimeError(f"{op}: repeats can not be negative")
    ends = xp.cumsum(r.astype("int64"))
    total = int(ends[-1]) if r.size else 0
    return xp.searchsorted(ends, xp.arange(total, dtype="int64"), side="right").astype(dtype, copy=False)


def repeat_interleave(input: Tensor, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Repeat each element (each slice along ``dim``) ``repeats`` times, in place of ``repeat``'s tiling.

    ``repeats`` is an int or a 1-D int tensor with one count per slice; without ``dim`` the
    input is flattened first.  Gradients of the copies sum back.  ``repeat_interleave(r)``
    alone gives the indices ``[0]*r[0] + [1]*r[1] + ...``.

    >>> import autograd_core as ag
    >>> ag.repeat_interleave(ag.tensor([1, 2]), 2)
    tensor([1, 1, 2, 2])
    >>> ag.repeat_interleave(ag.tensor([[1, 2], [3, 4]]), ag.tensor([1, 2]), dim=0)
    tensor([[1, 2],
            [3, 4],
            [3, 4]])
    """
    from autograd_core.ops.index import index_select
    from autograd_core.ops.shape import reshape
    from autograd_core.tensor import _check_dim

    op = "repeat_interleave"
    if repeats is None:  # repeat_interleave(repeats)
        _check_repeats(op, input)
        return no_grad_result(_repeat_index(op, reshape(input, -1), input._data.dtype), input._dev)
    if dim is None:
        input, d = reshape(input, -1), 0
    else:
        d = _check_dim(op, dim, input._data.ndim)
        if input._data.ndim == 0:
            input = reshape(input, 1)
    n = input._data.shape[d]
    xp = input._dev.xp
    if isinstance(repeats, Tensor):
        _check_repeats(op, repeats)
        if repeats._dev is not input._dev:
            from autograd_core.function import _device_error

            _device_error(op, input._dev, repeats._dev)
        if repeats._data.size == 1:
            repeats = int(repeats._data.reshape(()))
        elif repeats._data.shape != (n,):
            raise RuntimeError(
                f"{op}: repeats must have the same size as input along dim, but got repeats.size(0) = "
                f"{repeats._data.size} and input.size({d}) = {n}"
            )
    if isinstance(repeats, Tensor):
        index = _repeat_index(op, repeats, "int64")
    elif isinstance(repeats, int) and not isinstance(repeats, bool):
        if repeats < 0:
            raise RuntimeError(f"{op}: repeats can not be negative, got {repeats}")
        index = xp.repeat(xp.arange(n, dtype="int64"), repeats)
    else:
        raise TypeError(f"{op}: repeats must be an int or an integer Tensor, got {type(repeats).__name__}")
    if output_size is not None and index.shape[0] != output_size:
        raise RuntimeError(f"{op}: output_size {output_size} does not match the {index.shape[0]} repeated slices")
    return index_select(input, d, _wrap(index, input._dev))


def _check_repeats(op: str, repeats: Tensor) -> None:
    if repeats._data.dtype.kind not in "iu":
        raise TypeError(f"{op}: repeats must be an integer tensor, got {repeats.dtype}")
    if repeats._data.ndim > 1:
        raise RuntimeError(f"{op}: repeats must be 0-dim or 1-dim tensor, got shape {tuple(repeats.shape)}")


# ---------------------------------------------------------------------------- more of PyTorch's elementwise math
def _float_pair(name: str, input, other):
    """Both operands as tensors of one float dtype and shape, for ops whose result is always
    floating (xlogy, hypot, copysign, logaddexp ...): integers and bools compute in the default
    dtype, and a Python number becomes a constant of the tensor's dtype (it does not upcast, as
    in PyTorch)."""
    if isinstance(input, Tensor):
        a, b = prepare_binary(name, input, other)
    elif isinstance(other, Tensor):
        b, a = prepare_binary(name, other, input)
    else:
        raise TypeError(f"{name}: expected a Tensor operand, got {type(input).__name__} and {type(other).__name__}")
    floats = [t._data.dtype for t in (a, b) if isinstance(t, Tensor) and t._data.dtype.kind == "f"]
    dtype = floats[0] if floats else dtypes.get_default_dtype()
    ref = a if isinstance(a, Tensor) else b

    def fit(t):
        if isinstance(t, Tensor):
            return cast(t, dtype)
        return _wrap(ref._dev.xp.full(ref._data.shape, t, dtype=dtype), ref._dev)

    a, b = fit(a), fit(b)
    if a._data.shape != b._data.shape:  # a bool operand is left unexpanded by prepare_binary's shortcut
        from autograd_core.ops.shape import expand

        shape = broadcast_shape(name, a._data.shape, b._data.shape)
        a, b = (expand(t, shape) if t._data.shape != shape else t for t in (a, b))
    return a, b


def _require_tensors(name: str, input, other) -> None:
    for arg, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(t).__name__}")


class Xlogy(Primitive):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        xp, a, b = x._dev.xp, x._data, y._data
        with _quiet(xp):
            return xp.where((a == 0) & ~xp.isnan(b), 0.0, a * xp.log(b)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # d/dx = log(y), except 0 where x == 0 (PyTorch: xlogy(x != 0, y)); d/dy = x / y.
        x, y = ctx.saved_tensors
        gx, gy = ctx.needs_input_grad
        return (g * Xlogy.apply(cast(x != 0, x.dtype), y) if gx else None), (g * x / y if gy else None)


class LogAddExp(Primitive):
    """log(e^a + e^b) = max(a, b) + log1p(e^-|a - b|), which never overflows; equal infinities give
    themselves (inf - inf would be NaN), as in PyTorch.  ``base2``: log2(2^a + 2^b)."""

    @staticmethod
    def forward(ctx, a, b, base2):
        ctx.save_for_backward(a, b)
        ctx.base2 = base2
        xp, x, y = a._dev.xp, a._data, b._data
        with _quiet(xp):
            gap = -xp.abs(x - y)
            tail = xp.log1p(xp.exp2(gap)) / _LN2 if base2 else xp.log1p(xp.exp(gap))
            return xp.where(xp.isinf(x) & (x == y), x, xp.maximum(x, y) + tail).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # d/da = e^a / (e^a + e^b) = sigmoid(a - b); base 2: sigmoid((a - b) ln 2).
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad[:2]
        d = (a - b) * _LN2 if ctx.base2 else a - b
        return (g * sigmoid(d) if ga else None), (g * sigmoid(-d) if gb else None), None


class Hypot(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        out = _wrap(a._dev.xp.hypot(a._data, b._data), a._dev)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        return (g * a / out if ga else None), (g * b / out if gb else None)


class Copysign(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        out = _wrap(a._dev.xp.copysign(a._data, b._data), a._dev)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # d/da is out / a (+-1), 0 at a == 0 (PyTorch's choice); b only sets a sign: zero gradient.
        a, out = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        return (g * (sign(a) * sign(out)) if ga else None), (g * 0.0 if gb else None)


class FMax(Primitive):
    """max/min that ignore a NaN operand.  The gradient goes to ``a`` where it was picked (ties
    included) or ``b`` is NaN, and to ``b`` elsewhere: PyTorch's rule (unlike maximum, no split)."""

    @staticmethod
    def forward(ctx, a, b, is_max):
        ctx.save_for_backward(a, b)
        ctx.is_max = is_max
        xp = a._dev.xp
        return (xp.fmax if is_max else xp.fmin)(val(a), val(b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad[:2]
        picked_a = ((a >= b) if ctx.is_max else (a <= b)) | isnan(b)
        return (where(picked_a, g, 0.0) if ga else None), (where(picked_a, 0.0, g) if gb else None), None


class Sinc(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp, d = x._dev.xp, x._data
        pix = math.pi * xp.where(d == 0, 1.0, d)
        return xp.where(d == 0, 1.0, xp.sin(pix) / pix).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at x == 0 (where sinc is flat).
        (x,) = ctx.saved_tensors
        zero = x == 0
        safe = where(zero, 1.0, x)
        pix = safe * math.pi
        return where(zero, 0.0, g * ((pix * cos(pix) - sin(pix)) / (pix * safe)))


class Logit(Primitive):
    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        xp, d = x._dev.xp, x._data
        z = d if eps is None else xp.clip(d, eps, 1.0 - eps)
        with _quiet(xp):
            return xp.log(z / (1.0 - z)).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        # 1 / (x (1 - x)); with eps, 0 outside [eps, 1 - eps] (bounds included), as PyTorch.
        (x,) = ctx.saved_tensors
        grad = g / (x * (1.0 - x))
        if ctx.eps is None:
            return grad, None
        return where((x < ctx.eps) | (x > 1.0 - ctx.eps), 0.0, grad), None


class NanToNum(Primitive):
    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return x._dev.xp.nan_to_num(x._data, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * isfinite(x), None, None, None  # replaced values are constants


class _quiet:
    """NumPy's floating-point warnings off where inf or NaN is the intended value (log(0) in
    xlogy and logit); CuPy has no such warnings."""

    def __init__(self, xp) -> None:
        self.state = xp.errstate(divide="ignore", invalid="ignore", over="ignore") if hasattr(xp, "errstate") else None

    def __enter__(self):
        if self.state is not None:
            self.state.__enter__()

    def __exit__(self, *exc):
        if self.state is not None:
            self.state.__exit__(*exc)


def xlogy(input, other) -> Tensor:
    """``input * log(other)``, and 0 where ``input`` is 0 (unless ``other`` is NaN): the term of an
    entropy that must vanish at 0.  Either may be a number; the result is floating.

    >>> import autograd_core as ag
    >>> ag.xlogy(ag.tensor([0.0, 2.0]), ag.tensor([0.0, 1.0])).tolist()
    [0.0, 0.0]
    """
    return Xlogy.apply(*_float_pair("xlogy", input, other))


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow, elementwise with broadcasting.

    >>> import autograd_core as ag
    >>> big = ag.tensor([1000.0], dtype=ag.float64)  # exp(1000) overflows; the answer doesn't
    >>> ag.logaddexp(big, big).item()
    1000.6931471805599
    """
    _require_tensors("logaddexp", input, other)
    return LogAddExp.apply(*_float_pair("logaddexp", input, other), False)


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """``log2(2**input + 2**other)`` without overflow, elementwise with broadcasting.

    >>> import autograd_core as ag
    >>> ag.logaddexp2(ag.tensor([3.0]), ag.tensor([3.0])).item()
    4.0
    """
    _require_tensors("logaddexp2", input, other)
    return LogAddExp.apply(*_float_pair("logaddexp2", input, other), True)


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """``sqrt(input**2 + other**2)`` without overflow, elementwise with broadcasting.

    >>> import autograd_core as ag
    >>> ag.hypot(ag.tensor([3.0]), ag.tensor([4.0])).item()
    5.0
    """
    _require_tensors("hypot", input, other)
    return Hypot.apply(*_float_pair("hypot", input, other))


def copysign(input, other) -> Tensor:
    """``|input|`` with the sign of ``other`` (a tensor or a number; -0.0 counts as negative); floating.

    >>> import autograd_core as ag
    >>> ag.copysign(ag.tensor([1.0, -2.0]), -0.0).tolist()
    [-1.0, -2.0]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"copysign(): argument 'input' must be Tensor, not {type(input).__name__}")
    return Copysign.apply(*_float_pair("copysign", input, other))


def _fmax_or_fmin(name: str, is_max: bool):
    def op(input: Tensor, other: Tensor) -> Tensor:
        _require_tensors(name, input, other)
        a, b = prepare_binary(name, input, other)
        return FMax.apply(a, b, is_max)

    op.__name__ = name
    op.__doc__ = (
        f"Elementwise {'maximum' if is_max else 'minimum'} that ignores NaN (NaN only where both are); "
        "integers keep their dtype.\n\n    >>> import autograd_core as ag\n"
        f"    >>> ag.{name}(ag.tensor([float('nan'), 1.0]), ag.tensor([2.0, float('nan')])).tolist()\n"
        "    [2.0, 1.0]\n    "
    )
    return op


fmax = _fmax_or_fmin("fmax", True)
fmin = _fmax_or_fmin("fmin", False)


def float_power(input, exponent) -> Tensor:
    """``input ** exponent`` computed in float64 whatever the dtypes (the result is float64).

    >>> import autograd_core as ag
    >>> out = ag.float_power(ag.tensor([2, 3]), 2)
    >>> out.dtype == ag.float64, out.tolist()
    (True, [4.0, 9.0])
    """
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power: expected a Tensor base or exponent")
    input, exponent = (cast(t, dtypes.float64) if isinstance(t, Tensor) else float(t) for t in (input, exponent))
    return pow(input, exponent)


def sinc(input: Tensor) -> Tensor:
    """The normalised sinc ``sin(pi x) / (pi x)``, 1 at 0; integers give the default dtype.

    >>> import autograd_core as ag
    >>> ag.sinc(ag.tensor([0.0, 1.0, 0.5], dtype=ag.float64)).tolist()[0]
    1.0
    """
    return Sinc.apply(_as_float(input, "sinc"))


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))``, the inverse of sigmoid; with ``eps``, ``p`` is first clamped to
    ``[eps, 1 - eps]`` (and the gradient is 0 outside), as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.logit(ag.tensor([0.5])).item()
    0.0
    """
    return Logit.apply(_as_float(input, "logit"), None if eps is None else float(eps))


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and the
    dtype's largest and lowest finite values); the replaced elements get a zero gradient.

    >>> import autograd_core as ag
    >>> ag.nan_to_num(ag.tensor([float('nan'), 1.0, -float('inf')]), neginf=-9.0).tolist()
    [0.0, 1.0, -9.0]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"nan_to_num(): argument 'input' must be Tensor, not {type(input).__name__}")
    return NanToNum.apply(input, nan, posinf, neginf)


def _as_float(input, name: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input if input._data.dtype.kind == "f" else cast(input, dtypes.get_default_dtype())


def _deg_rad(name: str, factor: float, doc: str):
    def op(input: Tensor) -> Tensor:
        return mul(_as_float(input, name), factor)

    op.__name__ = name
    op.__doc__ = doc
    return op


deg2rad = _deg_rad("deg2rad", math.pi / 180.0, """Degrees to radians; integers give the default dtype.

    >>> import autograd_core as ag
    >>> ag.deg2rad(ag.tensor([180.0], dtype=ag.float64)).item()
    3.141592653589793
    """)
rad2deg = _deg_rad("rad2deg", 180.0 / math.pi, """Radians to degrees; integers give the default dtype.

    >>> import autograd_core as ag
    >>> ag.rad2deg(ag.tensor([3.141592653589793], dtype=ag.float64)).item()
    180.0
    """)


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """``input * 2**other``; integer inputs give the default dtype.

    >>> import autograd_core as ag
    >>> ag.ldexp(ag.tensor([1.0, 3.0]), ag.tensor([3, -1])).tolist()
    [8.0, 1.5]
    """
    _require_tensors("ldexp", input, other)
    return mul(_as_float(input, "ldexp"), pow(2.0, other))


def frac(input: Tensor) -> Tensor:
    """The fractional part ``input - trunc(input)``, with the sign of ``input``; gradient 1.

    >>> import autograd_core as ag
    >>> ag.frac(ag.tensor([-2.5, 3.75])).tolist()
    [-0.5, 0.75]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"frac(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"frac: not implemented for {input.dtype} (the fractional part of an integer is 0); "
                           "convert to a floating dtype first")
    return sub_(input, trunc(input))


def positive(input: Tensor) -> Tensor:
    """``+input``: the tensor itself (a bool tensor is refused, as in PyTorch)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("positive: the `+` operator, on a bool tensor is not supported")
    return input


def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set: negative numbers, -0.0 and -inf (no gradient).

    >>> import autograd_core as ag
    >>> ag.signbit(ag.tensor([-0.0, 0.0, -2.0])).tolist()
    [True, False, True]
    """
    d, xp = input._data, input._dev.xp
    if d.dtype.kind == "f":
        return no_grad_result(xp.signbit(d), input._dev)
    return no_grad_result(d < 0 if d.dtype.kind == "i" else xp.zeros(d.shape, dtype=bool), input._dev)


def isposinf(input: Tensor) -> Tensor:
    """True where +inf (no gradient)."""
    return no_grad_result(input._data == float("inf"), input._dev)


def isneginf(input: Tensor) -> Tensor:
    """True where -inf (no gradient)."""
    return no_grad_result(input._data == float("-inf"), input._dev)


def isreal(input: Tensor) -> Tensor:
    """True everywhere: every dtype here is real (no complex tensors)."""
    return no_grad_result(input._dev.xp.ones(input._data.shape, dtype=bool), input._dev)


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The step function: 0 where ``input < 0``, ``values`` where it is 0, 1 where it is positive
    (and NaN gives 0, as in PyTorch); both tensors must have one dtype.  No gradient.

    >>> import autograd_core as ag
    >>> ag.heaviside(ag.tensor([-1.0, 0.0, 2.0]), ag.tensor([0.5])).tolist()
    [0.0, 0.5, 1.0]
    """
    _require_tensors("heaviside", input, values)
    if input._data.dtype != values._data.dtype:
        raise RuntimeError(
            f"heaviside is not yet implemented for tensors with different dtypes ({input.dtype} and "
            f"{values.dtype}); convert one with .to()"
        )
    if input._dev is not values._dev:
        from autograd_core.function import _device_error

        _device_error("heaviside", input._dev, values._dev)
    broadcast_shape("heaviside", input._data.shape, values._data.shape)
    x, xp = input._data, input._dev.xp
    return no_grad_result(xp.where(x == 0, values._data, (x > 0).astype(x.dtype)), input._dev)


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next floating-point value after ``input`` towards ``other`` (no gradient).

    >>> import autograd_core as ag
    >>> ag.nextafter(ag.tensor([1.0], dtype=ag.float64), ag.tensor([2.0], dtype=ag.float64)).item() > 1.0
    True
    """
    _require_tensors("nextafter", input, other)
    if input._data.dtype.kind != "f" or other._data.dtype.kind != "f":
        raise TypeError(f"nextafter: expected floating point tensors, got {input.dtype} and {other.dtype}")
    x, y = promote_arrays("nextafter", input, other)
    return no_grad_result(input._dev.xp.nextafter(x, y), input._dev)


def is_complex(input: Tensor) -> bool:
    """False: tensors here are real (PyTorch's complex dtypes are not offered)."""
    return input._data.dtype.kind == "c"


def is_signed(input: Tensor) -> bool:
    """Whether the dtype holds negative values (signed integers and floats; not bool or uint8)."""
    return input._data.dtype.kind in "ifc"


def is_nonzero(input: Tensor) -> bool:
    """Whether a one-element tensor is not 0; anything else is refused, as in PyTorch."""
    n = input._data.size
    if n != 1:
        which = "no values" if n == 0 else "more than one value"
        raise RuntimeError(f"is_nonzero: Boolean value of Tensor with {which} is ambiguous")
    return bool(input._data.reshape(()) != 0)


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Whether both tensors have the same shape."""
    return tuple(input._data.shape) == tuple(other._data.shape)


sgn = sign
fix = trunc
absolute = abs
not_equal = ne
