"""The thread count of NumPy's BLAS (OpenBLAS, as NumPy's wheels bundle it), read and set through
the loaded library itself, so it works after NumPy is imported (environment variables such as
``OPENBLAS_NUM_THREADS`` are read only at load time).  ``ag.set_num_threads`` and the benchmarks'
``--threads`` use it.

>>> from backends import blas
>>> n = blas.get_threads()
>>> n is None or n >= 1
True
"""

from __future__ import annotations

import ctypes
import functools

# (prefix, suffix) of the thread functions in the OpenBLAS builds NumPy ships or links:
# scipy-openblas (NumPy's wheels, 64-bit integer API), and plain OpenBLAS.
_SYMBOLS = (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "64_"), ("openblas", ""))


@functools.cache
def _library():
    """(get, set) thread functions of the OpenBLAS this process loaded (NumPy's copy first), or None."""
    import numpy  # noqa: F401  (its BLAS must be loaded before we look for it)

    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower()}
    except OSError:  # not Linux: no way to find the library from here
        return None
    for path in sorted(paths, key=lambda p: "numpy" not in p):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in _SYMBOLS:
            get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            if get is not None:
                return get, getattr(lib, f"{prefix}_set_num_threads{suffix}")
    return None


def get_threads() -> int | None:
    """How many threads NumPy's BLAS uses, or None where its library can't be reached."""
    functions = _library()
    return None if functions is None else int(functions[0]())


def set_threads(n: int) -> bool:
    """Make NumPy's BLAS use ``n`` threads; False where its library can't be reached."""
    functions = _library()
    if functions is None:
        return False
    functions[1](int(n))
    return True
