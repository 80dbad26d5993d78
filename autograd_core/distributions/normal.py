"""``Normal``: the Gaussian with mean ``loc`` and standard deviation ``scale``.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Normal
>>> d = Normal(ag.tensor([0.0, 1.0]), ag.tensor([1.0, 2.0]))
>>> d.log_prob(ag.tensor([0.0, 0.0]))
tensor([-0.9189, -1.7371])
>>> d.cdf(ag.tensor([0.0, 1.0])), d.icdf(ag.tensor([0.5, 0.5]))
(tensor([0.5000, 0.5000]), tensor([0., 1.]))
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import as_size, broadcast_all, standard_normal
from autograd_core.tensor import Tensor

__all__ = ["Normal"]

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


class Normal(Distribution):
    """A normal distribution N(loc, scale^2), batched over the broadcast shape of its parameters.

    ``rsample`` is ``loc + scale * eps`` with eps ~ N(0, 1) (the reparameterisation trick of
    VAEs and Gaussian policies): gradients reach ``loc`` and ``scale`` through the draw.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Normal, _instance)
        batch_shape = as_size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def rsample(self, sample_shape=()) -> Tensor:
        eps = standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale**2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - _HALF_LOG_TWO_PI

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ag.erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value: Tensor) -> Tensor:
        return self.loc + self.scale * ag.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        return 0.5 + _HALF_LOG_TWO_PI + self.scale.log()
