"""``LogisticNormal``: random probability vectors, a Normal on R^(K-1) pushed onto the K-simplex
by ``StickBreakingTransform`` (PyTorch's construction), so ``rsample`` is differentiable.

>>> import autograd_core as ag
>>> from autograd_core.distributions import LogisticNormal
>>> d = LogisticNormal(ag.zeros(2), ag.ones(2))
>>> d.event_shape, d.log_prob(ag.tensor([0.2, 0.3, 0.5]))
(torch.Size([3]), tensor(1.2980))
"""

from __future__ import annotations

from autograd_core.distributions import constraints
from autograd_core.distributions.independent import Independent
from autograd_core.distributions.normal import Normal
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import StickBreakingTransform
from autograd_core.size import Size
from autograd_core.tensor import Tensor

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    """A logistic-normal distribution: X ~ Normal(loc, scale) on K - 1 coordinates (the last
    dim of the broadcast parameters; a scalar counts as one), Y = stick_breaking(X) on K.

    ``base_dist`` is ``Independent(Normal(loc, scale), 1)``, as PyTorch's ends up.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None) -> None:
        base_dist = Normal(loc, scale, validate_args=validate_args)
        if not base_dist.batch_shape:
            base_dist = base_dist.expand([1])
        base_dist = Independent(base_dist, 1)
        super().__init__(base_dist, StickBreakingTransform(), validate_args=validate_args)
        # (the stick-breaking map adds one entry to the event: K - 1 coordinates give K probabilities)
        self._event_shape = Size(StickBreakingTransform().forward_shape(base_dist.event_shape))

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogisticNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def loc(self) -> Tensor:
        return self.base_dist.base_dist.loc

    @property
    def scale(self) -> Tensor:
        return self.base_dist.base_dist.scale
