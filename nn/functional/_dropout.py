"""Dropout: inverted (kept activations are scaled by 1/(1-p) in training, identity in eval).

The mask is drawn from the input's device generator (seed it with
``autograd_core.manual_seed``) and applied with one multiply, so the gradient
is the same mask times the upstream gradient.
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d"]


def _check_p(name: str, p) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def _masked(input: Tensor, p: float, mask_shape: tuple) -> Tensor:
    if p == 1.0:
        return input * 0.0
    keep = ag.rand(mask_shape, dtype=input.dtype, device=input.device) >= p  # P(keep) = 1 - p
    scale = keep.to(input.dtype) * (1.0 / (1.0 - p))
    return input * scale


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p); identity when not training.

    ``inplace`` is accepted for porting and computes out of place.

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
    return _masked(input, p, tuple(input.shape))


def _channel_dropout(name: str, input: Tensor, p, training: bool, spatial: int) -> Tensor:
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
    return _masked(input, p, tuple(input.shape[:lead]) + (1,) * spatial)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) inputs with probability ``p``."""
    return _channel_dropout("dropout1d", input, p, training, 1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) or (C, H, W) inputs with probability ``p``."""
    return _channel_dropout("dropout2d", input, p, training, 2)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability ``p``."""
    return _channel_dropout("dropout3d", input, p, training, 3)
