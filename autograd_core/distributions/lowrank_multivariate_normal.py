"""``LowRankMultivariateNormal``: a Gaussian whose covariance is low rank plus diagonal,
Sigma = W W^T + diag(D), with W of shape (n, m), m << n.

Everything goes through the m x m "capacitance" matrix C = I + W^T D^-1 W and its Cholesky
factor (Woodbury's identity for the Mahalanobis term, the matrix determinant lemma for
log det Sigma = log det C + sum log D), so no n x n matrix is factorised: O(n m^2) per event.

>>> import autograd_core as ag
>>> from autograd_core.distributions import LowRankMultivariateNormal
>>> d = LowRankMultivariateNormal(ag.zeros(2), ag.tensor([[1.0], [0.0]]), ag.ones(2))
>>> d.log_prob(ag.tensor([1.0, 1.0])), d.variance
(tensor(-2.9345), tensor([2., 1.]))
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._families import CentredAtLoc
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.multivariate_normal import _batch_mahalanobis
from autograd_core.distributions.utils import lazy_property, standard_normal, tensor_param
from autograd_core.tensor import Tensor

__all__ = ["LowRankMultivariateNormal"]


def _batch_capacitance_tril(W: Tensor, D: Tensor) -> Tensor:
    """The Cholesky factor of I + W^T D^-1 W (m x m)."""
    m = W.shape[-1]
    Wt_Dinv = W.mT / D.unsqueeze(-2)
    K = Wt_Dinv @ W + ag.eye(m, dtype=W.dtype, device=W.device)
    return ag.linalg.cholesky(K)


def _batch_lowrank_logdet(W: Tensor, D: Tensor, capacitance_tril: Tensor) -> Tensor:
    """log det(W W^T + D) = log det C + sum log D (the matrix determinant lemma)."""
    return 2 * capacitance_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1) + D.log().sum(-1)


def _batch_lowrank_mahalanobis(W: Tensor, D: Tensor, x: Tensor, capacitance_tril: Tensor) -> Tensor:
    """x^T (W W^T + D)^-1 x = x^T D^-1 x - ||L_C^-1 W^T D^-1 x||^2 (Woodbury)."""
    Wt_Dinv = W.mT / D.unsqueeze(-2)
    Wt_Dinv_x = (Wt_Dinv @ x.unsqueeze(-1)).squeeze(-1)
    return (x.pow(2) / D).sum(-1) - _batch_mahalanobis(capacitance_tril, Wt_Dinv_x)


def _checked(name: str, value) -> Tensor:
    return tensor_param("LowRankMultivariateNormal", name, value)


class LowRankMultivariateNormal(CentredAtLoc, Distribution):
    """N(loc, cov_factor cov_factor^T + diag(cov_diag)) on vectors of ``loc.shape[-1]`` entries,
    batched over the broadcast leading dims of the three parameters.  ``rsample`` is
    ``loc + W eps_W + sqrt(D) eps_D``, differentiable in all three."""

    arg_constraints = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1),
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None) -> None:
        loc = _checked("loc", loc)
        cov_factor = _checked("cov_factor", cov_factor)
        cov_diag = _checked("cov_diag", cov_diag)
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        event_shape = loc.shape[-1:]
        if cov_factor.dim() < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
        if tuple(cov_factor.shape[-2:-1]) != tuple(event_shape):
            raise ValueError(f"cov_factor must be a batch of matrices with shape {event_shape[0]} x m")
        if tuple(cov_diag.shape[-1:]) != tuple(event_shape):
            raise ValueError(f"cov_diag must be a batch of vectors with shape {event_shape}")
        try:
            loc_, self.cov_factor, cov_diag_ = ag.broadcast_tensors(
                loc.unsqueeze(-1), cov_factor, cov_diag.unsqueeze(-1)
            )
        except (RuntimeError, ValueError) as e:
            raise ValueError(
                f"Incompatible batch shapes: loc {loc.shape}, cov_factor {cov_factor.shape}, cov_diag {cov_diag.shape}"
            ) from e
        self.loc = loc_[..., 0]
        self.cov_diag = cov_diag_[..., 0]
        batch_shape = self.loc.shape[:-1]
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        self._capacitance_tril = _batch_capacitance_tril(cov_factor, cov_diag)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LowRankMultivariateNormal, _instance)
        unbroadcasted = ("_unbroadcasted_cov_factor", "_unbroadcasted_cov_diag", "_capacitance_tril")
        return self._expand_into(new, batch_shape, expand=("loc", "cov_diag", "cov_factor"), copy=unbroadcasted)

    def _full_shape(self) -> tuple:
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @lazy_property
    def variance(self) -> Tensor:
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return (W.pow(2).sum(-1) + D).expand(tuple(self._batch_shape) + tuple(self._event_shape))

    @lazy_property
    def scale_tril(self) -> Tensor:
        """sqrt(D) chol(I + D^-1/2 W W^T D^-1/2): the Cholesky factor of Sigma, without
        forming Sigma (better conditioned when D is small)."""
        n = self._event_shape[0]
        d_sqrt = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        Dinvsqrt_W = self._unbroadcasted_cov_factor / d_sqrt
        K = Dinvsqrt_W @ Dinvsqrt_W.mT + ag.eye(n, dtype=d_sqrt.dtype, device=d_sqrt.device)
        return (d_sqrt * ag.linalg.cholesky(K)).expand(self._full_shape())

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        W = self._unbroadcasted_cov_factor
        return (W @ W.mT + ag.diag_embed(self._unbroadcasted_cov_diag)).expand(self._full_shape())

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """D^-1 - A^T A with A = L_C^-1 W^T D^-1 (Woodbury)."""
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        Wt_Dinv = W.mT / D.unsqueeze(-2)
        A = ag.linalg.solve_triangular(self._capacitance_tril, Wt_Dinv, upper=False)
        return (ag.diag_embed(D.reciprocal()) - A.mT @ A).expand(self._full_shape())

    def rsample(self, sample_shape=()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        W_shape = shape[:-1] + tuple(self.cov_factor.shape[-1:])
        eps_W = standard_normal(W_shape, self.loc)
        eps_D = standard_normal(shape, self.loc)
        W_eps = (self._unbroadcasted_cov_factor @ eps_W.unsqueeze(-1)).squeeze(-1)
        return self.loc + W_eps + self._unbroadcasted_cov_diag.sqrt() * eps_D

    def _log_det(self) -> Tensor:
        return _batch_lowrank_logdet(
            self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag, self._capacitance_tril
        )

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        M = _batch_lowrank_mahalanobis(
            self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag, diff, self._capacitance_tril
        )
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + self._log_det() + M)

    def entropy(self) -> Tensor:
        H = 0.5 * (self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._log_det())
        return H.expand(tuple(self._batch_shape)) if len(self._batch_shape) else H
