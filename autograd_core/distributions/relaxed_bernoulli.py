"""``RelaxedBernoulli`` (the binary Concrete / Gumbel-sigmoid) and its pre-sigmoid ``LogitRelaxedBernoulli``.

A reparameterisable stand-in for Bernoulli: at ``temperature`` -> 0 its samples approach 0/1,
while ``rsample`` stays differentiable in ``probs`` / ``logits`` (Maddison et al., 2017).

>>> import autograd_core as ag
>>> from autograd_core.distributions import RelaxedBernoulli
>>> d = RelaxedBernoulli(ag.tensor(0.5), probs=ag.tensor([0.3]))
>>> d.log_prob(ag.tensor([0.2]))
tensor([-0.2528])
"""

from __future__ import annotations

from autograd_core.distributions import constraints
from autograd_core.distributions._families import ProbsOrLogits, RelaxedOverBase
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import SigmoidTransform
from autograd_core.distributions.utils import broadcast_all, clamp_probs, standard_uniform
from autograd_core.tensor import Tensor

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


class LogitRelaxedBernoulli(ProbsOrLogits, Distribution):
    """The logit of a RelaxedBernoulli sample: (logit u + logit p) / temperature, u ~ U(0, 1)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None) -> None:
        self.temperature = temperature
        self._set_probs_or_logits(probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        return self._expand_into(new, batch_shape, expand=("probs", "logits"), copy=("temperature",))

    @property
    def param_shape(self):
        return self._param.size()

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(tuple(shape)))
        uniforms = clamp_probs(standard_uniform(shape, probs))
        return (uniforms.log() - (-uniforms).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedBernoulli(RelaxedOverBase, TransformedDistribution):
    """A relaxed Bernoulli on (0, 1): ``LogitRelaxedBernoulli`` through ``SigmoidTransform``.
    ``temperature`` is a positive tensor; give ``probs`` or ``logits``, not both."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None) -> None:
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)
