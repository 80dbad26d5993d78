"""Grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled`` as context managers and decorators."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag


@pytest.fixture(autouse=True)
def grad_mode_restored():
    """Every test starts and must end with grad mode on."""
    assert ag.is_grad_enabled()
    yield
    assert ag.is_grad_enabled(), "a test left grad mode off"


def leaf():
    return ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)


def test_no_grad_context_records_nothing():
    x = leaf()
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * 2.0
        z = y.exp().sum()
    assert ag.is_grad_enabled()
    for t in (y, z):
        assert not t.requires_grad and t.grad_fn is None and t.is_leaf
    assert x.requires_grad and x.is_leaf  # the leaf itself is untouched


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(ValueError):
        with ag.no_grad():
            raise ValueError("boom")
    assert ag.is_grad_enabled()


def test_no_grad_as_decorator():
    @ag.no_grad()
    def double(t):
        """Docstring kept."""
        return t * 2.0

    y = double(leaf())
    assert not y.requires_grad
    assert double.__name__ == "double" and double.__doc__ == "Docstring kept."
    assert ag.is_grad_enabled()


def test_no_grad_decorator_restores_mode_after_an_exception():
    @ag.no_grad()
    def fail():
        raise KeyError("x")

    with pytest.raises(KeyError):
        fail()
    assert ag.is_grad_enabled()


def test_enable_grad_inside_no_grad_records():
    x = leaf()
    with ag.no_grad():
        with ag.enable_grad():
            y = x * 2.0
        z = x * 2.0
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad


def test_enable_grad_as_decorator_inside_no_grad():
    @ag.enable_grad()
    def double(t):
        return t * 2.0

    with ag.no_grad():
        y = double(leaf())
        assert not ag.is_grad_enabled()
    assert y.requires_grad


def test_set_grad_enabled_as_context_manager():
    x = leaf()
    with ag.set_grad_enabled(False):
        assert not ag.is_grad_enabled()
        y = x * 2.0
    assert ag.is_grad_enabled()
    with ag.set_grad_enabled(True):
        z = x * 2.0
    assert not y.requires_grad and z.requires_grad


def test_set_grad_enabled_as_a_plain_call_takes_effect_at_once():
    x = leaf()
    try:
        ag.set_grad_enabled(False)
        assert not ag.is_grad_enabled()
        assert not (x * 2.0).requires_grad
    finally:
        ag.set_grad_enabled(True)
    assert (x * 2.0).requires_grad


def test_set_grad_enabled_as_decorator_does_not_change_the_mode_when_applied():
    @ag.set_grad_enabled(False)
    def double(t):
        assert not ag.is_grad_enabled()
        return t * 2.0

    assert ag.is_grad_enabled()  # decorating alone must not switch grad mode off
    assert not double(leaf()).requires_grad
    assert ag.is_grad_enabled()


def test_nested_managers_restore_each_level():
    with ag.no_grad():
        with ag.set_grad_enabled(True):
            assert ag.is_grad_enabled()
            with ag.no_grad():
                assert not ag.is_grad_enabled()
            assert ag.is_grad_enabled()
        assert not ag.is_grad_enabled()


def test_backward_can_run_under_no_grad_and_keeps_the_mode():
    x = leaf()
    loss = (x * x).sum()
    with ag.no_grad():
        loss.backward()
        assert not ag.is_grad_enabled()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_backward_without_create_graph_records_nothing():
    x = leaf()
    (x**3).sum().backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None


def test_backward_with_create_graph_records_the_gradient():
    x = leaf()
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None


def test_grad_mode_is_restored_when_a_hook_raises_during_backward():
    x = leaf()

    def bad_hook(g):
        raise ArithmeticError("hook failed")

    x.register_hook(bad_hook)
    with pytest.raises(ArithmeticError):
        (x * 2.0).sum().backward()
    assert ag.is_grad_enabled()
    assert (x * 2.0).requires_grad


def test_in_place_updates_allowed_under_no_grad_keep_the_leaf_a_leaf():
    x = leaf()
    (x * x).sum().backward()
    with ag.no_grad():
        x.sub_(0.1 * x.grad)
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    np.testing.assert_allclose(x.detach().numpy(), [0.8, 1.6])


def test_grad_mode_names_are_shared_with_autograd_module():
    assert ag.autograd.no_grad is ag.no_grad
    assert ag.autograd.enable_grad is ag.enable_grad
    assert ag.autograd.set_grad_enabled is ag.set_grad_enabled


# ---------------------------------------------------------------------------- inference_mode
def test_inference_mode_records_nothing_and_reports_itself():
    x = leaf()
    assert not ag.is_inference_mode_enabled()
    with ag.inference_mode():
        assert ag.is_inference_mode_enabled() and not ag.is_grad_enabled()
        y = x * 2.0
    assert not y.requires_grad and y.grad_fn is None
    assert not ag.is_inference_mode_enabled() and ag.is_grad_enabled()


def test_inference_mode_as_decorator_with_and_without_parentheses():
    @ag.inference_mode()
    def f(t):
        """Doc."""
        return t * 2.0, ag.is_inference_mode_enabled()

    @ag.inference_mode
    def g(t):
        return t * 2.0, ag.is_inference_mode_enabled()

    for fn in (f, g):
        y, inside = fn(leaf())
        assert inside and not y.requires_grad
        assert not ag.is_inference_mode_enabled()
    assert f.__name__ == "f" and f.__doc__ == "Doc." and g.__name__ == "g"


def test_inference_mode_restores_both_flags_after_an_exception():
    with pytest.raises(ValueError):
        with ag.inference_mode():
            raise ValueError("boom")
    assert not ag.is_inference_mode_enabled()


def _inference_mode_trace(m):
    """The (inference, grad) flags at each step of nested blocks, in library ``m``."""
    seen = [(m.is_inference_mode_enabled(), m.is_grad_enabled())]
    with m.inference_mode():
        seen.append((m.is_inference_mode_enabled(), m.is_grad_enabled()))
        with m.inference_mode(False):
            seen.append((m.is_inference_mode_enabled(), m.is_grad_enabled()))
        with m.enable_grad():
            seen.append((m.is_inference_mode_enabled(), m.is_grad_enabled()))
        seen.append((m.is_inference_mode_enabled(), m.is_grad_enabled()))
    with m.no_grad():
        with m.inference_mode(False):
            seen.append((m.is_inference_mode_enabled(), m.is_grad_enabled()))
        seen.append((m.is_inference_mode_enabled(), m.is_grad_enabled()))
    seen.append((m.is_inference_mode_enabled(), m.is_grad_enabled()))
    return seen


def test_inference_mode_nesting_matches_pytorch():
    torch = pytest.importorskip("torch")
    assert _inference_mode_trace(ag) == _inference_mode_trace(torch)
