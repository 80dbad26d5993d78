"""poisson_nll_loss, gaussian_nll_loss, multilabel_margin_loss, triplet_margin_with_distance_loss, pdist
and their modules against PyTorch in float64: values, gradients of every differentiable input, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT

rng = np.random.default_rng(0)
X, Y, Z = rng.standard_normal((3, 4, 5))
COUNTS = rng.poisson(2.0, size=(4, 5)).astype(np.float64)  # zeros, ones and larger counts
RATES = np.abs(X) + 0.2
VAR = np.abs(Z) + 0.05
VAR[0, 0] = 1e-9  # below eps: clamped for the value, gradient passed straight through (PyTorch)
ML_TARGET = np.array([[3, 0, -1, 1, 2], [1, -1, 4, 4, 4], [2, 2, 0, -1, -1], [-1, 0, 1, 2, 3]])


def _run(torch, name, arrays, n_diff, kw, module=None, module_kw=None):
    ours = [ag.tensor(a, requires_grad=i < n_diff) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i < n_diff) for i, a in enumerate(arrays)]
    if module is None:
        yo, yt = getattr(F, name)(*ours, **kw), getattr(torch.nn.functional, name)(*theirs, **kw)
    else:
        mo, mt = getattr(nn, module)(**module_kw), getattr(torch.nn, module)(**module_kw)
        assert repr(mo) == repr(mt)
        yo, yt = mo(*ours), mt(*theirs)
    assert yo.shape == tuple(yt.shape)
    np.testing.assert_allclose(to_host(yo.detach()), yt.detach().numpy(), rtol=1e-10, atol=1e-13)
    g = np.linspace(0.5, 1.5, yt.numel()).reshape(tuple(yt.shape))
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    for i in range(n_diff):
        np.testing.assert_allclose(to_host(ours[i].grad), theirs[i].grad.numpy(), rtol=1e-10, atol=1e-13,
                                   err_msg=f"gradient of argument {i}")


CASES = [
    ("poisson_nll_loss", [X, COUNTS], 1, {}),
    ("poisson_nll_loss", [X, COUNTS], 1, dict(full=True, reduction="none")),
    ("poisson_nll_loss", [RATES, COUNTS], 1, dict(log_input=False, reduction="sum")),
    ("poisson_nll_loss", [RATES, COUNTS], 1, dict(log_input=False, full=True, eps=1e-3)),
    ("poisson_nll_loss", [X, COUNTS[:, :1]], 1, {}),  # target broadcast
    ("gaussian_nll_loss", [X, Y, VAR], 3, {}),
    ("gaussian_nll_loss", [X, Y, VAR], 3, dict(full=True, reduction="none")),
    ("gaussian_nll_loss", [X, Y, VAR[:, 0]], 3, dict(reduction="sum")),  # one variance per sample
    ("gaussian_nll_loss", [X, Y, VAR[:, :1]], 3, dict(eps=0.1)),  # a size-1 dim, broadcast
    ("multilabel_margin_loss", [X, ML_TARGET[:, :5]], 1, {}),
    ("multilabel_margin_loss", [X, ML_TARGET[:, :5]], 1, dict(reduction="none")),
    ("multilabel_margin_loss", [X[0], ML_TARGET[1]], 1, dict(reduction="sum")),
    ("triplet_margin_with_distance_loss", [X, Y, Z], 3, {}),
    ("triplet_margin_with_distance_loss", [X, Y, Z], 3, dict(swap=True, margin=2.0, reduction="none")),
    ("pdist", [X], 1, {}),
    ("pdist", [X], 1, dict(p=1.0)),
    ("pdist", [X], 1, dict(p=3.5)),
]


@pytest.mark.parametrize("name,arrays,n_diff,kw", CASES, ids=str)
def test_functional_matches_torch(name, arrays, n_diff, kw):
    _run(pytest.importorskip("torch"), name, arrays, n_diff, kw)


def test_gaussian_nll_with_a_float_variance_matches_torch():
    torch = pytest.importorskip("torch")
    xo, xt = ag.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    yo, yt = F.gaussian_nll_loss(xo, ag.tensor(Y), 0.5), torch.nn.functional.gaussian_nll_loss(xt, torch.tensor(Y), 0.5)
    np.testing.assert_allclose(yo.item(), yt.item(), rtol=1e-12)
    yo.backward()
    yt.backward()
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), rtol=1e-12)


def test_triplet_with_a_custom_distance_matches_torch():
    torch = pytest.importorskip("torch")
    kw = dict(margin=1.5, swap=True)
    ours = [ag.tensor(a, requires_grad=True) for a in (X, Y, Z)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (X, Y, Z)]
    yo = nn.TripletMarginWithDistanceLoss(distance_function=lambda a, b: 1.0 - F.cosine_similarity(a, b), **kw)(*ours)
    yt = torch.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda a, b: 1.0 - torch.nn.functional.cosine_similarity(a, b), **kw)(*theirs)
    np.testing.assert_allclose(yo.item(), yt.item(), rtol=1e-12)
    yo.backward()
    yt.backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(to_host(o.grad), t.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("module,arrays,n_diff,module_kw", [
    ("PoissonNLLLoss", [X, COUNTS], 1, dict(full=True)),
    ("PoissonNLLLoss", [RATES, COUNTS], 1, dict(log_input=False, reduction="none")),
    ("GaussianNLLLoss", [X, Y, VAR], 3, dict(full=True, eps=1e-3)),
    ("MultiLabelMarginLoss", [X, ML_TARGET[:, :5]], 1, dict(reduction="sum")),
    ("TripletMarginWithDistanceLoss", [X, Y, Z], 3, dict(margin=0.5)),
], ids=str)
def test_modules_match_torch(module, arrays, n_diff, module_kw):
    torch = pytest.importorskip("torch")
    _run(torch, None, arrays, n_diff, {}, module=module, module_kw=module_kw)
    assert list(getattr(nn, module)(**module_kw).state_dict()) == []


def test_gradcheck():
    x = ag.tensor(X[:2, :3], requires_grad=True)
    y = ag.tensor(Y[:2, :3], requires_grad=True)
    v = ag.tensor(VAR[1:3, :3], requires_grad=True)
    assert ag.gradcheck(lambda a: F.poisson_nll_loss(a, ag.tensor(COUNTS[:2, :3]), full=True), (x,))
    assert ag.gradcheck(lambda a, b, c: F.gaussian_nll_loss(a, b, c, full=True), (x, y, v))
    assert ag.gradcheck(lambda a: F.multilabel_margin_loss(a, ag.tensor([[2, 0, -1], [1, -1, 2]])), (x,))
    assert ag.gradcheck(lambda a, b, c: F.triplet_margin_with_distance_loss(a, b, c, swap=True),
                        (x, y, ag.tensor(Z[:2, :3], requires_grad=True)))


def test_errors_match_torch():
    x, t = ag.tensor(X), ag.tensor(ML_TARGET[:, :5])
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(x, x, -ag.ones(4, 5))
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(x, x, -1.0)
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(x, x, ag.ones(4, 4))
    with pytest.raises(ValueError, match="bad is not valid"):
        F.gaussian_nll_loss(x, x, 1.0, reduction="bad")
    with pytest.raises(ValueError, match="bad is not a valid value for reduction"):
        F.poisson_nll_loss(x, x, reduction="bad")
    with pytest.raises(RuntimeError, match="inconsistent target size: \\[4, 3\\] for input of size: \\[4, 5\\]"):
        F.multilabel_margin_loss(x, t[:, :3])
    with pytest.raises(RuntimeError, match="target values must be in \\[-1, 4\\], got 5"):
        F.multilabel_margin_loss(x, t + 1)
    with pytest.raises(RuntimeError, match="Long"):
        F.multilabel_margin_loss(x, t.to(ag.float64))
    with pytest.raises(RuntimeError, match="Expected non-empty vector or matrix"):
        F.multilabel_margin_loss(x.reshape(4, 5, 1), t.reshape(4, 5, 1))
    with pytest.raises(ValueError, match="margin must be greater than 0, got 0"):
        F.triplet_margin_with_distance_loss(x, x, x, margin=0)
    with pytest.raises(ValueError, match="expected margin to be greater than 0, got -1 instead"):
        nn.TripletMarginWithDistanceLoss(margin=-1)
    with pytest.raises(RuntimeError, match="same number of dimensions, but got: anchor 2D, positive 1D"):
        F.triplet_margin_with_distance_loss(x, x[0], x)
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 3D"):
        F.pdist(x.reshape(2, 2, 5))


def test_losses_on_the_strict_device():
    x = ag.tensor(X, device=STRICT, requires_grad=True)
    y, v = ag.tensor(Y, device=STRICT), ag.tensor(VAR, device=STRICT)
    total = (F.poisson_nll_loss(x, ag.tensor(COUNTS, device=STRICT), full=True) + F.gaussian_nll_loss(x, y, v)
             + F.multilabel_margin_loss(x, ag.tensor(ML_TARGET[:, :5], device=STRICT))
             + F.triplet_margin_with_distance_loss(x, y, v))
    total.backward()
    assert str(x.grad.device) == STRICT
