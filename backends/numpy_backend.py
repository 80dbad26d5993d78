"""The CPU back end: NumPy arrays."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


class NumpyBackend:
    """NumPy on the host.  The reference implementation of the back-end interface."""

    name = "cpu"
    xp = np

    def __init__(self) -> None:
        self.rng = np.random.default_rng()

    # -- moving data ---------------------------------------------------------
    def asarray(self, data, dtype=None):
        """Host data (lists, scalars, NumPy arrays) -> an array of this back end."""
        return np.asarray(data, dtype=dtype)

    def to_numpy(self, array) -> np.ndarray:
        return np.asarray(array)

    def is_array(self, obj) -> bool:
        return isinstance(obj, np.ndarray)

    # -- randomness ----------------------------------------------------------
    def seed(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def make_rng(self, seed=None):
        """A new, independent generator for this device (``autograd_core.Generator`` holds one)."""
        return np.random.default_rng(seed)

    def random(self, shape, dtype, rng=None):
        return (rng or self.rng).random(shape, dtype=np.float64).astype(dtype, copy=False)

    def normal(self, shape, dtype, rng=None):
        return (rng or self.rng).standard_normal(shape, dtype=np.float64).astype(dtype, copy=False)

    def integers(self, low, high, shape, dtype, rng=None):
        out = (rng or self.rng).integers(low, high, size=shape, dtype=np.int64)
        return out if np.dtype(dtype) == np.int64 else out.astype(dtype)

    # -- the two operations that differ between array libraries ---------------
    def memory_owner(self, array):
        """The array that owns ``array``'s memory: itself, or the array it is (through any chain) a view of.

        The chain is walked because a view made by ``as_strided`` has an intermediate array as ``.base``.
        """
        # (as_strided's views hold a small wrapper object as .base, whose .base is the array)
        while getattr(array, "base", None) is not None:
            array = array.base
        return array

    def data_ptr(self, array) -> int:
        """The address of ``array``'s first element."""
        return array.__array_interface__["data"][0]

    def is_writable(self, array) -> bool:
        """Whether ``array`` can be written in place: not a read-only view (broadcasts and windows are)."""
        return array.flags.writeable

    def scatter_add(self, target, index, values) -> None:
        """``target[index] += values`` where repeated indices accumulate."""
        np.add.at(target, index, values)

    # Division with Python's rounding, as PyTorch divides: NumPy's own functions are exact.
    def floor_divide(self, x, y):
        """``x // y`` (floats: the quotient of ``x - fmod(x, y)``, so ``1.0 // 0.1`` is 9)."""
        return np.floor_divide(x, y)

    def remainder(self, x, y):
        """``x % y``, with the sign of ``y``."""
        return np.remainder(x, y)

    def fmod(self, x, y):
        """C's ``fmod``, with the sign of ``x``."""
        return np.fmod(x, y)

    def windows(self, x, kernel, stride, dilation):
        """Strided read-only view of sliding windows over the last ``len(kernel)`` axes.

        Input ``(*lead, *spatial)``; output ``(*lead, *kernel, *out)`` where
        ``out[i] = (spatial[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1``.
        No data is copied.
        """
        shape, strides = window_geometry(x, kernel, stride, dilation)
        return as_strided(x, shape=shape, strides=strides, writeable=False)


def window_geometry(x, kernel, stride, dilation):
    """Shape and strides of the sliding-window view of ``x`` (shared by every back end)."""
    n = len(kernel)
    lead, spatial = x.shape[: x.ndim - n], x.shape[x.ndim - n :]
    lead_strides, sp_strides = x.strides[: x.ndim - n], x.strides[x.ndim - n :]
    out = tuple((s - d * (k - 1) - 1) // st + 1 for s, k, st, d in zip(spatial, kernel, stride, dilation))
    shape = lead + tuple(kernel) + out
    strides = (
        lead_strides
        + tuple(s * d for s, d in zip(sp_strides, dilation))
        + tuple(s * st for s, st in zip(sp_strides, stride))
    )
    return shape, strides
