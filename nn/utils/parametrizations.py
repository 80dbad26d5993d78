"""``nn.utils.parametrizations``: weight normalisation and spectral normalisation as parametrizations.

These are the current PyTorch forms (the older hook-based ``nn.utils.weight_norm`` /
``nn.utils.spectral_norm`` live in ``weight_norm.py`` / ``spectral_norm.py``).  Each
registers a small module with ``nn.utils.parametrize``, so the state_dict keys are
PyTorch's: ``parametrizations.weight.original0`` (g) and ``original1`` (v) for weight
norm; ``parametrizations.weight.original`` and the power-iteration vectors
``parametrizations.weight.0._u`` / ``_v`` for spectral norm.

>>> import autograd_core as ag, nn
>>> m = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2))
>>> list(m.state_dict())
['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
>>> m.parametrizations.weight.original0.shape
(2, 1)
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core import Tensor
from nn.functional import normalize
from nn.module import Module
from nn.utils import parametrize

__all__ = ["spectral_norm", "weight_norm"]


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of ``v`` over every dim but ``dim`` (kept as size-1 dims); ``dim == -1`` is the
    norm of the whole tensor (0-d), PyTorch's ``norm_except_dim`` convention (so ``dim=None`` maps to -1)."""
    if dim == -1:
        return ag.norm(v)
    dim = dim + v.ndim if dim < 0 else dim
    if not 0 <= dim < v.ndim:
        raise IndexError(f"weight_norm: dim {dim} is out of range for a weight with {v.ndim} dims")
    others = tuple(d for d in range(v.ndim) if d != dim)
    return ag.norm(v, 2, dim=others, keepdim=True) if others else v.abs()


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """``v * (g / ||v||)``, the norm taken over every dim but ``dim`` (PyTorch's ``_weight_norm``)."""
    return v * (g / _norm_except_dim(v, dim))


class _WeightNorm(Module):
    """weight = g * v / ||v||: ``right_inverse`` splits a weight into ``(g, v)`` = (its norm, itself)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (Salimans & Kingma 2016); returns ``module``.

    The norm is over every dim but ``dim`` (``dim=0``: one ``g`` per output unit;
    ``dim=None``: one ``g`` for the whole tensor).  ``g`` is stored as
    ``parametrizations.<name>.original0`` and ``v`` as ``original1``; a checkpoint of the
    older ``nn.utils.weight_norm`` (keys ``<name>_g`` / ``<name>_v``) still loads.

    >>> import autograd_core as ag, nn
    >>> m = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2), dim=None)
    >>> m.parametrizations.weight.original0.shape
    ()
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                 error_msgs) -> None:
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    """weight / sigma, sigma the largest singular value of the weight seen as a matrix, estimated by
    power iteration with the persistent vectors ``_u`` and ``_v`` (updated in training mode only)."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            # Start close to the top singular vectors, so the first forward already normalises well.
            self._power_method(weight_mat.detach(), 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        # Written into the buffers in place (PyTorch's ``out=``): they are state, not part of the graph.
        with ag.no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(normalize(ag.matmul(weight_mat, self._v), dim=0, eps=self.eps))
                self._v.copy_(normalize(ag.matmul(weight_mat.mT, self._u), dim=0, eps=self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat.detach(), self.n_power_iterations)
        # Clones: the buffers change in place at the next training forward, after this graph saved them.
        u, v = self._u.clone(), self._v.clone()
        sigma = (u * ag.matmul(weight_mat, v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm (Miyato et al. 2018); returns ``module``.

    The weight is seen as a matrix with ``dim`` as rows (default 0, or 1 for transposed
    convolutions); sigma = ``u . (W v)`` with ``u``, ``v`` refined by
    ``n_power_iterations`` steps of power iteration at each forward in training mode
    (15 steps at registration), and kept fixed in eval mode.  State: the weight at
    ``parametrizations.<name>.original``, the vectors at ``parametrizations.<name>.0._u``
    and ``._v``.

    >>> import autograd_core as ag, nn
    >>> m = nn.utils.parametrizations.spectral_norm(nn.Linear(20, 40))
    >>> list(m.state_dict())[1:]
    ['parametrizations.weight.original', 'parametrizations.weight.0._u', 'parametrizations.weight.0._v']
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


def _is_conv_transpose(module: Module) -> bool:
    from nn.modules.conv import _ConvTransposeNd

    return isinstance(module, _ConvTransposeNd)
