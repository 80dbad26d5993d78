"""Array back ends: one ``Backend`` per device type, found through ``get_device``.

Everything that touches array memory directly lives here: which array module
(``xp``) a device uses, moving arrays between host and device, the device's
random number generator, and the two helpers that differ between NumPy and
CuPy (scatter-add and the strided sliding-window view).  Nothing above this
package imports NumPy or CuPy to work on tensor data; it asks the device.

>>> from backends import get_device
>>> dev = get_device("cpu")
>>> dev.xp.__name__
'numpy'
"""

from __future__ import annotations

from backends.device import (
    Device,
    DeviceError,
    get_device,
    initial_seed,
    manual_seed,
    register_backend,
)

__all__ = ["Device", "DeviceError", "get_device", "initial_seed", "manual_seed", "register_backend"]
