"""``MultivariateNormal``: the Gaussian on vectors, with a full covariance.

Give exactly one of ``covariance_matrix`` (Sigma), ``precision_matrix`` (Sigma^-1) or
``scale_tril`` (a lower-triangular L with positive diagonal, Sigma = L L^T).  Everything is
computed from L: ``log_prob`` solves L y = x - loc for the Mahalanobis term and takes the
log-determinant from L's diagonal, so no matrix is inverted.

>>> import autograd_core as ag
>>> from autograd_core.distributions import MultivariateNormal
>>> d = MultivariateNormal(ag.zeros(2), covariance_matrix=ag.tensor([[2.0, 1.0], [1.0, 2.0]]))
>>> d.log_prob(ag.tensor([1.0, -1.0]))
tensor(-3.3872)
>>> d.scale_tril
tensor([[1.4142, 0.0000],
        [0.7071, 1.2247]])
"""

from __future__ import annotations

import math

import autograd_core as ag
from autograd_core.distributions import constraints
from autograd_core.distributions._families import CentredAtLoc
from autograd_core.distributions.distribution import Distribution
from autograd_core.distributions.utils import lazy_property, standard_normal, tensor_param
from autograd_core.tensor import Tensor

__all__ = ["MultivariateNormal"]


def _batch_mahalanobis(bL: Tensor, bx: Tensor) -> Tensor:
    """x^T (L L^T)^-1 x = ||L^-1 x||^2 for each vector in ``bx`` (..., n), with ``bL``
    (..., n, n) broadcast against it: one triangular solve (which reads only the lower triangle,
    so the upper gets no gradient, as in PyTorch)."""
    y = ag.linalg.solve_triangular(bL, bx.unsqueeze(-1), upper=False)
    return y.squeeze(-1).pow(2).sum(-1)


def _precision_to_scale_tril(P: Tensor) -> Tensor:
    """L with L L^T = P^-1, without forming P^-1: the Cholesky factor of P with rows and
    columns reversed, reversed back, is an upper-triangular U with P = U U^T; then
    L = (U^T)^-1 is lower triangular and L L^T = (U U^T)^-1 (PyTorch's construction)."""
    Lf = ag.linalg.cholesky(ag.flip(P, (-2, -1)))
    L_inv = ag.flip(Lf, (-2, -1)).mT  # lower triangular, L_inv^T L_inv = P
    identity = ag.eye(P.shape[-1], dtype=P.dtype, device=P.device)
    return ag.linalg.solve_triangular(L_inv, identity, upper=False)


def _checked_matrix(name: str, value) -> Tensor:
    message = f"{name} matrix must be at least two-dimensional, with optional leading batch dimensions"
    return tensor_param("MultivariateNormal", name, value, 2, message)


class MultivariateNormal(CentredAtLoc, Distribution):
    """A multivariate normal N(loc, Sigma) on vectors of ``loc.shape[-1]`` entries
    (``event_shape``), batched over the broadcast of ``loc``'s and the matrix's leading dims.

    ``rsample`` is ``loc + L eps``: gradients reach ``loc`` and the matrix parameter.  The
    parameters not given (``covariance_matrix``, ``precision_matrix``, ``scale_tril``) are
    derived on first use.
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        loc = tensor_param("MultivariateNormal", "loc", loc, 1, "loc must be at least one-dimensional.")
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        name, matrix = next(
            (n, m)
            for n, m in (
                ("scale_tril", scale_tril),
                ("covariance_matrix", covariance_matrix),
                ("precision_matrix", precision_matrix),
            )
            if m is not None
        )
        matrix = _checked_matrix(name, matrix)
        n = loc.shape[-1]
        if tuple(matrix.shape[-2:]) != (n, n):
            raise ValueError(
                f"MultivariateNormal: {name} of shape {tuple(matrix.shape)} does not match loc of shape "
                f"{tuple(loc.shape)}: expected (..., {n}, {n})"
            )
        batch_shape = tuple(ag.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1])))
        setattr(self, name, matrix.expand(batch_shape + (n, n)))
        self.loc = loc.expand(batch_shape + (n,))
        super().__init__(batch_shape, (n,), validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = ag.linalg.cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MultivariateNormal, _instance)
        matrices = ("covariance_matrix", "scale_tril", "precision_matrix")  # (those set: given or derived)
        return self._expand_into(new, batch_shape, expand=("loc",) + matrices, copy=("_unbroadcasted_scale_tril",))

    @lazy_property
    def scale_tril(self) -> Tensor:
        return self._unbroadcasted_scale_tril.expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        return ag.cholesky_inverse(self._unbroadcasted_scale_tril).expand(
            tuple(self._batch_shape) + tuple(self._event_shape) * 2
        )

    @property
    def variance(self) -> Tensor:
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(tuple(self._batch_shape) + tuple(self._event_shape))

    def rsample(self, sample_shape=()) -> Tensor:
        eps = standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self) -> Tensor:
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n = self._event_shape[0]
        M = _batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (n * math.log(2 * math.pi) + M) - self._half_log_det()

    def entropy(self) -> Tensor:
        n = self._event_shape[0]
        H = 0.5 * n * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return H.expand(tuple(self._batch_shape)) if len(self._batch_shape) else H
