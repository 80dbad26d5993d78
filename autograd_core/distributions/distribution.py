"""``Distribution``: the base class of every distribution (PyTorch's ``torch.distributions.Distribution``).

A distribution has a ``batch_shape`` (independent, differently-parameterised copies) and an
``event_shape`` (the shape of one draw: ``()`` for scalars, ``(k,)`` for a k-vector), and a
sample of ``sample_shape`` has shape ``sample_shape + batch_shape + event_shape``.

Validation follows PyTorch: on by default (off under ``python -O``), switched globally with
``Distribution.set_default_validate_args(False)`` or per instance with ``validate_args=False``.
It checks the parameters against ``arg_constraints`` when the distribution is made, and the
value given to ``log_prob`` / ``cdf`` against ``batch_shape``, ``event_shape`` and ``support``,
raising PyTorch's ``ValueError`` messages.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Normal
>>> Normal(0.0, -1.0)
Traceback (most recent call last):
...
ValueError: Expected parameter scale (Tensor of shape ()) of distribution Normal(loc: 0.0, scale: -1.0) to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid values:
-1.0
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.utils import as_size, lazy_property
from autograd_core.size import Size
from autograd_core.tensor import Tensor

__all__ = ["Distribution"]


class Distribution:
    """Abstract base class for probability distributions.

    Subclasses set ``arg_constraints`` and ``support`` and implement what PyTorch's do; the
    methods a family lacks in PyTorch (``Cauchy.mean`` is NaN, ``Poisson.entropy`` is absent)
    behave here as there.
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Switch argument validation on or off for every distribution made afterwards without
        ``validate_args=``.  Validation costs a check per call: turn it off once a model works."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args: bool | None = None) -> None:
        self._batch_shape = as_size(batch_shape)
        self._event_shape = as_size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._check_parameters()

    def _check_parameters(self) -> None:
        for param, constraint in self.arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue  # (no coordinate-wise check is possible)
            if param not in self.__dict__ and isinstance(getattr(type(self), param, None), lazy_property):
                continue  # (derived lazily from a parameter that is checked: logits from probs)
            value = getattr(self, param)
            if not bool(constraint.check(value).all()):
                raise ValueError(
                    f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) "
                    f"of distribution {self!r} to satisfy the constraint {constraint!r}, "
                    f"but found invalid values:\n{value}"
                )

    # -- shapes ----------------------------------------------------------------------------
    @property
    def batch_shape(self) -> Size:
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        """The shape of a single sample (without batching)."""
        return self._event_shape

    def _extended_shape(self, sample_shape=()) -> Size:
        """``sample_shape + batch_shape + event_shape``: the shape of ``sample(sample_shape)``."""
        return Size(tuple(as_size(sample_shape)) + tuple(self._batch_shape) + tuple(self._event_shape))

    # -- the interface each family fills in -------------------------------------------------
    @property
    def arg_constraints(self) -> dict:
        """A dict from parameter name to the ``Constraint`` it must satisfy."""
        raise NotImplementedError(f"{type(self).__name__} does not define arg_constraints")

    @property
    def support(self):
        """The ``Constraint`` describing where the distribution has mass."""
        raise NotImplementedError(f"{type(self).__name__} does not define support")

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self)} does not implement mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def expand(self, batch_shape, _instance=None):
        """A new distribution whose parameters are ``expand``-ed (views, no copy) to ``batch_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement expand")

    def sample(self, sample_shape=()) -> Tensor:
        """A sample of shape ``sample_shape + batch_shape + event_shape``, outside the graph."""
        with ag.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        """A reparameterised sample: gradients flow to the parameters (where ``has_rsample``)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement rsample (has_rsample is False)")

    def log_prob(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement enumerate_support")

    def entropy(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self) -> Tensor:
        """``exp(entropy())``."""
        return ag.exp(self.entropy())

    # -- validation of values -----------------------------------------------------------------
    def _validate_sample(self, value) -> None:
        """Refuse a value whose shape can't broadcast with ``batch_shape + event_shape`` or
        that lies outside ``support`` (PyTorch's messages, ValueError)."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        n_event = len(self._event_shape)
        actual = value.size()
        if tuple(actual[len(actual) - n_event :]) != tuple(self._event_shape):
            raise ValueError(f"The right-most size of value must match event_shape: {actual} vs {self._event_shape}.")
        expected = Size(tuple(self._batch_shape) + tuple(self._event_shape))
        for i, j in zip(reversed(actual), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {actual} vs {expected}.")
        support = self.support
        if not bool(support.check(value).all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) "
                f"to be within the support ({support!r}) of the distribution {self!r}, "
                f"but found invalid values:\n{value}"
            )

    def _get_checked_instance(self, cls, _instance=None):
        """The blank instance ``expand`` fills in; a subclass with its own ``__init__`` must
        bring its own ``expand`` (the parent's can't know its extra state)."""
        if _instance is None and type(self).__init__ is not cls.__init__:
            raise NotImplementedError(
                f"Subclass {type(self).__name__} of {cls.__name__} that defines a custom __init__ method "
                "must also define a custom .expand() method."
            )
        return type(self).__new__(type(self)) if _instance is None else _instance

    def _expand_into(self, new, batch_shape, expand=(), copy=()):
        """Fill ``new`` (from ``_get_checked_instance``) as this distribution with ``batch_shape``:
        the body every family's ``expand`` shares.

        Each attribute named in ``expand`` (a tensor or a distribution) is ``expand``-ed to
        ``batch_shape`` followed by its own dims past this batch (categories, event dims, a
        mixture's component dim): a view, no copy.  A name not set on this instance is a lazy
        parameter not derived yet (``logits`` given ``probs``): ``new`` derives it when asked.
        Each attribute named in ``copy`` is shared as is.  The parameters are not checked again
        (they were when this one was made), but ``new`` validates values as this one does.
        """
        batch_shape = as_size(batch_shape)
        n_batch = len(self._batch_shape)
        for name in expand:
            if name in self.__dict__:
                value = self.__dict__[name]
                own_shape = value.batch_shape if isinstance(value, Distribution) else value.shape
                setattr(new, name, value.expand(tuple(batch_shape) + tuple(own_shape[n_batch:])))
        for name in copy:
            setattr(new, name, getattr(self, name))
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def __repr__(self) -> str:
        params = [k for k in self.arg_constraints if k in self.__dict__]
        shown = ", ".join(
            f"{p}: {self.__dict__[p] if self.__dict__[p].numel() == 1 else self.__dict__[p].size()}" for p in params
        )
        return f"{type(self).__name__}({shown})"


def _nan_like(t: Tensor) -> Tensor:
    """A tensor of NaN in ``t``'s shape, dtype and device (Cauchy's mean, Categorical's variance)."""
    return ag.full(tuple(t.shape), math.nan, dtype=t.dtype, device=t.device)
