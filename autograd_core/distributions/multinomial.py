"""``Multinomial``: counts of ``total_count`` categorical draws over K categories.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Multinomial
>>> d = Multinomial(4, probs=ag.tensor([0.2, 0.3, 0.5]))
>>> d.log_prob(ag.tensor([1.0, 1.0, 2.0])), d.mean
(tensor(-1.7148), tensor([0.8000, 1.2000, 2.0000]))
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._families import OverCategorical
from autograd_core.distributions.binomial import Binomial
from autograd_core.distributions.categorical import Categorical
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import as_size, broadcast_all
from autograd_core.tensor import Tensor

__all__ = ["Multinomial"]


class Multinomial(OverCategorical, Distribution):
    """A multinomial over ``probs.shape[-1]`` categories (``event_shape``) with an integer
    ``total_count`` shared by the batch; give ``probs`` (normalised over the last dim) or
    ``logits``.  ``log_prob`` accepts any count vector (the trials need not sum to
    ``total_count``, as in PyTorch); ``sample`` and ``entropy`` use ``total_count``.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs=None, logits=None, validate_args=None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Multinomial, _instance)
        self._expand_into(new, batch_shape, expand=("_categorical",), copy=("total_count",))
        new._binomial = Binomial(total_count=self.total_count, probs=new.probs, validate_args=False)
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        """``total_count`` categorical draws, counted per category (a one-hot sum, not a
        scatter-add, so every device runs it)."""
        sample_shape = as_size(sample_shape)
        with ag.no_grad():
            indices = self._categorical.sample((self.total_count,) + tuple(sample_shape))
            k = self._categorical._num_events
            classes = ag.arange(k, dtype=ag.int64, device=indices.device)
            counts = (indices.unsqueeze(-1) == classes).to(self.probs.dtype).sum(0)
            return counts.reshape(tuple(self._extended_shape(sample_shape)))

    def entropy(self) -> Tensor:
        """n H(cat) - log n! + sum_i E[log x_i!], the expectation over each category's
        Binomial(n, p_i) marginal (enumerated over 1..n)."""
        n = self.total_count
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = ag.lgamma(support + 1)
        return term1 + (binomial_probs * weights).sum([0, -1])

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = ag.lgamma(value.sum(-1) + 1)
        log_factorial_xs = ag.lgamma(value + 1).sum(-1)
        # (0 * -inf is NaN; a category of probability 0 counted 0 times contributes 0)
        logits = ag.where((value == 0) & (logits == -math.inf), 0.0, logits)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers
