"""``nn.utils``: gradient clipping and flattening parameters to one vector, as in ``torch.nn.utils``.

Everything runs under ``no_grad`` with in-place tensor ops, so it works on any
device and never touches raw arrays.

>>> import autograd_core as ag, nn
>>> model = nn.Linear(3, 2)
>>> model(ag.ones(4, 3)).sum().backward()
>>> total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.1)
>>> round(nn.utils.get_total_norm([p.grad for p in model.parameters()]).item(), 4) <= 0.1
True
"""

from __future__ import annotations

from collections.abc import Iterable

import autograd_core as ag
from autograd_core import Tensor
from nn.utils import parametrizations, parametrize, prune, rnn  # noqa: F401  (nn.utils.rnn.pad_sequence, as in torch)
from nn.utils.fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights
from nn.utils.init import skip_init
from nn.utils.spectral_norm import remove_spectral_norm, spectral_norm
from nn.utils.weight_norm import remove_weight_norm, weight_norm

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
    "weight_norm",
    "remove_weight_norm",
    "spectral_norm",
    "remove_spectral_norm",
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
    "skip_init",
]


def _as_list(name: str, tensors) -> list:
    if isinstance(tensors, Tensor):
        return [tensors]
    try:
        return list(tensors)
    except TypeError:
        raise TypeError(f"{name}: expected a Tensor or an iterable of Tensors, got {type(tensors).__name__}") from None


def _norm_type(name: str, norm_type) -> float:
    if isinstance(norm_type, str):
        if norm_type != "inf":
            raise ValueError(f"{name}: norm_type must be a number or 'inf', got {norm_type!r}")
        return float("inf")
    return float(norm_type)


def get_total_norm(tensors, norm_type: float | str = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """The norm of all ``tensors`` together, as if concatenated into one vector.

    >>> import autograd_core as ag, nn
    >>> nn.utils.get_total_norm([ag.tensor([3.0]), ag.tensor([4.0])]).item()
    5.0
    """
    tensors = [t for t in _as_list("get_total_norm", tensors) if t is not None]
    p = _norm_type("get_total_norm", norm_type)
    if not tensors:
        return ag.tensor(0.0)
    with ag.no_grad():
        # The norm of the per-tensor norms is the norm of everything (for every p, inf included).
        norms = [ag.norm(t.detach(), p) for t in tensors]
        devices = {str(n.device) for n in norms}
        if len(devices) > 1:
            first = norms[0].device
            norms = [n.to(first) for n in norms]
        total = ag.norm(ag.stack([n.to(norms[0].dtype) for n in norms]), p)
    if error_if_nonfinite and not bool(ag.isfinite(total).all()):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, "
            "set `error_if_nonfinite=False`"
        )
    return total


def clip_grads_with_norm_(parameters, max_norm: float, total_norm: Tensor, foreach=None) -> None:
    """Scale the gradients in place by ``min(1, max_norm / (total_norm + 1e-6))``."""
    grads = [p.grad for p in _as_list("clip_grads_with_norm_", parameters) if p.grad is not None]
    if not grads:
        return
    with ag.no_grad():
        coef = ag.clamp(float(max_norm) / (total_norm + 1e-6), max=1.0)
        for g in grads:
            # Always multiplied (also by 1.0), as PyTorch does, so no host sync decides a branch.
            g.mul_(coef.to(g.device).to(g.dtype))


def clip_grad_norm_(parameters, max_norm: float, norm_type: float | str = 2.0, error_if_nonfinite: bool = False,
                    foreach=None) -> Tensor:
    """Rescale gradients in place so that their total norm is at most ``max_norm``; returns the norm before.

    >>> import autograd_core as ag, nn
    >>> w = nn.Parameter(ag.zeros(2)); w.grad = ag.tensor([3.0, 4.0])
    >>> nn.utils.clip_grad_norm_([w], max_norm=1.0).item(), [round(v, 4) for v in w.grad.tolist()]
    (5.0, [0.6, 0.8])
    """
    parameters = _as_list("clip_grad_norm_", parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient in place to [-clip_value, clip_value].

    >>> import autograd_core as ag, nn
    >>> w = nn.Parameter(ag.zeros(2)); w.grad = ag.tensor([3.0, -0.5])
    >>> nn.utils.clip_grad_value_([w], 1.0); w.grad.tolist()
    [1.0, -0.5]
    """
    clip_value = float(clip_value)
    with ag.no_grad():
        for p in _as_list("clip_grad_value_", parameters):
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable, as in PyTorch).

    >>> import autograd_core as ag, nn
    >>> nn.utils.parameters_to_vector(nn.Linear(3, 2).parameters()).shape
    torch.Size([8])
    """
    params = _as_list("parameters_to_vector", parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    _same_device("parameters_to_vector", params)
    return ag.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place (under no_grad).

    >>> import autograd_core as ag, nn
    >>> m = nn.Linear(2, 1)
    >>> nn.utils.vector_to_parameters(ag.tensor([1.0, 2.0, 3.0]), m.parameters())
    >>> m.weight.tolist(), m.bias.tolist()
    ([[1.0, 2.0]], [3.0])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, but got: {type(vec).__name__}")
    params = _as_list("vector_to_parameters", parameters)
    _same_device("vector_to_parameters", params)
    need = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != need:
        raise ValueError(
            f"vector_to_parameters: vec must be 1-D with {need} elements (one per parameter entry), "
            f"got shape {tuple(vec.shape)}"
        )
    pointer = 0
    with ag.no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec[pointer : pointer + n].reshape(p.shape))
            pointer += n


def _same_device(name: str, params: list) -> None:
    devices = {str(p.device) for p in params}
    if len(devices) > 1:
        raise TypeError(f"{name}: found parameters on different devices ({', '.join(sorted(devices))}); "
                        "move them to one device first")
