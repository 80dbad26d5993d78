"""``Beta``: random probabilities, with density proportional to x^(c1 - 1) (1 - x)^(c0 - 1).

>>> import autograd_core as ag
>>> from autograd_core.distributions import Beta
>>> d = Beta(ag.tensor([2.0]), ag.tensor([3.0]))
>>> d.log_prob(ag.tensor([0.4])), d.mean, d.variance
(tensor([0.5470]), tensor([0.4000]), tensor([0.0400]))
"""

from __future__ import annotations

import numbers

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.dirichlet import Dirichlet
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import broadcast_all
from autograd_core.tensor import Tensor

__all__ = ["Beta"]


class Beta(Distribution):
    """A beta distribution with ``concentration1`` (alpha) and ``concentration0`` (beta), both > 0.

    It is a two-category ``Dirichlet`` over (x, 1 - x), as in PyTorch.  ``log_prob``,
    ``entropy``, ``mean``, ``mode`` and ``variance`` are differentiable.  Unlike PyTorch,
    ``has_rsample`` is False (no implicit reparameterisation gradients); ``sample`` draws
    without gradient.
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = False

    def __init__(self, concentration1, concentration0, validate_args=None) -> None:
        if isinstance(concentration1, numbers.Real) and isinstance(concentration0, numbers.Real):
            both = ag.tensor([float(concentration1), float(concentration0)])
        else:
            c1, c0 = broadcast_all(concentration1, concentration0)
            both = ag.stack([c1, c0], -1)
        self._dirichlet = Dirichlet(both, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Beta, _instance)
        return self._expand_into(new, batch_shape, expand=("_dirichlet",))

    @property
    def concentration1(self) -> Tensor:
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def sample(self, sample_shape=()) -> Tensor:
        return self._dirichlet.sample(sample_shape).select(-1, 0)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        heads_tails = ag.stack([value, 1.0 - value], -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self) -> Tensor:
        return self._dirichlet.entropy()
