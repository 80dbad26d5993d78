"""``autograd.graph.saved_tensors_hooks`` (autograd_core/function.py, autograd/graph.py) and
``utils.checkpoint`` built on it: the same gradients as without, less memory kept, errors."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
from autograd_core.autograd.graph import disable_saved_tensors_hooks, save_on_cpu, saved_tensors_hooks
from autograd_core.utils.checkpoint import CheckpointError, checkpoint, checkpoint_sequential
from tests.helpers.strict_backend import DEVICE


# -- saved_tensors_hooks -----------------------------------------------------------------------
def test_pack_and_unpack_are_called_once_per_saved_tensor_as_in_pytorch():
    calls = []

    def pack(t):
        calls.append(("pack", tuple(t.shape)))
        return t

    def unpack(t):
        calls.append(("unpack",))
        return t

    x = ag.ones(3, requires_grad=True)
    a = x * 2
    with saved_tensors_hooks(pack, unpack):
        y = a * a  # both operands saved
    y.sum().backward()
    assert calls == [("pack", (3,)), ("pack", (3,)), ("unpack",), ("unpack",)] and x.grad.tolist() == [8.0] * 3
    calls.clear()
    x = ag.ones(2, requires_grad=True)
    with saved_tensors_hooks(pack, unpack):
        y = x.exp()  # saves its output
    y.sum().backward()
    assert calls == [("pack", (2,)), ("unpack",)]


def test_hooks_decide_what_is_kept_so_there_is_no_version_check_as_in_pytorch():
    x = ag.ones(3, requires_grad=True)
    a = x * 2
    with saved_tensors_hooks(lambda t: t.clone(), lambda t: t):
        y = a * a
    with ag.no_grad():
        a.add_(1)  # the clone is what backward reads
    y.sum().backward()
    assert x.grad.tolist() == [8.0] * 3
    torch = pytest.importorskip("torch")
    tx = torch.ones(3, requires_grad=True)
    ta = tx * 2
    with torch.autograd.graph.saved_tensors_hooks(lambda t: t.clone(), lambda t: t):
        ty = ta * ta
    with torch.no_grad():
        ta.add_(1)
    ty.sum().backward()
    assert tx.grad.tolist() == x.grad.tolist()


def test_hooks_nest_and_can_be_disabled():
    inner = []
    x = ag.ones(2, requires_grad=True)
    with saved_tensors_hooks(lambda t: ("outer", t), lambda p: p[1]):
        with saved_tensors_hooks(lambda t: inner.append(1) or ("inner", t), lambda p: p[1]):
            y = (x * x).sum()
        z = (x * x).sum()
    (y + z).backward()
    assert len(inner) == 2 and x.grad.tolist() == [4.0, 4.0]
    with disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError, match="no hooks here"):
            with saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    with saved_tensors_hooks(lambda t: t, lambda t: t):  # allowed again after the block
        pass


def test_save_on_cpu_round_trips_from_another_device():
    x = ag.tensor([1.0, 2.0], device=DEVICE, requires_grad=True)
    with save_on_cpu():
        y = (x.exp() * x).sum()
    y.backward()
    expected = np.exp([1.0, 2.0]) * np.array([2.0, 3.0])
    np.testing.assert_allclose(x.grad.cpu().numpy(), expected, rtol=1e-6)
    assert str(x.grad.device) == DEVICE


# -- checkpoint --------------------------------------------------------------------------------
def _net():
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))


def _grads(run, net, x):
    net.zero_grad()
    x.grad = None
    ag.manual_seed(1)
    y = run(net, x)
    y.square().sum().backward()
    after = ag.rand(1).item()  # the stream after backward: recomputation must not move it
    return y.detach().numpy(), [p.grad.numpy().copy() for p in net.parameters()] + [x.grad.numpy().copy()], after


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_checkpoint_gives_the_same_values_and_gradients_dropout_included(use_reentrant):
    net = _net()
    x = ag.randn(5, 4, requires_grad=True)
    plain = _grads(lambda n, t: n(t), net, x)
    checked = _grads(lambda n, t: checkpoint(n, t, use_reentrant=use_reentrant), net, x)
    sequential = _grads(lambda n, t: checkpoint_sequential(n, 3, t, use_reentrant=use_reentrant), net, x)
    for other in (checked, sequential):
        np.testing.assert_array_equal(other[0], plain[0])
        for a, b in zip(other[1], plain[1]):
            np.testing.assert_array_equal(a, b)
        assert other[2] == plain[2]


def test_checkpoint_matches_pytorch_on_the_same_weights():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w1, w2, x = rng.standard_normal((6, 4)), rng.standard_normal((3, 6)), rng.standard_normal((5, 4))

    def run(lib, ck):
        a, b, inp = (lib.tensor(v, requires_grad=True) for v in (w1, w2, x))
        out = ck(lambda t: (t @ a.T).tanh() @ b.T, inp, use_reentrant=False)
        (out.sin() * out).sum().backward()
        return [t.grad.numpy() for t in (a, b, inp)]

    for ours, theirs in zip(run(ag, checkpoint), run(torch, torch.utils.checkpoint.checkpoint)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_checkpoint_supports_grad_and_second_derivatives():
    w = ag.tensor([0.3, -1.2, 2.0], dtype=ag.float64, requires_grad=True)
    f = lambda t: (t.sin() * t).sum()  # noqa: E731
    (g,) = ag.grad(checkpoint(f, w, use_reentrant=False), w, create_graph=True)
    (h,) = ag.grad(g.sum(), w)
    v = w.detach().numpy()
    np.testing.assert_allclose(g.detach().numpy(), np.cos(v) * v + np.sin(v), rtol=1e-14)
    np.testing.assert_allclose(h.numpy(), 2 * np.cos(v) - v * np.sin(v), rtol=1e-14)


def test_checkpoint_keeps_no_activations_between_forward_and_backward():
    w = ag.randn(256, 256, requires_grad=True)

    def deep(t):
        for _ in range(8):
            t = (t @ w).tanh()
        return t

    x = ag.randn(256, 256)

    def kept(run) -> int:
        tracemalloc.start()
        out = run(x)
        now = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        out.sum().backward()
        return now

    plain, checked = kept(deep), kept(lambda t: checkpoint(deep, t, use_reentrant=False))
    step = 256 * 256 * 4  # one activation
    assert plain > 7 * step and checked < 1.5 * step  # plain keeps the 8 tanh outputs (each the next matmul input)


def test_a_recomputation_that_saves_differently_is_an_error():
    calls = [0]

    def changing(t):
        calls[0] += 1
        for _ in range(calls[0]):
            t = t.sin()
        return t

    x = ag.randn(3, requires_grad=True)
    with pytest.raises(CheckpointError, match="A different number of tensors was saved"):
        checkpoint(changing, x, use_reentrant=False).sum().backward()
    runs = [0]

    def reshaping(t):  # both runs save two tensors (the product's operands), of other shapes
        runs[0] += 1
        part = t if runs[0] == 1 else t[:2]
        return (part * part).sum()

    with pytest.raises(CheckpointError, match="different metadata"):
        checkpoint(reshaping, ag.randn(3, requires_grad=True), use_reentrant=False).backward()


def test_reentrant_default_warnings_and_inputs_without_grad_as_pytorch():
    x = ag.randn(3)
    layer = nn.Linear(3, 3)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(lambda t: t * 2, ag.randn(3, requires_grad=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
            out = checkpoint(layer, x, use_reentrant=True)
    assert not out.requires_grad
    assert checkpoint(layer, x, use_reentrant=False).requires_grad  # the non-reentrant variant records it
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(lambda t, scale: t * scale, ag.randn(1, requires_grad=True), use_reentrant=True, scale=2)
    assert checkpoint(lambda t, scale: t * scale, ag.ones(1, requires_grad=True), use_reentrant=False,
                      scale=2).item() == 2.0
    with pytest.raises(ValueError, match="determinism_check"):
        checkpoint(layer, x, use_reentrant=False, determinism_check="strict")
    with pytest.raises(ValueError, match="segments must be at least 1"):
        checkpoint_sequential(nn.Sequential(layer), 0, x, use_reentrant=False)


def test_checkpoint_on_the_strict_device():
    w = ag.randn(4, 4, device=DEVICE, requires_grad=True)
    x = ag.randn(2, 4, device=DEVICE)
    checkpoint(lambda t: (t @ w).relu().exp(), x, use_reentrant=False).sum().backward()
    w_cpu = w.detach().cpu().requires_grad_()
    (x.cpu() @ w_cpu).relu().exp().sum().backward()
    np.testing.assert_allclose(w.grad.cpu().numpy(), w_cpu.grad.numpy(), rtol=1e-6)
