"""``NegativeBinomial``: the number of successes before ``total_count`` failures, each trial a
success with probability ``probs`` (a Gamma-Poisson mixture: over-dispersed counts).

>>> import autograd_core as ag
>>> from autograd_core.distributions import NegativeBinomial
>>> d = NegativeBinomial(ag.tensor([3.0]), probs=ag.tensor([0.4]))
>>> d.log_prob(ag.tensor([2.0])), d.mean
(tensor([-1.5733]), tensor([2.]))
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._families import ProbsOrLogits
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.gamma import Gamma
from autograd_core.distributions.utils import lazy_property, softplus
from autograd_core.tensor import Tensor

__all__ = ["NegativeBinomial"]


def _logsigmoid(x: Tensor) -> Tensor:
    """log sigmoid(x) = -softplus(-x), exact in both tails."""
    return -softplus(-x)


class NegativeBinomial(ProbsOrLogits, Distribution):
    """A negative binomial with ``total_count`` >= 0 (real-valued) and ``probs`` in [0, 1) or
    ``logits``.  ``log_prob`` is differentiable in ``total_count`` and the probability;
    ``sample`` draws Poisson(Gamma(total_count, exp(-logits))) without gradient."""

    arg_constraints = {
        "total_count": constraints.greater_than_eq(0),
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None) -> None:
        (total_count,) = self._set_probs_or_logits(probs, logits, total_count)
        self.total_count = total_count.to(self._param.dtype)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(NegativeBinomial, _instance)
        return self._expand_into(new, batch_shape, expand=("total_count", "probs", "logits"))

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / ag.sigmoid(-self.logits)

    @property
    def param_shape(self):
        return self._param.size()

    @lazy_property
    def _gamma(self) -> Gamma:
        return Gamma(concentration=self.total_count, rate=(-self.logits).exp(), validate_args=False)

    def sample(self, sample_shape=()) -> Tensor:
        with ag.no_grad():
            rate = self._gamma.sample(sample_shape)
            return ag.poisson(rate)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        log_unnormalized_prob = self.total_count * _logsigmoid(-self.logits) + value * _logsigmoid(self.logits)
        log_normalization = -ag.lgamma(self.total_count + value) + ag.lgamma(1.0 + value) + ag.lgamma(self.total_count)
        # (no trials and no successes: probability 1, where lgamma(0) would be inf)
        log_normalization = ag.where(self.total_count + value == 0.0, 0.0, log_normalization)
        return log_unnormalized_prob - log_normalization
