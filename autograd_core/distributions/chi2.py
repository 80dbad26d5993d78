"""``Chi2``: the sum of ``df`` squared standard normals, a ``Gamma(df / 2, 1 / 2)`` (as PyTorch builds it).

>>> import autograd_core as ag
>>> from autograd_core.distributions import Chi2
>>> d = Chi2(ag.tensor([3.0]))
>>> d.log_prob(ag.tensor([2.0])), d.mean, d.df
(tensor([-1.5724]), tensor([3.]), tensor([3.]))
"""

from __future__ import annotations

from autograd_core.distributions import constraints
from autograd_core.distributions.gamma import Gamma
from autograd_core.tensor import Tensor

__all__ = ["Chi2"]


class Chi2(Gamma):
    """A chi-squared distribution with ``df`` > 0 degrees of freedom.

    As for ``Gamma`` here, ``has_rsample`` is False (PyTorch's ``rsample`` differentiates the
    gamma draw implicitly, which autograd_core lacks); ``sample`` draws without gradient.
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None) -> None:
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self) -> Tensor:
        return self.concentration * 2
