"""``ag.linalg``: vector_norm, matrix_norm and norm against PyTorch (values and gradients), by
gradcheck, at zero vectors and ties, on the strict device, and the errors PyTorch raises."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import linalg as LA

INF = math.inf
VECTOR_ORDS = [2, 1, INF, -INF, 0, 3, 0.5, -1, -2.5, 1.5]
MATRIX_ORDS = ["fro", 1, -1, INF, -INF]


def _data(shape, seed=0):
    """float64 values away from 0 and without ties (finite differences and PyTorch agree there)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return x + np.arange(x.size).reshape(shape) * 1e-3


def _pair(x):
    torch = pytest.importorskip("torch")
    return ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def _check_against_torch(ours_fn, theirs_fn, x, rtol=1e-10):
    """Forward values and the gradient of a weighted sum agree with PyTorch's."""
    torch = pytest.importorskip("torch")
    a, t = _pair(x)
    out_a, out_t = ours_fn(a), theirs_fn(t)
    assert tuple(out_a.shape) == tuple(out_t.shape)
    assert str(out_a.dtype) == str(out_t.dtype).replace("torch.", "")
    np.testing.assert_allclose(out_a.detach().numpy(), out_t.detach().numpy(), rtol=rtol, atol=1e-12)
    w = np.random.default_rng(1).standard_normal(tuple(out_t.shape))
    (out_a * ag.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    theirs = np.zeros_like(x) if t.grad is None else t.grad.numpy()  # (ord=0: PyTorch leaves it undefined, i.e. 0)
    np.testing.assert_allclose(a.grad.numpy(), theirs, rtol=rtol, atol=1e-12)


# ------------------------------------------------------------------------------- vector_norm
@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2), [1], ()])
@pytest.mark.parametrize("keepdim", [False, True])
def test_vector_norm_matches_pytorch(ord, dim, keepdim):
    torch = pytest.importorskip("torch")
    _check_against_torch(lambda a: LA.vector_norm(a, ord, dim, keepdim),
                         lambda t: torch.linalg.vector_norm(t, ord, dim, keepdim), _data((2, 3, 4)))


@pytest.mark.parametrize("ord", VECTOR_ORDS)
def test_vector_norm_gradients_at_zeros_and_ties_match_pytorch(ord):
    """At a zero vector PyTorch defines the gradient as 0 (a subgradient); tied maxima share it."""
    torch = pytest.importorskip("torch")
    for x in ([0.0, 0.0, 0.0], [3.0, -3.0, 1.0], [0.0, 2.0, -1.0], [[0.0, 0.0], [1.0, -1.0]]):
        x = np.array(x)
        _check_against_torch(lambda a: LA.vector_norm(a, ord, dim=-1),
                             lambda t: torch.linalg.vector_norm(t, ord, dim=-1), x)
        a = ag.tensor(x, requires_grad=True)
        LA.vector_norm(a, ord).backward()
        assert np.isfinite(a.grad.numpy()).all()


@pytest.mark.parametrize("ord", [2, 1, INF, -INF, 3, 0.5, -1, 0])
def test_vector_norm_gradcheck(ord):
    x = ag.tensor(_data((3, 4), seed=2), requires_grad=True)
    assert ag.gradcheck(lambda t: LA.vector_norm(t, ord, dim=1), (x,))
    assert ag.gradcheck(lambda t: LA.vector_norm(t, ord), (x,))


@pytest.mark.parametrize("ord", [2, 3, -1])
def test_vector_norm_gradgradcheck(ord):
    x = ag.tensor(_data((3, 4), seed=3), requires_grad=True)
    assert ag.gradgradcheck(lambda t: LA.vector_norm(t, ord, dim=0), (x,))


def test_vector_norm_dtype_casts_first_as_pytorch():
    torch = pytest.importorskip("torch")
    x = _data((2, 3)).astype(np.float32)
    ours = LA.vector_norm(ag.tensor(x), dtype=ag.float64)
    theirs = torch.linalg.vector_norm(torch.tensor(x), dtype=torch.float64)
    assert ours.dtype == ag.float64 and ours.item() == pytest.approx(theirs.item(), rel=1e-12)
    assert LA.vector_norm(ag.tensor(x)).dtype == ag.float32
    with pytest.raises(RuntimeError, match="without narrowing"):
        LA.vector_norm(ag.tensor(x, dtype=ag.float64), dtype=ag.float32)


def test_vector_norm_errors_as_pytorch():
    with pytest.raises(RuntimeError, match="floating point"):
        LA.vector_norm(ag.arange(3))  # PyTorch: "Expected a floating point or complex tensor as input. Got Long"
    with pytest.raises(RuntimeError, match="floating point"):
        LA.vector_norm(ag.arange(3), dtype=ag.float64)  # (as PyTorch: dtype doesn't rescue an integer input)
    with pytest.raises(TypeError, match="ord must be a number"):
        LA.vector_norm(ag.ones(3), "fro")
    empty = ag.zeros(0, 3)
    for ord in (INF, -INF, -1):
        with pytest.raises(RuntimeError, match="does not have an identity"):
            LA.vector_norm(empty, ord)
        with pytest.raises(RuntimeError, match="dimension 0"):
            LA.vector_norm(empty, ord, dim=0)
    assert LA.vector_norm(empty, INF, dim=1).shape == (0,)  # the reduced dim is not empty: fine
    assert LA.vector_norm(empty).item() == 0.0 and LA.vector_norm(empty, 0).item() == 0.0


# ------------------------------------------------------------------------------- matrix_norm
@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize("dim", [(-2, -1), (0, 1), (1, 0), (2, 0), (-1, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_matrix_norm_matches_pytorch(ord, dim, keepdim):
    torch = pytest.importorskip("torch")
    _check_against_torch(lambda a: LA.matrix_norm(a, ord, dim, keepdim),
                         lambda t: torch.linalg.matrix_norm(t, ord, dim, keepdim), _data((2, 3, 4)))


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_ties_and_zeros_match_pytorch(ord):
    torch = pytest.importorskip("torch")
    for x in ([[1.0, -2.0], [-2.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, -1.0]]):
        _check_against_torch(lambda a: LA.matrix_norm(a, ord), lambda t: torch.linalg.matrix_norm(t, ord), np.array(x))


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_gradcheck(ord):
    x = ag.tensor(_data((2, 3, 4), seed=4), requires_grad=True)
    assert ag.gradcheck(lambda t: LA.matrix_norm(t, ord), (x,))
    assert ag.gradcheck(lambda t: LA.matrix_norm(t, ord, dim=(2, 0), keepdim=True), (x,))


def test_matrix_norm_values_by_hand():
    A = ag.tensor([[1.0, -2.0], [3.0, 4.0]])
    assert LA.matrix_norm(A, 1).item() == 6.0 and LA.matrix_norm(A, -1).item() == 4.0  # columns: 4, 6
    assert LA.matrix_norm(A, INF).item() == 7.0 and LA.matrix_norm(A, -INF).item() == 3.0  # rows: 3, 7
    assert LA.matrix_norm(A).item() == pytest.approx(math.sqrt(30))


@pytest.mark.parametrize("ord, expected", [("nuc", 7.0), (2, 4.0), (-2, 3.0), (2.0, 4.0)])
def test_orders_from_the_singular_values(ord, expected):
    # singular values 4 and 3: the nuclear norm is their sum, ord 2 / -2 the largest / smallest
    A = ag.tensor([[0.0, 3.0], [4.0, 0.0]], dtype=ag.float64)
    assert LA.matrix_norm(A, ord).item() == pytest.approx(expected, rel=1e-12)
    assert LA.norm(A, ord).item() == pytest.approx(expected, rel=1e-12)


def test_matrix_norm_errors_as_pytorch():
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        LA.matrix_norm(ag.ones(3))
    with pytest.raises(RuntimeError, match="order 3 is not supported"):
        LA.matrix_norm(ag.ones(2, 2), 3)
    with pytest.raises(RuntimeError, match="order 'abc' is not supported"):
        LA.matrix_norm(ag.ones(2, 2), "abc")
    with pytest.raises(RuntimeError, match="dims must be different"):
        LA.matrix_norm(ag.ones(2, 2), dim=(0, -2))
    with pytest.raises(RuntimeError, match="dim must be a 2-tuple"):
        LA.matrix_norm(ag.ones(2, 2), dim=(0,))
    with pytest.raises(RuntimeError, match="floating point"):
        LA.matrix_norm(ag.ones(2, 2, dtype=ag.int64))
    with pytest.raises(IndexError):
        LA.matrix_norm(ag.ones(2, 2), dim=(0, 2))


# -------------------------------------------------------------------------------------- norm
NORM_CASES = [  # (shape, ord, dim): PyTorch picks a vector or a matrix norm from them
    ((2, 3, 4), None, None), ((2, 3, 4), None, 1), ((2, 3, 4), None, (0, 2)), ((12,), None, None),
    ((3, 4), 1, None), ((3, 4), INF, None), ((3, 4), -INF, None), ((3, 4), "fro", None), ((12,), 1, None),
    ((12,), INF, None), ((12,), 3, None), ((12,), 0, None), ((2, 3, 4), 3, 2), ((2, 3, 4), 1, (2,)),
    ((2, 3, 4), "fro", (0, 1)), ((2, 3, 4), -1, (2, 1)), ((2, 3, 4), INF, [0, 2]), ((3, 4), -2.5, 0),
]


@pytest.mark.parametrize("shape, ord, dim", NORM_CASES)
@pytest.mark.parametrize("keepdim", [False, True])
def test_norm_dispatches_as_pytorch(shape, ord, dim, keepdim):
    torch = pytest.importorskip("torch")
    _check_against_torch(lambda a: LA.norm(a, ord, dim, keepdim),
                         lambda t: torch.linalg.norm(t, ord, dim, keepdim), _data(shape, seed=5))


@pytest.mark.parametrize("shape, ord, dim", [
    ((2, 3, 4), 1, None), ((2, 3, 4), "fro", None), ((12,), "fro", None), ((3, 4), "fro", 1),
    ((3, 4), None, (0, 1, 1)), ((3, 4), None, ()), ((3, 4), 3, None), ((3, 4), 1, (0, 0)),
])
def test_norm_refuses_what_pytorch_refuses(shape, ord, dim):
    torch = pytest.importorskip("torch")
    with pytest.raises((RuntimeError, ValueError, TypeError)):
        torch.linalg.norm(torch.ones(shape), ord, dim)
    with pytest.raises(RuntimeError):
        LA.norm(ag.ones(shape), ord, dim)


def test_norm_default_is_the_two_norm_of_all_elements_and_takes_dtype():
    x = ag.tensor(_data((2, 3, 4)), dtype=ag.float32)
    assert LA.norm(x).item() == pytest.approx(float(np.linalg.norm(x.numpy().ravel())), rel=1e-6)
    assert LA.norm(x, dtype=ag.float64).dtype == ag.float64
    assert LA.norm(x, keepdim=True).shape == (1, 1, 1)


def test_linalg_is_reachable_as_in_pytorch():
    assert ag.linalg is LA
    assert ag.linalg.norm(ag.tensor([3.0, 4.0])).item() == 5.0
    import autograd_core.linalg  # noqa: F401  (the module path works too)


def test_norms_run_on_the_strict_device():
    """Composed from ops that keep to the device's xp: the CuPy stand-in gives the cpu's results."""
    x = _data((2, 3, 4), seed=6)
    for fn in (lambda t: LA.vector_norm(t, 3, dim=1), lambda t: LA.matrix_norm(t, INF),
               lambda t: LA.matrix_norm(t, -1, dim=(0, 2)), lambda t: LA.norm(t)):
        on_strict = ag.tensor(x, device="strict", requires_grad=True)
        on_cpu = ag.tensor(x, requires_grad=True)
        a, b = fn(on_strict), fn(on_cpu)
        a.sum().backward()
        b.sum().backward()
        np.testing.assert_allclose(a.detach().cpu().numpy(), b.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(on_strict.grad.cpu().numpy(), on_cpu.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("kwargs", [{"p": "fro"}, {"p": "fro", "dim": (0, 1)}, {"p": "nuc", "dim": (0, 1)},
                                    {"p": "nuc", "dim": (1, 2), "keepdim": True}, {"p": "fro", "dim": (0, 1, 2)},
                                    {"p": "nuc"}])  # fmt: skip
def test_norm_with_a_matrix_order_is_matrix_norms_as_in_pytorch(kwargs):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    try:
        expected = torch.norm(torch.tensor(x, requires_grad=True), **kwargs)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="dim must be a 2-tuple"):
            ag.norm(ag.tensor(x), **kwargs)
        return
    ours = ag.tensor(x, requires_grad=True)
    out = ag.norm(ours, **kwargs)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    torch.norm(theirs, **kwargs).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
