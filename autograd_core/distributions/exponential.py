"""``Exponential``: waiting times of a process with events at ``rate``.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Exponential
>>> d = Exponential(ag.tensor([2.0]))
>>> d.log_prob(ag.tensor([1.0])), d.cdf(ag.tensor([1.0])), d.mean
(tensor([-1.3069]), tensor([0.8647]), tensor([0.5000]))
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import broadcast_all, finfo, standard_uniform
from autograd_core.tensor import Tensor

__all__ = ["Exponential"]


class Exponential(Distribution):
    """An exponential distribution with ``rate`` > 0: density rate * exp(-rate x) on x >= 0.

    ``rsample`` inverts the cdf, ``-log(U) / rate``, so gradients reach ``rate``.
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Exponential, _instance)
        return self._expand_into(new, batch_shape, expand=("rate",))

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return ag.zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate.pow(-2)

    def rsample(self, sample_shape=()) -> Tensor:
        u = standard_uniform(self._extended_shape(sample_shape), self.rate)
        u = u.clamp(min=float(finfo(self.rate.dtype).tiny))  # (U in (0, 1): a finite -log U)
        return -u.log() / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: Tensor) -> Tensor:
        return -(-value).log1p() / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - self.rate.log()
