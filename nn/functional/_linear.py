"""``linear`` and ``bilinear``, from autograd_core's fused linear primitive and matmul."""

from __future__ import annotations

import autograd_core as ag
from autograd_core import Tensor

__all__ = ["linear", "bilinear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` for input (*, in_features), weight (out_features, in_features).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.linear(ag.ones(2, 3), ag.ones(4, 3), ag.zeros(4)).shape
    torch.Size([2, 4])
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(
            f"linear: input and weight must be Tensors, got {type(input).__name__} and {type(weight).__name__}"
        )
    if input.ndim == 0:
        raise RuntimeError("linear: input must have at least 1 dim (..., in_features), got a 0-d tensor")
    return ag.linear(input, weight, bias)  # (in,) -> (out,) and (*, in) -> (*, out), one fused node


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., k] = input1 @ weight[k] @ input2 + bias[k]`` for weight (out, in1, in2).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.bilinear(ag.ones(2, 3), ag.ones(2, 4), ag.ones(5, 3, 4)).shape
    torch.Size([2, 5])
    """
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear: weight must be 3-D (out, in1, in2), got shape {tuple(weight.shape)}")
    out_f, in1, in2 = weight.shape
    if input1.ndim == 0 or input1.shape[-1] != in1 or input2.ndim == 0 or input2.shape[-1] != in2:
        raise RuntimeError(
            f"bilinear: inputs of shapes {tuple(input1.shape)} and {tuple(input2.shape)} don't match weight "
            f"{tuple(weight.shape)}: their last dims must be {in1} and {in2}"
        )
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear: input1 {tuple(input1.shape)} and input2 {tuple(input2.shape)} must have the same leading dims"
        )
    if bias is not None and tuple(bias.shape) != (out_f,):
        raise RuntimeError(f"bilinear: bias must have shape ({out_f},), got {tuple(bias.shape)}")
    lead = input1.shape[:-1]
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # One GEMM: (n, in1) @ (in1, out*in2), then contract in2 with x2 by broadcasting.
    w = weight.permute(1, 0, 2).reshape(in1, out_f * in2)
    t = (x1 @ w).reshape(-1, out_f, in2)
    y = (t * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(lead + (out_f,))
