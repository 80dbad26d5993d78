"""The gamma sampler (PyTorch draws it with a dedicated kernel; Poisson and binomial draws are
``ag.poisson`` / ``ag.binomial``, as PyTorch's distributions use ``torch.poisson`` / ``torch.binomial``).

They are written with autograd_core ops under ``no_grad`` on the parameters' device, from that
device's generator (so ``ag.manual_seed`` makes them reproducible and they run on a GPU as
they do on the CPU).  Rejection samplers are vectorised: every element draws each round, and
the loop ends when all have been accepted (a scalar read per round, the only host sync).
Their results are exact draws, not approximations; only their streams differ from PyTorch's.
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core.distributions.utils import finfo, standard_normal, standard_uniform
from autograd_core.tensor import Tensor


def _positive_uniform(shape, like: Tensor) -> Tensor:
    """U(0, 1): [0, 1) draws with 0 replaced by the smallest normal float, so logs are finite."""
    return standard_uniform(shape, like).clamp(min=float(finfo(like.dtype).tiny))


def sample_gamma(concentration: Tensor) -> Tensor:
    """Gamma(concentration, 1) draws in ``concentration``'s shape (Marsaglia and Tsang, 2000).

    For a >= 1: d = a - 1/3, c = 1 / sqrt(9 d); draw z ~ N(0, 1), v = (1 + c z)^3 and accept
    d v when log u < z^2 / 2 + d - d v + d log v (over 95% are accepted).  For a < 1 the draw
    is boosted: Gamma(a) = Gamma(a + 1) * U^(1/a), taken in logs so tiny draws stay positive.
    Results are clamped to the smallest normal float (PyTorch's choice for Dirichlet and Beta).
    """
    with ag.no_grad():
        a = concentration.detach()
        boost = a < 1
        a1 = ag.where(boost, a + 1, a)
        d = a1 - 1.0 / 3.0
        c = (9 * d).rsqrt()
        out = ag.zeros_like(a)
        done = ag.zeros(tuple(a.shape), dtype=ag.bool, device=a.device)
        while not bool(done.all()):
            z = standard_normal(a.shape, a)
            v = (1 + c * z) ** 3
            log_u = _positive_uniform(a.shape, a).log()
            positive = v > 0
            log_v = ag.where(positive, v, 1.0).log()
            accept = positive & (log_u < 0.5 * z * z + d - d * v + d * log_v) & ~done
            out = ag.where(accept, d * v, out)
            done = done | accept
        log_boost = _positive_uniform(a.shape, a).log() / a
        out = ag.where(boost, (out.log() + log_boost).exp(), out)
        return out.clamp(min=float(finfo(a.dtype).tiny))
