"""nn.functional.ctc_loss / nn.CTCLoss: PyTorch's forward on every target layout and reduction, its
gradient through log_softmax, the documented relation between its raw log_probs gradient and ours
(the true one, checked by gradcheck), impossible alignments, errors, and the strict device."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT


def _case(seed, steps=7, batch=3, classes=5, width=3):
    """Logits, padded targets (garbage past each length) and lengths, all possible alignments."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((steps, batch, classes))
    target_lengths = rng.integers(0, width + 1, batch)
    input_lengths = rng.integers(2 * width + 1, steps + 1, batch)
    targets = rng.integers(1, classes, (batch, width))
    targets[np.arange(width)[None, :] >= target_lengths[:, None]] = 99  # padding: never read
    return logits, targets, input_lengths.tolist(), target_lengths.tolist()


def _concatenated(targets, target_lengths):
    return np.concatenate([row[:n] for row, n in zip(targets, target_lengths)]).astype(np.int64)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), reduction=st.sampled_from(["none", "sum", "mean"]),
       concatenated=st.booleans(), as_tensors=st.booleans(), blank=st.sampled_from([0, 4]))
def test_ctc_loss_forward_and_gradient_through_log_softmax_vs_torch(seed, reduction, concatenated, as_tensors, blank):
    torch = pytest.importorskip("torch")
    logits, targets, il, tl = _case(seed)
    targets[targets == blank] = 2  # labels other than the blank (PyTorch allows it; tested separately)
    if concatenated:
        targets = _concatenated(targets, tl)
    lengths = (lambda v, lib: lib.tensor(v)) if as_tensors else (lambda v, lib: tuple(v))
    x = ag.tensor(logits, requires_grad=True)
    ours = F.ctc_loss(F.log_softmax(x, 2), ag.tensor(targets), lengths(il, ag), lengths(tl, ag), blank=blank,
                      reduction=reduction)
    xt = torch.tensor(logits, requires_grad=True)
    theirs = torch.nn.functional.ctc_loss(xt.log_softmax(2), torch.tensor(targets), lengths(il, torch),
                                          lengths(tl, torch), blank=blank, reduction=reduction)
    np.testing.assert_allclose(to_host(ours.detach()), theirs.detach().numpy(), rtol=1e-10)
    upstream = np.random.default_rng(seed + 1).standard_normal(tuple(ours.shape))
    ours.backward(ag.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(to_host(x.grad), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_raw_log_probs_gradient_is_the_true_one_and_torch_adds_exp_log_probs():
    """PyTorch's ctc backward returns the true gradient plus exp(log_probs) at each sample's valid
    steps (a term log_softmax cancels).  Ours is the true gradient: gradcheck holds, and the two
    differ by exactly that term."""
    torch = pytest.importorskip("torch")
    logits, targets, il, tl = _case(3)
    log_probs = torch.tensor(logits).log_softmax(2).numpy()
    lp = ag.tensor(log_probs, requires_grad=True)
    F.ctc_loss(lp, ag.tensor(targets), il, tl, reduction="sum").backward()
    lpt = torch.tensor(log_probs, requires_grad=True)
    torch.nn.functional.ctc_loss(lpt, torch.tensor(targets), tuple(il), tuple(tl), reduction="sum").backward()
    valid = np.arange(logits.shape[0])[:, None, None] < np.array(il)[None, :, None]
    np.testing.assert_allclose(to_host(lp.grad) + np.exp(log_probs) * valid, lpt.grad.numpy(), rtol=1e-10,
                               atol=1e-12)
    small = ag.tensor(log_probs[:5, :2, :4], requires_grad=True)
    fn = lambda t: F.ctc_loss(t, ag.tensor([[1, 2], [3, 3]]), (5, 5), (2, 2), reduction="none")  # noqa: E731
    assert ag.gradcheck(fn, (small,))
    assert ag.gradgradcheck(fn, (small,))


def test_unbatched_matches_torch_and_batch_of_one():
    torch = pytest.importorskip("torch")
    logits, targets, il, tl = _case(5, batch=1)
    lp = torch.tensor(logits[:, 0]).log_softmax(1).numpy()
    target = targets[0, : tl[0]]  # 1-D targets of an unbatched input are concatenated: no padding
    for reduction in ("none", "mean", "sum"):
        ours = F.ctc_loss(ag.tensor(lp), ag.tensor(target), ag.tensor(il[0]), ag.tensor(tl[0]), reduction=reduction)
        theirs = torch.nn.functional.ctc_loss(torch.tensor(lp), torch.tensor(target), torch.tensor(il[0]),
                                              torch.tensor(tl[0]), reduction=reduction)
        assert tuple(ours.shape) == tuple(theirs.shape) == ()
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-10)
    batch = F.ctc_loss(ag.tensor(lp[:, None]), ag.tensor(targets), il, tl, reduction="none")
    np.testing.assert_allclose(batch.item(), F.ctc_loss(ag.tensor(lp), ag.tensor(targets), (il[0],), (tl[0],),
                                                        reduction="none").item(), rtol=1e-12)


def test_a_label_equal_to_blank_inside_the_target_is_computed_as_torch_does():
    torch = pytest.importorskip("torch")
    lp = torch.randn(6, 2, 4, dtype=torch.float64).log_softmax(2)
    targets = [[0, 2, 0], [1, 0, 0]]
    theirs = torch.nn.functional.ctc_loss(lp, torch.tensor(targets), (6, 5), (3, 2), reduction="none")
    ours = F.ctc_loss(ag.tensor(lp.numpy()), ag.tensor(targets), (6, 5), (3, 2), reduction="none")
    np.testing.assert_allclose(to_host(ours), theirs.numpy(), rtol=1e-10)


def _impossible_batch():
    """Sample 0: 1 1 1 needs 5 frames (blanks between repeats) but has 4; sample 1: 3 labels in 2 frames;
    sample 2: no frames and a non-empty target; sample 3: no frames and an empty target (loss 0);
    sample 4: possible."""
    rng = np.random.default_rng(7)
    lp = rng.standard_normal((6, 5, 4))
    lp = lp - np.log(np.exp(lp).sum(2, keepdims=True))
    targets = np.array([[1, 1, 1], [1, 2, 3], [2, 0, 0], [0, 0, 0], [1, 2, 0]])
    return lp, targets, (4, 2, 0, 0, 6), (3, 3, 1, 0, 2)


def test_impossible_alignments_give_inf_and_match_torch():
    torch = pytest.importorskip("torch")
    lp, targets, il, tl = _impossible_batch()
    ours = F.ctc_loss(ag.tensor(lp), ag.tensor(targets), il, tl, reduction="none")
    theirs = torch.nn.functional.ctc_loss(torch.tensor(lp), torch.tensor(targets), il, tl, reduction="none")
    np.testing.assert_allclose(to_host(ours), theirs.numpy(), rtol=1e-10)
    assert to_host(ours)[:3].tolist() == [np.inf] * 3 and to_host(ours)[3] == 0.0
    assert F.ctc_loss(ag.tensor(lp), ag.tensor(targets), il, tl).item() == np.inf


def test_zero_infinity_zeroes_impossible_losses_and_their_gradients_as_torch():
    torch = pytest.importorskip("torch")
    lp, targets, il, tl = _impossible_batch()
    for reduction in ("none", "sum", "mean"):
        x = ag.tensor(lp, requires_grad=True)
        ours = F.ctc_loss(F.log_softmax(x, 2), ag.tensor(targets), il, tl, reduction=reduction, zero_infinity=True)
        xt = torch.tensor(lp, requires_grad=True)
        theirs = torch.nn.functional.ctc_loss(xt.log_softmax(2), torch.tensor(targets), il, tl, reduction=reduction,
                                              zero_infinity=True)
        np.testing.assert_allclose(to_host(ours.detach()), theirs.detach().numpy(), rtol=1e-10)
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_allclose(to_host(x.grad), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
        assert not to_host(x.grad)[:, :4].any()  # the impossible and the empty samples get no gradient


def test_log_of_zero_probabilities_stay_finite_in_the_gradient():
    lp = np.log(np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.5, 0.0, 0.5]]))[:, None, :]
    x = ag.tensor(lp, requires_grad=True)
    loss = F.ctc_loss(x, ag.tensor([[1]]), (3,), (1,), reduction="sum")
    np.testing.assert_allclose(loss.item(), -np.log(0.5), rtol=1e-12)
    loss.backward()
    assert np.isfinite(to_host(x.grad)).all()
    impossible = F.ctc_loss(ag.tensor(np.full((3, 1, 3), -np.inf)), ag.tensor([[1]]), (3,), (1,), reduction="none")
    assert impossible.tolist() == [np.inf]


def test_float32_and_module():
    torch = pytest.importorskip("torch")
    logits, targets, il, tl = _case(11)
    lp = torch.tensor(logits, dtype=torch.float32).log_softmax(2)
    ctc = nn.CTCLoss(blank=0, reduction="mean", zero_infinity=True)
    assert repr(ctc) == "CTCLoss()" and ctc.zero_infinity and ctc.blank == 0
    ours = ctc(ag.tensor(lp.numpy()), ag.tensor(targets), ag.tensor(il), ag.tensor(tl))
    theirs = torch.nn.CTCLoss(zero_infinity=True)(lp, torch.tensor(targets), torch.tensor(il), torch.tensor(tl))
    assert ours.dtype == ag.float32
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-5)


def test_ctc_loss_on_the_strict_device_matches_cpu():
    logits, targets, il, tl = _case(2)
    results = []
    for device in ("cpu", STRICT):
        x = ag.tensor(logits, device=device, requires_grad=True)
        loss = F.ctc_loss(F.log_softmax(x, 2), ag.tensor(_concatenated(targets, tl), device=device),
                          ag.tensor(il, device=device), ag.tensor(tl, device=device))
        loss.backward()
        assert str(loss.device) == device and str(x.grad.device) == device
        results.append((to_host(loss.detach()), to_host(x.grad)))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12, atol=1e-14)


LP = ag.zeros(5, 2, 4)
TARGETS = ag.tensor([[1, 2], [1, 0]])


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.ctc_loss(LP, TARGETS, (6, 5), (2, 1)), RuntimeError, "input_lengths to have value at most 5"),
    (lambda: F.ctc_loss(LP, TARGETS, (5, 5), (3, 1)), RuntimeError, "S >= max\\(target_lengths\\) = 3"),
    (lambda: F.ctc_loss(LP, ag.tensor([1, 2]), (5, 5), (2, 1)), RuntimeError, "sum\\(target_lengths\\) = 3"),
    (lambda: F.ctc_loss(LP, TARGETS, (5, 5, 5), (2, 1)), RuntimeError, "input_lengths must be of size batch_size"),
    (lambda: F.ctc_loss(LP, TARGETS, (5, 5), (2,)), RuntimeError, "target_lengths must be of size batch_size"),
    (lambda: F.ctc_loss(LP, TARGETS, (-1, 5), (2, 1)), RuntimeError, "at least 0"),
    (lambda: F.ctc_loss(LP, TARGETS, ag.tensor([5.0, 5.0]), (2, 1)), RuntimeError, "must be integral"),
    (lambda: F.ctc_loss(LP, TARGETS, 5, 2), TypeError, "tuple of ints"),
    (lambda: F.ctc_loss(LP, TARGETS, (5, 5), (2, 1), blank=4), RuntimeError, "blank must be in label range"),
    (lambda: F.ctc_loss(LP, ag.tensor([[1, 7], [1, 0]]), (5, 5), (2, 1)), RuntimeError, "labels must be in"),
    (lambda: F.ctc_loss(LP[None], TARGETS, (5, 5), (2, 1)), RuntimeError, "\\(T, N, C\\)"),
    (lambda: F.ctc_loss(LP.long(), TARGETS, (5, 5), (2, 1)), RuntimeError, "float32 or float64"),
    (lambda: F.ctc_loss(ag.zeros(0, 2, 4), TARGETS, (0, 0), (2, 1)), RuntimeError, "must not be empty"),
    (lambda: F.ctc_loss(LP, TARGETS, (5, 5), (2, 1), reduction="avg"), ValueError, "not a valid value"),
])
def test_ctc_loss_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("call", [
    lambda t: t.nn.functional.ctc_loss(t.zeros(5, 2, 4), t.tensor([[1, 2], [1, 0]]), (6, 5), (2, 1)),
    lambda t: t.nn.functional.ctc_loss(t.zeros(5, 2, 4), t.tensor([[1, 2], [1, 0]]), (5, 5), (3, 1)),
    lambda t: t.nn.functional.ctc_loss(t.zeros(5, 2, 4), t.tensor([1, 2]), (5, 5), (2, 1)),
    lambda t: t.nn.functional.ctc_loss(t.zeros(5, 2, 4), t.tensor([[1, 2], [1, 0]]), (5, 5), (2, 1), blank=4),
    lambda t: t.nn.functional.ctc_loss(t.zeros(5, 2, 4), t.tensor([[1, 2], [1, 0]]), 5, 2),
])
def test_torch_raises_the_same_error_types(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(_AgAsTorch)


class _AgAsTorch:
    """``ag`` spelled the way the calls above spell torch."""

    zeros, tensor = ag.zeros, ag.tensor
    nn = nn
