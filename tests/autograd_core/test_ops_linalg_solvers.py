"""linalg.inv / solve / det / slogdet (and inverse, det, logdet, Tensor.inverse / .det): forward
against NumPy, gradients against finite differences, double backward, and against PyTorch."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, make_tests, make_torch_test, to_host

SIDE = st.integers(0, 4)
BATCH = S.shapes(min_dims=0, max_dims=2, max_side=3)  # empty batch dims included


def _well_conditioned(a: np.ndarray) -> np.ndarray:
    """``2I + E`` with ``||E||_F <= 1`` (singular values in [1, 3]); the first row negated where
    ``a[..., 0, 0] < 0``, so about half the determinants are negative."""
    n = a.shape[-1]
    if n == 0:
        return a
    e = a / (2 * np.sqrt(n))
    e = e / np.maximum(1.0, np.sqrt((e**2).sum(axis=(-2, -1), keepdims=True)))
    m = e + 2 * np.eye(n)
    m[..., 0, :] *= np.where(a[..., 0, 0] < 0, -1.0, 1.0)[..., None]
    return m


def _positive_definite(a: np.ndarray) -> np.ndarray:
    n = a.shape[-1]
    e = a / (2 * np.sqrt(max(n, 1)))
    return e @ np.swapaxes(e, -1, -2) + np.eye(n)


def _first(transform):
    return lambda arrays, kwargs: (transform(arrays[0]),) + tuple(arrays[1:])


@st.composite
def _square(draw):
    n = draw(SIDE)
    return (draw(BATCH) + (n, n),)


@st.composite
def _solve_case(draw):
    """A (..., n, n) with B a vector, a batch of vectors, a matrix or a batch of matrices whose
    batch dims broadcast against A's; ``left=False`` with matrices only (as PyTorch)."""
    n, k = draw(SIDE), draw(SIDE)
    left = draw(st.booleans())
    form = draw(st.sampled_from(["vector", "batched_vector", "matrix", "batched"] if left else ["matrix", "batched"]))
    if form == "vector":
        return ((n, n), (n,)), {"left": left}
    if form == "batched_vector":
        batch = draw(S.shapes(min_dims=1, max_dims=2, max_side=3))
        return (batch + (n, n), batch + (n,)), {"left": left}
    rhs = (n, k) if left else (k, n)
    if form == "matrix":
        a, b = draw(BATCH) + (n, n), rhs
    else:
        ba, bb = draw(S.broadcastable_shapes(2, max_dims=2, max_side=3))
        a, b = ba + (n, n), bb + rhs
    if len(b) == len(a) - 1 and b == a[:-1]:  # PyTorch's vector rule caught it: a vector, so left=True
        left = True
    return (a, b), {"left": left}


def _solve_ref(a, b, left=True):
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    bm = b[..., None] if vector else b
    if not left:
        a, bm = np.swapaxes(a, -1, -2), np.swapaxes(bm, -1, -2)
    batch = np.broadcast_shapes(a.shape[:-2], bm.shape[:-2])
    x = np.linalg.solve(np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(bm, batch + bm.shape[-2:]))
    if not left:
        x = np.swapaxes(x, -1, -2)
    return x[..., 0] if vector else x


def _slogdet_ref(a):
    sign, logabsdet = np.linalg.slogdet(a)
    return sign, logabsdet


def _logdet_ref(a):
    sign, logabsdet = np.linalg.slogdet(a)
    return np.where(sign < 0, np.nan, logabsdet)


WELL = _first(_well_conditioned)
SPD = _first(_positive_definite)

SPECS = [
    OpSpec("linalg_inv", ag.linalg.inv, np.linalg.inv, _square(), domain=WELL,
           torch=lambda torch, a: torch.linalg.inv(a)),
    OpSpec("inverse", ag.inverse, np.linalg.inv, _square(), domain=WELL, torch=lambda torch, a: torch.inverse(a)),
    OpSpec("inverse_method", lambda a: a.inverse(), np.linalg.inv, _square(), domain=WELL,
           torch=lambda torch, a: a.inverse()),
    OpSpec("linalg_solve", ag.linalg.solve, _solve_ref, case=_solve_case(), domain=WELL,
           torch=lambda torch, a, b, **kw: torch.linalg.solve(a, b, **kw)),
    OpSpec("linalg_det", ag.linalg.det, np.linalg.det, _square(), domain=WELL,
           torch=lambda torch, a: torch.linalg.det(a)),
    OpSpec("det", ag.det, np.linalg.det, _square(), domain=WELL, torch=lambda torch, a: torch.det(a)),
    OpSpec("det_method", lambda a: a.det(), np.linalg.det, _square(), domain=WELL, torch=lambda torch, a: a.det()),
    OpSpec("linalg_slogdet", lambda a: tuple(ag.linalg.slogdet(a)), _slogdet_ref, _square(), domain=WELL,
           torch=lambda torch, a: tuple(torch.linalg.slogdet(a))),
    OpSpec("logdet", ag.logdet, _logdet_ref, _square(), domain=SPD, torch=lambda torch, a: torch.logdet(a)),
    OpSpec("logdet_method", lambda a: a.logdet(), _logdet_ref, _square(), domain=SPD,
           torch=lambda torch, a: a.logdet()),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)

try:
    import torch as _torch
except ImportError:  # PyTorch is an optional test oracle
    _torch = None
if _torch is not None:
    test_vs_torch = make_torch_test(SPECS, _torch)


def _t(a, device="cpu", dtype=ag.float64, requires_grad=True):
    return ag.tensor(np.asarray(a, dtype=np.float64), dtype=dtype, device=device, requires_grad=requires_grad)


def _compare_solve_with_torch(a_shape, b_shape, left=True, seed=0):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    a = _well_conditioned(rng.standard_normal(a_shape))
    b = rng.standard_normal(b_shape)
    A, B = _t(a), _t(b)
    TA, TB = (torch.tensor(x, requires_grad=True) for x in (a, b))
    X, TX = ag.linalg.solve(A, B, left=left), torch.linalg.solve(TA, TB, left=left)
    assert X.shape == tuple(TX.shape)
    np.testing.assert_allclose(to_host(X), TX.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(X.shape)
    X.backward(ag.tensor(g))
    TX.backward(torch.from_numpy(g))
    assert A.grad.shape == a_shape and B.grad.shape == b_shape
    np.testing.assert_allclose(to_host(A.grad), TA.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_host(B.grad), TB.grad.numpy(), rtol=1e-10, atol=1e-12)
    return X


@pytest.mark.parametrize(
    "a_shape, b_shape, out",
    [
        ((3, 3), (3,), (3,)),  # a vector
        ((2, 3, 3), (2, 3), (2, 3)),  # B.ndim == A.ndim - 1 and B.shape == A.shape[:-1]: a batch of vectors
        ((2, 3, 3), (3, 3), (2, 3, 3)),  # B.shape (3, 3) != A.shape[:-1] (2, 3): a matrix, broadcast
        ((3, 3, 3), (3, 3), (3, 3)),  # B.shape == A.shape[:-1]: vectors, not one matrix broadcast
        ((2, 3, 3), (3,), (2, 3)),  # a 1-D B is a vector for every matrix of the batch
        ((4, 3, 3), (1, 3, 2), (4, 3, 2)),
    ],
)
def test_solve_treats_b_as_vectors_as_pytorch_does(a_shape, b_shape, out):
    assert _compare_solve_with_torch(a_shape, b_shape).shape == out


@pytest.mark.parametrize(
    "a_shape, b_shape, left",
    [((2, 1, 3, 3), (4, 3, 2), True), ((1, 3, 3), (5, 3, 1), True), ((3, 3), (2, 2, 3, 4), True),
     ((2, 1, 3, 3), (4, 2, 3), False), ((3, 3), (5, 3), False), ((0, 3, 3), (3, 2), True)],
)
def test_solve_broadcasts_batch_dims_and_reduces_gradients(a_shape, b_shape, left):
    _compare_solve_with_torch(a_shape, b_shape, left=left, seed=1)


@pytest.mark.parametrize("device", DEVICES)
def test_solve_by_hand(device):
    A = _t([[2.0, 0.0], [0.0, 4.0]], device)
    b = _t([2.0, 2.0], device)
    x = ag.linalg.solve(A, b)
    np.testing.assert_allclose(to_host(x), [1.0, 0.5])
    x.sum().backward()
    # gb = A^-T 1 = [0.5, 0.25]; gA = -gb x^T
    np.testing.assert_allclose(to_host(b.grad), [0.5, 0.25])
    np.testing.assert_allclose(to_host(A.grad), -np.outer([0.5, 0.25], [1.0, 0.5]))


@pytest.mark.parametrize("device", ["cpu", DEVICES[1]])  # CuPy does not raise: see the docstrings
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_singular_matrices_raise_naming_the_op_and_shape(shape, device):
    a = ag.zeros(*shape, dtype=ag.float64, device=device)
    with pytest.raises(RuntimeError, match=r"linalg\.inv: .*singular.*" + re.escape(str(shape))):
        ag.linalg.inv(a)
    with pytest.raises(RuntimeError, match=r"linalg\.solve: .*singular"):
        ag.linalg.solve(a, ag.ones(*shape[:-1], dtype=ag.float64, device=device))
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="singular"):
        torch.linalg.inv(torch.zeros(shape))


def _det_fd(a, eps=1e-6):
    """Central differences of sum(det) (a polynomial: they are exact up to rounding)."""
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[idx] += eps
        down[idx] -= eps
        g[idx] = (np.linalg.det(up).sum() - np.linalg.det(down).sum()) / (2 * eps)
    return g


SINGULAR = {
    "rank 1 of 2": [[1.0, 2.0], [2.0, 4.0]],
    "rank 2 of 3": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
    "rank 1 of 3": np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 1.0]).tolist(),
    "zero": np.zeros((3, 3)).tolist(),
    "batch with one singular": [[[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.0], [0.0, 3.0]]],
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(SINGULAR))
def test_det_gradient_is_the_cofactor_matrix_also_at_singular_matrices(name, device):
    a = np.array(SINGULAR[name])
    A = ag.tensor(a, device=device, requires_grad=True)
    d = ag.linalg.det(A)
    d.sum().backward()
    np.testing.assert_allclose(to_host(A.grad), _det_fd(a), atol=1e-8)
    if name == "rank 1 of 2":  # the adjugate transposed, where PyTorch 2.13 gives zeros
        np.testing.assert_allclose(to_host(A.grad), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)


def test_det_gradient_at_random_and_orthogonal_matrices_matches_det_times_inverse():
    rng = np.random.default_rng(3)
    for a in (rng.standard_normal((3, 4, 4)), -np.eye(3), np.eye(1)[None] * 2.0, np.zeros((2, 0, 0))):
        A = ag.tensor(a, requires_grad=True)
        ag.linalg.det(A).sum().backward()
        expected = np.linalg.det(a)[..., None, None] * np.linalg.inv(a).swapaxes(-1, -2) if a.size else a
        np.testing.assert_allclose(to_host(A.grad), expected, rtol=1e-10, atol=1e-12)


def test_det_and_slogdet_of_singular_matrices():
    A = _t([[1.0, 2.0], [2.0, 4.0]])
    assert abs(ag.linalg.det(A).item()) < 1e-12
    s = ag.linalg.slogdet(_t([[1.0, 2.0], [2.0, 4.0]]))
    assert s.sign.item() == 0.0 and s.logabsdet.item() == -np.inf
    assert np.isnan(ag.logdet(_t([[-1.0, 0.0], [0.0, 1.0]])).item())


def test_slogdet_is_a_named_tuple_and_sign_gets_no_gradient():
    A = _t([[-2.0, 1.0], [0.0, 3.0]])
    res = ag.linalg.slogdet(A)
    sign, logabsdet = res
    assert res.sign is sign and res.logabsdet is logabsdet
    assert sign.item() == -1.0 and np.isclose(logabsdet.item(), np.log(6.0))
    sign.sum().backward()  # the sign is piecewise constant: no gradient flows (PyTorch: zeros)
    assert A.grad is None or not to_host(A.grad).any()
    A.grad = None
    ag.linalg.slogdet(A).logabsdet.backward()
    np.testing.assert_allclose(to_host(A.grad), np.linalg.inv([[-2.0, 1.0], [0.0, 3.0]]).T)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ag.linalg.inv(ag.ones(2, 3)), r"linalg\.inv: A must be batches of square matrices.*2 by 3.*\(2, 3\)"),
        (lambda: ag.linalg.inv(ag.ones(3)), r"linalg\.inv: .*at least 2 dimensions.*\(3,\)"),
        (lambda: ag.linalg.det(ag.ones(4, 2, 3)), r"linalg\.det: .*square.*\(4, 2, 3\)"),
        (lambda: ag.linalg.slogdet(ag.ones(2, 3)), r"linalg\.slogdet: .*square.*\(2, 3\)"),
        (lambda: ag.logdet(ag.ones(2, 3)), r"logdet: .*square.*\(2, 3\)"),
        (lambda: ag.inverse(ag.ones(2, 3)), r"linalg\.inv: .*square"),
        (lambda: ag.linalg.solve(ag.ones(2, 3), ag.ones(2)), r"linalg\.solve: A must be .*square.*\(2, 3\)"),
        (lambda: ag.linalg.solve(ag.eye(3), ag.ones(4, 1)),
         r"linalg\.solve: incompatible shapes .*AX = B \(3x3 and 4x1.*\(3, 3\).*\(4, 1\)"),
        (lambda: ag.linalg.solve(ag.eye(3), ag.ones(4)), r"linalg\.solve: incompatible shapes.*\(4,\)"),
        (lambda: ag.linalg.solve(ag.eye(3), ag.ones(3), left=False), r"linalg\.solve: incompatible shapes .*XA = B"),
        (lambda: ag.linalg.solve(ag.ones(2, 3, 3), ag.ones(4, 3, 1)), r"linalg\.solve: shapes \(2,\) and \(4,\) cannot be broadcast"),
        (lambda: ag.linalg.solve(ag.eye(3), ag.ones(3, dtype=ag.float64)), r"linalg\.solve: .*same dtype.*float32.*float64"),
        (lambda: ag.linalg.inv(ag.ones(2, 2, dtype=ag.int64)), r"linalg\.inv: expected a floating point tensor.*int64"),
    ],
    ids=["inv_nonsquare", "inv_1d", "det_nonsquare", "slogdet_nonsquare", "logdet_nonsquare", "inverse_nonsquare",
         "solve_nonsquare", "solve_mismatch", "solve_vector_mismatch", "solve_right_vector", "solve_batch",
         "solve_dtypes", "inv_int"],
)
def test_shape_errors_name_the_op_and_shapes(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


def test_shape_errors_match_pytorch_raising():
    torch = pytest.importorskip("torch")
    for call in (lambda L: L.linalg.inv(L.ones(2, 3)), lambda L: L.linalg.solve(L.eye(3), L.ones(4, 1)),
                 lambda L: L.linalg.solve(L.eye(3), L.ones(3), left=False), lambda L: L.linalg.det(L.ones(2, 3))):
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(RuntimeError):
            call(ag)


@pytest.mark.parametrize("device", DEVICES)
def test_empty_inputs_skip_the_back_ends_linalg_as_pytorch_shapes_them(device):
    # (CuPy's linalg fails on empty input, so every back end answers these without calling it.)
    torch = pytest.importorskip("torch")
    for shape in [(0, 0), (2, 0, 0), (0, 3, 3)]:
        a = np.random.default_rng(0).standard_normal(shape)
        A = ag.tensor(a, device=device, requires_grad=True)
        np.testing.assert_array_equal(to_host(ag.linalg.det(A)), torch.linalg.det(torch.tensor(a)).numpy())
        for ours, theirs in zip(ag.linalg.slogdet(A), torch.linalg.slogdet(torch.tensor(a))):
            np.testing.assert_array_equal(to_host(ours), theirs.numpy())
        assert ag.linalg.inv(A).shape == shape
        ag.linalg.det(A).sum().backward()
        assert A.grad.shape == shape
    x = ag.linalg.solve(ag.ones(1, 1, 1, device=device), ag.ones(0, 1, device=device), left=False)
    assert x.shape == tuple(torch.linalg.solve(torch.ones(1, 1, 1), torch.ones(0, 1), left=False).shape)
    assert ag.linalg.solve(ag.eye(2, device=device) * 2, ag.ones(2, 0, device=device)).shape == (2, 0)
