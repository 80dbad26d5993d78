"""``Laplace``: the double exponential with location ``loc`` and scale ``scale``.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Laplace
>>> d = Laplace(ag.tensor([0.0]), ag.tensor([1.0]))
>>> d.log_prob(ag.tensor([1.0])), d.cdf(ag.tensor([0.0])), d.variance
(tensor([-1.6931]), tensor([0.5000]), tensor([2.]))
"""

from __future__ import annotations

import math

from autograd_core.distributions._families import LocationScale
from autograd_core.distributions.utils import finfo, standard_uniform
from autograd_core.tensor import Tensor

__all__ = ["Laplace"]


class Laplace(LocationScale):
    """A Laplace distribution: density exp(-|x - loc| / scale) / (2 scale).

    ``rsample`` inverts the cdf on U ~ Uniform(eps - 1, 1) (PyTorch's range, which keeps
    ``log1p(-|u|)`` finite), so gradients reach ``loc`` and ``scale``.
    """

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Laplace, _instance)
        return self._expand_into(new, batch_shape, expand=("loc", "scale"))

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape=()) -> Tensor:
        eps = float(finfo(self.loc.dtype).eps)
        u = standard_uniform(self._extended_shape(sample_shape), self.loc) * (2 - eps) + (eps - 1)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = value - self.loc
        return 0.5 - 0.5 * z.sign() * (-z.abs() / self.scale).expm1()

    def icdf(self, value: Tensor) -> Tensor:
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        return 1 + (2 * self.scale).log()
