"""``nn.utils.parametrizations``: orthogonal, weight-normalised and spectrally normalised weights
as parametrizations.

These are the current PyTorch forms (the older hook-based ``nn.utils.weight_norm`` /
``nn.utils.spectral_norm`` live in ``weight_norm.py`` / ``spectral_norm.py``).  Each
registers a small module with ``nn.utils.parametrize``, so the state_dict keys are
PyTorch's: ``parametrizations.weight.original0`` (g) and ``original1`` (v) for weight
norm; ``parametrizations.weight.original`` and the power-iteration vectors
``parametrizations.weight.0._u`` / ``_v`` for spectral norm; ``parametrizations.weight.original``
and (with the default trivialization) ``parametrizations.weight.0.base`` for orthogonal.

>>> import autograd_core as ag, nn
>>> m = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2))
>>> list(m.state_dict())
['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
>>> m.parametrizations.weight.original0.shape
torch.Size([2, 1])
"""

from __future__ import annotations

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from nn.functional import normalize
from nn.module import Module
from nn.utils import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of ``v`` over every dim but ``dim`` (kept as size-1 dims); ``dim == -1`` is the
    norm of the whole tensor (0-d), PyTorch's ``norm_except_dim`` convention (so ``dim=None`` maps to -1)."""
    if dim == -1:
        return ag.norm(v)
    dim = dim + v.ndim if dim < 0 else dim
    if not 0 <= dim < v.ndim:
        raise IndexError(f"weight_norm: dim {dim} is out of range for a weight with {v.ndim} dims")
    others = tuple(d for d in range(v.ndim) if d != dim)
    return ag.norm(v, 2, dim=others, keepdim=True) if others else v.abs()


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """``v * (g / ||v||)``, the norm taken over every dim but ``dim`` (PyTorch's ``_weight_norm``)."""
    return v * (g / _norm_except_dim(v, dim))


class _WeightNorm(Module):
    """weight = g * v / ||v||: ``right_inverse`` splits a weight into ``(g, v)`` = (its norm, itself)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (Salimans & Kingma 2016); returns ``module``.

    The norm is over every dim but ``dim`` (``dim=0``: one ``g`` per output unit;
    ``dim=None``: one ``g`` for the whole tensor).  ``g`` is stored as
    ``parametrizations.<name>.original0`` and ``v`` as ``original1``; a checkpoint of the
    older ``nn.utils.weight_norm`` (keys ``<name>_g`` / ``<name>_v``) still loads.

    >>> import autograd_core as ag, nn
    >>> m = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2), dim=None)
    >>> m.parametrizations.weight.original0.shape
    torch.Size([])
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                 error_msgs) -> None:
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    """weight / sigma, sigma the largest singular value of the weight seen as a matrix, estimated by
    power iteration with the persistent vectors ``_u`` and ``_v`` (updated in training mode only)."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            # Start close to the top singular vectors, so the first forward already normalises well.
            self._power_method(weight_mat.detach(), 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        # Written into the buffers in place (PyTorch's ``out=``): they are state, not part of the graph.
        with ag.no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(normalize(ag.matmul(weight_mat, self._v), dim=0, eps=self.eps))
                self._v.copy_(normalize(ag.matmul(weight_mat.mT, self._u), dim=0, eps=self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat.detach(), self.n_power_iterations)
        # Clones: the buffers change in place at the next training forward, after this graph saved them.
        u, v = self._u.clone(), self._v.clone()
        sigma = (u * ag.matmul(weight_mat, v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm (Miyato et al. 2018); returns ``module``.

    The weight is seen as a matrix with ``dim`` as rows (default 0, or 1 for transposed
    convolutions); sigma = ``u . (W v)`` with ``u``, ``v`` refined by
    ``n_power_iterations`` steps of power iteration at each forward in training mode
    (15 steps at registration), and kept fixed in eval mode.  State: the weight at
    ``parametrizations.<name>.original``, the vectors at ``parametrizations.<name>.0._u``
    and ``._v``.

    >>> import autograd_core as ag, nn
    >>> m = nn.utils.parametrizations.spectral_norm(nn.Linear(20, 40))
    >>> list(m.state_dict())[1:]
    ['parametrizations.weight.original', 'parametrizations.weight.0._u', 'parametrizations.weight.0._v']
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


def _is_conv_transpose(module: Module) -> bool:
    from nn.modules.conv import _ConvTransposeNd

    return isinstance(module, _ConvTransposeNd)


# ---------------------------------------------------------------------------- orthogonal
_ORTHOGONAL_MAPS = ("matrix_exp", "cayley", "householder")


def _is_orthogonal(Q: Tensor) -> bool:
    """``Q^T Q == I`` up to ``10 n eps`` (absolute; PyTorch's test for a tall or square Q)."""
    n, k = Q.shape[-2], Q.shape[-1]
    eye = ag.eye(k, dtype=Q.dtype, device=Q.device)
    return ag.allclose(Q.mT @ Q, eye, atol=10.0 * n * float(np.finfo(Q.dtype).eps))


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of ``A = QR`` (A tall) with the signs fixed so that ``diag(R) >= 0``: unique."""
    Q, R = ag.linalg.qr(A)
    return Q * R.diagonal(dim1=-2, dim2=-1).sign().unsqueeze(-2)


class _Orthogonal(Module):
    """A matrix (or batch) with orthonormal columns (rows, if wide) made from an unconstrained one.

    ``matrix_exp`` / ``cayley``: the lower triangle of X (embedded into an n x n matrix) makes a
    skew-symmetric ``A = X - X^T``, and ``exp(A)`` or ``(I + A/2)(I - A/2)^{-1}`` is orthogonal;
    its first k columns are the weight.  ``householder``: the product of the Householder
    reflectors stored below X's diagonal, times the signs on its diagonal (not trained).  With
    ``use_trivialization`` the result is multiplied by the orthogonal buffer ``base``, which
    ``right_inverse`` sets (so assigning a weight stores ``base = weight``, completed to a square
    orthogonal matrix, and resets the trained tensor to ``-I``).
    """

    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:  # embed the tall X into a square matrix
                X = ag.cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], n, n - k)], dim=-1)
            A = X - X.mT  # skew-symmetric
            if self.orthogonal_map == "matrix_exp":
                Q = ag.linalg.matrix_exp(A)
            else:
                eye = ag.eye(n, dtype=A.dtype, device=A.device)
                Q = ag.linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = ag.linalg.householder_product(A, tau)
            # The signs on X's diagonal (1 or -1, truncated as PyTorch's .int()), not differentiated.
            Q = Q * X.diagonal(dim1=-2, dim2=-1).detach().trunc().unsqueeze(-2)
        if "base" in self._buffers and self.base is not None:
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        with ag.no_grad():
            return self._right_inverse(Q)

    def _right_inverse(self, Q: Tensor) -> Tensor:
        if tuple(Q.shape) != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of shape {tuple(Q.shape)}.")
        Q_init = Q
        n, k = Q.shape[-2], Q.shape[-1]
        transpose = n < k
        if transpose:
            Q = Q.mT
            n, k = k, n
        if "base" not in self._buffers:
            if self.orthogonal_map in ("matrix_exp", "cayley"):
                # PyTorch's answer (and its exception type, which register_parametrization catches:
                # the weight is then stored as it is): no inverse of these maps without the base.
                raise NotImplementedError(
                    "It is not possible to assign to the matrix exponential or the Cayley parametrizations "
                    "when use_trivialization=False."
                )
            # Householder: the reflectors of Q's QR decomposition, with diag(R) > 0 encoded as the
            # signs on the diagonal (-1 where LAPACK skipped a reflection, tau == 0).
            A, tau = ag.geqrf(Q)
            signs = A.diagonal(dim1=-2, dim2=-1).sign()
            signs = ag.where(tau == 0.0, -signs, signs)
            eye = ag.eye(n, k, dtype=A.dtype, device=A.device)
            A = A * (1.0 - eye) + eye * signs.unsqueeze(-2)
            return A.mT if transpose else A
        if n == k:
            Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
        else:  # complete Q to an n x n orthogonal matrix with random columns
            N = ag.randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype, device=Q.device)
            Q = _make_orthogonal(ag.cat([Q, N], dim=-1))
        self.base = Q
        # -I: with it, householder(zeros) is the identity and the forward gives back base[..., :k].
        m0, n0 = Q_init.shape[-2], Q_init.shape[-1]
        return -ag.eye(m0, n0, dtype=Q_init.dtype, device=Q_init.device).expand(*Q_init.shape).clone()


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Make ``module.<name>`` orthogonal: orthonormal columns (m >= n) or rows (m < n), batched over
    leading dims (PyTorch's ``nn.utils.parametrizations.orthogonal``); returns ``module``.

    ``orthogonal_map``: ``"matrix_exp"``, ``"cayley"`` or ``"householder"``; default
    ``"matrix_exp"`` for a square weight, ``"householder"`` otherwise.  With
    ``use_trivialization=True`` (the default) an orthogonal ``base`` buffer is kept at
    ``parametrizations.<name>.0.base`` and the initial weight is the original one if it is
    orthogonal, else the Q of its QR decomposition (signs fixed); the trained tensor is at
    ``parametrizations.<name>.original``.  Without it, ``matrix_exp`` / ``cayley`` start from the
    map of the original tensor and cannot be assigned to (NotImplementedError, as PyTorch).

    >>> import autograd_core as ag, nn
    >>> m = nn.utils.parametrizations.orthogonal(nn.Linear(3, 5))
    >>> list(m.state_dict())
    ['bias', 'parametrizations.weight.original', 'parametrizations.weight.0.base']
    >>> W = m.weight
    >>> bool(ag.allclose(W.T @ W, ag.eye(3), atol=1e-5))
    True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _ORTHOGONAL_MAPS:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
