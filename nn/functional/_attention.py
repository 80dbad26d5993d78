"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``, as in PyTorch.

Both are composed from ``autograd_core`` ops (matmul, softmax, where, cat,
linear, dropout), so their gradients, the GPU and the strict device come for
free.  Mask conventions are PyTorch's, and they differ between the two:

* ``scaled_dot_product_attention``: a bool ``attn_mask`` marks with ``True`` the
  positions that *take part*; a float mask is added to the scores.
* ``multi_head_attention_forward`` (and ``nn.MultiheadAttention``): a bool
  ``attn_mask`` or ``key_padding_mask`` marks with ``True`` the positions that are
  *masked out*; a float mask is added.

A query row whose keys are all masked out gets zero weights (and a zero output
and gradient) from ``scaled_dot_product_attention``, as PyTorch 2.13's does; the
explicit-weights path of ``multi_head_attention_forward`` (``need_weights=True``)
uses a plain softmax there, so such a row is NaN, again as in PyTorch.
"""

from __future__ import annotations

import math
import warnings

import autograd_core as ag
from autograd_core import Tensor
from nn.functional._dropout import _check_p, dropout
from nn.functional._linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_NEG_INF = float("-inf")


def _shape(t) -> tuple:
    return tuple(t.shape)


def _broadcast_shape(a: tuple, b: tuple):
    """The broadcast of two shapes, or None when they don't broadcast."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and x != 1 and y != 1:
            return None
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def _is_float(t: Tensor) -> bool:
    return t.dtype.kind == "f"


def _is_bool(t: Tensor) -> bool:
    return t.dtype == ag.bool


# ---------------------------------------------------------------------------- scaled dot-product attention
def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    *,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(query @ key.mT * scale + mask) @ value`` over the last two dims, as ``torch``'s.

    Shapes: query ``(..., L, E)``, key ``(..., S, E)``, value ``(..., S, Ev)`` (leading dims
    broadcast), result ``(..., L, Ev)``.  ``scale`` defaults to ``1/sqrt(E)``.  A bool
    ``attn_mask`` keeps the positions that are ``True``; a float one is added to the scores; either
    must broadcast to ``(..., L, S)``.  ``is_causal=True`` keeps key ``j`` for query ``i`` when
    ``j <= i`` (the upper-left causal mask, also when ``L != S``) and excludes ``attn_mask``.
    Dropout with probability ``dropout_p`` is applied to the weights whenever ``dropout_p > 0``
    (pass 0 in eval mode).  ``enable_gqa=True`` lets key and value have fewer heads (dim -3) than
    query, each shared by ``query heads / kv heads`` consecutive query heads.  A query row with
    every key masked out gets zero weights, hence a zero output, as in PyTorch 2.13.

    >>> import autograd_core as ag, nn.functional as F
    >>> q, k, v = ag.ones(2, 4, 3, 8), ag.ones(2, 4, 5, 8), ag.ones(2, 4, 5, 6)
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
    torch.Size([2, 4, 3, 6])
    """
    name = "scaled_dot_product_attention"
    for arg, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: {arg} must be a Tensor, got {type(t).__name__}")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            f"{name}: expected query, key and value to be at least 2-D (..., L or S, E), got shapes "
            f"{_shape(query)}, {_shape(key)} and {_shape(value)}"
        )
    if not (query.dtype == key.dtype == value.dtype) or not _is_float(query):
        raise RuntimeError(
            f"{name}: expected query, key and value to have the same floating point dtype, got "
            f"{query.dtype}, {key.dtype} and {value.dtype}"
        )
    if not (query.device == key.device == value.device):
        raise RuntimeError(
            f"{name}: expected query, key and value on the same device, got {query.device}, {key.device} "
            f"and {value.device}"
        )
    L, E = query.shape[-2], query.shape[-1]
    S = key.shape[-2]
    if key.shape[-1] != E:
        raise RuntimeError(
            f"{name}: query {_shape(query)} and key {_shape(key)} must have the same last dim (embedding size "
            f"{E} != {key.shape[-1]})"
        )
    if value.shape[-2] != S:
        raise RuntimeError(
            f"{name}: key {_shape(key)} and value {_shape(value)} must have the same sequence length "
            f"(dim -2: {S} != {value.shape[-2]})"
        )
    if is_causal and attn_mask is not None:
        raise RuntimeError(f"{name}: explicit attn_mask should not be set when is_causal=True")
    dropout_p = _check_p(name, dropout_p)
    if enable_gqa:
        key, value = _repeat_kv_heads(name, query, key, value)
    lead_q, lead_k, lead_v = _shape(query)[:-2], _shape(key)[:-2], _shape(value)[:-2]
    lead = _broadcast_shape(lead_q, lead_k)
    lead = None if lead is None else _broadcast_shape(lead, lead_v)
    if lead is None:
        raise RuntimeError(
            f"{name}: the batch dims of query {_shape(query)}, key {_shape(key)} and value {_shape(value)} "
            "(all but the last two) don't broadcast together"
            + ("" if enable_gqa else "; pass enable_gqa=True if key and value have fewer heads than query")
        )
    scores_shape = lead + (L, S)
    if attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"{name}: attn_mask must be a Tensor or None, got {type(attn_mask).__name__}")
        if not (_is_bool(attn_mask) or _is_float(attn_mask)):
            raise RuntimeError(f"{name}: expected attn_mask dtype to be bool or float, got {attn_mask.dtype}")
        if _broadcast_shape(_shape(attn_mask), scores_shape) != scores_shape:
            raise RuntimeError(
                f"{name}: attn_mask of shape {_shape(attn_mask)} doesn't broadcast to the attention scores' "
                f"shape {scores_shape} (batch dims..., L={L}, S={S})"
            )
    scale_factor = 1.0 / math.sqrt(E) if scale is None else float(scale)

    scores = ag.matmul(query, key.transpose(-2, -1)) * scale_factor
    if is_causal:
        keep = ag.ones(L, S, dtype=ag.bool, device=query.device).tril()
        scores = scores.masked_fill(~keep, _NEG_INF)
    if attn_mask is None:
        attn = ag.softmax(scores, -1)
    else:
        if _is_bool(attn_mask):
            scores = ag.where(attn_mask, scores, _NEG_INF)
        else:
            scores = scores + attn_mask.to(query.dtype)
        # PyTorch's safe softmax: a row with every key masked out gets zero weights, not NaN.
        # Its scores are replaced before the softmax too, so no NaN reaches the backward.
        dead = (scores == _NEG_INF).all(-1, keepdim=True)
        attn = ag.where(dead, 0.0, ag.softmax(ag.where(dead, 0.0, scores), -1))
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, training=True)
    return ag.matmul(attn, value)


def _split_heads(name: str, x: Tensor, static, static_name: str, batch_heads: int, head_dim: int) -> Tensor:
    """Projected keys or values ``(S, N, E)`` as ``(N * heads, S, head_dim)``, or the given static ones."""
    if static is None:
        return x.reshape(x.shape[0], batch_heads, head_dim).transpose(0, 1)
    if static.shape[0] != batch_heads or static.shape[2] != head_dim:
        raise AssertionError(
            f"{name}: expecting {static_name} of shape ({batch_heads}, S, {head_dim}), got {_shape(static)}"
        )
    return static


def _repeat_kv_heads(name: str, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    if query.ndim < 3 or key.ndim < 3 or value.ndim < 3:
        raise RuntimeError(
            f"{name}: enable_gqa=True needs a heads dim (-3) in query, key and value, got shapes {_shape(query)}, "
            f"{_shape(key)} and {_shape(value)}"
        )
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hk != hv or hk == 0 or hq % hk:
        raise RuntimeError(
            f"{name}: with enable_gqa=True, key and value must have the same number of heads (dim -3), which must "
            f"divide the query's: got query {hq}, key {hk}, value {hv} heads"
        )
    if hq == hk:
        return key, value
    return key.repeat_interleave(hq // hk, dim=-3), value.repeat_interleave(hq // hk, dim=-3)


# ---------------------------------------------------------------------------- multi-head attention
def _canonical_mask(mask, mask_name: str, other_type, other_name: str, target_type, check_other: bool = True):
    """PyTorch's mask canonicalisation: a bool mask becomes a float one with -inf where it is True."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"{mask_name} must be a Tensor or None, got {type(mask).__name__}")
    if not (_is_bool(mask) or _is_float(mask)):
        raise AssertionError(f"only bool and floating types of {mask_name} are supported, got {mask.dtype}")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(
            f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both instead.",
            stacklevel=3,
        )
    if _is_bool(mask):
        return ag.zeros(_shape(mask), dtype=target_type, device=mask.device).masked_fill(mask, _NEG_INF)
    return mask


def _none_or_dtype(t):
    return None if t is None else t.dtype


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    name = "multi_head_attention_forward"
    for arg, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: {arg} must be a Tensor, got {type(t).__name__}")
    shapes = f"query {_shape(query)}, key {_shape(key)}, value {_shape(value)}"
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError(f"{name}: for batched (3-D) query, expected 3-D key and value, got {shapes}")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError(
                f"{name}: for batched (3-D) query, expected key_padding_mask to be None or 2-D (N, S), got shape "
                f"{_shape(key_padding_mask)}"
            )
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError(
                f"{name}: for batched (3-D) query, expected attn_mask to be None, 2-D or 3-D, got shape "
                f"{_shape(attn_mask)}"
            )
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError(f"{name}: for unbatched (2-D) query, expected 2-D key and value, got {shapes}")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError(
                f"{name}: for unbatched (2-D) query, expected key_padding_mask to be None or 1-D (S,), got shape "
                f"{_shape(key_padding_mask)}"
            )
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError(
                    f"{name}: for unbatched (2-D) query, expected attn_mask to be None, 2-D or 3-D, got shape "
                    f"{_shape(attn_mask)}"
                )
            if attn_mask.ndim == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if _shape(attn_mask) != expected:
                    raise AssertionError(f"{name}: expected attn_mask of shape {expected}, got {_shape(attn_mask)}")
        return False
    raise AssertionError(
        f"{name}: query should be an unbatched 2-D or a batched 3-D tensor, got a {query.ndim}-D query of shape "
        f"{_shape(query)}"
    )


def _in_projection_packed(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | None) -> list[Tensor]:
    E = q.shape[-1]
    if k is v:
        if q is k:  # self-attention: one GEMM
            proj = linear(q, w, b)
            return [proj[..., :E], proj[..., E : 2 * E], proj[..., 2 * E :]]
        # encoder-decoder attention: one GEMM for the query, one for key and value
        b_q, b_kv = (None, None) if b is None else (b[:E], b[E:])
        q_proj = linear(q, w[:E], b_q)
        kv = linear(k, w[E:], b_kv)
        return [q_proj, kv[..., :E], kv[..., E:]]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return [linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)]


def _check_proj(name: str, what: str, w: Tensor | None, shape: tuple) -> None:
    if w is not None and _shape(w) != shape:
        raise AssertionError(f"{name}: expecting {what} of shape {shape}, but got {_shape(w)}")


def _pad_last(t: Tensor) -> Tensor:
    """One more zero column on the last dim (PyTorch's ``pad(mask, (0, 1))``)."""
    return ag.cat([t, ag.zeros(_shape(t)[:-1] + (1,), dtype=t.dtype, device=t.device)], dim=-1)


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """The computation of ``nn.MultiheadAttention``, with ``torch.nn.functional``'s signature.

    Sequence-first: query ``(L, N, E)`` or unbatched ``(L, E)``, key and value ``(S, N, E_k)``,
    ``(S, N, E_v)`` (or ``(S, E_*)``).  Returns ``(attn_output, attn_weights)``: the output
    ``(L, N, E)`` and, when ``need_weights``, the weights ``(N, L, S)`` averaged over heads
    (``(N, num_heads, L, S)`` with ``average_attn_weights=False``), else None.  A bool mask
    masks out the positions that are ``True``; ``attn_mask`` is ``(L, S)`` or
    ``(N * num_heads, L, S)``, ``key_padding_mask`` ``(N, S)``.  ``is_causal`` is a hint that
    ``attn_mask`` is the causal mask (which must still be given); without weights and key padding
    mask the causal mask is then applied instead of ``attn_mask``.

    >>> import autograd_core as ag, nn.functional as F
    >>> x, w, ow = ag.randn(5, 2, 8), ag.randn(24, 8), ag.randn(8, 8)
    >>> out, weights = F.multi_head_attention_forward(x, x, x, 8, 2, w, None, None, None, False, 0.0, ow, None)
    >>> out.shape, weights.shape
    (torch.Size([5, 2, 8]), torch.Size([2, 5, 5]))
    """
    name = "multi_head_attention_forward"
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]

    key_padding_mask = _canonical_mask(
        key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask), "attn_mask", query.dtype
    )
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        # The hint alone goes to scaled_dot_product_attention, which builds the causal mask itself.
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False  # the merged mask is no longer causal

    if embed_dim != embed_dim_to_check:
        raise AssertionError(
            f"{name}: was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim} "
            f"(query shape {_shape(query)})"
        )
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"{name}: embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if _shape(key)[:2] != _shape(value)[:2]:
            raise AssertionError(
                f"{name}: key's sequence and batch dims {_shape(key)[:2]} do not match value's {_shape(value)[:2]}"
            )
    elif _shape(key) != _shape(value):
        raise AssertionError(f"{name}: key shape {_shape(key)} does not match value shape {_shape(value)}")
    if key.shape[1] != bsz:
        raise AssertionError(
            f"{name}: query {_shape(query)} and key {_shape(key)} must have the same batch size (dim 1)"
        )

    # -- in-projection
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError(f"{name}: use_separate_proj_weight is False but in_proj_weight is None")
        _check_proj(name, "in_proj_weight", in_proj_weight, (3 * embed_dim, embed_dim))
        if key.shape[-1] != embed_dim:
            raise AssertionError(
                f"{name}: key and value must have embed_dim={embed_dim} features with packed projection weights, "
                f"got key {_shape(key)} and value {_shape(value)}"
            )
        _check_proj(name, "in_proj_bias", in_proj_bias, (3 * embed_dim,))
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for what, w in (("q_proj_weight", q_proj_weight), ("k_proj_weight", k_proj_weight),
                        ("v_proj_weight", v_proj_weight)):
            if w is None:
                raise AssertionError(f"{name}: use_separate_proj_weight is True but {what} is None")
        _check_proj(name, "query weights", q_proj_weight, (embed_dim, embed_dim))
        _check_proj(name, "key weights", k_proj_weight, (embed_dim, key.shape[-1]))
        _check_proj(name, "value weights", v_proj_weight, (embed_dim, value.shape[-1]))
        _check_proj(name, "in_proj_bias", in_proj_bias, (3 * embed_dim,))
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q = linear(query, q_proj_weight, b_q)
        k = linear(key, k_proj_weight, b_k)
        v = linear(value, v_proj_weight, b_v)

    # -- attention mask to 3-D
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if _shape(attn_mask) != (tgt_len, src_len):
                raise RuntimeError(
                    f"{name}: the shape of the 2D attn_mask is {_shape(attn_mask)}, but should be "
                    f"{(tgt_len, src_len)} (L, S)."
                )
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if _shape(attn_mask) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(
                    f"{name}: the shape of the 3D attn_mask is {_shape(attn_mask)}, but should be "
                    f"{(bsz * num_heads, tgt_len, src_len)} (N * num_heads, L, S)."
                )
        else:
            raise RuntimeError(f"{name}: attn_mask's dimension {attn_mask.ndim} is not supported")

    # -- bias_k / bias_v: one more key and value position
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError(f"{name}: bias cannot be added to static key or value.")
        k = ag.cat([k, bias_k.repeat(1, bsz, 1)])
        v = ag.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError(f"{name}: bias_k and bias_v must be given together")

    # -- heads into the batch dim: (N * num_heads, len, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _split_heads(name, k, static_k, "static_k", bsz * num_heads, head_dim)
    v = _split_heads(name, v, static_v, "static_v", bsz * num_heads, head_dim)

    if add_zero_attn:
        zeros = ag.zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype, device=k.device)
        k = ag.cat([k, zeros], dim=1)
        v = ag.cat([v, zeros.to(v.dtype)], dim=1)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)

    src_len = k.shape[1]
    if key_padding_mask is not None:
        if _shape(key_padding_mask) != (bsz, src_len):
            raise AssertionError(
                f"{name}: expected key_padding_mask of shape {(bsz, src_len)} (N, S), got {_shape(key_padding_mask)}"
            )
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0

    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        scores = ag.matmul(q_scaled, k.transpose(-2, -1))
        if attn_mask is not None:
            scores = attn_mask + scores
        weights = ag.softmax(scores, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        attn_output = ag.matmul(weights, v)
        attn_output = attn_output.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        attn_output = linear(attn_output, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            attn_output, weights = attn_output.squeeze(1), weights.squeeze(0)
        return attn_output, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    attn_output = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    attn_output = attn_output.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    attn_output = linear(attn_output, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not is_batched:
        attn_output = attn_output.squeeze(1)
    return attn_output, None
