"""``Weibull``: lifetimes, built as PyTorch's (Exponential(1) through ``x ** (1/k)`` then ``scale * x``).

>>> import autograd_core as ag
>>> from autograd_core.distributions import Weibull
>>> d = Weibull(ag.tensor([1.0]), ag.tensor([2.0]))
>>> d.log_prob(ag.tensor([0.5])), d.mean
(tensor([-0.2500]), tensor([0.8862]))
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.exponential import Exponential
from autograd_core.distributions.gumbel import EULER_CONSTANT
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import AffineTransform, PowerTransform
from autograd_core.distributions.utils import as_size, broadcast_all
from autograd_core.tensor import Tensor

__all__ = ["Weibull"]


class Weibull(TransformedDistribution):
    """A Weibull distribution with ``scale`` > 0 and shape ``concentration`` > 0; ``rsample``
    is differentiable in both."""

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale, concentration, validate_args=None) -> None:
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base_dist = Exponential(ag.ones_like(self.scale), validate_args=validate_args)
        transforms = [PowerTransform(exponent=self.concentration_reciprocal), AffineTransform(loc=0, scale=self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Weibull, _instance)
        batch_shape = as_size(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.concentration_reciprocal = new.concentration.reciprocal()
        base_dist = self.base_dist.expand(batch_shape)
        transforms = [PowerTransform(exponent=new.concentration_reciprocal), AffineTransform(loc=0, scale=new.scale)]
        TransformedDistribution.__init__(new, base_dist, transforms, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.scale * ag.lgamma(1 + self.concentration_reciprocal).exp()

    @property
    def mode(self) -> Tensor:
        return self.scale * ((self.concentration - 1) / self.concentration) ** self.concentration.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (
            ag.lgamma(1 + 2 * self.concentration_reciprocal).exp()
            - (2 * ag.lgamma(1 + self.concentration_reciprocal)).exp()
        )

    def entropy(self) -> Tensor:
        return (
            EULER_CONSTANT * (1 - self.concentration_reciprocal)
            + (self.scale * self.concentration_reciprocal).log()
            + 1
        )
