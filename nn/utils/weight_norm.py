"""The older, hook-based weight normalisation: ``nn.utils.weight_norm`` / ``remove_weight_norm``.

The weight is replaced by two parameters, ``<name>_g`` (the norms) and ``<name>_v``
(the direction), and a forward pre-hook recomputes ``<name> = g * v / ||v||`` as a plain
attribute before every call, as PyTorch does (state_dict keys ``weight_g``,
``weight_v``).  PyTorch deprecates it in favour of
``nn.utils.parametrizations.weight_norm`` and so warns (``FutureWarning``).

>>> import warnings, autograd_core as ag, nn
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     m = nn.utils.weight_norm(nn.Linear(3, 2))
>>> list(m.state_dict()), m.weight_g.shape
(['bias', 'weight_g', 'weight_v'], torch.Size([2, 1]))
"""

from __future__ import annotations

import warnings

from nn.module import Module
from nn.parameter import Parameter
from nn.utils.parametrizations import _norm_except_dim, _weight_norm

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]


class WeightNorm:
    """The forward pre-hook: sets ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module):
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        warnings.warn(
            "`torch.nn.utils.weight_norm` is deprecated in favor of `torch.nn.utils.parametrizations.weight_norm`.",
            FutureWarning,
            stacklevel=3,
        )
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        if name not in module._parameters or module._parameters[name] is None:
            raise AttributeError(f"weight_norm: {type(module).__name__} has no parameter named {name!r}")
        fn = WeightNorm(name, dim)
        weight = module._parameters.pop(name)
        module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight.detach(), fn.dim)))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Split ``module.<name>`` into ``<name>_g`` (norm over every dim but ``dim``; ``dim=None``: the
    whole tensor) and ``<name>_v`` (direction), recombined before each forward; returns ``module``.

    >>> import warnings, autograd_core as ag, nn
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     m = nn.utils.weight_norm(nn.Linear(2, 2), dim=None)
    >>> m.weight_g.shape
    torch.Size([])
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Fold ``<name>_g`` and ``<name>_v`` back into one parameter ``<name>``; returns ``module``.

    >>> import warnings, nn
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     m = nn.utils.remove_weight_norm(nn.utils.weight_norm(nn.Linear(2, 2)))
    >>> list(m.state_dict())
    ['bias', 'weight']
    """
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
