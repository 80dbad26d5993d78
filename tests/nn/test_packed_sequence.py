"""PackedSequence, pack/pad/unpack, and nn.RNN / LSTM / GRU on packed input, against PyTorch.

Packing and padding are compared field by field (data, batch_sizes, sorted and unsorted
indices, lengths) with their gradients; the recurrent layers get the same weights as
PyTorch's (via load_state_dict) and are compared in float64 on the packed output, h_n
(and c_n) and the gradients of the padded input, h_0 (c_0) and every parameter.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn.utils.rnn import (
    PackedSequence,
    invert_permutation,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    unpack_sequence,
)
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT

torch = pytest.importorskip("torch")
TR = torch.nn.utils.rnn
TOL = {"rtol": 1e-10, "atol": 1e-12}


def _same_packed(ours: PackedSequence, theirs, exact: bool = True) -> None:
    check = np.testing.assert_array_equal if exact else (lambda a, b: np.testing.assert_allclose(a, b, **TOL))
    check(to_host(ours.data), theirs.data.detach().numpy())
    assert ours.batch_sizes.device.type == "cpu" and ours.batch_sizes.dtype == np.int64
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    for mine, ref in ((ours.sorted_indices, theirs.sorted_indices), (ours.unsorted_indices, theirs.unsorted_indices)):
        assert (mine is None) == (ref is None)
        if mine is not None:
            assert mine.dtype == np.int64 and mine.tolist() == ref.tolist()


# ---------------------------------------------------------------------------- packing and padding
PACK_CASES = [
    # (lengths, T, trailing dims); lengths in the given (possibly unsorted) order
    ([4, 3, 3, 1], 4, (2,)),
    ([2, 5, 1, 5, 3], 6, (3,)),  # ties, unsorted, the longest shorter than T
    ([3, 3, 3], 3, ()),  # all full length, no trailing dims
    ([1], 2, (2, 2)),
    ([2, 1, 3], 3, (1, 2)),
]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,T,rest", PACK_CASES)
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_padded_and_pad_packed_match_torch(lengths, T, rest, batch_first, as_tensor):
    rng = np.random.default_rng(len(lengths) * 10 + T)
    B = len(lengths)
    x = rng.standard_normal(((B, T) if batch_first else (T, B)) + rest)
    sortable = sorted(lengths, reverse=True) == lengths
    for enforce_sorted in ([True, False] if sortable else [False]):
        lo = ag.tensor(lengths) if as_tensor else lengths
        lt = torch.tensor(lengths) if as_tensor else lengths
        xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        po = pack_padded_sequence(xo, lo, batch_first=batch_first, enforce_sorted=enforce_sorted)
        pt = TR.pack_padded_sequence(xt, lt, batch_first=batch_first, enforce_sorted=enforce_sorted)
        assert isinstance(po, PackedSequence) and isinstance(po, tuple)
        _same_packed(po, pt)
        for kw in (dict(), dict(batch_first=True, padding_value=-2.5), dict(total_length=T + 2)):
            yo, lo_out = pad_packed_sequence(po, **kw)
            yt, lt_out = TR.pad_packed_sequence(pt, **kw)
            np.testing.assert_array_equal(to_host(yo), yt.detach().numpy())
            assert lo_out.device.type == "cpu" and lo_out.dtype == np.int64
            assert lo_out.tolist() == lt_out.tolist()
        # gradient through pack then pad, back to the padded input
        g = rng.standard_normal(tuple(yo.shape))
        yo.backward(ag.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_array_equal(to_host(xo.grad), xt.grad.numpy())


def test_pad_packed_gradient_flows_to_packed_data():
    rng = np.random.default_rng(3)
    seqs = [rng.standard_normal((n, 2)) for n in (2, 4, 1)]
    po = pack_sequence([ag.tensor(s) for s in seqs], enforce_sorted=False)
    pt = TR.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    do, dt = po.data.detach().requires_grad_(), pt.data.detach().requires_grad_()
    yo, _ = pad_packed_sequence(PackedSequence(do, po.batch_sizes, po.sorted_indices, po.unsorted_indices),
                                batch_first=True, padding_value=7.0)
    yt, _ = TR.pad_packed_sequence(TR.PackedSequence(dt, pt.batch_sizes, pt.sorted_indices, pt.unsorted_indices),
                                   batch_first=True, padding_value=7.0)
    g = rng.standard_normal(tuple(yo.shape))
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(to_host(do.grad), dt.grad.numpy())


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_sequence_match_torch(enforce_sorted):
    rng = np.random.default_rng(5)
    lens = (5, 3, 3, 1) if enforce_sorted else (2, 5, 1, 3)
    seqs = [rng.standard_normal((n, 2)) for n in lens]
    ours = [ag.tensor(s, requires_grad=True) for s in seqs]
    theirs = [torch.tensor(s, requires_grad=True) for s in seqs]
    po, pt = pack_sequence(ours, enforce_sorted), TR.pack_sequence(theirs, enforce_sorted)
    _same_packed(po, pt)
    back = unpack_sequence(po)
    assert [tuple(b.shape) for b in back] == [s.shape for s in seqs]
    for b, s in zip(back, seqs):
        np.testing.assert_array_equal(to_host(b), s)
    w = rng.standard_normal(tuple(po.data.shape))
    (po.data * ag.tensor(w)).sum().backward()
    (pt.data * torch.tensor(w)).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(to_host(o.grad), t.grad.numpy())


def test_integer_data_and_lengths_conversions_match_torch():
    seq = [[1, 2, 0], [3, 0, 0], [4, 5, 6]]
    for lengths in ([2, 1, 3], [2.7, 1.2, 3.9], ag.tensor([2.5, 1.0, 3.0])):
        lt = torch.tensor(lengths.tolist()) if isinstance(lengths, ag.Tensor) else lengths
        po = pack_padded_sequence(ag.tensor(seq), lengths, batch_first=True, enforce_sorted=False)
        pt = TR.pack_padded_sequence(torch.tensor(seq), lt, batch_first=True, enforce_sorted=False)
        _same_packed(po, pt)
    # an integer batch padded with a float padding_value: cast to the data's dtype, as PyTorch does
    yo, _ = pad_packed_sequence(po, batch_first=True, padding_value=2.5)
    yt, _ = TR.pad_packed_sequence(pt, batch_first=True, padding_value=2.5)
    assert yo.dtype == np.int64 and to_host(yo).tolist() == yt.tolist()


def test_packing_errors_match_torch():
    x = ag.zeros(3, 2, 4)
    xt = torch.zeros(3, 2, 4)
    cases = [
        ([1, 2], dict(), RuntimeError, "sorted in decreasing order"),
        ([2, 0], dict(), RuntimeError, "greater than 0"),
        ([2, 0], dict(enforce_sorted=False), RuntimeError, "greater than 0"),
        ([2, -1], dict(), RuntimeError, "greater than 0"),
        ([3, 2, 1], dict(), RuntimeError, "len\\(lengths\\)"),
        ([3, 2], dict(batch_first=True), RuntimeError, "len\\(lengths\\)"),
        ([[3, 2]], dict(), RuntimeError, "1D CPU int64"),
    ]
    for lengths, kw, err, match in cases:
        with pytest.raises(err, match=match):
            pack_padded_sequence(x, lengths, **kw)
        with pytest.raises(err):
            TR.pack_padded_sequence(xt, lengths, **kw)
    for bad in (ag.tensor([[3, 2]]), ag.tensor(3)):
        with pytest.raises(RuntimeError, match="1D CPU int64"):
            pack_padded_sequence(x, bad)
    with pytest.raises(RuntimeError, match="1D CPU int64 tensor.*strict"):  # lengths on a device
        pack_padded_sequence(x.to(STRICT), ag.tensor([3, 2], device=STRICT))
    with pytest.raises(TypeError, match="lengths"):
        pack_padded_sequence(x, "ab")
    with pytest.raises(RuntimeError, match="Cannot pack empty tensors"):
        pack_padded_sequence(ag.zeros(0, 2, 4), [2, 1])
    with pytest.raises(RuntimeError):
        TR.pack_padded_sequence(torch.zeros(0, 2, 4), [2, 1])
    with pytest.raises(IndexError):
        pack_padded_sequence(ag.zeros(3), [2])
    with pytest.raises(RuntimeError, match="exceeds the input's 3 time steps"):  # PyTorch reads out of bounds
        pack_padded_sequence(x, [4, 2])
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        pack_sequence([ag.ones(2), ag.ones(3)])
    with pytest.raises(RuntimeError, match="greater than 0"):
        pack_sequence([ag.ones(2), ag.ones(0)])
    with pytest.raises(RuntimeError, match="empty list"):
        pack_sequence([])

    p, pt = pack_padded_sequence(x, [3, 1]), TR.pack_padded_sequence(xt, [3, 1])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        pad_packed_sequence(p, total_length=2)
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        TR.pad_packed_sequence(pt, total_length=2)
    with pytest.raises(TypeError, match="total_length must be int"):
        pad_packed_sequence(p, total_length=5.0)
    with pytest.raises(AttributeError, match="PackedSequence"):
        pad_packed_sequence(x)


def test_packed_sequence_class():
    po = pack_sequence([ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0, 5.0])], enforce_sorted=False)
    pt = TR.pack_sequence([torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0, 5.0])], enforce_sorted=False)
    assert PackedSequence._fields == type(pt)._fields
    data, batch_sizes, sorted_indices, unsorted_indices = po
    assert data is po.data and batch_sizes is po.batch_sizes and po[2] is sorted_indices
    assert not po.is_cuda and po.to(ag.float32) is po and po.float() is po and po.cpu() is po
    d = po.double()
    assert d.data.dtype == np.float64 and d.batch_sizes is po.batch_sizes and d.sorted_indices.tolist() == [1, 0]
    assert po.long().data.dtype == np.int64 and po.half().data.dtype == np.float16
    # indices follow the data to its device; batch_sizes stays on the CPU
    s = po.to(STRICT)
    assert s.data.device.type == STRICT and s.sorted_indices.device.type == STRICT
    assert s.unsorted_indices.device.type == STRICT and s.batch_sizes.device.type == "cpu"
    assert s.cpu().data.device.type == "cpu"
    # unsorted_indices computed from sorted_indices; the old (data, batch_sizes) form
    made = PackedSequence(po.data, po.batch_sizes, ag.tensor([2, 0, 1]))
    assert made.unsorted_indices.tolist() == TR.invert_permutation(torch.tensor([2, 0, 1])).tolist()
    old = PackedSequence((po.data, po.batch_sizes))
    assert old.batch_sizes is po.batch_sizes and old.sorted_indices is None and old.unsorted_indices is None
    with pytest.raises(AssertionError, match="length 2"):
        PackedSequence(po.data)
    with pytest.raises(ValueError, match="batch_sizes should always be on CPU"):
        PackedSequence(po.data, po.batch_sizes.to(STRICT))
    assert invert_permutation(None) is None
    perm = [3, 0, 4, 1, 2]
    assert invert_permutation(ag.tensor(perm)).tolist() == TR.invert_permutation(torch.tensor(perm)).tolist()


# ---------------------------------------------------------------------------- recurrent layers
IN, H = 3, 4
LENGTHS = [3, 5, 1, 5, 2]  # unsorted, with a tie; the sorted order is [5, 5, 3, 2, 1]
LENGTHS_SORTED = [5, 5, 3, 2, 1]


def _pair(kind, **kw):
    theirs = getattr(torch.nn, kind)(IN, H, **kw).double()
    ours = getattr(nn, kind)(IN, H, **kw).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _run_packed(lib, module, x, lengths, batch_first, enforce_sorted, hx):
    """Pack the padded ``x`` with ``lib``'s functions, run ``module``; (packed output, [h_n, (c_n)])."""
    pack = nn.utils.rnn.pack_padded_sequence if lib is ag else TR.pack_padded_sequence
    packed = pack(x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    out, state = module(packed, hx)
    return out, (list(state) if isinstance(state, tuple) else [state])


def _compare_packed(kind, kw, lengths, enforce_sorted, with_hx, seed=0, train=False):
    """Our layer and PyTorch's on the same packed batch: outputs, states and every gradient."""
    ours, theirs = _pair(kind, **kw)
    ours.train(train)
    theirs.train(train)
    rng = np.random.default_rng(seed)
    B, T = len(lengths), max(lengths) + 1  # one all-padding step: pack must drop it
    bf = kw.get("batch_first", False)
    x = rng.standard_normal(((B, T) if bf else (T, B)) + (IN,))
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    D = 2 if kw.get("bidirectional") else 1
    n_states = 2 if kind == "LSTM" else 1
    states = [rng.standard_normal((kw.get("num_layers", 1) * D, B, H)) * 0.5 for _ in range(n_states)]
    so = [ag.tensor(s, requires_grad=True) for s in states]
    st = [torch.tensor(s, requires_grad=True) for s in states]
    hx_o = None if not with_hx else (tuple(so) if kind == "LSTM" else so[0])
    hx_t = None if not with_hx else (tuple(st) if kind == "LSTM" else st[0])
    out_o, fin_o = _run_packed(ag, ours, xo, lengths, bf, enforce_sorted, hx_o)
    out_t, fin_t = _run_packed(torch, theirs, xt, lengths, bf, enforce_sorted, hx_t)
    assert isinstance(out_o, PackedSequence)
    _same_packed(out_o, out_t, exact=False)
    for a, b in zip(fin_o, fin_t):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(to_host(a), b.detach().numpy(), **TOL)
    weights = [rng.standard_normal(tuple(t.shape)) for t in [out_t.data] + fin_t]
    sum((o * ag.tensor(w)).sum() for o, w in zip([out_o.data] + fin_o, weights)).backward()
    sum((t * torch.tensor(w)).sum() for t, w in zip([out_t.data] + fin_t, weights)).backward()
    np.testing.assert_allclose(to_host(xo.grad), xt.grad.numpy(), **TOL)
    if with_hx:
        for a, b in zip(so, st):
            np.testing.assert_allclose(to_host(a.grad), b.grad.numpy(), **TOL)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(to_host(p.grad), theirs_params[name].grad.numpy(), **TOL, err_msg=name)
    return ours, out_o


LAYER_CONFIGS = [
    dict(num_layers=nl, bidirectional=bi, batch_first=bf)
    for nl, bi, bf in itertools.product([1, 2], [False, True], [False, True])
]


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kw", LAYER_CONFIGS, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
@pytest.mark.parametrize("enforce_sorted,with_hx", [(False, True), (False, False), (True, True), (True, False)])
def test_recurrent_layers_on_packed_input_match_torch(kind, kw, enforce_sorted, with_hx):
    lengths = LENGTHS_SORTED if enforce_sorted else LENGTHS
    _compare_packed(kind, kw, lengths, enforce_sorted, with_hx)


@pytest.mark.parametrize("kw", [dict(nonlinearity="relu", num_layers=2, bidirectional=True), dict(bias=False)],
                         ids=["relu", "no-bias"])
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_relu_and_bias_free_layers_on_packed_input(kind, kw):
    if "nonlinearity" in kw and kind != "RNN":
        kw = {k: v for k, v in kw.items() if k != "nonlinearity"}
    _compare_packed(kind, kw, LENGTHS, enforce_sorted=False, with_hx=True, seed=1)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_equal_lengths_packed_equals_padded(kind):
    """With every sequence full length the packed run is the padded run, step for step."""
    layer = getattr(nn, kind)(IN, H, num_layers=2, bidirectional=True).double()
    x = ag.tensor(np.random.default_rng(2).standard_normal((4, 3, IN)))
    out_p, st_p = layer(pack_padded_sequence(x, [4, 4, 4]))
    out, st = layer(x)
    np.testing.assert_allclose(to_host(pad_packed_sequence(out_p)[0]), to_host(out), **TOL)
    for a, b in zip(st_p if kind == "LSTM" else (st_p,), st if kind == "LSTM" else (st,)):
        np.testing.assert_allclose(to_host(a), to_host(b), **TOL)
    # and with varying lengths, each sequence's h_n is what a run over that sequence alone gives
    lengths = [4, 2, 1]
    out_p, st_p = layer(pack_padded_sequence(x, lengths))
    h_n = st_p[0] if kind == "LSTM" else st_p
    padded, _ = pad_packed_sequence(out_p)
    for b, n in enumerate(lengths):
        o, s = layer(x[:n, b])
        np.testing.assert_allclose(to_host(padded[:n, b]), to_host(o), **TOL)
        np.testing.assert_allclose(to_host(h_n[:, b]), to_host(s[0] if kind == "LSTM" else s), **TOL)
        assert not to_host(padded[n:, b]).any()


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers_on_packed_input(kind):
    """p=1 zeroes the second layer's input (deterministic, so comparable with PyTorch); p=0.5 differs
    from eval mode only above the first layer."""
    _compare_packed(kind, dict(num_layers=2, dropout=1.0, bidirectional=True), LENGTHS, False, True, train=True)
    layer = getattr(nn, kind)(IN, H, num_layers=2, dropout=0.5).double()
    packed = pack_sequence([ag.tensor(np.random.default_rng(4).standard_normal((n, IN))) for n in (5, 3, 2)])
    ag.manual_seed(0)
    out_train, _ = layer.train()(packed)
    out_eval, _ = layer.eval()(packed)
    assert not np.allclose(to_host(out_train.data), to_host(out_eval.data))


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_packed_layers_gradcheck(kind):
    layer = getattr(nn, kind)(2, 2, num_layers=2, bidirectional=True).double()
    rng = np.random.default_rng(6)
    x = ag.tensor(rng.standard_normal((3, 3, 2)), requires_grad=True)
    h0 = ag.tensor(rng.standard_normal((4, 3, 2)) * 0.5, requires_grad=True)
    c0 = ag.tensor(rng.standard_normal((4, 3, 2)) * 0.5, requires_grad=True)

    def fn(x, h0, c0):
        out, st = layer(pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False), (h0, c0) if kind == "LSTM" else h0)
        return (out.data,) + (st if kind == "LSTM" else (st,))

    assert ag.gradcheck(fn, (x, h0, c0))


def test_packed_layers_errors():
    lstm = nn.LSTM(IN, H, num_layers=2).double()
    packed = pack_sequence([ag.zeros(3, IN, dtype=ag.float64), ag.zeros(2, IN, dtype=ag.float64)])
    with pytest.raises(RuntimeError, match=r"expected h_0 \(hx\[0\]\) of size \(2, 2, 4\)"):
        lstm(packed, (ag.zeros(2, 3, H, dtype=ag.float64), ag.zeros(2, 3, H, dtype=ag.float64)))
    with pytest.raises(TypeError, match="tuple"):
        lstm(packed, ag.zeros(2, 2, H, dtype=ag.float64))
    with pytest.raises(ValueError, match="dtype"):
        lstm(packed.float())
    with pytest.raises(RuntimeError, match="input_size"):
        nn.GRU(IN + 1, H).double()(packed)
    with pytest.raises(RuntimeError, match="must be 2-D"):
        nn.RNN(IN, H).double()(PackedSequence(ag.zeros(5, 1, IN, dtype=ag.float64), packed.batch_sizes))


def test_packed_layers_on_strict_device_match_cpu():
    """Device discipline: the packed path touches device data only through autograd_core."""
    cpu = nn.LSTM(IN, H, bidirectional=True).double()
    strict = nn.LSTM(IN, H, bidirectional=True).double()
    strict.load_state_dict({k: to_host(v) for k, v in cpu.state_dict().items()})
    strict.to(STRICT)
    seqs = [np.random.default_rng(8).standard_normal((n, IN)) for n in (2, 4, 3)]
    out_c, (h_c, _) = cpu(pack_sequence([ag.tensor(s) for s in seqs], enforce_sorted=False))
    xs = [ag.tensor(s, device=STRICT, requires_grad=True) for s in seqs]
    out_s, (h_s, _) = strict(pack_sequence(xs, enforce_sorted=False))
    assert out_s.data.device.type == STRICT and h_s.device.type == STRICT
    np.testing.assert_allclose(to_host(out_s.data), to_host(out_c.data), **TOL)
    np.testing.assert_allclose(to_host(h_s), to_host(h_c), **TOL)
    padded, lengths = pad_packed_sequence(out_s, batch_first=True)
    (padded.sum() + h_s.sum()).backward()
    assert all(x.grad.device.type == STRICT for x in xs) and lengths.tolist() == [2, 4, 3]
