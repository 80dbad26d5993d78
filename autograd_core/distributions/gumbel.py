"""``Gumbel``: the distribution of maxima, built as PyTorch's (a Uniform pushed through
``-log(-log u)`` and an affine map), so ``rsample`` is the Gumbel-max trick's noise.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Gumbel
>>> d = Gumbel(ag.tensor([0.0]), ag.tensor([2.0]))
>>> d.log_prob(ag.tensor([1.0])), d.mean
(tensor([-1.7997]), tensor([1.1544]))
"""

from __future__ import annotations

import math
import numbers

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import AffineTransform, ExpTransform
from autograd_core.distributions.uniform import Uniform
from autograd_core.distributions.utils import broadcast_all, finfo
from autograd_core.tensor import Tensor

__all__ = ["Gumbel"]

EULER_CONSTANT = 0.57721566490153286060  # Euler-Mascheroni: the mean of the standard Gumbel


class Gumbel(TransformedDistribution):
    """A Gumbel distribution with location ``loc`` and ``scale`` > 0.

    The base is Uniform(tiny, 1 - eps) (never exactly 0 or 1, so the double log is finite);
    ``log_prob`` is the closed form ``z - exp(z) - log scale`` with z = (loc - x) / scale.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        info = finfo(self.loc.dtype)
        low, high = float(info.tiny), 1 - float(info.eps)
        if isinstance(loc, numbers.Number) and isinstance(scale, numbers.Number):
            base_dist = Uniform(low, high, validate_args=validate_args)
        else:
            base_dist = Uniform(ag.full_like(self.loc, low), ag.full_like(self.loc, high), validate_args=validate_args)
        transforms = [
            ExpTransform().inv,
            AffineTransform(loc=0, scale=-ag.ones_like(self.scale)),
            ExpTransform().inv,
            AffineTransform(loc=loc, scale=-self.scale),
        ]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc = self.loc.expand(tuple(batch_shape))
        new.scale = self.scale.expand(tuple(batch_shape))
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self) -> Tensor:
        return self.loc + self.scale * EULER_CONSTANT

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def entropy(self) -> Tensor:
        return self.scale.log() + (1 + EULER_CONSTANT)
