"""``cross_entropy_logits`` (autograd_core/ops/loss.py): per sample and reduced, every path of the op factory."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops.loss import binary_cross_entropy_probs
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, make_tests, to_host


@st.composite
def _case(draw):
    n, c = draw(st.integers(0, 5)), draw(st.integers(1, 5))
    target = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), dtype=np.int64)
    return ((n, c),), {"target": target, "reduction": draw(st.sampled_from(["none", "mean", "sum"]))}


def _ref(x, target, reduction):
    m = x.max(axis=1, keepdims=True) if x.size else np.zeros((x.shape[0], 1))
    lse = np.log(np.exp(x - m).sum(axis=1)) + m[:, 0]
    losses = lse - x[np.arange(x.shape[0]), target]
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean() if losses.size else np.array(np.nan)


def _torch(torch, x, target, reduction):
    return torch.nn.functional.cross_entropy(x, target, reduction=reduction)


def _bce_ref(p, t):
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def _probabilities(arrays, kwargs):
    """Inputs in (0.05, 0.95), where both logs are smooth; targets in [0, 1]."""
    p, t = (1.0 / (1.0 + np.exp(-a)) for a in arrays)
    return 0.05 + 0.9 * p, t


SPECS = [
    OpSpec("cross_entropy_logits", ag.cross_entropy_logits, _ref, case=_case(), torch=_torch),
    OpSpec("binary_cross_entropy_probs", binary_cross_entropy_probs, _bce_ref, S.same_shapes(2),
           domain=_probabilities,
           torch=lambda torch, p, t: torch.nn.functional.binary_cross_entropy(p, t, reduction="none")),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)


@pytest.mark.parametrize("device", DEVICES)
def test_gradient_is_softmax_minus_onehot_over_the_batch(device):
    x = ag.tensor([[0.0, 0.0], [0.0, np.log(3.0)]], dtype=ag.float64, device=device, requires_grad=True)
    ag.cross_entropy_logits(x, ag.tensor([0, 1], device=device), reduction="mean").backward()
    np.testing.assert_allclose(to_host(x.grad), [[-0.25, 0.25], [0.125, -0.125]])


def test_mean_over_an_empty_batch_is_nan_and_sum_is_zero():
    x = ag.zeros(0, 3, requires_grad=True)
    t = ag.tensor([], dtype=ag.int64)
    assert np.isnan(ag.cross_entropy_logits(x, t, reduction="mean").item())
    assert ag.cross_entropy_logits(x, t, reduction="sum").item() == 0.0
    for reduction in ("mean", "sum", "none"):  # and every derivative is empty, not an error
        (g,) = ag.grad(ag.cross_entropy_logits(x, t, reduction=reduction).sum(), x, create_graph=True)
        (gg,) = ag.grad(g.sum(), x, allow_unused=True, materialize_grads=True)
        assert g.shape == gg.shape == (0, 3)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ag.cross_entropy_logits(ag.zeros(2, 3), ag.tensor([0, 1]), reduction="avg"), ValueError,
         "reduction must be 'none', 'mean' or 'sum', got 'avg'"),
        (lambda: ag.cross_entropy_logits(ag.zeros(2, 3), ag.tensor([0, 3])), IndexError,
         r"target 3 is out of bounds for 3 classes \(valid: 0 to 2\)"),
        (lambda: ag.cross_entropy_logits(ag.zeros(2, 3), ag.tensor([-1, 0])), IndexError, "target -1 is out of bounds"),
        (lambda: ag.cross_entropy_logits(ag.zeros(2, 3), ag.tensor([0.0, 1.0])), TypeError, "integer Tensor"),
        (lambda: ag.cross_entropy_logits(ag.zeros(2, 3), ag.tensor([0, 1, 2])), RuntimeError,
         r"target shape \(3,\) doesn't match input batch \(2,\)"),
        (lambda: ag.cross_entropy_logits(ag.zeros(6), ag.tensor([0])), RuntimeError, r"must be \(N, C\)"),
    ],
    ids=["reduction", "too_big", "negative", "float_target", "batch", "not_2d"],
)
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    "p, t",
    [([1.0, 0.0, 0.5, 0.9], [1.0, 0.0, 0.3, 0.2]), ([1.0, 0.0], [0.5, 0.5]), ([1e-30, 1.0 - 1e-7], [0.0, 1.0])],
    ids=["saturated_and_matching", "saturated_and_not", "nearly_saturated"],
)
def test_binary_cross_entropy_gradients_at_saturation_match_pytorch(p, t):
    torch = pytest.importorskip("torch")
    ours = [ag.tensor(v, requires_grad=True) for v in (p, t)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (p, t)]
    loss = binary_cross_entropy_probs(*ours).sum()
    tloss = torch.nn.functional.binary_cross_entropy(*theirs, reduction="sum")
    with np.errstate(divide="ignore"):  # the target's gradient is -logit(p): infinite at 0 and 1, as PyTorch's
        loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-6)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5)


def test_binary_cross_entropy_probs_needs_matching_shapes_and_dtypes():
    with pytest.raises(RuntimeError, match=r"binary_cross_entropy: input \(2,\) float32 and target \(3,\)"):
        binary_cross_entropy_probs(ag.ones(2), ag.ones(3))
