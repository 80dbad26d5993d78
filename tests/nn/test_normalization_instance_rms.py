"""InstanceNorm1d/2d/3d (F.instance_norm) and RMSNorm (F.rms_norm) against PyTorch: outputs, input
and parameter gradients, running statistics, train/eval, reprs; gradchecks without PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host

CASES = [
    ("InstanceNorm1d", dict(num_features=3), (2, 3, 6)),
    ("InstanceNorm1d", dict(num_features=3, affine=True), (3, 6)),  # unbatched
    ("InstanceNorm1d", dict(num_features=3, track_running_stats=True), (4, 3, 6)),
    ("InstanceNorm2d", dict(num_features=3), (2, 3, 4, 5)),
    ("InstanceNorm2d", dict(num_features=3, affine=True, track_running_stats=True, momentum=0.3), (2, 3, 4, 5)),
    ("InstanceNorm2d", dict(num_features=3, affine=True, bias=False), (2, 3, 4, 5)),
    ("InstanceNorm3d", dict(num_features=2, affine=True), (2, 2, 3, 3, 3)),
    ("RMSNorm", dict(normalized_shape=6), (4, 6)),
    ("RMSNorm", dict(normalized_shape=(2, 3), eps=1e-3), (4, 2, 3)),
    ("RMSNorm", dict(normalized_shape=6, elementwise_affine=False), (5, 6)),
]


@pytest.mark.parametrize("name,kw,shape", CASES, ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matches_torch(name, kw, shape, dtype):
    torch = pytest.importorskip("torch")
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == "float64" else {"rtol": 1e-4, "atol": 1e-5}
    theirs = getattr(torch.nn, name)(**kw).to(getattr(torch, dtype))
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(torch.linspace(-0.5, 0.5, p.numel(), dtype=p.dtype).reshape(p.shape))
    ours = getattr(nn, name)(**kw).to(getattr(ag, dtype))
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    for mode in ("train", "eval", "train"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        x = rng.standard_normal(shape).astype(dtype) * 2 + 0.5
        xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **tol)
        g = rng.standard_normal(shape).astype(dtype)
        yo.backward(ag.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **tol)
        for (k, po), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
            np.testing.assert_allclose(to_host(po.grad), pt.grad.numpy(), err_msg=k, **tol)
        for (k, bo), (_, bt) in zip(ours.named_buffers(), theirs.named_buffers()):
            np.testing.assert_allclose(to_host(bo), bt.numpy(), err_msg=k, **tol)
        ours.zero_grad()
        theirs.zero_grad()


def test_instance_norm_gradcheck_and_errors():
    x = ag.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)), requires_grad=True)
    w = ag.tensor([0.5, 1.0, 2.0], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda t, w: F.instance_norm(t, weight=w, bias=w * 0.1), (x, w))
    assert ag.gradgradcheck(lambda t: F.rms_norm(t, (4,), eps=1e-6), (x,))
    y = to_host(F.instance_norm(x))
    np.testing.assert_allclose(y.mean(-1), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(ag.zeros(2, 3, 1))
    with pytest.raises(RuntimeError, match="running_mean and running_var"):
        F.instance_norm(ag.zeros(2, 3, 4), use_input_stats=False)
    with pytest.raises(ValueError, match="expected 3D or 4D"):
        nn.InstanceNorm2d(3)(ag.zeros(3, 4))
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.rms_norm(ag.zeros(2, 3), (4,))
