"""``nn.utils.skip_init``: build a module whose parameters and buffers are left uninitialised.

PyTorch builds the module on its ``meta`` device (no memory, no initialiser runs) and then
allocates empty storage.  There is no meta device here, so the constructor runs in full,
inside ``fork_rng`` so that the random streams are where they were (as with PyTorch, whose
initialisers never ran), and every parameter and buffer is then given ``empty`` contents.
What matches PyTorch: the checks on ``module_cls``, the result's structure, device and dtypes,
untouched random streams, and contents that carry no initialisation; what does not: the
initialisers' cost is still paid.
"""

from __future__ import annotations

import inspect

import autograd_core as ag
from autograd_core import no_grad
from nn.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls: type[Module], *args, **kwargs) -> Module:
    """``module_cls(*args, **kwargs)`` with uninitialised (``ag.empty``) parameters and buffers.

    The class must accept a ``device`` argument (PyTorch's requirement); without one the
    module is built on the cpu, whatever the default device, as in PyTorch.  Use it when
    the weights will be set anyway (loaded from a checkpoint, or a custom initialisation).

    >>> import nn
    >>> m = nn.utils.skip_init(nn.Linear, 5, 1)
    >>> m.weight.shape, m.weight.requires_grad
    (torch.Size([1, 5]), True)
    """
    if not isinstance(module_cls, type):
        raise TypeError(f"skip_init: module_cls must be a class (a subclass of nn.Module), got {module_cls!r}")
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs["device"] = kwargs.pop("device", "cpu")
    with ag.random.fork_rng():
        module = module_cls(*args, **kwargs)
    with no_grad():
        for m in module.modules():
            for tensor in (*m._parameters.values(), *m._buffers.values()):
                if tensor is not None:
                    # In place, so each Parameter keeps its identity and its requires_grad.
                    tensor.copy_(ag.empty_like(tensor))
    return module
