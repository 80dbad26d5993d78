"""``autograd_core.autograd``'s torch.autograd names: functional (jacobian, hessian, vjp, jvp, vhp, hvp),
``function.once_differentiable`` and ``Variable``."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.autograd import Variable
from autograd_core.autograd import functional as F
from autograd_core.autograd.function import Function, once_differentiable
from autograd_core.autograd.functional import hessian, jacobian, jvp, vjp

RNG = np.random.default_rng(0)
X, Y, V = (RNG.random((2, 3)) for _ in range(3))


def f_two(x, y):
    return x.exp() * y.sin()


def test_jacobian_of_one_input_has_output_then_input_shape():
    x = ag.tensor(X)
    j = jacobian(lambda t: t ** 2, x)
    assert j.shape == (2, 3, 2, 3) and not j.requires_grad
    np.testing.assert_allclose(j.numpy().reshape(6, 6), np.diag(2 * X.ravel()))
    assert x.grad is None and not x.requires_grad  # the caller's tensor is left alone


def test_jacobian_structures_for_tuples_and_independent_outputs():
    jx, jy = jacobian(f_two, (ag.tensor(X), ag.tensor(Y)))
    np.testing.assert_allclose(jx.numpy().reshape(6, 6), np.diag((np.exp(X) * np.sin(Y)).ravel()))
    np.testing.assert_allclose(jy.numpy().reshape(6, 6), np.diag((np.exp(X) * np.cos(Y)).ravel()))
    sq, total = jacobian(lambda t: (t ** 2, t.sum()), ag.tensor([1.0, 2.0]))
    assert sq.tolist() == [[2.0, 0.0], [0.0, 4.0]] and total.tolist() == [1.0, 1.0]
    assert jacobian(lambda t: ag.ones(2), ag.tensor([1.0, 2.0])).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    with pytest.raises(RuntimeError, match="independent of input 0"):
        jacobian(lambda t: ag.ones(2), ag.tensor([1.0, 2.0]), strict=True)
    with pytest.raises(ValueError, match="reverse-mode"):
        jacobian(lambda t: t, ag.tensor([1.0]), strategy="forward-mode")


def test_jacobian_with_create_graph_can_be_differentiated_again():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    j = jacobian(lambda t: t ** 3, x, create_graph=True)  # diag(3 t^2)
    assert j.requires_grad
    (g,) = ag.grad(j.sum(), x)
    assert g.tolist() == [6.0, 12.0]


def test_hessian_single_and_tuple_inputs():
    h = hessian(lambda t: (t ** 3).sum(), ag.tensor([1.0, 2.0]))
    assert h.tolist() == [[6.0, 0.0], [0.0, 12.0]]
    (hxx, hxy), (hyx, hyy) = hessian(lambda a, b: (a * a * b).sum(), (ag.tensor([1.0]), ag.tensor([3.0])))
    assert (hxx.item(), hxy.item(), hyx.item(), hyy.item()) == (6.0, 2.0, 2.0, 0.0)
    with pytest.raises(RuntimeError, match="single element"):
        hessian(lambda t: t * 2, ag.tensor([1.0, 2.0]))


def test_vjp_and_jvp():
    out, g = vjp(lambda t: t.tanh() * 2, ag.tensor(X), ag.tensor(V))
    np.testing.assert_allclose(g.numpy(), V * 2 * (1 - np.tanh(X) ** 2), rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), np.tanh(X) * 2, rtol=1e-12)
    _, g1 = vjp(lambda t: (t * t).sum(), ag.tensor([3.0]))
    assert g1.tolist() == [6.0]
    with pytest.raises(RuntimeError, match="omitted only"):
        vjp(lambda t: t * 2, ag.tensor([1.0, 2.0]))
    out, jv = jvp(lambda t: t.tanh() * t.sum(), ag.tensor(X), ag.tensor(V))
    jac = np.diag((1 - np.tanh(X) ** 2).ravel() * X.sum()) + np.outer(np.tanh(X).ravel(), np.ones(6))
    np.testing.assert_allclose(jv.numpy().ravel(), jac @ V.ravel(), rtol=1e-12)


def test_functional_matches_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.autograd.functional
    for ours, theirs in zip(jacobian(f_two, (ag.tensor(X), ag.tensor(Y))),
                            tf.jacobian(f_two, (torch.tensor(X), torch.tensor(Y)))):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)

    def h(x, y):
        return (x * y).sum() + (x ** 2 * y).sum()

    ours, theirs = hessian(h, (ag.tensor(X), ag.tensor(Y))), tf.hessian(h, (torch.tensor(X), torch.tensor(Y)))
    for i in range(2):
        for k in range(2):
            np.testing.assert_allclose(ours[i][k].numpy(), theirs[i][k].numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        jvp(lambda t: t.sin() * t.sum(), ag.tensor(X), ag.tensor(V))[1].numpy(),
        tf.jvp(lambda t: t.sin() * t.sum(), torch.tensor(X), torch.tensor(V))[1].numpy(), rtol=1e-12,
    )


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return ag.tensor(3 * x.detach().numpy() ** 2) * g  # not recordable: goes through NumPy


def test_once_differentiable_backward_runs_and_refuses_double_backward():
    x = ag.tensor([2.0], dtype=ag.float64, requires_grad=True)
    Cube.apply(x).sum().backward()
    assert x.grad.tolist() == [12.0]
    (g,) = ag.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert g.tolist() == [12.0] and not g.requires_grad  # its incoming gradient needs none: as PyTorch
    (g,) = ag.grad((Cube.apply(x) * x).sum(), x, create_graph=True)  # 4 x^3: 3x^2 * x + x^3
    assert g.tolist() == [32.0] and g.requires_grad
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


def test_variable_is_a_leaf_sharing_memory():
    t = ag.zeros(2)
    v = Variable(t, requires_grad=True)
    assert v.requires_grad and v.is_leaf and not t.requires_grad
    v.detach()[0] = 5.0
    assert t[0].item() == 5.0
    assert not Variable(t).requires_grad
    with pytest.raises(TypeError, match="Tensor"):
        Variable([1.0])


# -- vhp / hvp --------------------------------------------------------------------------------


def _two_input_scalar(x, y):
    return (x.sin() * x).sum() * y.exp().sum() + (x ** 3).sum()


@pytest.mark.parametrize("name", ["vhp", "hvp"])
def test_hessian_vector_products_equal_the_full_hessian_times_v(name):
    fn = getattr(F, name)
    rng = np.random.default_rng(1)
    x, y = ag.tensor(rng.standard_normal(3)), ag.tensor(rng.standard_normal((2, 2)))
    vx, vy = ag.tensor(rng.standard_normal(3)), ag.tensor(rng.standard_normal((2, 2)))
    value, (px, py) = fn(_two_input_scalar, (x, y), (vx, vy))
    h = F.hessian(_two_input_scalar, (x, y))
    v_flat = np.concatenate([vx.numpy().ravel(), vy.numpy().ravel()])
    full = np.block([[h[i][j].numpy().reshape(int(np.prod(a.shape)), int(np.prod(b.shape))) for j, b in enumerate((x, y))]
                     for i, a in enumerate((x, y))])
    np.testing.assert_allclose(np.concatenate([px.numpy().ravel(), py.numpy().ravel()]), full @ v_flat, rtol=1e-12, atol=1e-12)
    assert value.item() == pytest.approx(_two_input_scalar(x, y).item())
    assert not px.requires_grad and not value.requires_grad


@pytest.mark.parametrize("name", ["vhp", "hvp"])
def test_hessian_vector_products_match_pytorch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(3), rng.standard_normal((2, 2))]
    vectors = [rng.standard_normal(3), rng.standard_normal((2, 2))]
    ours = getattr(F, name)(_two_input_scalar, tuple(ag.tensor(a) for a in arrays), tuple(ag.tensor(v) for v in vectors))
    theirs = getattr(torch.autograd.functional, name)(
        _two_input_scalar, tuple(torch.tensor(a) for a in arrays), tuple(torch.tensor(v) for v in vectors))
    assert ours[0].item() == pytest.approx(theirs[0].item(), rel=1e-14)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-13)


def test_hessian_vector_products_single_input_default_v_create_graph_and_errors():
    value, p = F.hvp(lambda x: (x ** 3).sum(), ag.tensor(2.0))
    assert (value.item(), p.item()) == (8.0, 12.0)
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    _, p = F.vhp(lambda t: (t ** 3).sum(), x, ag.tensor([1.0, 1.0]), create_graph=True)
    p.sum().backward()  # d/dx sum(6 x) = 6
    assert x.grad.tolist() == [6.0, 6.0]
    _, p = F.vhp(lambda t: (t * 2).sum(), ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
    assert p.tolist() == [0.0, 0.0]  # linear: a zero Hessian
    with pytest.raises(RuntimeError, match="should contain a single element"):
        F.hvp(lambda t: t * 2, ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
    with pytest.raises(RuntimeError, match="v can be omitted only"):
        F.vhp(lambda t: t.sum(), ag.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"v\[0\] has shape \(3,\) but inputs\[0\] has shape \(2,\)"):
        F.vhp(lambda t: t.sum(), ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0, 1.0]))
    with pytest.raises(RuntimeError, match="independent of input 1"):
        F.vhp(lambda a, b: (a ** 2).sum(), (ag.tensor([1.0]), ag.tensor([1.0])), (ag.tensor([1.0]), ag.tensor([1.0])), strict=True)
