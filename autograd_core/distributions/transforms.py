"""Bijective transforms for ``TransformedDistribution`` (PyTorch's ``torch.distributions.transforms``).

A transform maps x to y = f(x), inverts it (``t.inv(y)``), and gives log|dy/dx|
(``log_abs_det_jacobian(x, y)``), which is what the change-of-variables formula of
``TransformedDistribution.log_prob`` needs.  Those here act elementwise (``event_dim`` 0).

>>> import autograd_core as ag
>>> from autograd_core.distributions.transforms import AffineTransform, ExpTransform
>>> t = ExpTransform()
>>> t(ag.tensor([0.0, 1.0])), t.inv(ag.tensor([1.0]))
(tensor([1.0000, 2.7183]), tensor([0.]))
>>> AffineTransform(1.0, 2.0)(ag.tensor([3.0]))
tensor([7.])
"""

from __future__ import annotations

import numbers

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.tensor import Tensor

__all__ = ["AffineTransform", "ExpTransform", "Transform"]


class Transform:
    """An invertible, differentiable map with a computable log-Jacobian.

    Subclasses define ``_call`` (forward), ``_inverse``, ``log_abs_det_jacobian``, ``domain``,
    ``codomain`` and ``sign`` (+1 or -1: whether it increases or decreases, which
    ``TransformedDistribution.cdf`` needs).
    """

    bijective = True
    domain = constraints.real
    codomain = constraints.real

    @property
    def event_dim(self) -> int:
        return self.codomain.event_dim

    @property
    def inv(self) -> Transform:
        """The inverse transform (``t.inv(y)`` gives x)."""
        return _InverseTransform(self)

    @property
    def sign(self):
        raise NotImplementedError(f"{type(self).__name__} does not define sign")

    def __call__(self, x: Tensor) -> Tensor:
        return self._call(x)

    def _inv_call(self, y: Tensor) -> Tensor:
        return self._inverse(y)

    def forward_shape(self, shape):
        return shape

    def inverse_shape(self, shape):
        return shape

    def __eq__(self, other) -> bool:
        return self is other

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return type(self).__name__ + "()"


class _InverseTransform(Transform):
    """The inverse of a transform: domain and codomain swapped, log-Jacobian negated."""

    def __init__(self, transform: Transform) -> None:
        self._inv = transform

    @property
    def domain(self):
        return self._inv.codomain

    @property
    def codomain(self):
        return self._inv.domain

    @property
    def inv(self) -> Transform:
        return self._inv

    @property
    def sign(self):
        return self._inv.sign

    def __call__(self, x: Tensor) -> Tensor:
        return self._inv._inv_call(x)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return -self._inv.log_abs_det_jacobian(y, x)

    def __eq__(self, other) -> bool:
        return isinstance(other, _InverseTransform) and self._inv == other._inv

    __hash__ = object.__hash__


class ExpTransform(Transform):
    """y = exp(x): the reals onto the positive reals (LogNormal is Normal through it)."""

    domain = constraints.real
    codomain = constraints.positive
    sign = +1

    def __eq__(self, other) -> bool:
        return isinstance(other, ExpTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.exp()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.log()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return x


class AffineTransform(Transform):
    """y = loc + scale * x, elementwise (``loc`` and ``scale``: numbers or tensors)."""

    domain = constraints.real
    codomain = constraints.real

    def __init__(self, loc, scale) -> None:
        self.loc = loc
        self.scale = scale

    def __eq__(self, other) -> bool:
        if not isinstance(other, AffineTransform):
            return False
        return all(_same_value(a, b) for a, b in ((self.loc, other.loc), (self.scale, other.scale)))

    __hash__ = object.__hash__

    @property
    def sign(self):
        if isinstance(self.scale, numbers.Real):
            return 1 if float(self.scale) > 0 else -1 if float(self.scale) < 0 else 0
        return self.scale.sign()

    def _call(self, x: Tensor) -> Tensor:
        return self.loc + self.scale * x

    def _inverse(self, y: Tensor) -> Tensor:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        if isinstance(self.scale, numbers.Real):
            return ag.full(tuple(x.shape), abs(float(self.scale)), dtype=x.dtype, device=x.device).log()
        return self.scale.abs().log().expand(tuple(ag.broadcast_shapes(tuple(x.shape), tuple(self.scale.shape))))

    def __repr__(self) -> str:
        return f"AffineTransform(loc={self.loc}, scale={self.scale})"


def _same_value(a, b) -> bool:
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        return a == b
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return a.shape == b.shape and bool((a == b).all())
    return False
