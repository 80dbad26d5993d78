"""The CPU back end: NumPy arrays."""

from __future__ import annotations

import json
import warnings

import numpy as np
from numpy.lib.stride_tricks import as_strided

# PyTorch computes log(0) = -inf, 0/0 = nan and exp(1000) = inf without a word; NumPy warns
# ("divide by zero encountered in log").  Its warning names the module whose code called it, so
# this filter silences it where our packages run the array op, at no cost per op (np.errstate
# around every op would cost about a microsecond each), while NumPy code of the user's own
# keeps warning.  (detect_anomaly is how to find where a NaN or inf came from.)  Like any filter,
# it is dropped when the import happens inside a ``warnings.catch_warnings()`` block (as pytest's
# collection does), which restores the filters on exit.
warnings.filterwarnings(
    "ignore",
    message=r"(divide by zero|invalid value|overflow|underflow) encountered",
    category=RuntimeWarning,
    module=r"(autograd_core|nn|optim|backends)(\.|$)",
)


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

    def get_rng_state(self, rng=None) -> np.ndarray:
        """The state of ``rng`` (the device's default generator when None) as a host uint8 array:
        the UTF-8 JSON of NumPy's ``bit_generator.state`` (``{"bit_generator": "PCG64", "state":
        {"state": ..., "inc": ...}, "has_uint32": ..., "uinteger": ...}``) and a newline (see
        ``pack_rng_state``)."""
        return pack_rng_state((rng or self.rng).bit_generator.state)

    def set_rng_state(self, state: np.ndarray, rng=None) -> None:
        """Restore a state from ``get_rng_state`` into ``rng`` (the default generator when None)."""
        set_numpy_rng_state(rng or self.rng, state, self.name)

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

    def accumulate(self, ufunc: str, x, axis: int):
        """The running reduction ``np.<ufunc>.accumulate`` (a running max, a running logaddexp ...)."""
        return getattr(np, ufunc).accumulate(x, axis=axis)

    def ufunc_at(self, ufunc: str, target, index, values) -> None:
        """``np.<ufunc>.at``: ``target[index] op= values`` where repeated indices combine."""
        getattr(np, ufunc).at(target, index, values)

    def scatter_add(self, target, index, values) -> None:
        """``target[index] += values`` where repeated indices accumulate.

        ``np.add.at`` handles any index, but on wide rows it is about 6x slower than a fancy
        ``+=``.  When the index picks rows along the first axis with one 1-D integer array
        (``index_select``, embedding lookups, the packed-sequence layout) and no row twice, the
        plain ``+=`` is exact, so that case takes it.
        """
        parts = index if isinstance(index, tuple) else (index,)
        rows = parts[0] if parts else None
        if (
            isinstance(rows, np.ndarray)
            and rows.ndim == 1
            and rows.dtype.kind in "iu"
            and all(isinstance(p, slice) and p == slice(None) for p in parts[1:])
            and np.size(values) >= 32 * rows.size  # wide rows: the uniqueness check pays for itself
            and np.unique(rows % target.shape[0]).size == rows.size  # (-1 and n-1 are the same row)
        ):
            target[index] += values
            return
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


def pack_rng_state(header: dict, payload: bytes = b"") -> np.ndarray:
    """An RNG state as bytes in a uint8 array: ``header`` as UTF-8 JSON (which has no raw newline),
    a newline, then ``payload`` (raw bytes of a state that lives in an array: CuPy's; empty for NumPy)."""
    return np.frombuffer(json.dumps(header).encode() + b"\n" + bytes(payload), dtype=np.uint8).copy()


def unpack_rng_state(state, device: str) -> tuple:
    """``(header, payload)`` from ``pack_rng_state``'s bytes; a RuntimeError says what is wrong."""
    raw = np.asarray(state, dtype=np.uint8).tobytes()
    head, newline, payload = raw.partition(b"\n")
    try:
        header = json.loads(head.decode()) if newline else None
    except ValueError:
        header = None
    if not isinstance(header, dict) or "bit_generator" not in header:
        raise RuntimeError(
            f"set_rng_state: these {len(raw)} bytes are not an RNG state saved by get_rng_state "
            f"(expected a JSON header naming the bit generator, then a newline); the {device} device can't use them"
        )
    return header, payload


def set_numpy_rng_state(rng, state, device: str) -> None:
    """Restore ``pack_rng_state(bit_generator.state)`` bytes into the NumPy generator ``rng``."""
    header, payload = unpack_rng_state(state, device)
    kind = type(rng.bit_generator).__name__
    if header["bit_generator"] != kind or payload:
        raise RuntimeError(
            f"set_rng_state: the state is for a {header['bit_generator']} generator, but the {device} "
            f"device's generator is NumPy's {kind}; a state restores only on a device of the kind that saved it"
        )
    try:
        rng.bit_generator.state = header
    except (TypeError, ValueError, KeyError) as exc:
        raise RuntimeError(f"set_rng_state: the saved {kind} state is malformed ({exc!r})") from exc


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
