"""nn.AdaptiveLogSoftmaxWithLoss against PyTorch from a PyTorch state_dict: output, loss, gradients,
log_prob, predict, the unbatched form, errors; and log_prob a normalised distribution."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers.op_factory import to_host


def _pair(torch, in_features=16, n_classes=20, cutoffs=(5, 12), div_value=2.0, head_bias=True):
    torch.manual_seed(0)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs), div_value=div_value,
                                                 head_bias=head_bias).double()
    ours = nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value=div_value,
                                         head_bias=head_bias).double()
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert set(state) == set(ours.state_dict())
    ours.load_state_dict(state)
    return ours, theirs


@pytest.mark.parametrize("head_bias,cutoffs,div_value", [(True, (5, 12), 2.0), (False, (3,), 4.0),
                                                          (False, (2, 4, 9, 15), 1.5)])
def test_forward_loss_and_gradients_match_torch(head_bias, cutoffs, div_value):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, cutoffs=cutoffs, div_value=div_value, head_bias=head_bias)
    rng = np.random.default_rng(0)
    x_host = rng.standard_normal((12, 16))
    target = rng.integers(0, 20, 12)
    target[:2] = (0, 19)
    x = ag.tensor(x_host, requires_grad=True)
    out = ours(x, ag.tensor(target))
    xt = torch.tensor(x_host, requires_grad=True)
    out_t = theirs(xt, torch.tensor(target))
    assert out._fields == ("output", "loss")
    np.testing.assert_allclose(to_host(out.output.detach()), out_t.output.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(out.loss.item(), out_t.loss.item(), rtol=1e-10)
    upstream = rng.standard_normal(12)
    (out.loss + (out.output * ag.tensor(upstream)).sum()).backward()
    (out_t.loss + (out_t.output * torch.tensor(upstream)).sum()).backward()
    np.testing.assert_allclose(to_host(x.grad), xt.grad.numpy(), rtol=1e-10, atol=1e-13)
    for (name, p), (name_t, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == name_t and (p.grad is None) == (q.grad is None), name  # (a cluster no target is in)
        if p.grad is None:
            continue
        np.testing.assert_allclose(to_host(p.grad), q.grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=name)


def test_log_prob_and_predict_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    x_host = np.random.default_rng(1).standard_normal((30, 16)) * 3
    log_prob = ours.log_prob(ag.tensor(x_host))
    np.testing.assert_allclose(to_host(log_prob.detach()), theirs.log_prob(torch.tensor(x_host)).detach().numpy(),
                               rtol=1e-10)
    np.testing.assert_allclose(to_host(log_prob.detach().exp().sum(1)), np.ones(30), rtol=1e-12)
    predicted = to_host(ours.predict(ag.tensor(x_host)))
    np.testing.assert_array_equal(predicted, theirs.predict(torch.tensor(x_host)).numpy())
    np.testing.assert_array_equal(predicted, to_host(log_prob.argmax(1)))
    assert (predicted >= 5).any() and (predicted < 5).any()  # both of predict's paths taken


def test_output_equals_log_prob_at_the_target():
    ag.manual_seed(0)
    asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 7], div_value=2.0).double()
    x = ag.randn(9, 8, dtype=ag.float64)
    target = ag.arange(9)
    expected = to_host(asm.log_prob(x).detach())[np.arange(9), np.arange(9)]
    np.testing.assert_allclose(to_host(asm(x, target).output.detach()), expected, rtol=1e-12)


def test_unbatched_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    x_host = np.random.default_rng(2).standard_normal(16)
    out = ours(ag.tensor(x_host), ag.tensor(14))
    out_t = theirs(torch.tensor(x_host), torch.tensor(14))
    assert tuple(out.output.shape) == tuple(out_t.output.shape) == ()
    np.testing.assert_allclose(out.output.item(), out_t.output.item(), rtol=1e-10)
    np.testing.assert_allclose(out.loss.item(), out_t.loss.item(), rtol=1e-10)


@pytest.mark.parametrize("cutoffs", [[], [5, 3], [0, 4], [4, 20], [4, 4], [2.5]])
def test_bad_cutoffs_raise_value_error_as_torch(cutoffs):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.nn.AdaptiveLogSoftmaxWithLoss(8, 20, cutoffs)
    with pytest.raises(ValueError, match="cutoffs"):
        nn.AdaptiveLogSoftmaxWithLoss(8, 20, cutoffs)


@pytest.mark.parametrize("make_input,target,match", [
    (lambda lib: lib.zeros(3, 8), [0, 20, 1], "Target values should be in \\[0, 19\\]"),
    (lambda lib: lib.zeros(3, 8), [0, -1, 1], "Target values should be in"),
    (lambda lib: lib.zeros(3, 8), [0, 1], "same size in the batch dimension"),
    (lambda lib: lib.zeros(3, 2, 8), [0, 1, 2], "1D target tensor expects 2D input"),
    (lambda lib: lib.zeros(3, 8), 1, "0D target tensor expects 1D input"),
    (lambda lib: lib.zeros(3, 8), [[0], [1], [2]], "multi-target not supported"),
])
def test_bad_inputs_raise_runtime_error_as_torch(make_input, target, match):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=match):
        torch.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [5])(make_input(torch), torch.tensor(target))
    with pytest.raises(RuntimeError, match=match):
        nn.AdaptiveLogSoftmaxWithLoss(8, 20, [5])(make_input(ag), ag.tensor(target))


def test_runs_on_the_strict_device_as_on_cpu():
    from tests.helpers.strict_backend import DEVICE as STRICT

    ag.manual_seed(0)
    cpu = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 7], div_value=2.0).double()
    strict = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 7], div_value=2.0).double().to(STRICT)
    strict.load_state_dict({k: to_host(v) for k, v in cpu.state_dict().items()})
    x_host = np.random.default_rng(3).standard_normal((6, 8))
    results = []
    for model, device in ((cpu, "cpu"), (strict, STRICT)):
        x = ag.tensor(x_host, device=device, requires_grad=True)
        out = model(x, ag.tensor([0, 3, 4, 6, 7, 9], device=device))
        out.loss.backward()
        assert str(x.grad.device) == device
        results.append((out.loss.item(), to_host(x.grad), to_host(model.predict(x.detach()))))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(results[1][2], results[0][2])
