"""``Poisson``: counts of events at ``rate`` per interval.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Poisson
>>> d = Poisson(ag.tensor([2.0]))
>>> d.log_prob(ag.tensor([3.0])).exp(), d.mode
(tensor([0.1804]), tensor([2.]))
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import broadcast_all
from autograd_core.tensor import Tensor

__all__ = ["Poisson"]


class Poisson(Distribution):
    """A Poisson distribution with ``rate`` >= 0: P(k) = rate^k exp(-rate) / k!.

    Like PyTorch's it has no ``entropy`` (no closed form) and ``sample`` is not differentiable.
    Draws use Knuth's method below rate 10 and Hörmann's PTRS above (exact, see ``_sampling``).
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Poisson, _instance)
        return self._expand_into(new, batch_shape, expand=("rate",))

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape=()) -> Tensor:
        with ag.no_grad():
            return ag.poisson(self.rate.expand(tuple(self._extended_shape(sample_shape))))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return ag.xlogy(value, rate) - rate - ag.lgamma(value + 1)
