"""``StudentT``: heavy-tailed location-scale law, a Normal whose precision is Gamma-distributed.

>>> import autograd_core as ag
>>> from autograd_core.distributions import StudentT
>>> d = StudentT(ag.tensor([3.0]), ag.tensor([0.0]), ag.tensor([2.0]))
>>> d.log_prob(ag.tensor([1.0])), d.variance
(tensor([-1.8541]), tensor([12.]))
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.chi2 import Chi2
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import broadcast_all, standard_normal
from autograd_core.tensor import Tensor

__all__ = ["StudentT"]


class StudentT(Distribution):
    """A Student's t distribution with ``df`` > 0 degrees of freedom, ``loc`` and ``scale`` > 0.

    ``sample`` is ``loc + scale * X / sqrt(Z / df)`` with X ~ N(0, 1), Z ~ Chi2(df).  Unlike
    PyTorch, ``has_rsample`` is False: PyTorch's ``rsample`` differentiates the chi-squared
    (gamma) draw implicitly, which autograd_core does not have.  The mean is NaN for df <= 1;
    the variance is NaN for df <= 1 and infinite for 1 < df <= 2, as PyTorch reports them.
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(StudentT, _instance)
        return self._expand_into(new, batch_shape, expand=("df", "loc", "scale", "_chi2"))

    @property
    def mean(self) -> Tensor:
        return ag.where(self.df <= 1, math.nan, self.loc)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        df = self.df
        finite = self.scale.pow(2) * df / ag.where(df > 2, df - 2, 1.0)  # (no 0 division where unused)
        return ag.where(df > 2, finite, ag.where(df > 1, math.inf, math.nan))

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with ag.no_grad():
            X = standard_normal(shape, self.df)
            Z = self._chi2.sample(sample_shape)
            return self.loc + self.scale * X * (Z / self.df).rsqrt()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        Z = (
            self.scale.log()
            + 0.5 * self.df.log()
            + 0.5 * math.log(math.pi)
            + ag.lgamma(0.5 * self.df)
            - ag.lgamma(0.5 * (self.df + 1.0))
        )
        return -0.5 * (self.df + 1.0) * (y**2.0 / self.df).log1p() - Z

    def entropy(self) -> Tensor:
        lbeta = ag.lgamma(0.5 * self.df) + math.lgamma(0.5) - ag.lgamma(0.5 * (self.df + 1))
        return (
            self.scale.log()
            + 0.5 * (self.df + 1) * (ag.digamma(0.5 * (self.df + 1)) - ag.digamma(0.5 * self.df))
            + 0.5 * self.df.log()
            + lbeta
        )
