"""Samplers for the families PyTorch draws with dedicated kernels (gamma, Poisson, binomial).

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


def _poisson_small(rate: Tensor) -> Tensor:
    """Knuth's method for small rates: count uniforms multiplied until the product falls to
    exp(-rate); about rate + 1 rounds."""
    limit = (-rate).exp()
    prod = _positive_uniform(rate.shape, rate)
    count = ag.zeros_like(rate)
    active = prod > limit
    while bool(active.any()):
        count = count + active.to(rate.dtype)
        prod = ag.where(active, prod * _positive_uniform(rate.shape, rate), prod)
        active = prod > limit
    return count


def _poisson_large(rate: Tensor) -> Tensor:
    """Hörmann's transformed rejection with squeeze (PTRS, 1993) for rates >= 10: a constant
    expected number of rounds (about 1.2) whatever the rate."""
    slam, loglam = rate.sqrt(), rate.log()
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    log_invalpha = (1.1239 + 1.1328 / (b - 3.4)).log()
    vr = 0.9277 - 3.6224 / (b - 2)
    out = ag.zeros_like(rate)
    done = ag.zeros(tuple(rate.shape), dtype=ag.bool, device=rate.device)
    while not bool(done.all()):
        u = standard_uniform(rate.shape, rate) - 0.5
        v = _positive_uniform(rate.shape, rate)
        us = (0.5 - u.abs()).clamp(min=1e-12)
        k = ((2 * a / us + b) * u + rate + 0.43).floor()
        quick = (us >= 0.07) & (v <= vr)
        possible = (k >= 0) & ~((us < 0.013) & (v > us))
        log_ratio = v.log() + log_invalpha - (a / (us * us) + b).log()
        exact = possible & (log_ratio <= -rate + k * loglam - ag.lgamma(k.clamp(min=0) + 1))
        accept = (quick | exact) & ~done
        out = ag.where(accept, k, out)
        done = done | accept
    return out


def sample_poisson(rate: Tensor) -> Tensor:
    """Poisson(rate) draws in ``rate``'s shape and dtype (0 where the rate is 0)."""
    with ag.no_grad():
        rate = rate.detach()
        small = rate < 10
        return ag.where(small, _poisson_small(ag.where(small, rate, 0.0)), _poisson_large(ag.where(small, 10.0, rate)))


def sample_binomial(total_count: Tensor, probs: Tensor, chunk: int = 256) -> Tensor:
    """Binomial(total_count, probs) draws as counts of successes among Bernoulli trials.

    Exact for any counts; its cost grows with the largest ``total_count`` (trials are drawn in
    chunks of ``chunk`` across all elements), which suits the counts typical of models (up to a
    few thousand).
    """
    with ag.no_grad():
        n, p = total_count.detach(), probs.detach()
        n_max = int(n.max().item()) if n.numel() else 0
        count = ag.zeros_like(p)
        for start in range(0, n_max, chunk):
            size = min(chunk, n_max - start)
            trial = ag.arange(start, start + size, dtype=p.dtype, device=p.device)
            trial = trial.reshape((size,) + (1,) * p.ndim)
            success = (standard_uniform((size,) + tuple(p.shape), p) < p) & (trial < n)
            count = count + success.to(p.dtype).sum(0)
        return count
