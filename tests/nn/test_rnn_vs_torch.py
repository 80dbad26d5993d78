"""nn.RNN / LSTM / GRU and the cells against PyTorch, float64, same weights via load_state_dict.

Every configuration compares the output, the final states, the input's gradient and every
parameter's gradient; parameter names, order and shapes must equal PyTorch's (that is how
the weights get here).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd_core as ag
import nn

torch = pytest.importorskip("torch")

TOL = {"rtol": 1e-10, "atol": 1e-12}
T, B, IN, H = 4, 3, 3, 4


def _load(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _pair(kind, **kw):
    theirs = getattr(torch.nn, kind)(IN, H, **kw).double()
    ours = getattr(nn, kind)(IN, H, **kw).double()
    _load(ours, theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert tuple(p.shape) == tuple(q.shape)
    return ours, theirs


def _state_arrays(kind, n, batch, seed):
    rng = np.random.default_rng(seed)
    shape = (n, batch, H) if batch else (n, H)
    h0 = rng.standard_normal(shape) * 0.5
    return (h0, rng.standard_normal(shape) * 0.5) if kind == "LSTM" else h0


def _flat(out, kind):
    """(output, h_n[, c_n]) from either library's return value."""
    y, st = out
    return [y] + (list(st) if kind == "LSTM" else [st])


def _compare(kind, ours, theirs, x, hx=None, unbatched=False):
    rng = np.random.default_rng(99)
    xt = torch.tensor(x, requires_grad=True)
    xo = ag.tensor(x, requires_grad=True)
    if hx is None:
        ht = ho = None
    elif kind == "LSTM":
        ht = tuple(torch.tensor(a, requires_grad=True) for a in hx)
        ho = tuple(ag.tensor(a, requires_grad=True) for a in hx)
    else:
        ht, ho = torch.tensor(hx, requires_grad=True), ag.tensor(hx, requires_grad=True)
    outs_t = _flat(theirs(xt, ht), kind)
    outs_o = _flat(ours(xo, ho), kind)
    weights = [rng.standard_normal(tuple(o.shape)) for o in outs_t]
    sum((o * torch.tensor(w)).sum() for o, w in zip(outs_t, weights)).backward()
    sum((o * ag.tensor(w)).sum() for o, w in zip(outs_o, weights)).backward()
    for a, b in zip(outs_o, outs_t):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **TOL)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), **TOL)
    if hx is not None:
        for a, b in zip(ho if kind == "LSTM" else (ho,), ht if kind == "LSTM" else (ht,)):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL)
    theirs_grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_grads[name].grad.numpy(), **TOL, err_msg=name)


CONFIGS = [
    dict(num_layers=nl, bidirectional=bi, batch_first=bf, bias=bias)
    for nl, bi, bf, bias in itertools.product((1, 2), (False, True), (False, True), (True, False))
    if bias or (nl == 2 and bi)  # bias=False once, in the richest configuration
]


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("given_state", [False, True], ids=["zero_state", "given_state"])
def test_matches_torch(kind, cfg, given_state):
    ours, theirs = _pair(kind, **cfg)
    D = 2 if cfg["bidirectional"] else 1
    rng = np.random.default_rng(hash((kind, given_state)) % 2**32)
    x = rng.standard_normal((B, T, IN) if cfg["batch_first"] else (T, B, IN))
    hx = _state_arrays(kind, cfg["num_layers"] * D, B, 5) if given_state else None
    _compare(kind, ours, theirs, x, hx)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_nonlinearity_matches_torch(nonlinearity):
    ours, theirs = _pair("RNN", nonlinearity=nonlinearity, num_layers=2)
    x = np.random.default_rng(1).standard_normal((T, B, IN))
    _compare("RNN", ours, theirs, x, _state_arrays("RNN", 2, B, 2))


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_input_matches_torch(kind, batch_first):
    ours, theirs = _pair(kind, num_layers=2, bidirectional=True, batch_first=batch_first)
    x = np.random.default_rng(3).standard_normal((T, IN))
    _compare(kind, ours, theirs, x)
    ours.zero_grad()
    theirs.zero_grad()
    _compare(kind, ours, theirs, x, _state_arrays(kind, 4, None, 4))


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_dropout_eval_matches_torch_and_training_differs(kind):
    ours, theirs = _pair(kind, num_layers=3, dropout=0.5)
    x = np.random.default_rng(6).standard_normal((T, B, IN))
    ours.eval()
    theirs.eval()
    _compare(kind, ours, theirs, x)
    ours.train()
    ag.manual_seed(0)
    with ag.no_grad():
        out_train = _flat(ours(ag.tensor(x)), kind)
        out_eval = _flat(ours.eval()(ag.tensor(x)), kind)
    for a, b in zip(out_train, out_eval):
        assert a.shape == b.shape
    assert not np.allclose(out_train[0].numpy(), out_eval[0].numpy())
    # the first layer sees no dropout: its final state is the same in training and eval
    np.testing.assert_allclose(out_train[1].numpy()[0], out_eval[1].numpy()[0], **TOL)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("state", ["none", "given", "unbatched"])
def test_cells_match_torch(kind, bias, state):
    kw = dict(bias=bias)
    if kind == "RNNCell" and not bias:
        kw["nonlinearity"] = "relu"
    theirs = getattr(torch.nn, kind)(IN, H, **kw).double()
    ours = getattr(nn, kind)(IN, H, **kw).double()
    _load(ours, theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    rng = np.random.default_rng(7)
    batch_shape = () if state == "unbatched" else (B,)
    x = rng.standard_normal(batch_shape + (IN,))
    xt, xo = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
    ht = ho = None
    if state != "none":
        hs = [rng.standard_normal(batch_shape + (H,)) for _ in range(2 if kind == "LSTMCell" else 1)]
        ht_l = [torch.tensor(a, requires_grad=True) for a in hs]
        ho_l = [ag.tensor(a, requires_grad=True) for a in hs]
        ht, ho = (tuple(ht_l), tuple(ho_l)) if kind == "LSTMCell" else (ht_l[0], ho_l[0])
    out_t, out_o = theirs(xt, ht), ours(xo, ho)
    out_t = list(out_t) if kind == "LSTMCell" else [out_t]
    out_o = list(out_o) if kind == "LSTMCell" else [out_o]
    ws = [rng.standard_normal(tuple(o.shape)) for o in out_t]
    sum((o * torch.tensor(w)).sum() for o, w in zip(out_t, ws)).backward()
    sum((o * ag.tensor(w)).sum() for o, w in zip(out_o, ws)).backward()
    for a, b in zip(out_o, out_t):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **TOL)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), **TOL)
    if state != "none":
        for a, b in zip(ho if kind == "LSTMCell" else (ho,), ht if kind == "LSTMCell" else (ht,)):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL)
    tg = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tg[name].grad.numpy(), **TOL, err_msg=name)


@pytest.mark.parametrize(
    "kind,kw",
    [("LSTM", {}), ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
     ("RNN", dict(nonlinearity="relu", bias=False, dropout=0.25, num_layers=2)),
     ("LSTMCell", {}), ("GRUCell", dict(bias=False)), ("RNNCell", dict(nonlinearity="relu"))],
)
def test_repr_matches_torch(kind, kw):
    assert repr(getattr(nn, kind)(IN, H, **kw)) == repr(getattr(torch.nn, kind)(IN, H, **kw))


def test_default_init_distribution_matches_torch():
    """Every parameter from U(-1/sqrt(H), 1/sqrt(H)): same bounds, filled across the range."""
    H_big = 64
    ours, theirs = nn.LSTM(8, H_big, num_layers=2), torch.nn.LSTM(8, H_big, num_layers=2)
    bound = 1 / np.sqrt(H_big)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        a, b = p.detach().numpy(), q.detach().numpy()
        assert a.dtype == np.float32
        assert np.abs(a).max() <= bound and np.abs(b).max() <= bound
        assert np.abs(a).max() > 0.9 * bound, name
        assert abs(a.mean()) < 0.1 * bound and abs(a.std() - b.std()) < 0.1 * bound, name


def test_all_weights_and_flat_names_like_torch():
    ours, theirs = nn.GRU(IN, H, num_layers=2, bidirectional=True), torch.nn.GRU(IN, H, num_layers=2, bidirectional=True)
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert [[tuple(w.shape) for w in ws] for ws in ours.all_weights] == [
        [tuple(w.shape) for w in ws] for ws in theirs.all_weights
    ]
