"""``Module.register_full_backward_hook`` and ``register_full_backward_pre_hook``, against PyTorch.

Each comparison builds the same module in both libraries (weights through ``load_state_dict``),
registers the same hooks, runs backward with the same upstream gradient and compares what the
hooks saw (``grad_input``, ``grad_output``, call order) and the gradients that reached the leaves.
The tests that need no PyTorch (handles, no extra nodes, errors, devices) run without it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT

TOL = {"rtol": 1e-10, "atol": 1e-12}
HOOK_NODE = "BackwardHookFunctionBackward"


def _torch():
    return pytest.importorskip("torch")


def _host(g):
    """A gradient as a NumPy array (None stays None), from either library."""
    if g is None:
        return None
    if isinstance(g, ag.Tensor):
        return to_host(g)
    return g.detach().numpy().copy()


def _load(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _recorder(log, name=""):
    """A full backward hook that records (name, grad_input, grad_output) as arrays."""

    def hook(module, grad_input, grad_output):
        log.append((name, [_host(g) for g in grad_input], [_host(g) for g in grad_output]))

    return hook


def _assert_same_log(ours, theirs):
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    for (n1, gi1, go1), (n2, gi2, go2) in zip(ours, theirs):
        assert n1 == n2
        for what, a_list, b_list in (("grad_input", gi1, gi2), ("grad_output", go1, go2)):
            assert len(a_list) == len(b_list), (n1, what)
            for i, (a, b) in enumerate(zip(a_list, b_list)):
                assert (a is None) == (b is None), (n1, what, i, a, b)
                if a is not None:
                    assert a.shape == b.shape, (n1, what, i)
                    np.testing.assert_allclose(a, b, err_msg=f"{n1} {what}[{i}]", **TOL)


def _inputs(shapes, seed=0, requires_grad=None):
    """The same float64 inputs for both libraries."""
    torch = _torch()
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    rg = requires_grad or [True] * len(arrays)
    ours = [ag.tensor(a, dtype=ag.float64, requires_grad=r) for a, r in zip(arrays, rg)]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=r) for a, r in zip(arrays, rg)]
    return ours, theirs


def _backward_both(out_ours, out_theirs, seed=1):
    torch = _torch()
    g = np.random.default_rng(seed).standard_normal(tuple(out_theirs.shape))
    out_ours.backward(ag.tensor(g, dtype=ag.float64))
    out_theirs.backward(torch.tensor(g))


def _assert_grads(ours, theirs, what="leaf"):
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert (a.grad is None) == (b.grad is None), (what, i)
        if a.grad is not None:
            np.testing.assert_allclose(to_host(a.grad), b.grad.numpy(), err_msg=f"{what} {i}", **TOL)


def _assert_param_grads(ours, theirs):
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert (p.grad is None) == (q.grad is None), name
        if p.grad is not None:
            np.testing.assert_allclose(to_host(p.grad), q.grad.numpy(), err_msg=name, **TOL)


class _TwoInputs:
    """``forward(a, scale, b, *, c)``: two Tensor inputs, a float between them, a keyword Tensor."""

    @staticmethod
    def build(base):
        class TwoInputs(base):
            def forward(self, a, scale, b, c=None):
                out = a * b.sin() * scale + a.exp()
                return out if c is None else out * c

        return TwoInputs()


# -------------------------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize(
    "make, shapes",
    [
        (lambda m: m.Linear(3, 4), [(5, 3)]),
        (lambda m: m.Conv2d(2, 3, 3, padding=1, stride=2), [(2, 2, 7, 6)]),
        (lambda m: m.Bilinear(3, 2, 4), [(5, 3), (5, 2)]),
        (lambda m: m.Tanh(), [(4, 3)]),
    ],
    ids=["Linear", "Conv2d", "Bilinear", "Tanh"],
)
def test_hooks_see_pytorch_grad_input_and_grad_output(make, shapes):
    torch = _torch()
    theirs = make(torch.nn).double()
    ours = make(nn).double()
    _load(ours, theirs)
    log_o, log_t = [], []
    ours.register_full_backward_hook(_recorder(log_o))
    theirs.register_full_backward_hook(_recorder(log_t))
    pre_o, pre_t = [], []
    ours.register_full_backward_pre_hook(lambda m, go: pre_o.append([_host(g) for g in go]))
    theirs.register_full_backward_pre_hook(lambda m, go: pre_t.append([_host(g) for g in go]))
    xo, xt = _inputs(shapes)
    out_o, out_t = ours(*xo), theirs(*xt)
    np.testing.assert_allclose(to_host(out_o), out_t.detach().numpy(), **TOL)
    _backward_both(out_o, out_t)
    assert len(log_o) == 1
    _assert_same_log(log_o, log_t)
    _assert_same_log([("", [], pre_o[0])], [("", [], pre_t[0])])
    _assert_grads(xo, xt)
    _assert_param_grads(ours, theirs)


def test_sequential_hooks_fire_in_pytorch_order_with_pytorch_gradients():
    torch = _torch()

    def build(m, log, gi_log):
        seq = m.Sequential(m.Linear(3, 4), m.ReLU(), m.Linear(4, 2)).double()
        for name, mod in [("seq", seq), ("0", seq[0]), ("1", seq[1]), ("2", seq[2])]:
            mod.register_full_backward_pre_hook(lambda _m, go, n=name: log.append(("pre", n)))
            mod.register_full_backward_hook(lambda _m, gi, go, n=name: log.append(("full", n)))
            mod.register_full_backward_hook(_recorder(gi_log, name))
        return seq

    order_o, order_t, log_o, log_t = [], [], [], []
    theirs = build(torch.nn, order_t, log_t)
    ours = build(nn, order_o, log_o)
    _load(ours, theirs)
    xo, xt = _inputs([(6, 3)])
    _backward_both(ours(*xo), theirs(*xt))
    assert order_o == order_t
    assert order_o[0] == ("pre", "seq") and order_o[-1] == ("full", "seq")
    _assert_same_log(log_o, log_t)
    _assert_grads(xo, xt)
    _assert_param_grads(ours, theirs)


def test_two_inputs_with_non_tensor_and_keyword_arguments_as_pytorch():
    torch = _torch()
    ours, theirs = _TwoInputs.build(nn.Module), _TwoInputs.build(torch.nn.Module)
    log_o, log_t = [], []
    ours.register_full_backward_hook(_recorder(log_o))
    theirs.register_full_backward_hook(_recorder(log_t))
    (a_o, b_o, c_o), (a_t, b_t, c_t) = _inputs([(4, 3), (4, 3), (4, 3)])
    _backward_both(ours(a_o, 2.5, b_o, c=c_o), theirs(a_t, 2.5, b_t, c=c_t))
    _assert_same_log(log_o, log_t)
    (_, gi, go) = log_o[0]
    assert len(gi) == 3 and gi[1] is None  # the float; the keyword tensor c is not in grad_input
    assert len(go) == 1
    _assert_grads([a_o, b_o, c_o], [a_t, b_t, c_t])


def test_an_input_that_does_not_require_grad_gets_none():
    # PyTorch 2.x hands zeros here (its identity Function materialises the missing gradient);
    # its documentation, and this implementation, give None: no gradient is computed for it.
    torch = _torch()
    ours, theirs = _TwoInputs.build(nn.Module), _TwoInputs.build(torch.nn.Module)
    log_o, log_t = [], []
    ours.register_full_backward_hook(_recorder(log_o))
    theirs.register_full_backward_hook(_recorder(log_t))
    (a_o, b_o), (a_t, b_t) = _inputs([(4, 3), (4, 3)], requires_grad=[True, False])
    _backward_both(ours(a_o, 2.0, b_o), theirs(a_t, 2.0, b_t))
    (_, gi_o, go_o), (_, gi_t, go_t) = log_o[0], log_t[0]
    assert gi_o[1] is None and gi_o[2] is None
    assert not np.any(gi_t[2])
    _assert_same_log([("", [gi_o[0]], go_o)], [("", [gi_t[0]], go_t)])
    _assert_grads([a_o, b_o], [a_t, b_t])


def test_unused_output_gets_none_and_unused_input_zeros_as_in_pytorch():
    torch = _torch()

    def build(base):
        class Split(base):
            def forward(self, a, b, unused):
                return a * 2.0, b.exp()

        return Split()

    ours, theirs = build(nn.Module), build(torch.nn.Module)
    log_o, log_t = [], []
    ours.register_full_backward_hook(_recorder(log_o))
    theirs.register_full_backward_hook(_recorder(log_t))
    xo, xt = _inputs([(3,), (3,), (3,)])
    (o1, _), (t1, _) = ours(*xo), theirs(*xt)
    _backward_both(o1, t1)
    _assert_same_log(log_o, log_t)
    assert log_o[0][2][1] is None  # grad_output of the unused output
    assert not np.any(log_o[0][1][1]) and not np.any(log_o[0][1][2])  # zeros for b and `unused`
    _assert_grads(xo, xt)  # b.grad and unused.grad are zeros in both


def test_lstm_nested_outputs_follow_pytorch():
    torch = _torch()
    theirs = torch.nn.LSTM(3, 4, num_layers=2).double()
    ours = nn.LSTM(3, 4, num_layers=2).double()
    _load(ours, theirs)
    log_o, log_t = [], []
    ours.register_full_backward_hook(_recorder(log_o))
    theirs.register_full_backward_hook(_recorder(log_t))
    xo, xt = _inputs([(5, 2, 3)])
    out_o, (h_o, c_o) = ours(*xo)
    out_t, (h_t, c_t) = theirs(*xt)
    (out_o.sum() + (h_o * c_o).sum()).backward()
    (out_t.sum() + (h_t * c_t).sum()).backward()
    _assert_same_log(log_o, log_t)
    go = log_o[0][2]
    assert len(go) == 2 and go[1] is None  # only top-level tensors: (h, c) is a tuple
    _assert_grads(xo, xt)
    _assert_param_grads(ours, theirs)


def test_hook_returning_grad_input_changes_leaf_gradients_as_in_pytorch():
    torch = _torch()

    def build(m):
        lin = m.Bilinear(3, 2, 4).double()
        lin.register_full_backward_hook(lambda _m, gi, go: (gi[0] * 3.0, None))
        return lin

    theirs, ours = build(torch.nn), build(nn)
    _load(ours, theirs)
    xo, xt = _inputs([(5, 3), (5, 2)])
    _backward_both(ours(*xo), theirs(*xt))
    assert xo[1].grad is None and xt[1].grad is None
    _assert_grads(xo, xt)
    _assert_param_grads(ours, theirs)  # the module's own parameters are not affected

    # Inside a network: the change flows on to the layers before.
    def build_net(m):
        net = m.Sequential(m.Linear(3, 4), m.Tanh(), m.Linear(4, 2)).double()
        net[1].register_full_backward_hook(lambda _m, gi, go: (gi[0].clamp(-0.1, 0.1) + 1.0,))
        return net

    theirs, ours = build_net(torch.nn), build_net(nn)
    _load(ours, theirs)
    xo, xt = _inputs([(6, 3)], seed=3)
    _backward_both(ours(*xo), theirs(*xt))
    _assert_grads(xo, xt)
    _assert_param_grads(ours, theirs)


def test_pre_hook_replacing_grad_output_as_in_pytorch():
    torch = _torch()

    def build(m, log):
        net = m.Sequential(m.Linear(3, 4), m.Sigmoid(), m.Linear(4, 2)).double()
        net[2].register_full_backward_pre_hook(lambda _m, go: (go[0] * -2.0,))
        net[2].register_full_backward_hook(_recorder(log))
        return net

    log_o, log_t = [], []
    theirs, ours = build(torch.nn, log_t), build(nn, log_o)
    _load(ours, theirs)
    xo, xt = _inputs([(5, 3)])
    _backward_both(ours(*xo), theirs(*xt))
    _assert_same_log(log_o, log_t)  # the full hook sees the replaced grad_output
    _assert_grads(xo, xt)
    _assert_param_grads(ours, theirs)  # the last layer's own weights see it too


def test_prepend_and_removal_order_as_in_pytorch():
    torch = _torch()

    def run(m):
        calls = []
        lin = m.Linear(3, 2)
        h1 = lin.register_full_backward_hook(lambda *a: calls.append("h1"))
        lin.register_full_backward_hook(lambda *a: calls.append("h2"), prepend=True)
        lin.register_full_backward_hook(lambda *a: calls.append("h3"))
        lin.register_full_backward_pre_hook(lambda *a: calls.append("p1"))
        lin.register_full_backward_pre_hook(lambda *a: calls.append("p2"), prepend=True)
        x = (torch.randn if m is torch.nn else ag.randn)(4, 3, requires_grad=True)
        y = lin(x)
        h1.remove()  # after the call: this call still runs it, as in PyTorch
        y.sum().backward()
        calls.append("|")
        lin(x).sum().backward()
        return calls

    assert run(nn) == run(torch.nn) == ["p2", "p1", "h2", "h1", "h3", "|", "p2", "p1", "h2", "h3"]


def test_mixed_with_forward_hooks_as_in_pytorch():
    torch = _torch()

    def build(m, log):
        lin = m.Linear(3, 2).double()
        lin.register_forward_pre_hook(lambda _m, inp: (inp[0] * 2.0,))
        lin.register_forward_hook(lambda _m, inp, out: out.tanh())
        lin.register_full_backward_hook(_recorder(log))
        return lin

    log_o, log_t = [], []
    theirs, ours = build(torch.nn, log_t), build(nn, log_o)
    _load(ours, theirs)
    xo, xt = _inputs([(5, 3)])
    out_o, out_t = ours(*xo), theirs(*xt)
    np.testing.assert_allclose(to_host(out_o), out_t.detach().numpy(), **TOL)
    assert out_o.grad_fn.name() == HOOK_NODE
    _backward_both(out_o, out_t)
    _assert_same_log(log_o, log_t)
    _assert_grads(xo, xt)
    _assert_param_grads(ours, theirs)


def test_module_called_twice_fires_once_per_call_as_in_pytorch():
    torch = _torch()

    def build(m, log):
        lin = m.Linear(3, 3).double()
        lin.register_full_backward_hook(_recorder(log))
        return lin

    log_o, log_t = [], []
    theirs, ours = build(torch.nn, log_t), build(nn, log_o)
    _load(ours, theirs)
    xo, xt = _inputs([(2, 3)])
    _backward_both(ours(ours(xo[0]).sin()), theirs(theirs(xt[0]).sin()))
    assert len(log_o) == 2
    _assert_same_log(log_o, log_t)
    _assert_grads(xo, xt)


def test_errors_for_hooks_returning_the_wrong_number_of_gradients_as_in_pytorch():
    torch = _torch()
    for m, x in ((nn, ag.randn(4, 3, requires_grad=True)), (torch.nn, torch.randn(4, 3, requires_grad=True))):
        lin = m.Linear(3, 2)
        lin.register_full_backward_hook(lambda _m, gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError, match="Backward hook returned an invalid number of grad_input, got 2, but expected 1"):
            lin(x).sum().backward()
        lin = m.Linear(3, 2)
        lin.register_full_backward_pre_hook(lambda _m, go: (go[0], go[0]))
        with pytest.raises(RuntimeError, match="Backward pre hook returned an invalid number of grad_output, got 2, but expected 1"):
            lin(x).sum().backward()
        lin = m.Linear(3, 2)
        lin.register_full_backward_hook(lambda _m, gi, go: (gi[0][:2],))
        with pytest.raises(RuntimeError, match="has changed the size of value"):
            lin(x).sum().backward()


# -------------------------------------------------------------------------------- without PyTorch
def test_no_hook_means_no_extra_node():
    lin = nn.Linear(3, 2)
    x = ag.randn(4, 3, requires_grad=True)
    plain = lin(x).grad_fn
    assert plain.name() != HOOK_NODE
    with lin.register_full_backward_hook(lambda *a: None):
        y = lin(x)
        assert y.grad_fn.name() == HOOK_NODE
        (inner,) = [n for n, _ in y.grad_fn.next_functions if n is not None]
        assert type(inner) is type(plain)
        assert any(n is not None and n.name() == HOOK_NODE for n, _ in inner.next_functions)
    assert type(lin(x).grad_fn) is type(plain)  # removed by the context manager
    handle = lin.register_full_backward_pre_hook(lambda *a: None)
    assert lin(x).grad_fn.name() == HOOK_NODE
    handle.remove()
    handle.remove()  # twice is harmless
    assert type(lin(x).grad_fn) is type(plain)
    assert not lin._backward_hooks and not lin._backward_pre_hooks
    # Nothing recorded, nothing wrapped: under no_grad, or when nothing requires grad.
    lin.register_full_backward_hook(lambda *a: None)
    with ag.no_grad():
        assert lin(x).grad_fn is None
    lin.requires_grad_(False)
    assert lin(ag.randn(4, 3)).grad_fn is None


def test_removed_hook_no_longer_fires():
    calls = []
    lin = nn.Linear(3, 2)
    handle = lin.register_full_backward_hook(lambda *a: calls.append("full"))
    pre = lin.register_full_backward_pre_hook(lambda *a: calls.append("pre"))
    x = ag.randn(4, 3, requires_grad=True)
    lin(x).sum().backward()
    assert calls == ["pre", "full"]
    handle.remove()
    lin(x).sum().backward()
    assert calls == ["pre", "full", "pre"]
    pre.remove()
    lin(x).sum().backward()
    assert calls == ["pre", "full", "pre"]


def test_hooks_fire_on_every_backward_of_a_retained_graph():
    calls = []
    lin = nn.Linear(3, 1).double()
    lin.register_full_backward_hook(lambda _m, gi, go: calls.append(to_host(go[0])))
    x = ag.randn(4, 3, dtype=ag.float64, requires_grad=True)
    y = lin(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert len(calls) == 2
    np.testing.assert_allclose(calls[1], np.ones((4, 1)))
    np.testing.assert_allclose(to_host(x.grad), 2 * np.repeat(to_host(lin.weight), 4, axis=0), **TOL)


def test_double_backward_through_a_hooked_module_as_in_pytorch():
    # The second backward passes through the module's output again (tanh's gradient depends on
    # it), so the hook fires again, with the gradients of that pass, as in PyTorch.
    torch = _torch()

    def build(m):
        log = []
        lin = m.Linear(3, 1).double()
        lin.register_full_backward_hook(_recorder(log))
        return lin, log

    theirs, log_t = build(torch.nn)
    ours, log_o = build(nn)
    _load(ours, theirs)
    xo, xt = _inputs([(4, 3)])
    (g_o,) = ag.grad(ours(xo[0]).tanh().sum(), xo[0], create_graph=True)
    (g_t,) = torch.autograd.grad(theirs(xt[0]).tanh().sum(), xt[0], create_graph=True)
    assert len(log_o) == 1
    np.testing.assert_allclose(to_host(g_o), g_t.detach().numpy(), **TOL)
    (g_o * g_o).sum().backward()
    (g_t * g_t).sum().backward()
    assert len(log_o) == 2
    _assert_same_log(log_o, log_t)
    _assert_grads(xo, xt)
    _assert_param_grads(ours, theirs)


def test_no_input_requiring_grad_fires_from_the_outputs_with_a_warning():
    seen = []
    lin = nn.Linear(3, 2)
    lin.register_full_backward_hook(lambda _m, gi, go: seen.append((gi, go[0].shape)))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        lin(ag.randn(4, 3)).sum().backward()
    assert seen == [((None,), (4, 2))]
    assert lin.weight.grad is not None
    bad = nn.Linear(3, 2)
    bad.register_full_backward_hook(lambda _m, gi, go: (ag.ones(4, 3),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="no input requires gradient should always return None"):
            bad(ag.randn(4, 3)).sum().backward()


def test_in_place_change_of_a_hooked_output_is_refused():
    lin = nn.Linear(3, 2)
    lin.register_full_backward_hook(lambda *a: None)
    x = ag.randn(4, 3, requires_grad=True)
    y = lin(x)
    with pytest.raises(RuntimeError, match="shares this one's memory"):
        y.relu_()

    class Doubles(nn.Module):  # changes its (hooked) input in place
        def forward(self, a):
            return a.mul_(2.0)

    m = Doubles()
    m.register_full_backward_hook(lambda *a: None)
    with pytest.raises(RuntimeError, match="shares this one's memory"):
        m(x * 1.0)
    assert to_host(Doubles()(x * 1.0)).shape == (4, 3)  # without hooks it may
    with ag.no_grad():  # allowed where nothing is recorded, as in PyTorch
        lin(x).relu_()
    z = lin(x).clone().relu_()  # the fix PyTorch suggests
    z.sum().backward()
    assert x.grad is not None


def test_hooked_output_shares_memory_and_version_with_the_module_output():
    seen = []

    class Same(nn.Module):
        def forward(self, a):
            return a

    m = Same()
    m.register_full_backward_hook(lambda _m, gi, go: seen.append((to_host(gi[0]), to_host(go[0]))))
    x = ag.randn(3, requires_grad=True) * 1.0
    y = m(x)
    assert y is not x and y.data_ptr() == x.data_ptr() and y._version == x._version
    (y * y).sum().backward()
    np.testing.assert_allclose(seen[0][0], seen[0][1])


def test_returning_a_non_tensor_or_a_non_tensor_output_warns():
    lin = nn.Linear(3, 2)
    lin.register_full_backward_hook(lambda _m, gi, go: ("nope",))
    with pytest.raises(TypeError, match="returned a str in grad_input"):
        lin(ag.randn(4, 3, requires_grad=True)).sum().backward()

    class Dict(nn.Module):
        def forward(self, a):
            return {"a": a * 2}

    d = Dict()
    d.register_full_backward_hook(lambda *a: None)
    with pytest.warns(UserWarning, match="module output should be a Tensor or a tuple of Tensors"):
        out = d(ag.randn(2, requires_grad=True))
    assert out["a"].grad_fn.name() != HOOK_NODE


def test_hooks_run_on_the_strict_device():
    seen = []
    lin = nn.Linear(3, 2).to(STRICT)
    lin.register_full_backward_hook(lambda _m, gi, go: seen.append((gi[0].device, go[0].device)))
    lin.register_full_backward_pre_hook(lambda _m, go: (go[0] * 2.0,))
    x = ag.randn(4, 3, device=STRICT, requires_grad=True)
    lin(x).sum().backward()
    assert [str(d) for d in seen[0]] == [STRICT, STRICT]
    expected = 2.0 * np.repeat(to_host(lin.weight).sum(0, keepdims=True), 4, axis=0)
    np.testing.assert_allclose(to_host(x.grad), expected, rtol=1e-6)
