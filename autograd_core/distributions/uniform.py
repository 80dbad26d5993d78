"""``Uniform``: constant density on the half-open interval [low, high).

>>> import autograd_core as ag
>>> from autograd_core.distributions import Uniform
>>> d = Uniform(ag.tensor([0.0]), ag.tensor([4.0]))
>>> d.log_prob(ag.tensor([1.0])), d.cdf(ag.tensor([1.0])), d.entropy()
(tensor([-1.3863]), tensor([0.2500]), tensor([1.3863]))
"""

from __future__ import annotations

import math

from autograd_core.distributions import constraints
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import broadcast_all, standard_uniform
from autograd_core.tensor import Tensor

__all__ = ["Uniform"]


class Uniform(Distribution):
    """A uniform distribution on [low, high), ``low < high`` elementwise.

    ``log_prob`` is ``-log(high - low)`` on [low, high) and ``-inf`` outside (when validation
    is off; with it on, a value outside [low, high], PyTorch's ``support``, is refused).
    """

    has_rsample = True

    @property
    def arg_constraints(self) -> dict:
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    def __init__(self, low, high, validate_args=None) -> None:
        self.low, self.high = broadcast_all(low, high)
        super().__init__(self.low.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Uniform, _instance)
        return self._expand_into(new, batch_shape, expand=("low", "high"))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.interval(self.low, self.high)

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return math.nan * self.high

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=()) -> Tensor:
        u = standard_uniform(self._extended_shape(sample_shape), self.low)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        inside = ((self.low <= value) & (self.high > value)).to(self.low.dtype)
        return inside.log() - (self.high - self.low).log()

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value: Tensor) -> Tensor:
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()
