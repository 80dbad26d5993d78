"""Losses: every function and module against PyTorch (float64, forward and the gradients of input and
target), float64 gradchecks without PyTorch, the Hellinger loss against its formula, and errors."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host

TOL = {"rtol": 1e-10, "atol": 1e-12}


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _rng(seed=0):
    return np.random.default_rng(seed)


def _pair(torch, a, requires_grad=True):
    if a.dtype.kind in "iu":
        return ag.tensor(a), torch.tensor(a)
    return ag.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def _compare(torch, ours_fn, theirs_fn, arrays, kwargs_ours=None, kwargs_theirs=None, grads=True, frozen=()):
    """Call both with the same float64 arrays (ints as index tensors); compare value and every input grad.

    ``frozen``: positions of arguments that take no gradient (class weights)."""
    ours, theirs = zip(*[_pair(torch, a, i not in frozen) for i, a in enumerate(arrays)])
    out = ours_fn(*ours, **(kwargs_ours or {}))
    expected = theirs_fn(*theirs, **(kwargs_theirs or kwargs_ours or {}))
    np.testing.assert_allclose(to_host(out), expected.detach().numpy(), **TOL)
    assert tuple(out.shape) == tuple(expected.shape)
    if not grads:
        return
    g = _rng(99).standard_normal(tuple(expected.shape))
    out.backward(ag.tensor(g))
    expected.backward(torch.tensor(g))
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if b.grad is None:
            continue
        np.testing.assert_allclose(to_host(a.grad), b.grad.numpy(), err_msg=f"grad of argument {i}", **TOL)


REDUCTIONS = ("mean", "sum", "none")


# ---------------------------------------------------------------------------- regression losses vs torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", [
    ("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}),
    ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {}), ("huber_loss", {"delta": 0.3}),
])
def test_regression_losses_match_torch(torch, name, kwargs, reduction):
    x, y = _rng(1).standard_normal((2, 4, 3))
    _compare(torch, getattr(F, name), getattr(torch.nn.functional, name), [x, y], {**kwargs, "reduction": reduction})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression_losses_match_torch(torch, name, reduction):
    x, y = _rng(2).standard_normal((2, 5, 2))
    w = _rng(3).random((5, 2)) + 0.1
    _compare(torch, lambda a, b, c: getattr(F, name)(a, b, reduction=reduction, weight=c),
             lambda a, b, c: getattr(torch.nn.functional, name)(a, b, reduction=reduction, weight=c), [x, y, w])


def test_broadcasting_target_warns_like_torch(torch):
    x, y = _rng(4).standard_normal((3, 1)), _rng(5).standard_normal((3,))
    with pytest.warns(UserWarning, match="different to the input size"):
        ours = F.mse_loss(ag.tensor(x), ag.tensor(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.nn.functional.mse_loss(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(ours.item(), expected.item(), **TOL)


@pytest.mark.parametrize("size_average,reduce", [(None, False), (False, None), (True, True), (False, True)])
def test_legacy_size_average_and_reduce(torch, size_average, reduce):
    x, y = _rng(6).standard_normal((2, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = F.l1_loss(ag.tensor(x), ag.tensor(y), size_average=size_average, reduce=reduce)
        expected = torch.nn.functional.l1_loss(torch.tensor(x), torch.tensor(y), size_average=size_average,
                                               reduce=reduce)
        module = nn.L1Loss(size_average=size_average, reduce=reduce)
        assert module.reduction == torch.nn.L1Loss(size_average=size_average, reduce=reduce).reduction
    np.testing.assert_allclose(to_host(ours), expected.numpy(), **TOL)


# ---------------------------------------------------------------------------- cross-entropy and nll vs torch
CE_CASES = list(itertools.product(REDUCTIONS, [False, True], [-100, 1], [0.0, 0.2]))


def _targets(shape, n_classes, seed, ignore=None):
    t = _rng(seed).integers(0, n_classes, shape)
    if ignore is not None:
        t.reshape(-1)[::3] = ignore  # a third ignored
    return t


@pytest.mark.parametrize("reduction,weighted,ignore_index,smoothing", CE_CASES)
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5), (2, 4, 3, 2)], ids=["NC", "NCd", "NCdd"])
def test_cross_entropy_class_indices_matches_torch(torch, shape, reduction, weighted, ignore_index, smoothing):
    x = _rng(7).standard_normal(shape)
    t = _targets((shape[0],) + shape[2:], shape[1], 8, ignore=ignore_index if ignore_index != -100 else None)
    if ignore_index == 1:
        t.reshape(-1)[::3] = 1
    kwargs = {"reduction": reduction, "ignore_index": ignore_index, "label_smoothing": smoothing}
    arrays = [x, t]
    if weighted:
        arrays.append(_rng(9).random(shape[1]) + 0.2)
        _compare(torch, lambda a, b, w: F.cross_entropy(a, b, weight=w, **kwargs),
                 lambda a, b, w: torch.nn.functional.cross_entropy(a, b, weight=w, **kwargs), arrays, frozen=(2,))
    else:
        _compare(torch, F.cross_entropy, torch.nn.functional.cross_entropy, arrays, kwargs)


def test_cross_entropy_ignores_minus_100_by_default_and_unbatched_input(torch):
    x = _rng(10).standard_normal((5, 3))
    t = np.array([0, -100, 2, -100, 1])
    _compare(torch, F.cross_entropy, torch.nn.functional.cross_entropy, [x, t])
    _compare(torch, F.cross_entropy, torch.nn.functional.cross_entropy, [x[0], np.array(2)], {"reduction": "none"})
    _compare(torch, F.cross_entropy, torch.nn.functional.cross_entropy, [x[0], np.array(2)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3)])
def test_cross_entropy_class_probabilities_matches_torch(torch, shape, reduction, weighted, smoothing):
    x = _rng(11).standard_normal(shape)
    p = _rng(12).random(shape)
    p = p / p.sum(1, keepdims=True)
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    if weighted:
        w = _rng(13).random(shape[1]) + 0.5
        _compare(torch, lambda a, b, c: F.cross_entropy(a, b, weight=c, **kwargs),
                 lambda a, b, c: torch.nn.functional.cross_entropy(a, b, weight=c, **kwargs), [x, p, w],
                 frozen=(2,))
    else:
        _compare(torch, F.cross_entropy, torch.nn.functional.cross_entropy, [x, p], kwargs)


def test_cross_entropy_weighted_mean_divides_by_the_weight_of_kept_targets():
    x = ag.tensor(_rng(14).standard_normal((4, 3)))
    t = ag.tensor([0, 2, -100, 2])
    w = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64)
    per = F.cross_entropy(x, t, weight=w, reduction="none")
    expected = per.sum().item() / (1.0 + 3.0 + 3.0)
    np.testing.assert_allclose(F.cross_entropy(x, t, weight=w).item(), expected, rtol=1e-12)
    assert per[2].item() == 0.0


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # NumPy's 0/0
def test_cross_entropy_all_ignored_is_nan_like_torch(torch):
    x = _rng(15).standard_normal((2, 3))
    t = np.array([-100, -100])
    ours = F.cross_entropy(ag.tensor(x), ag.tensor(t)).item()
    assert math.isnan(ours) and math.isnan(torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t)).item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(6, 4), (2, 4, 3)])
def test_nll_loss_matches_torch(torch, shape, reduction, weighted):
    logp = np.log(_rng(16).dirichlet(np.ones(shape[1]), size=(shape[0],) + shape[2:]))
    logp = np.moveaxis(logp, -1, 1)
    t = _targets((shape[0],) + shape[2:], shape[1], 17)
    t.reshape(-1)[0] = -100
    kwargs = {"reduction": reduction}
    if weighted:
        w = _rng(18).random(shape[1]) + 0.2
        _compare(torch, lambda a, b, c: F.nll_loss(a, b, weight=c, **kwargs),
                 lambda a, b, c: torch.nn.functional.nll_loss(a, b, weight=c, **kwargs), [logp, t, w],
                 frozen=(2,))
    else:
        _compare(torch, F.nll_loss, torch.nn.functional.nll_loss, [logp, t], kwargs)


def test_log_softmax_then_nll_equals_cross_entropy():
    x = ag.tensor(_rng(19).standard_normal((5, 4)), requires_grad=True)
    t = ag.tensor([0, 3, 1, 1, 2])
    a = F.nll_loss(F.log_softmax(x, 1), t)
    b = F.cross_entropy(x, t)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-13)


# ---------------------------------------------------------------------------- binary losses vs torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(torch, reduction, weighted):
    p = _rng(20).uniform(0.05, 0.95, (4, 3))
    t = _rng(21).random((4, 3))
    if weighted:
        w = _rng(22).random((4, 3))
        _compare(torch, lambda a, b, c: F.binary_cross_entropy(a, b, weight=c, reduction=reduction),
                 lambda a, b, c: torch.nn.functional.binary_cross_entropy(a, b, weight=c, reduction=reduction),
                 [p, t, w], frozen=(2,))
    else:
        _compare(torch, F.binary_cross_entropy, torch.nn.functional.binary_cross_entropy, [p, t],
                 {"reduction": reduction})


def test_binary_cross_entropy_clamps_log_at_minus_100_like_torch(torch):
    p = np.array([0.0, 1.0, 1e-300, 0.5])
    t = np.array([1.0, 0.0, 1.0, 1.0])
    ours = F.binary_cross_entropy(ag.tensor(p), ag.tensor(t), reduction="none")
    expected = torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(t), reduction="none")
    np.testing.assert_allclose(to_host(ours), expected.numpy(), **TOL)
    assert to_host(ours)[0] == 100.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,pos_weighted", [(False, False), (True, False), (False, True), (True, True)])
def test_bce_with_logits_matches_torch(torch, reduction, weighted, pos_weighted):
    x = _rng(23).standard_normal((5, 3)) * 4
    x[0] = [40.0, -40.0, 0.0]  # large logits: the stable form must stay exact
    t = _rng(24).random((5, 3))
    w = _rng(25).random((5, 3)) if weighted else None
    pw = _rng(26).random(3) * 3 if pos_weighted else None

    def ours(a, b):
        return F.binary_cross_entropy_with_logits(a, b, None if w is None else ag.tensor(w), reduction=reduction,
                                                  pos_weight=None if pw is None else ag.tensor(pw))

    def theirs(a, b):
        return torch.nn.functional.binary_cross_entropy_with_logits(
            a, b, None if w is None else torch.tensor(w), reduction=reduction,
            pos_weight=None if pw is None else torch.tensor(pw))

    _compare(torch, ours, theirs, [x, t])


def test_bce_with_logits_equals_bce_of_sigmoid():
    x = ag.tensor(_rng(27).standard_normal(6))
    t = ag.tensor(_rng(28).random(6))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, t).item(),
                               F.binary_cross_entropy(ag.sigmoid(x), t).item(), rtol=1e-12)


# ---------------------------------------------------------------------------- kl, cosine, hinge, margin
@pytest.mark.parametrize("reduction", REDUCTIONS + ("batchmean",))
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(torch, reduction, log_target):
    logq = np.log(_rng(29).dirichlet(np.ones(4), size=3))
    p = _rng(30).dirichlet(np.ones(4), size=3)
    target = np.log(p) if log_target else p
    kwargs = {"reduction": reduction, "log_target": log_target}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _compare(torch, F.kl_div, torch.nn.functional.kl_div, [logq, target], kwargs)
        if not log_target:
            # 0 log 0 = 0 in the value.  The target's gradient there is -inf mathematically and NaN in
            # PyTorch; ours is finite, so that one is compared with a target that takes no gradient.
            p[0, 1] = 0.0
            _compare(torch, F.kl_div, torch.nn.functional.kl_div, [logq, p], kwargs, frozen=(1,))


def test_kl_div_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(ag.zeros(2, 2), ag.ones(2, 2) * 0.5)


@pytest.mark.parametrize("dim,shapes", [(1, [(4, 5), (4, 5)]), (0, [(3, 2), (3, 2)]), (-1, [(2, 3, 4), (1, 3, 4)])])
def test_cosine_similarity_matches_torch(torch, dim, shapes):
    a, b = (_rng(31 + i).standard_normal(s) for i, s in enumerate(shapes))
    _compare(torch, F.cosine_similarity, torch.nn.functional.cosine_similarity, [a, b], {"dim": dim})
    m, mt = nn.CosineSimilarity(dim=dim), torch.nn.CosineSimilarity(dim=dim)
    assert repr(m) == repr(mt)
    _compare(torch, m, mt, [a, b])


def test_cosine_similarity_with_tiny_vectors_matches_torch_gradients(torch):
    a = _rng(33).standard_normal((3, 4))
    a[0] *= 1e-10  # norm below eps: the floor applies to the value, not the gradient
    b = _rng(34).standard_normal((3, 4))
    _compare(torch, F.cosine_similarity, torch.nn.functional.cosine_similarity, [a, b], {"eps": 1e-8})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_hinge_embedding_loss_matches_torch(torch, reduction, margin):
    x = _rng(35).standard_normal((4, 5))
    x[0, :3] = [margin, 0.0, -margin]  # the kink
    t = np.where(_rng(36).random((4, 5)) > 0.5, 1.0, -1.0)
    _compare(torch, F.hinge_embedding_loss, torch.nn.functional.hinge_embedding_loss, [x, t],
             {"margin": margin, "reduction": reduction})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,margin,weighted", [(1, 1.0, False), (2, 1.0, False), (1, 0.5, True), (2, 2.0, True)])
def test_multi_margin_loss_matches_torch(torch, p, margin, weighted, reduction):
    x = _rng(37).standard_normal((5, 4))
    t = _rng(38).integers(0, 4, 5)
    x[0, (t[0] + 1) % 4] = x[0, t[0]] - margin  # z == 0 exactly: the kink
    kwargs = {"p": p, "margin": margin, "reduction": reduction}
    if weighted:
        w = _rng(39).random(4) + 0.1
        _compare(torch, lambda a, b, c: F.multi_margin_loss(a, b, weight=c, **kwargs),
                 lambda a, b, c: torch.nn.functional.multi_margin_loss(a, b, weight=c, **kwargs), [x, t, w],
                 frozen=(2,))
    else:
        _compare(torch, F.multi_margin_loss, torch.nn.functional.multi_margin_loss, [x, t], kwargs)
    _compare(torch, F.multi_margin_loss, torch.nn.functional.multi_margin_loss, [x[1], np.array(t[1])],
             {"p": p, "margin": margin})


# ---------------------------------------------------------------------------- loss modules vs torch
MODULES = [
    ("MSELoss", {}, "reg"), ("L1Loss", {"reduction": "sum"}, "reg"), ("SmoothL1Loss", {"beta": 0.7}, "reg"),
    ("HuberLoss", {"delta": 0.4, "reduction": "none"}, "reg"),
    ("CrossEntropyLoss", {"ignore_index": 2, "label_smoothing": 0.1}, "cls"),
    ("CrossEntropyLoss", {"weight": "w"}, "cls"), ("NLLLoss", {"weight": "w", "reduction": "sum"}, "logp"),
    ("BCELoss", {"weight": "w_elem"}, "prob"), ("BCEWithLogitsLoss", {"pos_weight": "w"}, "logit"),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, "kl"), ("HingeEmbeddingLoss", {"margin": 0.5}, "pm"),
    ("MultiMarginLoss", {"p": 2, "weight": "w"}, "cls"),
]


def _module_inputs(kind):
    rng = _rng(40)
    if kind == "reg":
        return [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))]
    if kind == "cls":
        return [rng.standard_normal((5, 4)), rng.integers(0, 4, 5)]
    if kind == "logp":
        return [np.log(rng.dirichlet(np.ones(4), 5)), rng.integers(0, 4, 5)]
    if kind == "prob":
        return [rng.uniform(0.1, 0.9, (5, 4)), rng.random((5, 4))]
    if kind == "logit":
        return [rng.standard_normal((5, 4)), rng.random((5, 4))]
    if kind == "kl":
        return [np.log(rng.dirichlet(np.ones(4), 5)), np.log(rng.dirichlet(np.ones(4), 5))]
    return [rng.standard_normal((5, 4)), np.where(rng.random((5, 4)) > 0.5, 1.0, -1.0)]


@pytest.mark.parametrize("cls,kwargs,kind", MODULES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(MODULES)])
def test_loss_modules_match_torch_and_keep_weights_as_buffers(torch, cls, kwargs, kind):
    weights = {"w": _rng(41).random(4) + 0.1, "w_elem": _rng(42).random((5, 4))}
    ours_kw = {k: ag.tensor(weights[v]) if v in ("w", "w_elem") else v for k, v in kwargs.items()}
    theirs_kw = {k: torch.tensor(weights[v]) if v in ("w", "w_elem") else v for k, v in kwargs.items()}
    ours, theirs = getattr(nn, cls)(**ours_kw), getattr(torch.nn, cls)(**theirs_kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.reduction == theirs.reduction
    _compare(torch, ours, theirs, _module_inputs(kind))


# ---------------------------------------------------------------------------- Hellinger (not in PyTorch)
def _hellinger_ref(p, t):
    return np.sqrt(((np.sqrt(p) - np.sqrt(t)) ** 2).sum(-1)) / np.sqrt(2)


@pytest.mark.parametrize("shape", [(4,), (3, 5), (2, 3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hellinger_loss_matches_its_formula(shape, reduction):
    p = _rng(43).dirichlet(np.ones(shape[-1]), size=shape[:-1])
    t = _rng(44).dirichlet(np.ones(shape[-1]), size=shape[:-1])
    per = _hellinger_ref(p, t)
    expected = {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]
    out = F.hellinger_loss(ag.tensor(p), ag.tensor(t), reduction=reduction)
    np.testing.assert_allclose(to_host(out), expected, rtol=1e-12)
    np.testing.assert_allclose(to_host(nn.HellingerLoss(reduction)(ag.tensor(p), ag.tensor(t))), expected, rtol=1e-12)


def test_hellinger_loss_bounds_and_gradcheck():
    one_hot = ag.tensor([[1.0, 0.0, 0.0]], dtype=ag.float64)
    other = ag.tensor([[0.0, 0.0, 1.0]], dtype=ag.float64)
    assert F.hellinger_loss(one_hot, other).item() == pytest.approx(1.0, abs=1e-15)  # disjoint supports: 1
    assert F.hellinger_loss(one_hot, one_hot).item() == 0.0
    p = ag.tensor(_rng(45).uniform(0.2, 1.0, (3, 4)), requires_grad=True)
    t = ag.tensor(_rng(46).uniform(0.2, 1.0, (3, 4)), requires_grad=True)
    for reduction in REDUCTIONS:
        assert ag.gradcheck(lambda a, b, r=reduction: F.hellinger_loss(a, b, reduction=r), (p, t))
    assert ag.gradgradcheck(lambda a, b: F.hellinger_loss(a, b), (p, t))
    assert repr(nn.HellingerLoss()) == "HellingerLoss()"


# ---------------------------------------------------------------------------- gradchecks (no PyTorch needed)
def _x(shape, seed, low=None, high=None):
    rng = _rng(seed)
    a = rng.uniform(low, high, shape) if low is not None else rng.standard_normal(shape)
    return ag.tensor(a, requires_grad=True)


GRADCHECKS = [
    ("mse", lambda x, y: F.mse_loss(x, y), lambda: (_x((3, 4), 0), _x((3, 4), 1))),
    ("l1", lambda x, y: F.l1_loss(x, y, reduction="sum"), lambda: (_x((3, 4), 0), _x((3, 4), 1))),
    ("smooth_l1", lambda x, y: F.smooth_l1_loss(x, y, beta=0.5, reduction="none"), lambda: (_x(6, 0), _x(6, 1))),
    ("huber", lambda x, y: F.huber_loss(x, y, delta=0.7), lambda: (_x(6, 2), _x(6, 3))),
    ("ce_index", lambda x: F.cross_entropy(x, ag.tensor([0, 2, -100, 1]), weight=ag.tensor([1.0, 2.0, 0.5],
                                           dtype=ag.float64), label_smoothing=0.1), lambda: (_x((4, 3), 4),)),
    ("ce_index_nd", lambda x: F.cross_entropy(x, ag.tensor([[0, 2], [1, 1]]), reduction="none"),
     lambda: (_x((2, 3, 2), 5),)),
    ("ce_probs", lambda x, p: F.cross_entropy(x, p, label_smoothing=0.2), lambda: (_x((3, 4), 6), _x((3, 4), 7, 0, 1))),
    ("nll", lambda x: F.nll_loss(x, ag.tensor([1, 0, 2]), weight=ag.tensor([0.2, 1.0, 3.0], dtype=ag.float64)),
     lambda: (_x((3, 3), 8),)),
    ("bce", lambda p, t: F.binary_cross_entropy(p, t), lambda: (_x((2, 3), 9, 0.1, 0.9), _x((2, 3), 10, 0, 1))),
    ("bce_logits", lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=ag.tensor(
        [0.5, 2.0, 1.0], dtype=ag.float64)), lambda: (_x((2, 3), 11), _x((2, 3), 12, 0, 1))),
    ("kl", lambda x, t: F.kl_div(x, t, reduction="batchmean"), lambda: (_x((2, 3), 13), _x((2, 3), 14, 0.1, 1))),
    ("kl_log", lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True), lambda: (_x((2, 3), 15), _x((2, 3), 16))),
    ("cosine", lambda a, b: F.cosine_similarity(a, b), lambda: (_x((3, 4), 17), _x((3, 4), 18))),
    ("hinge", lambda x: F.hinge_embedding_loss(x, ag.tensor([1.0, -1.0, -1.0, 1.0], dtype=ag.float64), margin=5.0),
     lambda: (_x(4, 19),)),
    ("multi_margin", lambda x: F.multi_margin_loss(x, ag.tensor([0, 2]), p=2, margin=3.0),
     lambda: (_x((2, 3), 20),)),
]


@pytest.mark.parametrize("name,fn,make", GRADCHECKS, ids=[g[0] for g in GRADCHECKS])
def test_losses_gradcheck_and_gradgradcheck_in_float64(name, fn, make):
    inputs = make()
    assert ag.gradcheck(fn, inputs)
    if name not in ("l1", "hinge"):  # piecewise linear: second derivatives are zero, still checked to run
        assert ag.gradgradcheck(fn, inputs)


# ---------------------------------------------------------------------------- errors
def test_bad_reduction_and_shapes_fail_clearly():
    x, y = ag.zeros(2, 3), ag.zeros(2, 3)
    with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
        F.mse_loss(x, y, reduction="bogus")
    with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
        nn.CrossEntropyLoss(reduction="bogus")(x, ag.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"expected target of shape \(2,\)"):
        F.cross_entropy(x, ag.tensor([0, 1, 2]))
    with pytest.raises(IndexError, match="Target 3 is out of bounds for 3 classes"):
        F.cross_entropy(x, ag.tensor([0, 3]))
    with pytest.raises(IndexError, match="Target -2 is out of bounds"):
        F.nll_loss(x, ag.tensor([-2, 0]))
    with pytest.raises(TypeError, match="integer"):
        F.nll_loss(x, ag.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="class-probability targets must have the input's shape"):
        F.cross_entropy(x, ag.zeros(2, 4))
    with pytest.raises(RuntimeError, match=r"weight must be a 1-D tensor of one weight per class \(3,\)"):
        F.cross_entropy(x, ag.tensor([0, 1]), weight=ag.ones(4))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, ag.tensor([0, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="different to the input size"):
        F.binary_cross_entropy(ag.zeros(3), ag.zeros(3, 1))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(ag.tensor([1.5]), ag.tensor([1.0]))
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        F.multi_margin_loss(x, ag.tensor([0, 1]), p=3)
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        F.mse_loss(x, y, weight=ag.ones(3))
    with pytest.raises(TypeError, match="target must be a Tensor"):
        F.mse_loss(x, [[0.0]])


# ---------------------------------------------------------------------------- devices
def _all_losses(device):
    """(name, loss) for every loss on float64 inputs made on ``device``; the inputs require grad."""
    rng = _rng(50)

    def t(a, grad=True):
        return ag.tensor(a, device=device, requires_grad=grad and np.asarray(a).dtype.kind == "f")

    x, y = t(rng.standard_normal((4, 3))), t(rng.standard_normal((4, 3)))
    idx = t(np.array([0, 2, -100, 1]))
    w = t(np.array([0.5, 1.0, 2.0]), grad=False)
    probs = t(rng.dirichlet(np.ones(3), 4))
    sig = t(rng.uniform(0.1, 0.9, (4, 3)))
    pm = t(np.where(rng.random((4, 3)) > 0.5, 1.0, -1.0), grad=False)
    logp = F.log_softmax(x, 1)
    inputs = [x, y, probs, sig]
    losses = [
        ("mse", F.mse_loss(x, y)), ("l1", F.l1_loss(x, y, reduction="sum")), ("smooth_l1", F.smooth_l1_loss(x, y)),
        ("huber", F.huber_loss(x, y, delta=0.5)),
        ("ce", F.cross_entropy(x, idx, weight=w, label_smoothing=0.1)), ("ce_probs", F.cross_entropy(x, probs)),
        ("ce_nd", F.cross_entropy(x.reshape(2, 3, 2), t(np.array([[0, 1], [2, 2]])), reduction="none")),
        ("nll", F.nll_loss(logp, idx, weight=w)), ("bce", F.binary_cross_entropy(sig, probs)),
        ("bce_logits", F.binary_cross_entropy_with_logits(x, probs, pos_weight=w)),
        ("kl", F.kl_div(logp, probs, reduction="batchmean")), ("cos", F.cosine_similarity(x, y)),
        ("hinge", F.hinge_embedding_loss(x, pm)), ("margin", F.multi_margin_loss(x, t(np.array([0, 2, 1, 1])), p=2)),
        ("hellinger", F.hellinger_loss(probs, F.softmax(y, 1))), ("one_hot_mse", F.mse_loss(
            F.softmax(x, 1), F.one_hot(t(np.array([0, 2, 1, 1])), 3).to(ag.float64))),
    ]
    return losses, inputs


def _run_losses(device):
    losses, inputs = _all_losses(device)
    results = {}
    for name, loss in losses:
        for i in inputs:
            i.grad = None
        loss.sum().backward(retain_graph=True)  # the losses share log_softmax(x)
        results[name] = (loss, [i.grad for i in inputs])
    return results


def test_every_loss_runs_on_the_strict_device_and_matches_cpu():
    from tests.helpers.strict_backend import DEVICE

    cpu, strict = _run_losses("cpu"), _run_losses(DEVICE)
    for name, (loss, grads) in strict.items():
        assert str(loss.device) == DEVICE, name
        np.testing.assert_allclose(to_host(loss), to_host(cpu[name][0]), rtol=1e-12, atol=1e-14, err_msg=name)
        for g, gc in zip(grads, cpu[name][1]):
            assert (g is None) == (gc is None), name
            if g is not None:
                assert str(g.device) == DEVICE, name
                np.testing.assert_allclose(to_host(g), to_host(gc), rtol=1e-12, atol=1e-14, err_msg=name)


@pytest.mark.cuda
def test_every_loss_on_cuda_matches_cpu():
    from backends import DeviceError

    try:
        ag.get_device("cuda")
    except DeviceError as exc:
        pytest.skip(f"no usable GPU: {exc}")
    cpu, gpu = _run_losses("cpu"), _run_losses("cuda")
    for name, (loss, grads) in gpu.items():
        assert loss.is_cuda, name
        np.testing.assert_allclose(to_host(loss), to_host(cpu[name][0]), rtol=1e-10, atol=1e-12, err_msg=name)
        for g, gc in zip(grads, cpu[name][1]):
            if g is not None:
                np.testing.assert_allclose(to_host(g), to_host(gc), rtol=1e-10, atol=1e-12, err_msg=name)
