"""Names older and device-selecting PyTorch code uses, so it ports by changing its imports.

- ``FloatTensor``, ``DoubleTensor``, ``HalfTensor``, ``LongTensor``, ``IntTensor``,
  ``BoolTensor``, ``ByteTensor`` (and ``cuda.FloatTensor`` ...): the legacy typed
  constructors.  ``FloatTensor([1, 2])`` copies data, ``FloatTensor(2, 3)`` makes an
  uninitialised (here: zero) tensor of that size; ``isinstance(t, FloatTensor)`` checks
  dtype and device, and ``t.type(FloatTensor)`` / ``t.type("torch.FloatTensor")`` convert.
- ``backends.cudnn`` / ``backends.cuda.matmul`` / ``backends.mps``: the flags scripts set
  (``cudnn.benchmark = True``).  Nothing here calls cuDNN or uses TF32, so setting them
  changes nothing; ``cudnn.is_available()`` and ``mps.is_available()`` say False.

>>> import autograd_core as ag
>>> ag.FloatTensor([1, 2])
tensor([1., 2.])
>>> ag.LongTensor(2).shape, ag.randn(2).type()
(torch.Size([2]), 'torch.FloatTensor')
"""

from __future__ import annotations

import importlib.util
import os
import warnings

import numpy as np

from autograd_core import dtypes
from autograd_core.tensor import Tensor
from backends import blas, get_device
from backends.device import DETERMINISTIC


class _LegacyTensorType(type):
    """The metaclass of the legacy types: ``isinstance(t, FloatTensor)`` is a dtype and device check."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device.type == cls.device_type

    def __repr__(cls) -> str:
        return f"<class '{cls.type_name}'>"


def _legacy_type(name: str, dtype, device_type: str):
    def __new__(cls, *args, device=None):
        from autograd_core.factories import empty, tensor

        device = device or cls.device_type
        if args and all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            return empty(*args, dtype=cls.dtype, device=device)  # FloatTensor(2, 3): a size
        if len(args) == 1:
            data = args[0]  # a sequence is data, as in PyTorch: FloatTensor((2, 3)) is [2., 3.]
            if isinstance(data, Tensor):
                if data.dtype != cls.dtype:
                    raise TypeError(f"{cls.type_name}(tensor): the tensor has dtype {data.dtype}, expected "
                                    f"{cls.dtype}; convert it with t.type({cls.type_name}) or t.to({cls.dtype})")
                return data.to(device)
            return tensor(data, dtype=cls.dtype, device=device)
        if not args:
            return empty(0, dtype=cls.dtype, device=device)
        raise TypeError(f"{cls.type_name}(): expected sizes (ints) or one sequence of data, got {args!r}")

    prefix = "torch.cuda." if device_type == "cuda" else "torch."
    return _LegacyTensorType(name, (), {
        "__new__": __new__, "dtype": dtype, "device_type": device_type, "type_name": prefix + name,
        "__doc__": f"Legacy constructor: a {dtype} tensor on the {device_type} (PyTorch's {prefix}{name}).",
    })


_TYPES = {
    "FloatTensor": dtypes.float32, "DoubleTensor": dtypes.float64, "HalfTensor": dtypes.float16,
    "LongTensor": dtypes.int64, "IntTensor": dtypes.int32, "ShortTensor": dtypes.int16,
    "CharTensor": dtypes.int8, "ByteTensor": dtypes.uint8, "BoolTensor": dtypes.bool,
}  # fmt: skip
CPU_TYPES = {name: _legacy_type(name, dt, "cpu") for name, dt in _TYPES.items()}
CUDA_TYPES = {name: _legacy_type(name, dt, "cuda") for name, dt in _TYPES.items()}
_BY_NAME = {cls.type_name: cls for cls in list(CPU_TYPES.values()) + list(CUDA_TYPES.values())}


def type_name(t: Tensor) -> str:
    """PyTorch's ``t.type()``: ``'torch.FloatTensor'``, ``'torch.cuda.LongTensor'`` ..."""
    for cls in (CUDA_TYPES if t.device.type == "cuda" else CPU_TYPES).values():
        if cls.dtype == t.dtype:
            return cls.type_name
    return f"torch.{t.dtype}"


def convert(t: Tensor, target) -> Tensor:
    """``t.type(target)``: a legacy type or its name converts dtype and device; a dtype converts the dtype."""
    if isinstance(target, str) and target in _BY_NAME:
        target = _BY_NAME[target]
    if isinstance(target, _LegacyTensorType):
        device = None if t.device.type == target.device_type else target.device_type  # (cuda:1 stays)
        return t.to(device=device, dtype=target.dtype)
    return t.to(target)


class backends:
    """``ag.backends.cudnn.benchmark = True`` and the like: accepted, and without effect here."""

    class cudnn:
        enabled = True
        benchmark = False
        deterministic = False
        allow_tf32 = True

        @staticmethod
        def is_available() -> bool:
            return False  # nothing here calls cuDNN

    class cuda:
        class matmul:
            allow_tf32 = False

    class mps:
        @staticmethod
        def is_available() -> bool:
            return False  # Apple GPUs are not a device here

        @staticmethod
        def is_built() -> bool:
            return False


# ----------------------------------------------------------------------------- runtime settings
def set_num_threads(n: int) -> None:
    """Use ``n`` threads for the CPU's matrix products (NumPy's BLAS; elementwise NumPy is single-threaded).

    Takes effect at once, as PyTorch's does.  Where NumPy's BLAS can't be reached (not OpenBLAS,
    or not Linux) it warns and changes nothing; set ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS``
    before starting Python instead.
    """
    if not isinstance(n, int) or isinstance(n, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    if not blas.set_threads(n):
        warnings.warn("set_num_threads: NumPy's BLAS library could not be reached, so its thread count is "
                      "unchanged; set OPENBLAS_NUM_THREADS (or MKL_NUM_THREADS) before starting Python", stacklevel=2)


def get_num_threads() -> int:
    """How many threads the CPU's matrix products use (NumPy's BLAS; the CPU count if it can't be asked)."""
    threads = blas.get_threads()
    return os.cpu_count() or 1 if threads is None else threads


_MATMUL_PRECISION = ["highest"]


def set_float32_matmul_precision(precision: str) -> None:
    """PyTorch's permission to compute float32 matrix products with less internal precision
    (``'highest'``, ``'high'``: TF32 allowed, ``'medium'``: bfloat16 allowed).  It is a permission,
    not a request: ours always compute them in float32, which every setting allows.  Another
    value warns and changes nothing, as in PyTorch."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "set_float32_matmul_precision call has no effect.", stacklevel=2)
        return
    _MATMUL_PRECISION[0] = precision


def get_float32_matmul_precision() -> str:
    """The last setting of ``set_float32_matmul_precision`` (``'highest'`` to begin with)."""
    return _MATMUL_PRECISION[0]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for run-to-run identical results.  On the CPU every op already is.  On a GPU, the one
    kind of op that isn't (floating-point scatter-add, the backward of indexing, gathers and
    embeddings, done with atomic adds in whatever order threads arrive) switches to an ordered
    scatter (backends/scan.py: one round per repeated index), as PyTorch switches to its
    deterministic kernels.  ``warn_only`` is recorded for ``is_deterministic_algorithms_warn_only_enabled``."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not {type(mode).__name__}")
    DETERMINISTIC[0], DETERMINISTIC[1] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return DETERMINISTIC[0]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return DETERMINISTIC[1]


class accelerator:
    """``ag.accelerator``: PyTorch's device-agnostic queries; the one accelerator here is an NVIDIA GPU."""

    @staticmethod
    def is_available() -> bool:
        from autograd_core import cuda

        return cuda.is_available()

    @staticmethod
    def device_count() -> int:
        from autograd_core import cuda

        return cuda.device_count() if cuda.is_available() else 0

    @staticmethod
    def current_accelerator(check_available: bool = False):
        """``device(type='cuda')`` when CuPy and a GPU are there (or, unless ``check_available``,
        when CuPy is installed), else None."""
        from autograd_core import cuda

        if cuda.is_available() or (not check_available and importlib.util.find_spec("cupy") is not None):
            return get_device("cuda")
        return None

    @staticmethod
    def synchronize(device=None) -> None:
        from autograd_core import cuda

        cuda.synchronize(device)


# ----------------------------------------------------------------------------- dtype queries
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def promote_types(type1, type2) -> np.dtype:
    """The dtype PyTorch gives a binary op on tensors of these dtypes (a float beats any int).

    >>> import autograd_core as ag
    >>> ag.promote_types(ag.int32, ag.float16), ag.promote_types(ag.uint8, ag.int8)
    (dtype('float16'), dtype('int16'))
    """
    return dtypes.promote(dtypes.to_dtype(type1), dtypes.to_dtype(type2))


def result_type(tensor1, tensor2) -> np.dtype:
    """The dtype of a binary op on these operands, PyTorch's rules: a dimensioned tensor's dtype
    wins unless a 0-d tensor, then a Python number, is of a higher category (bool < int < float).

    >>> import autograd_core as ag
    >>> ag.result_type(ag.tensor([1, 2]), 1.0), ag.result_type(ag.tensor([1.0], dtype=ag.float16), ag.tensor(5.0))
    (dtype('float32'), dtype('float16'))
    """
    groups: dict = {}
    for operand in (tensor1, tensor2):
        if isinstance(operand, Tensor):
            rank, dt = (2 if operand.ndim else 1), operand.dtype
        elif isinstance(operand, (bool, int, float)):
            rank = 0
            dt = dtypes.bool if isinstance(operand, bool) else dtypes.int64 if isinstance(operand, int) else dtypes.get_default_dtype()
        else:
            raise TypeError(f"result_type(): expected Tensors or Python numbers, got {type(operand).__name__}")
        groups[rank] = dt if rank not in groups else dtypes.promote(groups[rank], dt)
    result = None
    for rank in (2, 1, 0):  # dimensioned tensors, then 0-d tensors, then numbers
        dt = groups.get(rank)
        if dt is not None and (result is None or _CATEGORY[dt.kind] > _CATEGORY[result.kind]):
            result = dt if result is None else dtypes.promote(result, dt)
    return result


def can_cast(from_, to) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` to ``to`` in an in-place op: any cast that
    doesn't go down a category (bool < integers < floats), so not float to int or int to bool."""
    return _CATEGORY[dtypes.to_dtype(from_).kind] <= _CATEGORY[dtypes.to_dtype(to).kind]
