"""EmbeddingBag, LocalResponseNorm, LPPool, AlphaDropout, RReLU, Softmax2d, MaxUnpool, ChannelShuffle
against PyTorch in float64: forward, input and parameter gradients, state_dict, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT

rng = np.random.default_rng(0)


def _torch():
    return pytest.importorskip("torch")


def _check_grads(yo, yt, pairs, rtol=1e-10):
    """Backpropagate the same upstream gradient through both and compare the gradients of ``pairs``."""
    torch = _torch()
    np.testing.assert_allclose(to_host(yo.detach()), yt.detach().numpy(), rtol=rtol, atol=1e-12)
    g = np.cos(np.arange(yt.numel(), dtype=np.float64)).reshape(tuple(yt.shape))
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    for ours, theirs in pairs:
        np.testing.assert_allclose(to_host(ours.grad), theirs.grad.numpy(), rtol=rtol, atol=1e-12)


# ---------------------------------------------------------------------------- EmbeddingBag
IDX = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 4])
BAG_CASES = [
    # (input, offsets, kwargs)
    (IDX, [0, 4, 4, 7], dict(mode="sum")),
    (IDX, [0, 4, 4, 7], dict(mode="mean")),
    (IDX, [0, 4, 4, 7], dict(mode="max")),
    (IDX, [0, 3, 10], dict(mode="mean", include_last_offset=True)),
    (IDX, [0, 3, 6], dict(mode="max", include_last_offset=True)),  # indices after 6 are in no bag
    (IDX, [0, 5], dict(mode="mean", padding_idx=4)),
    (IDX, [0, 5, 7], dict(mode="max", padding_idx=-6)),
    (IDX, [0, 5, 7], dict(mode="sum", padding_idx=2)),
    (IDX.reshape(2, 5), None, dict(mode="sum")),
    (IDX.reshape(5, 2), None, dict(mode="mean", padding_idx=4)),
    (IDX.reshape(2, 5), None, dict(mode="max")),
    (np.array([4, 4, 4]), [0, 2], dict(mode="mean", padding_idx=4)),  # bags holding only padding
    (np.array([4, 4, 4]), [0, 2], dict(mode="max", padding_idx=4)),
]


@pytest.mark.parametrize("idx,offsets,kw", BAG_CASES, ids=str)
def test_embedding_bag_matches_torch(idx, offsets, kw):
    torch = _torch()
    w = rng.standard_normal((10, 3))
    wo, wt = ag.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    off_o = None if offsets is None else ag.tensor(offsets)
    off_t = None if offsets is None else torch.tensor(offsets)
    yo = F.embedding_bag(ag.tensor(idx), wo, off_o, **kw)
    yt = torch.nn.functional.embedding_bag(torch.tensor(idx), wt, off_t, **kw)
    assert yo.shape == tuple(yt.shape)
    _check_grads(yo, yt, [(wo, wt)])


@pytest.mark.parametrize("two_d", [False, True])
def test_embedding_bag_per_sample_weights_match_torch(two_d):
    torch = _torch()
    w, psw = rng.standard_normal((10, 3)), rng.standard_normal(10)
    idx, offsets = (IDX.reshape(2, 5), None) if two_d else (IDX, [0, 2, 2, 6])
    psw = psw.reshape(idx.shape)
    wo, wt = ag.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    po, pt = ag.tensor(psw, requires_grad=True), torch.tensor(psw, requires_grad=True)
    yo = F.embedding_bag(ag.tensor(idx), wo, None if offsets is None else ag.tensor(offsets), mode="sum",
                         per_sample_weights=po, padding_idx=2)
    yt = torch.nn.functional.embedding_bag(torch.tensor(idx), wt, None if offsets is None else torch.tensor(offsets),
                                           mode="sum", per_sample_weights=pt, padding_idx=2)
    _check_grads(yo, yt, [(wo, wt), (po, pt)])


def test_embedding_bag_module_state_dict_init_and_max_norm():
    torch = _torch()
    t = torch.nn.EmbeddingBag(10, 3, mode="max", max_norm=1.0).double()
    o = nn.EmbeddingBag(10, 3, mode="max", max_norm=1.0).double()
    assert list(o.state_dict()) == list(t.state_dict()) == ["weight"]
    assert repr(o) == repr(t)
    o.load_state_dict({k: v.numpy() * 3.0 for k, v in t.state_dict().items()})
    with torch.no_grad():
        t.weight.mul_(3.0)
    idx, off = IDX, [0, 3]
    yo, yt = o(ag.tensor(idx), ag.tensor(off)), t(torch.tensor(idx), torch.tensor(off))
    _check_grads(yo, yt, [(o.weight, t.weight)])
    np.testing.assert_allclose(to_host(o.weight.detach()), t.weight.detach().numpy(), rtol=1e-12)  # renormed rows
    p = nn.EmbeddingBag(6, 2, padding_idx=-1)
    assert p.padding_idx == 5 and not to_host(p.weight.detach())[5].any()
    assert repr(nn.EmbeddingBag(4, 2, mode="sum", norm_type=1.0)) == repr(
        torch.nn.EmbeddingBag(4, 2, mode="sum", norm_type=1.0))
    pre = nn.EmbeddingBag.from_pretrained(ag.eye(3), mode="sum", include_last_offset=True)
    assert not pre.weight.requires_grad and pre.include_last_offset
    assert nn.EmbeddingBag.from_pretrained(ag.eye(3), freeze=False).weight.requires_grad


def test_embedding_bag_gradcheck_and_strict_device():
    w = ag.tensor(rng.standard_normal((6, 2)), requires_grad=True)
    psw = ag.tensor(rng.standard_normal(5), requires_grad=True)
    idx, off = ag.tensor([0, 3, 3, 5, 1]), ag.tensor([0, 2, 2])
    for mode in ("sum", "mean", "max"):
        assert ag.gradcheck(lambda w, mode=mode: F.embedding_bag(idx, w, off, mode=mode, padding_idx=1), (w,))
    assert ag.gradcheck(lambda w, p: F.embedding_bag(idx, w, off, mode="sum", per_sample_weights=p), (w, psw))
    bag = nn.EmbeddingBag(6, 2, mode="max").to(STRICT)
    out = bag(ag.tensor([0, 3, 3, 5, 1], device=STRICT), ag.tensor([0, 2, 2], device=STRICT))
    out.sum().backward()
    assert str(out.device) == STRICT and str(bag.weight.grad.device) == STRICT


def test_embedding_bag_errors_match_torch():
    w = ag.randn(10, 3)
    idx = ag.tensor(IDX)
    with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
        F.embedding_bag(idx, w, ag.tensor([1, 4]))
    with pytest.raises(RuntimeError, match="can not be greater than input's length 10"):
        F.embedding_bag(idx, w, ag.tensor([0, 11]))
    with pytest.raises(RuntimeError, match="non-decreasing"):
        F.embedding_bag(idx, w, ag.tensor([0, 4, 2]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(idx, w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(idx.reshape(2, 5), w, ag.tensor([0, 1]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor"):
        F.embedding_bag(idx, w, ag.tensor([[0, 4]]))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(idx, w, ag.tensor([0]), mode="prod")
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(idx, w, ag.tensor([0]), per_sample_weights=ag.ones(10))
    with pytest.raises(ValueError, match="must have the same shape as the input"):
        F.embedding_bag(idx, w, ag.tensor([0]), mode="sum", per_sample_weights=ag.ones(9))
    with pytest.raises(RuntimeError, match="integer"):
        F.embedding_bag(ag.tensor([1.0]), w, ag.tensor([0]))
    with pytest.raises(IndexError, match="out of range"):
        F.embedding_bag(ag.tensor([10]), w, ag.tensor([0]))
    with pytest.raises(RuntimeError, match="padding_idx must be within the number of embeddings, -10 through 9"):
        F.embedding_bag(idx, w, ag.tensor([0]), padding_idx=11)
    with pytest.raises(ValueError, match="input has to be 1D or 2D"):
        F.embedding_bag(idx.reshape(1, 2, 5), w)
    with pytest.raises(AssertionError, match="padding_idx must be within num_embeddings"):
        nn.EmbeddingBag(4, 2, padding_idx=4)
    assert F.embedding_bag(ag.tensor(IDX), w, ag.tensor([0]), include_last_offset=True).shape == (0, 3)
    assert F.embedding_bag(ag.tensor([], dtype=ag.int64), w, ag.tensor([0, 0])).tolist() == [[0.0] * 3] * 2


# ---------------------------------------------------------------------------- deterministic layers vs PyTorch
def _layer_case(make_ours, make_theirs, x, rtol=1e-10):
    torch = _torch()
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = make_ours(xo), make_theirs(xt)
    assert yo.shape == tuple(yt.shape)
    _check_grads(yo, yt, [(xo, xt)], rtol=rtol)


@pytest.mark.parametrize("shape,size,kw", [
    ((2, 5, 7), 3, {}),
    ((2, 5, 3, 4), 2, dict(alpha=0.3, beta=0.6, k=2.0)),
    ((1, 6, 2, 3, 2), 5, dict(alpha=1.0, beta=1.5)),
    ((2, 3, 4), 7, dict(alpha=0.5)),
], ids=str)
def test_local_response_norm_matches_torch(shape, size, kw):
    torch = _torch()
    x = rng.standard_normal(shape)
    _layer_case(lambda t: nn.LocalResponseNorm(size, **kw)(t), lambda t: torch.nn.LocalResponseNorm(size, **kw)(t), x)
    assert repr(nn.LocalResponseNorm(size, **kw)) == repr(torch.nn.LocalResponseNorm(size, **kw))
    assert ag.gradcheck(lambda t: F.local_response_norm(t, size, **kw), (ag.tensor(x, requires_grad=True),))


@pytest.mark.parametrize("n,norm_type,kernel,kw", [
    (1, 2.0, 3, {}),
    (1, 1.0, 2, dict(stride=1)),
    (1, 3.0, 3, dict(stride=2, ceil_mode=True)),
    (1, float("inf"), 2, {}),
    (2, 2.0, 2, {}),
    (2, 1.5, (2, 3), dict(stride=1)),  # fractional p: positive inputs
    (2, 4.0, 3, dict(stride=2, ceil_mode=True)),
    (2, float("inf"), (3, 2), dict(stride=(1, 2))),
], ids=str)
def test_lp_pool_matches_torch(n, norm_type, kernel, kw):
    torch = _torch()
    shape = (2, 3, 9) if n == 1 else (2, 3, 7, 8)
    x = rng.standard_normal(shape)
    if norm_type == 1.5:
        x = np.abs(x) + 0.1
    ours, theirs = getattr(nn, f"LPPool{n}d"), getattr(torch.nn, f"LPPool{n}d")
    _layer_case(lambda t: ours(norm_type, kernel, **kw)(t), lambda t: theirs(norm_type, kernel, **kw)(t), x)
    assert repr(ours(norm_type, kernel, **kw)) == repr(theirs(norm_type, kernel, **kw))
    # Unbatched (C, L) / (C, H, W) works too.
    _layer_case(lambda t: ours(norm_type, kernel, **kw)(t), lambda t: theirs(norm_type, kernel, **kw)(t), x[0])


def test_lp_pool_gradcheck():
    x = ag.tensor(rng.standard_normal((1, 2, 5, 6)), requires_grad=True)
    assert ag.gradcheck(lambda t: F.lp_pool2d(t, 2.0, 2, stride=1), (x,))
    assert ag.gradcheck(lambda t: F.lp_pool1d(t, 3.0, 3), (ag.tensor(rng.standard_normal((2, 2, 7)),
                                                                      requires_grad=True),))


@pytest.mark.parametrize("shape", [(2, 4, 3, 5), (4, 3, 5)])
def test_softmax2d_matches_torch(shape):
    torch = _torch()
    _layer_case(lambda t: nn.Softmax2d()(t), lambda t: torch.nn.Softmax2d()(t), rng.standard_normal(shape))
    assert repr(nn.Softmax2d()) == "Softmax2d()"


def test_softmax2d_refuses_other_ranks():
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        nn.Softmax2d()(ag.zeros(2, 3))


@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 2), ((2, 6, 2, 3), 3), ((1, 8, 2, 2, 2), 4), ((2, 5, 3), 1)])
def test_channel_shuffle_matches_torch(shape, groups):
    torch = _torch()
    x = rng.standard_normal(shape)
    _layer_case(lambda t: nn.ChannelShuffle(groups)(t), lambda t: torch.nn.ChannelShuffle(groups)(t), x)
    _layer_case(lambda t: F.channel_shuffle(t, groups), lambda t: torch.nn.functional.channel_shuffle(t, groups), x)
    assert repr(nn.ChannelShuffle(groups)) == repr(torch.nn.ChannelShuffle(groups))


def test_channel_shuffle_errors():
    with pytest.raises(RuntimeError, match="Number of channels must be divisible by groups. Got 5 channels and 2"):
        F.channel_shuffle(ag.zeros(2, 5, 3), 2)
    with pytest.raises(RuntimeError, match="expects input with > 2 dims"):
        F.channel_shuffle(ag.zeros(2, 6), 2)
    with pytest.raises(RuntimeError, match="must be positive"):
        F.channel_shuffle(ag.zeros(2, 6, 1), 0)


@pytest.mark.parametrize("n,kernel,kw,out_size", [
    (1, 2, {}, None),
    (1, 2, {}, [9]),
    (1, 3, dict(stride=3, padding=1), [8]),  # the default size (7) would be too small for these indices
    (2, 2, {}, None),
    (2, 2, {}, [1, 2, 7, 9]),
    (2, (2, 3), dict(stride=(2, 3), padding=(1, 1)), [6, 8]),
], ids=str)
def test_max_unpool_matches_torch(n, kernel, kw, out_size):
    torch = _torch()
    shape = (1, 2, 8) if n == 1 else (1, 2, 6, 8)
    x = torch.tensor(rng.standard_normal(shape))
    pooled, idx = getattr(torch.nn.functional, f"max_pool{n}d")(x, kernel, return_indices=True, **kw)
    idx_o = ag.tensor(idx.numpy())
    ours, theirs = getattr(nn, f"MaxUnpool{n}d")(kernel, **kw), getattr(torch.nn, f"MaxUnpool{n}d")(kernel, **kw)
    assert repr(ours) == repr(theirs)
    _layer_case(lambda t: ours(t, idx_o, out_size), lambda t: theirs(t, idx, out_size), pooled.numpy())
    # Round trip with our own pooling's indices.
    p_o, i_o = getattr(F, f"max_pool{n}d")(ag.tensor(x.numpy()), kernel, return_indices=True, **kw)
    np.testing.assert_array_equal(to_host(i_o), idx.numpy())


def test_max_unpool_gradcheck_unbatched_and_errors():
    x = ag.tensor(rng.standard_normal((2, 3, 2)), requires_grad=True)
    idx = ag.tensor(np.array([[[1, 2], [5, 7], [8, 10]]] * 2).reshape(2, 3, 2))
    assert ag.gradcheck(lambda t: F.max_unpool2d(t, idx, 2), (x,))
    assert F.max_unpool1d(ag.ones(3, 2), ag.tensor([[0, 3]] * 3), 2).shape == (3, 4)
    with pytest.raises(RuntimeError, match="Found an invalid max index: 99 \\(output volumes are of size 4x4\\)"):
        F.max_unpool2d(ag.ones(1, 1, 2, 2), ag.tensor([[[[0, 1], [2, 99]]]]), 2)
    with pytest.raises(RuntimeError, match="Expected shape of indices to be same as that of the input"):
        F.max_unpool2d(ag.ones(1, 1, 2, 2), ag.tensor([[[[0, 1, 2, 3]]]]), 2)
    with pytest.raises(ValueError, match='invalid output_size "\\(9, 9\\)" \\(dim 0 must be between 2 and 6\\)'):
        F.max_unpool2d(ag.ones(1, 1, 2, 2), ag.tensor([[[[0, 1], [2, 3]]]]), 2, output_size=(9, 9))
    with pytest.raises(ValueError, match="output_size should be a sequence containing 2 or 4 elements"):
        F.max_unpool2d(ag.ones(1, 1, 2, 2), ag.tensor([[[[0, 1], [2, 3]]]]), 2, output_size=(4, 4, 4))
    with pytest.raises(RuntimeError, match="should be type int64"):
        F.max_unpool2d(ag.ones(1, 1, 2, 2), ag.tensor([[[[0, 1], [2, 3]]]], dtype=ag.int32), 2)
    with pytest.raises(RuntimeError, match="expected a 2-D \\(unbatched\\) or 3-D"):
        F.max_unpool1d(ag.ones(2), ag.tensor([0, 1]), 2)


# ---------------------------------------------------------------------------- random layers
def _alpha_constants_from_torch(p: float):
    """PyTorch's kept-unit scale ``a``, kept-unit shift and dropped value, read off its output."""
    torch = _torch()
    torch.manual_seed(0)
    x = torch.linspace(-2.0, 2.0, 4001, dtype=torch.float64)
    y = torch.nn.functional.alpha_dropout(x, p, training=True)
    dropped_value = torch.mode(y).values.item()
    kept = (y != dropped_value)
    a, shift = np.polyfit(x[kept].numpy(), y[kept].numpy(), 1)
    return a, shift, dropped_value


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_uses_torchs_affine_map(p):
    a, shift, dropped = _alpha_constants_from_torch(p)
    ag.manual_seed(0)
    x = ag.tensor(np.linspace(-2.0, 2.0, 4001), requires_grad=True)
    y = F.alpha_dropout(x, p, training=True)
    yh, xh = to_host(y.detach()), to_host(x.detach())
    is_dropped = np.isclose(yh, dropped, rtol=0, atol=1e-12)
    np.testing.assert_allclose(yh[~is_dropped], a * xh[~is_dropped] + shift, rtol=1e-10, atol=1e-10)
    assert abs(is_dropped.mean() - p) < 0.04
    y.sum().backward()
    np.testing.assert_allclose(to_host(x.grad), np.where(is_dropped, 0.0, a), rtol=1e-10)


def test_alpha_dropout_keeps_standard_moments_and_eval_is_identity():
    ag.manual_seed(1)
    x = ag.randn(200000, dtype=ag.float64)
    y = nn.AlphaDropout(0.3)(x)
    assert abs(y.mean().item()) < 0.01 and abs(y.std().item() - 1.0) < 0.01
    m = nn.AlphaDropout(0.3).eval()
    assert m(x) is x and F.alpha_dropout(x, 0.3) is x  # functional default: training=False, as in PyTorch
    assert F.alpha_dropout(x, 0.0, training=True) is x
    assert not to_host(F.alpha_dropout(x, 1.0, training=True)).any()
    torch = _torch()
    assert repr(nn.AlphaDropout(0.2)) == repr(torch.nn.AlphaDropout(0.2))
    assert repr(nn.FeatureAlphaDropout()) == repr(torch.nn.FeatureAlphaDropout())
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.AlphaDropout(1.5)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        F.alpha_dropout(x, -0.1, training=True)


def test_feature_alpha_dropout_drops_whole_channels():
    a, shift, dropped = _alpha_constants_from_torch(0.5)
    ag.manual_seed(2)
    x = ag.tensor(rng.standard_normal((40, 6, 3, 2)))
    y = to_host(nn.FeatureAlphaDropout(0.5)(x))
    xh = to_host(x)
    chan_dropped = np.isclose(y, dropped, rtol=0, atol=1e-12).all(axis=(2, 3))
    chan_kept = np.isclose(y, a * xh + shift, rtol=1e-10, atol=1e-10).all(axis=(2, 3))
    assert (chan_dropped ^ chan_kept).all()
    assert 0.35 < chan_dropped.mean() < 0.65
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
        F.feature_alpha_dropout(ag.ones(5), 0.5, training=True)


def test_rrelu_eval_matches_torch_leaky_relu():
    torch = _torch()
    x = rng.standard_normal((3, 4))
    x[0, 0] = 0.0
    _layer_case(lambda t: nn.RReLU(0.1, 0.4).eval()(t), lambda t: torch.nn.RReLU(0.1, 0.4).eval()(t), x)
    _layer_case(lambda t: F.rrelu(t), lambda t: torch.nn.functional.rrelu(t), x)  # functional: training=False
    assert repr(nn.RReLU()) == repr(torch.nn.RReLU())
    assert repr(nn.RReLU(0.1, 0.2, inplace=True)) == repr(torch.nn.RReLU(0.1, 0.2, inplace=True))


def test_rrelu_training_draws_slopes_and_backpropagates_them():
    ag.manual_seed(3)
    x = ag.tensor(np.concatenate([-np.linspace(0.5, 2.0, 5000), np.linspace(0.5, 2.0, 100), [0.0]]),
                  requires_grad=True)
    y = nn.RReLU(0.1, 0.3)(x)
    y.sum().backward()
    xh, yh, g = to_host(x.detach()), to_host(y.detach()), to_host(x.grad)
    neg = xh < 0
    slopes = yh[neg] / xh[neg]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and len(np.unique(slopes)) > 4000
    assert abs(slopes.mean() - 0.2) < 0.005
    np.testing.assert_allclose(g[neg], slopes, rtol=1e-12)
    np.testing.assert_array_equal(yh[xh > 0], xh[xh > 0])
    assert (g[xh > 0] == 1).all() and 0.1 <= g[-1] <= 0.3  # x == 0 gets a random slope, as in PyTorch
    with pytest.raises(RuntimeError, match="Lower bound should be less than or equal to the upper bound"):
        F.rrelu(x, 0.5, 0.2, training=True)


def test_new_layers_on_the_strict_device():
    x = ag.randn(2, 4, 6, 6, device=STRICT, requires_grad=True)
    y = nn.Sequential(nn.LocalResponseNorm(3), nn.LPPool2d(2, 2), nn.ChannelShuffle(2), nn.Softmax2d(),
                      nn.AlphaDropout(0.2), nn.FeatureAlphaDropout(0.2), nn.RReLU())(x)
    p, i = F.max_pool2d(y, 3, return_indices=True)
    F.max_unpool2d(p, i, 3).sum().backward()
    assert str(x.grad.device) == STRICT
