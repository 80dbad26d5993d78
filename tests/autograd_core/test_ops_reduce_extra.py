"""The reductions PyTorch code reaches for after sum and max: NaN-ignoring ones, running extremes,
logcumsumexp, order statistics (kthvalue, mode, nanmedian, quantile), aminmax, histc, equal."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import strategies as S
from tests.helpers.op_factory import OpSpec, each, make_tests, make_torch_test

torch = pytest.importorskip("torch")

NAN = float("nan")
TOL = {"rtol": 1e-10, "atol": 1e-12}


def _dim_kwargs(shapes):
    nd = len(shapes[0])
    return st.fixed_dictionaries({"dim": st.integers(-nd, nd - 1)}) if nd else st.just({"dim": 0})


def _cummax_ref(x, dim):
    return np.maximum.accumulate(x, axis=dim % max(x.ndim, 1)) if x.ndim else x


def _logcumsumexp_ref(x, dim):
    return np.logaddexp.accumulate(x, axis=dim % max(x.ndim, 1)) if x.ndim else x


def _kth_kwargs(shapes):
    shape = shapes[0]
    nd = len(shape)
    return st.integers(-nd, nd - 1).flatmap(
        lambda d: st.fixed_dictionaries({"dim": st.just(d), "k": st.integers(1, shape[d]), "keepdim": st.booleans()})
    )


def _kth_ref(x, k, dim, keepdim):
    return np.take(np.sort(x, axis=dim), [k - 1], axis=dim) if keepdim else np.take(np.sort(x, axis=dim), k - 1, axis=dim)


def _quantile_kwargs(shapes):
    nd = len(shapes[0])
    dims = st.one_of(st.none(), st.integers(-nd, nd - 1))
    return st.fixed_dictionaries({"q": st.sampled_from([0.0, 0.3, 0.5, 0.9, 1.0]), "dim": dims, "keepdim": st.booleans()})


def _quantile_ref(x, q, dim, keepdim):
    return np.quantile(x, q, axis=dim, keepdims=keepdim)


def _nan_kwargs(shapes):
    return S.reduce_kwargs(shapes[0], allow_tuple=True)


def _with_nans(arrays, kwargs):
    """Every third element NaN (the NaN-ignoring reductions' whole point)."""
    out = []
    for a in arrays:
        a = a.copy()
        a.reshape(-1)[::3] = np.nan
        out.append(a)
    return tuple(out)


def _nansum_ref(x, dim=None, keepdim=False):
    return np.nansum(x, axis=S.normalise_dims(dim, x.ndim), keepdims=keepdim)


NONEMPTY = S.same_shapes(1, min_dims=1, min_side=1)
SPECS = [
    OpSpec("cummax_values", lambda x, dim: ag.cummax(x, dim).values, _cummax_ref, NONEMPTY, kwargs=_dim_kwargs,
           domain=each(S.distinct), torch=lambda torch, x, dim: torch.cummax(x, dim).values),
    OpSpec("cummin_values", lambda x, dim: ag.cummin(x, dim).values, lambda x, dim: -_cummax_ref(-x, dim), NONEMPTY,
           kwargs=_dim_kwargs, domain=each(S.distinct), torch=lambda torch, x, dim: torch.cummin(x, dim).values),
    OpSpec("logcumsumexp", ag.logcumsumexp, _logcumsumexp_ref, S.same_shapes(1), kwargs=_dim_kwargs,
           domain=each(lambda x: 3 * x), torch=lambda torch, x, dim: torch.logcumsumexp(x, dim)),
    OpSpec("kthvalue", lambda x, **kw: ag.kthvalue(x, **kw).values, _kth_ref, NONEMPTY, kwargs=_kth_kwargs,
           domain=each(S.distinct), torch=lambda torch, x, **kw: torch.kthvalue(x, **kw).values),
    OpSpec("quantile", ag.quantile, _quantile_ref, NONEMPTY, kwargs=_quantile_kwargs, domain=each(S.distinct),
           torch=lambda torch, x, **kw: torch.quantile(x, **kw)),
    OpSpec("nansum", ag.nansum, _nansum_ref, S.same_shapes(1), kwargs=_nan_kwargs, domain=_with_nans,
           torch=lambda torch, x, **kw: torch.nansum(x, **kw)),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)
test_vs_torch = make_torch_test(SPECS, torch)


def _pair(a, requires_grad=True):
    a = np.asarray(a, dtype=np.float64)
    return ag.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def _close(ours, theirs):
    expected = theirs.detach().numpy()
    got = ours.detach().numpy()
    assert got.shape == expected.shape
    assert str(ours.dtype) == str(expected.dtype), (ours.dtype, expected.dtype)
    np.testing.assert_allclose(got, expected, equal_nan=True, **TOL)


def _grads_match(f_ours, f_torch, *arrays, seed=0):
    """Forward and gradient of every input against PyTorch's (float64, same upstream gradient)."""
    pairs = [_pair(a) for a in arrays]
    out, tout = f_ours(*[p[0] for p in pairs]), f_torch(*[p[1] for p in pairs])
    _close(out, tout)
    g = np.random.default_rng(seed).standard_normal(tuple(tout.shape))
    out.backward(ag.tensor(g))
    tout.backward(torch.tensor(g))
    for ours, theirs in pairs:
        expected = theirs.grad if theirs.grad is not None else torch.zeros_like(theirs)
        _close(ours.grad, expected)


# ---------------------------------------------------------------------------- NaN-ignoring reductions
X = np.array([[1.5, NAN, -2.0, 0.25], [NAN, NAN, NAN, NAN], [3.0, 1.0, NAN, -1.0]])


@pytest.mark.parametrize("name", ["nansum", "nanmean"])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_nansum_nanmean_match_torch(name, dim, keepdim):
    _close(getattr(ag, name)(ag.tensor(X), dim, keepdim), getattr(torch, name)(torch.tensor(X), dim, keepdim))
    # Gradients without the all-NaN row: there nanmean's is 0 here and NaN (0 * inf) in PyTorch.
    _grads_match(lambda x: getattr(ag, name)(x, dim, keepdim), lambda x: getattr(torch, name)(x, dim, keepdim), X[[0, 2]])
    assert getattr(ag.tensor(X), name)().item() == pytest.approx(getattr(torch.tensor(X), name)().item(), rel=1e-12)


def test_nansum_of_integers_is_int64_and_nanmean_refuses_them():
    assert ag.nansum(ag.tensor([1, 2], dtype=ag.int32)).dtype == ag.int64
    with pytest.raises(RuntimeError, match="nanmean"):
        ag.nanmean(ag.tensor([1, 2]))


def test_nanmean_gradcheck():
    x = ag.tensor(np.where(np.isnan(X), NAN, X) + 0.0, requires_grad=True)
    assert ag.gradcheck(lambda t: ag.nanmean(t, 1), (x,))
    assert ag.gradgradcheck(lambda t: ag.nanmean(t, 1), (x,))


# ---------------------------------------------------------------------------- running extremes
@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_cummin_values_and_indices_match_torch_with_ties_and_nans(name):
    a = np.array([[1.0, 3.0, 3.0, 2.0, 3.0, 0.0], [2.0, NAN, 5.0, NAN, 1.0, 1.0], [0.0, 0.0, 0.0, -1.0, -1.0, 4.0]])
    for dim in (0, 1, -1):
        ours, theirs = getattr(ag, name)(ag.tensor(a), dim), getattr(torch, name)(torch.tensor(a), dim)
        _close(ours.values, theirs.values)
        _close(ours.indices, theirs.indices)  # PyTorch's indices: the latest tie, the latest NaN
    ints = np.array([[3, 1, 4, 1, 5]])
    ours, theirs = getattr(ag.tensor(ints), name)(1), getattr(torch.tensor(ints), name)(1)
    _close(ours.values, theirs.values)
    _close(ours.indices, theirs.indices)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_gradient_goes_to_the_indexed_element(name):
    a = np.array([[1.0, 3.0, 3.0, 2.0], [4.0, -1.0, 5.0, 0.5]])
    _grads_match(lambda x: getattr(ag, name)(x, 1).values, lambda x: getattr(torch, name)(x, 1).values, a)


def test_cummax_of_0d_tensor():
    r = ag.cummax(ag.tensor(2.5), 0)
    assert r.values.shape == () and r.indices.item() == 0


# ---------------------------------------------------------------------------- logcumsumexp
def test_logcumsumexp_is_stable_at_extreme_values_and_matches_torch():
    a = np.array([[-1000.0, 0.0, 1000.0, 999.0], [5.0, -3.0, 2.0, 700.0]])
    _grads_match(lambda x: ag.logcumsumexp(x, 0), lambda x: torch.logcumsumexp(x, 0), a)
    _grads_match(lambda x: ag.logcumsumexp(x, 1), lambda x: torch.logcumsumexp(x, 1), a)


def test_logcumsumexp_second_derivatives_with_mixed_sign_gradients():
    x = ag.tensor(np.random.default_rng(1).standard_normal((3, 5)) * 3, requires_grad=True)
    assert ag.gradcheck(lambda t: ag.logcumsumexp(t, 1), (x,))
    assert ag.gradgradcheck(lambda t: ag.logcumsumexp(t, 1), (x,))


def test_logcumsumexp_of_minus_inf_prefix_has_zero_gradient():
    x = ag.tensor([float("-inf"), float("-inf"), 1.0], requires_grad=True)
    y = ag.logcumsumexp(x, 0)
    assert y.tolist()[:2] == [float("-inf"), float("-inf")]
    y.backward(ag.tensor([1.0, -2.0, 3.0]))
    assert x.grad.tolist() == [0.0, 0.0, 3.0]  # PyTorch gives nan for the -inf elements


def test_logcumsumexp_refuses_integers():
    with pytest.raises(RuntimeError, match="logcumsumexp"):
        ag.logcumsumexp(ag.tensor([1, 2]), 0)


# ---------------------------------------------------------------------------- order statistics
def test_kthvalue_values_match_torch_with_ties_and_keepdim():
    a = np.array([[3.0, 1.0, 2.0, 1.0], [0.0, 0.0, 5.0, -1.0]])
    for k in range(1, 5):
        for keepdim in (False, True):
            ours, theirs = ag.kthvalue(ag.tensor(a), k, 1, keepdim), torch.kthvalue(torch.tensor(a), k, 1, keepdim)
            _close(ours.values, theirs.values)
            assert ours.indices.shape == tuple(theirs.indices.shape)
            # whichever tie is named, it holds the k-th value
            picked = np.take_along_axis(a, ours.indices.numpy().reshape(2, 1), 1).reshape(-1)
            np.testing.assert_array_equal(picked, theirs.values.numpy().reshape(-1))
    with pytest.raises(IndexError, match="kthvalue"):
        ag.kthvalue(ag.tensor(a), 5, 1)


def test_kthvalue_gradient_matches_torch():
    a = np.array([[3.0, 1.0, 2.0, 0.5], [0.25, 7.0, 5.0, -1.0]])
    _grads_match(lambda x: ag.kthvalue(x, 2, 0).values, lambda x: torch.kthvalue(x, 2, 0).values, a)


def test_mode_matches_torch_values_and_last_index():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, (6, 9)).astype(np.float64)
    for dim in (0, 1):
        for keepdim in (False, True):
            ours, theirs = ag.mode(ag.tensor(a), dim, keepdim), torch.mode(torch.tensor(a), dim, keepdim)
            _close(ours.values, theirs.values)
            _close(ours.indices, theirs.indices)
    _grads_match(lambda x: ag.mode(x, 1).values, lambda x: torch.mode(x, 1).values, a)
    ints = ag.tensor([[1, 2, 2, 3, 3, 1, 0]])
    assert ag.mode(ints).values.dtype == ag.int64 and ints.mode().values.tolist() == [1]


def test_nanmedian_matches_torch():
    for dim in (0, 1):
        ours, theirs = ag.nanmedian(ag.tensor(X), dim), torch.nanmedian(torch.tensor(X), dim)
        _close(ours.values, theirs.values)
    ours = ag.tensor(X).nanmedian(1).indices.tolist()
    assert ours[0] == 3 and ours[2] == 1  # rows with numbers: the element holding the median
    _grads_match(lambda x: ag.nanmedian(x), lambda x: torch.nanmedian(x), X)
    ties = np.array([1.0, 2.0, 2.0, NAN])
    _grads_match(lambda x: ag.nanmedian(x), lambda x: torch.nanmedian(x), ties)  # ties share the gradient
    _grads_match(lambda x: ag.nanmedian(x, 1).values, lambda x: torch.nanmedian(x, 1).values,
                 np.array([[1.0, NAN, 3.0, 2.0], [4.0, 4.0, NAN, 5.0]]))


def test_nanmedian_all_reduce_gradcheck():
    x = ag.tensor([0.3, NAN, -1.2, 2.5, 0.9], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(ag.nanmedian, (x,))
    assert ag.gradgradcheck(ag.nanmedian, (x,))


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "nearest", "midpoint"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_quantile_and_nanquantile_match_torch(interpolation, dim, keepdim):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((4, 7))
    q = np.array([0.0, 0.1, 0.125, 0.375, 0.5, 0.77, 1.0])

    def ours(name, x, qq):
        return getattr(ag, name)(x, qq, dim, keepdim, interpolation=interpolation)

    def theirs(name, x, qq):
        return getattr(torch, name)(x, qq, dim, keepdim, interpolation=interpolation)

    _grads_match(lambda x: ours("quantile", x, ag.tensor(q)), lambda x: theirs("quantile", x, torch.tensor(q)), a)
    _grads_match(lambda x: ours("quantile", x, 0.3), lambda x: theirs("quantile", x, 0.3), a)
    with_nans = a.copy()
    with_nans[0, 1] = with_nans[2, 5] = NAN
    with_nans[3, :] = NAN
    for name in ("quantile", "nanquantile"):
        _close(ours(name, ag.tensor(with_nans), ag.tensor(q)), theirs(name, torch.tensor(with_nans), torch.tensor(q)))
    _grads_match(lambda x: ours("nanquantile", x, 0.4), lambda x: theirs("nanquantile", x, 0.4), with_nans[:3])


def test_quantile_errors_as_torch():
    x = ag.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"q must be in the range \[0, 1\]"):
        ag.quantile(x, 1.5)
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.quantile(x, ag.tensor([0.5], dtype=ag.float64))
    with pytest.raises(RuntimeError, match="float or double"):
        ag.quantile(ag.tensor([1, 2]), 0.5)
    with pytest.raises(RuntimeError, match="interpolation"):
        ag.quantile(x, 0.5, interpolation="cubic")


def test_quantile_gradcheck():
    x = ag.tensor(np.random.default_rng(5).standard_normal((3, 6)), requires_grad=True)
    q = ag.tensor([0.2, 0.5, 0.9], dtype=ag.float64)
    assert ag.gradcheck(lambda t: ag.quantile(t, q, dim=1), (x,))
    assert ag.gradgradcheck(lambda t: ag.quantile(t, q, dim=1), (x,))


# ---------------------------------------------------------------------------- aminmax, histc, equal
def test_aminmax_matches_torch_and_names_its_fields():
    a = np.array([[1.0, 5.0, 5.0], [3.0, -2.0, 3.0]])
    for dim in (None, 0, 1):
        for keepdim in (False, True):
            kw = {} if dim is None else {"dim": dim}
            ours, theirs = ag.aminmax(ag.tensor(a), keepdim=keepdim, **kw), torch.aminmax(torch.tensor(a), keepdim=keepdim, **kw)
            _close(ours.min, theirs.min)
            _close(ours.max, theirs.max)
    _grads_match(lambda x: ag.aminmax(x, dim=1).max * 2 + ag.aminmax(x, dim=1).min,
                 lambda x: torch.aminmax(x, dim=1).max * 2 + torch.aminmax(x, dim=1).min, a)
    with pytest.raises(RuntimeError, match="empty"):
        ag.aminmax(ag.zeros(0))


@pytest.mark.parametrize("bins,lo,hi", [(7, 0, 0), (4, 0, 3), (5, -1, 1), (3, 2, 2)])
def test_histc_matches_torch(bins, lo, hi):
    a = np.array([1.0, 2.0, 1.0, -0.5, 3.0, 0.999, 2.5, 10.0])
    _close(ag.histc(ag.tensor(a), bins, lo, hi), torch.histc(torch.tensor(a), bins, lo, hi))
    assert ag.histc(ag.tensor(a, dtype=ag.float32), bins, lo, hi).dtype == ag.float32
    with pytest.raises(RuntimeError, match="histc"):
        ag.histc(ag.tensor([1, 2]))


def test_equal():
    assert ag.equal(ag.tensor([1, 2]), ag.tensor([1.0, 2.0])) == torch.equal(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]))
    assert not ag.tensor([1.0, NAN]).equal(ag.tensor([1.0, NAN]))
    assert not ag.equal(ag.zeros(2), ag.zeros(2, 1))
    assert ag.equal(ag.zeros(0), ag.zeros(0))


def test_msort():
    a = np.array([[3.0, 1.0], [1.0, 2.0], [2.0, 0.0]])
    _grads_match(lambda x: x.msort(), lambda x: x.msort(), a)
