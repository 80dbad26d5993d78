"""Process-wide switches and type queries from PyTorch's top level that scripts call.

``typename`` and ``is_storage`` answer about objects; the thread counts, the matmul precision,
``use_deterministic_algorithms``, ``set_warn_always`` and ``accelerator`` are settings and
queries PyTorch code sets and reads back.  What each one changes here is
in its docstring: where the engine has nothing the setting controls, the value is kept and
reported, so code that sets and checks it runs unchanged.
"""

from __future__ import annotations

import importlib.util
import os
import warnings

from autograd_core.tensor import Tensor
from backends import blas, get_device
from backends.device import DETERMINISTIC

_WARN_ALWAYS = [False]
_INTEROP_THREADS = [None]


def typename(obj, /) -> str:
    """The fully qualified name of ``obj``'s type; for a tensor its legacy type name
    (``'torch.FloatTensor'``), as ``torch.typename``.

    >>> import autograd_core as ag
    >>> ag.typename(ag.tensor([1, 2])), ag.typename(1), ag.typename(ag.Tensor)
    ('torch.LongTensor', 'int', 'autograd_core.tensor.Tensor')
    """
    if isinstance(obj, Tensor):
        from autograd_core.compat import type_name

        return type_name(obj)
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module, qualname = obj.__class__.__module__ or "", obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def is_storage(obj, /) -> bool:
    """False: tensors here own arrays, and there are no separate storage objects."""
    return False


def set_warn_always(b: bool, /) -> None:
    """PyTorch's switch to repeat warnings it would give once.  Kept and reported by
    ``is_warn_always_enabled``; our warnings follow Python's ``warnings`` filters, which decide
    repetition (``warnings.simplefilter("always")``)."""
    _WARN_ALWAYS[0] = bool(b)


def is_warn_always_enabled() -> bool:
    """What ``set_warn_always`` last set (False at start)."""
    return _WARN_ALWAYS[0]


def get_num_interop_threads() -> int:
    """The inter-op thread count PyTorch would use to run independent ops in parallel: the value
    set with ``set_num_interop_threads``, else the CPU count.  Ops here run one after another,
    so it changes nothing."""
    return _INTEROP_THREADS[0] or os.cpu_count() or 1


def set_num_interop_threads(num: int) -> None:
    """Set the inter-op thread count (once, as PyTorch allows; see ``get_num_interop_threads``)."""
    if not isinstance(num, int) or isinstance(num, bool):
        raise TypeError(f"set_num_interop_threads(): argument must be int, not {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("Expected positive number of threads")
    if _INTEROP_THREADS[0] is not None:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has started or "
                           "set_num_interop_threads called")
    _INTEROP_THREADS[0] = num


def is_inference(input: Tensor) -> bool:
    """``input.is_inference()``: False here (``inference_mode`` acts as ``no_grad``)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_inference(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input.is_inference()


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
