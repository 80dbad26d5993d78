"""The fused recurrent-cell primitives (autograd_core/ops/rnn.py): forward against a NumPy
transcription, gradcheck and gradgradcheck in float64, multi-output gradients, the fast
(array) backward against the recorded (Tensor-op) one, and the one-node step split/join."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.ops.rnn import gru_cell, lstm_cell, stack_steps, unbind_steps
from tests.helpers import strict_backend

strict_backend.register()
DEVICES = ("cpu", strict_backend.DEVICE)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_lstm(gx, h, c, w, b):
    """PyTorch's LSTM step, gates i, f, g, o."""
    gates = gx + h @ w.T + (0 if b is None else b)
    i, f, g, o = np.split(gates, 4, axis=1)
    c2 = _sig(f) * c + _sig(i) * np.tanh(g)
    return _sig(o) * np.tanh(c2), c2


def np_gru(gx, h, w, b):
    """PyTorch's GRU step: n = tanh(gx_n + r * (W_hn h + b_hn)), h' = (1 - z) n + z h."""
    gh = h @ w.T + (0 if b is None else b)
    xr, xz, xn = np.split(gx, 3, axis=1)
    hr, hz, hn = np.split(gh, 3, axis=1)
    r, z = _sig(xr + hr), _sig(xz + hz)
    n = np.tanh(xn + r * hn)
    return (1 - z) * n + z * h


def _arrays(rng, B, H, gates, scale=1.0):
    return (
        rng.standard_normal((B, gates * H)) * scale,
        rng.standard_normal((B, H)),
        rng.standard_normal((B, H)),
        rng.standard_normal((gates * H, H)) * 0.5,
        rng.standard_normal(gates * H) * 0.5,
    )


def _t(a, dtype=ag.float64, device="cpu", rg=False):
    return ag.tensor(a, dtype=dtype, device=device, requires_grad=rg)


def _host(t):
    return t._dev.backend.to_numpy(t.detach()._data)


# ----------------------------------------------------------------------------- forward
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype,tol", [(ag.float32, 1e-5), (ag.float64, 1e-12)])
@pytest.mark.parametrize("bias", [True, False])
def test_lstm_cell_forward_matches_numpy(device, dtype, tol, bias):
    rng = np.random.default_rng(0)
    gx, h, c, w, b = _arrays(rng, 3, 5, 4, scale=3.0)  # large gates: saturated sigmoids too
    b = b if bias else None
    args = [_t(a, dtype, device) if a is not None else None for a in (gx, h, c, w, b)]
    h2, c2 = lstm_cell(*args)
    args64 = [a.astype(np.float32).astype(np.float64) if dtype == ag.float32 and a is not None else a
              for a in (gx, h, c, w, b)]
    eh, ec = np_lstm(*args64)
    assert h2.dtype == dtype and c2.dtype == dtype and h2.device == device
    np.testing.assert_allclose(_host(h2), eh, rtol=tol, atol=tol)
    np.testing.assert_allclose(_host(c2), ec, rtol=tol, atol=tol)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype,tol", [(ag.float32, 1e-5), (ag.float64, 1e-12)])
@pytest.mark.parametrize("bias", [True, False])
def test_gru_cell_forward_matches_numpy(device, dtype, tol, bias):
    rng = np.random.default_rng(1)
    gx, h, _, w, b = _arrays(rng, 4, 3, 3, scale=3.0)
    b = b if bias else None
    out = gru_cell(_t(gx, dtype, device), _t(h, dtype, device), _t(w, dtype, device),
                   _t(b, dtype, device) if bias else None)
    args64 = [a.astype(np.float32).astype(np.float64) if dtype == ag.float32 and a is not None else a
              for a in (gx, h, w, b)]
    np.testing.assert_allclose(_host(out), np_gru(*args64), rtol=tol, atol=tol)


def test_gru_reset_gate_multiplies_hidden_bias():
    """b_hn sits inside r * (...): with r = 0 (very negative reset pre-activation) it has no effect."""
    H = 2
    gx = np.zeros((1, 3 * H))
    gx[:, :H] = -1e3  # r = 0
    b = np.zeros(3 * H)
    outs = []
    for b_hn in (0.0, 5.0):
        b[2 * H :] = b_hn
        outs.append(gru_cell(_t(gx), _t(np.ones((1, H))), _t(np.zeros((3 * H, H))), _t(b)).tolist())
    assert outs[0] == outs[1]


def test_lstm_cell_inputs_not_modified():
    rng = np.random.default_rng(2)
    arrays = _arrays(rng, 2, 3, 4)
    ts = [_t(a, rg=True) for a in arrays]
    before = [a.copy() for a in arrays]
    h, c = lstm_cell(*ts)
    (h.sum() + c.sum()).backward()
    for t, a in zip(ts, before):
        np.testing.assert_array_equal(_host(t), a)


# ----------------------------------------------------------------------------- gradients
def _lstm_inputs(seed, bias=True, need=(True, True, True, True, True), B=2, H=3):
    rng = np.random.default_rng(seed)
    arrays = _arrays(rng, B, H, 4)
    ts = [_t(a, rg=r) for a, r in zip(arrays, need)]
    if not bias:
        ts[4] = None
    return ts


@pytest.mark.parametrize("bias", [True, False])
def test_lstm_cell_gradcheck_and_gradgradcheck(bias):
    ins = _lstm_inputs(3, bias)
    assert ag.gradcheck(lstm_cell, tuple(ins))
    assert ag.gradgradcheck(lstm_cell, tuple(ins))


@pytest.mark.parametrize("which", [0, 1])
def test_lstm_cell_only_one_output_used(which):
    """Only h (or only c) feeds the loss: the unused output's gradient is treated as zero."""
    ins = _lstm_inputs(4)
    assert ag.gradcheck(lambda *a: lstm_cell(*a)[which], tuple(ins))
    assert ag.gradgradcheck(lambda *a: lstm_cell(*a)[which], tuple(ins))
    # and against the same step composed from elementwise Tensor ops
    h, c = lstm_cell(*ins)
    (h, c)[which].sin().sum().backward()
    got = [t.grad.numpy() for t in ins]
    ref = [ag.tensor(t.detach().numpy(), requires_grad=True) for t in ins]
    gates = ref[0] + ref[1] @ ref[3].T + ref[4]
    i, f, g, o = gates.chunk(4, 1)
    c_ref = ag.sigmoid(f) * ref[2] + ag.sigmoid(i) * ag.tanh(g)
    h_ref = ag.sigmoid(o) * ag.tanh(c_ref)
    (h_ref, c_ref)[which].sin().sum().backward()
    for a, r in zip(got, ref):
        np.testing.assert_allclose(a, r.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_lstm_cell_some_inputs_without_grad():
    ins = _lstm_inputs(5, need=(True, False, False, True, False))
    assert ag.gradcheck(lstm_cell, tuple(ins))
    assert ag.gradgradcheck(lstm_cell, tuple(ins))
    h, c = lstm_cell(*ins)
    (h.sum() + c.sum()).backward()
    assert ins[1].grad is None and ins[2].grad is None and ins[4].grad is None
    assert ins[0].grad is not None and ins[3].grad is not None


@pytest.mark.parametrize("bias", [True, False])
def test_gru_cell_gradcheck_and_gradgradcheck(bias):
    rng = np.random.default_rng(6)
    gx, h, _, w, b = _arrays(rng, 2, 3, 3)
    ins = (_t(gx, rg=True), _t(h, rg=True), _t(w, rg=True), _t(b, rg=True) if bias else None)
    assert ag.gradcheck(gru_cell, ins)
    assert ag.gradgradcheck(gru_cell, ins)


def test_gru_cell_hx_without_grad():
    rng = np.random.default_rng(7)
    gx, h, _, w, b = _arrays(rng, 2, 3, 3)
    ins = (_t(gx, rg=True), _t(h), _t(w, rg=True), _t(b))
    assert ag.gradcheck(gru_cell, ins)
    assert ag.gradgradcheck(gru_cell, ins)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_fast_backward_equals_recorded_backward(cell):
    """Without create_graph the rule runs on arrays; with it, as Tensor ops: both give the same gradients."""
    rng = np.random.default_rng(8)
    gx, h, c, w, b = _arrays(rng, 4, 5, 4 if cell == "lstm" else 3)
    if cell == "gru":
        ins = [_t(a, rg=True) for a in (gx, h, w, b)]
        fn = lambda: gru_cell(*ins).tanh().sum()  # noqa: E731
    else:
        ins = [_t(a, rg=True) for a in (gx, h, c, w, b)]
        fn = lambda: (lambda hc: (hc[0].tanh() * hc[1]).sum())(lstm_cell(*ins))  # noqa: E731
    fast = ag.grad(fn(), ins)
    recorded = ag.grad(fn(), ins, create_graph=True)
    assert all(r.requires_grad for r in recorded)
    for a, r in zip(fast, recorded):
        np.testing.assert_allclose(a.numpy(), r.detach().numpy(), rtol=1e-13, atol=1e-14)


def test_lstm_chain_of_steps_gradcheck():
    """Several steps through unbind_steps / stack_steps, as nn.LSTM runs them."""
    rng = np.random.default_rng(9)
    T, B, H = 3, 2, 2
    xg = _t(rng.standard_normal((T, B, 4 * H)), rg=True)
    w = _t(rng.standard_normal((4 * H, H)) * 0.5, rg=True)
    h0 = _t(rng.standard_normal((B, H)), rg=True)

    def run(xg, w, h0):
        h, c = h0, h0 * 0.5
        outs = []
        for s in unbind_steps(xg):
            h, c = lstm_cell(s, h, c, w)
            outs.append(h)
        return stack_steps(outs), c

    assert ag.gradcheck(run, (xg, w, h0))
    assert ag.gradgradcheck(run, (xg, w, h0))


def test_backward_twice_with_retain_graph():
    ins = _lstm_inputs(10)
    h, c = lstm_cell(*ins)
    loss = (h * c).sum()
    loss.backward(retain_graph=True)
    first = [t.grad.numpy().copy() for t in ins]
    for t in ins:
        t.grad = None
    loss.backward()
    for a, t in zip(first, ins):
        np.testing.assert_array_equal(a, t.grad.numpy())
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_one_node_per_step():
    ins = _lstm_inputs(11)
    h, c = lstm_cell(*ins)
    assert h.grad_fn is c.grad_fn or h.grad_fn.node is c.grad_fn.node  # both outputs of one node


# ----------------------------------------------------------------------------- unbind / stack steps
def test_unbind_stack_steps_forward_and_grads():
    rng = np.random.default_rng(12)
    x = _t(rng.standard_normal((4, 2, 3)), rg=True)
    steps = unbind_steps(x)
    assert len(steps) == 4 and all(s.shape == (2, 3) for s in steps)
    np.testing.assert_array_equal(stack_steps(steps).detach().numpy(), x.detach().numpy())
    assert ag.gradcheck(lambda x: stack_steps([s * s for s in unbind_steps(x)][::-1]), (x,))
    assert ag.gradgradcheck(lambda x: stack_steps([s * s for s in unbind_steps(x)][::-1]), (x,))
    # only some steps used: the others get zero gradient
    (unbind_steps(x)[2] * 3.0).sum().backward()
    expected = np.zeros((4, 2, 3))
    expected[2] = 3.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_unbind_single_step():
    x = _t(np.ones((1, 2)), rg=True)
    (s,) = unbind_steps(x)
    (s * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 2.0]])


def test_stack_steps_refuses_mismatched_steps():
    with pytest.raises(RuntimeError, match=r"stack_steps: .*step 1"):
        stack_steps([ag.ones(2), ag.ones(3)])
    with pytest.raises(ValueError, match="non-empty"):
        stack_steps([])


# ----------------------------------------------------------------------------- errors and devices
def test_cell_shape_errors_name_op_and_shapes():
    gx, h, c, w = ag.zeros(2, 12), ag.zeros(2, 3), ag.zeros(2, 3), ag.zeros(12, 3)
    with pytest.raises(RuntimeError, match=r"lstm_cell: w_hh has shape \(8, 3\), expected \(12, 3\)"):
        lstm_cell(gx, h, c, ag.zeros(8, 3))
    with pytest.raises(RuntimeError, match=r"lstm_cell: cx has shape"):
        lstm_cell(gx, h, ag.zeros(3, 3), w)
    with pytest.raises(RuntimeError, match=r"gru_cell: input_gates has shape \(2, 12\), expected \(2, 9\)"):
        gru_cell(gx, h, ag.zeros(9, 3))
    with pytest.raises(TypeError, match="lstm_cell: w_hh has dtype float64"):
        lstm_cell(gx, h, c, ag.zeros(12, 3, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="hx must be"):
        lstm_cell(gx, ag.zeros(3), c, w)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_strict_device_forward_backward(cell):
    rng = np.random.default_rng(13)
    gates = 4 if cell == "lstm" else 3
    arrays = _arrays(rng, 2, 3, gates)
    if cell == "gru":
        arrays = arrays[:2] + arrays[3:]
    results = {}
    for dev in DEVICES:
        ts = [_t(a, device=dev, rg=True) for a in arrays]
        out = lstm_cell(*ts) if cell == "lstm" else (gru_cell(*ts),)
        sum(o.sum() for o in out).backward()
        results[dev] = [_host(o) for o in out] + [_host(t.grad) for t in ts]
    for a, b in zip(results["cpu"], results[strict_backend.DEVICE]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.cuda
def test_cuda_matches_cpu():
    try:
        ag.get_device("cuda")
    except ag.DeviceError as e:
        pytest.skip(str(e))
    rng = np.random.default_rng(14)
    arrays = _arrays(rng, 3, 4, 4)
    res = {}
    for dev in ("cpu", "cuda"):
        ts = [_t(a, device=dev, rg=True) for a in arrays]
        h, c = lstm_cell(*ts)
        (h.sum() + (c * c).sum()).backward()
        res[dev] = [h.detach().cpu().numpy(), c.detach().cpu().numpy()] + [t.grad.cpu().numpy() for t in ts]
    for a, b in zip(res["cpu"], res["cuda"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
