"""Helpers shared by the distributions: parameter broadcasting, probs <-> logits, lazy attributes.

Everything here is composed from autograd_core ops, so gradients flow through the engine and
the same code runs on every device.

>>> import autograd_core as ag
>>> from autograd_core.distributions.utils import broadcast_all, probs_to_logits
>>> loc, scale = broadcast_all(ag.tensor([0.0, 1.0]), 2.0)
>>> scale
tensor([2., 2.])
>>> probs_to_logits(ag.tensor([0.5, 0.25]), is_binary=True)
tensor([ 0.0000, -1.0986])
"""

from __future__ import annotations

import math
import numbers

import autograd_core as ag
from autograd_core.size import Size
from autograd_core.tensor import Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]


def broadcast_all(*values) -> tuple:
    """Broadcast tensors and numbers together, as ``torch.distributions.utils.broadcast_all``.

    Numbers become tensors of the first tensor's dtype and device (the default dtype on the cpu
    when all are numbers), so ``Normal(0.0, 1.0)`` is a float32 distribution and
    ``Normal(loc64, 1.0)`` a float64 one: a Python scalar never upcasts.
    """
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError(
            "Input arguments must all be instances of Number, torch.Tensor or objects implementing __torch_function__."
        )
    like = next((v for v in values if isinstance(v, Tensor)), None)
    if like is None:
        tensors = [ag.tensor(float(v)) for v in values]
    else:
        tensors = [v if isinstance(v, Tensor) else ag.tensor(v, dtype=like.dtype, device=like.device) for v in values]
    return tuple(ag.broadcast_tensors(*tensors))


def tensor_param(family: str, name: str, value, min_ndim: int = 0, too_few_dims: str = "") -> Tensor:
    """``value``, refused unless it is a Tensor (a TypeError naming ``family`` and ``name``) with
    at least ``min_ndim`` dims (a ValueError with PyTorch's message, ``too_few_dims``): the
    check of a parameter that can't be a number (a vector of probabilities, a matrix)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{family}: {name} must be a Tensor, got {type(value).__name__}")
    if value.ndim < min_ndim:
        raise ValueError(too_few_dims)
    return value


def as_size(shape) -> Size:
    """``sample_shape`` / ``batch_shape`` as a ``Size`` (a tuple, a list, an int or a ``Size``)."""
    if isinstance(shape, int):
        return Size((shape,))
    return shape if isinstance(shape, Size) else Size(tuple(int(s) for s in shape))


finfo = ag.finfo  # machine limits of a floating dtype (torch.finfo)


def clamp_probs(probs: Tensor) -> Tensor:
    """Clamp probabilities to [eps, 1 - eps] so that their logits stay finite (PyTorch's choice:
    eps is the dtype's machine epsilon, so 0 and 1 map to about -36 and +36 in float64)."""
    eps = float(finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Log-odds ``log p - log(1 - p)`` (binary) or log-probabilities ``log p`` (categorical),
    from clamped probabilities, so a probability of exactly 0 or 1 gives a finite logit."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return ps_clamped.log() - (-ps_clamped).log1p()
    return ps_clamped.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """``sigmoid`` of log-odds (binary) or ``softmax`` over the last dim (categorical)."""
    if is_binary:
        return ag.sigmoid(logits)
    return ag.softmax(logits, dim=-1)


def softplus(x: Tensor) -> Tensor:
    """``log(1 + exp(x))`` without the linear cut-off at 20 that ``nn.functional.softplus`` has:
    log-probabilities must stay exact to the last bit for large logits too."""
    return ag.softplus(x, 1.0, math.inf)


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum the ``dim`` rightmost dims (the event dims an ``Independent`` reinterprets)."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[: value.ndim - dim]) + (-1,)).sum(-1)


def standard_normal(shape, like: Tensor) -> Tensor:
    """N(0, 1) draws of ``like``'s dtype on its device, from that device's generator."""
    return ag.randn(tuple(shape), dtype=like.dtype, device=like.device)


def standard_uniform(shape, like: Tensor) -> Tensor:
    """U[0, 1) draws of ``like``'s dtype on its device, from that device's generator."""
    return ag.rand(tuple(shape), dtype=like.dtype, device=like.device)


class lazy_property:  # noqa: N801  (PyTorch's name)
    """An attribute computed on first access and then stored on the instance.

    It lets ``Bernoulli(probs=p)`` derive ``logits`` only when asked, with gradients flowing
    back to ``p``.  Stored in the instance ``__dict__``, it is found before this (non-data)
    descriptor on later reads, so it is computed once.  Grad mode is forced on while it is
    computed: a value cached under ``no_grad`` (while sampling) must still carry its graph.
    """

    def __init__(self, wrapped) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        with ag.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
