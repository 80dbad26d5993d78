"""``VonMises``: the circular normal distribution on angles, with density
exp(kappa cos(x - loc)) / (2 pi I0(kappa)).

``log_prob`` uses the exponentially scaled Bessel function ``special.i0e`` (log I0(k) =
log i0e(k) + k), exact to rounding and differentiable in ``concentration``; PyTorch evaluates
log I0 by a polynomial approximation (accurate to about 1e-7 relative), so values agree with
PyTorch's to that accuracy and with the exact density to rounding.

>>> import autograd_core as ag
>>> from autograd_core.distributions import VonMises
>>> d = VonMises(ag.tensor([0.0]), ag.tensor([2.0]))
>>> d.log_prob(ag.tensor([0.5]))
tensor([-0.9067])
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._families import CentredAtLoc
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import broadcast_all, lazy_property, standard_uniform
from autograd_core.tensor import Tensor

__all__ = ["VonMises"]


def _log_i0(x: Tensor) -> Tensor:
    return ag.special.i0e(x).log() + x


def _log_i1(x: Tensor) -> Tensor:
    return ag.special.i1e(x).log() + x


class VonMises(CentredAtLoc, Distribution):
    """A von Mises distribution with mean direction ``loc`` (any real: angles are read modulo
    2 pi) and ``concentration`` > 0.  ``mean`` and ``variance`` are the circular ones;
    ``sample`` uses Best and Fisher's (1979) rejection scheme, in float64 as PyTorch's does
    (single precision can loop for tiny concentrations), and returns angles in [-pi, pi).
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None) -> None:
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, (), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(VonMises, _instance)
        return self._expand_into(new, batch_shape, expand=("loc", "concentration"))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.concentration * (value - self.loc).cos() - math.log(2 * math.pi) - _log_i0(self.concentration)

    @lazy_property
    def _proposal_r(self) -> Tensor:
        """Best and Fisher's r = (1 + rho^2) / (2 rho) (its Taylor form 1/k + k for tiny k)."""
        kappa = self.concentration.detach().to(ag.float64)
        tau = 1 + (1 + 4 * kappa**2).sqrt()
        rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
        r = (1 + rho**2) / (2 * rho)
        return ag.where(kappa < 1e-5, 1 / kappa + kappa, r)

    def sample(self, sample_shape=()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with ag.no_grad():
            loc = self.loc.detach().to(ag.float64)
            kappa = self.concentration.detach().to(ag.float64)
            r = self._proposal_r.detach()
            x = ag.zeros(shape, dtype=ag.float64, device=loc.device)
            done = ag.zeros(shape, dtype=ag.bool, device=loc.device)
            while not bool(done.all()):
                u1, u2, u3 = standard_uniform((3,) + shape, x).unbind(0)
                z = (math.pi * u1).cos()
                f = (1 + r * z) / (r + z)
                c = kappa * (r - f)
                accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
                x = ag.where(accept & ~done, (u3 - 0.5).sign() * f.acos(), x)
                done = done | accept
            return ((x + math.pi + loc) % (2 * math.pi) - math.pi).to(self.loc.dtype)

    @property
    def variance(self) -> Tensor:
        """1 - I1(k) / I0(k): the circular variance."""
        return 1 - (_log_i1(self.concentration) - _log_i0(self.concentration)).exp()
