"""Device strings ("cpu", "cuda", "cuda:N"), the registry of back ends, seeding."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class DeviceError(RuntimeError):
    """A device cannot be used: unknown name, missing CuPy, no GPU, or a mix of devices."""


class Device:
    """One concrete device: its type ("cpu", "cuda"), index, back end and RNG.

    Devices are interned: ``get_device("cuda")`` and ``get_device("cuda:0")``
    return the same object, so comparing devices is an identity check.
    """

    __slots__ = ("type", "index", "backend", "xp", "_name")

    def __init__(self, type: str, index: int | None, backend) -> None:
        self.type = type
        self.index = index
        self.backend = backend
        self.xp = backend.xp
        self._name = type if index is None else f"{type}:{index}"

    def __str__(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"device(type='{self.type}'" + ("" if self.index is None else f", index={self.index}") + ")"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                return get_device(other) is self
            except DeviceError:
                return False
        return self is other

    def __hash__(self) -> int:
        return hash(self._name)


# name -> factory(index) returning a back end; "cpu" and "cuda" are built in,
# tests register a strict back end under its own name.
_FACTORIES: dict[str, Callable[[int | None], object]] = {}
_DEVICES: dict[str, Device] = {}
# The seed of every device's default generator: drawn from entropy once per process, until
# manual_seed replaces it (initial_seed() reports it, as PyTorch's does).
# ag.use_deterministic_algorithms(mode, warn_only=...): GPU scatter-adds go in order while mode is on.
DETERMINISTIC = [False, False]

_SEED: list[int] = [int(np.random.SeedSequence().entropy % (1 << 63))]


def register_backend(type_name: str, factory: Callable[[int | None], object]) -> None:
    """Make ``factory(index)`` the back end for device strings of ``type_name``.

    Used by the test suite to install a strict back end whose arrays refuse
    implicit conversion to NumPy, as CuPy's do.
    """
    _FACTORIES[type_name] = factory
    for key in [k for k in _DEVICES if _DEVICES[k].type == type_name]:
        del _DEVICES[key]


def _cpu_factory(index):
    from backends.numpy_backend import NumpyBackend

    return NumpyBackend()


def _cuda_factory(index):
    from backends.cupy_backend import CupyBackend

    return CupyBackend(0 if index is None else index)


_FACTORIES["cpu"] = _cpu_factory
_FACTORIES["cuda"] = _cuda_factory


def get_device(spec) -> Device:
    """Return the interned ``Device`` for ``spec`` ("cpu", "cuda", "cuda:1", or a Device).

    >>> get_device("cpu")
    device(type='cpu')
    """
    if isinstance(spec, Device):
        return spec
    dev = _DEVICES.get(spec)
    if dev is not None:
        return dev
    if spec is None:
        return get_device("cpu")
    if not isinstance(spec, str):
        raise DeviceError(f"device must be a string like 'cpu', 'cuda' or 'cuda:0', got {spec!r}")
    type_name, _, idx = spec.partition(":")
    if type_name not in _FACTORIES:
        raise DeviceError(
            f"unknown device {spec!r}: expected 'cpu', 'cuda' or 'cuda:N'"
            + (f" (registered: {', '.join(sorted(_FACTORIES))})" if len(_FACTORIES) > 2 else "")
        )
    index = None
    if idx:
        if not idx.isdigit():
            raise DeviceError(f"bad device index in {spec!r}: expected a non-negative integer, as in 'cuda:0'")
        index = int(idx)
    if type_name == "cuda" and index is None:
        index = 0  # "cuda" means the current (first) GPU, as in PyTorch
    canonical = type_name if index is None else f"{type_name}:{index}"
    dev = _DEVICES.get(canonical)
    if dev is None:
        backend = _FACTORIES[type_name](index)
        dev = Device(type_name, index if type_name != "cpu" else None, backend)
        backend.seed(_SEED[0])
        _DEVICES[canonical] = dev
    _DEVICES[spec] = dev
    return dev


def initial_seed() -> int:
    """The seed of the devices' default generators: the last ``manual_seed``, or the one drawn at start-up."""
    return _SEED[0]


def manual_seed(seed: int) -> None:
    """Seed the random number generator of every device, present and future."""
    seed = int(seed)
    _SEED[0] = seed
    for dev in set(_DEVICES.values()):
        dev.backend.seed(seed)


def host_dtype(dtype) -> np.dtype:
    """Normalise a dtype-like to a NumPy dtype (host-side metadata only)."""
    return np.dtype(dtype)
