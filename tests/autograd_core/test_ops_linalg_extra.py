"""Linear algebra composed from matmul and the reductions (mv, addmv, addr, addbmm, inner, tensordot,
trace, kron, cross, cdist, pdist, dist, cov, corrcoef, renorm, matrix_power), the pseudo-inverse
primitive, and triu_indices / tril_indices; forward and gradients against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag

torch = pytest.importorskip("torch")

TOL = {"rtol": 1e-10, "atol": 1e-12}


def _grads_match(f_ours, f_torch, *shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = f_ours(*ours), f_torch(*theirs)
    assert out.shape == tuple(tout.shape) and str(out.dtype) == str(tout.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **TOL)
    g = rng.standard_normal(tuple(tout.shape))
    out.backward(ag.tensor(g))
    tout.backward(torch.tensor(g))
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), **TOL)
    return ours


def _gradchecks(fn, *shapes, seed=1):
    rng = np.random.default_rng(seed)
    inputs = tuple(ag.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    assert ag.gradcheck(fn, inputs)
    assert ag.gradgradcheck(fn, inputs)


CASES = {
    "mv": (ag.mv, torch.mv, [(3, 4), (4,)]),
    "addmv": (lambda i, m, v: ag.addmv(i, m, v, beta=0.5, alpha=2),
              lambda i, m, v: torch.addmv(i, m, v, beta=0.5, alpha=2), [(3,), (3, 4), (4,)]),
    "addr": (lambda i, a, b: ag.addr(i, a, b, beta=0.5, alpha=2),
             lambda i, a, b: torch.addr(i, a, b, beta=0.5, alpha=2), [(3, 1), (3,), (4,)]),
    "addbmm": (lambda i, a, b: ag.addbmm(i, a, b, beta=0.5, alpha=2),
               lambda i, a, b: torch.addbmm(i, a, b, beta=0.5, alpha=2), [(3, 5), (2, 3, 4), (2, 4, 5)]),
    "inner": (ag.inner, torch.inner, [(2, 3, 4), (5, 4)]),
    "ger": (ag.ger, torch.ger, [(3,), (2,)]),
    "vdot": (ag.vdot, torch.vdot, [(3,), (3,)]),
    "tensordot_pairs": (lambda a, b: ag.tensordot(a, b, dims=([0, 2], [2, 0])),
                        lambda a, b: torch.tensordot(a, b, dims=([0, 2], [2, 0])), [(2, 3, 4), (4, 5, 2)]),
    "tensordot_int": (lambda a, b: ag.tensordot(a, b, 1), lambda a, b: torch.tensordot(a, b, 1), [(2, 3), (3, 4)]),
    "trace": (ag.trace, torch.trace, [(3, 4)]),
    "kron": (ag.kron, torch.kron, [(2, 3), (4, 1, 2)]),
    "cross_default_dim": (ag.cross, torch.cross, [(4, 3), (4, 3)]),
    "cross_dim0_broadcast": (lambda a, b: ag.cross(a, b, dim=0), lambda a, b: torch.cross(a, b, dim=0), [(3, 1), (3, 4)]),
    "linalg_cross": (ag.linalg.cross, torch.linalg.cross, [(3, 3), (3, 3)]),
    "cov": (ag.cov, torch.cov, [(3, 6)]),
    "cov_1d": (ag.cov, torch.cov, [(6,)]),
    "corrcoef": (ag.corrcoef, torch.corrcoef, [(3, 6)]),
    "renorm_p2": (lambda a: ag.renorm(a, 2, 1, 1.5), lambda a: torch.renorm(a, 2, 1, 1.5), [(3, 4, 2)]),
    "renorm_p3": (lambda a: a.renorm(3, 0, 1.0), lambda a: a.renorm(3, 0, 1.0), [(3, 4)]),
    "matrix_power_3": (lambda a: ag.matrix_power(a, 3), lambda a: torch.matrix_power(a, 3), [(2, 3, 3)]),
    "matrix_power_5": (lambda a: a.matrix_power(5), lambda a: a.matrix_power(5), [(3, 3)]),
    "matrix_power_neg": (lambda a: ag.matrix_power(a, -2), lambda a: torch.matrix_power(a, -2), [(3, 3)]),
    "pinverse_tall": (ag.pinverse, torch.pinverse, [(4, 3)]),
    "pinverse_wide_batched": (ag.pinverse, torch.pinverse, [(2, 3, 5)]),
    "linalg_pinv": (ag.linalg.pinv, torch.linalg.pinv, [(3, 3)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    ours, theirs, shapes = CASES[name]
    _grads_match(ours, theirs, *shapes)


@pytest.mark.parametrize("name", ["addmv", "addr", "addbmm", "inner", "tensordot_pairs", "kron", "cross_default_dim",
                                  "cov", "corrcoef", "renorm_p3", "matrix_power_3", "pinverse_tall",
                                  "pinverse_wide_batched"])
def test_gradcheck_and_gradgradcheck(name):
    ours, _, shapes = CASES[name]
    _gradchecks(ours, *shapes)


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, float("inf"), 0.0])
def test_cdist_pdist_dist_match_torch(p):
    _grads_match(lambda a, b: ag.cdist(a, b, p=p), lambda a, b: torch.cdist(a, b, p=p), (2, 3, 4), (2, 5, 4))
    _grads_match(lambda a, b: ag.cdist(a, b, p=p), lambda a, b: torch.cdist(a, b, p=p), (3, 4), (2, 1, 4))
    _grads_match(lambda a: ag.pdist(a, p=p), lambda a: torch.pdist(a, p=p), (5, 3))
    if p:  # (PyTorch's dist has no backward for p=0)
        _grads_match(lambda a, b: ag.dist(a, b, p=p), lambda a, b: torch.dist(a, b, p=p), (2, 3), (3,))


def test_cdist_gradient_is_zero_at_zero_distance_as_in_torch():
    a = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]])
    for p in (2.0, 1.0, 0.5, float("inf")):
        x, tx = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        ag.cdist(x, x, p=p).sum().backward()
        torch.cdist(tx, tx, p=p).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **TOL)


def test_cdist_pdist_gradchecks():
    _gradchecks(lambda a, b: ag.cdist(a, b, p=3.0), (3, 2), (4, 2))
    _gradchecks(lambda a: ag.pdist(a), (4, 3))


def test_cov_with_weights_matches_torch():
    rng = np.random.default_rng(2)
    fw = np.array([1, 2, 0, 3, 1, 1])
    aw = np.abs(rng.standard_normal(6))
    _grads_match(lambda a: ag.cov(a, correction=2, fweights=ag.tensor(fw), aweights=ag.tensor(aw)),
                 lambda a: torch.cov(a, correction=2, fweights=torch.tensor(fw), aweights=torch.tensor(aw)), (3, 6))
    _grads_match(lambda a: ag.cov(a, correction=0, fweights=ag.tensor(fw)),
                 lambda a: torch.cov(a, correction=0, fweights=torch.tensor(fw)), (2, 6))
    with pytest.raises(ValueError, match="fweights"):
        ag.cov(ag.ones(2, 3), fweights=ag.tensor([1.0, 1.0, 1.0]))
    assert np.isnan(ag.cov(ag.ones(2, 1)).numpy()).all()  # one observation: 0 / 0, as in PyTorch


def test_integer_results_and_dtype_rules():
    assert ag.trace(ag.ones(2, 3, dtype=ag.int32)).dtype == ag.int64
    assert ag.kron(ag.ones(2, dtype=ag.int64), ag.ones(2, 2)).dtype == ag.float32
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.addmv(ag.ones(2, dtype=ag.float64), ag.ones(2, 3), ag.ones(3))
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.cross(ag.ones(3, dtype=ag.int64), ag.ones(3))
    with pytest.raises(RuntimeError, match="size 3"):
        ag.cross(ag.ones(2, 2), ag.ones(2, 2))
    assert ag.matrix_power(ag.ones(2, 2, 2), 0).tolist() == torch.matrix_power(torch.ones(2, 2, 2), 0).tolist()


def test_beta_zero_ignores_nans_in_input():
    out = ag.addmv(ag.tensor([float("nan"), 1.0]), ag.eye(2), ag.ones(2), beta=0)
    assert out.tolist() == [1.0, 1.0]
    out = ag.addr(ag.full((2, 2), float("nan")), ag.ones(2), ag.ones(2), beta=0)
    assert out.tolist() == [[1.0, 1.0], [1.0, 1.0]]


@pytest.mark.parametrize("row,col,offset", [(3, 3, 0), (4, 2, 1), (2, 5, -1), (3, 4, 2), (0, 3, 0), (3, 3, -5)])
def test_triu_tril_indices_match_torch(row, col, offset):
    for name in ("triu_indices", "tril_indices"):
        ours, theirs = getattr(ag, name)(row, col, offset), getattr(torch, name)(row, col, offset)
        assert ours.dtype == ag.int64 and ours.tolist() == theirs.tolist()
    assert ag.triu_indices(3, 3, dtype=ag.int32).dtype == ag.int32


def test_new_ops_keep_to_the_device_arrays():
    """On the strict device (arrays that refuse conversion to NumPy, as CuPy's do) every new op runs
    forward and backward without a stray host conversion."""
    from tests.helpers import strict_backend

    strict_backend.register()
    dev = strict_backend.DEVICE
    x = ag.tensor(np.random.default_rng(0).standard_normal((3, 4)), device=dev, requires_grad=True)
    idx = ag.tensor([[0, 0], [1, 1], [2, 0]], device=dev)
    outs = [
        ag.nansum(x), ag.nanmean(x, 1), ag.cummax(x, 1).values, ag.logcumsumexp(x, 0), ag.kthvalue(x, 2).values,
        ag.mode(x).values, ag.nanmedian(x), ag.nanmedian(x, 0).values, ag.quantile(x, 0.3, dim=1), ag.aminmax(x).max,
        ag.rot90(x), ag.diag_embed(x), ag.diagflat(x), ag.block_diag(x, x), ag.combinations(x[0]),
        ag.cartesian_prod(x[0], x[1]), ag.mv(x, x[0]), ag.kron(x, x), ag.cross(x[:, :3], x[:, 1:]), ag.cdist(x, x),
        ag.pdist(x), ag.cov(x), ag.corrcoef(x), ag.renorm(x, 2, 0, 1.0), ag.matrix_power(x[:, :3], 3), ag.pinverse(x),
        ag.take(x, ag.tensor([1, -1], device=dev)), x.index_copy(0, ag.tensor([2], device=dev), x[:1] * 2),
        ag.index_put(x, (ag.tensor([0, 0], device=dev),), x[0], accumulate=True),
        x.masked_scatter(ag.tensor([True, False, True, False], device=dev), x * 3),
        x.scatter_reduce(1, idx, x[:, :2] + 1, "prod"), x.scatter_reduce(1, idx, x[:, :2], "amax", include_self=False),
        x.scatter_reduce(1, idx, x[:, :2], "mean"), ag.tensordot(x, x, ([1], [1])), ag.trace(x),
    ]
    sum(o.sum() for o in outs).backward()
    assert x.grad.device == dev and x.grad.shape == x.shape
    assert ag.searchsorted(ag.tensor([[1.0, 2.0, 3.0]], device=dev), ag.tensor([[2.5]], device=dev)).tolist() == [[2]]
    assert ag.histc(x.detach(), 5).device == dev and ag.unique_consecutive(x.detach()).device == dev
    assert x.detach()[1:].storage_offset() == 4
