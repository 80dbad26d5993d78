"""dtypes, spelled as in PyTorch.  They are NumPy dtype objects (CuPy uses the same ones).

>>> import autograd_core as ag
>>> ag.float32, ag.tensor([1, 2]).dtype
(dtype('float32'), dtype('int64'))
"""

from __future__ import annotations

import builtins

import numpy as np

float16 = half = np.dtype("float16")
float32 = float = np.dtype("float32")
float64 = double = np.dtype("float64")
int8 = np.dtype("int8")
uint8 = np.dtype("uint8")
int16 = short = np.dtype("int16")
int32 = int = np.dtype("int32")
int64 = long = np.dtype("int64")
bool = np.dtype("bool")

_DEFAULT = [float32]


def get_default_dtype() -> np.dtype:
    """The dtype of float tensors made from Python floats (float32 unless changed)."""
    return _DEFAULT[0]


def set_default_dtype(dtype) -> None:
    """Set the dtype used for Python floats; must be a floating dtype."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype}")
    _DEFAULT[0] = dtype


def to_dtype(dtype) -> np.dtype:
    """Normalise a dtype-like (ag.float32, "float32", np.float32, Python float) to a dtype."""
    if dtype is builtins.float:
        return _DEFAULT[0]
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"not a dtype: {dtype!r}; use ag.float32, ag.float64, ag.int64, ...") from None


def is_floating(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


def promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promotion of two tensor dtypes: a float beats an int whatever the widths."""
    if a is b:
        return a
    if a.kind == "f" and b.kind != "f":
        return a
    if b.kind == "f" and a.kind != "f":
        return b
    return np.promote_types(a, b)
