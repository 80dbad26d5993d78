"""``Pareto``: power-law tails above ``scale``, built as PyTorch's (Exponential(alpha) through
``exp`` then ``scale * x``).

>>> import autograd_core as ag
>>> from autograd_core.distributions import Pareto
>>> d = Pareto(ag.tensor([1.0]), ag.tensor([3.0]))
>>> d.log_prob(ag.tensor([2.0])), d.mean
(tensor([-1.6740]), tensor([1.5000]))
"""

from __future__ import annotations

from autograd_core.distributions import constraints
from autograd_core.distributions.exponential import Exponential
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import AffineTransform, ExpTransform
from autograd_core.distributions.utils import as_size, broadcast_all
from autograd_core.tensor import Tensor

__all__ = ["Pareto"]


class Pareto(TransformedDistribution):
    """A Pareto type-1 distribution on [scale, inf) with tail index ``alpha`` > 0.

    The mean is infinite for alpha <= 1 and the variance for alpha <= 2; PyTorch's formulas
    clamp alpha (to 1 and 2), which gives ``inf`` there, and so do these.
    """

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale, alpha, validate_args=None) -> None:
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base_dist = Exponential(self.alpha, validate_args=validate_args)
        transforms = [ExpTransform(), AffineTransform(loc=0, scale=self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Pareto, _instance)
        new.scale = self.scale.expand(as_size(batch_shape))
        new.alpha = self.alpha.expand(as_size(batch_shape))
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self) -> Tensor:
        a = self.alpha.clamp(min=1)
        return a * self.scale / (a - 1)

    @property
    def mode(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        a = self.alpha.clamp(min=2)
        return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.greater_than_eq(self.scale)

    def entropy(self) -> Tensor:
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())
