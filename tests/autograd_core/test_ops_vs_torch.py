"""Every primitive against PyTorch: same float64 inputs, forward and x.grad, and the conventions at
kinks and ties (abs/relu at 0, clamp at its bounds, maximum ties 0.5/0.5, amax ties shared evenly,
max(dim) to the returned index, norm at the zero vector, pow at 0).  PyTorch is a test oracle only."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from tests.autograd_core.test_ops_einsum import SPECS as EINSUM
from tests.autograd_core.test_ops_elementwise import SPECS as ELEMENTWISE
from tests.autograd_core.test_ops_index import SPECS as INDEX
from tests.autograd_core.test_ops_linalg import SPECS as LINALG
from tests.autograd_core.test_ops_loss import SPECS as LOSS
from tests.autograd_core.test_ops_reduce import SPECS as REDUCE
from tests.autograd_core.test_ops_shape import SPECS as SHAPE
from tests.autograd_core.test_ops_sorting import SPECS as SORTING
from tests.autograd_core.test_ops_window import SPECS as WINDOW
from tests.helpers.op_factory import TORCH_TOL, make_torch_test, to_host

torch = pytest.importorskip("torch")

# One hypothesis-driven comparison per spec that names its PyTorch counterpart.
test_vs_torch = make_torch_test(ELEMENTWISE + REDUCE + SHAPE + INDEX + SORTING + LINALG + LOSS + WINDOW + EINSUM, torch)


def _compare(ours_fn, torch_fn, *arrays, grad_output=None):
    """Forward values and gradients of every input, ours against PyTorch's, in float64."""
    ours = [ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out, tout = ours_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(to_host(out), tout.detach().numpy(), equal_nan=True, err_msg="forward", **TORCH_TOL)
    g = np.ones(tuple(tout.shape)) if grad_output is None else np.asarray(grad_output, dtype=np.float64)
    out.backward(ag.tensor(g, dtype=ag.float64))
    tout.backward(torch.from_numpy(g))
    for i, (x, t) in enumerate(zip(ours, theirs)):
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        assert x.grad is not None, f"grad of input {i} is None; PyTorch's is {expected}"
        np.testing.assert_allclose(to_host(x.grad), expected, equal_nan=True, err_msg=f"grad of input {i}", **TORCH_TOL)


# ---------------------------------------------------------------------------- kinks and ties
KINKS = {
    "abs_at_0": (ag.abs, torch.abs, [[-1.0, 0.0, 2.0]]),
    "relu_at_0": (ag.relu, torch.relu, [[-1.0, 0.0, 2.0]]),
    "sign_at_0": (lambda x: ag.sign(x) * x, lambda x: torch.sign(x) * x, [[-1.0, 0.0, 2.0]]),
    "clamp_at_bounds": (lambda x: ag.clamp(x, -1.0, 1.0), lambda x: torch.clamp(x, -1.0, 1.0),
                        [[-2.0, -1.0, 0.0, 1.0, 2.0]]),
    "clamp_min_only_at_bound": (lambda x: ag.clamp(x, min=0.0), lambda x: torch.clamp(x, min=0.0), [[-1.0, 0.0, 1.0]]),
    "clamp_tensor_bounds_at_ties": (lambda x, lo, hi: ag.clamp(x, lo, hi), lambda x, lo, hi: torch.clamp(x, lo, hi),
                                    [[-1.0, 0.0, 1.0, 2.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]),
    "clamp_tensor_bounds_crossed": (lambda x, lo, hi: ag.clamp(x, lo, hi), lambda x, lo, hi: torch.clamp(x, lo, hi),
                                    [[-1.0, 0.5, 3.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]),
    "maximum_ties": (ag.maximum, torch.maximum, [[1.0, 2.0, 3.0], [1.0, 0.0, 3.0]]),
    "minimum_ties": (ag.minimum, torch.minimum, [[1.0, 2.0, 3.0], [1.0, 0.0, 3.0]]),
    "maximum_broadcast_ties": (ag.maximum, torch.maximum, [[[1.0, 2.0], [2.0, 2.0]], [2.0, 2.0]]),
    "amax_ties": (lambda x: ag.amax(x, 1), lambda x: torch.amax(x, 1), [[[3.0, 3.0, 1.0], [2.0, 2.0, 2.0]]]),
    "amin_ties_all_dims": (ag.amin, torch.amin, [[[1.0, 3.0], [1.0, 1.0]]]),
    "max_full_ties": (lambda x: x.max(), lambda x: x.max(), [[1.0, 5.0, 5.0]]),
    "min_full_ties": (lambda x: x.min(), lambda x: x.min(), [[[0.0, 0.0], [4.0, 0.0]]]),
    "max_dim_ties": (lambda x: ag.max(x, 1).values, lambda x: torch.max(x, 1).values, [[[7.0, 7.0, 2.0], [1.0, 3.0, 3.0]]]),
    "min_dim_ties": (lambda x: ag.min(x, 0).values, lambda x: torch.min(x, 0).values, [[[2.0, 1.0], [2.0, 1.0]]]),
    "norm_at_zero": (ag.norm, torch.norm, [np.zeros((2, 3))]),
    "norm_dim_at_zero_row": (lambda x: ag.norm(x, dim=1), lambda x: torch.norm(x, dim=1), [[[0.0, 0.0], [3.0, 4.0]]]),
    "norm_keepdim_at_zero": (lambda x: ag.norm(x, dim=0, keepdim=True), lambda x: torch.norm(x, dim=0, keepdim=True),
                             [[[0.0, 1.0], [0.0, 2.0]]]),
    "norm1_at_zero": (lambda x: ag.norm(x, 1), lambda x: torch.linalg.vector_norm(x, 1), [[0.0, -2.0, 1.0]]),
    "norm3_at_zero": (lambda x: ag.norm(x, 3), lambda x: torch.linalg.vector_norm(x, 3), [np.zeros(3)]),
    "norm1.5_dim_at_zero_row": (lambda x: ag.norm(x, 1.5, dim=1), lambda x: torch.linalg.vector_norm(x, 1.5, dim=1),
                                [[[0.0, 0.0], [1.0, -2.0]]]),
    "norm0_counts_nonzeros": (lambda x: ag.norm(x, 0), lambda x: torch.linalg.vector_norm(x, 0), [[0.0, -2.0, 1.0]]),
    "norm_inf_ties": (lambda x: ag.norm(x, float("inf")), lambda x: torch.linalg.vector_norm(x, float("inf")),
                      [[-2.0, 2.0, 1.0]]),
    "pow_2_at_0": (lambda x: x**2, lambda x: x**2, [[0.0, -1.0, 3.0]]),
    "pow_0_at_0": (lambda x: x**0, lambda x: x**0, [[0.0, -1.0, 3.0]]),
    "pow_half_at_0": (lambda x: x**0.5, lambda x: x**0.5, [[0.0, 4.0]]),
    "pow_3_negative_base": (lambda x: x**3.0, lambda x: x**3.0, [[-2.0, 0.0, 1.5]]),
    "pow_tensor_exponent_at_0_base": (ag.pow, torch.pow, [[0.0, 0.0, 0.0, 2.0], [2.0, 0.0, 0.5, 0.0]]),
    "pow_scalar_base_0": (lambda y: 0.0**y, lambda y: 0.0**y, [[0.0, 1.0, 2.0]]),
    "sqrt_at_0": (ag.sqrt, torch.sqrt, [[0.0, 4.0]]),
    "log_at_0": (ag.log, torch.log, [[0.0, 1.0]]),
    "div_by_0": (lambda a, b: a / b, lambda a, b: a / b, [[1.0, 0.0, -1.0], [0.0, 0.0, 0.0]]),
    "prod_one_zero": (lambda x: ag.prod(x, 1), lambda x: torch.prod(x, 1), [[[2.0, 0.0, 3.0], [1.0, 2.0, 3.0]]]),
    "prod_two_zeros": (lambda x: ag.prod(x, 0), lambda x: torch.prod(x, 0), [[[0.0, 1.0], [0.0, 2.0]]]),
    "prod_all_zero": (ag.prod, torch.prod, [[0.0, 0.0]]),
    "std_constant": (ag.std, torch.std, [[2.0, 2.0, 2.0]]),
    "logsumexp_minus_inf": (lambda x: ag.logsumexp(x, 1), lambda x: torch.logsumexp(x, 1),
                            [[[-np.inf, -np.inf], [-np.inf, 0.0]]]),
    "logsumexp_large": (lambda x: ag.logsumexp(x, 0), lambda x: torch.logsumexp(x, 0), [[1000.0, 1000.0, -1000.0]]),
    "softmax_large": (lambda x: ag.softmax(x, 0), lambda x: torch.softmax(x, 0), [[1000.0, 0.0, -1000.0]]),
    "log_softmax_large": (lambda x: ag.log_softmax(x, 0), lambda x: torch.log_softmax(x, 0), [[1000.0, 0.0, -1000.0]]),
    "sigmoid_extremes": (ag.sigmoid, torch.sigmoid, [[-800.0, -30.0, 0.0, 30.0, 800.0]]),
    "softplus_extremes": (ag.softplus, torch.nn.functional.softplus, [[-800.0, -30.0, 0.0, 19.9, 20.1, 800.0]]),
    "softplus_threshold_boundary": (lambda x: ag.softplus(x, 2.0, 1.0),
                                    lambda x: torch.nn.functional.softplus(x, 2.0, 1.0), [[0.5, 0.49, 0.51]]),
    "where_nan_in_unselected_branch": (lambda a, b: ag.where(a > 0, a, b), lambda a, b: torch.where(a > 0, a, b),
                                       [[1.0, -1.0], [np.inf, 2.0]]),
    "tanh_large": (ag.tanh, torch.tanh, [[-50.0, 50.0]]),
}


@pytest.mark.parametrize("name", list(KINKS))
def test_conventions_at_kinks_and_ties_match_pytorch(name):
    ours, theirs, arrays = KINKS[name]
    _compare(ours, theirs, *arrays)


def test_max_min_indices_on_ties_match_pytorch():
    data = np.array([[7.0, 7.0, 2.0], [1.0, 3.0, 3.0], [4.0, 4.0, 4.0]])
    for dim in (0, 1):
        for ours, theirs in ((ag.max, torch.max), (ag.min, torch.min), (ag.argmax, torch.argmax),
                             (ag.argmin, torch.argmin)):
            got = ours(ag.tensor(data), dim)
            expected = theirs(torch.tensor(data), dim)
            got = got.indices if isinstance(got, tuple) else got
            expected = expected.indices if isinstance(expected, tuple) else expected
            np.testing.assert_array_equal(to_host(got), expected.numpy())


# ---------------------------------------------------------------------------- second order
SECOND_ORDER = {
    "norm": (ag.norm, torch.norm, [0.7, -0.3, 1.2]),
    "norm_dim": (lambda x: ag.norm(x.reshape(1, 3), dim=1).sum(), lambda x: torch.norm(x.reshape(1, 3), dim=1).sum(),
                 [0.7, -0.3, 1.2]),
    "logsumexp": (lambda x: ag.logsumexp(x, 0), lambda x: torch.logsumexp(x, 0), [0.5, -1.0, 2.0]),
    "prod": (ag.prod, torch.prod, [2.0, -0.5, 3.0]),
    "prod_one_zero": (ag.prod, torch.prod, [2.0, 0.0, 3.0]),
    "prod_two_zeros": (ag.prod, torch.prod, [0.0, 0.0, 3.0]),
    "softmax": (lambda x: (ag.softmax(x, 0) * ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64)).sum(),
                lambda x: (torch.softmax(x, 0) * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum(),
                [0.5, -1.0, 2.0]),
    "log_softmax": (lambda x: (ag.log_softmax(x, 0) * ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64)).sum(),
                    lambda x: (torch.log_softmax(x, 0) * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum(),
                    [0.5, -1.0, 2.0]),
    "std": (ag.std, torch.std, [0.5, -1.0, 2.0]),
    "sigmoid": (lambda x: ag.sigmoid(x).sum(), lambda x: torch.sigmoid(x).sum(), [0.5, -1.0, 2.0]),
    "softplus": (lambda x: ag.softplus(x, 2.0).sum(), lambda x: torch.nn.functional.softplus(x, 2.0).sum(),
                 [0.5, -1.0, 2.0]),
    "pow_tensor": (lambda x: (x ** x.flip(0)).sum(), lambda x: (x ** x.flip(0)).sum(), [0.5, 1.5, 2.0]),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_hessians_match_pytorch(name):
    ours_fn, torch_fn, data = SECOND_ORDER[name]
    x = ag.tensor(np.asarray(data), dtype=ag.float64, requires_grad=True)
    t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    (g,) = ag.grad(ours_fn(x), x, create_graph=True)
    (tg,) = torch.autograd.grad(torch_fn(t), t, create_graph=True)
    np.testing.assert_allclose(to_host(g), tg.detach().numpy(), **TORCH_TOL)
    ours = np.stack([to_host(ag.grad(g[i], x, retain_graph=True, allow_unused=True)[0]) for i in range(len(data))])
    theirs = np.stack([torch.autograd.grad(tg[i], t, retain_graph=True)[0].numpy() for i in range(len(data))])
    np.testing.assert_allclose(ours, theirs, **TORCH_TOL)


# ---------------------------------------------------------------------------- dtype rules
DTYPE_EXPRESSIONS = {
    "f32*py_float": lambda m, f32, f64, i64, s64: f32 * 2.0,
    "py_float*f32": lambda m, f32, f64, i64, s64: 2.0 * f32,
    "f32+py_int": lambda m, f32, f64, i64, s64: f32 + 2,
    "f32**py_float": lambda m, f32, f64, i64, s64: f32**2.0,
    "py_float**f32": lambda m, f32, f64, i64, s64: 2.0**f32,
    "i64*py_float": lambda m, f32, f64, i64, s64: i64 * 1.5,
    "i64*py_int": lambda m, f32, f64, i64, s64: i64 * 2,
    "i64/py_int": lambda m, f32, f64, i64, s64: i64 / 2,
    "i64/i64": lambda m, f32, f64, i64, s64: i64 / i64,
    "i64**py_int": lambda m, f32, f64, i64, s64: i64**2,
    "i64**py_float": lambda m, f32, f64, i64, s64: i64**0.5,
    "py_int-i64": lambda m, f32, f64, i64, s64: 3 - i64,
    "f32+f64": lambda m, f32, f64, i64, s64: f32 + f64,
    "f32+0d_f64": lambda m, f32, f64, i64, s64: f32 + s64,
    "0d_f64*f32": lambda m, f32, f64, i64, s64: s64 * f32,
    "i64+0d_f64": lambda m, f32, f64, i64, s64: i64 + s64,
    "f32+i64": lambda m, f32, f64, i64, s64: f32 + i64,
    "maximum_f32_f64": lambda m, f32, f64, i64, s64: m.maximum(f32, f64),
    "where_f32_py_float": lambda m, f32, f64, i64, s64: m.where(f32 > 0, f32, 0.0),
    "where_f32_f64": lambda m, f32, f64, i64, s64: m.where(f32 > 0, f32, f64),
    "clamp_f32_int_bounds": lambda m, f32, f64, i64, s64: m.clamp(f32, 0, 1),
    "clamp_i64_float_bound": lambda m, f32, f64, i64, s64: m.clamp(i64, 0.5),
    "sum_i64": lambda m, f32, f64, i64, s64: m.sum(i64),
    "sum_bool": lambda m, f32, f64, i64, s64: m.sum(f32 > 0),
    "mean_f32": lambda m, f32, f64, i64, s64: m.mean(f32),
    "cat_f32_f64": lambda m, f32, f64, i64, s64: m.cat([f32, f64]),
    "cat_i64_f32": lambda m, f32, f64, i64, s64: m.cat([i64, f32]),
    "argmax": lambda m, f32, f64, i64, s64: m.argmax(f32),
    "comparison": lambda m, f32, f64, i64, s64: f32 > f64,
    "floor_divide_i64": lambda m, f32, f64, i64, s64: i64 // 2,
    "floor_divide_f32": lambda m, f32, f64, i64, s64: f32 // 2,
    "mod_i64": lambda m, f32, f64, i64, s64: i64 % 2,
}


@pytest.mark.parametrize("name", list(DTYPE_EXPRESSIONS))
def test_result_dtypes_match_pytorch(name):
    expr = DTYPE_EXPRESSIONS[name]
    data = ([1.0, -2.0, 3.0], [0.5, 1.0, -1.0], [1, 2, 3])
    ours = expr(ag, ag.tensor(data[0], dtype=ag.float32), ag.tensor(data[1], dtype=ag.float64), ag.tensor(data[2]),
                ag.tensor(2.0, dtype=ag.float64))
    theirs = expr(torch, torch.tensor(data[0], dtype=torch.float32), torch.tensor(data[1], dtype=torch.float64),
                  torch.tensor(data[2]), torch.tensor(2.0, dtype=torch.float64))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(to_host(ours).astype(np.float64), theirs.numpy().astype(np.float64), rtol=1e-6)


# ---------------------------------------------------------------------------- convolution from unfold
def test_convolution_built_on_unfold_matches_torch_conv2d():
    rng = np.random.default_rng(0)
    img, ker = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2))
    x, w = ag.tensor(img, requires_grad=True), ag.tensor(ker, requires_grad=True)
    tx, tw = torch.tensor(img, requires_grad=True), torch.tensor(ker, requires_grad=True)
    cols = ag.unfold(x, (3, 2), dilation=(1, 2), padding=1, stride=(2, 1))
    out = (w.reshape(4, -1) @ cols).reshape(2, 4, 3, 5)
    tout = torch.nn.functional.conv2d(tx, tw, padding=1, stride=(2, 1), dilation=(1, 2))
    np.testing.assert_allclose(to_host(out), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(tout.shape)
    out.backward(ag.tensor(g))
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(to_host(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_host(w.grad), tw.grad.numpy(), rtol=1e-10, atol=1e-12)
