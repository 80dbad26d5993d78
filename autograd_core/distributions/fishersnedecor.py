"""``FisherSnedecor``: the F distribution, the ratio of two scaled chi-squared variables.

>>> import autograd_core as ag
>>> from autograd_core.distributions import FisherSnedecor
>>> d = FisherSnedecor(ag.tensor([3.0]), ag.tensor([5.0]))
>>> d.log_prob(ag.tensor([1.0])), d.mean
(tensor([-1.0184]), tensor([1.6667]))
"""

from __future__ import annotations

import math
import numbers

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.gamma import Gamma
from autograd_core.distributions.utils import broadcast_all, finfo
from autograd_core.size import Size
from autograd_core.tensor import Tensor

__all__ = ["FisherSnedecor"]


class FisherSnedecor(Distribution):
    """An F(df1, df2) distribution on the positive reals (both degrees of freedom > 0).

    ``sample`` divides Gamma(df1/2, df1) by Gamma(df2/2, df2) draws (each clamped to the
    smallest normal float, as PyTorch's).  ``has_rsample`` is False: PyTorch's ``rsample``
    relies on Gamma's implicit reparameterisation, which autograd_core lacks.  The mean is NaN
    for df2 <= 2, the mode for df1 <= 2 and the variance for df2 <= 4, as in PyTorch.
    """

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = False

    def __init__(self, df1, df2, validate_args=None) -> None:
        self.df1, self.df2 = broadcast_all(df1, df2)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2)
        scalar = isinstance(df1, numbers.Number) and isinstance(df2, numbers.Number)
        super().__init__(Size() if scalar else self.df1.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(FisherSnedecor, _instance)
        return self._expand_into(new, batch_shape, expand=("df1", "df2", "_gamma1", "_gamma2"))

    @property
    def mean(self) -> Tensor:
        df2 = ag.where(self.df2 <= 2, math.nan, self.df2)
        return df2 / (df2 - 2)

    @property
    def mode(self) -> Tensor:
        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return ag.where(self.df1 <= 2, math.nan, mode)

    @property
    def variance(self) -> Tensor:
        df2 = ag.where(self.df2 <= 4, math.nan, self.df2)
        return 2 * df2.pow(2) * (self.df1 + df2 - 2) / (self.df1 * (df2 - 2).pow(2) * (df2 - 4))

    def sample(self, sample_shape=()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with ag.no_grad():
            tiny = float(finfo(self.df1.dtype).tiny)
            X1 = self._gamma1.sample(sample_shape).reshape(shape)
            X2 = self._gamma2.sample(sample_shape).reshape(shape).clamp(min=tiny)
            return (X1 / X2).clamp(min=tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        ct1 = self.df1 * 0.5
        ct2 = self.df2 * 0.5
        ct3 = self.df1 / self.df2
        t1 = (ct1 + ct2).lgamma() - ct1.lgamma() - ct2.lgamma()
        t2 = ct1 * ct3.log() + (ct1 - 1) * value.log()
        t3 = (ct1 + ct2) * (ct3 * value).log1p()
        return t1 + t2 - t3
