"""Shapes several families share, written once: PyTorch's source repeats each in every family.

- ``ProbsOrLogits``: the ``probs`` / ``logits`` parameterisation (Bernoulli, Binomial,
  NegativeBinomial, Geometric, ContinuousBernoulli, LogitRelaxedBernoulli, Categorical): one
  is given, the other derived lazily, so gradients reach whichever was given.
- ``CentredAtLoc``: mean and mode at ``loc``, for laws unimodal and symmetric about it
  (``LocationScale``, VonMises, MultivariateNormal, LowRankMultivariateNormal).
- ``LocationScale``: ``loc`` and ``scale`` broadcast together (Normal, Laplace, Cauchy).
- ``FoldedAtZero``: |X| for X ~ a law symmetric about 0 with ``scale`` (HalfNormal,
  HalfCauchy), built as PyTorch builds them: the base through ``AbsTransform``.
- ``OverCategorical``: a distribution built on a ``Categorical`` it keeps (OneHotCategorical,
  Multinomial, ExpRelaxedCategorical), whose ``probs`` / ``logits`` are that one's.
- ``RelaxedOverBase``: a relaxed (Concrete) distribution, its base's draws through a transform
  (RelaxedBernoulli, RelaxedOneHotCategorical), whose parameters are the base's.

Each family still brings its own ``expand`` (two lines): ``_get_checked_instance`` must name
the family, so that a subclass with its own ``__init__`` is told to write one.
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.transforms import AbsTransform
from autograd_core.distributions.utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits
from autograd_core.tensor import Tensor


def check_one_of(probs, logits) -> None:
    """Refuse both or neither of ``probs`` and ``logits`` (PyTorch's ValueError)."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class ProbsOrLogits:
    """A mixin for families given ``probs`` or ``logits``, not both.

    ``_is_binary`` says which conversion links them: log-odds and ``sigmoid`` (True), or
    log-probabilities and ``softmax`` over the last dim (False, Categorical).  ``_param`` is the
    one stored (the given one, or both once the other is derived): shapes, dtype and device
    come from it.  ``expand`` lists ``("probs", "logits")``: a derived one is expanded too.
    """

    _is_binary = True

    def _set_probs_or_logits(self, probs, logits, *others) -> tuple:
        """Store the parameter given, broadcast after ``others`` (tensors or numbers, which come
        first so that their dtype wins, as in PyTorch's ``broadcast_all(total_count, probs)``),
        and return ``others`` broadcast."""
        check_one_of(probs, logits)
        name, value = ("probs", probs) if probs is not None else ("logits", logits)
        *others, param = broadcast_all(*others, value)
        setattr(self, name, param)
        return tuple(others)

    @property
    def _param(self) -> Tensor:
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=self._is_binary)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=self._is_binary)


class CentredAtLoc:
    """A mixin for laws unimodal and symmetric about ``loc``: their mean and mode are ``loc``
    (a family without a mean, Cauchy, overrides ``mean``)."""

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc


class LocationScale(CentredAtLoc, Distribution):
    """A real-valued law of ``loc`` and ``scale`` > 0, batched over their broadcast shape, with a
    reparameterised ``rsample``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)


class FoldedAtZero(TransformedDistribution):
    """|X| for X ~ ``_base_family(0, scale)``, a law symmetric about 0: on [0, inf), density
    twice the base's (``log_prob`` is ``-inf`` below 0 when validation is off), cdf ``2 F - 1``,
    entropy the base's less log 2, mode 0; ``rsample`` is ``|x|``, differentiable in ``scale``."""

    _base_family: type  # (Normal, Cauchy: set by each subclass)
    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None) -> None:
        base_dist = self._base_family(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mode(self) -> Tensor:
        return ag.zeros_like(self.scale)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._folded_log_prob(value)

    def _folded_log_prob(self, value: Tensor) -> Tensor:
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return ag.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Tensor) -> Tensor:
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)


class OverCategorical:
    """A mixin for a distribution keeping a ``Categorical`` as ``_categorical``: its ``probs``,
    ``logits``, ``param_shape`` and ``_param`` are that one's (normalised over the last dim)."""

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self):
        return self._categorical.param_shape


class RelaxedOverBase:
    """A mixin for a relaxed distribution, ``base_dist`` (of ``temperature`` and ``probs`` or
    ``logits``) through a transform: its parameters are the base's."""

    @property
    def temperature(self) -> Tensor:
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs
