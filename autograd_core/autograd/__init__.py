"""``autograd_core.autograd``: the ``torch.autograd`` names, so such code ports by import.

>>> from autograd_core.autograd import Function, grad
>>> from autograd_core.autograd.functional import jacobian
"""

from __future__ import annotations

from autograd_core.anomaly import detect_anomaly, set_detect_anomaly
from autograd_core.autograd import function, functional, graph
from autograd_core.engine import backward, grad
from autograd_core.function import Function
from autograd_core.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from autograd_core.gradcheck import gradcheck, gradgradcheck
from autograd_core.tensor import Tensor


def Variable(data: Tensor, requires_grad: bool = False) -> Tensor:  # noqa: N802 (PyTorch's name)
    """PyTorch's old wrapper, which is a Tensor now: ``Variable(t, requires_grad=True)`` is a new
    leaf sharing ``t``'s memory, so code from before PyTorch 0.4 ports by import."""
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable: data must be a Tensor, got {type(data).__name__}")
    out = data.detach()
    return out.requires_grad_() if requires_grad else out


__all__ = [
    "Function",
    "Variable",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "function",
    "functional",
    "grad",
    "graph",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
]
