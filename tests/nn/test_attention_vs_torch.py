"""Attention and Transformer layers against PyTorch: same weights (through load_state_dict), float64.

Every case compares the outputs (and attention weights), the gradient of every
input that requires grad and of every parameter, after a backward with the same
random upstream gradients.  Modules are in eval mode with dropout 0, and the
inputs require grad, so PyTorch takes its general path (its fused inference
kernels need autograd off).  Self-attention passes the same tensor as query, key
and value, as models do, so the packed projection and the gradient accumulation
into one tensor are both exercised.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers.op_factory import to_host

torch = pytest.importorskip("torch")

TOL = {"rtol": 1e-10, "atol": 1e-12}


def _rand(shape, seed, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def _load(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _pair(a, grad=True):
    """The same array as an autograd_core and a torch tensor (bool arrays stay bool and need no grad)."""
    if a.dtype == np.bool_:
        return ag.tensor(a), torch.tensor(a)
    return (ag.tensor(a, dtype=ag.float64, requires_grad=grad), torch.tensor(a, dtype=torch.float64, requires_grad=grad))


def _compare_outputs_and_grads(outs, expected, leaves, params, seed=0):
    """Compare outputs, then backprop random upstream gradients through all of them and compare gradients."""
    outs = [o for o in outs if o is not None]
    expected = [e for e in expected if e is not None]
    assert len(outs) == len(expected)
    for i, (o, e) in enumerate(zip(outs, expected)):
        assert tuple(o.shape) == tuple(e.shape), f"output {i}"
        np.testing.assert_allclose(to_host(o), e.detach().numpy(), err_msg=f"output {i}", **TOL)
    rng = np.random.default_rng(seed + 100)
    gs = [rng.standard_normal(tuple(e.shape)) for e in expected]
    ag.autograd.backward(outs, [ag.tensor(g) for g in gs])
    torch.autograd.backward(expected, [torch.tensor(g) for g in gs])
    for i, (a, b) in enumerate(leaves):
        if b.grad is None:
            assert a.grad is None or not to_host(a.grad).any(), f"grad of input {i}"
            continue
        np.testing.assert_allclose(to_host(a.grad), b.grad.numpy(), err_msg=f"grad of input {i}", **TOL)
    ours_params, theirs_params = params
    ours_params, theirs_params = dict(ours_params), dict(theirs_params)
    assert list(ours_params) == list(theirs_params), "parameter names and order differ from PyTorch's"
    for name, p in ours_params.items():
        q = theirs_params[name]
        assert tuple(p.shape) == tuple(q.shape), name
        if q.grad is None:
            assert p.grad is None or not to_host(p.grad).any(), name
            continue
        np.testing.assert_allclose(to_host(p.grad), q.grad.numpy(), err_msg=f"grad of {name}", **TOL)


def _build(make_ours, make_theirs, seed=0):
    torch.manual_seed(seed)
    theirs = make_theirs().double().eval()
    ours = make_ours().double().eval()
    _load(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        assert tuple(ours.state_dict()[k].shape) == tuple(v.shape), k
    return ours, theirs


# ---------------------------------------------------------------------------- masks
def _bool_mask(shape, seed, p=0.35):
    """A random bool mask (True = masked out, MHA convention) that leaves every row's first key free."""
    m = np.random.default_rng(seed).random(shape) < p
    m[..., 0] = False
    return m


def _float_mask(shape, seed):
    m = _rand(shape, seed)
    m[_bool_mask(shape, seed + 7)] = -np.inf
    return m


def _causal_bool(L, S=None):
    S = L if S is None else S
    return np.triu(np.ones((L, S), dtype=bool), k=1)  # True above the diagonal: masked out


# ---------------------------------------------------------------------------- scaled_dot_product_attention
SDPA_CASES = [
    ("plain", (2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5), {}),
    ("2d_inputs", (4, 8), (6, 8), (6, 5), {}),
    ("3d_inputs", (2, 4, 8), (2, 6, 8), (2, 6, 5), {}),
    ("broadcast_batch", (1, 3, 4, 8), (2, 1, 6, 8), (2, 1, 6, 5), {}),
    ("scale", (2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5), {"scale": 0.7}),
    ("causal_L_lt_S", (2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5), {"is_causal": True}),
    ("causal_L_gt_S", (2, 3, 6, 8), (2, 3, 4, 8), (2, 3, 4, 5), {"is_causal": True}),
    ("causal_square", (2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 4), {"is_causal": True}),
    ("bool_mask_2d", (2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5), {"bool_mask": (4, 6)}),
    ("bool_mask_4d", (2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5), {"bool_mask": (2, 1, 4, 6)}),
    ("float_mask_2d", (2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5), {"float_mask": (4, 6)}),
    ("float_mask_4d", (2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5), {"float_mask": (2, 3, 4, 6)}),
    ("gqa", (2, 4, 3, 8), (2, 2, 5, 8), (2, 2, 5, 6), {"enable_gqa": True}),
    ("gqa_causal", (2, 6, 3, 8), (2, 3, 5, 8), (2, 3, 5, 6), {"enable_gqa": True, "is_causal": True}),
]


@pytest.mark.parametrize("name,qs,ks,vs,kw", SDPA_CASES, ids=[c[0] for c in SDPA_CASES])
def test_sdpa_matches_torch(name, qs, ks, vs, kw):
    kw = dict(kw)
    arrays = [_rand(qs, 1), _rand(ks, 2), _rand(vs, 3)]
    pairs = [_pair(a) for a in arrays]
    mask_pair = None
    if "bool_mask" in kw:
        keep = ~_bool_mask(kw.pop("bool_mask"), 4)  # SDPA: True = takes part
        mask_pair = _pair(keep)
    elif "float_mask" in kw:
        mask_pair = _pair(_float_mask(kw.pop("float_mask"), 5))
    ours_args = [p[0] for p in pairs] + ([mask_pair[0]] if mask_pair else [])
    theirs_args = [p[1] for p in pairs] + ([mask_pair[1]] if mask_pair else [])
    out = F.scaled_dot_product_attention(*ours_args, **kw)
    expected = torch.nn.functional.scaled_dot_product_attention(*theirs_args, **kw)
    leaves = pairs + ([mask_pair] if mask_pair and mask_pair[0].requires_grad else [])
    _compare_outputs_and_grads([out], [expected], leaves, ({}, {}))


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_fully_masked_row_is_zero_with_zero_gradients_like_torch(kind):
    arrays = [_rand((2, 4, 8), 1), _rand((2, 5, 8), 2), _rand((2, 5, 3), 3)]
    pairs = [_pair(a) for a in arrays]
    if kind == "bool":
        keep = ~_bool_mask((4, 5), 4)
        keep[2] = False  # query 2 may attend to nothing
        mask = _pair(keep)
    else:
        m = _float_mask((4, 5), 4)
        m[2] = -np.inf
        mask = _pair(m, grad=False)
    out = F.scaled_dot_product_attention(*[p[0] for p in pairs], mask[0])
    expected = torch.nn.functional.scaled_dot_product_attention(*[p[1] for p in pairs], mask[1])
    assert not to_host(out)[:, 2].any()
    _compare_outputs_and_grads([out], [expected], pairs, ({}, {}))
    assert np.isfinite(to_host(pairs[0][0].grad)).all()


def test_sdpa_errors_match_torch_types():
    q, k, v = ag.randn(2, 4, 8), ag.randn(2, 6, 8), ag.randn(2, 6, 5)
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(q, k, v, ag.ones(4, 6, dtype=ag.bool), is_causal=True)
    with pytest.raises(RuntimeError):
        torch.nn.functional.scaled_dot_product_attention(
            torch.randn(2, 4, 8), torch.randn(2, 6, 8), torch.randn(2, 6, 5), torch.ones(4, 6, dtype=torch.bool),
            is_causal=True,
        )
    with pytest.raises(TypeError):  # scale is keyword-only, as in PyTorch
        F.scaled_dot_product_attention(q, k, v, None, 0.0, False, 0.5)


# ---------------------------------------------------------------------------- MultiheadAttention
E, H, L, S, N = 8, 2, 4, 5, 3

MHA_CASES = [
    # name, ctor kwargs, mode (self / kv_same / distinct), forward options
    ("self_seq_first", {}, "self", {}),
    ("self_batch_first", {"batch_first": True}, "self", {}),
    ("kv_same_batch_first", {"batch_first": True}, "kv_same", {}),
    ("distinct_qkv", {}, "distinct", {}),
    ("one_head", {"num_heads": 1}, "self", {}),
    ("four_heads", {"num_heads": 4}, "distinct", {"average_attn_weights": False}),
    ("no_bias", {"bias": False}, "self", {}),
    ("kdim_vdim", {"kdim": 5, "vdim": 3}, "distinct", {}),
    ("kdim_vdim_batch_first_masks", {"kdim": 5, "vdim": 3, "batch_first": True}, "distinct",
     {"key_padding_mask": "bool", "attn_mask": "bool2d"}),
    ("kdim_only", {"kdim": 6}, "distinct", {"need_weights": False}),
    ("bool_attn_mask_2d", {}, "kv_same", {"attn_mask": "bool2d"}),
    ("float_attn_mask_2d", {}, "kv_same", {"attn_mask": "float2d"}),
    ("bool_attn_mask_3d", {"batch_first": True}, "distinct", {"attn_mask": "bool3d"}),
    ("float_attn_mask_3d", {}, "self", {"attn_mask": "float3d"}),
    ("key_padding_bool", {}, "kv_same", {"key_padding_mask": "bool"}),
    ("key_padding_float", {"batch_first": True}, "kv_same", {"key_padding_mask": "float"}),
    ("kpm_and_attn_mask", {}, "self", {"key_padding_mask": "bool", "attn_mask": "bool2d"}),
    ("kpm_and_float_mask_3d", {}, "distinct", {"key_padding_mask": "float", "attn_mask": "float3d"}),
    ("need_weights_false", {}, "kv_same", {"need_weights": False}),
    ("need_weights_false_masks", {"batch_first": True}, "kv_same",
     {"need_weights": False, "key_padding_mask": "bool", "attn_mask": "bool2d"}),
    ("need_weights_false_mask_3d", {}, "distinct", {"need_weights": False, "attn_mask": "float3d"}),
    ("per_head_weights", {}, "kv_same", {"average_attn_weights": False, "attn_mask": "bool2d"}),
    ("causal_hint_sdpa", {"batch_first": True}, "self", {"attn_mask": "causal", "is_causal": True,
                                                       "need_weights": False}),
    ("causal_hint_with_weights", {}, "self", {"attn_mask": "causal", "is_causal": True}),
    ("causal_hint_with_kpm", {}, "self", {"attn_mask": "causal", "is_causal": True, "need_weights": False,
                                          "key_padding_mask": "bool"}),
    ("add_bias_kv", {"add_bias_kv": True}, "kv_same", {}),
    ("add_bias_kv_masks", {"add_bias_kv": True, "batch_first": True}, "kv_same",
     {"key_padding_mask": "bool", "attn_mask": "float2d"}),
    ("add_zero_attn", {"add_zero_attn": True}, "distinct", {"key_padding_mask": "bool", "attn_mask": "bool3d"}),
    ("bias_kv_and_zero_attn", {"add_bias_kv": True, "add_zero_attn": True}, "self",
     {"attn_mask": "bool2d", "need_weights": False}),
    ("bias_kv_zero_attn_kdim", {"add_bias_kv": True, "add_zero_attn": True, "kdim": 5, "vdim": 7}, "distinct",
     {"key_padding_mask": "float", "average_attn_weights": False}),
    ("unbatched_self", {}, "self", {"unbatched": True}),
    ("unbatched_masks", {"batch_first": True}, "kv_same",
     {"unbatched": True, "key_padding_mask": "bool", "attn_mask": "bool3d"}),
    ("unbatched_no_weights", {"kdim": 5, "vdim": 3}, "distinct",
     {"unbatched": True, "need_weights": False, "attn_mask": "float2d"}),
]


def _mha_inputs(ctor, mode, opts):
    heads = ctor.get("num_heads", H)
    kdim, vdim = ctor.get("kdim", E), ctor.get("vdim", E)
    batch_first, unbatched = ctor.get("batch_first", False), opts.get("unbatched", False)
    tgt, src = (L, L) if mode == "self" else (L, S)

    def shape(seq, feat):
        if unbatched:
            return (seq, feat)
        return (N, seq, feat) if batch_first else (seq, N, feat)

    if mode == "self":
        q = _pair(_rand(shape(tgt, E), 1))
        qkv = [q, q, q]
        leaves = [q]
    elif mode == "kv_same":
        q, kv = _pair(_rand(shape(tgt, E), 1)), _pair(_rand(shape(src, kdim), 2))
        qkv, leaves = [q, kv, kv], [q, kv]
    else:
        q, k, v = _pair(_rand(shape(tgt, E), 1)), _pair(_rand(shape(src, kdim), 2)), _pair(_rand(shape(src, vdim), 3))
        qkv, leaves = [q, k, v], [q, k, v]
    kw_ours, kw_theirs = {}, {}
    # masks cover the given keys only: bias_k/bias_v and the zero attention pad them, as in PyTorch
    kpm = opts.get("key_padding_mask")
    if kpm is not None:
        kshape = (src,) if unbatched else (N, src)
        m = _bool_mask(kshape, 11) if kpm == "bool" else _float_mask(kshape, 11)
        kw_ours["key_padding_mask"], kw_theirs["key_padding_mask"] = _pair(m, grad=False)
    am = opts.get("attn_mask")
    if am is not None:
        if am == "causal":
            m = _causal_bool(tgt, src)
        elif am.endswith("2d"):
            m = _bool_mask((tgt, src), 12) if am.startswith("bool") else _float_mask((tgt, src), 12)
        else:
            lead = heads if unbatched else N * heads
            m = _bool_mask((lead, tgt, src), 12) if am.startswith("bool") else _float_mask((lead, tgt, src), 12)
        kw_ours["attn_mask"], kw_theirs["attn_mask"] = _pair(m, grad=False)
    for opt in ("need_weights", "average_attn_weights", "is_causal"):
        if opt in opts:
            kw_ours[opt] = kw_theirs[opt] = opts[opt]
    return qkv, leaves, kw_ours, kw_theirs


@pytest.mark.parametrize("name,ctor,mode,opts", MHA_CASES, ids=[c[0] for c in MHA_CASES])
def test_multihead_attention_matches_torch(name, ctor, mode, opts):
    ctor = dict(ctor)
    heads = ctor.pop("num_heads", H)
    ours, theirs = _build(lambda: nn.MultiheadAttention(E, heads, **ctor),
                          lambda: torch.nn.MultiheadAttention(E, heads, **ctor))
    qkv, leaves, kw_ours, kw_theirs = _mha_inputs({**ctor, "num_heads": heads}, mode, opts)
    out, weights = ours(*[p[0] for p in qkv], **kw_ours)
    expected, expected_weights = theirs(*[p[1] for p in qkv], **kw_theirs)
    assert (weights is None) == (expected_weights is None)
    _compare_outputs_and_grads([out, weights], [expected, expected_weights], leaves,
                               (ours.named_parameters(), theirs.named_parameters()))


@pytest.mark.parametrize("ctor", [{}, {"kdim": 5, "vdim": 3}, {"add_bias_kv": True, "bias": False},
                                  {"add_bias_kv": True, "kdim": 4}])
def test_multihead_attention_parameters_and_state_dict_like_torch(ctor):
    ours, theirs = nn.MultiheadAttention(E, H, **ctor), torch.nn.MultiheadAttention(E, H, **ctor)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    for attr in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "dropout", "batch_first", "add_zero_attn",
                 "_qkv_same_embed_dim"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    for attr in ("in_proj_weight", "in_proj_bias", "q_proj_weight", "k_proj_weight", "v_proj_weight", "bias_k",
                 "bias_v"):
        assert (getattr(ours, attr) is None) == (getattr(theirs, attr) is None), attr


def test_multihead_attention_default_init_like_torch():
    ours, theirs = nn.MultiheadAttention(64, 4), torch.nn.MultiheadAttention(64, 4)
    bound = (6.0 / (64 + 3 * 64)) ** 0.5  # xavier_uniform_ of the (3E, E) packed weight
    w = to_host(ours.in_proj_weight)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - theirs.in_proj_weight.detach().numpy().std()) < 0.1 * bound
    assert not to_host(ours.in_proj_bias).any() and not to_host(ours.out_proj.bias).any()
    ob = 1 / 64 ** 0.5  # out_proj.weight keeps Linear's init
    assert np.abs(to_host(ours.out_proj.weight)).max() <= ob


# ---------------------------------------------------------------------------- Transformer layers
D, FF = 8, 16

ENC_LAYER_CASES = [
    ("post_norm_seq_first", {}, {}),
    ("post_norm_batch_first", {"batch_first": True}, {}),
    ("pre_norm", {"norm_first": True}, {}),
    ("gelu_string", {"activation": "gelu", "batch_first": True}, {}),
    ("gelu_fn_pre_norm", {"activation": "F.gelu", "norm_first": True}, {}),
    ("callable_activation", {"activation": "tanh"}, {}),
    ("no_bias_eps", {"bias": False, "layer_norm_eps": 1e-3}, {}),
    ("src_mask_bool", {}, {"src_mask": "bool"}),
    ("src_mask_float_batch_first", {"batch_first": True}, {"src_mask": "float"}),
    ("key_padding", {"batch_first": True}, {"src_key_padding_mask": "bool"}),
    ("key_padding_and_mask", {"norm_first": True}, {"src_key_padding_mask": "bool", "src_mask": "bool"}),
    ("causal", {"batch_first": True}, {"src_mask": "causal", "is_causal": True}),
    ("causal_with_padding", {}, {"src_mask": "causal", "is_causal": True, "src_key_padding_mask": "bool"}),
    ("unbatched", {"batch_first": True}, {"unbatched": True, "src_mask": "bool"}),
    ("four_heads", {"nhead": 4, "batch_first": True}, {"src_key_padding_mask": "float"}),
]


def _activation(spec, lib):
    if spec == "F.gelu":
        return lib.functional.gelu
    if spec == "tanh":
        return lib.Tanh()
    return spec


def _ctor(kw, lib):
    kw = dict(kw)
    if "activation" in kw:
        kw["activation"] = _activation(kw["activation"], lib)
    return kw


def _seq_input(batch_first, unbatched, seq, seed):
    shape = (seq, D) if unbatched else ((N, seq, D) if batch_first else (seq, N, D))
    return _pair(_rand(shape, seed))


def _mask(kind, L_, S_, seed):
    if kind == "causal":
        return _pair(np.where(_causal_bool(L_, S_), -np.inf, 0.0), grad=False)  # as generate_square_subsequent_mask
    return _pair(_bool_mask((L_, S_), seed) if kind == "bool" else _float_mask((L_, S_), seed), grad=False)


def _kpm(kind, seq, unbatched, seed):
    shape = (seq,) if unbatched else (N, seq)
    return _pair(_bool_mask(shape, seed) if kind == "bool" else _float_mask(shape, seed), grad=False)


def _encoder_kwargs(ctor, opts, seq=L):
    kw_o, kw_t = {}, {}
    unbatched = opts.get("unbatched", False)
    if "src_mask" in opts:
        kw_o["src_mask"], kw_t["src_mask"] = _mask(opts["src_mask"], seq, seq, 21)
    if "src_key_padding_mask" in opts:
        kw_o["src_key_padding_mask"], kw_t["src_key_padding_mask"] = _kpm(opts["src_key_padding_mask"], seq,
                                                                          unbatched, 22)
    if "is_causal" in opts:
        kw_o["is_causal"] = kw_t["is_causal"] = opts["is_causal"]
    return kw_o, kw_t


@pytest.mark.parametrize("name,ctor,opts", ENC_LAYER_CASES, ids=[c[0] for c in ENC_LAYER_CASES])
def test_transformer_encoder_layer_matches_torch(name, ctor, opts):
    ctor = dict(ctor)
    nhead = ctor.pop("nhead", H)
    ours, theirs = _build(
        lambda: nn.TransformerEncoderLayer(D, nhead, FF, dropout=0.0, **_ctor(ctor, nn)),
        lambda: torch.nn.TransformerEncoderLayer(D, nhead, FF, dropout=0.0, **_ctor(ctor, torch.nn)),
    )
    x = _seq_input(ctor.get("batch_first", False), opts.get("unbatched", False), L, 1)
    kw_o, kw_t = _encoder_kwargs(ctor, opts)
    _compare_outputs_and_grads([ours(x[0], **kw_o)], [theirs(x[1], **kw_t)], [x],
                               (ours.named_parameters(), theirs.named_parameters()))


ENCODER_CASES = [
    ("plain", {}, {}, False),
    ("final_norm_batch_first", {"batch_first": True}, {}, True),
    ("detected_causal_mask", {"batch_first": True}, {"src_mask": "causal"}, True),
    ("explicit_causal_hint", {}, {"src_mask": "causal", "is_causal": True}, False),
    ("padding_pre_norm", {"norm_first": True, "batch_first": True}, {"src_key_padding_mask": "bool"}, True),
    ("bool_mask_and_padding", {}, {"src_mask": "bool", "src_key_padding_mask": "bool"}, True),
    ("unbatched", {}, {"unbatched": True, "src_mask": "float"}, False),
]


@pytest.mark.parametrize("name,ctor,opts,final_norm", ENCODER_CASES, ids=[c[0] for c in ENCODER_CASES])
def test_transformer_encoder_matches_torch(name, ctor, opts, final_norm):
    def make(lib, **extra):
        layer = lib.TransformerEncoderLayer(D, H, FF, dropout=0.0, **ctor)
        return lib.TransformerEncoder(layer, 2, norm=lib.LayerNorm(D) if final_norm else None, **extra)

    ours, theirs = _build(lambda: make(nn), lambda: make(torch.nn, enable_nested_tensor=False))
    # distinct weights per layer (the clones start equal): reload after perturbing PyTorch's
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    _load(ours, theirs)
    x = _seq_input(ctor.get("batch_first", False), opts.get("unbatched", False), L, 1)
    kw_o, kw_t = _encoder_kwargs(ctor, opts)
    for kw in (kw_o, kw_t):
        if "src_mask" in kw:
            kw["mask"] = kw.pop("src_mask")
    _compare_outputs_and_grads([ours(x[0], **kw_o)], [theirs(x[1], **kw_t)], [x],
                               (ours.named_parameters(), theirs.named_parameters()))


DEC_CASES = [
    ("post_norm", {}, {}),
    ("pre_norm_batch_first_gelu", {"norm_first": True, "batch_first": True, "activation": "gelu"}, {}),
    ("tgt_causal_hint", {"batch_first": True}, {"tgt_mask": "causal", "tgt_is_causal": True}),
    ("all_masks", {}, {"tgt_mask": "bool", "memory_mask": "float", "tgt_key_padding_mask": "bool",
                       "memory_key_padding_mask": "bool"}),
    ("no_bias_unbatched", {"bias": False}, {"unbatched": True, "memory_mask": "bool"}),
]


def _decoder_kwargs(opts):
    kw_o, kw_t = {}, {}
    unbatched = opts.get("unbatched", False)
    for key, (lq, lk) in (("tgt_mask", (L, L)), ("memory_mask", (L, S))):
        if key in opts:
            kw_o[key], kw_t[key] = _mask(opts[key], lq, lk, 31 if key == "tgt_mask" else 32)
    for key, seq in (("tgt_key_padding_mask", L), ("memory_key_padding_mask", S)):
        if key in opts:
            kw_o[key], kw_t[key] = _kpm(opts[key], seq, unbatched, 33 if key.startswith("tgt") else 34)
    for key in ("tgt_is_causal", "memory_is_causal"):
        if key in opts:
            kw_o[key] = kw_t[key] = opts[key]
    return kw_o, kw_t


@pytest.mark.parametrize("name,ctor,opts", DEC_CASES, ids=[c[0] for c in DEC_CASES])
def test_transformer_decoder_layer_matches_torch(name, ctor, opts):
    ours, theirs = _build(lambda: nn.TransformerDecoderLayer(D, H, FF, dropout=0.0, **ctor),
                          lambda: torch.nn.TransformerDecoderLayer(D, H, FF, dropout=0.0, **ctor))
    bf, unb = ctor.get("batch_first", False), opts.get("unbatched", False)
    tgt, mem = _seq_input(bf, unb, L, 1), _seq_input(bf, unb, S, 2)
    kw_o, kw_t = _decoder_kwargs(opts)
    _compare_outputs_and_grads([ours(tgt[0], mem[0], **kw_o)], [theirs(tgt[1], mem[1], **kw_t)], [tgt, mem],
                               (ours.named_parameters(), theirs.named_parameters()))


@pytest.mark.parametrize("opts", [{}, {"tgt_mask": "causal"}, {"tgt_mask": "causal", "memory_key_padding_mask": "bool"}])
def test_transformer_decoder_matches_torch(opts):
    def make(lib):
        return lib.TransformerDecoder(lib.TransformerDecoderLayer(D, H, FF, dropout=0.0), 2, norm=lib.LayerNorm(D))

    ours, theirs = _build(lambda: make(nn), lambda: make(torch.nn))
    tgt, mem = _seq_input(False, False, L, 1), _seq_input(False, False, S, 2)
    kw_o, kw_t = _decoder_kwargs(opts)
    _compare_outputs_and_grads([ours(tgt[0], mem[0], **kw_o)], [theirs(tgt[1], mem[1], **kw_t)], [tgt, mem],
                               (ours.named_parameters(), theirs.named_parameters()))


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    def make(lib):
        return lib.Transformer(d_model=D, nhead=H, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=FF,
                               dropout=0.0, batch_first=batch_first)

    ours, theirs = _build(lambda: make(nn), lambda: make(torch.nn))
    src, tgt = _seq_input(batch_first, False, S, 1), _seq_input(batch_first, False, L, 2)
    mask = nn.Transformer.generate_square_subsequent_mask(L, dtype=ag.float64)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(L, dtype=torch.float64)
    np.testing.assert_array_equal(to_host(mask), tmask.numpy())
    kpm = _kpm("bool", S, False, 5)
    out = ours(src[0], tgt[0], tgt_mask=mask, src_key_padding_mask=kpm[0], memory_key_padding_mask=kpm[0])
    expected = theirs(src[1], tgt[1], tgt_mask=tmask, src_key_padding_mask=kpm[1], memory_key_padding_mask=kpm[1])
    _compare_outputs_and_grads([out], [expected], [src, tgt], (ours.named_parameters(), theirs.named_parameters()))


@pytest.mark.parametrize("kind", ["encoder_layer", "decoder_layer", "encoder", "decoder", "transformer"])
def test_transformer_state_dicts_match_torch(kind):
    def make(lib):
        if kind == "encoder_layer":
            return lib.TransformerEncoderLayer(D, H, FF, norm_first=True, bias=False)
        if kind == "decoder_layer":
            return lib.TransformerDecoderLayer(D, H, FF)
        if kind == "encoder":
            return lib.TransformerEncoder(lib.TransformerEncoderLayer(D, H, FF), 3, norm=lib.LayerNorm(D),
                                          **({} if lib is nn else {"enable_nested_tensor": False}))
        if kind == "decoder":
            return lib.TransformerDecoder(lib.TransformerDecoderLayer(D, H, FF), 2)
        return lib.Transformer(D, H, 2, 2, FF)

    ours, theirs = make(nn), make(torch.nn)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    _load(ours, theirs)


def test_encoder_layer_attributes_like_torch():
    for act in ("relu", "gelu", None):
        kw = {} if act is None else {"activation": act}
        ours, theirs = nn.TransformerEncoderLayer(D, H, **kw), torch.nn.TransformerEncoderLayer(D, H, **kw)
        assert ours.activation_relu_or_gelu == theirs.activation_relu_or_gelu
        assert ours.norm_first == theirs.norm_first and ours.linear1.out_features == theirs.linear1.out_features == 2048
        assert ours.dropout.p == theirs.dropout.p == 0.1 and ours.self_attn.dropout == theirs.self_attn.dropout
    assert nn.TransformerEncoderLayer(D, H, activation=nn.GELU()).activation_relu_or_gelu == 2


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_fully_masked_query_like_torch(need_weights):
    """A query that may attend to nothing: NaN through the explicit-weights path, zeros through
    scaled_dot_product_attention (need_weights=False), as in PyTorch."""
    ours, theirs = _build(lambda: nn.MultiheadAttention(E, H), lambda: torch.nn.MultiheadAttention(E, H))
    x = _pair(_rand((L, N, E), 1))
    m = _bool_mask((L, L), 2)
    m[1] = True
    mask = _pair(m, grad=False)
    out = to_host(ours(x[0], x[0], x[0], attn_mask=mask[0], need_weights=need_weights)[0])
    expected = theirs(x[1], x[1], x[1], attn_mask=mask[1], need_weights=need_weights)[0].detach().numpy()
    assert np.isnan(out[1]).all() == need_weights and not np.isnan(out[[0, 2, 3]]).any()
    np.testing.assert_allclose(out, expected, equal_nan=True, **TOL)
