"""nn.RNN / LSTM / GRU and the cells without PyTorch: shapes, names, gradchecks in float64,
errors, dropout, state_dict, the strict back end, CUDA, and a small learning task."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers import strict_backend

strict_backend.register()

KINDS = ["RNN", "LSTM", "GRU"]
GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def _states(out, kind):
    y, st = out
    return [y] + (list(st) if kind == "LSTM" else [st])


# ----------------------------------------------------------------------------- shapes and names
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("num_layers,bidirectional,batch_first", [(1, False, False), (2, True, True), (3, True, False)])
def test_output_shapes(kind, num_layers, bidirectional, batch_first):
    T, B, IN, H = 5, 2, 3, 4
    D = 2 if bidirectional else 1
    m = getattr(nn, kind)(IN, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    x = ag.randn(B, T, IN) if batch_first else ag.randn(T, B, IN)
    outs = _states(m(x), kind)
    assert outs[0].shape == ((B, T, D * H) if batch_first else (T, B, D * H))
    for s in outs[1:]:
        assert s.shape == (num_layers * D, B, H)
    # unbatched
    outs = _states(m(ag.randn(T, IN)), kind)
    assert outs[0].shape == (T, D * H)
    for s in outs[1:]:
        assert s.shape == (num_layers * D, H)


@pytest.mark.parametrize("kind", KINDS)
def test_parameter_names_and_shapes(kind):
    m = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True)
    g = GATES[kind] * 4
    expected = {}
    for layer in range(2):
        for sfx in ("", "_reverse"):
            expected[f"weight_ih_l{layer}{sfx}"] = (g, 3 if layer == 0 else 8)
            expected[f"weight_hh_l{layer}{sfx}"] = (g, 4)
            expected[f"bias_ih_l{layer}{sfx}"] = (g,)
            expected[f"bias_hh_l{layer}{sfx}"] = (g,)
    got = {n: tuple(p.shape) for n, p in m.named_parameters()}
    assert got == expected
    assert list(got) == list(expected)  # PyTorch's order: per layer, per direction, w_ih w_hh b_ih b_hh
    bound = 1 / math.sqrt(4)
    for p in m.parameters():
        assert p.dtype == ag.float32 and np.abs(p.detach().numpy()).max() <= bound
    assert [n for n, _ in getattr(nn, kind)(3, 4, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_names_and_shapes(kind):
    g = {"RNNCell": 1, "LSTMCell": 4, "GRUCell": 3}[kind] * 5
    m = getattr(nn, kind)(3, 5)
    assert {n: tuple(p.shape) for n, p in m.named_parameters()} == {
        "weight_ih": (g, 3), "weight_hh": (g, 5), "bias_ih": (g,), "bias_hh": (g,)
    }
    out = m(ag.randn(2, 3))
    for o in out if kind == "LSTMCell" else (out,):
        assert o.shape == (2, 5)
    out = m(ag.randn(3))
    for o in out if kind == "LSTMCell" else (out,):
        assert o.shape == (5,)
    assert [n for n, _ in getattr(nn, kind)(3, 5, bias=False).named_parameters()] == ["weight_ih", "weight_hh"]


def test_dtype_and_device_arguments():
    m = nn.LSTM(3, 4, dtype=ag.float64, device="cpu")
    assert all(p.dtype == ag.float64 for p in m.parameters())
    out, (h, c) = m(ag.randn(2, 1, 3, dtype=ag.float64))
    assert out.dtype == h.dtype == c.dtype == ag.float64


# ----------------------------------------------------------------------------- gradchecks
@pytest.mark.parametrize("kind", KINDS)
def test_module_gradcheck_float64(kind):
    """Through input, initial state and every parameter of a 2-layer bidirectional module."""
    ag.manual_seed(0)
    m = getattr(nn, kind)(2, 2, num_layers=2, bidirectional=True).double()
    params = list(m.parameters())
    x = ag.randn(3, 2, 2, dtype=ag.float64, requires_grad=True)
    h0 = ag.randn(4, 2, 2, dtype=ag.float64, requires_grad=True)
    c0 = ag.randn(4, 2, 2, dtype=ag.float64, requires_grad=True)
    names = [n for n, _ in m.named_parameters()]

    def fn(x, h0, c0, *ps):
        with ag.no_grad():
            for p, v in zip(params, ps):
                p.copy_(v)
        hx = (h0, c0) if kind == "LSTM" else h0
        return tuple(_states(m(x, hx), kind))

    # gradcheck the inputs and states through the module
    assert ag.gradcheck(lambda x, h0, c0: fn(x, h0, c0, *[p.detach() for p in params]), (x, h0, c0))
    # and each parameter, as the module sees it, via a functional re-run
    for name, p in zip(names, params):
        probe = p.detach().clone().requires_grad_()

        def with_param(v, name=name):
            saved = getattr(m, name)
            object.__getattribute__(m, "_parameters")[name] = v
            try:
                hx = (h0.detach(), c0.detach()) if kind == "LSTM" else h0.detach()
                return tuple(_states(m(x.detach(), hx), kind))
            finally:
                object.__getattribute__(m, "_parameters")[name] = saved

        assert ag.gradcheck(with_param, (probe,), fast_mode=True), name


@pytest.mark.parametrize("kind", KINDS)
def test_module_gradgradcheck_float64(kind):
    ag.manual_seed(1)
    m = getattr(nn, kind)(2, 2).double()
    x = ag.randn(3, 1, 2, dtype=ag.float64, requires_grad=True)
    assert ag.gradgradcheck(lambda x: tuple(_states(m(x), kind)), (x,))


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_gradcheck_float64(kind):
    ag.manual_seed(2)
    m = getattr(nn, kind)(2, 3).double()
    x = ag.randn(2, 2, dtype=ag.float64, requires_grad=True)
    h = ag.randn(2, 3, dtype=ag.float64, requires_grad=True)
    c = ag.randn(2, 3, dtype=ag.float64, requires_grad=True)

    def fn(x, h, c):
        out = m(x, (h, c) if kind == "LSTMCell" else h)
        return tuple(out) if kind == "LSTMCell" else out

    assert ag.gradcheck(fn, (x, h, c) if kind == "LSTMCell" else (x, h, c.detach()))
    assert ag.gradgradcheck(fn, (x, h, c) if kind == "LSTMCell" else (x, h, c.detach()))


# ----------------------------------------------------------------------------- behaviour
def test_given_zero_state_equals_default():
    m = nn.GRU(3, 4, num_layers=2)
    x = ag.randn(5, 2, 3)
    a, ha = m(x)
    b, hb = m(x, ag.zeros(2, 2, 4))
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    np.testing.assert_array_equal(ha.detach().numpy(), hb.detach().numpy())


def test_final_state_is_last_output_and_reverse_reads_first_step():
    m = nn.LSTM(3, 4, bidirectional=True)
    out, (h, c) = m(ag.randn(5, 2, 3))
    o = out.detach().numpy()
    np.testing.assert_array_equal(h.detach().numpy()[0], o[-1, :, :4])
    np.testing.assert_array_equal(h.detach().numpy()[1], o[0, :, 4:])


def test_batch_first_equals_transposed_time_major():
    m = nn.LSTM(3, 4, num_layers=2)
    x = ag.randn(5, 2, 3)
    a, (ha, ca) = m(x)
    m.batch_first = True
    b, (hb, cb) = m(x.transpose(0, 1))
    np.testing.assert_allclose(b.detach().numpy().transpose(1, 0, 2), a.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(hb.detach().numpy(), ha.detach().numpy(), rtol=1e-6)


def test_dropout_training_vs_eval():
    m = nn.LSTM(3, 8, num_layers=2, dropout=0.5)
    x = ag.randn(4, 2, 3)
    with ag.no_grad():
        e1, e2 = m.eval()(x)[0].numpy(), m(x)[0].numpy()
        t1, t2 = m.train()(x)[0].numpy(), m(x)[0].numpy()
    np.testing.assert_array_equal(e1, e2)
    assert t1.shape == e1.shape
    assert not np.allclose(t1, e1) and not np.allclose(t1, t2)


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.2)


def test_state_dict_round_trip():
    a, b = nn.LSTM(3, 4, num_layers=2, bidirectional=True), nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    b.load_state_dict(a.state_dict())
    x = ag.randn(5, 2, 3)
    np.testing.assert_array_equal(a(x)[0].detach().numpy(), b(x)[0].detach().numpy())


def test_reset_parameters_and_flatten_parameters():
    m = nn.RNN(3, 16)
    m.flatten_parameters()
    before = m.weight_hh_l0.detach().numpy().copy()
    m.reset_parameters()
    assert not np.array_equal(before, m.weight_hh_l0.detach().numpy())


# ----------------------------------------------------------------------------- errors
def test_constructor_errors():
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNNCell(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.GRU(3, 0)
    with pytest.raises(TypeError, match="input_size should be of type int"):
        nn.GRUCell(3.0, 4)
    with pytest.raises(ValueError, match="num_layers"):
        nn.LSTM(3, 4, num_layers=0)


def test_forward_errors_name_layer_and_shapes():
    m = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match=r"LSTM: input.size\(-1\) must be equal to input_size. Expected 3, got 5"):
        m(ag.randn(2, 2, 5))
    with pytest.raises(ValueError, match="LSTM: expected input to be 2-D .* or 3-D, got 4-D"):
        m(ag.randn(1, 2, 2, 3))
    with pytest.raises(ValueError, match=r"input dtype \(float64\) does not match weight dtype \(float32\)"):
        m(ag.randn(2, 2, 3, dtype=ag.float64))
    with pytest.raises(RuntimeError, match=r"expected h_0 \(hx\[0\]\) of size \(2, 2, 4\).*got \[1, 2, 4\]"):
        m(ag.randn(2, 2, 3), (ag.zeros(1, 2, 4), ag.zeros(2, 2, 4)))
    with pytest.raises(TypeError, match=r"hx must be a tuple \(h_0, c_0\)"):
        m(ag.randn(2, 2, 3), ag.zeros(2, 2, 4))
    with pytest.raises(RuntimeError, match="for batched 3-D input, hx should also be 3-D"):
        nn.GRU(3, 4)(ag.randn(2, 2, 3), ag.zeros(2, 4))
    with pytest.raises(RuntimeError, match="for unbatched 2-D input, hx should also be 2-D"):
        nn.GRU(3, 4)(ag.randn(2, 3), ag.zeros(1, 1, 4))
    with pytest.raises(RuntimeError, match=r"GRUCell: hx has shape \(2, 3\), expected \(2, 4\)"):
        nn.GRUCell(3, 4)(ag.randn(2, 3), ag.zeros(2, 3))
    with pytest.raises(RuntimeError, match="LSTMCell: input has 2 features"):
        nn.LSTMCell(3, 4)(ag.randn(2, 2))


# ----------------------------------------------------------------------------- devices
@pytest.mark.parametrize("kind", KINDS + ["LSTMCell", "GRUCell"])
def test_strict_backend_forward_backward(kind):
    """On the NumPy-refusing device, forward and backward give the CPU's results."""
    ag.manual_seed(3)
    results = {}
    for dev in ("cpu", strict_backend.DEVICE):
        ag.manual_seed(3)
        cell = kind.endswith("Cell")
        m = getattr(nn, kind)(3, 4, **({} if cell else dict(num_layers=2, bidirectional=True))).double()
        m.to(dev)
        x = ag.tensor(np.linspace(-1, 1, 30).reshape((5, 2, 3) if not cell else (10, 3)), dtype=ag.float64,
                      device=dev, requires_grad=True)
        out = m(x)
        outs = list(out) if kind == "LSTMCell" else [out] if cell else _states(out, kind)
        sum((o * o).sum() for o in outs).backward()
        host = strict_backend.raw if dev == strict_backend.DEVICE else (lambda a: a)
        results[dev] = [host(o.detach()._data) for o in outs] + [host(x.grad._data)] + [
            host(p.grad._data) for p in m.parameters()
        ]
    for a, b in zip(results["cpu"], results[strict_backend.DEVICE]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.cuda
@pytest.mark.parametrize("kind", KINDS)
def test_cuda_matches_cpu(kind):
    try:
        ag.get_device("cuda")
    except ag.DeviceError as e:
        pytest.skip(str(e))
    ag.manual_seed(4)
    m = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True).double()
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    res = {}
    for dev in ("cpu", "cuda"):
        m.to(dev)
        m.zero_grad()
        xt = ag.tensor(x, device=dev, requires_grad=True)
        outs = _states(m(xt), kind)
        sum((o * o).sum() for o in outs).backward()
        res[dev] = [o.detach().cpu().numpy() for o in outs] + [xt.grad.cpu().numpy()] + [
            p.grad.cpu().numpy() for p in m.parameters()
        ]
    for a, b in zip(res["cpu"], res["cuda"]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


# ----------------------------------------------------------------------------- learning
def test_lstm_learns_to_echo_a_bit_after_a_delay():
    """Output at step t the input bit of step t - 3: needs memory across steps."""
    import optim

    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    delay, T, B = 3, 10, 32
    lstm, head = nn.LSTM(1, 16), nn.Linear(16, 1)
    opt = optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=0.03)

    def batch():
        bits = rng.integers(0, 2, (T, B, 1)).astype(np.float32)
        target = np.zeros_like(bits)
        target[delay:] = bits[:-delay]
        return ag.tensor(bits * 2 - 1), ag.tensor(target)

    def loss_and_acc(x, y):
        out, _ = lstm(x)
        logits = head(out)[delay:]
        p = ag.sigmoid(logits)
        loss = -(y[delay:] * ag.log(p + 1e-7) + (1 - y[delay:]) * ag.log(1 - p + 1e-7)).mean()
        acc = ((logits.detach().numpy() > 0) == (y[delay:].numpy() > 0.5)).mean()
        return loss, acc

    first, _ = loss_and_acc(*batch())
    for _ in range(60):
        loss, _ = loss_and_acc(*batch())
        opt.zero_grad()
        loss.backward()
        opt.step()
    with ag.no_grad():
        final, acc = loss_and_acc(*batch())
    assert final.item() < 0.5 * first.item()
    assert acc > 0.95


# ----------------------------------------------------------------------------- the recurrence's shared buffers
def _lstm_and_loss(T=4, bidirectional=True, seed=5, kind="LSTM"):
    ag.manual_seed(seed)
    m = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=bidirectional).double()
    x = ag.randn(T, 2, 3, dtype=ag.float64, requires_grad=True)
    h0 = ag.randn(2 * (2 if bidirectional else 1), 2, 4, dtype=ag.float64, requires_grad=True)
    c0 = ag.zeros_like(h0)

    def loss():
        if kind == "LSTM":
            out, (h, c) = m(x, (h0, c0))
        else:
            out, h = m(x, h0)
            c = h
        return (out.sin() * out).sum() + (h * c).sum()

    return m, x, h0, loss


def _grads(m, x, h0):
    return [t.grad.numpy().copy() for t in [x, h0, *m.parameters()]]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("T", [1, 5])
def test_retain_graph_twice_and_create_graph_give_the_same_gradients(T, kind):
    """Backward with retain_graph keeps every buffer intact; the recorded (create_graph) rules agree."""
    m, x, h0, loss = _lstm_and_loss(T, kind=kind)
    ref = _lstm_and_loss(T, kind=kind)
    ref[3]().backward()
    expected = _grads(ref[0], ref[1], ref[2])
    l = loss()
    l.backward(retain_graph=True)
    first = _grads(m, x, h0)
    l.backward()  # accumulates a second, identical gradient
    second = _grads(m, x, h0)
    for e, a, b in zip(expected, first, second):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(b, 2 * e, rtol=1e-12, atol=1e-13)
    params = [x, h0, *m.parameters()]
    recorded = ag.grad(loss(), params, create_graph=True)
    for e, r in zip(expected, recorded):
        np.testing.assert_allclose(r.detach().numpy(), e, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("kind", KINDS)
def test_partial_grad_then_full_backward(kind):
    """A grad() that stops above the recurrence, then a full backward on the same graph."""
    m, x, h0, loss = _lstm_and_loss(kind=kind)
    ref = _lstm_and_loss(kind=kind)
    ref[3]().backward()
    l = loss()
    (gh0,) = ag.grad(l, [h0], retain_graph=True)
    np.testing.assert_allclose(gh0.numpy(), ref[2].grad.numpy(), rtol=1e-12, atol=1e-13)
    (gw,) = ag.grad(l, [m.weight_hh_l1_reverse], retain_graph=True)
    np.testing.assert_allclose(gw.numpy(), ref[0].weight_hh_l1_reverse.grad.numpy(), rtol=1e-12, atol=1e-13)
    l.backward()
    for e, a in zip(_grads(ref[0], ref[1], ref[2]), _grads(m, x, h0)):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-13)


def test_lstm_output_modified_in_place_is_refused_in_backward():
    m = nn.LSTM(3, 4)
    out, _ = m(ag.randn(5, 2, 3))
    with ag.no_grad():
        out.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.sum().backward()


def test_lstm_inference_and_training_outputs_agree():
    m = nn.LSTM(3, 4, bidirectional=True)
    x = ag.randn(6, 2, 3)
    with ag.no_grad():
        a = m(x)[0].numpy()
    b = m(x)[0].detach().numpy()
    np.testing.assert_array_equal(a, b)
