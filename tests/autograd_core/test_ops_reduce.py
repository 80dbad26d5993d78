"""Reductions: dim (None, int, negative, tuple) and keepdim as in PyTorch; ties, zeros, empty slices."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops.reduce import cumprod
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, GRADCHECK, OpSpec, each, make_tests, to_host


def _axis(x, dim):
    return S.normalise_dims(dim, x.ndim)


def _quiet(fn):
    """A NumPy reference that may see empty slices (mean -> nan) without warning."""

    def ref(*args, **kwargs):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(*args, **kwargs)

    return ref


def _sum_ref(x, dim=None, keepdim=False):
    return np.sum(x, axis=_axis(x, dim), keepdims=keepdim)


def _mean_ref(x, dim=None, keepdim=False):
    return np.mean(x, axis=_axis(x, dim), keepdims=keepdim)


def _prod_ref(x, dim=None, keepdim=False):
    return np.prod(x, axis=_axis(x, dim), keepdims=keepdim)


def _amax_ref(x, dim=(), keepdim=False):
    return np.max(x, axis=_axis(x, None if dim == () else dim), keepdims=keepdim)


def _amin_ref(x, dim=(), keepdim=False):
    return np.min(x, axis=_axis(x, None if dim == () else dim), keepdims=keepdim)


def _max_dim_ref(x, dim, keepdim=False):
    return np.max(x, axis=dim, keepdims=keepdim), np.argmax(x, axis=dim, keepdims=keepdim)


def _min_dim_ref(x, dim, keepdim=False):
    return np.min(x, axis=dim, keepdims=keepdim), np.argmin(x, axis=dim, keepdims=keepdim)


def _arg_ref(fn):
    def ref(x, dim=None, keepdim=False):
        if dim is None:
            out = fn(x)
            return np.reshape(out, (1,) * x.ndim) if keepdim else out
        return fn(x, axis=dim % max(x.ndim, 1), keepdims=keepdim) if x.ndim else fn(x)

    return ref


def _var_ref(x, dim=None, keepdim=False, unbiased=None, correction=None):
    ddof = correction if correction is not None else (0 if unbiased is False else 1)
    return np.var(x, axis=_axis(x, dim), ddof=ddof, keepdims=keepdim)


def _std_ref(x, **kw):
    return np.sqrt(_var_ref(x, **kw))


def _logsumexp_ref(x, dim, keepdim=False):
    axis = _axis(x, dim)
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros([1] * x.ndim)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=axis)


def _softmax_ref(x, dim):
    e = np.exp(x - np.max(x, axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def _log_softmax_ref(x, dim):
    s = x - np.max(x, axis=dim, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=dim, keepdims=True))


def _norm_ref(x, p="fro", dim=None, keepdim=False):
    axis, a = _axis(x, dim), np.abs(x)
    if p in ("fro", 2):
        return np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdim))
    if p == np.inf:
        return np.max(a, axis=axis, keepdims=keepdim)
    if p == -np.inf:
        return np.min(a, axis=axis, keepdims=keepdim)
    if p == 0:
        return np.sum(a != 0, axis=axis, keepdims=keepdim).astype(x.dtype)
    return np.sum(a**p, axis=axis, keepdims=keepdim) ** (1.0 / p)


def _torch_norm(torch, x, p="fro", dim=None, keepdim=False):
    return torch.linalg.vector_norm(x, ord=2 if p == "fro" else p, dim=dim, keepdim=keepdim)


def _torch_prod(torch, x, dim=None, keepdim=False):
    if dim is None:  # torch.prod has no keepdim for a full reduction; ours keeps the dims as sum does
        return torch.prod(x).reshape((1,) * x.ndim if keepdim else ())
    return torch.prod(x, dim, keepdim=keepdim)


def _torch_amax(name):
    return lambda torch, x, dim=(), keepdim=False: getattr(torch, name)(x, dim=dim, keepdim=keepdim)


def _distinct_abs(x):
    """Distinct magnitudes, random signs: no ties in |x| (inf-norms)."""
    return np.sign(np.where(x == 0, 1.0, x)) * (0.2 + 0.25 * np.argsort(np.argsort(np.abs(x).ravel())).reshape(x.shape))


def _away_from_zero(x):
    return np.sign(np.where(x == 0, 1.0, x)) * (np.abs(x) + 0.2)


# kwargs strategies receive the tuple of input shapes; reductions have one input.
def _reduce(shapes, **kw):
    return S.reduce_kwargs(shapes[0], **kw)


def _amax_kwargs(shapes):
    nd = len(shapes[0])
    dim = st.one_of(st.just(()), S.dims(nd, allow_none=False)) if nd else st.just(())
    return st.fixed_dictionaries({"dim": dim, "keepdim": st.booleans()})


def _dim_keepdim(shapes):
    return st.fixed_dictionaries({"dim": S.dim(len(shapes[0])), "keepdim": st.booleans()})


def _arg_kwargs(shapes):
    return st.fixed_dictionaries({"dim": st.one_of(st.none(), S.dim(len(shapes[0]))), "keepdim": st.booleans()})


def _var_kwargs(shapes):
    correction = st.one_of(
        st.just({}),
        st.fixed_dictionaries({"unbiased": st.booleans()}),
        st.fixed_dictionaries({"correction": st.sampled_from([0, 1])}),
    )
    return st.tuples(S.reduce_kwargs(shapes[0]), correction).map(lambda kw: {**kw[0], **kw[1]})


def _logsumexp_kwargs(shapes):
    # Reductions over an empty dim have their own test (test_softmax_family_over_an_empty_dim).
    (shape,) = shapes
    dim = S.dims(len(shape), allow_none=False).filter(lambda d: all(shape[i] for i in S.normalise_dims(d, len(shape))))
    return st.fixed_dictionaries({"dim": dim, "keepdim": st.booleans()})


def _norm_kwargs(ps):
    # ('fro' over more than two dims is matrix_norm's, which refuses them, as torch.norm does)
    return lambda shapes: st.fixed_dictionaries(
        {"p": st.sampled_from(ps), "dim": S.dims(len(shapes[0])), "keepdim": st.booleans()}
    ).filter(lambda kw: not (kw["p"] == "fro" and isinstance(kw["dim"], (tuple, list)) and len(kw["dim"]) > 2))


def _cumprod_ref(x, dim):
    return np.cumprod(x, axis=dim) if x.ndim else x.copy()


CUMPROD_CASE = S.shapes().flatmap(lambda s: S.dim(len(s)).map(lambda d: ((s,), {"dim": d})))


def _norm_domain(arrays, kwargs):
    (x,) = arrays
    p = kwargs["p"]
    return (_distinct_abs(x) if p in (np.inf, -np.inf) else x if p in ("fro", 2) else _away_from_zero(x),)


ANY = S.same_shapes(1)
NONEMPTY = S.same_shapes(1, min_side=1)
AT_LEAST_1D = S.same_shapes(1, min_dims=1, min_side=1)
# softmax-like ops: empty dims allowed, but not along ``dim`` (that case has its own test)
SOFTMAX_CASE = S.shapes(min_dims=1).flatmap(
    lambda s: S.dim(len(s)).filter(lambda d: s[d] > 0).map(lambda d: ((s,), {"dim": d})))

SPECS = [
    OpSpec("sum", ag.sum, _sum_ref, ANY, kwargs=_reduce, torch=lambda torch, x, **kw: torch.sum(x, **kw)),
    OpSpec("sum_all", lambda x: x.sum(), np.sum, ANY, torch=lambda torch, x: x.sum()),
    OpSpec("mean", ag.mean, _quiet(_mean_ref), ANY, kwargs=lambda s: _reduce(s, nonempty=True), torch=lambda torch, x, **kw: torch.mean(x, **kw)),
    OpSpec("prod", ag.prod, _prod_ref, ANY, kwargs=lambda s: _reduce(s, allow_tuple=False),
           domain=each(S.magnitude), torch=_torch_prod),
    OpSpec("amax", ag.amax, _amax_ref, NONEMPTY, kwargs=_amax_kwargs, domain=each(S.distinct), torch=_torch_amax("amax")),
    OpSpec("amin", ag.amin, _amin_ref, NONEMPTY, kwargs=_amax_kwargs, domain=each(S.distinct), torch=_torch_amax("amin")),
    OpSpec("max_all", lambda x: x.max(), np.max, NONEMPTY, domain=each(S.distinct), torch=lambda torch, x: x.max()),
    OpSpec("min_all", ag.min, np.min, NONEMPTY, domain=each(S.distinct), torch=lambda torch, x: torch.min(x)),
    OpSpec("max_dim", ag.max, _max_dim_ref, AT_LEAST_1D, kwargs=_dim_keepdim, domain=each(S.distinct),
           torch=lambda torch, x, dim, keepdim: tuple(torch.max(x, dim, keepdim))),
    OpSpec("min_dim", lambda x, dim, keepdim: x.min(dim=dim, keepdim=keepdim), _min_dim_ref, AT_LEAST_1D,
           kwargs=_dim_keepdim, domain=each(S.distinct), torch=lambda torch, x, dim, keepdim: tuple(torch.min(x, dim, keepdim))),
    OpSpec("argmax", ag.argmax, _arg_ref(np.argmax), AT_LEAST_1D, kwargs=_arg_kwargs, domain=each(S.distinct), diff=(),
           torch=lambda torch, x, **kw: torch.argmax(x, **kw)),
    OpSpec("argmin", lambda x, **kw: x.argmin(**kw), _arg_ref(np.argmin), AT_LEAST_1D, kwargs=_arg_kwargs,
           domain=each(S.distinct), diff=(), torch=lambda torch, x, **kw: torch.argmin(x, **kw)),
    OpSpec("var", ag.var, _var_ref, S.same_shapes(1, min_dims=1, min_side=2), kwargs=_var_kwargs,
           torch=lambda torch, x, **kw: torch.var(x, **kw)),
    OpSpec("std", ag.std, _std_ref, S.same_shapes(1, min_dims=1, min_side=2), kwargs=_var_kwargs,
           torch=lambda torch, x, **kw: torch.std(x, **kw)),
    OpSpec("logsumexp", ag.logsumexp, _logsumexp_ref, S.same_shapes(1, min_dims=1), kwargs=_logsumexp_kwargs,
           domain=each(lambda x: 3 * x), torch=lambda torch, x, **kw: torch.logsumexp(x, **kw)),
    OpSpec("softmax", ag.softmax, _softmax_ref, case=SOFTMAX_CASE, domain=each(lambda x: 3 * x),
           torch=lambda torch, x, dim: torch.softmax(x, dim)),
    OpSpec("log_softmax", ag.log_softmax, _log_softmax_ref, case=SOFTMAX_CASE,
           domain=each(lambda x: 3 * x), torch=lambda torch, x, dim: torch.log_softmax(x, dim)),
    OpSpec("norm", ag.norm, _norm_ref, ANY, kwargs=_norm_kwargs(["fro", 2, 1, 3, 1.5]), domain=_norm_domain,
           torch=_torch_norm),
    OpSpec("norm_inf", ag.norm, _norm_ref, NONEMPTY, kwargs=_norm_kwargs([np.inf, -np.inf]), domain=_norm_domain,
           torch=_torch_norm),
    OpSpec("norm_negative_p", ag.norm, _norm_ref, NONEMPTY, kwargs=_norm_kwargs([-1, -0.5, -2.5]),
           domain=_norm_domain, torch=_torch_norm),
    OpSpec("cumprod", cumprod, _cumprod_ref, case=CUMPROD_CASE, domain=each(S.magnitude),
           torch=lambda torch, x, dim: torch.cumprod(x, dim)),
    OpSpec("norm_default", lambda x: x.norm(), lambda x: np.sqrt(np.sum(x * x)), ANY, torch=lambda torch, x: x.norm()),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)


def _t(data, device, requires_grad=True):
    return ag.tensor(np.asarray(data, dtype=np.float64), device=device, requires_grad=requires_grad)


# ---------------------------------------------------------------------------- prod with zeros
PROD_WITH_ZEROS = [
    np.array([[2.0, 0.0, 3.0], [1.5, -2.0, 0.5]]),  # one zero in a slice
    np.array([[0.0, 4.0, 0.0], [1.5, -2.0, 0.5]]),  # two zeros in a slice
    np.array([[0.0, 0.0, 0.0], [0.0, 2.0, 3.0]]),
]


def _prod_grad(x: np.ndarray, axis: int) -> np.ndarray:
    """d prod / d x_i = product of the other elements of the slice (by brute force)."""
    g = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        line = np.take(x, idx[1 - axis], axis=1 - axis)
        g[idx] = np.prod(np.delete(line, idx[axis]))
    return g


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("x", PROD_WITH_ZEROS, ids=["one_zero", "two_zeros", "all_zero_and_one_zero"])
@pytest.mark.parametrize("dim", [1, 0])
def test_prod_gradient_is_exact_with_zeros(x, dim, device):
    t = _t(x, device)
    out = ag.prod(t, dim)
    np.testing.assert_array_equal(to_host(out), np.prod(x, axis=dim))
    out.sum().backward()
    np.testing.assert_allclose(to_host(t.grad), _prod_grad(x, dim), rtol=1e-12, atol=0)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("x", PROD_WITH_ZEROS, ids=["one_zero", "two_zeros", "all_zero_and_one_zero"])
def test_prod_with_zeros_first_and_second_order_gradcheck(x, device):
    # prod is a polynomial: central differences are exact at zeros too.
    fn = lambda t: ag.prod(t, 1)  # noqa: E731
    assert ag.gradcheck(fn, (_t(x, device),), **GRADCHECK)
    assert ag.gradgradcheck(fn, (_t(x, device),), **GRADCHECK)


@pytest.mark.parametrize("device", DEVICES)
def test_prod_second_derivative_with_one_zero(device):
    # f = x0 * x1 * x2 at x = (2, 0, 3): d2f/dx0dx1 = x2 = 3, d2f/dx1dx2 = x0 = 2, d2f/dx0dx2 = x1 = 0.
    x = _t([2.0, 0.0, 3.0], device)
    (g,) = ag.grad(ag.prod(x), x, create_graph=True)
    hessian = np.stack([to_host(ag.grad(g[i], x, retain_graph=True)[0]) for i in range(3)])
    np.testing.assert_allclose(hessian, [[0.0, 3.0, 0.0], [3.0, 0.0, 2.0], [0.0, 2.0, 0.0]])


@pytest.mark.parametrize("device", DEVICES)
def test_prod_second_derivative_with_two_zeros(device):
    # f = x0 * x1 * x2 at (0, 0, 3): the gradient is 0 but d2f/dx0dx1 = 3.
    x = _t([0.0, 0.0, 3.0], device)
    (g,) = ag.grad(ag.prod(x), x, create_graph=True)
    np.testing.assert_array_equal(to_host(g), [0.0, 0.0, 0.0])
    hessian = np.stack([to_host(ag.grad(g[i], x, retain_graph=True, allow_unused=True)[0]) for i in range(3)])
    np.testing.assert_allclose(hessian, [[0.0, 3.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]])


def _hessian(fn, x_host, device):
    x = _t(x_host, device)
    (g,) = ag.grad(fn(x), x, create_graph=True)
    return np.stack([to_host(ag.grad(g[i], x, retain_graph=True, allow_unused=True)[0]) for i in range(x_host.size)])


@pytest.mark.parametrize("device", DEVICES)
def test_norm_hessian(device):
    # d2 |x| / dx2 = (I - x xᵀ / |x|²) / |x|
    x = np.array([0.7, -0.3, 1.2])
    n = np.linalg.norm(x)
    expected = (np.eye(3) - np.outer(x, x) / n**2) / n
    np.testing.assert_allclose(_hessian(ag.norm, x, device), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
def test_logsumexp_hessian(device):
    # d2 logsumexp / dx2 = diag(p) - p pᵀ with p = softmax(x)
    x = np.array([0.5, -1.0, 2.0])
    p = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    expected = np.diag(p) - np.outer(p, p)
    np.testing.assert_allclose(_hessian(lambda t: ag.logsumexp(t, 0), x, device), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
def test_prod_hessian_without_zeros(device):
    # d2 (x0 x1 x2) / dxi dxj = product of the third element (i != j), 0 on the diagonal
    x = np.array([2.0, -0.5, 3.0])
    expected = np.array([[0.0, 3.0, -0.5], [3.0, 0.0, 2.0], [-0.5, 2.0, 0.0]])
    np.testing.assert_allclose(_hessian(ag.prod, x, device), expected, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------- ties
@pytest.mark.parametrize("device", DEVICES)
def test_amax_amin_share_gradient_evenly_between_ties(device):
    x = _t([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, -1.0]], device)
    (ag.amax(x, dim=1) * _t([1.0, 3.0], device, False)).sum().backward()
    np.testing.assert_allclose(to_host(x.grad), [[0.0, 0.5, 0.5, 0.0], [1.0, 1.0, 1.0, 0.0]])
    y = _t([[1.0, -3.0], [-3.0, 4.0]], device)
    ag.amin(y).backward()
    np.testing.assert_allclose(to_host(y.grad), [[0.0, 0.5], [0.5, 0.0]])


@pytest.mark.parametrize("device", DEVICES)
def test_full_max_shares_gradient_evenly_between_ties(device):
    # PyTorch: x.max() (no dim) distributes the gradient evenly among the maxima.
    x = _t([1.0, 5.0, 5.0, 5.0], device)
    x.max().backward()
    np.testing.assert_allclose(to_host(x.grad), [0.0, 1 / 3, 1 / 3, 1 / 3])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op, expected_index", [(ag.max, 1), (ag.min, 0)])
def test_max_min_along_dim_send_gradient_to_the_returned_index(op, expected_index, device):
    x = _t([[2.0, 7.0, 7.0], [2.0, 7.0, 2.0]], device)
    values, indices = op(x, 1)
    assert to_host(indices).tolist() == [expected_index, expected_index]  # first occurrence, as in PyTorch
    values.sum().backward()
    expected = np.zeros((2, 3))
    expected[:, expected_index] = 1.0
    np.testing.assert_array_equal(to_host(x.grad), expected)


@pytest.mark.parametrize("device", DEVICES)
def test_argmax_argmin_pick_the_first_of_ties_and_have_no_grad(device):
    x = _t([[1.0, 4.0, 4.0], [0.0, 0.0, -1.0]], device)
    assert to_host(ag.argmax(x, dim=1)).tolist() == [1, 0]
    assert to_host(ag.argmin(x, dim=1)).tolist() == [0, 2]
    assert ag.argmax(x).item() == 1 and ag.argmax(x).dtype == ag.int64
    assert not ag.argmax(x).requires_grad


def test_max_values_indices_result_is_a_named_tuple():
    out = ag.max(ag.tensor([[1.0, 3.0], [4.0, 2.0]]), dim=0)
    assert to_host(out.values).tolist() == [4.0, 3.0] and to_host(out.indices).tolist() == [1, 0]


# ---------------------------------------------------------------------------- special values
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dim", [None, 0, (0, 1)])
def test_norm2_at_the_zero_vector_has_zero_gradient(dim, device):
    x = _t(np.zeros((2, 3)), device)
    ag.norm(x, dim=dim).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), np.zeros((2, 3)))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("p", [2, 1, 3, 1.5, np.inf])
def test_p_norms_at_the_zero_vector_have_zero_gradient(p, device):
    # PyTorch's subgradient at 0 for every p: 0, never nan.
    x = _t(np.zeros((2, 3)), device)
    out = ag.norm(x, p, dim=1)
    np.testing.assert_array_equal(to_host(out), [0.0, 0.0])
    out.sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), np.zeros((2, 3)))


@pytest.mark.parametrize("device", DEVICES)
def test_logsumexp_is_stable_for_large_and_infinite_inputs(device):
    x = _t([[1000.0, 1000.0], [-np.inf, -np.inf], [-1000.0, 0.0]], device)
    out = ag.logsumexp(x, dim=1)
    np.testing.assert_allclose(to_host(out), [1000.0 + np.log(2.0), -np.inf, 0.0])
    ag.logsumexp(x[::2], dim=1).sum().backward()
    np.testing.assert_allclose(to_host(x.grad), [[0.5, 0.5], [0.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize("device", DEVICES)
def test_softmax_is_stable_for_large_inputs(device):
    x = _t([[1000.0, 0.0, -1000.0]], device)
    np.testing.assert_allclose(to_host(ag.softmax(x, 1)), [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(to_host(ag.log_softmax(x, 1)), [[0.0, -1000.0, -2000.0]])


@pytest.mark.parametrize("device", DEVICES)
def test_reductions_over_empty_dims(device):
    x = ag.zeros(0, 3, dtype=ag.float64, device=device)
    np.testing.assert_array_equal(to_host(ag.sum(x, 0)), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(to_host(ag.prod(x, 0)), [1.0, 1.0, 1.0])
    assert np.isnan(to_host(ag.mean(x, 0))).all()
    # mean over nothing is nan, but its (empty) gradient and the derivative of that
    # gradient with respect to the upstream gradient are sums over nothing: 0, as in PyTorch.
    x.requires_grad_(True)
    v = ag.ones(3, dtype=ag.float64, device=device, requires_grad=True)
    (g,) = ag.grad(ag.mean(x, 0), x, v, create_graph=True)
    assert g.shape == (0, 3)
    (gv,) = ag.grad(g.sum(), v, allow_unused=True)
    np.testing.assert_array_equal(to_host(gv) if gv is not None else np.zeros(3), np.zeros(3))
    with pytest.raises(IndexError, match="amax"):
        ag.amax(x, 0)
    with pytest.raises((IndexError, RuntimeError), match="max"):
        x.max()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    "op, expected",
    [
        (lambda x: ag.logsumexp(x, 0), np.full(3, -np.inf)),  # PyTorch: log(0) = -inf
        (lambda x: ag.logsumexp(x, (0, 1)), np.array(-np.inf)),
        (lambda x: ag.softmax(x, 0), np.zeros((0, 3))),  # PyTorch: an empty result
        (lambda x: ag.log_softmax(x, 0), np.zeros((0, 3))),
    ],
    ids=["logsumexp", "logsumexp_all", "softmax", "log_softmax"],
)
def test_softmax_family_over_an_empty_dim(op, expected, device):
    x = ag.zeros(0, 3, dtype=ag.float64, device=device, requires_grad=True)
    out = op(x)
    np.testing.assert_array_equal(to_host(out), expected)
    out.sum().backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize(
    "op, expected",
    [
        (ag.sum, 2.5), (ag.mean, 2.5), (ag.prod, 2.5), (ag.amax, 2.5), (ag.amin, 2.5), (ag.logsumexp, 2.5),
        (lambda x, d: ag.norm(x, dim=d), 2.5), (lambda x, d: ag.norm(x, 1, dim=d), 2.5), (ag.softmax, 1.0),
        (ag.log_softmax, 0.0), (lambda x, d: ag.max(x, d).values, 2.5), (lambda x, d: ag.min(x, d).values, 2.5),
    ],
    ids=["sum", "mean", "prod", "amax", "amin", "logsumexp", "norm", "norm1", "softmax", "log_softmax", "max", "min"],
)
def test_reductions_of_a_0d_tensor_accept_dim_0_and_minus_1(op, expected, dim, device):
    # PyTorch treats a 0-d tensor as having one dim of size 1 for dim arguments.
    x = ag.tensor(2.5, dtype=ag.float64, device=device, requires_grad=True)
    out = op(x, dim)
    assert out.shape == ()
    assert out.item() == pytest.approx(expected)
    out.backward()
    assert x.grad.shape == ()


@pytest.mark.parametrize("device", DEVICES)
def test_argmax_and_max_indices_of_a_0d_tensor(device):
    x = ag.tensor(2.5, device=device)
    assert ag.argmax(x, 0).item() == 0 and ag.argmax(x).item() == 0
    assert ag.max(x, -1).indices.item() == 0


# ---------------------------------------------------------------------------- dtypes and arguments
@pytest.mark.parametrize("device", DEVICES)
def test_sum_dtypes_follow_pytorch(device):
    i32 = ag.tensor([1, 2, 3], dtype=ag.int32, device=device)
    assert ag.sum(i32).dtype == ag.int64  # integers sum in int64
    assert ag.sum(ag.tensor([True, True, False], device=device)).item() == 2
    assert ag.sum(i32, dtype=ag.float64).dtype == ag.float64
    assert ag.sum(ag.ones(3, device=device)).dtype == ag.float32
    with pytest.raises(RuntimeError, match="mean"):
        ag.mean(i32)


@pytest.mark.parametrize("device", DEVICES)
def test_std_of_a_constant_slice_has_zero_gradient(device):
    # PyTorch masks std's gradient where std == 0 (sqrt's derivative is infinite there): 0, not nan.
    x = _t([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]], device)
    ag.std(x, dim=1).sum().backward()
    np.testing.assert_allclose(to_host(x.grad), [[0.0, 0.0, 0.0], [-0.5, 0.0, 0.5]])


@pytest.mark.parametrize("device", DEVICES)
def test_var_std_corrections(device):
    data = np.array([[1.0, 2.0, 4.0], [0.0, -1.0, 3.0]])
    x = _t(data, device, False)
    np.testing.assert_allclose(to_host(ag.var(x)), np.var(data, ddof=1))
    np.testing.assert_allclose(to_host(ag.var(x, unbiased=False)), np.var(data))
    np.testing.assert_allclose(to_host(ag.var(x, 1, correction=0, keepdim=True)), np.var(data, 1, keepdims=True))
    np.testing.assert_allclose(to_host(ag.std(x, dim=0, unbiased=True)), np.std(data, 0, ddof=1))
    np.testing.assert_allclose(to_host(ag.var(x, False)), np.var(data))  # var(x, unbiased) overload
    with pytest.raises((ValueError, RuntimeError)):
        ag.var(x, unbiased=True, correction=0)


@pytest.mark.parametrize("device", DEVICES)
def test_bad_dims_fail_naming_op_and_range(device):
    x = ag.ones(2, 3, device=device)
    with pytest.raises(IndexError, match=r"sum.*dim 2.*-2 to 1"):
        ag.sum(x, 2)
    with pytest.raises(IndexError, match="softmax"):
        ag.softmax(x, -3)


@pytest.mark.parametrize("dim", [(), []])
def test_an_empty_dim_list_reduces_every_dim_as_in_pytorch(dim):
    x = ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.sum(dim=dim).item() == 21.0 and x.mean(dim=dim).item() == 3.5
    assert x.amax(dim=dim).item() == 6.0 and x.sum(dim=dim, keepdim=True).shape == (1, 1)
    assert x.var(dim=dim).shape == x.std(dim=dim).shape == x.norm(dim=dim).shape == ()
    x.sum(dim=dim).backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2
    assert x.squeeze(dim).shape == (2, 3) and x.flip(dim).tolist() == x.tolist()  # these change nothing


# ---------------------------------------------------------------------------- cumprod
CUMPROD_WITH_ZEROS = {
    "one_zero": [2.0, 0.0, 3.0, -1.5],
    "two_zeros": [2.0, 0.0, 3.0, 0.0, 1.5, -1.0],
    "three_zeros": [0.0, 1.5, 0.0, 0.0, 2.0],
    "leading_zeros": [0.0, 0.0, -2.0, 3.0],
    "no_zero": [1.5, -2.0, 0.5],
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("values", CUMPROD_WITH_ZEROS.values(), ids=list(CUMPROD_WITH_ZEROS))
def test_cumprod_first_and_second_derivatives_with_zeros_match_pytorch(values, device):
    torch = pytest.importorskip("torch")
    x_host = np.array(values)
    w_host = np.random.default_rng(0).standard_normal(x_host.shape)
    w = _t(w_host, device, False)
    x = _t(x_host, device)
    (g,) = ag.grad((cumprod(x, 0) * w).sum(), x, create_graph=True)
    tx = torch.tensor(x_host, requires_grad=True)
    (tg,) = torch.autograd.grad((torch.cumprod(tx, 0) * torch.tensor(w_host)).sum(), tx)
    np.testing.assert_allclose(to_host(g), tg.numpy(), rtol=1e-12, atol=1e-12)
    hessian = np.stack([to_host(ag.grad(g[i], x, retain_graph=True, allow_unused=True)[0]) for i in range(x_host.size)])
    expected = torch.autograd.functional.hessian(lambda t: (torch.cumprod(t, 0) * torch.tensor(w_host)).sum(),
                                                 torch.tensor(x_host))
    np.testing.assert_allclose(hessian, expected.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
def test_cumprod_with_zeros_gradcheck_and_gradgradcheck(device):
    # cumprod is a polynomial in its input: central differences are exact at zeros too.
    x = _t([[2.0, 0.0, 3.0, 0.0, 1.5], [0.0, 1.0, -2.0, 0.5, 0.0]], device)
    for fn in (lambda t: cumprod(t, 1), lambda t: cumprod(t, 0)):
        assert ag.gradcheck(fn, (x,), **GRADCHECK)
        assert ag.gradgradcheck(fn, (x,), **GRADCHECK)


@pytest.mark.parametrize("device", DEVICES)
def test_cumprod_dtypes_and_0d_follow_pytorch(device):
    torch = pytest.importorskip("torch")
    for dtype in ("int32", "uint8", "bool", "int64", "float32"):
        data = np.array([1, 2, 0, 3]).astype(dtype)
        ours, theirs = cumprod(ag.tensor(data, device=device), 0), torch.cumprod(torch.tensor(data), 0)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(to_host(ours), theirs.numpy())
    assert cumprod(ag.tensor([1, 2], device=device), 0, dtype=ag.float64).dtype == ag.float64
    x = _t(2.5, device)
    out = cumprod(x, -1)
    assert out.shape == () and out.item() == 2.5
    out.backward()
    assert x.grad.item() == 1.0
    with pytest.raises(IndexError, match=r"cumprod: dim 1 is out of range"):
        cumprod(ag.ones(3, device=device), 1)


# ---------------------------------------------------------------------------- dtypes of prod, all, any; negative p
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32", "int64", "bool", "float32"])
def test_prod_all_any_dtypes_follow_pytorch(dtype, device):
    torch = pytest.importorskip("torch")
    data = np.array([[1, 2, 0], [3, 1, 2]]).astype(dtype)
    x, t = ag.tensor(data, device=device), torch.tensor(data)
    for ours, theirs in [
        (ag.prod(x), torch.prod(t)),
        (ag.prod(x, 1), torch.prod(t, 1)),
        (ag.all(x), torch.all(t)),
        (ag.any(x, 1, keepdim=True), torch.any(t, 1, keepdim=True)),
        (x.all(0), t.all(0)),
    ]:
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
        np.testing.assert_array_equal(to_host(ours), theirs.numpy())


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("p", [-1, -0.5, -2.5])
def test_negative_p_norms_with_zeros_match_pytorch(p, device):
    # A zero entry makes sum |x|^p infinite and the norm 0; PyTorch's gradient there is 0.
    torch = pytest.importorskip("torch")
    data = np.array([[1.0, 0.0, 3.0], [2.0, -1.0, 0.5], [0.0, 0.0, 0.0]])
    x, t = _t(data, device), torch.tensor(data, requires_grad=True)
    out, expected = ag.norm(x, p, dim=1), torch.linalg.vector_norm(t, p, dim=1)
    np.testing.assert_allclose(to_host(out), expected.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(to_host(x.grad), t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_negative_p_norm_over_an_empty_dim_fails_as_in_pytorch():
    torch = pytest.importorskip("torch")
    assert ag.norm(ag.zeros(0, 3), -1, dim=1).shape == (0,) == tuple(torch.linalg.vector_norm(torch.zeros(0, 3), -1, dim=1).shape)
    with pytest.raises(RuntimeError):
        torch.linalg.vector_norm(torch.zeros(0, 3), -1, dim=0)
    with pytest.raises(RuntimeError, match=r"norm: cannot compute the -1 norm over dim 0, which is empty"):
        ag.norm(ag.zeros(0, 3), -1, dim=0)
