"""``autograd_core.special``: PyTorch's ``torch.special`` namespace.

Code that calls ``torch.special.ndtr(x)`` or ``torch.special.gammaln(x)`` runs
unchanged after ``import autograd_core as torch``.  Most names are the engine's
own ops under the names SciPy made familiar (``expit`` is ``sigmoid``,
``gammaln`` is ``lgamma``, ``psi`` is ``digamma``); the rest are primitives of
their own, defined with their backward rules in ``autograd_core/ops/special.py``.
Gradients exist exactly where PyTorch defines them: ``zeta`` in ``q`` only,
``gammainc``/``gammaincc`` in ``x`` only (the other argument raises
NotImplementedError at backward, as in PyTorch), and ``bessel_j0``/``bessel_j1``
not at all (their results do not require grad, as PyTorch's don't).

>>> import autograd_core as ag
>>> x = ag.tensor([0.5, 2.0], requires_grad=True)
>>> ag.special.ndtr(x).sum().backward()
>>> x.grad  # the normal density
tensor([0.3521, 0.0540])

Not offered (see ``MISSING``): the orthogonal polynomials (``chebyshev_polynomial_t``
...), ``airy_ai``, ``bessel_y0``/``bessel_y1``, ``modified_bessel_k0``/``k1`` and their
scaled forms, ``modified_bessel_i0``/``i1`` and ``spherical_bessel_j0``.
"""

from __future__ import annotations

from autograd_core.ops import elementwise as _E
from autograd_core.ops import reduce as _R
from autograd_core.ops.special import (
    bessel_j0,
    bessel_j1,
    digamma,
    entr,
    erf,
    erfc,
    erfcx,
    erfinv,
    gammainc,
    gammaincc,
    i0,
    i0e,
    i1,
    i1e,
    log_ndtr,
    ndtr,
    ndtri,
    polygamma,
    xlog1py,
    zeta,
)
from autograd_core.ops.special import lgamma as gammaln
from autograd_core.ops.special import mvlgamma as _mvlgamma
from autograd_core.tensor import Tensor

psi = digamma
expit = _E.sigmoid
exp2 = _E.exp2
expm1 = _E.expm1
log1p = _E.log1p
sinc = _E.sinc
xlogy = _E.xlogy


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))``; with ``eps``, ``p`` is clamped to ``[eps, 1 - eps]`` first.

    >>> import autograd_core as ag
    >>> ag.special.logit(ag.tensor([0.5])).item()
    0.0
    """
    return _E.logit(input, eps)


def multigammaln(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma of dimension ``p`` (``torch.mvlgamma``).

    >>> import autograd_core as ag
    >>> print(f"{ag.special.multigammaln(ag.tensor([2.5], dtype=ag.float64), 1).item():.6f}")  # lgamma(2.5)
    0.284683
    """
    return _mvlgamma(input, p)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even (to ``decimals`` places), as ``torch.round``.

    >>> import autograd_core as ag
    >>> ag.special.round(ag.tensor([0.5, 1.5, 2.25]), decimals=1).tolist()
    [0.5, 1.5, 2.200000047683716]
    """
    return _E.round(input, decimals=decimals)


def softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``; with ``dtype``, ``input`` is cast to it first.

    >>> import autograd_core as ag
    >>> ag.special.softmax(ag.tensor([0.0, 0.0]), 0).tolist()
    [0.5, 0.5]
    """
    return _R.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed stably.

    >>> import autograd_core as ag
    >>> print(f"{ag.special.log_softmax(ag.tensor([0.0, 0.0]), 0)[0].item():.6f}")
    -0.693147
    """
    return _R.log_softmax(input, dim, dtype=dtype)


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, without overflow.

    >>> import autograd_core as ag
    >>> print(f"{ag.special.logsumexp(ag.tensor([1000.0, 1000.0], dtype=ag.float64), 0).item():.4f}")
    1000.6931
    """
    return _R.logsumexp(input, dim, keepdim)


# torch.special's public functions that this namespace does not offer (a test keeps the list honest).
MISSING = (
    "airy_ai", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t", "chebyshev_polynomial_u",
    "chebyshev_polynomial_v", "chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
    "laguerre_polynomial_l", "legendre_polynomial_p", "modified_bessel_i0", "modified_bessel_i1",
    "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
    "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w", "spherical_bessel_j0",
)

__all__ = [
    "bessel_j0", "bessel_j1", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
    "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit",
    "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax", "xlog1py",
    "xlogy", "zeta",
]
