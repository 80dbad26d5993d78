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


# The class of every dtype above, as ``torch.dtype`` is (``isinstance(x.dtype, ag.dtype)``).
dtype = np.dtype


def _g(value) -> str:
    """A number as PyTorch's finfo/iinfo reprs print it (six significant digits)."""
    return f"{value:g}"


class finfo:
    """Machine limits of a floating dtype, with PyTorch's attribute names (``torch.finfo``).

    ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``), ``resolution``
    (a power of ten) are Python numbers; ``dtype`` is the dtype's name.  Without an argument:
    the default dtype's.

    >>> import autograd_core as ag
    >>> ag.finfo(ag.float32).eps, ag.finfo(ag.float16).max
    (1.1920928955078125e-07, 65504.0)
    """

    def __init__(self, type=None) -> None:
        dt = _DEFAULT[0] if type is None else to_dtype(type)
        if dt.kind != "f":
            raise TypeError("finfo() requires a floating point input type. Use iinfo to handle 'finfo'")
        info = np.finfo(dt)
        self.bits = info.bits
        self.eps, self.max, self.min = builtins.float(info.eps), builtins.float(info.max), builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision  # (NumPy's is rounded to the dtype: 0.0010004 for float16)
        self.dtype = dt.name

    def __eq__(self, other) -> builtins.bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self) -> builtins.int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, max={_g(self.max)}, eps={_g(self.eps)}, "
                f"smallest_normal={_g(self.smallest_normal)}, tiny={_g(self.tiny)}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, with PyTorch's attribute names (``torch.iinfo``): ``bits``,
    ``min``, ``max`` (Python ints) and ``dtype`` (its name).

    >>> import autograd_core as ag
    >>> ag.iinfo(ag.int32).max, ag.iinfo(ag.uint8).min
    (2147483647, 0)
    """

    def __init__(self, type) -> None:
        dt = to_dtype(type)
        if dt.kind == "b":
            raise TypeError("bool is not supported by iinfo")
        if dt.kind not in "iu":
            raise TypeError("iinfo() requires an integer input type. Use finfo to handle 'iinfo'")
        info = np.iinfo(dt)
        self.bits, self.min, self.max, self.dtype = info.bits, builtins.int(info.min), builtins.int(info.max), dt.name

    def __eq__(self, other) -> builtins.bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self) -> builtins.int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={_g(self.min)}, max={_g(self.max)}, dtype={self.dtype})"


# -- dtype queries (torch.promote_types, result_type, can_cast) ------------------------------------
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def promote_types(type1, type2) -> np.dtype:
    """The dtype PyTorch gives a binary op on tensors of these dtypes (a float beats any int).

    >>> import autograd_core as ag
    >>> ag.promote_types(ag.int32, ag.float16), ag.promote_types(ag.uint8, ag.int8)
    (dtype('float16'), dtype('int16'))
    """
    return promote(to_dtype(type1), to_dtype(type2))


def result_type(tensor1, tensor2) -> np.dtype:
    """The dtype of a binary op on these operands, PyTorch's rules: a dimensioned tensor's dtype
    wins unless a 0-d tensor, then a Python number, is of a higher category (bool < int < float).

    >>> import autograd_core as ag
    >>> ag.result_type(ag.tensor([1, 2]), 1.0), ag.result_type(ag.tensor([1.0], dtype=ag.float16), ag.tensor(5.0))
    (dtype('float32'), dtype('float16'))
    """
    from autograd_core.tensor import Tensor  # (tensor.py imports this module)

    groups: dict = {}
    for operand in (tensor1, tensor2):
        if isinstance(operand, Tensor):
            rank, dt = (2 if operand.ndim else 1), operand.dtype
        elif isinstance(operand, (builtins.bool, builtins.int, builtins.float)):
            rank = 0  # (this module's bool/int/float are dtypes: the Python types are builtins')
            if isinstance(operand, builtins.bool):
                dt = bool
            else:
                dt = int64 if isinstance(operand, builtins.int) else get_default_dtype()
        else:
            raise TypeError(f"result_type(): expected Tensors or Python numbers, got {type(operand).__name__}")
        groups[rank] = dt if rank not in groups else promote(groups[rank], dt)
    result = None
    for rank in (2, 1, 0):  # dimensioned tensors, then 0-d tensors, then numbers
        dt = groups.get(rank)
        if dt is not None and (result is None or _CATEGORY[dt.kind] > _CATEGORY[result.kind]):
            result = dt if result is None else promote(result, dt)
    return result


def can_cast(from_, to) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` to ``to`` in an in-place op: any cast that
    doesn't go down a category (bool < integers < floats), so not float to int or int to bool."""
    return _CATEGORY[to_dtype(from_).kind] <= _CATEGORY[to_dtype(to).kind]
