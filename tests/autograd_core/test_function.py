"""``autograd_core.Function``: the user extension API, with PyTorch's contract.

Custom Functions ride the same tape as the built-in primitives: saved-tensor
version checks, hooks, grad mode, anomaly mode and create_graph all apply.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import autograd


def f64(values, requires_grad=True) -> ag.Tensor:
    return ag.tensor(values, dtype=ag.float64, requires_grad=requires_grad)


class Cube(ag.Function):
    """x**3 * scale, with a backward written in Tensor ops (so it is differentiable)."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x**3 * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3.0 * x**2 * ctx.scale, None


class ExpOwn(ag.Function):
    """exp, saving its own output."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class SortWithIndices(ag.Function):
    """(values, indices) like torch.sort: the indices are not differentiable."""

    @staticmethod
    def forward(ctx, x):
        idx = ag.tensor(np.argsort(x.detach().numpy(), kind="stable"))
        values = x[idx]
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        ctx.n = x.shape[0]
        return values, idx

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        (idx,) = ctx.saved_tensors
        inverse = ag.tensor(np.argsort(idx.detach().numpy()))
        return grad_values[inverse]


# ---------------------------------------------------------------------------- the API surface
def test_function_and_grad_are_reachable_under_the_torch_autograd_names():
    assert ag.Function is autograd.Function
    assert ag.autograd.Function is ag.Function
    assert autograd.grad is ag.grad
    assert callable(autograd.backward)
    assert autograd.no_grad is ag.no_grad
    assert autograd.gradcheck is ag.gradcheck and autograd.gradgradcheck is ag.gradgradcheck


def test_apply_runs_forward_and_records_one_node_named_after_the_class():
    x = f64([1.0, 2.0])
    y = Cube.apply(x, 2.0)
    np.testing.assert_allclose(y.detach().numpy(), [2.0, 16.0])
    assert y.requires_grad and not y.is_leaf
    assert y.grad_fn.name() == "CubeBackward"
    assert "CubeBackward" in repr(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])


def test_apply_without_inputs_requiring_grad_records_nothing():
    y = Cube.apply(f64([1.0], requires_grad=False), 1.0)
    assert not y.requires_grad and y.grad_fn is None


def test_forward_runs_with_grad_mode_off():
    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.inside = ag.is_grad_enabled()
            inner = x * 2.0
            ctx.inner_requires_grad = inner.requires_grad
            return inner

        @staticmethod
        def backward(ctx, grad):
            return grad * 2.0

    y = Probe.apply(f64([1.0]))
    assert y.grad_fn.inside is False
    assert y.grad_fn.inner_requires_grad is False
    assert ag.is_grad_enabled()


def test_ctx_is_the_node_and_carries_arbitrary_attributes():
    x = f64([1.0, 2.0])
    y = Cube.apply(x, 5.0)
    assert y.grad_fn.scale == 5.0


def test_needs_input_grad_reports_per_argument():
    class Record(ag.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            ctx.seen = ctx.needs_input_grad
            return a * b * k

        @staticmethod
        def backward(ctx, grad):
            return None, None, None

    a, b = f64([1.0]), f64([2.0], requires_grad=False)
    assert Record.apply(a, b, 3.0).grad_fn.seen == (True, False, False)
    assert Record.apply(b, a, 3.0).grad_fn.seen == (False, True, False)


def test_non_tensor_arguments_get_none_gradient():
    x = f64([1.0, 2.0])
    Cube.apply(x, 2.0).sum().backward()  # backward returned None for `scale`
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])


def test_backward_may_return_none_for_an_input_that_needs_no_grad():
    class FirstOnly(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad * 2.0, None

    a, b = f64([1.0]), f64([3.0])
    FirstOnly.apply(a, b).sum().backward()
    assert a.grad.tolist() == [2.0] and b.grad is None


# ---------------------------------------------------------------------------- saved tensors
def test_saved_tensors_round_trip():
    x = f64([0.5, -1.0])
    y = ExpOwn.apply(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, -1.0]), rtol=1e-12)


def test_saved_input_modified_in_place_makes_backward_raise_naming_the_function():
    x = f64([1.0, 2.0])
    y = Cube.apply(x, 1.0)
    with ag.no_grad():
        x.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"(?s)CubeBackward.*modified by an in-place operation"):
        y.sum().backward()


def test_saved_output_modified_in_place_makes_backward_raise_naming_the_function():
    x = f64([1.0, 2.0])
    y = ExpOwn.apply(x)
    with ag.no_grad():
        y.add_(1.0)
    with pytest.raises(RuntimeError, match=r"(?s)ExpOwnBackward.*modified by an in-place operation"):
        y.sum().backward()


def test_saved_tensors_are_freed_after_backward():
    x = f64([1.0, 2.0])
    y = Cube.apply(x, 1.0)
    loss = y.sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_retain_graph_keeps_saved_tensors_of_a_function():
    x = f64([1.0, 2.0])
    loss = Cube.apply(x, 1.0).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 3 * np.array([1.0, 4.0]))


# ---------------------------------------------------------------------------- non-differentiable outputs
def test_mark_non_differentiable_indices():
    x = f64([3.0, 1.0, 2.0])
    values, indices = SortWithIndices.apply(x)
    assert values.tolist() == [1.0, 2.0, 3.0] and indices.tolist() == [1, 2, 0]
    assert values.requires_grad and values.grad_fn is not None
    assert not indices.requires_grad and indices.grad_fn is None
    (values * ag.tensor([1.0, 10.0, 100.0], dtype=ag.float64)).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_saved_non_differentiable_output_does_not_require_grad():
    """PyTorch: a saved output marked non-differentiable comes back with requires_grad=False."""
    seen = {}

    class Probe(SortWithIndices):
        @staticmethod
        def backward(ctx, grad_values, grad_indices):
            (idx,) = ctx.saved_tensors
            seen["requires_grad"] = idx.requires_grad
            seen["dtype"] = idx.dtype
            return SortWithIndices.backward(ctx, grad_values, grad_indices)

    values, _ = Probe.apply(f64([2.0, 1.0]))
    values.sum().backward()
    assert seen["dtype"] == ag.int64
    assert seen["requires_grad"] is False


def test_unused_output_gradient_is_materialised_as_zeros():
    class Two(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0, x * 3.0

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.got = (g1.tolist(), g2.tolist())
            return g1 * 2.0 + g2 * 3.0

    x = f64([1.0, 2.0])
    a, b = Two.apply(x)
    node = a.grad_fn
    a.sum().backward()
    assert node.got == ([1.0, 1.0], [0.0, 0.0])
    assert x.grad.tolist() == [2.0, 2.0]


def test_set_materialize_grads_false_passes_none_for_unused_outputs():
    class Two(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2.0, x * 3.0

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.second = g2
            return g1 * 2.0 if g2 is None else g1 * 2.0 + g2 * 3.0

    x = f64([1.0, 2.0])
    a, _ = Two.apply(x)
    node = a.grad_fn
    a.sum().backward()
    assert node.second is None and x.grad.tolist() == [2.0, 2.0]


def test_hooks_and_retain_grad_on_each_output_of_a_multi_output_function():
    class Two(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0, x * 3.0

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2.0 + g2 * 3.0

    x = f64([1.0, 2.0])
    p, q = Two.apply(x)
    p.retain_grad()
    q.register_hook(lambda g: g * 10.0)
    (p + q * 5.0).sum().backward()
    assert p.grad.tolist() == [1.0, 1.0]
    assert x.grad.tolist() == [2.0 + 3.0 * 50.0] * 2


def test_non_tensor_outputs_pass_through():
    """torch.autograd.Function may return non-tensors (counts, flags) next to tensors."""

    class WithCount(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0, 3

        @staticmethod
        def backward(ctx, grad, grad_count):
            return grad * 2.0

    x = f64([1.0, 2.0])
    y, count = WithCount.apply(x)
    assert count == 3 and isinstance(count, int)
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_save_for_backward_accepts_none_and_needs_input_grad_is_there_in_backward():
    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, None)
            return x * y

        @staticmethod
        def backward(ctx, grad):
            x, nothing = ctx.saved_tensors
            ctx.seen = (nothing, ctx.needs_input_grad)
            return grad * 2.0, None

    x = f64([1.0, 2.0])
    y = Probe.apply(x, ag.tensor([1.0, 1.0], dtype=ag.float64))
    node = y.grad_fn
    y.sum().backward()
    assert node.seen == (None, (True, False))


def test_returning_an_input_unchanged_gives_a_new_tensor_on_the_graph():
    class Identity(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 7.0

    x = f64([1.0, 2.0])
    y = Identity.apply(x)
    assert y is not x and x.is_leaf and not y.is_leaf
    y.sum().backward()
    assert x.grad.tolist() == [7.0, 7.0]


# ---------------------------------------------------------------------------- errors from user backward
def test_backward_returning_too_few_gradients_is_a_clear_error():
    class WrongCount(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match=r"WrongCount.*returned 1 gradient.*2"):
        WrongCount.apply(f64([1.0]), f64([2.0])).sum().backward()


def test_backward_returning_a_wrong_shape_names_both_shapes():
    class WrongShape(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, grad):
            return ag.ones(3, dtype=ag.float64)

    with pytest.raises(RuntimeError, match=r"WrongShape.*\(3,\).*\(2,\)"):
        WrongShape.apply(f64([1.0, 2.0])).sum().backward()


def test_backward_returning_a_non_tensor_is_a_type_error():
    class NotTensor(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, grad):
            return 3.0

    with pytest.raises(TypeError, match="NotTensor"):
        NotTensor.apply(f64([1.0])).sum().backward()


def test_function_without_backward_says_so():
    class NoBackward(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

    with pytest.raises(NotImplementedError, match="backward"):
        NoBackward.apply(f64([1.0])).sum().backward()


# ---------------------------------------------------------------------------- same rules as built-ins
def test_hooks_on_function_outputs_fire_and_can_replace_the_gradient():
    x = f64([1.0, 2.0])
    y = Cube.apply(x, 1.0)
    seen = []
    y.register_hook(lambda g: (seen.append(g.tolist()), g * 2.0)[1])
    x.register_hook(lambda g: seen.append(("leaf", g.tolist())))
    y.sum().backward()
    assert seen == [[1.0, 1.0], ("leaf", [6.0, 24.0])]
    assert x.grad.tolist() == [6.0, 24.0]


def test_apply_under_no_grad_records_nothing_and_never_calls_backward():
    x = f64([1.0, 2.0])
    with ag.no_grad():
        y = Cube.apply(x, 1.0)
    assert not y.requires_grad and y.grad_fn is None
    assert y.tolist() == [1.0, 8.0]


class NanGradByOp(ag.Function):
    """A backward whose NaN comes from Tensor arithmetic."""

    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, grad):
        return grad * float("nan")


class NanGradByFactory(ag.Function):
    """A backward whose NaN comes from a factory (no op inside backward produces it)."""

    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, grad):
        return ag.full_like(grad, float("nan"))


@pytest.mark.parametrize("fn", [NanGradByFactory, NanGradByOp], ids=["factory", "tensor_op"])
def test_anomaly_mode_names_the_custom_function_whose_backward_gave_nan(fn):
    x = f64([1.0, 2.0])
    with ag.detect_anomaly():
        y = fn.apply(x)
        with pytest.raises(FloatingPointError, match=fn.__name__ + "Backward"):
            y.sum().backward()


def test_without_anomaly_mode_nan_gradients_pass_silently():
    x = f64([1.0, 2.0])
    NanGradByOp.apply(x).sum().backward()
    assert np.isnan(x.grad.numpy()).all()


def test_create_graph_through_a_custom_function():
    x = f64(1.5)
    (g1,) = ag.grad(Cube.apply(x, 1.0), x, create_graph=True)
    (g2,) = ag.grad(g1, x)
    assert g1.item() == pytest.approx(3 * 1.5**2)
    assert g2.item() == pytest.approx(6 * 1.5)


def test_custom_function_passes_gradcheck_and_gradgradcheck():
    x = ag.randn(4, dtype=ag.float64, requires_grad=True)

    def fn(t):
        return Cube.apply(t, 0.5)

    assert ag.gradcheck(fn, (x,))
    assert ag.gradgradcheck(fn, (x,))
    assert ag.gradgradcheck(ExpOwn.apply, (x,))


# ---------------------------------------------------------------------------- PyTorch's tutorial
class LegendrePolynomial3(ag.Function):
    """From PyTorch's "Learning PyTorch with Examples": P3(x) = 0.5 * (5x^3 - 3x)."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


def _fit_legendre(lib, function_cls, update):
    """The tutorial's program, verbatim apart from float64 and the choice of update spelling."""
    dtype = lib.float64
    x = lib.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = lib.sin(x)
    a = lib.full((), 0.0, dtype=dtype, requires_grad=True)
    b = lib.full((), -1.0, dtype=dtype, requires_grad=True)
    c = lib.full((), 0.0, dtype=dtype, requires_grad=True)
    d = lib.full((), 0.3, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    losses = []
    for _ in range(2000):
        P3 = function_cls.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            if update == "isub":  # exactly as the tutorial writes it
                a -= learning_rate * a.grad
                b -= learning_rate * b.grad
                c -= learning_rate * c.grad
                d -= learning_rate * d.grad
            else:
                for p in (a, b, c, d):
                    p.sub_(learning_rate * p.grad)
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return np.array(losses), np.array([a.item(), b.item(), c.item(), d.item()])


@functools.lru_cache(maxsize=1)
def _torch_legendre_reference():
    torch = pytest.importorskip("torch")

    class TorchLegendrePolynomial3(torch.autograd.Function):
        forward = LegendrePolynomial3.forward
        backward = LegendrePolynomial3.backward

    return _fit_legendre(torch, TorchLegendrePolynomial3, "isub")


@pytest.mark.parametrize("update", ["isub", "sub_"])
def test_pytorch_tutorial_legendre_polynomial_fit(update):
    losses, params = _fit_legendre(ag, LegendrePolynomial3, update)
    assert losses[0] > 400.0
    assert losses[-1] < 10.0 and losses[-1] < losses[0] / 20
    assert np.all(np.diff(losses[100:]) <= 1e-9)  # steady descent once past the first steps
    try:
        ref_losses, ref_params = _torch_legendre_reference()
    except pytest.skip.Exception:
        return  # no PyTorch: the descent itself is the check
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-9)
    np.testing.assert_allclose(params, ref_params, rtol=1e-9, atol=1e-12)
