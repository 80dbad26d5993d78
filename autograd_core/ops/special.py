"""Special functions: ``erf``, ``erfc``, ``erfinv``, ``lgamma``, ``digamma``, ``polygamma``, ``mvlgamma``.

NumPy has none of them.  Each forward uses the back end's compiled one where
there is one (SciPy on the host, ``cupyx.scipy.special`` on a GPU) and
otherwise an algorithm written with the device's ``xp`` (series, continued
fractions, recurrences), accurate to float64 precision, so every back end (the
strict test device, and a CPU without SciPy, which is not a dependency) gets
the same answer.  Backward rules are written with Tensor ops and these same
functions (``lgamma' = digamma``, ``digamma' = polygamma(1, .)`` ...), so
higher derivatives work.
"""

from __future__ import annotations

import math
from fractions import Fraction

from autograd_core import dtypes
from autograd_core.function import Primitive
from autograd_core.ops.elementwise import _quiet, exp
from autograd_core.tensor import Tensor

_wrap = Tensor._wrap
_INF = float("inf")

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SERIES_LIMIT = 2.5  # below it the series, above it the continued fraction
_SERIES_TERMS = 40  # enough for |x| < 2.5 to ~1e-15 relative (36 would do)
_FRACTION_TERMS = 30  # enough for |x| >= 2.5 (24 would do)


def _compiled(name: str, dev, *args):
    """The back end's own special function ``name`` applied to ``args``, or None when it has none
    (then the xp version is used)."""
    try:
        if dev.type == "cpu":
            import scipy.special as lib
        elif dev.type == "cuda":
            import cupyx.scipy.special as lib
        else:
            return None
    except ImportError:
        return None
    return getattr(lib, name)(*args)


def _erf_host_or_gpu(dev, data):
    """The back end's own erf, or None when it has none (then the xp version below is used)."""
    return _compiled("erf", dev, data)


def _erf_xp(xp, data):
    """erf from array ops only: float64 throughout, whatever the input dtype."""
    x = data.astype("float64")
    a = xp.abs(x)
    a2 = a * a
    # Series with positive terms only (no cancellation):
    # erf(a) = 2/sqrt(pi) exp(-a^2) sum_n (2a^2)^n a / (1*3*...*(2n+1)).
    small = xp.minimum(a, _SERIES_LIMIT)
    term = small.copy()
    total = small.copy()
    for n in range(1, _SERIES_TERMS):
        term = term * (2.0 * small * small) / (2 * n + 1)
        total = total + term
    series = _TWO_OVER_SQRT_PI * xp.exp(-(small * small)) * total
    # Continued fraction erfc(a) = exp(-a^2)/sqrt(pi) / (a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))),
    # evaluated from the tail; it converges fast for a >= 2.5.
    big = xp.maximum(a, _SERIES_LIMIT)
    frac = big.copy()
    for k in range(_FRACTION_TERMS, 0, -1):
        frac = big + (k / 2.0) / frac
    tail = xp.exp(-(big * big)) / (math.sqrt(math.pi) * frac)
    out = xp.where(a < _SERIES_LIMIT, series, 1.0 - tail)
    out = xp.where(a2 > 40.0, 1.0, out)  # erfc(a) < 1e-18 there: erf is 1 to double precision
    return (xp.sign(x) * out).astype(data.dtype)


class Erf(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        d = x._data
        out = _erf_host_or_gpu(x._dev, d)
        if out is None:
            out = _erf_xp(x._dev.xp, d)
        return out.astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (exp(-(x * x)) * _TWO_OVER_SQRT_PI)


def erf(input: Tensor) -> Tensor:
    """The error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt, elementwise.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.special import erf
    >>> round(erf(ag.tensor([1.0], dtype=ag.float64)).item(), 6)
    0.842701
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"erf: expected a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        from autograd_core import dtypes

        input = input.to(dtypes.get_default_dtype())  # PyTorch: erf of an integer tensor is float
    return Erf.apply(input)


# ---------------------------------------------------------------------------- shared helpers
def _float_input(op: str, input) -> Tensor:
    """``input`` checked to be a Tensor; integers and bools become the default dtype, as in PyTorch."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        input = input.to(dtypes.get_default_dtype())
    return input


def _bernoulli_even(count: int) -> list:
    """B_2, B_4, ..., B_2count, exact, from the recurrence sum_{k<=m} C(m+1, k) B_k = 0."""
    b = [Fraction(1)]
    for m in range(1, 2 * count + 1):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return [b[2 * j] for j in range(1, count + 1)]


_B2 = _bernoulli_even(12)  # B_2 ... B_24: the Stirling, digamma and Euler-Maclaurin corrections


def _sinpi(xp, x):
    """sin(pi x) with the argument reduced exactly first (sin(pi * x) loses all digits near integers)."""
    r = x - 2.0 * xp.round(x / 2.0)  # in [-1, 1], exact
    r = xp.where(r > 0.5, 1.0 - r, xp.where(r < -0.5, -1.0 - r, r))  # sin(pi r) = sin(pi (+-1 - r)), exact
    return xp.sin(math.pi * r)


def _cospi(xp, x):
    """cos(pi x) = sin(pi (1/2 - |r|)), with the same exact reduction as ``_sinpi``."""
    r = xp.abs(x - 2.0 * xp.round(x / 2.0))
    return xp.sin(math.pi * (0.5 - r))


# ---------------------------------------------------------------------------- erfc, erfinv
_ERFC_SPLIT = 1.0  # below it 1 - erf (erf <= 0.85: under two bits lost), above it the continued fraction
_ERFC_FRACTION_TERMS = 200  # the fraction converges slowly near 1: 200 terms reach ~1e-16 there


def _erfc_xp(xp, data):
    """erfc from array ops only, accurate relative to erfc itself (1 - erf is not, for large x)."""
    x = data.astype("float64")
    a = xp.abs(x)
    head = 1.0 - _erf_xp(xp, xp.minimum(a, _ERFC_SPLIT))
    far = xp.maximum(a, _ERFC_SPLIT)
    frac = far.copy()  # the continued fraction of erf's docstring above, from the tail
    for k in range(_ERFC_FRACTION_TERMS, 0, -1):
        frac = far + (k / 2.0) / frac
    tail = xp.exp(-(far * far)) / (math.sqrt(math.pi) * frac)
    upper = xp.where(a < _ERFC_SPLIT, head, tail)  # erfc(|x|)
    return xp.where(x < 0, 2.0 - upper, upper).astype(data.dtype)


def _erfinv_xp(xp, data):
    """erfinv: Winitzki's closed form (good to ~2e-3) refined by three Halley steps.  Where
    |y| > 1/2 the steps solve erfc(x) = 1 - |y| (1 - |y| is exact there), so the tails keep
    their relative precision."""
    y = data.astype("float64")
    a = xp.abs(y)
    inside = xp.where(a < 1.0, a, 0.0)  # (+-1 and beyond are set at the end)
    w = -xp.log1p(-inside * inside)  # -log(1 - y^2)
    t = 2.0 / (math.pi * 0.147) - w / 2.0
    x = xp.sqrt(xp.sqrt(t * t + w / 0.147) - t)
    small, rest = a <= 0.5, 1.0 - a
    for _ in range(3):
        # F(x) = erf(x) - a, computed as rest - erfc(x) in the tail; F' = 2/sqrt(pi) exp(-x^2), F'' = -2x F'.
        f = xp.where(small, _erf_xp(xp, x) - a, rest - _erfc_xp(xp, x))
        step = f / (_TWO_OVER_SQRT_PI * xp.exp(-(x * x)))
        x = x - step / (1.0 + x * step)  # Halley: x - F / (F' - F F'' / (2 F'))
    x = xp.where(a == 1.0, _INF, xp.where(a > 1.0, float("nan"), x))
    x = xp.where(xp.isnan(a), float("nan"), x)
    return (xp.sign(y) * x).astype(data.dtype)


class Erfc(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _special("erfc", x, _erfc_xp)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (exp(-(x * x)) * -_TWO_OVER_SQRT_PI)


class Erfinv(Primitive):
    @staticmethod
    def forward(ctx, x):
        y = _wrap(_special("erfinv", x, _erfinv_xp), x._dev)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (exp(y * y) * (math.sqrt(math.pi) / 2.0))  # 1 / erf'(erfinv(x))


def erfc(input: Tensor) -> Tensor:
    """The complementary error function ``1 - erf(x)``, accurate where erf(x) is near 1.

    >>> import autograd_core as ag
    >>> ag.erfc(ag.tensor([10.0], dtype=ag.float64)).item() > 0  # 1 - erf(10) would be 0
    True
    """
    return Erfc.apply(_float_input("erfc", input))


def erfinv(input: Tensor) -> Tensor:
    """The inverse of ``erf`` on (-1, 1); +-inf at +-1 and NaN outside, as in PyTorch.

    >>> import autograd_core as ag
    >>> round(ag.erfinv(ag.tensor([0.5], dtype=ag.float64)).item(), 6)
    0.476936
    """
    return Erfinv.apply(_float_input("erfinv", input))


# ---------------------------------------------------------------------------- zeta, polygamma, digamma, lgamma
_ZETA_SHIFT = 10.0  # Euler-Maclaurin from a >= 10: twelve corrections are then below 1e-20


def _zeta_tail(s: int, a):
    """sum_{i >= 0} (a + i)^-s for a >= 10 and integer s >= 2, by Euler-Maclaurin; only
    arithmetic, so ``a`` may be a float or an array on any device."""
    out = a ** (1 - s) / (s - 1) + 0.5 * a ** (-s)
    power, inv_a2, rising, factorial = a ** (-s - 1), 1.0 / (a * a), float(s), 2.0
    for j, b2j in enumerate(_B2, start=1):  # + B_2j / (2j)! * s (s+1) ... (s+2j-2) * a^(-s-2j+1)
        out = out + (float(b2j) * rising / factorial) * power
        power = power * inv_a2
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        factorial *= (2 * j + 1) * (2 * j + 2)
    return out


def _hurwitz_zeta_xp(xp, s: int, q):
    """zeta(s, q) = sum_{i >= 0} (q + i)^-s: the first terms summed until q + i >= 10, then
    ``_zeta_tail``.  As in PyTorch (Cephes), a negative q is summed through: the number of
    terms grows with -q, and it is infinite at q = 0, -1, -2 ..."""
    finite = xp.where(xp.isfinite(q), q, _ZETA_SHIFT)
    lowest = float(finite.min()) if q.size else _ZETA_SHIFT  # (one host sync: how many terms to sum)
    total = xp.zeros_like(q)
    a = q
    for _ in range(max(0, math.ceil(_ZETA_SHIFT - lowest))):
        total = total + 1.0 / (xp.where(a == 0, 0.0, a) ** s)
        a = a + 1.0
    return total + _zeta_tail(s, a)


def _polygamma_xp(xp, n: int, data):
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x), for n >= 1."""
    x = data.astype("float64")
    with _quiet(xp):
        out = (-1.0) ** (n + 1) * math.factorial(n) * _hurwitz_zeta_xp(xp, n + 1, x)
    return out.astype(data.dtype)


_DIGAMMA_SHIFT = 10.0
_DIGAMMA_SERIES = [float(b / (2 * k)) for k, b in enumerate(_B2[:7], start=1)]  # B_2k / (2k)


def _digamma_xp(xp, data):
    """digamma as PyTorch computes it: the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10,
    then the asymptotic series; reflection psi(x) = psi(1 - x) - pi / tan(pi x) below 0."""
    x = data.astype("float64")
    neg = x < 0
    p = xp.where(neg, 1.0 - x, xp.where(x == 0, 1.0, x))  # (x == 0 is set below)
    total = xp.zeros_like(p)
    for _ in range(int(_DIGAMMA_SHIFT)):
        low = p < _DIGAMMA_SHIFT
        total = total - xp.where(low, 1.0 / p, 0.0)
        p = xp.where(low, p + 1.0, p)
    r2 = 1.0 / (p * p)
    series = xp.zeros_like(p)
    for c in reversed(_DIGAMMA_SERIES):
        series = (series + c) * r2
    pos = total + xp.log(p) - 0.5 / p - series
    sp = _sinpi(xp, x)
    refl = pos - math.pi * _cospi(xp, x) / xp.where(sp == 0, 1.0, sp)
    out = xp.where(neg, xp.where(sp == 0, float("nan"), refl), pos)  # NaN at negative integers
    return _digamma_at_zero(xp, x, out).astype(data.dtype)


def _digamma_at_zero(xp, x, out):
    """-inf at +0 and +inf at -0, as PyTorch (the limit from the side the zero's sign names)."""
    return xp.where(x == 0, xp.where(xp.signbit(x), _INF, -_INF), out)


def _zeta_constant(s: int, q: int) -> float:
    return math.fsum((q + i) ** -float(s) for i in range(int(_ZETA_SHIFT))) + _zeta_tail(s, q + _ZETA_SHIFT)


_EULER_GAMMA = 0.5772156649015329
_LGAMMA_NEAR = 0.25  # within it of 1 or 2, where lgamma is 0, the Taylor series keep the relative precision
_LGAMMA_TERMS = 30
# lgamma(1 + z) = -gamma z + sum_k (-1)^k zeta(k) z^k / k;  lgamma(2 + z) = (1 - gamma) z + sum_k (-1)^k zeta(k, 2) z^k / k
_LGAMMA_AT_1 = [-_EULER_GAMMA] + [(-1) ** k * _zeta_constant(k, 1) / k for k in range(2, _LGAMMA_TERMS + 1)]
_LGAMMA_AT_2 = [1.0 - _EULER_GAMMA] + [(-1) ** k * _zeta_constant(k, 2) / k for k in range(2, _LGAMMA_TERMS + 1)]
_STIRLING_FROM = 12.0
_STIRLING = [float(b / (2 * k * (2 * k - 1))) for k, b in enumerate(_B2[:9], start=1)]  # B_2k / (2k (2k-1))


def _taylor(xp, z, coeffs):
    total = xp.zeros_like(z)
    for c in reversed(coeffs):
        total = (total + c) * z
    return total + 0.0  # (+0.0: lgamma(1) is 0, not -0)


def _lgamma_positive(xp, p):
    """log Gamma(p) for p >= 1/2: Taylor series near 1 and 2, else the recurrence up to p >= 12
    and Stirling's series."""
    z1 = xp.clip(p - 1.0, -_LGAMMA_NEAR, _LGAMMA_NEAR)
    z2 = xp.clip(p - 2.0, -_LGAMMA_NEAR, _LGAMMA_NEAR)
    y, prod = xp.where(xp.isinf(p), _STIRLING_FROM, p), xp.ones_like(p)
    for _ in range(int(_STIRLING_FROM)):
        low = y < _STIRLING_FROM
        prod = prod * xp.where(low, y, 1.0)
        y = xp.where(low, y + 1.0, y)
    r = 1.0 / y
    stirling = (y - 0.5) * xp.log(y) - y + 0.5 * math.log(2 * math.pi) + r * _taylor(xp, r * r, _STIRLING) / (r * r)
    far = stirling - xp.log(prod)
    out = xp.where(xp.abs(p - 1.0) <= _LGAMMA_NEAR, _taylor(xp, z1, _LGAMMA_AT_1),
                   xp.where(xp.abs(p - 2.0) <= _LGAMMA_NEAR, _taylor(xp, z2, _LGAMMA_AT_2), far))
    return xp.where(xp.isinf(p), _INF, out)


def _lgamma_xp(xp, data):
    """log|Gamma(x)|; below 1/2 by reflection: log(pi / |sin(pi x)|) - lgamma(1 - x); +inf at
    0, -1, -2 ... and at -inf, as in PyTorch."""
    x = data.astype("float64")
    neg = x < 0.5
    pos = _lgamma_positive(xp, xp.where(neg, 1.0 - x, x))
    s = xp.abs(_sinpi(xp, xp.where(xp.isinf(x), 0.0, x)))
    refl = math.log(math.pi) - xp.log(xp.where(s == 0, 1.0, s)) - pos
    out = xp.where(neg, xp.where(s == 0, _INF, refl), pos)
    return out.astype(data.dtype)


def _special(name: str, x: Tensor, fallback):
    """The compiled ``name`` where the back end has one, else ``fallback(xp, data)``; same dtype."""
    d = x._data
    with _quiet(x._dev.xp):
        out = _compiled(name, x._dev, d)
        if out is None:
            out = fallback(x._dev.xp, d)
    return out.astype(d.dtype, copy=False)


class Lgamma(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = _special("gammaln", x, _lgamma_xp)
        xp = x._dev.xp  # (SciPy gives -inf at -inf; PyTorch +inf)
        return xp.where(xp.isinf(x._data), _INF, out).astype(x._data.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * digamma(x)


class Digamma(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = _special("digamma", x, _digamma_xp)
        xp = x._dev.xp
        d = x._data
        # A compiled digamma may differ from PyTorch at the poles (signed zeros, negative integers): pin them.
        out = xp.where((d < 0) & (d == xp.floor(d)), float("nan"), out)
        return _digamma_at_zero(xp, d, out).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * polygamma(1, x)


class Polygamma(Primitive):
    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        d = x._data
        with _quiet(x._dev.xp):
            out = _compiled("polygamma", x._dev, n, d)
            if out is None:
                out = _polygamma_xp(x._dev.xp, n, d)
        return out.astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * polygamma(ctx.n + 1, x), None


def lgamma(input: Tensor) -> Tensor:
    """``log|Gamma(x)|``, elementwise (+inf at 0, -1, -2 ...); its gradient is ``digamma``.

    >>> import autograd_core as ag
    >>> round(ag.lgamma(ag.tensor([0.5], dtype=ag.float64)).item(), 6)  # log(sqrt(pi))
    0.572365
    """
    return Lgamma.apply(_float_input("lgamma", input))


def digamma(input: Tensor) -> Tensor:
    """``d/dx log Gamma(x)``, elementwise: -inf at +0, +inf at -0 and NaN at negative integers, as
    in PyTorch; its gradient is ``polygamma(1, x)``.

    >>> import autograd_core as ag
    >>> round(ag.digamma(ag.tensor([1.0], dtype=ag.float64)).item(), 6)  # -Euler's gamma
    -0.577216
    """
    return Digamma.apply(_float_input("digamma", input))


def polygamma(n: int, input: Tensor) -> Tensor:
    """The ``n``-th derivative of ``digamma`` (``n = 0`` is digamma itself), elementwise.

    >>> import autograd_core as ag
    >>> round(ag.polygamma(1, ag.tensor([1.0], dtype=ag.float64)).item(), 6)  # pi^2 / 6
    1.644934
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"polygamma: n must be an int, got {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma: n must be non-negative, got {n}")
    if n == 0:
        return digamma(input)
    return Polygamma.apply(_float_input("polygamma", input), n)


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma of dimension ``p``:
    ``sum_{j<p} lgamma(x - j/2) + p (p - 1) / 4 * log(pi)``; every element must exceed ``(p - 1)/2``.

    >>> import autograd_core as ag
    >>> x = ag.tensor([2.5], dtype=ag.float64)
    >>> round(ag.mvlgamma(x, 1).item(), 9) == round(ag.lgamma(x).item(), 9)
    True
    """
    if isinstance(p, bool) or not isinstance(p, int) or p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got {p!r}")
    x = _float_input("mvlgamma", input)
    if not bool((x._data > (p - 1) / 2).all()):
        raise RuntimeError(f"mvlgamma: all elements must be greater than (p-1)/2 = {(p - 1) / 2}")
    out = lgamma(x)
    for j in range(1, p):
        out = out + lgamma(x - j / 2)
    return out + p * (p - 1) / 4 * math.log(math.pi)


__all__ = ["digamma", "erf", "erfc", "erfinv", "lgamma", "mvlgamma", "polygamma"]
