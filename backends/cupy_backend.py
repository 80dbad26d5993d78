"""The CUDA back end: CuPy arrays.  CuPy is imported only when a cuda device is first asked for."""

from __future__ import annotations

import numpy as np

from backends import division
from backends.device import DETERMINISTIC, DeviceError
from backends.numpy_backend import pack_rng_state, unpack_rng_state, window_geometry
from backends.scan import ComposedScans, scatter_in_rounds

INSTALL_HINT = (
    'install CuPy for your CUDA driver: pip install "tapegrad[cuda]" (CUDA 12, cupy-cuda12x) '
    "or pip install cupy-cuda13x (CUDA 13)"
)


def _import_cupy():
    try:
        import cupy
    except ImportError as exc:
        raise DeviceError(f"device 'cuda' needs CuPy, which is not installed: {INSTALL_HINT}") from exc
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDARuntimeError when there is no driver or no GPU
        raise DeviceError(
            f"device 'cuda' needs an NVIDIA GPU, but CuPy found none ({exc}); "
            "run on a machine with a GPU and a CUDA driver, or use device='cpu'"
        ) from exc
    if count == 0:
        raise DeviceError("device 'cuda' needs an NVIDIA GPU, but CuPy found none; use device='cpu'")
    return cupy, count


class CupyBackend(division.ComposedDivision, ComposedScans):
    """CuPy on one GPU.  Same interface as ``NumpyBackend``; its division methods are composed
    (``backends/division.py``: CuPy's own functions round differently from PyTorch's), and so are
    the running reductions and scatters its ufuncs lack (``backends/scan.py``)."""

    name = "cuda"

    def __init__(self, index: int) -> None:
        cupy, count = _import_cupy()
        if index >= count:
            raise DeviceError(f"device 'cuda:{index}' does not exist: this machine has {count} GPU(s)")
        self.xp = cupy
        self.index = index
        self._cuda = cupy.cuda.Device(index)
        with self._cuda:
            self.rng = cupy.random.default_rng()

    def asarray(self, data, dtype=None):
        with self._cuda:
            return self.xp.asarray(data, dtype=dtype)

    def to_numpy(self, array) -> np.ndarray:
        return self.xp.asnumpy(array)

    def is_array(self, obj) -> bool:
        return isinstance(obj, self.xp.ndarray)

    def seed(self, seed: int) -> None:
        with self._cuda:
            self.rng = self.xp.random.default_rng(seed)

    def make_rng(self, seed=None):
        with self._cuda:
            return self.xp.random.default_rng(seed)

    def get_rng_state(self, rng=None) -> np.ndarray:
        """The state of ``rng`` (the default generator when None) as a host uint8 array: a JSON
        header naming CuPy's bit generator and the state's size, a newline, then the bytes of the
        bit generator's cuRAND states (48 bytes for each of the 2,048 threads per multiprocessor that
        draw: 12.4 MB on an H100, copied from the GPU in about 1.4 ms)."""
        bits = (rng or self.rng).bit_generator
        with self._cuda:
            payload = self.xp.asnumpy(bits._state).view(np.uint8)
        return pack_rng_state({"bit_generator": "cupy." + type(bits).__name__, "nbytes": int(payload.size)}, payload)

    def set_rng_state(self, state: np.ndarray, rng=None) -> None:
        """Restore a state from ``get_rng_state`` into ``rng`` (the default generator when None)."""
        header, payload = unpack_rng_state(state, f"cuda:{self.index}")
        bits = (rng or self.rng).bit_generator
        kind = "cupy." + type(bits).__name__
        if header["bit_generator"] != kind or len(payload) != bits._state.nbytes:
            raise RuntimeError(
                f"set_rng_state: the state is for a {header['bit_generator']} generator with {len(payload)} bytes "
                f"of state, but this GPU's generator is {kind} with {bits._state.nbytes}; a state restores only on "
                "a device of the kind that saved it"
            )
        with self._cuda:
            bits._state.set(np.frombuffer(payload, dtype=bits._state.dtype))  # in place, on this GPU

    def random(self, shape, dtype, rng=None):
        with self._cuda:
            return (rng or self.rng).random(shape, dtype=np.float64).astype(dtype, copy=False)

    def normal(self, shape, dtype, rng=None):
        with self._cuda:
            return (rng or self.rng).standard_normal(shape, dtype=np.float64).astype(dtype, copy=False)

    def integers(self, low, high, shape, dtype, rng=None):
        with self._cuda:
            out = (rng or self.rng).integers(low, high, size=shape, dtype=np.int64)
            return out if np.dtype(dtype) == np.int64 else out.astype(dtype)

    def memory_owner(self, array):
        """The device allocation that holds ``array``'s memory, shared by all its views (following
        ``.base`` is not enough: ``as_strided``'s views, such as the sliding windows, have none)."""
        return array.data.mem

    def data_ptr(self, array) -> int:
        """The device address of ``array``'s first element."""
        return array.data.ptr

    def is_writable(self, array) -> bool:
        """Whether ``array`` can be written in place: CuPy has no read-only flag, so the test is that
        no two elements share memory (a broadcast view repeats them with stride 0)."""
        return all(stride or size == 1 for stride, size in zip(array.strides, array.shape))

    def scatter_add(self, target, index, values) -> None:
        """``target[index] += values`` with repeats summed.  ``cupyx.scatter_add`` adds with
        atomics, in whatever order the threads arrive; under ``ag.use_deterministic_algorithms(True)``
        a floating target is summed in a fixed order instead (one round per repeat)."""
        if DETERMINISTIC[0] and target.dtype.kind in "fc":
            scatter_in_rounds(self.xp, "add", target, index, values)
            return
        import cupyx

        cupyx.scatter_add(target, index, values)

    def windows(self, x, kernel, stride, dilation):
        shape, strides = window_geometry(x, kernel, stride, dilation)
        return self.xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)
