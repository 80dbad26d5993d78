"""nn.utils.parametrize, nn.utils.parametrizations.{weight_norm, spectral_norm} and the older hook-based
nn.utils.{weight_norm, spectral_norm}: behaviour, state_dict layout, and agreement with PyTorch (float64)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.utils.parametrize as P
import optim
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT

rng = np.random.default_rng(0)


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


class Exp(nn.Module):
    def forward(self, X):
        return X.exp()

    def right_inverse(self, Y):
        return Y.log()


class Scale(nn.Module):
    def forward(self, X):
        return X * 2.0

    def right_inverse(self, Y):
        return Y / 2.0


class Shrink(nn.Module):  # changes the shape: only with unsafe=True
    def forward(self, X):
        return X[:-1]


def _old_api(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return fn(*args, **kwargs)


# ---------------------------------------------------------------------------- parametrize
def test_register_reads_through_the_parametrization_and_trains_the_original():
    layer = nn.Linear(3, 3).double()
    w0 = to_host(layer.weight.detach()).copy()
    P.register_parametrization(layer, "weight", Symmetric())
    assert type(layer).__name__ == "ParametrizedLinear" and isinstance(layer, nn.Linear)
    assert P.is_parametrized(layer) and P.is_parametrized(layer, "weight") and not P.is_parametrized(layer, "bias")
    assert P.type_before_parametrizations(layer) is nn.Linear
    np.testing.assert_array_equal(to_host(layer.parametrizations.weight.original.detach()), w0)
    np.testing.assert_array_equal(to_host(layer.weight.detach()), np.triu(w0) + np.triu(w0, 1).T)
    assert [n for n, _ in layer.named_parameters()] == ["bias", "parametrizations.weight.original"]
    layer(ag.ones(2, 3, dtype=ag.float64)).sum().backward()
    grad_w = np.full((3, 3), 2.0)  # d sum(x W^T) / dW for two rows of ones
    np.testing.assert_allclose(to_host(layer.parametrizations.weight.original.grad),
                               np.triu(grad_w) + np.triu(grad_w.T, 1))
    # Other instances of the class are untouched.
    assert type(nn.Linear(2, 2)) is nn.Linear and not hasattr(type(nn.Linear(2, 2)), "parametrizations")


def test_assignment_goes_through_right_inverse_and_keeps_the_parameter_object():
    m = nn.Linear(2, 2).double()
    P.register_parametrization(m, "bias", Exp())
    original = m.parametrizations.bias.original
    m.bias = ag.tensor([2.0, 3.0], dtype=ag.float64)
    assert m.parametrizations.bias.original is original
    np.testing.assert_allclose(to_host(original.detach()), np.log([2.0, 3.0]), rtol=1e-15)
    np.testing.assert_allclose(to_host(m.bias.detach()), [2.0, 3.0], rtol=1e-15)


def test_chained_parametrizations_apply_in_registration_order():
    m = nn.Linear(2, 2).double()
    b0 = to_host(m.bias.detach()).copy()
    P.register_parametrization(m, "bias", Scale())
    P.register_parametrization(m, "bias", Scale())
    assert len(m.parametrizations.bias) == 2
    np.testing.assert_allclose(to_host(m.bias.detach()), b0 * 2.0)  # the original was b0 / 2 after the first
    m.bias = ag.tensor([4.0, 8.0], dtype=ag.float64)
    np.testing.assert_allclose(to_host(m.parametrizations.bias.original.detach()), [1.0, 2.0])


def test_shape_changes_need_unsafe_and_bad_names_are_refused():
    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(nn.Linear(2, 3), "bias", Shrink())
    m = P.register_parametrization(nn.Linear(2, 3), "bias", Shrink(), unsafe=True)
    assert m.bias.shape == (2,)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
        P.register_parametrization(nn.Linear(2, 3), "nope", Scale())
    with pytest.raises(ValueError, match="does not have a parametrization on bias"):
        P.remove_parametrizations(nn.Linear(2, 2), "bias")
    with pytest.raises(TypeError, match="must be an nn.Module"):
        P.register_parametrization(nn.Linear(2, 2), "bias", lambda x: x)


def test_remove_leave_parametrized_or_not():
    m = nn.Linear(2, 2).double()
    b0 = to_host(m.bias.detach()).copy()
    P.register_parametrization(m, "bias", Scale())
    original = m.parametrizations.bias.original
    P.remove_parametrizations(m, "bias", leave_parametrized=True)
    assert type(m) is nn.Linear and "parametrizations" not in m._modules
    assert m.bias is original and isinstance(m.bias, nn.Parameter)
    np.testing.assert_allclose(to_host(m.bias.detach()), b0)
    P.register_parametrization(m, "bias", Scale())
    P.register_parametrization(m, "weight", Symmetric())
    P.remove_parametrizations(m, "bias", leave_parametrized=False)
    np.testing.assert_allclose(to_host(m.bias.detach()), b0 / 2.0)
    assert type(m).__name__ == "ParametrizedLinear"  # weight is still parametrized
    P.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and list(m.state_dict()) == ["bias", "weight"]  # re-registered in removal order


def test_optimizer_steps_the_original_and_the_weight_follows():
    m = P.register_parametrization(nn.Linear(2, 2).double(), "bias", Scale())
    opt = optim.SGD(m.parameters(), lr=0.5)
    before = to_host(m.bias.detach()).copy()
    m(ag.zeros(1, 2, dtype=ag.float64)).sum().backward()
    opt.step()
    # d(sum 2 * orig)/d orig = 2; orig -= 0.5 * 2; bias = 2 * orig moves by -2.
    np.testing.assert_allclose(to_host(m.bias.detach()), before - 2.0)


def test_cached_computes_once_inside_and_fresh_outside():
    calls = []

    class Counting(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X + 0.0

    m = P.register_parametrization(nn.Linear(2, 2), "weight", Counting())
    calls.clear()
    with P.cached():
        a, b = m.weight, m.weight
        with P.cached():
            assert m.weight is a
    assert a is b and len(calls) == 1
    assert m.weight is not m.weight and len(calls) == 3


def test_state_dict_round_trip_and_module_to():
    m = P.register_parametrization(nn.Linear(3, 2), "weight", Scale())
    m2 = P.register_parametrization(nn.Linear(3, 2), "weight", Scale())
    m2.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(to_host(m2.weight.detach()), to_host(m.weight.detach()))
    m.double()
    assert m.weight.dtype == ag.float64 and m(ag.ones(1, 3, dtype=ag.float64)).dtype == ag.float64


def test_transfer_parametrizations_and_params_shares_them():
    a = P.register_parametrization(nn.Linear(2, 2), "bias", Scale())
    b = P.transfer_parametrizations_and_params(a, nn.Linear(2, 2))
    assert P.is_parametrized(b, "bias") and b.parametrizations.bias.original is a.parametrizations.bias.original
    np.testing.assert_array_equal(to_host(b.bias.detach()), to_host(a.bias.detach()))


def test_custom_parametrization_matches_torch():
    torch = pytest.importorskip("torch")

    class TSym(torch.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    w = rng.standard_normal((4, 4))
    t = torch.nn.Linear(4, 4).double()
    o = nn.Linear(4, 4).double()
    o.load_state_dict({"weight": w, "bias": t.bias.detach().numpy()})
    with torch.no_grad():
        t.weight.copy_(torch.tensor(w))
    torch.nn.utils.parametrize.register_parametrization(t, "weight", TSym())
    P.register_parametrization(o, "weight", Symmetric())
    assert list(o.state_dict()) == list(t.state_dict())
    x = rng.standard_normal((3, 4))
    _compare_forward_backward(torch, t, o, x)


# ---------------------------------------------------------------------------- comparisons with PyTorch
def _copy_state(torch, t, o) -> None:
    o.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})


def _compare_forward_backward(torch, t, o, x, rtol=1e-10):
    xt = torch.tensor(x, requires_grad=True)
    xo = ag.tensor(x, requires_grad=True)
    yt, yo = t(xt), o(xo)
    np.testing.assert_allclose(to_host(yo.detach()), yt.detach().numpy(), rtol=rtol, atol=1e-13)
    g = np.linspace(-1.0, 1.0, yt.numel()).reshape(tuple(yt.shape))
    yt.backward(torch.tensor(g))
    yo.backward(ag.tensor(g))
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), rtol=rtol, atol=1e-13)
    named_t = dict(t.named_parameters())
    for name, p in o.named_parameters():
        np.testing.assert_allclose(to_host(p.grad), named_t[name].grad.numpy(), rtol=rtol, atol=1e-12, err_msg=name)


WN_CASES = [
    ("Linear", (5, 3), {}, (4, 5)),
    ("Linear", (5, 3), dict(dim=1), (4, 5)),
    ("Linear", (5, 3), dict(dim=None), (4, 5)),
    ("Conv1d", (2, 3, 3), dict(dim=-2), (2, 2, 7)),
    ("Conv1d", (2, 3, 3), dict(dim=2), (2, 2, 7)),
]


@pytest.mark.parametrize("layer,args,kw,xshape", WN_CASES, ids=str)
def test_weight_norm_parametrization_matches_torch(layer, args, kw, xshape):
    torch = pytest.importorskip("torch")
    t = torch.nn.utils.parametrizations.weight_norm(getattr(torch.nn, layer)(*args).double(), **kw)
    o = nn.utils.parametrizations.weight_norm(getattr(nn, layer)(*args).double(), **kw)
    assert list(o.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        assert o.state_dict()[k].shape == tuple(v.shape), k
    _copy_state(torch, t, o)
    # g changes the result: give it values that are not the norms of v.
    with torch.no_grad():
        t.parametrizations.weight.original0.mul_(1.7)
    _copy_state(torch, t, o)
    _compare_forward_backward(torch, t, o, rng.standard_normal(xshape))
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    P.remove_parametrizations(o, "weight")
    np.testing.assert_allclose(to_host(o.weight.detach()), t.weight.detach().numpy(), rtol=1e-12)


def test_weight_norm_right_inverse_keeps_the_weight_and_loads_old_checkpoints():
    torch = pytest.importorskip("torch")
    lin = nn.Linear(3, 2).double()
    w = to_host(lin.weight.detach()).copy()
    nn.utils.parametrizations.weight_norm(lin)
    np.testing.assert_allclose(to_host(lin.weight.detach()), w, rtol=1e-14)
    np.testing.assert_allclose(to_host(lin.parametrizations.weight.original0.detach()),
                               np.linalg.norm(w, axis=1, keepdims=True), rtol=1e-14)
    # A checkpoint of the old hook-based layout (weight_g / weight_v) loads into the new one, as in PyTorch.
    told = _old_api(torch.nn.utils.weight_norm, torch.nn.Linear(3, 2).double())
    with torch.no_grad():
        told.weight_g.mul_(0.5)
    lin.load_state_dict({k: v.detach().numpy() for k, v in told.state_dict().items()})
    np.testing.assert_allclose(to_host(lin.weight.detach()), told.weight_g.detach().numpy() *
                               told.weight_v.detach().numpy() /
                               np.linalg.norm(told.weight_v.detach().numpy(), axis=1, keepdims=True), rtol=1e-14)
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        P.remove_parametrizations(lin, "weight", leave_parametrized=False)


@pytest.mark.parametrize("layer,args,kw,xshape", [
    ("Linear", (5, 4), {}, (3, 5)),
    ("Linear", (5, 4), dict(n_power_iterations=3, eps=1e-6), (3, 5)),
    ("Conv2d", (2, 3, 2), {}, (2, 2, 4, 4)),
    ("Conv2d", (2, 3, 2), dict(dim=2), (2, 2, 4, 4)),
    ("ConvTranspose2d", (2, 3, 2), {}, (2, 2, 3, 3)),
], ids=str)
def test_spectral_norm_parametrization_matches_torch_in_train_and_eval(layer, args, kw, xshape):
    torch = pytest.importorskip("torch")
    t = torch.nn.utils.parametrizations.spectral_norm(getattr(torch.nn, layer)(*args).double(), **kw)
    o = nn.utils.parametrizations.spectral_norm(getattr(nn, layer)(*args).double(), **kw)
    assert list(o.state_dict()) == list(t.state_dict())
    _copy_state(torch, t, o)  # the random start vectors come from PyTorch
    for training in (True, True, False, False):
        t.train(training)
        o.train(training)
        u_before = to_host(o.parametrizations.weight[0]._u).copy()
        for p in (*t.parameters(), *o.parameters()):
            p.grad = None
        _compare_forward_backward(torch, t, o, rng.standard_normal(xshape))
        u_after = to_host(o.parametrizations.weight[0]._u)
        np.testing.assert_allclose(u_after, t.parametrizations.weight[0]._u.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(to_host(o.parametrizations.weight[0]._v),
                                   t.parametrizations.weight[0]._v.numpy(), rtol=1e-12, atol=1e-14)
        assert training or np.array_equal(u_before, u_after)  # eval: the vectors stay put


def test_spectral_norm_warm_start_estimates_the_top_singular_value():
    # Singular values 3, 1, 0.5, 0.2: after the 15 warm-up steps the error is ~(1/3)^30.
    q1, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    q2, _ = np.linalg.qr(rng.standard_normal((6, 4)))
    w = q1 @ np.diag([3.0, 1.0, 0.5, 0.2]) @ q2.T
    lin = nn.Linear(6, 4).double()
    lin.load_state_dict({"weight": w, "bias": np.zeros(4)})
    ag.manual_seed(0)
    m = nn.utils.parametrizations.spectral_norm(lin).eval()
    np.testing.assert_allclose(to_host(m.weight.detach()), w / 3.0, rtol=1e-10, atol=1e-13)


def test_spectral_norm_of_a_vector_normalises_it_and_errors():
    m = nn.utils.parametrizations.spectral_norm(nn.Linear(3, 4).double(), name="bias")
    b = to_host(m.parametrizations.bias.original.detach())
    np.testing.assert_allclose(to_host(m.bias.detach()), b / np.linalg.norm(b), rtol=1e-14)
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        nn.utils.parametrizations.spectral_norm(nn.Linear(3, 4), n_power_iterations=0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        nn.utils.parametrizations.spectral_norm(nn.Linear(3, 4), dim=2)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'kernel'"):
        nn.utils.parametrizations.spectral_norm(nn.Linear(3, 4), name="kernel")


def test_gradcheck_through_parametrizations():
    wn = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2).double())
    g, v = wn.parametrizations.weight.original0, wn.parametrizations.weight.original1
    x = ag.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    assert ag.gradcheck(lambda x, g, v: wn(x), (x, g, v))
    sn = nn.utils.parametrizations.spectral_norm(nn.Linear(3, 2).double()).eval()
    w = sn.parametrizations.weight.original
    assert ag.gradcheck(lambda x, w: sn(x), (x, w))


def test_parametrizations_on_the_strict_device():
    m = nn.utils.parametrizations.spectral_norm(nn.utils.parametrizations.weight_norm(nn.Linear(3, 2)), "bias")
    m.to(STRICT)
    x = ag.ones(2, 3, device=STRICT, requires_grad=True)
    m(x).sum().backward()
    assert str(x.grad.device) == STRICT
    assert all(str(p.grad.device) == STRICT for p in m.parameters())


# ---------------------------------------------------------------------------- the older hook-based forms
def test_old_weight_norm_matches_torch_and_removes():
    torch = pytest.importorskip("torch")
    with pytest.warns(FutureWarning, match="deprecated"):
        o = nn.utils.weight_norm(nn.Conv1d(2, 3, 3).double(), dim=1)
    t = _old_api(torch.nn.utils.weight_norm, torch.nn.Conv1d(2, 3, 3).double(), dim=1)
    assert list(o.state_dict()) == list(t.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert o.weight_g.shape == tuple(t.weight_g.shape) == (1, 2, 1)
    with torch.no_grad():
        t.weight_g.mul_(2.5)
    _copy_state(torch, t, o)
    _compare_forward_backward(torch, t, o, rng.standard_normal((2, 2, 6)))
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        _old_api(nn.utils.weight_norm, o)
    nn.utils.remove_weight_norm(o)
    torch.nn.utils.remove_weight_norm(t)
    assert list(o.state_dict()) == list(t.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(to_host(o.weight.detach()), t.weight.detach().numpy(), rtol=1e-13)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(o)


def test_old_spectral_norm_matches_torch_in_train_and_eval():
    torch = pytest.importorskip("torch")
    t = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3).double(), n_power_iterations=2)
    o = nn.utils.spectral_norm(nn.Linear(4, 3).double(), n_power_iterations=2)
    assert list(o.state_dict()) == list(t.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    _copy_state(torch, t, o)
    for training in (True, True, False):
        t.train(training)
        o.train(training)
        before = to_host(o.weight_u).copy()
        for p in (*t.parameters(), *o.parameters()):
            p.grad = None
        _compare_forward_backward(torch, t, o, rng.standard_normal((2, 4)))
        np.testing.assert_allclose(to_host(o.weight_u), t.weight_u.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(to_host(o.weight_v), t.weight_v.numpy(), rtol=1e-12, atol=1e-14)
        assert training or np.array_equal(before, to_host(o.weight_u))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(o)
    nn.utils.remove_spectral_norm(o)
    torch.nn.utils.remove_spectral_norm(t)
    assert list(o.state_dict()) == list(t.state_dict())
    np.testing.assert_allclose(to_host(o.weight.detach()), t.weight.detach().numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(o)
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)


def test_a_parameter_cannot_replace_a_parametrized_tensor():
    m = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2))
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):  # PyTorch's error too
        m.weight = nn.Parameter(ag.ones(2, 3))


def test_load_state_dict_pre_hooks_rename_keys_and_can_be_removed():
    m = nn.Linear(2, 1)

    def rename(state_dict, prefix, *rest):
        if prefix + "w" in state_dict:
            state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")

    outer = nn.Sequential(m)
    handle = m._register_load_state_dict_pre_hook(rename)
    outer.load_state_dict({"0.w": np.ones((1, 2)), "0.bias": np.zeros(1)})
    np.testing.assert_array_equal(to_host(m.weight.detach()), [[1.0, 1.0]])
    handle.remove()
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "0.weight"'):
        outer.load_state_dict({"0.w": np.ones((1, 2)), "0.bias": np.zeros(1)})
