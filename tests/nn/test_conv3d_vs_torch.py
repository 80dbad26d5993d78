"""Conv3d / ConvTranspose3d and their functional forms against PyTorch (float64: outputs and the input,
weight and bias gradients, weights loaded from PyTorch's state_dict), gradcheck, reprs, errors, and the
strict device."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOL = {"rtol": 1e-10, "atol": 1e-11}


def _input(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def check_module(ours, theirs, x, seed=0, **call):
    """Forward + backward of both modules on ``x`` (float64); compare output, x.grad and every param grad."""
    theirs = theirs.double()
    theirs.zero_grad(set_to_none=True)
    ours.double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo, **call), theirs(xt, **call)
    assert yo.shape == tuple(yt.shape)
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **TOL)
    g = np.random.default_rng(seed + 100).standard_normal(yo.shape)
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **TOL)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(to_host(p.grad), q.grad.numpy(), err_msg=name, **TOL)


CONV3D = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(1, 2, 3), padding=(0, 1, 2)),
    dict(padding="same"),
    dict(padding="same", dilation=(2, 1, 2)),
    dict(padding="valid", dilation=2),
    dict(groups=2, stride=(2, 1, 1), padding=1, dilation=(1, 2, 1)),
    dict(groups=4, padding=1),  # depthwise
    dict(bias=False, stride=3),
    dict(padding=(1, 2, 1), padding_mode="reflect"),
    dict(padding=1, padding_mode="replicate"),
    dict(padding="same", padding_mode="circular"),
]


@pytest.mark.parametrize("kw", CONV3D, ids=str)
@pytest.mark.parametrize("kernel", [3, (2, 3, 1)], ids=str)
def test_conv3d_matches_torch(kw, kernel):
    out = 4 if kw.get("groups", 1) == 4 else 6
    torch.manual_seed(0)
    theirs = torch.nn.Conv3d(4, out, kernel, **kw)
    check_module(nn.Conv3d(4, out, kernel, **kw), theirs, _input(2, 4, 5, 7, 6))


def test_conv3d_unbatched_and_the_rows_layout_match_torch():
    theirs = torch.nn.Conv3d(3, 5, 3, padding=1)
    check_module(nn.Conv3d(3, 5, 3, padding=1), theirs, _input(3, 4, 5, 4))  # unbatched
    # 1 output position per sample (< 2 * out_channels): the windows-as-rows GEMM
    theirs = torch.nn.Conv3d(2, 8, (2, 3, 3))
    check_module(nn.Conv3d(2, 8, (2, 3, 3)), theirs, _input(3, 2, 2, 3, 3))


CONVT3D = [
    dict(),
    dict(stride=2),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(3, 2, 1), padding=(2, 0, 1), output_padding=(2, 1, 0)),
    dict(dilation=2, padding=1),
    dict(stride=2, dilation=3, output_padding=2),  # output_padding < dilation, >= stride
    dict(groups=2, stride=2, padding=1),
    dict(groups=4, bias=False),
]


@pytest.mark.parametrize("kw", CONVT3D, ids=str)
@pytest.mark.parametrize("kernel", [3, (2, 1, 3)], ids=str)
def test_conv_transpose3d_matches_torch(kw, kernel):
    out = 4 if kw.get("groups", 1) == 4 else 6
    theirs = torch.nn.ConvTranspose3d(4, out, kernel, **kw)
    ours = nn.ConvTranspose3d(4, out, kernel, **kw)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    check_module(ours, theirs, _input(2, 4, 3, 4, 3))


def test_conv_transpose3d_output_size_and_unbatched_input():
    theirs = torch.nn.ConvTranspose3d(3, 2, 3, stride=2, padding=1)
    ours = nn.ConvTranspose3d(3, 2, 3, stride=2, padding=1)
    check_module(ours, theirs, _input(1, 3, 3, 4, 4), output_size=(6, 8, 7))
    check_module(nn.ConvTranspose3d(3, 2, 3, stride=2, padding=1), theirs, _input(3, 3, 4, 4))


def test_functional_forms_match_torch():
    x, w, b = _input(2, 4, 5, 6, 5), _input(6, 2, 3, 2, 3, seed=1), _input(6, seed=2)
    ours = F.conv3d(ag.tensor(x), ag.tensor(w), ag.tensor(b), stride=(2, 1, 2), padding=(1, 0, 1), dilation=1, groups=2)
    theirs = TF.conv3d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride=(2, 1, 2), padding=(1, 0, 1), groups=2)
    np.testing.assert_allclose(to_host(ours), theirs.numpy(), **TOL)
    wt = _input(4, 3, 3, 3, 2, seed=3)
    ours = F.conv_transpose3d(ag.tensor(x), ag.tensor(wt), None, 2, 1, 1, 1, (1, 2, 1))
    theirs = TF.conv_transpose3d(torch.tensor(x), torch.tensor(wt), None, 2, 1, 1, 1, (1, 2, 1))
    np.testing.assert_allclose(to_host(ours), theirs.numpy(), **TOL)


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1, groups=2), ((1, 2, 3, 4, 3), (4, 1, 2, 2, 2), (4,))),
        (lambda x, w, b: F.conv_transpose3d(x, w, b, stride=2, output_padding=1, dilation=(1, 1, 2)),
         ((1, 2, 2, 2, 2), (2, 2, 2, 1, 2), (2,))),
    ],
    ids=["conv3d", "conv_transpose3d"],
)
def test_gradcheck_and_gradgradcheck(fn, shapes):
    rng = np.random.default_rng(0)
    args = tuple(ag.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    assert ag.gradcheck(fn, args)
    assert ag.gradgradcheck(fn, args, fast_mode=True)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.Conv3d(3, 8, 3, stride=2, padding=1, bias=False),
        lambda m: m.Conv3d(4, 8, (1, 3, 2), padding="same", dilation=2, groups=2, padding_mode="reflect"),
        lambda m: m.ConvTranspose3d(4, 2, 3, stride=2, output_padding=1, groups=2),
    ],
)
def test_repr_and_state_dict_layout_match_torch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }


def test_default_init_has_torchs_bounds():
    ag.manual_seed(0)
    w = to_host(nn.Conv3d(4, 6, (3, 2, 2)).weight.detach())
    bound = 1 / np.sqrt(4 * 12)
    assert w.shape == (6, 4, 3, 2, 2) and np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound


def test_errors_name_the_op_and_the_shapes():
    with pytest.raises(RuntimeError, match=r"conv3d: expected a 4-D \(unbatched\) or 5-D \(batched\) input"):
        F.conv3d(ag.randn(2, 3, 3), ag.randn(2, 2, 1, 1, 1))
    with pytest.raises(RuntimeError, match="conv3d: expected input with 3 channels, got 2"):
        nn.Conv3d(3, 2, 1)(ag.randn(1, 2, 2, 2, 2))
    with pytest.raises(RuntimeError, match="conv3d: kernel size .* can't be greater than the padded input size"):
        nn.Conv3d(1, 1, 3)(ag.randn(1, 1, 2, 5, 5))
    with pytest.raises(RuntimeError, match="conv_transpose3d: expected a 5-D weight"):
        F.conv_transpose3d(ag.randn(1, 2, 2, 2, 2), ag.randn(2, 2, 2, 2))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv3d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="ConvTranspose3d: output_padding"):
        nn.ConvTranspose3d(1, 1, 3, stride=1, output_padding=1)
    with pytest.raises(TypeError, match="conv3d: expected a floating-point input"):
        F.conv3d(ag.ones(1, 1, 2, 2, 2, dtype=ag.int64), ag.ones(1, 1, 1, 1, 1, dtype=ag.int64))


def _model():
    return nn.Sequential(
        nn.Conv3d(2, 4, 3, padding=1, groups=2),
        nn.Conv3d(4, 3, 2, stride=2, padding=1, padding_mode="reflect"),
        nn.ConvTranspose3d(3, 2, 3, stride=2, output_padding=1),
    )


def test_strict_device_forward_and_backward_match_cpu():
    ag.manual_seed(0)
    cpu = _model().double()
    strict = _model().double()
    strict.load_state_dict({k: to_host(v) for k, v in cpu.state_dict().items()})
    strict.to(STRICT)
    x = _input(2, 2, 4, 5, 3)
    outs = []
    for model, device in ((cpu, "cpu"), (strict, STRICT)):
        xt = ag.tensor(x, device=device, requires_grad=True)
        out = model(xt)
        (out * out).sum().backward()
        outs.append((out, xt))
    (out_c, x_c), (out_s, x_s) = outs
    assert str(out_s.device) == STRICT and str(x_s.grad.device) == STRICT
    np.testing.assert_allclose(to_host(out_s), to_host(out_c), rtol=1e-12)
    np.testing.assert_allclose(to_host(x_s.grad), to_host(x_c.grad), rtol=1e-12)
    for p, q in zip(strict.parameters(), cpu.parameters()):
        np.testing.assert_allclose(to_host(p.grad), to_host(q.grad), rtol=1e-12)
