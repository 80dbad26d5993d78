"""StackLSTM, QueueLSTM and DequeLSTM: shapes, carried state, gradients, devices, and learning to reverse."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.modules.stack as stack_module
import optim
from backends import DeviceError
from tests.helpers.strict_backend import DEVICE as STRICT
from tests.helpers.strict_backend import StrictArray
from tests.nn.test_stack import host, ref_run, t64

KINDS = ["StackLSTM", "QueueLSTM", "DequeLSTM"]
ENDS = {"StackLSTM": 1, "QueueLSTM": 1, "DequeLSTM": 2}


def make(kind, *args, seed=0, **kwargs):
    ag.manual_seed(seed)
    return getattr(nn, kind)(*args, **kwargs)


# ----------------------------------------------------------------------------- surface
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_shapes_of_outputs_and_state(kind, batch_first):
    model = make(kind, 3, 6, 4, 5, batch_first=batch_first)
    x = ag.randn(2, 7, 3) if batch_first else ag.randn(7, 2, 3)
    y, state = model(x)
    e = ENDS[kind]
    assert y.shape == ((2, 7, 5) if batch_first else (7, 2, 5)) and y.dtype == ag.float32
    assert isinstance(state, nn.StackLSTMState) and state._fields == ("h", "c", "read", "memory")
    assert state.h.shape == state.c.shape == (2, 6) and state.read.shape == (2, e * 4)
    assert state.memory.values.shape == (2, 7 * e, 4) and state.memory.strengths.shape == (2, 7 * e)


@pytest.mark.parametrize("kind", KINDS)
def test_parameter_names_and_shapes(kind):
    e = ENDS[kind]
    model = make(kind, 3, 6, 4, 5)
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == {
        "controller.weight_ih": (24, 3 + e * 4), "controller.weight_hh": (24, 6),
        "controller.bias_ih": (24,), "controller.bias_hh": (24,),
        "push.weight": (e, 6), "push.bias": (e,), "pop.weight": (e, 6), "pop.bias": (e,),
        "value.weight": (e * 4, 6), "value.bias": (e * 4,),
        "hidden_out.weight": (6, 6), "hidden_out.bias": (6,),
        "output.weight": (5, 6 + e * 4), "output.bias": (5,),
    }


def test_push_and_pop_bias_initialisation():
    model = make("StackLSTM", 3, 8, 4, 5)
    assert host(model.push.bias).tolist() == [1.0] and host(model.pop.bias).tolist() == [-1.0]
    model = make("DequeLSTM", 3, 8, 4, 5, push_bias_init=2.0, pop_bias_init=-3.0)
    assert host(model.push.bias).tolist() == [2.0, 2.0] and host(model.pop.bias).tolist() == [-3.0, -3.0]
    plain = make("StackLSTM", 3, 64, 4, 5, push_bias_init=None, pop_bias_init=None)
    bound = 1 / np.sqrt(64)  # Linear's default U(-1/sqrt(in), 1/sqrt(in))
    for b in (plain.push.bias, plain.pop.bias):
        assert abs(host(b).item()) <= bound and host(b).item() not in (1.0, -1.0)
    assert plain.push.bias.requires_grad and model.push.bias.requires_grad


def test_untrained_controller_pushes_strongly_and_pops_weakly():
    # The point of the bias trick: from the first step things land on the stack, so gradients flow through it.
    model = make("StackLSTM", 3, 16, 4, 5)
    with ag.no_grad():
        model.push.weight.mul_(0.01)
        model.pop.weight.mul_(0.01)
    _, state = model(ag.randn(6, 4, 3))
    s = host(state.memory.strengths)
    assert s[:, -1].min() > 0.7 and s.sum(axis=1).min() > 3.0


def test_repr_names_the_configuration():
    text = repr(make("QueueLSTM", 3, 6, 4, 5, batch_first=True))
    assert text.startswith("QueueLSTM(\n  3, 6, memory_size=4, output_size=5, push_bias_init=1.0, pop_bias_init=-1.0")
    assert "batch_first=True" in text and "(controller): LSTMCell(" in text and "(output): Linear(" in text
    assert repr(nn.NeuralStack()) == "NeuralStack()"


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m: m(ag.randn(4, 3)), r"StackLSTM: expected input \(seq, batch, input_size\) with input_size=3, got"),
        (lambda m: m(ag.randn(4, 2, 5)), r"input_size=3, got \(4, 2, 5\)"),
        (lambda m: m(ag.randn(4, 2, 3), (1, 2)), r"state must be the StackLSTMState"),
        (lambda m: m(ag.randn(4, 3, 3), m(ag.randn(4, 2, 3))[1]), r"state is for batch 2 but the input has batch 3"),
    ],
)
def test_bad_calls_are_refused_clearly(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call(make("StackLSTM", 3, 6, 4, 5))


def test_bad_sizes_are_refused_at_construction():
    with pytest.raises(ValueError, match="StackLSTM: memory_size must be a positive int, got 0"):
        nn.StackLSTM(3, 6, 0, 5)
    with pytest.raises(ValueError, match="DequeLSTM: hidden_size must be a positive int, got 2.5"):
        nn.DequeLSTM(3, 2.5, 4, 5)


# ----------------------------------------------------------------------------- state and layout
@pytest.mark.parametrize("kind", KINDS)
def test_state_carries_across_calls(kind):
    model = make(kind, 3, 6, 4, 5).double()
    x = t64(np.random.default_rng(0).standard_normal((7, 2, 3)))
    whole, s_whole = model(x)
    first, s = model(x[:3])
    second, s_split = model(x[3:], s)
    np.testing.assert_allclose(host(ag.cat([first, second], 0)), host(whole), rtol=1e-13, atol=1e-14)
    for a, b in [(s_split.h, s_whole.h), (s_split.c, s_whole.c), (s_split.read, s_whole.read),
                 (s_split.memory.values, s_whole.memory.values), (s_split.memory.strengths, s_whole.memory.strengths)]:
        np.testing.assert_allclose(host(a), host(b), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_batch_first_is_only_a_layout(kind):
    a = make(kind, 3, 6, 4, 5, seed=3)
    b = make(kind, 3, 6, 4, 5, seed=3, batch_first=True)
    x = ag.randn(5, 2, 3)
    np.testing.assert_allclose(host(b(x.transpose(0, 1))[0].transpose(0, 1)), host(a(x)[0]), rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------- gradients
def kink_margin(model, kind, x, monkeypatch):
    """Smallest |argument| at a max/min kink while ``model`` runs on ``x`` (see Margins in test_stack.py).

    Records what the controller feeds its memory and replays it through the loop
    transcription, so a gradcheck can first make sure no kink is within reach of its step.
    """
    recorded = []
    fn_name = {"StackLSTM": "neural_stack", "QueueLSTM": "neural_queue", "DequeLSTM": "neural_deque"}[kind]
    original = getattr(stack_module, fn_name)
    names = ["v_top", "v_bot", "d_top", "d_bot", "u_top", "u_bot"] if kind == "DequeLSTM" else ["v", "d", "u"]

    def recording(*args):
        recorded.append({n: host(a) for n, a in zip(names, args)})
        return original(*args)

    monkeypatch.setattr(stack_module, fn_name, recording)
    with ag.no_grad():
        model(x)
    monkeypatch.setattr(stack_module, fn_name, original)
    return ref_run({"StackLSTM": "stack", "QueueLSTM": "queue", "DequeLSTM": "deque"}[kind], recorded)[2]


@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck_inputs_and_parameters_away_from_kinks(kind, monkeypatch):
    model = make(kind, 2, 3, 2, 2, seed=5).double()
    x = t64(np.random.default_rng(5).standard_normal((3, 2, 2)), requires_grad=True)
    assert kink_margin(model, kind, x, monkeypatch) > 1e-3
    params = tuple(model.parameters())
    assert ag.gradcheck(lambda x, *_: model(x)[0], (x, *params))


def test_gradgradcheck_stack_lstm_input(monkeypatch):
    model = make("StackLSTM", 2, 3, 2, 2, seed=5).double()
    x = t64(np.random.default_rng(6).standard_normal((3, 2, 2)), requires_grad=True)
    assert kink_margin(model, "StackLSTM", x, monkeypatch) > 1e-3
    assert ag.gradgradcheck(lambda x: model(x)[0], (x,))


# ----------------------------------------------------------------------------- learning
def reversal_batch(rng, batch, shortest=2, longest=4, vocab=4, reverse=True):
    """Symbols then a delimiter, then silence while the model must emit the symbols reversed (or copied)."""
    lengths = rng.integers(shortest, longest + 1, batch)
    T = 2 * longest
    x, y, mask = np.zeros((batch, T, vocab + 1)), np.zeros((batch, T), np.int64), np.zeros((batch, T))
    for b, n in enumerate(lengths):
        seq = rng.integers(0, vocab, n)
        x[b, np.arange(n), seq] = 1.0
        x[b, n, vocab] = 1.0
        y[b, n: 2 * n] = seq[::-1] if reverse else seq
        mask[b, n: 2 * n] = 1.0
    return ag.tensor(x, dtype=ag.float32), ag.tensor(y.reshape(-1)), ag.tensor(mask.reshape(-1), dtype=ag.float32)


def train_reversal(steps, seed=0, kind="StackLSTM", lr=0.02, reverse=True):
    model = make(kind, 5, 32, 8, 4, seed=seed, batch_first=True)
    opt = optim.Adam(model.parameters(), lr=lr)
    rng, losses = np.random.default_rng(seed), []
    for _ in range(steps):
        x, y, mask = reversal_batch(rng, 32, reverse=reverse)
        out, _ = model(x)
        loss = (ag.cross_entropy_logits(out.reshape(-1, 4), y) * mask).sum() / mask.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, losses


def reversal_accuracy(model, seed=999, reverse=True):
    x, y, mask = reversal_batch(np.random.default_rng(seed), 256, reverse=reverse)
    with ag.no_grad():
        pred = model(x)[0].argmax(-1).reshape(-1)
    m = host(mask)
    return float(((host(pred) == host(y)) * m).sum() / m.sum())


def test_stack_lstm_learns_to_reverse_short_sequences():
    model, losses = train_reversal(200)
    assert reversal_accuracy(model) >= 0.95  # untrained: 0.25 (chance over 4 symbols)
    assert np.mean(losses[-20:]) < 0.1 * np.mean(losses[:10])


def test_stack_lstm_reversal_loss_falls_fast():
    _, losses = train_reversal(60)
    assert np.mean(losses[-10:]) < 0.8 * np.mean(losses[:5])


@pytest.mark.slow
def test_queue_lstm_learns_to_copy_short_sequences():
    model, _ = train_reversal(200, kind="QueueLSTM", reverse=False)
    assert reversal_accuracy(model, reverse=False) >= 0.98


@pytest.mark.slow
def test_deque_lstm_learns_to_reverse_short_sequences():
    model, _ = train_reversal(250, kind="DequeLSTM")
    assert reversal_accuracy(model) >= 0.95


# ----------------------------------------------------------------------------- devices
@pytest.mark.parametrize("kind", KINDS)
def test_forward_and_backward_on_the_strict_device(kind):
    cpu = make(kind, 3, 5, 2, 4, seed=1).double()
    strict = make(kind, 3, 5, 2, 4, seed=1).double().to(STRICT)
    x_np = np.random.default_rng(1).standard_normal((4, 2, 3))
    results = []
    for model, device in ((cpu, None), (strict, STRICT)):
        x = t64(x_np, requires_grad=True, device=device)
        y, state = model(x)
        (y * y).sum().backward()
        results.append((y, state, x.grad, {n: p.grad for n, p in model.named_parameters()}))
    (y_c, s_c, gx_c, gp_c), (y_s, s_s, gx_s, gp_s) = results
    assert isinstance(y_s._data, StrictArray) and isinstance(s_s.memory.values._data, StrictArray)
    np.testing.assert_allclose(host(y_s), host(y_c), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(host(gx_s), host(gx_c), rtol=1e-12, atol=1e-13)
    for name in gp_c:
        assert isinstance(gp_s[name]._data, StrictArray)
        np.testing.assert_allclose(host(gp_s[name]), host(gp_c[name]), rtol=1e-11, atol=1e-13, err_msg=name)


@pytest.mark.cuda
@pytest.mark.parametrize("kind", KINDS)
def test_cuda_matches_cpu(kind):
    try:
        ag.get_device("cuda")
    except DeviceError as e:
        pytest.skip(f"no cuda device: {e}")
    cpu = make(kind, 3, 5, 2, 4, seed=1).double()
    gpu = make(kind, 3, 5, 2, 4, seed=1).double().to("cuda")
    x_np = np.random.default_rng(1).standard_normal((4, 2, 3))
    results = []
    for model, device in ((cpu, "cpu"), (gpu, "cuda")):
        x = t64(x_np, requires_grad=True, device=device)
        y, _ = model(x)
        (y * y).sum().backward()
        results.append((y, x.grad, {n: p.grad for n, p in model.named_parameters()}))
    (y_c, gx_c, gp_c), (y_g, gx_g, gp_g) = results
    assert y_g.device.type == "cuda"
    np.testing.assert_allclose(host(y_g), host(y_c), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(host(gx_g), host(gx_c), rtol=1e-10, atol=1e-12)
    for name in gp_c:
        np.testing.assert_allclose(host(gp_g[name]), host(gp_c[name]), rtol=1e-9, atol=1e-12, err_msg=name)


def test_default_float32_training_steps_stay_float32_and_finite():
    model, losses = train_reversal(5)
    assert all(np.isfinite(losses)) and next(model.parameters()).dtype == ag.float32
