"""``Cauchy``: the ratio of two independent normals, shifted by ``loc`` and scaled by ``scale``.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Cauchy
>>> d = Cauchy(ag.tensor([0.0]), ag.tensor([1.0]))
>>> d.log_prob(ag.tensor([1.0])), d.cdf(ag.tensor([1.0])), d.mean
(tensor([-1.8379]), tensor([0.7500]), tensor([nan]))
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions._families import LocationScale
from autograd_core.distributions.distribution import _nan_like
from autograd_core.distributions.utils import standard_uniform
from autograd_core.tensor import Tensor

__all__ = ["Cauchy"]


class Cauchy(LocationScale):
    """A Cauchy distribution: density 1 / (pi scale (1 + ((x - loc) / scale)^2)).

    Its mean is undefined (NaN) and its variance infinite, as in PyTorch.  ``rsample`` is
    ``loc + scale * tan(pi (U - 1/2))``.
    """

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Cauchy, _instance)
        return self._expand_into(new, batch_shape, expand=("loc", "scale"))

    @property
    def mean(self) -> Tensor:
        return _nan_like(self.loc)

    @property
    def variance(self) -> Tensor:
        return ag.full(tuple(self._extended_shape()), math.inf, dtype=self.loc.dtype, device=self.loc.device)

    def rsample(self, sample_shape=()) -> Tensor:
        u = standard_uniform(self._extended_shape(sample_shape), self.loc)
        return self.loc + self.scale * ag.tan(math.pi * (u - 0.5))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ag.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        return ag.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + self.scale.log()
