"""``nn.utils.fusion``: fold an eval-mode batch norm into the convolution or linear layer before it.

In eval mode a batch norm is the affine map ``y = (x - mean) / sqrt(var + eps) * gamma + beta``
per channel, so following a layer whose output channel ``c`` is ``w_c · x + b_c`` it can be
absorbed into that layer: ``w_c`` scaled by ``s_c = gamma_c / sqrt(var_c + eps)`` and
``b_c`` replaced by ``(b_c - mean_c) * s_c + beta_c``.  One layer then does the work of two.
Same names, formulas and results as ``torch.nn.utils.fusion``.

>>> import autograd_core as ag, nn
>>> conv, bn = nn.Conv2d(2, 3, 3).eval(), nn.BatchNorm2d(3).eval()
>>> fused = nn.utils.fuse_conv_bn_eval(conv, bn)
>>> x = ag.randn(1, 2, 5, 5)
>>> bool(ag.allclose(fused(x), bn(conv(x)), atol=1e-6))
True
"""

from __future__ import annotations

import copy

import autograd_core as ag
from autograd_core import Tensor, no_grad
from nn.module import Module
from nn.parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]


def fuse_conv_bn_eval(conv: Module, bn: Module, transpose: bool = False) -> Module:
    """A copy of ``conv`` (a ``ConvNd``; ``transpose=True`` for a ``ConvTransposeNd``) whose output
    is ``bn(conv(x))`` with both in eval mode; neither argument is changed.

    >>> import nn
    >>> fused = nn.utils.fuse_conv_bn_eval(nn.Conv1d(2, 4, 3, bias=False).eval(), nn.BatchNorm1d(4).eval())
    >>> fused.bias.shape, fused.bias.requires_grad
    (torch.Size([4]), False)
    """
    _check_eval("fuse_conv_bn_eval", conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias, transpose
    )
    return fused


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor, bn_eps: float,
                         bn_w: Tensor | None, bn_b: Tensor | None,
                         transpose: bool = False) -> tuple[Parameter, Parameter]:
    """The fused ``(weight, bias)`` Parameters, in the conv's dtypes.

    The output channels are dim 0 of a convolution's weight, dim 1 of a transposed one's
    (``transpose=True``).  A missing conv bias counts as zeros, a missing batch norm weight
    as ones and bias as zeros.  Each Parameter requires grad as the conv tensor it replaces
    did; a fused bias made where the conv had none therefore does not, as in PyTorch.

    >>> import autograd_core as ag, nn
    >>> w, b = nn.utils.fuse_conv_bn_weights(ag.ones(2, 1, 1), None, ag.tensor([1.0, 0.0]),
    ...                                      ag.tensor([4.0, 1.0]), 0.0, None, ag.tensor([0.0, 3.0]))
    >>> w.flatten().tolist(), b.tolist()
    ([0.5, 1.0], [-0.5, 3.0])
    """
    channels = conv_w.shape[1 if transpose else 0] if conv_w.dim() >= 2 else None
    if channels is None or bn_rm.numel() not in (channels, 1):
        raise RuntimeError(
            f"fuse_conv_bn_weights: the batch norm has {bn_rm.numel()} channels but the conv weight of shape "
            f"{tuple(conv_w.shape)} has {channels} output channels (dim {1 if transpose else 0}); "
            "pass transpose=True for a transposed convolution"
        )
    weight_dtype = conv_w.dtype
    bias_dtype = conv_b.dtype if conv_b is not None else weight_dtype
    bias_requires_grad = conv_b is not None and conv_b.requires_grad
    with no_grad():
        conv_b = conv_b if conv_b is not None else _zero_bias(conv_w.shape[1 if transpose else 0], bn_rm)
        bn_w = bn_w if bn_w is not None else ag.ones_like(bn_rm)
        bn_b = bn_b if bn_b is not None else ag.zeros_like(bn_rm)
        inv_std = ag.rsqrt(bn_rv + bn_eps)
        shape = ([1, -1] if transpose else [-1, 1]) + [1] * (conv_w.dim() - 2)
        fused_w = (conv_w * (bn_w * inv_std).reshape(shape)).to(dtype=weight_dtype)
        fused_b = ((conv_b - bn_rm) * inv_std * bn_w + bn_b).to(dtype=bias_dtype)
    return Parameter(fused_w, conv_w.requires_grad), Parameter(fused_b, bias_requires_grad)


def fuse_linear_bn_eval(linear: Module, bn: Module) -> Module:
    """A copy of ``linear`` whose output is ``bn(linear(x))`` with both in eval mode.

    ``bn.num_features`` must equal ``linear.out_features``, or be 1 (one statistic for all).

    >>> import autograd_core as ag, nn
    >>> lin, bn = nn.Linear(3, 2).eval(), nn.BatchNorm1d(2).eval()
    >>> x = ag.randn(4, 3)
    >>> bool(ag.allclose(nn.utils.fuse_linear_bn_eval(lin, bn)(x), bn(lin(x)), atol=1e-6))
    True
    """
    _check_eval("fuse_linear_bn_eval", linear, bn)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(
            "To fuse, linear.out_features == bn.num_features or bn.num_features == 1, "
            f"got linear.out_features={linear.out_features} and bn.num_features={bn.num_features}"
        )
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor, bn_eps: float,
                           bn_w: Tensor | None, bn_b: Tensor | None) -> tuple[Parameter, Parameter]:
    """The fused ``(weight, bias)`` Parameters of a linear layer (weight ``(out, in)``), in its dtypes.

    A missing linear bias counts as zeros (the fused one then does not require grad, as
    in PyTorch); so do a batch norm without affine parameters (PyTorch fails on those here).

    >>> import autograd_core as ag, nn
    >>> w, b = nn.utils.fuse_linear_bn_weights(ag.ones(2, 1), ag.zeros(2), ag.zeros(2), ag.tensor([1.0, 4.0]),
    ...                                        0.0, ag.ones(2), ag.ones(2))
    >>> w.tolist(), b.tolist()
    ([[1.0], [0.5]], [1.0, 1.0])
    """
    weight_dtype = linear_w.dtype
    bias_dtype = linear_b.dtype if linear_b is not None else weight_dtype
    bias_requires_grad = linear_b is not None and linear_b.requires_grad
    with no_grad():
        linear_b = linear_b if linear_b is not None else _zero_bias(linear_w.shape[0], bn_rm)
        bn_w = bn_w if bn_w is not None else ag.ones_like(bn_rm)
        bn_b = bn_b if bn_b is not None else ag.zeros_like(bn_rm)
        scale = bn_w * ag.rsqrt(bn_rv + bn_eps)
        fused_w = linear_w * scale.unsqueeze(-1).to(dtype=weight_dtype)
        fused_b = ((linear_b - bn_rm) * scale + bn_b).to(dtype=bias_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, bias_requires_grad)


def _zero_bias(channels: int, bn_rm: Tensor) -> Tensor:
    """The bias a layer without one has.  One per output channel, where PyTorch makes it like the
    running mean: the same values, but with a one-channel batch norm PyTorch's fused bias has one
    entry (broadcast by its layers), ours one per channel, the shape our layers check for."""
    return ag.zeros(channels, dtype=bn_rm.dtype, device=bn_rm.device)


def _check_eval(op: str, layer: Module, bn: Module) -> None:
    """Fusing uses the running statistics, which only an eval-mode batch norm uses."""
    if layer.training or bn.training:
        raise AssertionError(
            f"Fusion only for eval! ({op}: call .eval() on both modules; training: "
            f"{type(layer).__name__}={layer.training}, {type(bn).__name__}={bn.training})"
        )
    if getattr(bn, "running_mean", None) is None or getattr(bn, "running_var", None) is None:
        raise AssertionError(
            f"bn.running_mean and bn.running_var must not be None ({op}: the batch norm was built with "
            "track_running_stats=False, so it has no statistics to fold in)"
        )
