"""``torch.autograd.function``'s names: ``Function`` and the ``once_differentiable`` decorator."""

from __future__ import annotations

import functools

from autograd_core.function import Function
from autograd_core.grad_mode import GRAD_ENABLED, no_grad
from autograd_core.tensor import Tensor


class _DelayedError(Function):
    """Passes a gradient through unchanged; differentiating it raises (see once_differentiable)."""

    @staticmethod
    def forward(ctx, g):
        return g

    @staticmethod
    def backward(ctx, gg):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def _delayed_error(g):
    """``g`` as the output of a _DelayedError node (a detached copy made to require grad feeds it)."""
    if not isinstance(g, Tensor) or not g.is_floating_point():
        return g
    return _DelayedError.apply(g.detach().requires_grad_())


def once_differentiable(backward):
    """Decorate a custom Function's ``backward`` that is not written with recordable Tensor ops.

    It runs without recording.  Under ``create_graph=True`` its gradients can still be used,
    but differentiating them raises, as in PyTorch, instead of silently giving zero.
    """

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            result = backward(ctx, *grads)
        if not GRAD_ENABLED[0] or not any(isinstance(g, Tensor) and g.requires_grad for g in grads):
            return result
        return tuple(_delayed_error(g) for g in result) if isinstance(result, tuple) else _delayed_error(result)

    return wrapper


__all__ = ["Function", "once_differentiable"]
