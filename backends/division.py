"""Division with PyTorch's (and Python's) rounding, written with array-namespace ops only.

NumPy's ``floor_divide``, ``remainder`` and ``fmod`` already compute these exactly, so the
NumPy back end uses them directly.  CuPy's do not: its float ``floor_divide`` rounds the
true quotient (``1.0 // 0.1`` gives 10, where 0.1 as stored goes into 1 nine times, and
PyTorch says 9), its float ``remainder`` follows from that, and its integer ``fmod`` goes
through float64 (inexact beyond 2**53).  The CuPy back end, and the strict test device that
stands in for it in CI, use the functions here, which follow PyTorch's CUDA kernels
(``c10::div_floor_floating`` and its remainder).  ``xp`` is the array namespace; either
operand may be a Python number of the other's kind.
"""

from __future__ import annotations

import contextlib


def _kind(x) -> str:
    return x.dtype.kind if hasattr(x, "dtype") else ("f" if isinstance(x, float) else "i")


def _arrays(xp, x, y):
    """A Python number becomes a 0-d array of the other operand's dtype (CuPy's ``where`` needs arrays)."""
    if not hasattr(x, "dtype"):
        x = xp.asarray(x, dtype=y.dtype)
    elif not hasattr(y, "dtype"):
        y = xp.asarray(y, dtype=x.dtype)
    return x, y


def _quiet(xp):
    """Division by zero is IEEE here (inf/nan), not a warning."""
    errstate = getattr(xp, "errstate", None)
    return errstate(divide="ignore", invalid="ignore") if errstate else contextlib.nullcontext()


def floor_divide(xp, x, y):
    """``floor(x / y)``: exact for integers; for floats computed from ``fmod`` as PyTorch does."""
    if _kind(x) != "f" and _kind(y) != "f":
        return xp.floor_divide(x, y)  # integer floor division is exact in every namespace
    x, y = _arrays(xp, x, y)
    with _quiet(xp):
        mod = xp.fmod(x, y)
        quotient = (x - mod) / y  # exact up to rounding: x - mod is a multiple of y
        quotient = xp.where((mod != 0) & ((y < 0) != (mod < 0)), quotient - 1, quotient)
        floored = xp.floor(quotient)
        floored = xp.where(quotient - floored > 0.5, floored + 1, floored)
        true_quotient = x / y
        floored = xp.where(quotient == 0, xp.copysign(xp.zeros_like(true_quotient), true_quotient), floored)
        return xp.where(y == 0, true_quotient, floored)


def remainder(xp, x, y):
    """``x - floor_divide(x, y) * y`` with the sign of ``y`` (Python's ``%``)."""
    if _kind(x) != "f" and _kind(y) != "f":
        return xp.remainder(x, y)  # exact integer arithmetic in every namespace
    x, y = _arrays(xp, x, y)
    with _quiet(xp):
        mod = xp.fmod(x, y)
        return xp.where((mod != 0) & ((y < 0) != (mod < 0)), mod + y, mod)


def fmod(xp, x, y):
    """C's ``fmod``: ``x - trunc(x / y) * y`` with the sign of ``x``; exact for integers."""
    if _kind(x) == "f" or _kind(y) == "f":
        with _quiet(xp):
            return xp.fmod(x, y)  # C's fmod is exact for floats
    x, y = _arrays(xp, x, y)
    floor_mod = xp.remainder(x, y)  # the sign of y; it differs from fmod's where the signs differ
    return xp.where((floor_mod != 0) & ((x < 0) != (y < 0)), floor_mod - y, floor_mod)


class ComposedDivision:
    """``floor_divide``/``remainder``/``fmod`` back-end methods from the functions above, on the
    back end's ``self.xp`` (the CuPy back end, and the strict test device that stands in for it)."""

    def floor_divide(self, x, y):
        return floor_divide(self.xp, x, y)

    def remainder(self, x, y):
        return remainder(self.xp, x, y)

    def fmod(self, x, y):
        return fmod(self.xp, x, y)
