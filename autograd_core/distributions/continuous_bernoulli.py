"""``ContinuousBernoulli``: the normalised Bernoulli likelihood on [0, 1] (Loaiza-Ganem and
Cunningham, 2019), the proper density for VAEs whose decoders output pixel intensities.

Its normaliser C(p) = 2 atanh(1 - 2p) / (1 - 2p) is 0/0 at p = 1/2, so within ``lims``
(default (0.499, 0.501)) every quantity switches to its Taylor expansion, as PyTorch does.

>>> import autograd_core as ag
>>> from autograd_core.distributions import ContinuousBernoulli
>>> d = ContinuousBernoulli(probs=ag.tensor([0.2, 0.5]))
>>> d.log_prob(ag.tensor([0.3, 0.3])), d.mean
(tensor([0.1984, 0.0000]), tensor([0.3880, 0.5000]))
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._families import ProbsOrLogits
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import (
    broadcast_all,
    clamp_probs,
    lazy_property,
    logits_to_probs,
    softplus,
    standard_uniform,
)
from autograd_core.tensor import Tensor

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(ProbsOrLogits, Distribution):
    """A continuous Bernoulli with ``probs`` in (0, 1) or real ``logits`` (not both; neither is
    a probability of anything, the names follow Bernoulli's).  ``probs`` are clamped to
    [eps, 1 - eps]; when ``validate_args`` is given they are checked before clamping (PyTorch's
    order).  ``rsample`` inverts the cdf, so it is differentiable.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None) -> None:
        self._set_probs_or_logits(probs, logits)
        if probs is not None:
            # (checked before clamping, which would otherwise hide a value outside [0, 1])
            if validate_args is not None and not bool(self.arg_constraints["probs"].check(self.probs).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = clamp_probs(self.probs)
        self._lims = lims
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(ContinuousBernoulli, _instance)
        return self._expand_into(new, batch_shape, expand=("probs", "logits"), copy=("_lims",))

    # -- the unstable region around p = 1/2 ---------------------------------------------------
    def _outside_unstable_region(self) -> Tensor:
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self) -> Tensor:
        """probs outside the unstable region, a harmless stand-in (lims[0]) inside it, so the
        exact branch of each ``where`` never divides 0 by 0 (nor sends NaN gradients back)."""
        return ag.where(self._outside_unstable_region(), self.probs, self._lims[0] * ag.ones_like(self.probs))

    def _cont_bern_log_norm(self) -> Tensor:
        """log C(p): log|log(1 - p) - log p| - log|1 - 2p|, or its Taylor series near p = 1/2."""
        cut = self._cut_probs()
        below = ag.where(cut <= 0.5, cut, ag.zeros_like(cut))
        above = ag.where(cut >= 0.5, cut, ag.ones_like(cut))
        log_norm = ((-cut).log1p() - cut.log()).abs().log() - ag.where(
            cut <= 0.5, (-2.0 * below).log1p(), (2.0 * above - 1.0).log()
        )
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return ag.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self) -> Tensor:
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return ag.where(self._outside_unstable_region(), mus, taylor)

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    @property
    def variance(self) -> Tensor:
        cut = self._cut_probs()
        variances = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + 1.0 / ((-cut).log1p() - cut.log()).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return ag.where(self._outside_unstable_region(), variances, taylor)

    @lazy_property
    def probs(self) -> Tensor:
        """Clamped to [eps, 1 - eps], as given ``probs`` are: the normaliser needs 0 < p < 1."""
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    @property
    def param_shape(self):
        return self._param.size()

    def sample(self, sample_shape=()) -> Tensor:
        with ag.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        u = standard_uniform(self._extended_shape(sample_shape), self.probs)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        # -binary_cross_entropy_with_logits(logits, value) = x logits - softplus(logits)
        return value * logits - softplus(logits) + self._cont_bern_log_norm()

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = ag.where(self._outside_unstable_region(), cdfs, value)
        return ag.where(value <= 0.0, ag.zeros_like(value), ag.where(value >= 1.0, ag.ones_like(value), unbounded))

    def icdf(self, value: Tensor) -> Tensor:
        cut = self._cut_probs()
        exact = ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) / (cut.log() - (-cut).log1p())
        return ag.where(self._outside_unstable_region(), exact, value)

    def entropy(self) -> Tensor:
        log_probs0 = (-self.probs).log1p()
        log_probs1 = self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0
