"""``Gamma``: the sum of ``concentration`` exponential waiting times of ``rate``.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Gamma
>>> d = Gamma(ag.tensor([2.0]), ag.tensor([3.0]))
>>> d.log_prob(ag.tensor([1.0])), d.mean, d.variance
(tensor([-0.8028]), tensor([0.6667]), tensor([0.2222]))
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._sampling import sample_gamma
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import broadcast_all
from autograd_core.tensor import Tensor

__all__ = ["Gamma"]


class Gamma(Distribution):
    """A gamma distribution with ``concentration`` (shape) and ``rate`` (inverse scale), both > 0.

    ``log_prob``, ``entropy``, ``mean``, ``mode`` and ``variance`` are differentiable in both
    parameters.  Unlike PyTorch, ``has_rsample`` is False and ``rsample`` is not offered:
    PyTorch differentiates gamma draws with implicit reparameterisation (the derivative of the
    gamma cdf in its shape), which autograd_core does not have; ``sample`` draws without
    gradient (Marsaglia and Tsang's method).  ``cdf`` is the regularised incomplete gamma
    function ``ag.special.gammainc``: differentiable in ``rate`` and the value, and, as in
    PyTorch, not in ``concentration``.
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = False

    def __init__(self, concentration, rate, validate_args=None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gamma, _instance)
        return self._expand_into(new, batch_shape, expand=("concentration", "rate"))

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def sample(self, sample_shape=()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with ag.no_grad():
            return sample_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        if not isinstance(value, Tensor):
            value = ag.as_tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        c, r = self.concentration, self.rate
        return ag.xlogy(c, r) + ag.xlogy(c - 1, value) - r * value - ag.lgamma(c)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        if not isinstance(value, Tensor):
            value = ag.as_tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        return ag.special.gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c - self.rate.log() + ag.lgamma(c) + (1.0 - c) * ag.digamma(c)
