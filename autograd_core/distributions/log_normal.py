"""``LogNormal``: exp of a normal variable; a ``TransformedDistribution`` of ``Normal`` through ``ExpTransform``.

>>> import autograd_core as ag
>>> from autograd_core.distributions import LogNormal
>>> d = LogNormal(ag.tensor([0.0]), ag.tensor([1.0]))
>>> d.log_prob(ag.tensor([1.0])), d.mean, d.mode
(tensor([-0.9189]), tensor([1.6487]), tensor([0.3679]))
"""

from __future__ import annotations

from autograd_core.distributions import constraints
from autograd_core.distributions.normal import Normal
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import ExpTransform
from autograd_core.tensor import Tensor

__all__ = ["LogNormal"]


class LogNormal(TransformedDistribution):
    """A log-normal distribution: log X ~ Normal(loc, scale).  ``rsample`` is ``exp`` of the
    normal's reparameterised draw, so gradients reach ``loc`` and ``scale``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None) -> None:
        base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def loc(self) -> Tensor:
        return self.base_dist.loc

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self) -> Tensor:
        scale_sq = self.scale.pow(2)
        return scale_sq.expm1() * (2 * self.loc + scale_sq).exp()

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() + self.loc
