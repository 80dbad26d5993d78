"""``Independent``: reinterpret batch dims of a distribution as event dims.

``Independent(Normal(loc, scale), 1)`` with ``loc`` of shape (B, D) is a diagonal Gaussian on
D-vectors: ``batch_shape`` (B,), ``event_shape`` (D,), and ``log_prob`` sums over the D dim.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Independent, Normal
>>> d = Independent(Normal(ag.zeros(2, 3), ag.ones(2, 3)), 1)
>>> d.batch_shape, d.event_shape
(torch.Size([2]), torch.Size([3]))
>>> d.log_prob(ag.zeros(2, 3))
tensor([-2.7568, -2.7568])
"""

from __future__ import annotations

from autograd_core.distributions import constraints
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import sum_rightmost
from autograd_core.tensor import Tensor

__all__ = ["Independent"]


class Independent(Distribution):
    """Treat the rightmost ``reinterpreted_batch_ndims`` batch dims of ``base_distribution`` as
    event dims: ``log_prob`` and ``entropy`` sum over them; samples are the base's."""

    arg_constraints: dict = {}

    def __init__(self, base_distribution: Distribution, reinterpreted_batch_ndims: int, validate_args=None) -> None:
        if not isinstance(base_distribution, Distribution):
            raise TypeError(
                f"Independent: base_distribution must be a Distribution, got {type(base_distribution).__name__}"
            )
        n_batch = len(base_distribution.batch_shape)
        if not 0 <= reinterpreted_batch_ndims <= n_batch:
            raise ValueError(
                "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                f"actual {reinterpreted_batch_ndims} vs {n_batch}"
            )
        shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        event_dim = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__(shape[: len(shape) - event_dim], shape[len(shape) - event_dim :], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Independent, _instance)
        # (base_dist keeps its reinterpreted dims: the new batch is followed by them)
        return self._expand_into(new, batch_shape, expand=("base_dist",), copy=("reinterpreted_batch_ndims",))

    @property
    def has_rsample(self) -> bool:
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:
        if self.reinterpreted_batch_ndims > 0:
            return False
        return self.base_dist.has_enumerate_support

    @constraints.dependent_property
    def support(self):
        result = self.base_dist.support
        if self.reinterpreted_batch_ndims:
            result = constraints.independent(result, self.reinterpreted_batch_ndims)
        return result

    @property
    def mean(self) -> Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def sample(self, sample_shape=()) -> Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Tensor) -> Tensor:
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError("Enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_dist}, {self.reinterpreted_batch_ndims})"
