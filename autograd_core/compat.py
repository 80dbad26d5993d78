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

import numpy as np

from autograd_core import dtypes
from autograd_core.tensor import Tensor


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
