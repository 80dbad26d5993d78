"""Batch, instance, layer, group and RMS normalization, composed from reductions and elementwise ops.

Each normalizes as ``(x - mean) * rsqrt(var + eps)`` with the biased variance,
then applies the affine map.  The per-channel factor ``weight * rsqrt(var + eps)``
is formed on the small statistics tensor first, so the full-size input is
touched by one subtraction and one multiply-add.  BatchNorm's running
statistics are updated in place under ``no_grad`` with the *unbiased* batch
variance, as PyTorch does.
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core import Tensor

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "normalize", "local_response_norm"]


def _check_param(op: str, name: str, t, shape: tuple) -> None:
    if t is not None and tuple(t.shape) != tuple(shape):
        raise RuntimeError(f"{op}: expected {name} of shape {tuple(shape)}, got {tuple(t.shape)}")


def _moments(input: Tensor, dims: tuple) -> tuple:
    """The mean over ``dims`` (kept), ``input`` minus it, and the biased variance (kept)."""
    mean = input.mean(dims, keepdim=True)
    centered = input - mean
    return mean, centered, (centered * centered).mean(dims, keepdim=True)


def _update_running(running_mean, running_var, mean, var, momentum, count) -> None:
    """Move the running statistics (either may be None) towards per-channel ``mean`` and ``var``,
    in place; the variance is made unbiased over the ``count`` values it came from, as in PyTorch."""
    with ag.no_grad():
        if running_mean is not None:
            running_mean.mul_(1 - momentum).add_(mean, alpha=momentum)
        if running_var is not None:
            running_var.mul_(1 - momentum).add_(var, alpha=momentum * count / (count - 1))


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel (dim 1) of ``(N, C, *)`` over the batch and the remaining dims.

    In training the batch statistics normalize and, when given, ``running_mean``/``running_var`` are
    updated in place: ``r = (1 - momentum) * r + momentum * batch_stat`` (unbiased variance).
    Otherwise the running statistics normalize.

    >>> import autograd_core as ag, nn.functional as F
    >>> rm, rv = ag.zeros(3), ag.ones(3)
    >>> F.batch_norm(ag.randn(8, 3), rm, rv, training=True).shape
    torch.Size([8, 3])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dims (N, C, *), got shape {tuple(input.shape)}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (channels,):
            raise RuntimeError(
                f"batch_norm: expected input with {t.shape[0] if t.ndim == 1 else tuple(t.shape)} channels, "
                f"got {channels} (input shape {tuple(input.shape)}, {name} shape {tuple(t.shape)})"
            )
    dims = (0,) + tuple(range(2, input.ndim))
    stat_shape = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input of shape "
                f"{tuple(input.shape)}"
            )
        mean, centered, var = _moments(input, dims)
        _update_running(running_mean, running_var, mean.reshape(channels), var.reshape(channels), momentum, count)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var are needed when training=False")
        centered = input - running_mean.reshape(stat_shape)
        var = running_var.reshape(stat_shape)
    return _affine(centered, var, eps, weight, bias, stat_shape)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel of each sample of ``(N, C, *)`` over its spatial dims, then a per-channel
    affine map.  With ``use_input_stats`` and running statistics given, these are updated in place
    with the instance statistics averaged over the batch (unbiased variance), as PyTorch does;
    without ``use_input_stats`` the running statistics normalize.

    >>> import autograd_core as ag, nn.functional as F
    >>> y = F.instance_norm(ag.randn(2, 3, 8))
    >>> abs(float(y[1, 2].mean())) < 1e-5
    True
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"instance_norm: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise ValueError(
            f"instance_norm: expected an input of at least 3 dims (N, C, *), got shape {tuple(input.shape)}"
        )
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        _check_param("instance_norm", name, t, (channels,))
    stat_shape = (1, channels) + (1,) * (input.ndim - 2)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("instance_norm: running_mean and running_var are needed when use_input_stats=False")
        return _affine(input - running_mean.reshape(stat_shape), running_var.reshape(stat_shape), eps, weight, bias,
                       stat_shape)
    dims = tuple(range(2, input.ndim))
    count = math.prod(input.shape[2:])
    if count <= 1:
        raise ValueError(
            f"instance_norm: expected more than 1 spatial element when training, got input of shape {tuple(input.shape)}"
        )
    mean, centered, var = _moments(input, dims)
    if running_mean is not None or running_var is not None:  # the instance statistics, averaged over the batch
        _update_running(running_mean, running_var, mean.reshape(-1, channels).mean(0),
                        var.reshape(-1, channels).mean(0), momentum, count)
    return _affine(centered, var, eps, weight, bias, stat_shape)


def _affine(centered: Tensor, var: Tensor, eps: float, weight, bias, shape: tuple) -> Tensor:
    """``centered * weight / sqrt(var + eps) + bias`` with the factor formed on the small tensors."""
    scale = (var + eps).rsqrt()
    if weight is not None:
        scale = scale * weight.reshape(shape)
    out = centered * scale
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _normalized_dims(op: str, input, normalized_shape) -> tuple:
    """``normalized_shape`` as a tuple, and the trailing dims of ``input`` it names (checked)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(int(s) for s in normalized_shape)
    k = len(shape)
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if k == 0 or input.ndim < k or tuple(input.shape[-k:]) != shape:
        raise RuntimeError(
            f"{op}: given normalized_shape={list(shape)}, expected input with shape [*, "
            f"{', '.join(map(str, shape))}], but got input of shape {tuple(input.shape)}"
        )
    return shape, tuple(range(input.ndim - k, input.ndim))


def layer_norm(
    input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Normalize over the last ``len(normalized_shape)`` dims, then scale by ``weight`` and shift by ``bias``.

    >>> import autograd_core as ag, nn.functional as F
    >>> y = F.layer_norm(ag.randn(4, 10), (10,))
    >>> abs(float(y.mean())) < 1e-5
    True
    """
    shape, dims = _normalized_dims("layer_norm", input, normalized_shape)
    _check_param("layer_norm", "weight", weight, shape)
    _check_param("layer_norm", "bias", bias, shape)
    _, centered, var = _moments(input, dims)
    out = centered * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def group_norm(
    input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Normalize ``(N, C, *)`` over groups of ``C / num_groups`` channels (and all spatial dims), per sample.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.group_norm(ag.randn(2, 6, 5), 3).shape
    torch.Size([2, 6, 5])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"group_norm: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(
            f"group_norm: expected an input of at least 2 dims (N, C, *), got shape {tuple(input.shape)}"
        )
    n, channels = input.shape[:2]
    if num_groups <= 0 or channels % num_groups:
        raise RuntimeError(
            f"group_norm: expected the number of channels ({channels}) to be divisible by num_groups ({num_groups})"
        )
    _check_param("group_norm", "weight", weight, (channels,))
    _check_param("group_norm", "bias", bias, (channels,))
    grouped = input.reshape(n, num_groups, -1)
    if math.prod(grouped.shape[2:]) == 0:
        raise RuntimeError(f"group_norm: empty groups for input of shape {tuple(input.shape)}")
    _, centered, var = _moments(grouped, (2,))
    out = (centered * (var + eps).rsqrt()).reshape(input.shape)
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the last ``len(normalized_shape)`` dims; ``eps=None``
    is the machine epsilon of the input's dtype, as in PyTorch.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.rms_norm(ag.tensor([[3.0, 4.0]]), (2,)).tolist()
    [[0.8485281467437744, 1.1313709020614624]]
    """
    shape, dims = _normalized_dims("rms_norm", input, normalized_shape)
    _check_param("rms_norm", "weight", weight, shape)
    if eps is None:
        eps = ag.finfo(input.dtype).eps
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out


def normalize(input: Tensor, p: float = 2.0, dim=1, eps: float = 1e-12) -> Tensor:
    """Divide each vector along ``dim`` by its ``p``-norm, or by ``eps`` where the norm is smaller.

    ``input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)``, as PyTorch
    computes it (``dim`` may be a tuple of dims).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.normalize(ag.tensor([[3.0, 4.0], [0.0, 0.0]]))
    tensor([[0.6000, 0.8000],
            [0.0000, 0.0000]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"normalize: input must be a Tensor, got {type(input).__name__}")
    denom = ag.norm(input, p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """AlexNet's normalisation across channels (dim 1): ``x / (k + alpha * mean(x^2 over size channels)) ** beta``.

    The window covers channels ``c - size // 2`` to ``c + (size - 1) // 2``; channels outside
    the input count as zeros (the mean always divides by ``size``), as in PyTorch.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.local_response_norm(ag.ones(1, 3, 1), size=2, alpha=1.0, beta=1.0).flatten().tolist()
    [0.6666666865348816, 0.5, 0.5]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"local_response_norm: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    squares = ag.pad(input * input, (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2))
    window = squares.narrow(1, 0, channels)
    for j in range(1, size):  # a sum of ``size`` shifted copies: cheap for the small sizes LRN uses
        window = window + squares.narrow(1, j, channels)
    return input / (window * (alpha / size) + k) ** beta
