"""``Dirichlet``: random probability vectors, with density proportional to prod x_i^(c_i - 1).

>>> import autograd_core as ag
>>> from autograd_core.distributions import Dirichlet
>>> d = Dirichlet(ag.tensor([1.0, 2.0, 3.0]))
>>> d.mean
tensor([0.1667, 0.3333, 0.5000])
>>> d.log_prob(ag.tensor([0.2, 0.3, 0.5]))
tensor(1.5041)
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._sampling import sample_gamma
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import finfo, tensor_param
from autograd_core.tensor import Tensor

__all__ = ["Dirichlet"]


class Dirichlet(Distribution):
    """A Dirichlet distribution on the simplex of ``concentration.shape[-1]`` categories
    (``event_shape``), batched over the leading dims of ``concentration`` (all > 0).

    ``log_prob``, ``entropy``, ``mean``, ``mode`` and ``variance`` are differentiable.  Unlike
    PyTorch, ``has_rsample`` is False: its gradients of draws use implicit reparameterisation
    (derivatives of the gamma cdf), which autograd_core does not have.  ``sample`` normalises
    gamma draws, clamped to [tiny, 1 - eps] as PyTorch's are.
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = False

    def __init__(self, concentration, validate_args=None) -> None:
        message = "`concentration` parameter must be at least one-dimensional."
        concentration = tensor_param("Dirichlet", "`concentration`", concentration, 1, message)
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        return self._expand_into(new, batch_shape, expand=("concentration",))

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """(c - 1) / sum(c - 1) with c - 1 clamped at 0.  Where every c < 1 the density peaks at
        every corner; PyTorch then returns the one-hot vector of the first category (the argmax
        of an all-NaN row), and so does this."""
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, keepdim=True)
        all_below_one = (self.concentration < 1).all(dim=-1, keepdim=True)
        k = cm1.shape[-1]
        corner = (mode.argmax(dim=-1, keepdim=True) == ag.arange(k, device=mode.device)).to(mode.dtype)
        return ag.where(all_below_one, corner, mode)

    @property
    def variance(self) -> Tensor:
        total = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (total - self.concentration) / (total.pow(2) * (total + 1))

    def sample(self, sample_shape=()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with ag.no_grad():
            g = sample_gamma(self.concentration.expand(shape))
            x = g / g.sum(-1, keepdim=True)
            info = finfo(x.dtype)
            return x.clamp(min=float(info.tiny), max=1 - float(info.eps))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return ag.xlogy(c - 1.0, value).sum(-1) + ag.lgamma(c.sum(-1)) - ag.lgamma(c).sum(-1)

    def entropy(self) -> Tensor:
        c = self.concentration
        k = c.shape[-1]
        total = c.sum(-1)
        return (
            ag.lgamma(c).sum(-1)
            - ag.lgamma(total)
            - (k - total) * ag.digamma(total)
            - ((c - 1.0) * ag.digamma(c)).sum(-1)
        )
