"""``gradcheck`` / ``gradgradcheck``: they must pass on correct gradients and catch wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag


def randn64(*shape, seed=0):
    ag.manual_seed(seed)
    return ag.randn(*shape, dtype=ag.float64, requires_grad=True)


class CubeWrongFirst(ag.Function):
    """x**3 with the derivative 2x^2 instead of 3x^2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2.0 * x**2


class MulWrongAtOneElement(ag.Function):
    """a * b whose gradient for b is wrong at element 2 only."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        skew = ag.tensor([1.0, 1.0, 1.5, 1.0], dtype=ag.float64)
        return grad * b, grad * a * skew


class CubeWrongSecond(ag.Function):
    """x**3 whose first derivative is right (3x^2) but whose backward differentiates to 3x, not 6x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3.0 * x.detach() * x


class CubeOpaqueBackward(ag.Function):
    """x**3 whose backward leaves the graph (NumPy in the middle): right values, no second derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return ag.tensor(grad.detach().numpy() * 3.0 * x.detach().numpy() ** 2)


class CubeRight(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3.0 * x**2


# ---------------------------------------------------------------------------- passing
@pytest.mark.parametrize("fast_mode", [False, True])
@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda t: (t.sin() * t).sum(), [(3,)]),
        (lambda t: t.exp(), [(2, 3)]),
        (lambda m: (m @ m).tanh(), [(3, 3)]),
        (lambda a, b: a * b + a / (b * b + 1.0), [(2, 3), (3,)]),
        (lambda a, b: (a.sigmoid(), (a @ b).sum(0)), [(2, 3), (3, 2)]),
        (CubeRight.apply, [(4,)]),
    ],
    ids=["sin*x", "exp", "matmul-tanh", "broadcast-binary", "two-outputs", "custom-function"],
)
def test_gradcheck_passes_on_correct_functions(fn, shapes, fast_mode):
    inputs = tuple(randn64(*s, seed=i) for i, s in enumerate(shapes))
    assert ag.gradcheck(fn, inputs, fast_mode=fast_mode) is True


@pytest.mark.parametrize(
    "fn",
    [lambda t: t.sin(), lambda t: t**3, lambda t: (t * t).tanh(), CubeRight.apply, lambda t: t.softmax(-1)],
    ids=["sin", "cube", "tanh(x^2)", "custom", "softmax"],
)
def test_gradgradcheck_passes_on_correct_functions(fn):
    assert ag.gradgradcheck(fn, (randn64(2, 3),)) is True


def test_gradcheck_leaves_inputs_and_their_grad_untouched():
    x = randn64(3)
    before = x.detach().numpy().copy()
    ag.gradcheck(lambda t: t.exp(), (x,))
    ag.gradcheck(lambda t: t.exp(), (x,), fast_mode=True)
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x.grad is None


def test_inputs_that_do_not_require_grad_are_constants():
    x, c = randn64(3), ag.randn(3, dtype=ag.float64)
    assert ag.gradcheck(lambda a, k: a * k, (x, c))


# ---------------------------------------------------------------------------- failing
def test_gradcheck_fails_with_an_error_naming_input_and_element():
    x = randn64(3)
    with pytest.raises(ag.GradcheckError, match=r"input 0.*element"):
        ag.gradcheck(CubeWrongFirst.apply, (x,))


def test_gradcheck_names_the_right_input_and_element():
    a, b = randn64(4, seed=1), randn64(4, seed=2)
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradcheck(MulWrongAtOneElement.apply, (a, b))
    message = str(info.value)
    assert "input 1" in message and "element (2,)" in message


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(ag.GradcheckError, AssertionError)


def test_raise_exception_false_returns_false():
    assert ag.gradcheck(CubeWrongFirst.apply, (randn64(3),), raise_exception=False) is False


def test_fast_mode_catches_the_bug_and_names_the_input():
    a, b = randn64(4, seed=1), randn64(4, seed=2)
    with pytest.raises(ag.GradcheckError, match="input 1"):
        ag.gradcheck(MulWrongAtOneElement.apply, (a, b), fast_mode=True)
    assert ag.gradcheck(CubeWrongFirst.apply, (randn64(3),), fast_mode=True, raise_exception=False) is False


def test_gradcheck_refuses_float32_inputs():
    x = ag.randn(3, requires_grad=True)
    with pytest.raises(ValueError, match=r"float32.*float64|float64.*float32"):
        ag.gradcheck(lambda t: t.exp(), (x,))
    with pytest.raises(ValueError, match="float64"):
        ag.gradgradcheck(lambda t: t.exp(), (x,))


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        ag.gradcheck(lambda t: t.exp(), (ag.randn(3, dtype=ag.float64),))


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradgradcheck_catches_a_wrong_second_derivative(fast_mode):
    """PyTorch's gradgradcheck fails here: the backward's own derivative is wrong."""
    x = randn64(3)
    assert ag.gradcheck(CubeWrongSecond.apply, (x,))  # first order is right
    with pytest.raises(ag.GradcheckError):
        ag.gradgradcheck(CubeWrongSecond.apply, (x,), fast_mode=fast_mode)
    assert ag.gradgradcheck(CubeWrongSecond.apply, (x,), fast_mode=fast_mode, raise_exception=False) is False


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    """PyTorch's gradgradcheck returns False here too."""
    x = randn64(3)
    assert ag.gradcheck(CubeOpaqueBackward.apply, (x,))
    assert ag.gradgradcheck(CubeOpaqueBackward.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_checks_the_backward_as_written():
    """As in PyTorch: a wrong but smooth backward is consistently differentiated (gradcheck catches it)."""
    assert ag.gradgradcheck(CubeWrongFirst.apply, (randn64(3),)) is True
