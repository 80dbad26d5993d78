"""In-place ops: values, version counters, and the rules on tensors that require grad."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import backends
from backends.numpy_backend import NumpyBackend

backends.register_backend("cpu2", lambda index: NumpyBackend())

A = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -6.0]])
B = np.array([[2.0, 1.0, -1.0], [4.0, 0.25, 2.0]])


def fresh(values=A, dtype=ag.float64):
    return ag.tensor(values, dtype=dtype)


# (name, call, NumPy reference)
CASES = [
    ("add_", lambda t: t.add_(fresh(B)), A + B),
    ("add_ scalar", lambda t: t.add_(1.5), A + 1.5),
    ("add_ alpha", lambda t: t.add_(fresh(B), alpha=-2.0), A - 2.0 * B),
    ("add_ broadcast", lambda t: t.add_(ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64)), A + [1.0, 2.0, 3.0]),
    ("sub_", lambda t: t.sub_(fresh(B)), A - B),
    ("sub_ alpha", lambda t: t.sub_(fresh(B), alpha=0.5), A - 0.5 * B),
    ("mul_", lambda t: t.mul_(fresh(B)), A * B),
    ("mul_ scalar", lambda t: t.mul_(-3.0), A * -3.0),
    ("div_", lambda t: t.div_(fresh(B)), A / B),
    ("zero_", lambda t: t.zero_(), np.zeros_like(A)),
    ("fill_", lambda t: t.fill_(7.0), np.full_like(A, 7.0)),
    ("fill_ tensor", lambda t: t.fill_(ag.tensor(2.5)), np.full_like(A, 2.5)),
    ("copy_", lambda t: t.copy_(fresh(B)), B),
    ("copy_ broadcast", lambda t: t.copy_(ag.tensor([1.0, 2.0, 3.0])), np.broadcast_to([1.0, 2.0, 3.0], A.shape)),
    ("copy_ cast", lambda t: t.copy_(ag.tensor([[1, 2, 3], [4, 5, 6]])), np.arange(1.0, 7.0).reshape(2, 3)),
    ("clamp_", lambda t: t.clamp_(-1.0, 2.0), np.clip(A, -1.0, 2.0)),
    ("clamp_ min only", lambda t: t.clamp_(min=0.0), np.maximum(A, 0.0)),
    ("addcmul_", lambda t: t.addcmul_(fresh(B), fresh(B), value=0.5), A + 0.5 * B * B),
    ("addcdiv_", lambda t: t.addcdiv_(fresh(A), fresh(B), value=-2.0), A - 2.0 * A / B),
    ("lerp_", lambda t: t.lerp_(fresh(B), 0.25), A + 0.25 * (B - A)),
    ("sqrt_", lambda t: t.sqrt_(), np.sqrt(np.abs(A))),  # starts from |A|, see start_values
    ("relu_", lambda t: t.relu_(), np.maximum(A, 0.0)),
    ("sigmoid_", lambda t: t.sigmoid_(), 1.0 / (1.0 + np.exp(-A))),
    ("tanh_", lambda t: t.tanh_(), np.tanh(A)),
    ("exp_", lambda t: t.exp_(), np.exp(A)),
    ("masked_fill_", lambda t: t.masked_fill_(fresh() > 0.75, 0.5), np.where(A > 0.75, 0.5, A)),
    ("masked_fill_ broadcast", lambda t: t.masked_fill_(ag.tensor([True, False, True]), -1.0),
     np.where([True, False, True], -1.0, A)),
    ("scatter_", lambda t: t.scatter_(1, ag.tensor([[2], [0]]), fresh(B)), np.array([[1.0, -2.0, 2.0], [4.0, 4.0, -6.0]])),
    ("scatter_ value", lambda t: t.scatter_(0, ag.tensor([[1, 0, 1]]), value=9.0), np.array([[1.0, 9.0, 3.0], [9.0, 4.0, 9.0]])),
    ("index_fill_", lambda t: t.index_fill_(1, ag.tensor([0, -1]), 7.0), np.array([[7.0, -2.0, 7.0], [7.0, 4.0, 7.0]])),
]


def start_values(name):
    return np.abs(A) if name == "sqrt_" else A


@pytest.mark.parametrize("name, call, expected", CASES, ids=[c[0] for c in CASES])
def test_in_place_op_values_and_identity(name, call, expected):
    t = fresh(start_values(name))
    assert call(t) is t, "in-place ops return self"
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-12)
    assert t.dtype == ag.float64 and t.shape == A.shape


@pytest.mark.parametrize("name, call, expected", CASES, ids=[c[0] for c in CASES])
def test_in_place_op_bumps_the_version_once(name, call, expected):
    t = fresh(start_values(name))
    before = t._version
    call(t)
    assert t._version == before + 1


def test_setitem_writes_and_bumps_the_version():
    t = fresh()
    t[0, 1] = 10.0
    t[1] = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64)
    assert t._version == 2
    np.testing.assert_array_equal(t.numpy(), [[1.0, 10.0, 3.0], [1.0, 2.0, 3.0]])


def test_random_fills_are_seeded_and_have_the_right_statistics():
    t = ag.zeros(20000, dtype=ag.float64)
    ag.manual_seed(11)
    t.normal_(2.0, 0.5)
    first = t.numpy().copy()
    assert abs(first.mean() - 2.0) < 0.02 and abs(first.std() - 0.5) < 0.02
    ag.manual_seed(11)
    t.normal_(2.0, 0.5)
    np.testing.assert_array_equal(t.numpy(), first)
    t.uniform_(-3.0, -1.0)
    assert t.numpy().min() >= -3.0 and t.numpy().max() < -1.0
    assert abs(t.numpy().mean() + 2.0) < 0.03


# ---------------------------------------------------------------------------- grad rules
@pytest.mark.parametrize(
    "op",
    [
        lambda t: t.add_(1.0),
        lambda t: t.sub_(1.0),
        lambda t: t.mul_(2.0),
        lambda t: t.div_(2.0),
        lambda t: t.zero_(),
        lambda t: t.fill_(1.0),
        lambda t: t.copy_(ag.ones(2)),
        lambda t: t.clamp_(0.0, 1.0),
        lambda t: t.normal_(),
        lambda t: t.uniform_(),
        lambda t: t.addcmul_(ag.ones(2), ag.ones(2)),
        lambda t: t.addcdiv_(ag.ones(2), ag.ones(2)),
        lambda t: t.lerp_(ag.ones(2), 0.5),
        lambda t: t.sqrt_(),
        lambda t: t.__setitem__(0, 5.0),
        lambda t: t.relu_(),
        lambda t: t.sigmoid_(),
        lambda t: t.tanh_(),
        lambda t: t.exp_(),
        lambda t: t.masked_fill_(ag.tensor([True, False]), 0.0),
        lambda t: t.scatter_(0, ag.tensor([1]), value=0.0),
        lambda t: t.index_fill_(0, ag.tensor([0]), 0.0),
    ],
    ids=[
        "add_", "sub_", "mul_", "div_", "zero_", "fill_", "copy_", "clamp_", "normal_", "uniform_",
        "addcmul_", "addcdiv_", "lerp_", "sqrt_", "setitem", "relu_", "sigmoid_", "tanh_", "exp_",
        "masked_fill_", "scatter_", "index_fill_",
    ],
)  # fmt: skip
def test_in_place_on_leaf_requiring_grad_raises_outside_no_grad_and_works_inside(op):
    w = ag.tensor([1.0, 4.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        op(w)
    assert w.tolist() == [1.0, 4.0] and w._version == 0  # the refused op changed nothing
    with ag.no_grad():
        op(w)
    assert w.is_leaf and w.requires_grad and w._version == 1


def _inplace_program(lib, x, w):
    """In-place ops in a forward pass, as PyTorch code writes them."""
    h = x * 2.0
    h.mul_(w)  # a tensor operand that requires grad
    h.add_(1.0, alpha=3.0)
    h.sub_(w, alpha=0.5)
    h.div_(2.0)
    h.clamp_(min=-1.0, max=4.0)
    plain = lib.zeros(3, dtype=x.dtype)
    plain.add_(h)  # a plain tensor joins the graph
    return (plain * plain).sum()


def _same_as_pytorch(program, *values):
    """Run ``program(lib, *leaves)`` with ours and with PyTorch; compare the loss and every gradient."""
    torch = pytest.importorskip("torch")
    ours = [ag.tensor(v, dtype=ag.float64, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    loss, tloss = program(ag, *ours), program(torch, *theirs)
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item())
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())


def test_in_place_ops_in_the_graph_are_recorded_as_in_pytorch():
    _same_as_pytorch(_inplace_program, [0.5, -1.0, 2.0], [1.5, 2.0, -0.5])


def _activation_and_fill_program(lib, x, w, v):
    """relu_, sigmoid_, tanh_, exp_, masked_fill_, scatter_ and index_fill_ in a forward pass, with
    tensor operands that require grad (scatter_'s src, index_fill_'s value)."""
    h = (x * w).relu_()
    s = (h + x).sigmoid_()
    g = (x * 0.5).tanh_()
    e = (g + 1.0).exp_()
    f = e * 1.0
    f.masked_fill_(x > 1.0, 1.5)
    f.scatter_(0, lib.tensor([2, 0]), w[:2] * 2.0)
    f.index_fill_(0, lib.tensor([1]), v)
    plain = lib.zeros(3, dtype=x.dtype)
    plain.masked_fill_(lib.tensor([True, False, True]), v)  # a plain tensor joins the graph through value
    return (h * s + g * f + e + plain).sum()


def test_activation_and_fill_in_place_ops_in_the_graph_are_recorded_as_in_pytorch():
    _same_as_pytorch(_activation_and_fill_program, [0.5, -1.0, 2.0], [1.5, 2.0, -0.5], 0.7)


@pytest.mark.parametrize("op", ["relu_", "sigmoid_", "tanh_", "exp_"])
def test_changing_the_result_of_an_in_place_activation_again_makes_backward_raise_as_in_pytorch(op):
    # PyTorch's exp_ (and the others) save self, their result: a later in-place change invalidates it.
    torch = pytest.importorskip("torch")
    for lib in (ag, torch):
        x = lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True)
        y = getattr(x * 1.0, op)()
        y.add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            y.sum().backward()


def test_recorded_in_place_activations_pass_first_and_second_order_gradient_checks():
    x = ag.tensor([0.3, -0.7, 0.9], dtype=ag.float64, requires_grad=True)
    for fn in (lambda t: (t * 1.0).relu_() * t, lambda t: (t * 1.0).sigmoid_(), lambda t: (t * 2.0).tanh_(),
               lambda t: (t * 1.0).exp_(), lambda t: (t * 1.0).masked_fill_(t > 0.5, 0.0).exp_()):
        assert ag.gradcheck(fn, (x,)) and ag.gradgradcheck(fn, (x,))


def test_activation_in_place_ops_refuse_a_float_result_in_an_integer_tensor():
    t = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match="exp_: result type float32 can't be cast to the tensor's dtype int64"):
        t.exp_()
    assert t.tolist() == [1, 2] and t._version == 0
    assert t.relu_().tolist() == [1, 2]


def test_a_recorded_in_place_op_keeps_the_object_and_its_memory():
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    y = x * 1.0
    alias = y.detach()  # shares y's memory, outside the graph
    same = y.mul_(3.0)
    assert same is y and y.grad_fn.name() == "MulBackward" and alias.tolist() == [3.0, -6.0]
    assert ag.gradcheck(lambda t: (t * 1.0).mul_(3.0).add_(t).clamp_(max=2.0), (ag.tensor([0.3, -0.7, 0.9], dtype=ag.float64, requires_grad=True),))


def test_in_place_on_a_tensor_whose_saved_value_a_backward_needs_raises_at_backward():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    z = y * y  # saves y
    y.mul_(3.0)
    with pytest.raises(RuntimeError, match=r"MulBackward.*modified by an in-place operation"):
        z.sum().backward()


def test_in_place_on_a_recorded_view_or_its_base_raises():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    v = y[0]  # a view in the graph: changing either in place would leave the other's history stale
    with pytest.raises(RuntimeError, match="mul_: another tensor in the graph shares this one's memory"):
        y.mul_(3.0)
    with pytest.raises(RuntimeError, match="add_: another tensor in the graph shares this one's memory"):
        v.add_(1.0)


def test_in_place_on_a_tensor_that_does_not_require_grad_is_always_allowed():
    t = ag.tensor([1.0, 2.0])
    t.mul_(2.0).add_(1.0)
    assert t.tolist() == [3.0, 5.0]


def test_zeroing_grad_in_place_is_allowed_outside_no_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0]
    (x * 3.0).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_data_can_be_updated_in_place_outside_no_grad():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    w.data.mul_(2.0)
    assert w.tolist() == [2.0, 4.0] and w.requires_grad and w.is_leaf


@pytest.mark.parametrize(
    "modify",
    [
        lambda t: t.add_(1.0),
        lambda t: t.mul_(1.0),  # even a no-op value change counts: the version moved
        lambda t: t.zero_(),
        lambda t: t.copy_(ag.ones(2)),
        lambda t: t.clamp_(0.0, 1.0),
        lambda t: t.__setitem__(0, 3.0),
        lambda t: t[1:].fill_(2.0),
        lambda t: t.reshape(2, 1).sub_(1.0),
    ],
    ids=["add_", "mul_", "zero_", "copy_", "clamp_", "setitem", "view-fill_", "view-sub_"],
)
def test_modifying_a_saved_tensor_in_place_makes_backward_raise(modify):
    x = ag.tensor([0.5, 1.5], requires_grad=True)
    y = x.sin()  # sin saves its input
    with ag.no_grad():
        modify(x)
    with pytest.raises(RuntimeError, match=r"(?s)Sin.*modified by an in-place operation"):
        y.sum().backward()


# ---------------------------------------------------------------------------- augmented assignment
def test_augmented_assignment_modifies_the_tensor_in_place():
    t = ag.tensor([1.0, 2.0])
    alias = t
    t += 1.0
    t *= 2.0
    t -= ag.tensor([1.0, 1.0])
    t /= 2.0
    assert t is alias, "t += ... must keep the same tensor, as in PyTorch"
    assert alias.tolist() == [1.5, 2.5]
    assert t._version == 4


def test_augmented_assignment_on_a_leaf_requiring_grad_raises():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        w += 1.0


def test_augmented_assignment_under_no_grad_updates_the_parameter_in_place():
    """The manual SGD step of PyTorch's tutorials: ``w -= lr * w.grad`` under no_grad."""
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    alias = w
    (w * w).sum().backward()
    with ag.no_grad():
        w -= 0.1 * w.grad
    assert w is alias
    assert w.requires_grad and w.is_leaf
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6], rtol=1e-6)


# ---------------------------------------------------------------------------- views
def test_in_place_through_a_view_changes_the_base():
    base = ag.zeros(2, 3)
    base[1].add_(5.0)
    base.T[0].fill_(-1.0)
    base.reshape(6)[2:4].add_(10.0)
    np.testing.assert_array_equal(base.numpy(), [[-1.0, 0.0, 10.0], [9.0, 5.0, 5.0]])



@pytest.mark.parametrize(
    "make",
    [
        lambda: ag.ones(3).sum(),  # NumPy reduces to a scalar, which can't be written in place
        lambda: ag.ones(2, 3).mean(),
        lambda: ag.tensor(2.0).exp(),  # ufuncs on 0-d arrays return scalars too
        lambda: ag.ones(3)[0],
        lambda: ag.tensor(3.0, requires_grad=True).square().detach(),
    ],
    ids=["sum", "mean", "exp_0d", "int_index", "detached"],
)
def test_in_place_on_a_0d_result_works_and_is_seen_by_views(make):
    t = make()
    before = t.item()
    alias = t.detach()  # shares storage, as in PyTorch
    t.mul_(2.0).add_(1.0)
    assert t.item() == alias.item() == before * 2.0 + 1.0


def test_in_place_on_a_0d_leaf_grad_works():
    x = ag.tensor(2.0, requires_grad=True)
    (x * x).backward()
    with ag.no_grad():
        x.grad.mul_(0.5)
    assert x.grad.item() == 2.0


def test_copy_of_a_tensor_that_requires_grad_is_refused_rather_than_losing_its_gradient():
    w = ag.tensor([5.0], requires_grad=True)
    x = ag.zeros(3)
    with pytest.raises(RuntimeError, match="requires grad.*gradient would be lost"):
        x.copy_(w.expand(3))
    assert x.tolist() == [0.0, 0.0, 0.0]
    with ag.no_grad():  # where nothing is recorded anyway, it is an ordinary write
        x.copy_(w.expand(3))
    assert x.tolist() == [5.0, 5.0, 5.0]


def _setitem_program(lib, w, v):
    y = w * 2.0
    y[0] = v  # a value that requires grad
    y[1:] = y[1:] * 3.0  # the view on the right is a temporary
    y[y > 10.0] = 0.0  # a boolean mask
    plain = lib.zeros(4, dtype=w.dtype)
    plain[1:3] = y[:2]  # a plain tensor joins the graph
    return (plain * plain).sum() + y.sum()


def test_setitem_in_the_graph_is_recorded_as_in_pytorch():
    _same_as_pytorch(_setitem_program, [1.0, 2.0, 3.0], 5.0)


def test_accumulating_a_loss_with_plus_equals_keeps_its_gradient():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    total = ag.zeros(())
    for k in range(3):
        total += (w * (k + 1)).sum()  # as in PyTorch: total joins the graph
    total.backward()
    assert total.item() == 18.0 and w.grad.tolist() == [6.0, 6.0]

# ---------------------------------------------------------------------------- errors
def test_float_into_int_names_the_dtypes():
    t = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match=r"(?s)int64.*float"):
        t.add_(ag.tensor([0.5, 0.5]))


def test_unbroadcastable_operand_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"(?s)\(3,\).*\(2,\)"):
        ag.ones(3).mul_(ag.ones(2))


def test_copy_from_a_wrong_shape_names_both():
    with pytest.raises(RuntimeError, match=r"(?s)\(4,\).*\(2, 3\)"):
        ag.zeros(2, 3).copy_(ag.ones(4))


def test_in_place_with_an_operand_on_another_device_names_both():
    t = ag.ones(2)
    other = ag.ones(2, device="cpu2")
    with pytest.raises(RuntimeError, match=r"(?s)(cpu2.*cpu(?!2)|cpu(?!2).*cpu2)"):
        t.add_(other)


def test_mul_and_div_take_no_alpha_as_in_pytorch():
    for op in ("mul_", "div_"):
        t = ag.ones(2)
        with pytest.raises(TypeError, match=f"{op}.*alpha"):
            getattr(t, op)(2.0, alpha=3.0)
        assert t.tolist() == [1.0, 1.0]  # refused before anything was written
        h = ag.ones(2, requires_grad=True) * 1.0  # in the graph: the recorded path refuses it too
        with pytest.raises(TypeError, match=f"{op}.*alpha"):
            getattr(h, op)(2.0, alpha=3.0)


def test_in_place_arithmetic_keeps_pytorch_names():
    assert [ag.Tensor.add_.__name__, ag.Tensor.sub_.__name__, ag.Tensor.mul_.__name__, ag.Tensor.div_.__name__] == [
        "add_", "sub_", "mul_", "div_"]


def test_copy_across_devices_is_allowed():
    t = ag.zeros(2)
    t.copy_(ag.tensor([1.0, 2.0], device="cpu2"))
    assert t.tolist() == [1.0, 2.0] and t.device == "cpu"


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_"])
@pytest.mark.parametrize("other", [None, "a", object()])
def test_in_place_arithmetic_with_a_non_number_operand_is_a_type_error_naming_it(op, other):
    t = ag.ones(2)
    with pytest.raises(TypeError, match=rf"{op}: unsupported operand type {type(other).__name__}"):
        getattr(t, op)(other)
    assert t.tolist() == [1.0, 1.0] and t._version == 0


# ------------------------------------------------------------------- in-place random draws
def test_random_bernoulli_exponential_in_place_match_pytorchs_contract():
    """``random_``, ``bernoulli_`` and ``exponential_`` (used by hand-written dropout and
    samplers): the ranges, dtypes and errors PyTorch's have, drawn from the seeded stream."""
    torch = pytest.importorskip("torch")
    ag.manual_seed(0)
    x = ag.zeros(2000).random_(3)
    assert sorted(set(x.tolist())) == [0.0, 1.0, 2.0] and x.dtype == ag.float32 and x._version == 1
    assert sorted(set(ag.zeros(500, dtype=ag.int64).random_(2, 5).tolist())) == [2, 3, 4]
    assert set(ag.zeros(200, dtype=ag.bool).random_().tolist()) == {False, True}
    assert 0 <= ag.zeros(100).random_().min().item() and ag.zeros(100).random_().max().item() <= 2 ** 24
    assert ag.zeros(4).bernoulli_(ag.tensor([0.0, 1.0, 0.0, 1.0])).tolist() == [0.0, 1.0, 0.0, 1.0]
    assert ag.zeros(3, dtype=ag.int64).bernoulli_(1.0).tolist() == [1, 1, 1]
    frac = ag.zeros(20000).bernoulli_(0.3).mean().item()
    assert abs(frac - 0.3) < 0.02
    e = ag.zeros(20000, dtype=ag.float64).exponential_(2.0)
    assert e.min().item() >= 0 and abs(e.mean().item() - 0.5) < 0.02
    for call in (lambda m: m.zeros(2).bernoulli_(2.0), lambda m: m.zeros(2, dtype=m.int64).exponential_(),
                 lambda m: m.zeros(2).exponential_(-1.0), lambda m: m.zeros(2).random_(3, 2),
                 lambda m: m.zeros(2).random_(0), lambda m: m.zeros(2, requires_grad=True).random_(3)):
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(RuntimeError):
            call(ag)


def test_random_in_place_draws_follow_a_generator():
    g = ag.Generator().manual_seed(5)
    first = [ag.zeros(4).normal_(generator=g).tolist(), ag.zeros(4).uniform_(generator=g).tolist(),
             ag.zeros(4).random_(10, generator=g).tolist(), ag.zeros(4).bernoulli_(0.5, generator=g).tolist(),
             ag.zeros(4).exponential_(generator=g).tolist()]
    g.manual_seed(5)
    ag.randn(7)  # the default stream moving in between changes nothing
    again = [ag.zeros(4).normal_(generator=g).tolist(), ag.zeros(4).uniform_(generator=g).tolist(),
             ag.zeros(4).random_(10, generator=g).tolist(), ag.zeros(4).bernoulli_(0.5, generator=g).tolist(),
             ag.zeros(4).exponential_(generator=g).tolist()]
    assert first == again


def test_random_in_place_draws_stay_on_the_device():
    """No stray host NumPy on device data: the strict back end refuses implicit conversion."""
    from tests.helpers.strict_backend import DEVICE as STRICT
    from tests.helpers.strict_backend import StrictArray

    x = ag.zeros(6, device=STRICT)
    for fill in (lambda t: t.random_(3), lambda t: t.random_(), lambda t: t.bernoulli_(0.5),
                 lambda t: t.bernoulli_(ag.full((6,), 0.5, device=STRICT)), lambda t: t.exponential_(),
                 lambda t: t.normal_(generator=ag.Generator(STRICT).manual_seed(0))):
        assert fill(x) is x and isinstance(x._data, StrictArray)


def test_lerp_in_place_takes_a_tensor_weight_and_is_recorded_in_the_graph():
    x = ag.tensor([1.0, 2.0])
    assert x.lerp_(ag.tensor([3.0, 3.0]), ag.tensor([0.5, 0.25])) is x and x.tolist() == [2.0, 2.25]
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    h = a * 1
    h.lerp_(ag.tensor([3.0, 5.0]), 0.75)
    h.sum().backward()
    assert a.grad.tolist() == [0.25, 0.25]
    with pytest.raises(RuntimeError, match="leaf"):
        a.lerp_(ag.tensor([0.0, 0.0]), 0.5)
