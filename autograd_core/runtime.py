"""Process-wide switches and type queries from PyTorch's top level that scripts call.

``typename`` and ``is_storage`` answer about objects; ``set_warn_always`` and the inter-op
thread count are settings PyTorch code sets and reads back.  What each one changes here is
in its docstring: where the engine has nothing the setting controls, the value is kept and
reported, so code that sets and checks it runs unchanged.
"""

from __future__ import annotations

import os

from autograd_core.tensor import Tensor

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
