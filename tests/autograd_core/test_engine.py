"""The backward walk: gradient routing, graph lifetime, hooks, grad(), in-place safety.

Values are checked against closed forms, and against PyTorch (a test oracle only)
where a random graph is easier to describe than to differentiate by hand.
"""

from __future__ import annotations

import contextlib
import gc
import math
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag


@contextlib.contextmanager
def gc_disabled():
    """Reference counting alone must free the graph: a cycle would survive this block."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def storage_ref(t: ag.Tensor) -> weakref.ref:
    """A weak reference to the array that holds ``t``'s values (shared by ``detach()``)."""
    return weakref.ref(t.detach().numpy())


def f64(values, requires_grad=True) -> ag.Tensor:
    return ag.tensor(values, dtype=ag.float64, requires_grad=requires_grad)


# ---------------------------------------------------------------------------- routing
@pytest.mark.parametrize("shape", [(), (3,)])
@pytest.mark.parametrize(
    "fn, dfn",
    [
        (lambda a: a + a, lambda a: 2.0 + 0 * a),
        (lambda a: a * a, lambda a: 2.0 * a),
        (lambda a: a * a * a, lambda a: 3.0 * a**2),
        (lambda a: a - a * 0.5, lambda a: 0.5 + 0 * a),
        (lambda a: (a + a) * 3.0, lambda a: 6.0 + 0 * a),
        (lambda a: (a + a + a) * 3.0, lambda a: 9.0 + 0 * a),
        (lambda a: (a * 5.0 + a) * 3.0, lambda a: 18.0 + 0 * a),
        (lambda a: ((a + a * 5.0) + a * 7.0) * 3.0, lambda a: 39.0 + 0 * a),
        (lambda a: a * a + a, lambda a: 2.0 * a + 1.0),
    ],
    ids=["a+a", "a*a", "a*a*a", "a-a/2", "(a+a)*3", "(a+a+a)*3", "(5a+a)*3", "(a+5a+7a)*3", "a*a+a"],
)
def test_tensor_used_several_times_gets_the_sum_of_its_gradients(fn, dfn, shape):
    values = np.full(shape, 1.5) if shape == () else np.array([1.5, -2.0, 0.25])
    a = f64(values)
    fn(a).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), dfn(values), rtol=1e-12)


def test_diamond_two_branches_rejoin():
    x = f64([0.5, -1.0, 2.0])
    u = x * 2.0  # branch 1
    v = x.exp()  # branch 2
    z = (u * v).sum()  # rejoin
    z.backward()
    xv = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(xv) + 2 * xv * np.exp(xv), rtol=1e-12)


def test_deep_diamond_with_long_branches_of_different_lengths():
    x = f64([0.3, 0.7])
    left = x
    for _ in range(50):
        left = left * 1.01
    right = x.sin()
    for _ in range(7):
        right = right + 0.1
    (left * right).sum().backward()
    xv = np.array([0.3, 0.7])
    c = 1.01**50
    expected = c * (np.sin(xv) + 0.7) + c * xv * np.cos(xv)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


_UNARY = {
    "scale": lambda m, a: a * 0.5,
    "neg": lambda m, a: -a,
    "tanh": lambda m, a: a.tanh(),
    "sin": lambda m, a: a.sin(),
    "exp_small": lambda m, a: (a * 0.1).exp(),
}
_BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
}
_STEPS = st.lists(
    st.tuples(st.sampled_from(sorted(_UNARY) + sorted(_BINARY)), st.integers(0, 12), st.integers(0, 12)),
    min_size=1,
    max_size=12,
)


def _evaluate_dag(lib, steps, leaves, n_extra):
    """Run the same random DAG with ``lib`` (autograd_core or torch); nodes may be reused freely."""
    nodes = list(leaves)
    for name, i, j in steps:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(_UNARY[name](lib, a) if name in _UNARY else _BINARY[name](lib, a, b))
    out = nodes[-1] * 3.0
    for extra in nodes[len(nodes) - 1 - n_extra : -1]:
        out = out + extra
    return out.sum()


@pytest.mark.parametrize("shape", [(), (3,)])
@given(steps=_STEPS, n_extra=st.integers(0, 2))
def test_random_dag_gradients_match_pytorch(steps, n_extra, shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    values = [rng.uniform(-1, 1, size=shape) for _ in range(2)]
    ours = [ag.tensor(v, dtype=ag.float64, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    out = _evaluate_dag(ag, steps, ours, n_extra)
    ref = _evaluate_dag(torch, steps, theirs, n_extra)
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-12, atol=1e-12)
    out.backward()
    ref.backward()
    for mine, their in zip(ours, theirs):
        expected = np.zeros(shape) if their.grad is None else their.grad.numpy()
        got = np.zeros(shape) if mine.grad is None else mine.grad.numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_million_op_chain_backpropagates_without_recursion_error():
    x = ag.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad.tolist() == [1.0]
    del y  # tearing the million-node graph down must not overflow the C stack either


def test_long_chain_through_grad_is_iterative_too():
    x = f64([1.0])
    y = x
    for _ in range(100_000):
        y = y * 1.0
    (g,) = ag.grad(y.sum(), x)
    assert g.tolist() == [1.0]


# ---------------------------------------------------------------------------- graph lifetime
def test_saved_intermediates_are_freed_by_backward_and_the_graph_by_dropping_the_loss():
    with gc_disabled():
        x = f64([0.3, 0.7])
        h = x.sin()
        h_values = storage_ref(h)
        h_node = weakref.ref(h.grad_fn)
        loss = (h * h).sum()  # mul must keep h's values for its backward
        loss_node = weakref.ref(loss.grad_fn)
        del h
        assert h_values() is not None
        loss.backward()
        assert h_values() is None, "backward() must release what the nodes saved"
        del loss
        assert loss_node() is None and h_node() is None, "the graph must die with the loss (no reference cycles)"
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.sin([0.3, 0.7]) * np.cos([0.3, 0.7]), rtol=1e-12)


@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid"])
def test_ops_that_save_their_output_are_freed_too(op):
    with gc_disabled():
        x = f64([0.1, -0.4])
        y = getattr(x, op)()
        y_values = storage_ref(y)
        y_node = weakref.ref(y.grad_fn)
        loss = (y * 2.0).sum()
        del y
        assert y_values() is not None  # its backward needs the output's values
        loss.backward()
        assert y_values() is None
        del loss
        assert y_node() is None


@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid", "sqrt", "relu"])
def test_output_and_its_node_form_no_cycle(op):
    with gc_disabled():
        x = f64([0.1, 0.4])
        y = getattr(x, op)()
        node = weakref.ref(y.grad_fn)
        values = storage_ref(y)
        del y
        assert node() is None and values() is None


def test_retain_grad_and_hooks_create_no_cycle():
    with gc_disabled():
        x = f64([0.3, 0.7])
        y = x.exp()
        y.retain_grad()
        y.register_hook(lambda g: g * 1.0)
        y_ref, node_ref = weakref.ref(y), weakref.ref(y.grad_fn)
        (y * y).sum().backward()
        assert y.grad is not None
        del y
        assert y_ref() is None and node_ref() is None


def test_graph_is_freed_after_grad_as_well():
    with gc_disabled():
        x = f64([0.3, 0.7])
        h = x.cos()
        h_values = storage_ref(h)
        loss = (h * h).sum()
        del h
        ag.grad(loss, x)
        assert h_values() is None
        node = weakref.ref(loss.grad_fn)
        del loss
        assert node() is None


def test_second_backward_through_freed_graph_raises():
    x = f64([1.0, 2.0])
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_backward_after_grad_raises_too():
    x = f64([1.0, 2.0])
    loss = (x * x).sum()
    ag.grad(loss, x)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates():
    x = f64([1.0, 2.0])
    loss = (x.exp() * x).sum()
    loss.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-12)
    np.testing.assert_allclose(first, np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])), rtol=1e-12)


def test_gradients_accumulate_across_separate_backward_calls():
    x = f64([1.0, -3.0])
    (x * x).sum().backward()
    (x * 10.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0 + 10.0, -6.0 + 10.0])


def test_intermediate_grad_is_none_unless_retained():
    x = f64([1.0, 2.0])
    y = x * 3.0
    w = x * 4.0
    w.retain_grad()
    z = (y * y + w).sum()
    z.backward()
    assert y.grad is None
    assert not y.retains_grad and w.retains_grad
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), 18.0 * np.array([1.0, 2.0]) + 4.0)


def test_retained_grad_accumulates_over_retain_graph_backward():
    x = f64([1.0, 2.0])
    y = x * 3.0
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * 2 * np.array([3.0, 6.0]))


def test_backward_of_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor([1.0, 2.0]).sum().backward()


# ---------------------------------------------------------------------------- hooks
def test_leaf_hook_sees_the_gradient():
    x = f64([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    (x * 3.0).sum().backward()
    assert seen == [[3.0, 3.0]]


def test_leaf_hook_replacement_goes_into_grad():
    x = f64([1.0, 2.0])
    x.register_hook(lambda g: g * 10.0)
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])


def test_non_leaf_hook_sees_and_can_replace_the_gradient_flowing_on():
    x = f64([1.0, 2.0])
    y = x * x
    seen = []

    def hook(g):
        seen.append(g.tolist())
        return g * 0.5

    y.register_hook(hook)
    (y * 4.0).sum().backward()
    assert seen == [[4.0, 4.0]]
    np.testing.assert_allclose(x.grad.numpy(), 0.5 * 4.0 * 2 * np.array([1.0, 2.0]))


def test_hook_returning_none_leaves_the_gradient_alone_and_hooks_run_in_order():
    x = f64([1.0])
    order = []
    x.register_hook(lambda g: order.append("first"))
    x.register_hook(lambda g: (order.append("second"), g * 2.0)[1])
    x.register_hook(lambda g: order.append(("third", g.tolist())))
    (x * 3.0).sum().backward()
    assert order == ["first", "second", ("third", [6.0])]
    assert x.grad.tolist() == [6.0]


@pytest.mark.parametrize("via", ["backward", "grad"])
def test_leaf_hook_fires_once_with_the_total_gradient(via):
    """PyTorch sums a leaf's incoming gradients first, then runs its hooks once on the total."""
    a = f64([1.0])
    seen = []
    a.register_hook(lambda g: (seen.append(g.tolist()), g.clamp(max=1.5))[1])
    loss = (a * a + a).sum()  # three contributions: 1 + 1 + 1
    if via == "backward":
        loss.backward()
        total = a.grad
    else:
        (total,) = ag.grad(loss, a)
    assert seen == [[3.0]]
    assert total.tolist() == [1.5]


def test_hooks_fire_once_per_backward_with_retain_graph():
    a = f64([1.0, 2.0])
    calls = []
    a.register_hook(lambda g: calls.append(g.tolist()))
    loss = (a * a).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert calls == [[2.0, 4.0], [2.0, 4.0]]


def test_removed_hooks_do_not_fire():
    x = f64([1.0, 2.0])
    y = x * 2.0
    calls = []
    h_leaf = x.register_hook(lambda g: calls.append("leaf"))
    h_mid = y.register_hook(lambda g: calls.append("mid"))
    h_leaf.remove()
    h_mid.remove()
    h_mid.remove()  # removing twice is harmless
    y.sum().backward()
    assert calls == []
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_hooks_fire_in_grad_too():
    x = f64([1.0, 2.0])
    y = x * 2.0
    calls = []
    x.register_hook(lambda g: calls.append("leaf"))
    y.register_hook(lambda g: (calls.append("mid"), g * 3.0)[1])
    (g,) = ag.grad(y.sum(), x)
    assert sorted(calls) == ["leaf", "mid"]
    np.testing.assert_allclose(g.numpy(), [6.0, 6.0])


def test_register_hook_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ag.tensor([1.0]).register_hook(lambda g: g)


# ---------------------------------------------------------------------------- grad mode and seeds
def test_no_grad_records_nothing():
    x = f64([1.0, 2.0])
    with ag.no_grad():
        y = (x * 2.0).exp().sum()
    assert y.requires_grad is False
    assert y.grad_fn is None
    assert y.is_leaf


def test_backward_of_non_scalar_without_gradient_names_the_shape():
    x = f64(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match=r"scalar.*\(2, 3\)"):
        (x * 2.0).backward()


def test_backward_with_gradient_of_wrong_shape_raises_naming_both_shapes():
    x = f64(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2, 3\)"):
        (x * 2.0).backward(ag.ones(3, dtype=ag.float64))


def test_backward_with_explicit_gradient_is_a_vector_jacobian_product():
    x = f64([1.0, 2.0, 3.0])
    v = ag.tensor([1.0, -1.0, 0.5], dtype=ag.float64)
    (x * x).backward(gradient=v)
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0, 3.0])


@pytest.mark.parametrize("seed_dtype", [ag.float64, ag.float16])
def test_a_seed_of_another_float_dtype_is_cast_to_the_output_dtype(seed_dtype):
    """PyTorch casts the gradient given to backward(); a leaf's .grad always has the leaf's dtype."""
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * 2.0).backward(ag.ones(2, dtype=seed_dtype))
    assert x.grad.dtype == ag.float32
    assert x.grad.tolist() == [2.0, 2.0]


def test_leaf_grad_keeps_the_leaf_dtype_through_promotion():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * ag.tensor([3.0, 4.0], dtype=ag.float64)).sum().backward()
    assert x.grad.dtype == ag.float32 and x.grad.tolist() == [3.0, 4.0]
    h = ag.tensor([1.0, 2.0], dtype=ag.float16, requires_grad=True)
    (h * h).sum().backward()
    assert h.grad.dtype == ag.float16


def test_broadcast_leaf_gets_its_own_shape_back():
    b = f64([1.0, 2.0, 3.0])
    (ag.ones(4, 3, dtype=ag.float64) * b).sum().backward()
    assert b.grad.shape == (3,) and b.grad.tolist() == [4.0, 4.0, 4.0]


def test_backward_of_several_roots_at_once():
    a = f64([1.0, 2.0])
    ag.autograd.backward([a.sum(), (a * a).sum()])
    assert a.grad.tolist() == [3.0, 5.0]


def test_empty_tensors_backpropagate():
    e = ag.zeros(0, 3, requires_grad=True)
    e.sum().backward()
    assert e.grad.shape == (0, 3)


# ---------------------------------------------------------------------------- grad()
def test_grad_create_graph_gives_second_and_third_derivatives_of_cube():
    x = f64(1.5)
    (g1,) = ag.grad(x**3, x, create_graph=True)
    (g2,) = ag.grad(g1, x, create_graph=True)
    (g3,) = ag.grad(g2, x)
    assert g1.item() == pytest.approx(3 * 1.5**2)
    assert g2.item() == pytest.approx(6 * 1.5)
    assert g3.item() == pytest.approx(6.0)
    assert g1.requires_grad and g2.requires_grad
    assert not g3.requires_grad and g3.grad_fn is None  # create_graph=False records nothing


def test_grad_create_graph_gives_higher_derivatives_of_sin():
    x = f64([0.3, 1.2])
    (g1,) = ag.grad(x.sin().sum(), x, create_graph=True)
    (g2,) = ag.grad(g1.sum(), x, create_graph=True)
    (g3,) = ag.grad(g2.sum(), x)
    xv = np.array([0.3, 1.2])
    np.testing.assert_allclose(g1.detach().numpy(), np.cos(xv), rtol=1e-12)
    np.testing.assert_allclose(g2.detach().numpy(), -np.sin(xv), rtol=1e-12)
    np.testing.assert_allclose(g3.numpy(), -np.cos(xv), rtol=1e-12)


def test_mixed_second_partial_derivative():
    x, y = f64(2.0), f64(3.0)
    (gx,) = ag.grad(x * y * y, x, create_graph=True)  # y^2
    (gxy,) = ag.grad(gx, y)  # 2y
    assert gxy.item() == pytest.approx(6.0)


def test_backward_create_graph_makes_grad_differentiable():
    x = f64([1.0, 2.0])
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    (g2,) = ag.grad(x.grad.sum(), x)
    np.testing.assert_allclose(g2.numpy(), [6.0, 12.0])


def test_grad_does_not_touch_dot_grad():
    x = f64([1.0, 2.0])
    y = x * 2.0
    (g,) = ag.grad((y * y).sum(), x)
    np.testing.assert_allclose(g.numpy(), [8.0, 16.0])
    assert x.grad is None and y.grad is None
    x.grad = ag.tensor([5.0, 5.0], dtype=ag.float64)
    ag.grad((x * x).sum(), x)
    assert x.grad.tolist() == [5.0, 5.0]


def test_grad_unused_input_raises_unless_allow_unused():
    x, unused = f64([1.0]), f64([2.0])
    with pytest.raises(RuntimeError, match="allow_unused"):
        ag.grad((x * 2.0).sum(), [x, unused])
    gx, gu = ag.grad((x * 2.0).sum(), [x, unused], allow_unused=True)
    assert gx.tolist() == [2.0] and gu is None
    gx, gu = ag.grad((x * 2.0).sum(), [x, unused], materialize_grads=True)
    assert gu.tolist() == [0.0] and gu.shape == unused.shape


def test_grad_with_respect_to_non_leaf_inputs():
    x = f64([1.0, 2.0])
    y = x * 3.0
    z = (y * y).sum()
    gy, gx = ag.grad(z, [y, x])
    np.testing.assert_allclose(gy.numpy(), [6.0, 12.0])
    np.testing.assert_allclose(gx.numpy(), [18.0, 36.0])


def test_grad_with_several_outputs_and_grad_outputs():
    x = f64([1.0, 2.0])
    y1, y2 = x * 2.0, x * x
    go1 = ag.tensor([1.0, 10.0], dtype=ag.float64)
    go2 = ag.tensor([3.0, -1.0], dtype=ag.float64)
    (g,) = ag.grad([y1, y2], [x], grad_outputs=[go1, go2])
    np.testing.assert_allclose(g.numpy(), 2 * np.array([1.0, 10.0]) + 2 * np.array([1.0, 2.0]) * [3.0, -1.0])


def test_grad_needs_inputs_that_require_grad():
    x = f64([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.grad((x * 2.0).sum(), ag.tensor([1.0]))


def test_backward_inputs_restricts_accumulation():
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    (a * b).sum().backward(inputs=[a])
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 4.0])
    assert b.grad is None


def test_backward_inputs_accepts_a_non_leaf():
    x = f64([1.0, 2.0])
    y = x * 3.0
    (y * y).sum().backward(inputs=[y])
    np.testing.assert_allclose(y.grad.numpy(), [6.0, 12.0])
    assert x.grad is None


# ---------------------------------------------------------------------------- no aliasing of .grad
@pytest.mark.parametrize("how", ["sum", "explicit_gradient", "scalars", "create_graph"])
def test_two_leaves_grads_never_share_memory(how):
    if how == "scalars":
        a, b = f64(1.0), f64(2.0)
    else:
        a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    y = a + b
    if how == "explicit_gradient":
        seed = ag.ones(2, dtype=ag.float64)
        y.backward(seed)
        assert not np.shares_memory(a.grad.numpy(), seed.numpy())
    elif how == "create_graph":
        y.sum().backward(create_graph=True)
    else:
        y.sum().backward()
    assert a.grad is not b.grad
    assert not np.shares_memory(a.grad.detach().numpy(), b.grad.detach().numpy())
    before = b.grad.detach().numpy().copy()
    with ag.no_grad():
        a.grad.clamp_(0.0, 0.25)  # e.g. gradient clipping of one parameter
    np.testing.assert_array_equal(b.grad.detach().numpy(), before)


def test_grad_of_leaf_used_as_output_does_not_alias_its_seed():
    a = f64([1.0, 2.0])
    seed = ag.tensor([1.0, 1.0], dtype=ag.float64)
    a.backward(seed)
    with ag.no_grad():
        a.grad.mul_(5.0)
    assert seed.tolist() == [1.0, 1.0]



@pytest.mark.parametrize(
    "loss",
    [
        lambda x: x.sum() * 2.0,  # the sum's gradient is a broadcast (read-only) view of a temporary
        lambda x: x.mean() * 2.0,
        lambda x: x.expand(3, 4).sum() * 2.0,
        lambda x: (x + ag.zeros(5, 3, 4, dtype=ag.float64)).sum() * 2.0,
    ],
    ids=["sum", "mean", "expand", "broadcast_add"],
)
def test_grad_that_arrives_as_a_broadcast_view_can_be_modified_in_place(loss):
    x = f64([[1.0, 2.0, 3.0, 4.0]] * 3)
    loss(x).backward()
    expected = x.grad.numpy().copy()
    with ag.no_grad():
        x.grad.mul_(3.0)  # what gradient clipping does
    np.testing.assert_allclose(x.grad.numpy(), expected * 3.0)
    loss(x).backward()  # and it accumulates
    np.testing.assert_allclose(x.grad.numpy(), expected * 4.0)


def test_retained_grad_of_a_view_does_not_alias_the_leaf_grad():
    x = f64([[1.0, 2.0], [3.0, 4.0]])
    y = x.reshape(4)  # its gradient reaches x as a view of the same memory
    y.retain_grad()
    (y * ag.tensor([1.0, 2.0, 3.0, 4.0], dtype=ag.float64)).sum().backward()
    with ag.no_grad():
        x.grad.zero_()
    assert y.grad.tolist() == [1.0, 2.0, 3.0, 4.0]


# ---------------------------------------------------------------------------- in-place safety
def test_modifying_a_saved_output_makes_backward_raise_naming_the_op():
    x = f64([1.0, 2.0])
    y = x.exp()
    with ag.no_grad():
        y.add_(1.0)
    with pytest.raises(RuntimeError, match=r"(?s)Exp.*modified by an in-place operation"):
        y.sum().backward()


def test_modifying_a_weight_saved_by_matmul_makes_backward_raise_naming_the_op():
    ag.manual_seed(0)
    w = ag.randn(3, 3, dtype=ag.float64, requires_grad=True)
    x = ag.randn(2, 3, dtype=ag.float64, requires_grad=True)
    loss = (x @ w).sum()
    with ag.no_grad():
        w.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"(?s)MatMul.*modified by an in-place operation"):
        loss.backward()


def test_modifying_a_saved_tensor_through_a_view_is_caught():
    ag.manual_seed(0)
    w = ag.randn(3, 3, dtype=ag.float64, requires_grad=True)
    x = ag.randn(2, 3, dtype=ag.float64, requires_grad=True)
    loss = (x @ w.T).sum()  # saves the transposed view
    with ag.no_grad():
        w[0].zero_()  # a basic-index view of the base
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_modifying_a_tensor_that_no_backward_needs_is_fine():
    x = f64([1.0, 2.0])
    y = x + 1.0  # add saves nothing
    z = y * 2.0  # mul by a scalar needs neither operand's values
    with ag.no_grad():
        y.add_(100.0)
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_in_place_op_on_a_leaf_requiring_grad_raises_outside_no_grad():
    w = f64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="add_"):
        w.add_(1.0)
    with ag.no_grad():
        w.add_(1.0)
    assert w.tolist() == [2.0, 3.0] and w.requires_grad and w.is_leaf


@pytest.mark.parametrize(
    "make_view",
    [
        lambda b: b.reshape(6),
        lambda b: b.view(3, 2),
        lambda b: b.transpose(0, 1),
        lambda b: b.T,
        lambda b: b.permute(1, 0),
        lambda b: b[0],
        lambda b: b[:, 1:],
        lambda b: b.unsqueeze(0),
        lambda b: b.narrow(1, 0, 2),
        lambda b: b.detach(),
    ],
    ids=["reshape", "view", "transpose", "T", "permute", "index", "slice", "unsqueeze", "narrow", "detach"],
)
def test_views_share_the_version_counter_with_their_base(make_view):
    base = ag.zeros(2, 3)
    view = make_view(base)
    v_base, v_view = base._version, view._version
    with ag.no_grad():
        view.add_(1.0)
    assert base._version == v_base + 1
    assert view._version == v_view + 1
    assert float(base.sum()) == view.numel()  # and the memory itself is shared
    base.mul_(2.0)
    assert view._version == v_view + 2


def test_a_copy_does_not_share_the_version_counter():
    base = ag.zeros(2, 3)
    copy = base.clone()
    copy.add_(1.0)
    assert base._version == 0 and copy._version == 1
    assert math.isclose(float(base.sum()), 0.0)


# ---------------------------------------------------------------------------- grad(only_inputs=)
def test_grad_accepts_only_inputs_as_the_wgan_gp_penalty_passes_it():
    """The WGAN-GP gradient penalty calls ``autograd.grad(..., only_inputs=True)``: accepted, in
    PyTorch's position (after create_graph), ignored; False warns as PyTorch's FutureWarning does."""
    torch = pytest.importorskip("torch")
    data = np.array([[0.5, -1.0], [2.0, 0.25]])
    results = []
    for lib in (ag, torch):
        x = lib.tensor(data, requires_grad=True)
        d = (x ** 3).sum(dim=1)
        (g,) = lib.autograd.grad(outputs=d, inputs=x, grad_outputs=lib.ones(2, dtype=lib.float64),
                                 create_graph=True, retain_graph=True, only_inputs=True)
        penalty = ((g.norm(2, dim=1) - 1) ** 2).mean()
        penalty.backward()
        results.append((g.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10)
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ag.grad((x * x).sum(), x, None, None, False, True)  # positional, PyTorch's order
    assert g.tolist() == [2.0, 4.0]
    with pytest.warns(FutureWarning, match="only_inputs"):
        ag.grad((x * x).sum(), x, only_inputs=False)


def test_post_accumulate_grad_hooks_run_after_accumulation_as_in_pytorch():
    w = ag.ones(2, requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    w.register_hook(lambda g: g * 10)  # a gradient hook runs before, on what is accumulated
    (w * 3).sum().backward()
    (w * 2).sum().backward()
    handle.remove()
    (w * 1).sum().backward()
    ag.grad((w * 5).sum(), w)  # grad() accumulates nothing: no call
    assert seen == [[30.0, 30.0], [50.0, 50.0]] and w.grad.tolist() == [60.0, 60.0]
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(print)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ag.ones(1).register_post_accumulate_grad_hook(print)


def test_an_optimizer_stepped_from_post_accumulate_hooks_matches_a_normal_step():
    import nn
    import optim

    def model():
        ag.manual_seed(0)
        return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))

    x = ag.randn(5, 3)
    normal, in_backward = model(), model()
    opt = optim.SGD(normal.parameters(), lr=0.1, momentum=0.9)
    per_param = {p: optim.SGD([p], lr=0.1, momentum=0.9) for p in in_backward.parameters()}

    def step(p):
        per_param[p].step()
        per_param[p].zero_grad()

    for p in in_backward.parameters():
        p.register_post_accumulate_grad_hook(step)
    for _ in range(3):
        opt.zero_grad()
        normal(x).square().sum().backward()
        opt.step()
        in_backward(x).square().sum().backward()
    for a, b in zip(normal.parameters(), in_backward.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)


def test_node_hooks_see_and_may_replace_gradients_as_in_pytorch():
    x, y = ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor([3.0, 4.0], requires_grad=True)
    z = x * y
    log = []
    z.grad_fn.register_prehook(lambda go: log.append(("pre", [g.tolist() for g in go])))
    handle = z.grad_fn.register_hook(
        lambda gi, go: (log.append(("post", [g.tolist() for g in gi], [g.tolist() for g in go])), (gi[0] * 10, gi[1]))[1])
    z.sum().backward(retain_graph=True)
    assert log == [("pre", [[1.0, 1.0]]), ("post", [[3.0, 4.0], [1.0, 2.0]], [[1.0, 1.0]])]
    assert x.grad.tolist() == [30.0, 40.0] and y.grad.tolist() == [1.0, 2.0]
    handle.remove()
    x.grad = y.grad = None
    z.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    z2 = w * ag.tensor([1.0, 1.0])
    z2.grad_fn.register_hook(lambda gi, go: seen.append(gi[1]))  # the constant's gradient: None
    z2.grad_fn.register_prehook(lambda go: (go[0] * 0,))
    z2.sum().backward()
    assert seen == [None] and w.grad.tolist() == [0.0, 0.0]


def test_node_hooks_on_a_multi_output_node_and_a_user_function():
    x = ag.tensor([[3.0, 1.0], [2.0, 5.0]], requires_grad=True)
    values, _ = x.max(dim=1)
    outputs = []
    values.grad_fn.register_prehook(lambda go: outputs.append(len(go)))
    values.sum().backward()
    assert outputs and x.grad.tolist() == [[1.0, 0.0], [0.0, 1.0]]

    class Double(ag.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    t = ag.tensor([1.0], requires_grad=True)
    out = Double.apply(t)
    out.grad_fn.register_hook(lambda gi, go: (gi[0] + 1,))
    out.sum().backward()
    assert t.grad.tolist() == [3.0]
