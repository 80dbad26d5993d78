"""Dropout: inverted (kept activations are scaled by 1/(1-p) in training, identity in eval).

The mask is drawn from the input's device generator (seed it with
``autograd_core.manual_seed``) and applied with one multiply, so the gradient
is the same mask times the upstream gradient.  ``inplace=True`` writes the result
into the input and returns it, recorded on the tape as PyTorch records it
(``autograd_core.ops.inplace.in_place``).
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.ops.inplace import in_place

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

# SELU's alpha * scale: the value a SELU unit saturates to (-lambda * alpha), where alpha dropout sends dropped units.
_SELU_SATURATION = 1.7580993408473766


def _check_p(name: str, p) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def _masked(input: Tensor, p: float, mask_shape: tuple, inplace: bool = False) -> Tensor:
    if p == 1.0:
        scale = 0.0
    else:
        keep = ag.rand(mask_shape, dtype=input.dtype, device=input.device) >= p  # P(keep) = 1 - p
        scale = keep.to(input.dtype) * (1.0 / (1.0 - p))
    return in_place("dropout_", input, lambda x: x * scale) if inplace else input * scale


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p); identity when not training.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.dropout(ag.ones(4), p=0.5, training=False).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    p = _check_p("dropout", p)
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout: expected a Tensor, got {type(input).__name__}")
    if not training or p == 0.0:
        return input
    if input.dtype.kind != "f":
        raise TypeError(f"dropout: expected a floating point tensor, got dtype {input.dtype}")
    return _masked(input, p, tuple(input.shape), inplace)


def _channel_dropout(name: str, input: Tensor, p, training: bool, spatial: int, inplace: bool) -> Tensor:
    p = _check_p(name, p)
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"{name}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) input, "
            f"got shape {tuple(input.shape)}"
        )
    if not training or p == 0.0:
        return input
    # One draw per channel: whole feature maps are zeroed together (Tompson et al. 2015).
    lead = input.ndim - spatial
    return _masked(input, p, tuple(input.shape[:lead]) + (1,) * spatial, inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) inputs with probability ``p``."""
    return _channel_dropout("dropout1d", input, p, training, 1, inplace)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) or (C, H, W) inputs with probability ``p``."""
    return _channel_dropout("dropout2d", input, p, training, 2, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability ``p``."""
    return _channel_dropout("dropout3d", input, p, training, 3, inplace)


def _alpha_dropout(name: str, input: Tensor, p, training: bool, feature: bool, inplace: bool) -> Tensor:
    p = _check_p(name, p)
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
    if feature and input.ndim < 2:
        raise RuntimeError(f"{name}: Feature dropout requires at least 2 dimensions in the input, got shape "
                           f"{tuple(input.shape)}")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        return in_place(name + "_", input, lambda x: x * 0.0) if inplace else input * 0.0
    # Dropped units go to SELU's saturation value -alpha'; then the affine map a*x + b restores zero mean and
    # unit variance for inputs with those moments (Klambauer et al. 2017): PyTorch's formula.
    alpha = _SELU_SATURATION
    a = 1.0 / ((alpha * alpha * p + 1.0) * (1.0 - p)) ** 0.5
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else tuple(input.shape)
    keep = (ag.rand(shape, dtype=input.dtype, device=input.device) >= p).to(input.dtype)  # P(keep) = 1 - p
    b = (keep - 1.0) * (alpha * a) + alpha * a * p
    if inplace:
        return in_place(name + "_", input, lambda x: x * (keep * a) + b)
    return input * (keep * a) + b


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for self-normalising (SELU) networks: keeps the inputs' mean and variance; identity when not
    training (note PyTorch's default ``training=False`` here).

    >>> import autograd_core as ag, nn.functional as F
    >>> F.alpha_dropout(ag.ones(3), 0.5).tolist()
    [1.0, 1.0, 1.0]
    >>> _ = ag.manual_seed(0)
    >>> y = F.alpha_dropout(ag.randn(100000, dtype=ag.float64), 0.3, training=True)
    >>> abs(y.mean().item()) < 0.02, abs(y.std().item() - 1) < 0.02
    (True, True)
    """
    return _alpha_dropout("alpha_dropout", input, p, training, False, inplace)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels: one draw per (sample, channel) of an ``(N, C, *)`` input.

    >>> import autograd_core as ag, nn.functional as F
    >>> F.feature_alpha_dropout(ag.ones(2, 3, 4), 0.5).shape
    torch.Size([2, 3, 4])
    """
    return _alpha_dropout("feature_alpha_dropout", input, p, training, True, inplace)
