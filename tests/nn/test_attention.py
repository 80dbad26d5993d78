"""Attention and Transformer layers without PyTorch: gradchecks in float64, dropout, shapes,
cloning, errors, and the strict and cuda devices.  (The comparisons with PyTorch are in
test_attention_vs_torch.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from backends import DeviceError
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT


def _t(shape, seed, grad=True):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=ag.float64, requires_grad=grad)


def _swap_params(module, values):
    """Put ``values`` (name -> tensor) in place of the module's parameters; returns the originals."""
    saved = {}
    for name, v in values.items():
        owner, _, leaf = name.rpartition(".")
        mod = module.get_submodule(owner) if owner else module
        store = object.__getattribute__(mod, "_parameters")
        saved[name] = store[leaf]
        store[leaf] = v
    return saved


def _gradcheck_module(module, call, inputs):
    """gradcheck ``call(module, *inputs)`` through the inputs and every parameter at once."""
    names = [n for n, _ in module.named_parameters()]
    probes = [p.detach().clone().requires_grad_() for _, p in module.named_parameters()]

    def fn(*args):
        ins, ps = args[: len(inputs)], args[len(inputs):]
        saved = _swap_params(module, dict(zip(names, ps)))
        try:
            return call(module, *ins)
        finally:
            _swap_params(module, saved)

    assert ag.gradcheck(fn, tuple(inputs) + tuple(probes))


# ---------------------------------------------------------------------------- gradchecks
@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"scale": 0.3}, {"bool_mask": True}, {"float_mask": True}])
def test_sdpa_gradcheck(kw):
    q, k, v = _t((2, 3, 4), 0), _t((2, 5, 4), 1), _t((2, 5, 2), 2)
    args = [q, k, v]
    if kw.pop("bool_mask", False):
        keep = ag.tensor(np.random.default_rng(3).random((3, 5)) > 0.4)
        keep[:, 0] = True
        kw["attn_mask"] = keep
    if kw.pop("float_mask", False):
        args.append(_t((2, 1, 5), 4))  # a float mask is differentiable too
    assert ag.gradcheck(lambda *a: F.scaled_dot_product_attention(*a, **kw), tuple(args))


def test_sdpa_gradgradcheck():
    q, k, v = _t((2, 3, 4), 0), _t((2, 4, 4), 1), _t((2, 4, 3), 2)
    assert ag.gradgradcheck(lambda *a: F.scaled_dot_product_attention(*a, is_causal=True), (q, k, v))


def test_sdpa_gqa_equals_repeated_heads():
    q, k, v = _t((2, 4, 3, 4), 0), _t((2, 2, 5, 4), 1), _t((2, 2, 5, 3), 2)
    out = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    ref = F.scaled_dot_product_attention(q, k.repeat_interleave(2, dim=1), v.repeat_interleave(2, dim=1))
    np.testing.assert_allclose(to_host(out), to_host(ref), rtol=1e-14)
    assert ag.gradcheck(lambda *a: F.scaled_dot_product_attention(*a, enable_gqa=True), (q, k, v))


@pytest.mark.parametrize("opts", [
    {"ctor": {}, "fwd": {}},
    {"ctor": {"kdim": 3, "vdim": 2, "add_bias_kv": True, "add_zero_attn": True}, "fwd": {"kpm": True}},
    {"ctor": {"batch_first": True}, "fwd": {"need_weights": False, "mask": True}},
])
def test_multihead_attention_gradcheck_inputs_and_parameters(opts):
    ag.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, **opts["ctor"]).double()
    with ag.no_grad():  # nonzero biases, so their gradients are checked in general position
        for p in m.parameters():
            p.add_(ag.randn(*p.shape, dtype=ag.float64) * 0.1)
    kdim, vdim = m.kdim, m.vdim
    bf = m.batch_first
    shp = (lambda s, f: (2, s, f)) if bf else (lambda s, f: (s, 2, f))
    q, k, v = _t(shp(3, 4), 0), _t(shp(2, kdim), 1), _t(shp(2, vdim), 2)
    fwd = dict(opts["fwd"])
    if fwd.pop("kpm", False):
        fwd["key_padding_mask"] = ag.tensor([[False, True], [False, False]])
    if fwd.pop("mask", False):
        fwd["attn_mask"] = ag.tensor([[False, True], [False, False], [True, False]])

    def call(mod, q, k, v):
        out, w = mod(q, k, v, **fwd)
        return out if w is None else (out, w)

    _gradcheck_module(m, call, (q, k, v))


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer_gradcheck(norm_first):
    ag.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, activation="gelu",
                                       norm_first=norm_first).double()
    x = _t((3, 2, 4), 0)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=ag.float64)
    _gradcheck_module(layer, lambda mod, x: mod(x, src_mask=mask, is_causal=True), (x,))


def test_transformer_decoder_layer_gradcheck():
    ag.manual_seed(0)
    layer = nn.TransformerDecoderLayer(4, 2, dim_feedforward=6, dropout=0.0, batch_first=True).double()
    tgt, mem = _t((2, 3, 4), 0), _t((2, 2, 4), 1)
    kpm = ag.tensor([[False, True], [False, False]])
    _gradcheck_module(layer, lambda mod, t, m: mod(t, m, memory_key_padding_mask=kpm), (tgt, mem))


# ---------------------------------------------------------------------------- semantics
def test_sdpa_bool_mask_true_takes_part_and_float_mask_is_added():
    q, k, v = _t((3, 4), 0, False), _t((5, 4), 1, False), _t((5, 2), 2, False)
    keep = ag.tensor(np.random.default_rng(0).random((3, 5)) > 0.5)
    keep[:, 1] = True
    additive = ag.where(keep, 0.0, float("-inf")).to(ag.float64)
    a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    b = F.scaled_dot_product_attention(q, k, v, attn_mask=additive)
    scores = (q @ k.T) / 2.0 + additive
    ref = F.softmax(scores, dim=-1) @ v
    np.testing.assert_allclose(to_host(a), to_host(ref), rtol=1e-13)
    np.testing.assert_allclose(to_host(b), to_host(ref), rtol=1e-13)


def test_sdpa_causal_is_upper_left():
    q, k, v = _t((2, 5), 0, False), _t((3, 5), 1, False), ag.eye(3, dtype=ag.float64)
    w = to_host(F.scaled_dot_product_attention(q, k, v, is_causal=True))  # value = identity: the weights
    np.testing.assert_allclose(w[0], [1.0, 0.0, 0.0])
    assert w[1, 2] == 0.0 and w[1, :2].sum() == pytest.approx(1.0)


def test_sdpa_dropout_uses_the_device_generator_and_inverted_scaling():
    q, k, v = _t((2, 4, 3), 0, False), _t((2, 6, 3), 1, False), _t((2, 6, 5), 2, False)
    ag.manual_seed(7)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    ag.manual_seed(7)
    weights = F.softmax(q @ k.transpose(-2, -1) / 3 ** 0.5, dim=-1)
    ref = F.dropout(weights, 0.4) @ v
    np.testing.assert_allclose(to_host(out), to_host(ref), rtol=1e-13)
    assert not np.allclose(to_host(out), to_host(F.scaled_dot_product_attention(q, k, v)))


def test_multihead_attention_dropout_only_in_training():
    ag.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dropout=0.5).double()
    x = _t((4, 2, 8), 0, False)
    m.eval()
    a, wa = m(x, x, x)
    b, wb = m(x, x, x)
    np.testing.assert_array_equal(to_host(a), to_host(b))
    np.testing.assert_allclose(to_host(wa).sum(-1), 1.0, rtol=1e-12)
    m.train()
    c, wc = m(x, x, x)
    assert not np.allclose(to_host(a), to_host(c))
    assert (to_host(wc) == 0).any()


def test_multihead_attention_shapes():
    m = nn.MultiheadAttention(6, 3)
    out, w = m(ag.randn(4, 2, 6), ag.randn(5, 2, 6), ag.randn(5, 2, 6), average_attn_weights=False)
    assert out.shape == (4, 2, 6) and w.shape == (2, 3, 4, 5)
    out, w = m(ag.randn(4, 6), ag.randn(5, 6), ag.randn(5, 6))
    assert out.shape == (4, 6) and w.shape == (4, 5)
    out, w = m(ag.randn(4, 6), ag.randn(5, 6), ag.randn(5, 6), average_attn_weights=False)
    assert w.shape == (3, 4, 5)
    m = nn.MultiheadAttention(6, 3, batch_first=True, add_bias_kv=True, add_zero_attn=True)
    out, w = m(ag.randn(2, 4, 6), ag.randn(2, 5, 6), ag.randn(2, 5, 6))
    assert out.shape == (2, 4, 6) and w.shape == (2, 4, 7)  # two more keys: bias_k and the zero key


def test_multihead_attention_key_padding_mask_ignores_padded_keys():
    ag.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, batch_first=True).double().eval()
    q, kv = _t((1, 3, 4), 0, False), _t((1, 5, 4), 1, False)
    kpm = ag.tensor([[False, False, False, True, True]])
    out, w = m(q, kv, kv, key_padding_mask=kpm)
    assert not to_host(w)[..., 3:].any()
    changed = kv.detach().clone()
    changed[:, 3:] = 100.0  # padded keys and values: no influence
    out2, _ = m(q, changed, changed, key_padding_mask=kpm)
    np.testing.assert_allclose(to_host(out), to_host(out2), rtol=1e-12)
    out3, _ = m(q, kv[:, :3], kv[:, :3])
    np.testing.assert_allclose(to_host(out), to_host(out3), rtol=1e-12)


def test_encoder_clones_are_independent_and_encoder_layer_is_not_registered():
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    enc = nn.TransformerEncoder(layer, 3)
    ps = [dict(lay.named_parameters()) for lay in enc.layers]
    assert all(ps[0][n] is not ps[1][n] for n in ps[0])
    np.testing.assert_array_equal(to_host(ps[0]["linear1.weight"]), to_host(ps[2]["linear1.weight"]))
    assert not any(p is q for p in enc.parameters() for q in layer.parameters())
    assert len(list(enc.parameters())) == 3 * len(list(layer.parameters()))


def test_encoder_dropout_train_vs_eval():
    ag.manual_seed(0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.3), 2).double()
    x = _t((5, 2, 8), 0, False)
    enc.eval()
    np.testing.assert_array_equal(to_host(enc(x)), to_host(enc(x)))
    enc.train()
    assert not np.allclose(to_host(enc(x)), to_host(enc.eval()(x)))


def test_generate_square_subsequent_mask():
    m = nn.Transformer.generate_square_subsequent_mask(4)
    assert m.dtype == ag.float32 and m.shape == (4, 4)
    host = to_host(m)
    assert np.isneginf(host[np.triu_indices(4, 1)]).all() and not host[np.tril_indices(4)].any()


def test_is_causal_hint_with_causal_mask_equals_the_mask_alone():
    ag.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).double()
    x = _t((2, 5, 8), 0, False)
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=ag.float64)
    a = layer(x, src_mask=mask, is_causal=True)  # the hint: scaled_dot_product_attention's own causal mask
    b = layer(x, src_mask=mask)
    np.testing.assert_allclose(to_host(a), to_host(b), rtol=1e-12)


# ---------------------------------------------------------------------------- errors
def test_errors_name_the_layer_and_shapes():
    with pytest.raises(AssertionError, match=r"MultiheadAttention: embed_dim must be divisible by num_heads.*10.*3"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.MultiheadAttention(0, 2)
    with pytest.raises(AssertionError, match=r"TransformerEncoderLayer: d_model must be divisible by nhead"):
        nn.TransformerEncoderLayer(10, 4)
    m = nn.MultiheadAttention(8, 2)
    x = ag.randn(4, 2, 8)
    with pytest.raises(AssertionError, match=r"MultiheadAttention.*\(4, 2, 6\)"):
        m(ag.randn(4, 2, 6), x, x)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(4, 3\), but should be \(4, 4\)"):
        m(x, x, x, attn_mask=ag.zeros(4, 3, dtype=ag.bool))
    with pytest.raises(RuntimeError, match=r"3D attn_mask is \(2, 4, 4\), but should be \(4, 4, 4\)"):
        m(x, x, x, attn_mask=ag.zeros(2, 4, 4, dtype=ag.bool))
    with pytest.raises(AssertionError, match=r"key_padding_mask of shape \(2, 4\).*got \(2, 5\)"):
        m(x, x, x, key_padding_mask=ag.zeros(2, 5, dtype=ag.bool))
    with pytest.raises(AssertionError, match="only bool and floating types of key_padding_mask"):
        m(x, x, x, key_padding_mask=ag.zeros(2, 4, dtype=ag.int64))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="same batch size"):
        m(x, ag.randn(4, 3, 8), ag.randn(4, 3, 8))
    q, k, v = ag.randn(2, 4, 8), ag.randn(2, 6, 8), ag.randn(2, 6, 5)
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention: attn_mask of shape \(4, 5\).*\(2, 4, 6\)"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=ag.ones(4, 5, dtype=ag.bool))
    with pytest.raises(RuntimeError, match="bool or float"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=ag.ones(4, 6, dtype=ag.int64))
    with pytest.raises(RuntimeError, match=r"same last dim"):
        F.scaled_dot_product_attention(q, ag.randn(2, 6, 7), v)
    with pytest.raises(RuntimeError, match=r"same sequence length"):
        F.scaled_dot_product_attention(q, k, ag.randn(2, 5, 5))
    with pytest.raises(RuntimeError, match=r"at least 2-D"):
        F.scaled_dot_product_attention(ag.randn(8), k, v)
    with pytest.raises(RuntimeError, match=r"enable_gqa.*3 heads"):
        F.scaled_dot_product_attention(ag.randn(1, 4, 2, 8), ag.randn(1, 3, 2, 8), ag.randn(1, 3, 2, 8),
                                       enable_gqa=True)
    with pytest.raises(RuntimeError, match="don't broadcast"):
        F.scaled_dot_product_attention(ag.randn(1, 4, 2, 8), ag.randn(1, 2, 2, 8), ag.randn(1, 2, 2, 8))
    with pytest.raises(ValueError, match="dropout probability"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    enc = nn.TransformerEncoderLayer(8, 2, 16)
    with pytest.raises(RuntimeError, match=r"TransformerEncoderLayer.*d_model=8.*\(5, 2, 6\)"):
        enc(ag.randn(5, 2, 6))


# ---------------------------------------------------------------------------- devices
def _stack():
    return nn.ModuleDict({
        "enc": nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, norm_first=True), 2),
        "dec": nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, activation="gelu"),
        "mha": nn.MultiheadAttention(8, 2, kdim=5, vdim=3, add_bias_kv=True, add_zero_attn=True),
    })


def _run_stack(model, device, arrays):
    src, tgt, k, v = (ag.tensor(a, dtype=ag.float64, device=device, requires_grad=True) for a in arrays)
    kpm = ag.tensor(np.array([[False] * 5 + [True], [False] * 6]), device=device)
    causal = nn.Transformer.generate_square_subsequent_mask(6, device=device, dtype=ag.float64)
    memory = model["enc"](src, mask=causal, src_key_padding_mask=kpm)
    out = model["dec"](tgt, memory, tgt_mask=causal[:4, :4], memory_key_padding_mask=kpm)
    att, w = model["mha"](out, k, v, key_padding_mask=kpm)
    att2, _ = model["mha"](out, k, v, attn_mask=ag.zeros(4, 6, dtype=ag.bool, device=device), need_weights=False)
    sdpa = F.scaled_dot_product_attention(out.transpose(0, 1), memory.transpose(0, 1), memory.transpose(0, 1),
                                          attn_mask=~causal[:4].isinf(), dropout_p=0.0)
    loss = (att * att).sum() + w.sum() + (att2 * out).sum() + sdpa.pow(2).sum()
    loss.backward()
    return [att, w, att2, sdpa], [src, tgt, k, v]


def _check_device(device, rtol):
    ag.manual_seed(0)
    cpu = _stack().double()
    other = _stack().double()
    other.load_state_dict({k: to_host(v) for k, v in cpu.state_dict().items()})
    other.to(device)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((6, 2, 8), (4, 2, 8), (6, 2, 5), (6, 2, 3))]
    outs_c, ins_c = _run_stack(cpu, "cpu", arrays)
    outs_d, ins_d = _run_stack(other, device, arrays)
    for a, b in zip(outs_d, outs_c):
        np.testing.assert_allclose(to_host(a), to_host(b), rtol=rtol, atol=1e-12)
    for a, b in zip(ins_d, ins_c):
        np.testing.assert_allclose(to_host(a.grad), to_host(b.grad), rtol=rtol, atol=1e-12)
    for (name, p), q in zip(other.named_parameters(), cpu.parameters()):
        assert str(p.grad.device) == str(p.device), name
        np.testing.assert_allclose(to_host(p.grad), to_host(q.grad), rtol=rtol, atol=1e-12, err_msg=name)
    return outs_d


def test_attention_and_transformer_on_the_strict_device():
    outs = _check_device(STRICT, rtol=1e-11)
    assert all(str(o.device) == STRICT for o in outs)


@pytest.mark.cuda
def test_attention_and_transformer_on_cuda_match_cpu():
    try:
        ag.get_device("cuda")
    except DeviceError as exc:
        pytest.skip(f"no usable GPU: {exc}")
    outs = _check_device("cuda", rtol=1e-9)
    assert all(o.is_cuda for o in outs)
