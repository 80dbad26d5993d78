"""nn.utils.fuse_conv_bn_eval / fuse_linear_bn_eval and their *_weights forms: the fused parameters match
torch.nn.utils.fusion's on the same weights, and the fused layer computes bn(layer(x)) in eval mode."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT

rng = np.random.default_rng(0)


def _randomise(torch, module) -> None:
    """Random parameters and running statistics (variances positive)."""
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            values = rng.standard_normal(tuple(t.shape))
            t.copy_(torch.tensor(np.abs(values) + 0.1 if name.endswith("running_var") else values))


def _ours(torch_module, ours):
    ours.load_state_dict({k: v.numpy() for k, v in torch_module.state_dict().items()})
    return ours.eval()


# (our conv, torch's name, args, kwargs, input shape, transpose)
CONVS = [
    (nn.Conv1d, "Conv1d", (3, 4, 3), {}, (2, 3, 8), False),
    (nn.Conv2d, "Conv2d", (3, 4, 3), {"bias": False}, (2, 3, 6, 6), False),
    (nn.Conv2d, "Conv2d", (4, 6, 3), {"groups": 2, "padding": 1}, (2, 4, 5, 5), False),
    (nn.Conv3d, "Conv3d", (2, 3, 2), {}, (1, 2, 4, 4, 4), False),
    (nn.ConvTranspose2d, "ConvTranspose2d", (3, 4, 3), {"stride": 2}, (2, 3, 4, 4), True),
    (nn.ConvTranspose1d, "ConvTranspose1d", (3, 5, 2), {"bias": False}, (2, 3, 6), True),
]
BNS = {1: (nn.BatchNorm1d, "BatchNorm1d"), 2: (nn.BatchNorm2d, "BatchNorm2d"), 3: (nn.BatchNorm3d, "BatchNorm3d")}


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("cls, torch_name, args, kwargs, x_shape, transpose", CONVS)
def test_fuse_conv_bn_eval_matches_torch(cls, torch_name, args, kwargs, x_shape, transpose, affine):
    torch = pytest.importorskip("torch")
    from torch.nn.utils import fusion as tfusion

    tconv = getattr(torch.nn, torch_name)(*args, **kwargs).double().eval()
    bn_cls, bn_name = BNS[len(x_shape) - 2]
    tbn = getattr(torch.nn, bn_name)(args[1], affine=affine, eps=1e-3).double().eval()
    _randomise(torch, tconv)
    _randomise(torch, tbn)
    conv = _ours(tconv, cls(*args, **kwargs).double())
    bn = _ours(tbn, bn_cls(args[1], affine=affine, eps=1e-3).double())
    before = {k: to_host(v) for k, v in conv.state_dict().items()}

    fused = nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    tfused = tfusion.fuse_conv_bn_eval(tconv, tbn, transpose=transpose)
    assert type(fused) is cls and fused is not conv
    for name in ("weight", "bias"):
        p, tp = getattr(fused, name), getattr(tfused, name)
        assert isinstance(p, nn.Parameter) and p.dtype == ag.float64
        assert p.requires_grad == tp.requires_grad  # a bias made from nothing does not require grad
        np.testing.assert_allclose(to_host(p), tp.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    for k, v in conv.state_dict().items():  # the original is untouched
        np.testing.assert_array_equal(to_host(v), before[k])

    x = ag.tensor(rng.standard_normal(x_shape))
    np.testing.assert_allclose(to_host(fused(x)), to_host(bn(conv(x))), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_host(fused(x)), tfused(torch.tensor(to_host(x))).detach().numpy(),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("num_features", [5, 1])
@pytest.mark.parametrize("bias", [True, False])
def test_fuse_linear_bn_eval_matches_torch(num_features, bias):
    torch = pytest.importorskip("torch")
    from torch.nn.utils import fusion as tfusion

    tlin = torch.nn.Linear(3, 5, bias=bias).double().eval()
    tbn = torch.nn.BatchNorm1d(num_features).double().eval()
    _randomise(torch, tlin)
    _randomise(torch, tbn)
    lin = _ours(tlin, nn.Linear(3, 5, bias=bias).double())
    bn = _ours(tbn, nn.BatchNorm1d(num_features).double())
    fused = nn.utils.fuse_linear_bn_eval(lin, bn)
    tfused = tfusion.fuse_linear_bn_eval(tlin, tbn)
    for name in ("weight", "bias"):
        p, tp = getattr(fused, name), getattr(tfused, name)
        assert p.requires_grad == tp.requires_grad
        # (PyTorch's bias made from nothing for a one-feature batch norm has one entry, ours 5 equal ones)
        np.testing.assert_allclose(to_host(p), np.broadcast_to(tp.detach().numpy(), tuple(p.shape)), rtol=1e-10,
                                   atol=1e-12, err_msg=name)
    assert fused.bias.shape == (5,)
    x = rng.standard_normal((4, 3))
    np.testing.assert_allclose(to_host(fused(ag.tensor(x))), tfused(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)
    if num_features == 5:  # (a 1-feature batch norm takes (N, 1) inputs, so only the fused form applies)
        np.testing.assert_allclose(to_host(fused(ag.tensor(x))), to_host(bn(lin(ag.tensor(x)))), rtol=1e-10,
                                   atol=1e-12)


def test_fuse_weights_keep_the_layer_dtypes_and_match_torch():
    torch = pytest.importorskip("torch")
    from torch.nn.utils import fusion as tfusion

    w32 = rng.standard_normal((4, 2, 3)).astype(np.float32)
    b16 = rng.standard_normal(4).astype(np.float64)
    stats = [rng.standard_normal(4), np.abs(rng.standard_normal(4)) + 0.5, 1e-5, rng.standard_normal(4),
             rng.standard_normal(4)]
    ours = nn.utils.fuse_conv_bn_weights(ag.tensor(w32, requires_grad=True), ag.tensor(b16),
                                         *[ag.tensor(s) if isinstance(s, np.ndarray) else s for s in stats])
    theirs = tfusion.fuse_conv_bn_weights(torch.tensor(w32, requires_grad=True), torch.tensor(b16),
                                          *[torch.tensor(s) if isinstance(s, np.ndarray) else s for s in stats])
    for o, t in zip(ours, theirs):
        assert str(t.dtype) == f"torch.{o.dtype}" and o.requires_grad == t.requires_grad and o.is_leaf
        np.testing.assert_allclose(to_host(o), t.detach().numpy(), rtol=1e-6)
    lw = rng.standard_normal((4, 3))
    ours = nn.utils.fuse_linear_bn_weights(ag.tensor(lw), None, *[ag.tensor(s) if isinstance(s, np.ndarray) else s
                                                                    for s in stats])
    theirs = tfusion.fuse_linear_bn_weights(torch.tensor(lw), None,
                                            *[torch.tensor(s) if isinstance(s, np.ndarray) else s for s in stats])
    for o, t in zip(ours, theirs):
        assert str(t.dtype) == f"torch.{o.dtype}" and o.requires_grad == t.requires_grad
        np.testing.assert_allclose(to_host(o), t.detach().numpy(), rtol=1e-10)


def test_linear_with_a_non_affine_batch_norm_fuses():
    # PyTorch's fuse_linear_bn_weights fails on ``None`` batch norm weights; here they count as 1 and 0.
    lin, bn = nn.Linear(3, 4).double().eval(), nn.BatchNorm1d(4, affine=False).double().eval()
    with ag.no_grad():
        bn.running_mean.copy_(ag.tensor(rng.standard_normal(4)))
        bn.running_var.copy_(ag.tensor(np.abs(rng.standard_normal(4)) + 0.1))
    x = ag.tensor(rng.standard_normal((5, 3)))
    np.testing.assert_allclose(to_host(nn.utils.fuse_linear_bn_eval(lin, bn)(x)), to_host(bn(lin(x))), rtol=1e-10)


def test_fusion_on_the_strict_device():
    conv, bn = nn.Conv2d(2, 3, 3).to(STRICT).eval(), nn.BatchNorm2d(3).to(STRICT).eval()
    with ag.no_grad():
        bn.running_var.fill_(2.0)
        bn.running_mean.fill_(0.5)
    fused = nn.utils.fuse_conv_bn_eval(conv, bn)
    assert str(fused.weight.device) == str(fused.bias.device) == STRICT
    x = ag.ones(1, 2, 4, 4, device=STRICT)
    np.testing.assert_allclose(to_host(fused(x)), to_host(bn(conv(x))), rtol=1e-5, atol=1e-6)
    lin, bn1 = nn.Linear(2, 3).to(STRICT).eval(), nn.BatchNorm1d(3).to(STRICT).eval()
    assert str(nn.utils.fuse_linear_bn_eval(lin, bn1).weight.device) == STRICT


def test_fusion_errors_match_torch():
    torch = pytest.importorskip("torch")
    from torch.nn.utils import fusion as tfusion

    cases = [
        (lambda m: (m.Conv2d(2, 3, 1), m.BatchNorm2d(3).eval()), {}, "Fusion only for eval"),
        (lambda m: (m.Conv2d(2, 3, 1).eval(), m.BatchNorm2d(3)), {}, "Fusion only for eval"),
        (lambda m: (m.Conv2d(2, 3, 1).eval(), m.BatchNorm2d(3, track_running_stats=False).eval()), {},
         "running_mean and bn.running_var must not be None"),
        (lambda m: (m.Conv2d(2, 3, 1).eval(), m.BatchNorm2d(4).eval()), {}, "the batch norm has 4 channels"),
        (lambda m: (m.ConvTranspose2d(2, 3, 1).eval(), m.BatchNorm2d(3).eval()), {}, "pass transpose=True"),
    ]
    for make, kwargs, match in cases:
        tconv, tbn = make(torch.nn)
        with pytest.raises(Exception) as expected:
            tfusion.fuse_conv_bn_eval(tconv, tbn, **kwargs)
        conv, bn = make(nn)
        with pytest.raises(expected.type, match=match):
            nn.utils.fuse_conv_bn_eval(conv, bn, **kwargs)
    with pytest.raises(AssertionError, match="linear.out_features == bn.num_features or bn.num_features == 1"):
        nn.utils.fuse_linear_bn_eval(nn.Linear(2, 3).eval(), nn.BatchNorm1d(2).eval())
    with pytest.raises(AssertionError, match="linear.out_features == bn.num_features or bn.num_features == 1"):
        tfusion.fuse_linear_bn_eval(torch.nn.Linear(2, 3).eval(), torch.nn.BatchNorm1d(2).eval())
