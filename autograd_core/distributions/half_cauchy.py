"""``HalfCauchy``: |X| for X ~ Cauchy(0, scale), built as PyTorch's (Cauchy through ``AbsTransform``).

A common weakly-informative prior on scales.

>>> import autograd_core as ag
>>> from autograd_core.distributions import HalfCauchy
>>> d = HalfCauchy(ag.tensor([1.0]))
>>> d.log_prob(ag.tensor([1.0])), d.cdf(ag.tensor([1.0]))
(tensor([-1.1447]), tensor([0.5000]))
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.cauchy import Cauchy
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import AbsTransform
from autograd_core.tensor import Tensor

__all__ = ["HalfCauchy"]


class HalfCauchy(TransformedDistribution):
    """A half-Cauchy distribution on [0, inf) with ``scale`` > 0; its mean and variance are
    infinite, as PyTorch reports them."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None) -> None:
        base_dist = Cauchy(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        return ag.full(tuple(self._extended_shape()), math.inf, dtype=self.scale.dtype, device=self.scale.device)

    @property
    def mode(self) -> Tensor:
        return ag.zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value = ag.as_tensor(value, dtype=self.scale.dtype, device=self.scale.device)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return ag.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Tensor) -> Tensor:
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)
