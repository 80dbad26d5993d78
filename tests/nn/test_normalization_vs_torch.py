"""BatchNorm/LayerNorm/GroupNorm against PyTorch (float64): several training steps (outputs, input and
parameter gradients, running statistics and num_batches_tracked), then eval mode; reprs and state_dicts."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOL = {"rtol": 1e-10, "atol": 1e-11}


def run_steps(ours, theirs, shape, train_steps=3, eval_steps=1, seed=0):
    """Train-mode steps then eval-mode steps on fresh inputs; compare everything after each."""
    rng = np.random.default_rng(seed)
    theirs = theirs.double()
    ours.double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    for step in range(train_steps + eval_steps):
        training = step < train_steps
        ours.train(training)
        theirs.train(training)
        x = rng.standard_normal(shape) * 3 + 1.5
        xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **TOL)
        g = rng.standard_normal(shape)
        yo.backward(ag.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **TOL)
        for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            np.testing.assert_allclose(to_host(p.grad), q.grad.numpy(), err_msg=name, **TOL)
            p.grad, q.grad = None, None
        theirs_state = theirs.state_dict()
        assert list(ours.state_dict()) == list(theirs_state)
        for k, v in ours.state_dict().items():
            assert to_host(v).dtype == theirs_state[k].numpy().dtype, k
            np.testing.assert_allclose(to_host(v), theirs_state[k].numpy(), err_msg=k, **TOL)


BN_OPTIONS = [
    dict(),
    dict(momentum=0.3, eps=1e-3),
    dict(momentum=None),  # cumulative moving average
    dict(affine=False),
    dict(bias=False),
    dict(track_running_stats=False),
]


@pytest.mark.parametrize("kw", BN_OPTIONS, ids=str)
@pytest.mark.parametrize("shape", [(8, 4), (5, 4, 6)], ids=str)
def test_batchnorm1d_matches_torch(kw, shape):
    run_steps(nn.BatchNorm1d(4, **kw), torch.nn.BatchNorm1d(4, **kw), shape)


@pytest.mark.parametrize("kw", BN_OPTIONS, ids=str)
def test_batchnorm2d_matches_torch(kw):
    run_steps(nn.BatchNorm2d(3, **kw), torch.nn.BatchNorm2d(3, **kw), (4, 3, 5, 4))


def test_batchnorm3d_matches_torch():
    run_steps(nn.BatchNorm3d(2), torch.nn.BatchNorm3d(2), (3, 2, 3, 4, 2))


def test_batchnorm_eval_without_training_uses_initial_running_stats():
    run_steps(nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3), (2, 3, 4, 4), train_steps=0, eval_steps=2)


@pytest.mark.parametrize(
    "shape,kw",
    [
        ((4, 10), dict()),
        ((3, 4, 5, 6), dict()),
        ((2, 7, 5), dict(eps=1e-2)),
        ((3, 6), dict(elementwise_affine=False)),
        ((3, 6), dict(bias=False)),
    ],
    ids=str,
)
def test_layernorm_matches_torch(shape, kw):
    normalized = shape[-1] if len(shape) != 4 else shape[-2:]
    run_steps(nn.LayerNorm(normalized, **kw), torch.nn.LayerNorm(normalized, **kw), shape)


@pytest.mark.parametrize(
    "groups,channels,shape,kw",
    [
        (2, 6, (3, 6, 4, 4), dict()),
        (1, 4, (2, 4, 5), dict()),
        (4, 4, (2, 4, 3, 2), dict(eps=1e-3)),
        (3, 6, (2, 6), dict(affine=False)),
        (3, 6, (2, 6, 3), dict(bias=False)),
    ],
    ids=str,
)
def test_groupnorm_matches_torch(groups, channels, shape, kw):
    run_steps(nn.GroupNorm(groups, channels, **kw), torch.nn.GroupNorm(groups, channels, **kw), shape)


def test_functional_forms_match_torch():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((6, 3, 4)), rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = rng.standard_normal(3), rng.random(3) + 0.5
    ours_rm, ours_rv = ag.tensor(rm), ag.tensor(rv)
    theirs_rm, theirs_rv = torch.tensor(rm), torch.tensor(rv)
    for training in (True, False):
        ours = F.batch_norm(ag.tensor(x), ours_rm, ours_rv, ag.tensor(w), ag.tensor(b), training, 0.2, 1e-4)
        theirs = TF.batch_norm(
            torch.tensor(x), theirs_rm, theirs_rv, torch.tensor(w), torch.tensor(b), training, 0.2, 1e-4
        )
        np.testing.assert_allclose(to_host(ours), theirs.numpy(), **TOL)
        np.testing.assert_allclose(to_host(ours_rm), theirs_rm.numpy(), **TOL)
        np.testing.assert_allclose(to_host(ours_rv), theirs_rv.numpy(), **TOL)
    np.testing.assert_allclose(
        to_host(F.layer_norm(ag.tensor(x), (3, 4), ag.tensor(np.ones((3, 4))), None, 1e-3)),
        TF.layer_norm(torch.tensor(x), (3, 4), torch.ones(3, 4, dtype=torch.float64), None, 1e-3).numpy(),
        **TOL,
    )
    np.testing.assert_allclose(
        to_host(F.group_norm(ag.tensor(x), 3, ag.tensor(w), ag.tensor(b))),
        TF.group_norm(torch.tensor(x), 3, torch.tensor(w), torch.tensor(b)).numpy(),
        **TOL,
    )


def test_float32_training_running_stats_match_torch():
    ours, theirs = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    x = np.random.default_rng(0).standard_normal((4, 3, 5, 5)).astype(np.float32) * 2 + 1
    for _ in range(3):
        ours(ag.tensor(x))
        theirs(torch.tensor(x))
    assert ours.running_mean.dtype == np.float32 and ours.num_batches_tracked.dtype == np.int64
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(to_host(v), theirs.state_dict()[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.BatchNorm1d(4),
        lambda m: m.BatchNorm2d(3, eps=1e-3, momentum=None, affine=False),
        lambda m: m.BatchNorm2d(3, track_running_stats=False, bias=False),
        lambda m: m.LayerNorm((3, 4), elementwise_affine=False),
        lambda m: m.LayerNorm(5, bias=False),
        lambda m: m.GroupNorm(2, 4, affine=False),
        lambda m: m.GroupNorm(2, 4, bias=False),
    ],
)
def test_repr_and_state_dict_layout_match_torch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(to_host(v), theirs.state_dict()[k].numpy())


# ---------------------------------------------------------------------------- F.normalize
@pytest.mark.parametrize(
    "shape,kw",
    [((4, 3), {}), ((2, 3, 4), {"dim": 0}), ((2, 3, 4), {"p": 1.0, "dim": -1}), ((5,), {"dim": 0, "p": 3.0}),
     ((2, 3, 4), {"dim": (1, 2)}), ((3, 4), {"p": float("inf")}), ((3, 4), {"eps": 0.5})],
    ids=["default", "dim0", "p1", "p3_1d", "dims_tuple", "p_inf", "large_eps"],
)
def test_normalize_matches_torch(shape, kw):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = F.normalize(xo, **kw), TF.normalize(xt, **kw)
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **TOL)
    g = rng.standard_normal(shape)
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **TOL)


def test_normalize_of_zero_and_tiny_vectors_matches_torch():
    x = np.array([[0.0, 0.0, 0.0], [1e-14, -2e-14, 0.0], [1.0, -2.0, 2.0]])
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = F.normalize(xo), TF.normalize(xt)
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **TOL)
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **TOL)
