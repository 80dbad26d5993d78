"""``Categorical`` and ``OneHotCategorical``: one of K categories, drawn with ``probs`` (or ``softmax(logits)``).

``Categorical`` samples are indices (int64); ``OneHotCategorical`` samples are one-hot vectors
(``event_shape == (K,)``).  Both normalise what they are given over the last dim: ``probs`` are
divided by their sum, ``logits`` have their ``logsumexp`` subtracted (so ``d.logits`` are
log-probabilities), and the other parameter is derived on first use.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Categorical
>>> d = Categorical(probs=ag.tensor([1.0, 1.0, 2.0]))
>>> d.probs, d.log_prob(ag.tensor(2))
(tensor([0.2500, 0.2500, 0.5000]), tensor(-0.6931))
>>> d.entropy()
tensor(1.0397)
>>> d.enumerate_support()
tensor([0, 1, 2])
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._families import OverCategorical, ProbsOrLogits, check_one_of
from autograd_core.distributions.distribution import Distribution, _nan_like
from autograd_core.distributions.utils import as_size, finfo, tensor_param
from autograd_core.tensor import Tensor

__all__ = ["Categorical", "OneHotCategorical"]


def _checked_param(name: str, value) -> Tensor:
    return tensor_param("Categorical", f"`{name}`", value, 1, f"`{name}` parameter must be at least one-dimensional.")


class Categorical(ProbsOrLogits, Distribution):
    """A categorical distribution over ``{0, ..., K-1}``, K = ``probs.shape[-1]``, batched over
    the leading dims.  ``log_prob`` gathers the log-probability of each index (differentiable
    in ``logits`` / ``probs``): the REINFORCE estimator ``-(d.log_prob(a) * reward)``."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True
    _is_binary = False  # (log-probabilities and softmax over the last dim link probs and logits)

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        check_one_of(probs, logits)
        if probs is not None:
            probs = _checked_param("probs", probs)
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            logits = _checked_param("logits", logits)
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._num_events = self._param.shape[-1]
        super().__init__(tuple(self._param.shape[:-1]), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Categorical, _instance)
        return self._expand_into(new, batch_shape, expand=("probs", "logits"), copy=("_num_events",))

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return _nan_like(self.probs[..., 0])

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> Tensor:
        return _nan_like(self.probs[..., 0])

    def sample(self, sample_shape=()) -> Tensor:
        sample_shape = as_size(sample_shape)
        n = math.prod(sample_shape)
        probs_2d = self.probs.detach().reshape(-1, self._num_events)
        if n == 0:
            return ag.zeros(tuple(self._extended_shape(sample_shape)), dtype=ag.int64, device=probs_2d.device)
        samples_2d = ag.multinomial(probs_2d, n, True).T
        return samples_2d.reshape(tuple(self._extended_shape(sample_shape)))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = ag.broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        # -sum p log p, with log 0 = -inf clamped to the most negative float so that 0 * log 0 = 0.
        logits = self.logits.clamp(min=float(finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = ag.arange(self._num_events, dtype=ag.int64, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values


def _one_hot(indices: Tensor, num_classes: int, dtype) -> Tensor:
    classes = ag.arange(num_classes, dtype=ag.int64, device=indices.device)
    return (indices.unsqueeze(-1) == classes).to(dtype)


class OneHotCategorical(OverCategorical, Distribution):
    """A categorical distribution whose samples are one-hot vectors of length K.

    >>> import autograd_core as ag
    >>> from autograd_core.distributions import OneHotCategorical
    >>> d = OneHotCategorical(logits=ag.tensor([0.0, 0.0]))
    >>> d.log_prob(ag.tensor([0.0, 1.0])), d.event_shape
    (tensor(-0.6931), torch.Size([2]))
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None) -> None:
        self._categorical = Categorical(probs, logits)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(OneHotCategorical, _instance)
        return self._expand_into(new, batch_shape, expand=("_categorical",))

    @property
    def mean(self) -> Tensor:
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        probs = self._categorical.probs
        return _one_hot(probs.argmax(dim=-1), probs.shape[-1], probs.dtype)

    @property
    def variance(self) -> Tensor:
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape=()) -> Tensor:
        probs = self._categorical.probs
        indices = self._categorical.sample(sample_shape)
        return _one_hot(indices, self._categorical._num_events, probs.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self.event_shape[0]
        values = ag.eye(n, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((n,) + (1,) * len(self.batch_shape) + (n,))
        if expand:
            values = values.expand((n,) + tuple(self.batch_shape) + (n,))
        return values
