"""``HalfCauchy``: |X| for X ~ Cauchy(0, scale), built as PyTorch's (Cauchy through ``AbsTransform``).

A common weakly-informative prior on scales.

>>> import autograd_core as ag
>>> from autograd_core.distributions import HalfCauchy
>>> d = HalfCauchy(ag.tensor([1.0]))
>>> d.log_prob(ag.tensor([1.0])), d.cdf(ag.tensor([1.0]))
(tensor([-1.1447]), tensor([0.5000]))
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions._families import FoldedAtZero
from autograd_core.distributions.cauchy import Cauchy
from autograd_core.tensor import Tensor

__all__ = ["HalfCauchy"]


class HalfCauchy(FoldedAtZero):
    """A half-Cauchy distribution on [0, inf) with ``scale`` > 0; its mean and variance are
    infinite, as PyTorch reports them."""

    _base_family = Cauchy

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self) -> Tensor:
        return ag.full(tuple(self._extended_shape()), math.inf, dtype=self.scale.dtype, device=self.scale.device)

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        # (a value that is not a tensor of scale's dtype and device is made one, as by PyTorch's)
        value = ag.as_tensor(value, dtype=self.scale.dtype, device=self.scale.device)
        return self._folded_log_prob(value)
