"""``Geometric``: the number of failures before the first success in trials of probability ``probs``.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Geometric
>>> d = Geometric(probs=ag.tensor(0.25))
>>> d.log_prob(ag.tensor(2.0)).exp(), d.mean, d.variance
(tensor(0.1406), tensor(3.), tensor(12.))
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._families import ProbsOrLogits
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import broadcast_all, finfo, softplus, standard_uniform
from autograd_core.tensor import Tensor

__all__ = ["Geometric"]


class Geometric(ProbsOrLogits, Distribution):
    """A geometric distribution on {0, 1, 2, ...}: P(k) = (1 - p)^k p, with ``probs`` in (0, 1]
    or ``logits``.  Validation refuses p = 0 (no success ever), as PyTorch's does."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        self._set_probs_or_logits(probs, logits)
        super().__init__(self._param.shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            value = self.probs
            valid = value > 0
            if not bool(valid.all()):
                raise ValueError(
                    f"Expected parameter probs ({type(value).__name__} of shape {tuple(value.shape)}) "
                    f"of distribution {self!r} to be positive but found invalid values:\n{value.detach()[~valid]}"
                )

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Geometric, _instance)
        return self._expand_into(new, batch_shape, expand=("probs", "logits"))

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return ag.zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()) -> Tensor:
        # Inversion: floor(log U / log(1 - p)), with U in (0, 1) so the log is finite.
        shape = tuple(self._extended_shape(sample_shape))
        with ag.no_grad():
            u = standard_uniform(shape, self.probs).clamp(min=float(finfo(self.probs.dtype).tiny))
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        # k log(1 - p) + log p, with 0 * log(0) = 0 at p = 1, k = 0 (P(0) = 1 there)
        safe = ag.where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-safe).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        # H = BCE(logits, p) / p, the Bernoulli entropy per expected trial
        return (softplus(self.logits) - self.logits * self.probs) / self.probs
