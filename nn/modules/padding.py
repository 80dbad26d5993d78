"""Padding layers: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad`` and
``CircularPad`` (1d, 2d, 3d), thin modules over ``F.pad`` with PyTorch's arguments and reprs.

``padding`` is an int (the same width on every side) or a tuple in ``F.pad``'s order, last dim
first: ``(left, right)`` for 1d, ``(left, right, top, bottom)`` for 2d, then ``front, back`` for 3d.

>>> import autograd_core as ag, nn
>>> nn.ZeroPad2d((1, 1, 2, 0))(ag.ones(1, 1, 2, 2)).shape
torch.Size([1, 1, 4, 4])
>>> nn.ReflectionPad1d(2)(ag.arange(4.0).reshape(1, 1, 4)).tolist()
[[[2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0, 1.0]]]
"""

from __future__ import annotations

from autograd_core import Tensor
from nn.functional import _conv as F
from nn.module import Module

__all__ = [
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
]


def _padding(name: str, padding, n: int) -> tuple:
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    padding = tuple(int(p) for p in padding)
    if len(padding) != 2 * n:
        raise ValueError(f"{name}: padding must be an int or a tuple of {2 * n} ints, got {padding}")
    return padding


class _PadNd(Module):
    _mode = "constant"
    _n = 1

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _padding(type(self).__name__, padding, self._n)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``."""

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``."""

    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``."""

    _n = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros."""

    _n = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros."""

    _n = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros."""

    _n = 3


class ReflectionPad1d(_PadNd):
    """Pad the last dim with its reflection (the edge not repeated)."""

    _mode, _n = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Pad the last two dims with their reflection."""

    _mode, _n = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Pad the last three dims with their reflection."""

    _mode, _n = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating its edge value."""

    _mode, _n = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Pad the last two dims by repeating their edge values."""

    _mode, _n = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Pad the last three dims by repeating their edge values."""

    _mode, _n = "replicate", 3


class CircularPad1d(_PadNd):
    """Pad the last dim by wrapping around."""

    _mode, _n = "circular", 1


class CircularPad2d(_PadNd):
    """Pad the last two dims by wrapping around."""

    _mode, _n = "circular", 2


class CircularPad3d(_PadNd):
    """Pad the last three dims by wrapping around."""

    _mode, _n = "circular", 3
