"""``autograd_core.autograd``: the ``torch.autograd`` names, so such code ports by import.

>>> from autograd_core.autograd import Function, grad
"""

from __future__ import annotations

from autograd_core.anomaly import detect_anomaly, set_detect_anomaly
from autograd_core.engine import backward, grad
from autograd_core.function import Function
from autograd_core.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from autograd_core.gradcheck import gradcheck, gradgradcheck

__all__ = [
    "Function",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
]
