"""``Binomial``: the number of successes in ``total_count`` independent trials of probability ``probs``.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Binomial
>>> d = Binomial(4, probs=ag.tensor([0.5]))
>>> d.log_prob(ag.tensor([2.0])).exp(), d.mean, d.variance
(tensor([0.3750]), tensor([2.]), tensor([1.]))
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._families import ProbsOrLogits
from autograd_core.distributions.distribution import Distribution
from autograd_core.tensor import Tensor

__all__ = ["Binomial"]


def _clamp_by_zero(x: Tensor) -> Tensor:
    """max(x, 0) whose gradient at 0 is 1/2 (the mean of both sides), as PyTorch's, so that
    the normaliser's gradient is exact at logits = 0 (p = 1/2)."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(ProbsOrLogits, Distribution):
    """A binomial distribution of ``total_count`` trials (a number or a tensor, broadcast with
    the probabilities; it is not differentiable) with ``probs`` or ``logits``.

    ``log_prob(k) = log C(n, k) + k log p + (n - k) log(1 - p)``, computed from logits so
    that p near 0 or 1 keeps its precision.  Sampling counts successes among Bernoulli trials,
    so its cost grows with ``total_count``.
    """

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None) -> None:
        (total_count,) = self._set_probs_or_logits(probs, logits, total_count)
        self.total_count = total_count.to(self._param.dtype)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Binomial, _instance)
        return self._expand_into(new, batch_shape, expand=("total_count", "probs", "logits"))

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with ag.no_grad():
            return ag.binomial(self.total_count.expand(shape), self.probs.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, k = self.total_count, value
        log_binomial = ag.lgamma(n + 1) - ag.lgamma(k + 1) - ag.lgamma(n - k + 1)
        # n log(1 + exp(logits)), split as n max(l, 0) + n log1p(exp(-|l|)) so it never overflows
        normalizer = n * _clamp_by_zero(self.logits) + n * ag.log1p(ag.exp(-self.logits.abs()))
        return log_binomial + k * self.logits - normalizer

    def _homogeneous_count(self, op: str) -> int:
        n = self.total_count
        n_max = int(n.max().item()) if n.numel() else 0
        if n.numel() and not bool((n == n_max).all()):
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{op}`.")
        return n_max

    def entropy(self) -> Tensor:
        """Computed by enumerating 0..n, so every element must share one ``total_count``."""
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self._homogeneous_count("enumerate_support")
        values = ag.arange(1 + n, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
