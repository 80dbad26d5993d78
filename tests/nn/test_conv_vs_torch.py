"""Conv1d/Conv2d/ConvTranspose1d/2d and F.pad against PyTorch: same float64 inputs and weights
(loaded from PyTorch's state_dict), outputs and every gradient (input, weight, bias)."""

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


def load_from_torch(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def check_module(ours, theirs, x, seed=0, **call):
    """Forward + backward of both modules on ``x`` (float64); compare output, x.grad and every param grad."""
    theirs = theirs.double()
    theirs.zero_grad(set_to_none=True)
    ours.double()
    load_from_torch(ours, theirs)
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo, **call), theirs(xt, **call)
    assert yo.shape == tuple(yt.shape)
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **TOL)
    g = np.random.default_rng(seed + 100).standard_normal(yo.shape)
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **TOL)
    names = [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters()] == names
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(to_host(p.grad), q.grad.numpy(), err_msg=name, **TOL)


def _input(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


CONV2D = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(2, 1), padding=(0, 2)),
    dict(padding="same"),
    dict(padding="same", dilation=2),
    dict(padding="valid", dilation=(2, 1)),
    dict(groups=2, stride=2, padding=1, dilation=(1, 2)),
    dict(groups=4, padding=1),  # depthwise
    dict(bias=False, stride=3),
    dict(padding=2, padding_mode="reflect"),
    dict(padding=(1, 2), padding_mode="replicate"),
    dict(padding="same", padding_mode="circular"),
]


@pytest.mark.parametrize("kw", CONV2D, ids=str)
@pytest.mark.parametrize("kernel", [3, (2, 4)], ids=str)
def test_conv2d_matches_torch(kw, kernel):
    out = 8 if kw.get("groups", 1) != 4 else 4
    torch.manual_seed(0)
    theirs = torch.nn.Conv2d(4, out, kernel, **kw)
    check_module(nn.Conv2d(4, out, kernel, **kw), theirs, _input(2, 4, 9, 8))


def test_conv2d_even_kernel_same_padding_is_asymmetric_like_torch():
    # total padding dilation*(k-1) = 3: one on the left/top, two on the right/bottom
    theirs = torch.nn.Conv2d(2, 3, 4, padding="same")
    check_module(nn.Conv2d(2, 3, 4, padding="same"), theirs, _input(1, 2, 6, 7))
    theirs = torch.nn.Conv2d(2, 3, (2, 4), padding="same", dilation=(3, 1))
    check_module(nn.Conv2d(2, 3, (2, 4), padding="same", dilation=(3, 1)), theirs, _input(1, 2, 6, 7))


@pytest.mark.parametrize(
    "cin,cout,kernel,size,kw",
    [
        (4, 6, 5, (5, 5), dict()),  # one output position (LeNet's last conv): the rows layout
        (3, 16, 3, (5, 6), dict(padding=1)),  # 30 positions < 2 * 16 channels: rows layout
        (3, 2, 3, (7, 6), dict(padding=1, stride=(1, 2))),  # 21 positions >= 4: per-sample GEMMs
        (2, 8, (2, 3), (6, 7), dict(dilation=2, bias=False)),
    ],
    ids=str,
)
def test_conv2d_both_gemm_layouts_match_torch(cin, cout, kernel, size, kw):
    theirs = torch.nn.Conv2d(cin, cout, kernel, **kw)
    check_module(nn.Conv2d(cin, cout, kernel, **kw), theirs, _input(3, cin, *size))
    check_module(nn.Conv2d(cin, cout, kernel, **kw), theirs, _input(cin, *size))


def test_conv2d_unbatched_input():
    theirs = torch.nn.Conv2d(3, 2, 3, padding=1)
    check_module(nn.Conv2d(3, 2, 3, padding=1), theirs, _input(3, 5, 5))


CONV1D = [
    dict(),
    dict(stride=2, padding=2),
    dict(padding="same", dilation=3),
    dict(groups=2, bias=False),
    dict(padding=3, padding_mode="reflect"),
]


@pytest.mark.parametrize("kw", CONV1D, ids=str)
@pytest.mark.parametrize("kernel", [3, 4])
def test_conv1d_matches_torch(kw, kernel):
    theirs = torch.nn.Conv1d(4, 6, kernel, **kw)
    check_module(nn.Conv1d(4, 6, kernel, **kw), theirs, _input(3, 4, 13))
    check_module(nn.Conv1d(4, 6, kernel, **kw), theirs, _input(4, 13))  # unbatched


CONVT2D = [
    dict(),
    dict(stride=2),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(3, 2), padding=(2, 0), output_padding=(2, 1)),
    dict(dilation=2, padding=1),
    dict(stride=2, dilation=3, output_padding=2),  # output_padding < dilation, >= stride
    dict(groups=2, stride=2, padding=1),
    dict(groups=4, bias=False),
]


@pytest.mark.parametrize("kw", CONVT2D, ids=str)
@pytest.mark.parametrize("kernel", [3, (2, 3)], ids=str)
def test_conv_transpose2d_matches_torch(kw, kernel):
    theirs = torch.nn.ConvTranspose2d(4, 6 if kw.get("groups", 1) != 4 else 4, kernel, **kw)
    ours = nn.ConvTranspose2d(4, 6 if kw.get("groups", 1) != 4 else 4, kernel, **kw)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    check_module(ours, theirs, _input(2, 4, 5, 6))


def test_conv_transpose2d_output_size_argument():
    theirs = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    check_module(nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), theirs, _input(1, 3, 4, 4), output_size=(8, 7))


@pytest.mark.parametrize(
    "kw", [dict(), dict(stride=3, padding=1, output_padding=2), dict(groups=2, dilation=2)], ids=str
)
def test_conv_transpose1d_matches_torch(kw):
    theirs = torch.nn.ConvTranspose1d(4, 6, 3, **kw)
    check_module(nn.ConvTranspose1d(4, 6, 3, **kw), theirs, _input(2, 4, 7))


def test_functional_forms_match_torch():
    x, w, b = _input(2, 4, 7, 7), _input(6, 2, 3, 3, seed=1), _input(6, seed=2)
    ours = F.conv2d(ag.tensor(x), ag.tensor(w), ag.tensor(b), stride=2, padding=(1, 0), dilation=1, groups=2)
    theirs = TF.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride=2, padding=(1, 0), groups=2)
    np.testing.assert_allclose(to_host(ours), theirs.numpy(), **TOL)
    wt = _input(4, 3, 3, 3, seed=3)
    ours = F.conv_transpose2d(ag.tensor(x), ag.tensor(wt), None, 2, 1, 1)
    theirs = TF.conv_transpose2d(torch.tensor(x), torch.tensor(wt), None, 2, 1, 1)
    np.testing.assert_allclose(to_host(ours), theirs.numpy(), **TOL)
    x1, w1 = _input(2, 4, 9), _input(5, 4, 2, seed=4)
    np.testing.assert_allclose(
        to_host(F.conv1d(ag.tensor(x1), ag.tensor(w1), padding="same")),
        TF.conv1d(torch.tensor(x1), torch.tensor(w1), padding="same").numpy(),
        **TOL,
    )


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(2, 1), (1, 0, 2, 3), (0, 2, 1, 1)], ids=str)
def test_pad_matches_torch(mode, pad):
    x = _input(2, 3, 5, 4) if len(pad) == 4 else _input(3, 5, 4)  # PyTorch's supported ranks per pad length
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    kw = {"value": 1.5} if mode == "constant" else {}
    yo, yt = F.pad(xo, pad, mode=mode, **kw), TF.pad(xt, pad, mode=mode, **kw)
    np.testing.assert_allclose(to_host(yo), yt.detach().numpy(), **TOL)
    g = _input(*yo.shape, seed=5)
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **TOL)


def test_negative_constant_padding_crops_like_torch():
    x = _input(2, 5, 6)
    np.testing.assert_allclose(
        to_host(F.pad(ag.tensor(x), (-1, 2, 0, -2))), TF.pad(torch.tensor(x), (-1, 2, 0, -2)).numpy(), **TOL
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.Conv2d(3, 8, 3, stride=2, padding=1, bias=False),
        lambda m: m.Conv2d(4, 8, (1, 3), padding="same", dilation=2, groups=2, padding_mode="reflect"),
        lambda m: m.Conv1d(3, 5, 4, padding="valid"),
        lambda m: m.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1, groups=2),
        lambda m: m.ConvTranspose1d(4, 2, 3, dilation=2),
    ],
)
def test_repr_and_state_dict_layout_match_torch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }


@pytest.mark.parametrize("cls,args", [("Conv2d", (16, 32, 3)), ("Conv1d", (8, 4, 5)), ("ConvTranspose2d", (16, 8, 4))])
def test_default_init_has_torchs_distribution(cls, args):
    # PyTorch: kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the weight, the same
    # bound for the bias, with fan_in = weight.shape[1] * prod(kernel) (also for the transposed layers).
    ag.manual_seed(0)
    ours, theirs = getattr(nn, cls)(*args), getattr(torch.nn, cls)(*args)
    w, bias = to_host(ours.weight.detach()), to_host(ours.bias.detach())
    assert w.shape == tuple(theirs.weight.shape) and w.dtype == np.float32
    bound = 1 / np.sqrt(w.shape[1] * int(np.prod(w.shape[2:])))
    assert np.abs(w).max() <= bound and np.abs(bias).max() <= bound
    assert np.abs(theirs.weight.detach().numpy()).max() <= bound
    np.testing.assert_allclose(w.std(), bound / np.sqrt(3), rtol=0.1)  # uniform's std
    assert np.abs(w).max() > 0.95 * bound
