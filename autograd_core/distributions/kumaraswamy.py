"""``Kumaraswamy``: a Beta-like law on [0, 1] with a closed-form cdf, built as PyTorch's
(Uniform(0, 1) through ``x ** (1/b)``, ``1 - x``, ``x ** (1/a)``), so it has ``rsample``.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Kumaraswamy
>>> d = Kumaraswamy(ag.tensor([2.0]), ag.tensor([3.0]))
>>> d.log_prob(ag.tensor([0.5])), d.mean
(tensor([0.5232]), tensor([0.4571]))
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.gumbel import EULER_CONSTANT
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import AffineTransform, PowerTransform
from autograd_core.distributions.uniform import Uniform
from autograd_core.distributions.utils import as_size, broadcast_all
from autograd_core.tensor import Tensor

__all__ = ["Kumaraswamy"]


def _moments(a: Tensor, b: Tensor, n: int) -> Tensor:
    """E[X^n] = b B(1 + n/a, b), through lgamma for stability."""
    arg1 = 1 + n / a
    log_value = ag.lgamma(arg1) + ag.lgamma(b) - ag.lgamma(arg1 + b)
    return b * log_value.exp()


class Kumaraswamy(TransformedDistribution):
    """A Kumaraswamy distribution with ``concentration1`` (a) and ``concentration0`` (b), both
    > 0: density a b x^(a-1) (1 - x^a)^(b-1) on [0, 1]."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        base_dist = Uniform(
            ag.full_like(self.concentration0, 0), ag.full_like(self.concentration0, 1), validate_args=validate_args
        )
        transforms = [
            PowerTransform(exponent=self.concentration0.reciprocal()),
            AffineTransform(loc=1.0, scale=-1.0),
            PowerTransform(exponent=self.concentration1.reciprocal()),
        ]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Kumaraswamy, _instance)
        new.concentration1 = self.concentration1.expand(as_size(batch_shape))
        new.concentration0 = self.concentration0.expand(as_size(batch_shape))
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self) -> Tensor:
        return _moments(self.concentration1, self.concentration0, 1)

    @property
    def mode(self) -> Tensor:
        """((a - 1) / (a b - 1))^(1/a); NaN where a < 1 or b < 1 (no interior mode), as PyTorch."""
        a, b = self.concentration1, self.concentration0
        log_mode = b.reciprocal() * (-b).log1p() - (-b * a).log1p()
        return ag.where((b < 1) | (a < 1), math.nan, log_mode).exp()

    @property
    def variance(self) -> Tensor:
        return _moments(self.concentration1, self.concentration0, 2) - self.mean.pow(2)

    def entropy(self) -> Tensor:
        t1 = 1 - self.concentration1.reciprocal()
        t0 = 1 - self.concentration0.reciprocal()
        H0 = ag.digamma(self.concentration0 + 1) + EULER_CONSTANT
        return t0 + t1 * H0 - self.concentration1.log() - self.concentration0.log()
