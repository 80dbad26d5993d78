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
from autograd_core.distributions._families import LocationScale
from autograd_core.distributions.utils import standard_normal
from autograd_core.tensor import Tensor

__all__ = ["Normal"]

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


class Normal(LocationScale):
    """A normal distribution N(loc, scale^2), batched over the broadcast shape of its parameters.

    ``rsample`` is ``loc + scale * eps`` with eps ~ N(0, 1) (the reparameterisation trick of
    VAEs and Gaussian policies): gradients reach ``loc`` and ``scale`` through the draw.
    """

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Normal, _instance)
        return self._expand_into(new, batch_shape, expand=("loc", "scale"))

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
