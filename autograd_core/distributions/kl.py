"""``kl_divergence(p, q)`` and the ``register_kl`` registry (PyTorch's ``torch.distributions.kl``).

Each closed form is registered for a pair of types; ``kl_divergence`` picks the most specific
registered pair for ``(type(p), type(q))`` through their class hierarchies (a subclass of
``Normal`` uses Normal's formula unless it registers its own), warning when two pairs tie.
A pair with no formula raises ``NotImplementedError``, as PyTorch's does.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Normal, kl_divergence
>>> kl_divergence(Normal(0.0, 1.0), Normal(1.0, 1.0))
tensor(0.5000)
"""

from __future__ import annotations

import math
import warnings
from functools import total_ordering

import autograd_core as ag
from autograd_core.distributions.bernoulli import Bernoulli
from autograd_core.distributions.beta import Beta
from autograd_core.distributions.binomial import Binomial
from autograd_core.distributions.categorical import Categorical, OneHotCategorical
from autograd_core.distributions.cauchy import Cauchy
from autograd_core.distributions.dirichlet import Dirichlet
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.exponential import Exponential
from autograd_core.distributions.gamma import Gamma
from autograd_core.distributions.geometric import Geometric
from autograd_core.distributions.independent import Independent
from autograd_core.distributions.laplace import Laplace
from autograd_core.distributions.multivariate_normal import MultivariateNormal, _batch_mahalanobis
from autograd_core.distributions.normal import Normal
from autograd_core.distributions.poisson import Poisson
from autograd_core.distributions.transformed_distribution import TransformedDistribution
from autograd_core.distributions.uniform import Uniform
from autograd_core.distributions.utils import softplus, sum_rightmost

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY: dict = {}  # (type_p, type_q) -> function
_KL_MEMOIZE: dict = {}  # (type_p, type_q) -> the function chosen for that exact pair


def register_kl(type_p, type_q):
    """Decorator registering ``fn(p, q)`` as KL(p || q) for distributions of these types
    (or their subclasses)::

        @register_kl(Normal, Normal)
        def kl_normal_normal(p, q): ...
    """
    for name, t in (("type_p", type_p), ("type_q", type_q)):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise TypeError(f"Expected {name} to be a Distribution subclass but got {t}")

    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        _KL_MEMOIZE.clear()  # (a new pair can change which one is most specific)
        return fn

    return decorator


@total_ordering
class _Match:
    """A registered pair, ordered by specificity: a pair is smaller when each of its types is a
    subclass of the other pair's (compared lexicographically, p first)."""

    __slots__ = ["types"]

    def __init__(self, *types) -> None:
        self.types = types

    def __eq__(self, other) -> bool:
        return self.types == other.types

    def __le__(self, other) -> bool:
        for x, y in zip(self.types, other.types):
            if not issubclass(x, y):
                return False
            if x is not y:
                break
        return True


def _dispatch_kl(type_p, type_q):
    matches = [(p, q) for p, q in _KL_REGISTRY if issubclass(type_p, p) and issubclass(type_q, q)]
    if not matches:
        return NotImplemented
    left_p, left_q = min(_Match(*m) for m in matches).types
    right_q, right_p = min(_Match(*reversed(m)) for m in matches).types
    left_fun, right_fun = _KL_REGISTRY[left_p, left_q], _KL_REGISTRY[right_p, right_q]
    if left_fun is not right_fun:
        warnings.warn(
            f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). "
            f"Please register_kl({left_p.__name__}, {right_q.__name__})",
            RuntimeWarning,
            stacklevel=3,
        )
    return left_fun


def kl_divergence(p: Distribution, q: Distribution):
    """KL(p || q) = E_p[log p(x) - log q(x)], batched over the distributions' batch shapes,
    differentiable in both distributions' parameters."""
    key = (type(p), type(q))
    if key not in _KL_MEMOIZE:
        _KL_MEMOIZE[key] = _dispatch_kl(*key)
    fun = _KL_MEMOIZE[key]
    if fun is NotImplemented:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p type {type(p).__name__} and q type {type(q).__name__}"
        )
    return fun(p, q)


def _infinite_where(result, condition):
    """``result`` with +inf where ``condition`` holds (q has no mass where p has some)."""
    return ag.where(condition, math.inf, result)


# ------------------------------------------------------------------------------- discrete
@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    # p log(p/q) + (1-p) log((1-p)/(1-q)), with log p = -softplus(-logit): exact at extreme logits.
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = ag.where(p.probs == 0, 0.0, _infinite_where(t1, q.probs == 0))
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = ag.where(p.probs == 1, 0.0, _infinite_where(t2, q.probs == 1))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = _infinite_where(t, (q.probs == 0).expand_as(t))
    t = ag.where((p.probs == 0).expand_as(t), 0.0, t)  # (0 log 0 = 0, even where q is 0 too)
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    # n [p (logit p - logit q) + log(1 - p) - log(1 - q)] for equal counts; infinite where p can
    # exceed q's count.  A q with more trials than p has no closed form here (nor in PyTorch).
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return _infinite_where(kl, p.total_count > q.total_count)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


# ------------------------------------------------------------------------------- continuous
@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    # closed form of Chyzak and Nielsen (2019): log(((s_p + s_q)^2 + (l_p - l_q)^2) / (4 s_p s_q))
    t1 = ((p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)).log()
    return t1 - (4 * p.scale * q.scale).log()


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return _infinite_where(result, (q.low > p.low) | (q.high < p.high))  # (p's mass outside q's support)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    rate_ratio = q.rate / p.rate
    return -rate_ratio.log() + rate_ratio - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    t1 = -scale_ratio.log()
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * ag.exp(-loc_abs_diff / p.scale)
    return t1 + t2 + t3 - 1


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    t1 = q.concentration * (p.rate / q.rate).log()
    t2 = ag.lgamma(q.concentration) - ag.lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * ag.digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    sum_p = p.concentration1 + p.concentration0
    sum_q = q.concentration1 + q.concentration0
    t1 = ag.lgamma(q.concentration1) + ag.lgamma(q.concentration0) + ag.lgamma(sum_p)
    t2 = ag.lgamma(p.concentration1) + ag.lgamma(p.concentration0) + ag.lgamma(sum_q)
    t3 = (p.concentration1 - q.concentration1) * ag.digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * ag.digamma(p.concentration0)
    t5 = (sum_q - sum_p) * ag.digamma(sum_p)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    sum_p = p.concentration.sum(-1)
    sum_q = q.concentration.sum(-1)
    t1 = ag.lgamma(sum_p) - ag.lgamma(sum_q)
    t2 = (ag.lgamma(p.concentration) - ag.lgamma(q.concentration)).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = ag.digamma(p.concentration) - ag.digamma(sum_p).unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError(
            "KL-divergence between two Multivariate Normals with different event shapes cannot be computed"
        )
    p_l, q_l = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_log_det_ratio = q_l.diagonal(dim1=-2, dim2=-1).log().sum(-1) - p_l.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    n = p.event_shape[0]
    # tr(Sq^-1 Sp) = ||Lq^-1 Lp||_F^2
    ratio = ag.linalg.solve_triangular(q_l, p_l, upper=False)
    trace_term = ratio.pow(2).sum((-2, -1))
    mahalanobis = _batch_mahalanobis(q_l, q.loc - p.loc)
    return half_log_det_ratio + 0.5 * (trace_term + mahalanobis - n)


# ------------------------------------------------------------------------------- wrappers
@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            "KL between Independent distributions with different reinterpreted_batch_ndims is not implemented"
        )
    result = kl_divergence(p.base_dist, q.base_dist)
    return sum_rightmost(result, p.reinterpreted_batch_ndims)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    # KL is invariant under a shared bijection: KL(f(X) || f(Y)) = KL(X || Y).
    if p.transforms != q.transforms or p.event_shape != q.event_shape:
        raise NotImplementedError(
            "KL between TransformedDistributions is implemented only for equal transforms and event shapes"
        )
    return kl_divergence(p.base_dist, q.base_dist)
