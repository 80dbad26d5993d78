"""``HalfNormal``: |X| for X ~ Normal(0, scale), built as PyTorch's (Normal through ``AbsTransform``).

>>> import autograd_core as ag
>>> from autograd_core.distributions import HalfNormal
>>> d = HalfNormal(ag.tensor([1.0, 2.0]))
>>> d.log_prob(ag.tensor([0.5, 0.5])), d.mean
(tensor([-0.3508, -0.9502]), tensor([0.7979, 1.5958]))
"""

from __future__ import annotations

import math

from autograd_core.distributions._families import FoldedAtZero
from autograd_core.distributions.normal import Normal
from autograd_core.tensor import Tensor

__all__ = ["HalfNormal"]


class HalfNormal(FoldedAtZero):
    """A half-normal distribution on [0, inf) with ``scale`` > 0 (the base Normal's scale).

    ``log_prob`` folds the base density (``+ log 2``) and is ``-inf`` below 0 when validation
    is off; ``rsample`` is ``|scale * eps|``, differentiable in ``scale``.
    """

    _base_family = Normal

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)
