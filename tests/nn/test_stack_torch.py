"""The neural stack family and its controllers against PyTorch: same inputs, same weights, float64.

PyTorch has no neural stack, so the oracle is the loop transcription of the paper's
equations (tests/nn/test_stack.py) run on torch tensors; its gradients come from
PyTorch's autograd.  The controllers are rebuilt from ``torch.nn.LSTMCell`` and
``torch.nn.Linear`` with the same submodule names, so PyTorch state_dicts load into ours.
"""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tests.nn.test_stack import host, ours_run, random_steps, ref_run, ref_step, t64

torch = pytest.importorskip("torch")


class TorchKinks:
    """max(0, .) and min(., .) in torch, with torch's subgradients (relu: 0 at 0; min: ties split)."""

    smallest = np.inf

    @staticmethod
    def relu(x):
        return torch.relu(torch.as_tensor(x, dtype=torch.float64))

    @staticmethod
    def minimum(a, b):
        return torch.minimum(torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64))


@pytest.mark.parametrize("kind", ["stack", "queue", "deque"])
def test_forward_and_backward_match_a_torch_transcription(kind):
    rng = np.random.default_rng(21)
    steps = random_steps(kind, rng, T=5, batch=3, m=2)
    ours = [{k: t64(v, requires_grad=True) for k, v in x.items()} for x in steps]
    theirs = [{k: torch.tensor(v, requires_grad=True) for k, v in x.items()} for x in steps]
    weights = [rng.standard_normal((3, 2)) for _ in range(2 * len(steps))]

    reads, state = ours_run(kind, steps, leaves=ours)
    flat = [r for rs in reads for r in rs]
    (sum((r * t64(w)).sum() for r, w in zip(flat, weights)) + (state.strengths * state.strengths).sum()).backward()

    t_reads, (_, t_s), _ = ref_run(kind, theirs, k=TorchKinks(), stack=torch.stack)
    t_flat = [r for rs in t_reads for r in rs]
    (sum((r * torch.tensor(w)).sum() for r, w in zip(t_flat, weights)) + (t_s * t_s).sum()).backward()

    for a, b in zip(flat, t_flat):
        np.testing.assert_allclose(host(a), b.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(host(state.strengths), t_s.detach().numpy(), rtol=1e-12, atol=1e-12)
    for xo, xt in zip(ours, theirs):
        for key in xo:
            g_ours = host(xo[key].grad) if xo[key].grad is not None else np.zeros(xt[key].shape)
            g_torch = xt[key].grad.numpy() if xt[key].grad is not None else np.zeros(xt[key].shape)
            np.testing.assert_allclose(g_ours, g_torch, rtol=1e-10, atol=1e-12, err_msg=key)


# ----------------------------------------------------------------------------- the controllers
class TorchMemoryLSTM(torch.nn.Module):
    """The StackLSTM/QueueLSTM/DequeLSTM equations written with torch modules and the loop transcription."""

    def __init__(self, kind, input_size, hidden_size, memory_size, output_size, batch_first=False):
        super().__init__()
        self.kind, self.m, self.batch_first = kind, memory_size, batch_first
        ends = 2 if kind == "deque" else 1
        self.controller = torch.nn.LSTMCell(input_size + ends * memory_size, hidden_size)
        self.push = torch.nn.Linear(hidden_size, ends)
        self.pop = torch.nn.Linear(hidden_size, ends)
        self.value = torch.nn.Linear(hidden_size, ends * memory_size)
        self.hidden_out = torch.nn.Linear(hidden_size, hidden_size)
        self.output = torch.nn.Linear(hidden_size + ends * memory_size, output_size)
        self.ends = ends

    def forward(self, x):
        if self.batch_first:
            x = x.transpose(0, 1)
        T, B, _ = x.shape
        h = c = torch.zeros(B, self.controller.hidden_size, dtype=x.dtype)
        read = torch.zeros(B, self.ends * self.m, dtype=x.dtype)
        memories = [([], []) for _ in range(B)]
        ys = []
        for t in range(T):
            h, c = self.controller(torch.cat([x[t], read], 1), (h, c))
            d, u, v = torch.sigmoid(self.push(h)), torch.sigmoid(self.pop(h)), torch.tanh(self.value(h))
            reads = []
            for b in range(B):
                if self.kind == "deque":
                    step = {"v_top": v[b, : self.m], "v_bot": v[b, self.m:], "d_top": d[b, 0], "d_bot": d[b, 1],
                            "u_top": u[b, 0], "u_bot": u[b, 1]}
                else:
                    step = {"v": v[b], "d": d[b, 0], "u": u[b, 0]}
                r, V, s = ref_step(self.kind, *memories[b], step, TorchKinks())
                memories[b] = (V, s)
                reads.append(torch.cat(r))
            read = torch.stack(reads)
            ys.append(self.output(torch.cat([torch.tanh(self.hidden_out(h)), read], 1)))
        y = torch.stack(ys)
        return y.transpose(0, 1) if self.batch_first else y


OURS = {"stack": "StackLSTM", "queue": "QueueLSTM", "deque": "DequeLSTM"}


@pytest.mark.parametrize("kind, batch_first", [("stack", False), ("queue", True), ("deque", False)])
def test_controllers_match_torch_with_loaded_weights(kind, batch_first):
    torch.manual_seed(0)
    ref = TorchMemoryLSTM(kind, 3, 5, 2, 4, batch_first=batch_first).double()
    model = getattr(nn, OURS[kind])(3, 5, 2, 4, batch_first=batch_first).double()
    assert set(model.state_dict()) == set(ref.state_dict())
    model.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})

    rng = np.random.default_rng(1)
    shape = (2, 6, 3) if batch_first else (6, 2, 3)
    x_np, w_np = rng.standard_normal(shape), rng.standard_normal(shape[:2] + (4,))
    x = t64(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    y, _ = model(x)
    ty = ref(tx)
    np.testing.assert_allclose(host(y), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    (y * t64(w_np)).sum().backward()
    (ty * torch.tensor(w_np)).sum().backward()
    np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-9, atol=1e-11)
    theirs = dict(ref.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(host(p.grad), theirs[name].grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)
