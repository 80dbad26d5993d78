"""The older, hook-based spectral normalisation: ``nn.utils.spectral_norm`` / ``remove_spectral_norm``.

The weight moves to the parameter ``<name>_orig``; the power-iteration vectors are
the buffers ``<name>_u`` and ``<name>_v``; a forward pre-hook sets the plain
attribute ``<name> = <name>_orig / sigma`` before every call, running
``n_power_iterations`` steps (v first, then u) in training mode only, as PyTorch
does.  The newer form is ``nn.utils.parametrizations.spectral_norm``.

>>> import autograd_core as ag, nn
>>> m = nn.utils.spectral_norm(nn.Linear(3, 2))
>>> list(m.state_dict())
['bias', 'weight_orig', 'weight_u', 'weight_v']
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core import Tensor
from nn.functional import normalize
from nn.module import Module
from nn.parameter import Parameter

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


class SpectralNorm:
    """The forward pre-hook: sets ``module.<name>`` to ``<name>_orig / sigma``."""

    _version: int = 1

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with ag.no_grad():
                w = weight_mat.detach()
                for _ in range(self.n_power_iterations):
                    # In place: the buffers carry the estimate from one forward to the next.
                    v.copy_(normalize(ag.matmul(w.mT, u), dim=0, eps=self.eps))
                    u.copy_(normalize(ag.matmul(w, v), dim=0, eps=self.eps))
                # Clones, so the next in-place update doesn't invalidate this graph's saved copies.
                u, v = u.clone(), v.clone()
        sigma = (u * ag.matmul(weight_mat, v)).sum()
        return weight / sigma

    def remove(self, module: Module) -> None:
        with ag.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float) -> SpectralNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with ag.no_grad():
            weight_mat = fn.reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            u = normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=fn.eps)
            v = normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.detach())  # a plain attribute until the first forward
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm before each forward (power iteration); returns ``module``.

    ``dim`` (default 0, or 1 for transposed convolutions) indexes the rows of the weight
    seen as a matrix.  Unlike ``nn.utils.parametrizations.spectral_norm`` there is no
    warm-up: ``u`` and ``v`` start random, and each training forward runs
    ``n_power_iterations`` steps.

    >>> import autograd_core as ag, nn
    >>> m = nn.utils.spectral_norm(nn.Linear(4, 3))
    >>> m.weight_u.shape, m.weight_v.shape
    (torch.Size([3]), torch.Size([4]))
    """
    if dim is None:
        from nn.modules.conv import _ConvTransposeNd

        dim = 1 if isinstance(module, _ConvTransposeNd) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Replace ``<name>_orig`` and the power-iteration buffers by one parameter ``<name>`` = weight / sigma.

    >>> import nn
    >>> list(nn.utils.remove_spectral_norm(nn.utils.spectral_norm(nn.Linear(2, 2))).state_dict())
    ['bias', 'weight']
    """
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
