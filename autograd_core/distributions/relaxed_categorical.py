"""``RelaxedOneHotCategorical`` (the Concrete / Gumbel-softmax distribution) and ``ExpRelaxedCategorical``.

A reparameterisable stand-in for one-hot categorical draws: softmax((logits + Gumbel noise) /
temperature), differentiable in ``probs`` / ``logits`` (Maddison et al.; Jang et al., 2017).
The base, ``ExpRelaxedCategorical``, lives in log space (its samples are log-probabilities),
which keeps ``log_prob`` finite at low temperatures.

>>> import autograd_core as ag
>>> from autograd_core.distributions import RelaxedOneHotCategorical
>>> d = RelaxedOneHotCategorical(ag.tensor(0.5), probs=ag.tensor([0.2, 0.3, 0.5]))
>>> d.log_prob(ag.tensor([0.1, 0.2, 0.7]))
tensor(0.2764)
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._families import OverCategorical, RelaxedOverBase
from autograd_core.distributions.categorical import Categorical
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import ExpTransform
from autograd_core.distributions.utils import broadcast_all, clamp_probs, standard_uniform
from autograd_core.tensor import Tensor

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(OverCategorical, Distribution):
    """The log of a RelaxedOneHotCategorical sample (its support is a manifold of R^K; the
    constraint checked is ``real_vector``, as PyTorch's)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(ExpRelaxedCategorical, _instance)
        return self._expand_into(new, batch_shape, expand=("_categorical",), copy=("temperature",))

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        uniforms = clamp_probs(standard_uniform(shape, self.logits))
        gumbels = -((-(uniforms.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        K = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        # log (K-1)! + (K-1) log temperature: the density's normaliser
        log_scale = ag.full_like(self.temperature, float(K)).lgamma() + (K - 1) * self.temperature.log()
        score = logits - value * self.temperature
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(RelaxedOverBase, TransformedDistribution):
    """A relaxed one-hot categorical on the simplex: ``ExpRelaxedCategorical`` through
    ``ExpTransform``.  ``temperature`` is a positive tensor; give ``probs`` or ``logits``."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None) -> None:
        base_dist = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        return super().expand(batch_shape, _instance=new)
