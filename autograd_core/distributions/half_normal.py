"""``HalfNormal``: |X| for X ~ Normal(0, scale), built as PyTorch's (Normal through ``AbsTransform``).

>>> import autograd_core as ag
>>> from autograd_core.distributions import HalfNormal
>>> d = HalfNormal(ag.tensor([1.0, 2.0]))
>>> d.log_prob(ag.tensor([0.5, 0.5])), d.mean
(tensor([-0.3508, -0.9502]), tensor([0.7979, 1.5958]))
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.normal import Normal
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import AbsTransform
from autograd_core.tensor import Tensor

__all__ = ["HalfNormal"]


class HalfNormal(TransformedDistribution):
    """A half-normal distribution on [0, inf) with ``scale`` > 0 (the base Normal's scale).

    ``log_prob`` folds the base density (``+ log 2``) and is ``-inf`` below 0 when validation
    is off; ``rsample`` is ``|scale * eps|``, differentiable in ``scale``.
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None) -> None:
        base_dist = Normal(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        return ag.zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
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
