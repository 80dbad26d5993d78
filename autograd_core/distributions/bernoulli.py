"""``Bernoulli``: 1 with probability ``probs``, else 0 (PyTorch's ``torch.distributions.Bernoulli``).

>>> import autograd_core as ag
>>> from autograd_core.distributions import Bernoulli
>>> d = Bernoulli(probs=ag.tensor([0.25, 0.5]))
>>> d.log_prob(ag.tensor([1.0, 0.0]))
tensor([-1.3863, -0.6931])
>>> d.logits, d.entropy()
(tensor([-1.0986,  0.0000]), tensor([0.5623, 0.6931]))
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._families import ProbsOrLogits
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import broadcast_all, softplus
from autograd_core.tensor import Tensor

__all__ = ["Bernoulli"]


class Bernoulli(ProbsOrLogits, Distribution):
    """A Bernoulli distribution, parameterised by ``probs`` or by ``logits`` (log-odds), not both.

    The other parameter is derived on first use (``logits = log p - log(1 - p)`` from
    probabilities clamped to [eps, 1 - eps]; ``probs = sigmoid(logits)``), so gradients reach
    whichever was given.  ``log_prob(x) = x * logits - softplus(logits)``: exact for any logit.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        self._set_probs_or_logits(probs, logits)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Bernoulli, _instance)
        return self._expand_into(new, batch_shape, expand=("probs", "logits"))

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where p > 1/2, 0 where p < 1/2, NaN at exactly 1/2 (no unique mode), as PyTorch."""
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return ag.where(self.probs == 0.5, math.nan, mode)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with ag.no_grad():
            return ag.bernoulli(self.probs.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return value * logits - softplus(logits)

    def entropy(self) -> Tensor:
        return softplus(self.logits) - self.logits * self.probs

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = ag.arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
