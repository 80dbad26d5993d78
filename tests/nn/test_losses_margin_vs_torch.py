"""pairwise_distance and the margin/embedding losses (margin_ranking, cosine_embedding,
triplet_margin, soft_margin, multilabel_soft_margin) and their modules against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host

rng = np.random.default_rng(0)
X1, X2, X3 = rng.standard_normal((3, 5, 4))
Y = np.array([1.0, -1.0, 1.0, -1.0, -1.0])

CASES = [
    ("pairwise_distance", [X1, X2], {}, 2),
    ("pairwise_distance", [X1, X2], dict(p=1.0, keepdim=True), 2),
    ("pairwise_distance", [X1[0], X2[0]], {}, 2),
    ("pairwise_distance", [X1, X2[:1]], dict(p=3), 2),
    ("margin_ranking_loss", [X1[:, 0], X2[:, 0], Y], dict(margin=0.3), 2),
    ("margin_ranking_loss", [X1[:, 0], X2[:, 0], Y], dict(reduction="none"), 2),
    ("cosine_embedding_loss", [X1, X2, Y], dict(margin=0.2), 2),
    ("cosine_embedding_loss", [X1[0], X2[0], np.array(-1.0)], dict(reduction="sum"), 2),
    ("cosine_embedding_loss", [X1, X2, Y], dict(reduction="none"), 2),
    ("triplet_margin_loss", [X1, X2, X3], {}, 3),
    ("triplet_margin_loss", [X1, X2, X3], dict(swap=True, p=1, margin=2.0, reduction="none"), 3),
    ("soft_margin_loss", [X1, np.sign(X2)], {}, 1),
    ("soft_margin_loss", [X1, np.sign(X2)], dict(reduction="sum"), 1),
    ("multilabel_soft_margin_loss", [X1, (X2 > 0) * 1.0], {}, 1),
    ("multilabel_soft_margin_loss", [X1, (X2 > 0) * 1.0], dict(reduction="none", weight=np.arange(1.0, 5.0)), 1),
]


@pytest.mark.parametrize("name,arrays,kw,n_diff", CASES, ids=str)
def test_functional_matches_torch(name, arrays, kw, n_diff):
    torch = pytest.importorskip("torch")
    ours = [ag.tensor(a, requires_grad=i < n_diff) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i < n_diff) for i, a in enumerate(arrays)]
    kwo = {k: ag.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    kwt = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    yo, yt = getattr(F, name)(*ours, **kwo), getattr(torch.nn.functional, name)(*theirs, **kwt)
    assert yo.shape == tuple(yt.shape)
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = np.linspace(0.5, 1.5, yt.numel()).reshape(tuple(yt.shape))
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    for i in range(n_diff):
        np.testing.assert_allclose(to_host(ours[i].grad), theirs[i].grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,args,inputs", [
    ("PairwiseDistance", (), [X1, X2]),
    ("MarginRankingLoss", (0.5,), [X1[:, 0], X2[:, 0], Y]),
    ("CosineEmbeddingLoss", (0.1,), [X1, X2, Y]),
    ("TripletMarginLoss", (1.0, 2.0), [X1, X2, X3]),
    ("SoftMarginLoss", (), [X1, np.sign(X2)]),
    ("MultiLabelSoftMarginLoss", (), [X1, (X2 > 0) * 1.0]),
], ids=str)
def test_modules_match_torch(name, args, inputs):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    yo = ours(*[ag.tensor(a) for a in inputs])
    yt = theirs(*[torch.tensor(a) for a in inputs])
    np.testing.assert_allclose(to_host(yo), yt.numpy(), rtol=1e-12)


def test_margin_losses_gradcheck_and_errors():
    a, p, n = (ag.tensor(x, requires_grad=True) for x in (X1, X2, X3))
    assert ag.gradcheck(lambda a, p, n: F.triplet_margin_loss(a, p, n, swap=True), (a, p, n))
    assert ag.gradcheck(lambda a, p: F.cosine_embedding_loss(a, p, ag.tensor(Y), margin=-1.0), (a, p))
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_loss(a, p, n, margin=0.0)
    with pytest.raises(ValueError, match="expected margin to be greater than 0"):
        nn.TripletMarginLoss(margin=-1.0)
    with pytest.raises(RuntimeError, match="same number of dims"):
        F.margin_ranking_loss(a, p, ag.tensor(Y))
    with pytest.raises(RuntimeError, match="cosine_embedding_loss"):
        F.cosine_embedding_loss(a, p[:2], ag.tensor(Y))
