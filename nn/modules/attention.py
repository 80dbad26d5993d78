"""``MultiheadAttention`` with PyTorch's parameters, layouts, initialisation and masks.

Parameters: ``in_proj_weight`` (3E, E) holding the query, key and value projections
stacked in that order, and ``in_proj_bias`` (3E,), when ``kdim == vdim == embed_dim``;
otherwise ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight``
(E, vdim); ``bias_k``/``bias_v`` (1, 1, E) with ``add_bias_kv``; and the output
projection ``out_proj`` (a ``Linear``).  So a PyTorch state_dict converted to arrays loads.

>>> import autograd_core as ag, nn
>>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
>>> [name for name, _ in mha.named_parameters()]
['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']
>>> x = ag.randn(3, 5, 8)
>>> out, weights = mha(x, x, x)
>>> out.shape, weights.shape
(torch.Size([3, 5, 8]), torch.Size([3, 5, 5]))
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core import Tensor
from nn import init
from nn.functional import _attention as Fa
from nn.module import Module
from nn.modules.linear import Linear
from nn.parameter import Parameter

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under the name PyTorch gives ``MultiheadAttention.out_proj`` (a quantization marker there)."""


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al. 2017): ``Concat(head_1..head_h) @ out_proj``.

    ``head_i = softmax(Q_i K_i^T / sqrt(head_dim) + mask) V_i`` with ``Q_i, K_i, V_i`` the
    ``i``-th ``head_dim = embed_dim // num_heads`` slice of the projected query, key and value.
    Inputs are ``(L, N, E)`` (``(N, L, E)`` with ``batch_first=True``) or unbatched ``(L, E)``.
    ``forward`` returns ``(attn_output, attn_weights)``; the weights are averaged over heads
    unless ``average_attn_weights=False``, and None with ``need_weights=False`` (which computes
    through ``F.scaled_dot_product_attention``).  Bool masks mask out the positions that are
    ``True``; float masks are added to the scores.  ``dropout`` applies to the attention weights
    in training mode.  Initialised as PyTorch: ``xavier_uniform_`` projection weights, zero
    biases (``out_proj.bias`` included), ``xavier_normal_`` ``bias_k``/``bias_v``.

    >>> import autograd_core as ag, nn
    >>> mha = nn.MultiheadAttention(8, 2, kdim=3, vdim=5)
    >>> out, w = mha(ag.randn(4, 2, 8), ag.randn(6, 2, 3), ag.randn(6, 2, 5), need_weights=False)
    >>> out.shape, w
    (torch.Size([4, 2, 8]), None)
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        for arg, v in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if not isinstance(v, int) or isinstance(v, bool):
                raise TypeError(f"MultiheadAttention: {arg} must be an int, got {v!r}")
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"MultiheadAttention: embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                f"and num_heads={num_heads} instead"
            )
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError(
                f"MultiheadAttention: embed_dim must be divisible by num_heads, got embed_dim={embed_dim} and "
                f"num_heads={num_heads}"
            )
        kw = {"device": device, "dtype": dtype}
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(ag.empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(ag.empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(ag.empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(ag.empty(3 * embed_dim, embed_dim, **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(ag.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(ag.empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(ag.empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def _check_inputs(self, query, key, value) -> None:
        for arg, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"MultiheadAttention: {arg} must be a Tensor, got {type(t).__name__}")
        for arg, t, dim in (("query", query, self.embed_dim), ("key", key, self.kdim), ("value", value, self.vdim)):
            if t.ndim not in (2, 3) or t.shape[-1] != dim:
                raise AssertionError(
                    f"MultiheadAttention(embed_dim={self.embed_dim}, kdim={self.kdim}, vdim={self.vdim}): expected "
                    f"{arg} of shape (L or S, {dim}) unbatched or 3-D batched with {dim} features in its last dim, "
                    f"got {tuple(t.shape)}"
                )

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        self._check_inputs(query, key, value)
        is_batched = query.ndim == 3
        key_padding_mask = Fa._canonical_mask(
            key_padding_mask, "key_padding_mask", Fa._none_or_dtype(attn_mask), "attn_mask", query.dtype
        )
        attn_mask = Fa._canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if self.batch_first and is_batched:
            # Keep the "is" relations: they pick the packed self-attention / shared key-value projections.
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = (x.transpose(1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        attn_output, attn_weights = Fa.multi_head_attention_forward(
            query,
            key,
            value,
            self.embed_dim,
            self.num_heads,
            self.in_proj_weight,
            self.in_proj_bias,
            self.bias_k,
            self.bias_v,
            self.add_zero_attn,
            self.dropout,
            self.out_proj.weight,
            self.out_proj.bias,
            training=self.training,
            key_padding_mask=key_padding_mask,
            need_weights=need_weights,
            attn_mask=attn_mask,
            use_separate_proj_weight=separate,
            q_proj_weight=self.q_proj_weight if separate else None,
            k_proj_weight=self.k_proj_weight if separate else None,
            v_proj_weight=self.v_proj_weight if separate else None,
            average_attn_weights=average_attn_weights,
            is_causal=is_causal,
        )
        if self.batch_first and is_batched:
            attn_output = attn_output.transpose(1, 0)
        return attn_output, attn_weights

    def merge_masks(self, attn_mask: Tensor | None, key_padding_mask: Tensor | None, query: Tensor):
        """PyTorch's helper for its fused kernels: ``(key_padding_mask, 1)`` for a key padding mask alone;
        with an ``attn_mask``, that mask expanded to ``(N, num_heads, L, L)`` (plus the key padding mask)
        and type 2; ``(None, None)`` without masks.  ``query`` is ``(N, L, E)``; masks are float."""
        mask_type, merged = None, None
        if key_padding_mask is not None:
            mask_type, merged = 1, key_padding_mask
        if attn_mask is not None:
            batch_size, seq_len, _ = query.shape
            mask_type = 2
            if attn_mask.ndim == 3:
                merged = attn_mask.reshape(batch_size, -1, seq_len, seq_len)
            else:
                merged = attn_mask.reshape(1, 1, seq_len, seq_len).expand(batch_size, self.num_heads, seq_len, seq_len)
            if key_padding_mask is not None:
                merged = merged + key_padding_mask.reshape(batch_size, 1, 1, seq_len).expand(
                    batch_size, self.num_heads, 1, seq_len
                )
        return merged, mask_type
