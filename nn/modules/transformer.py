"""Transformer layers with PyTorch's submodule names, so state_dicts match key for key.

``TransformerEncoderLayer``: ``self_attn`` (MultiheadAttention), ``linear1``, ``dropout``,
``linear2``, ``norm1``, ``norm2``, ``dropout1``, ``dropout2``; ``TransformerDecoderLayer``
adds ``multihead_attn``, ``norm3`` and ``dropout3``; ``TransformerEncoder`` and
``TransformerDecoder`` hold deep copies of their layer in ``layers`` (a ModuleList) and an
optional final ``norm``; ``Transformer`` holds an ``encoder`` and a ``decoder``.

Only PyTorch's general ("slow") path exists here: PyTorch's fused inference kernels
(taken in eval mode without autograd) compute the same values, except that its
``TransformerEncoder`` then converts inputs with a ``src_key_padding_mask`` to nested
tensors and returns zeros at the padded positions; here those positions are computed like
the others.

>>> import autograd_core as ag, nn
>>> layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
>>> encoder = nn.TransformerEncoder(layer, num_layers=2)
>>> encoder(ag.randn(3, 5, 8)).shape
torch.Size([3, 5, 8])
>>> sorted(encoder.state_dict())[:3]
['layers.0.linear1.bias', 'layers.0.linear1.weight', 'layers.0.linear2.bias']
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import autograd_core as ag
from autograd_core import Tensor
from nn import init
from nn.containers import ModuleList
from nn.functional import _activation as Fact
from nn.functional import _attention as Fa
from nn.module import Module
from nn.modules.activation import GELU, ReLU
from nn.modules.attention import MultiheadAttention
from nn.modules.dropout import Dropout
from nn.modules.linear import Linear
from nn.modules.normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]


def _generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
    """``(sz, sz)`` float mask: 0 on and below the diagonal, -inf above it."""
    return ag.full((sz, sz), float("-inf"), dtype=dtype, device=device).triu(diagonal=1)


def _get_seq_len(src: Tensor, batch_first: bool) -> int:
    if src.ndim == 2:  # unbatched (S, E)
        return src.shape[0]
    return src.shape[1 if batch_first else 0]


def _detect_is_causal_mask(mask: Tensor | None, is_causal: bool | None = None, size: int | None = None) -> bool:
    """PyTorch's rule: ``is_causal`` when given; with None, whether ``mask`` equals the causal mask."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        sz = size if size is not None else mask.shape[-2]
        causal = _generate_square_subsequent_mask(sz, device=mask.device, dtype=mask.dtype)
        make_causal = tuple(mask.shape) == tuple(causal.shape) and bool((mask == causal).all())
    return make_causal


def _get_clones(module: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _get_activation_fn(activation: str) -> Callable[[Tensor], Tensor]:
    if activation == "relu":
        return Fact.relu
    if activation == "gelu":
        return Fact.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _check_layer_args(name: str, d_model, nhead, dim_feedforward) -> None:
    for arg, v in (("d_model", d_model), ("nhead", nhead), ("dim_feedforward", dim_feedforward)):
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise ValueError(f"{name}: {arg} must be a positive int, got {v!r}")
    if d_model % nhead:
        raise AssertionError(
            f"{name}: d_model must be divisible by nhead (embed_dim must be divisible by num_heads), got "
            f"d_model={d_model} and nhead={nhead}"
        )


def _check_src(name: str, x, d_model: int, what: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(x).__name__}")
    if x.ndim not in (2, 3) or x.shape[-1] != d_model:
        raise RuntimeError(
            f"{name}: expected {what} of shape (S, d_model={d_model}) unbatched, or 3-D batched with d_model="
            f"{d_model} features in its last dim, got {tuple(x.shape)}"
        )


class _LayerBlocks(Module):
    """The self-attention and feed-forward blocks both layer types share (PyTorch's ``_sa_block``
    and ``_ff_block``); the feed-forward block ends with the dropout named ``_FF_DROPOUT``."""

    _FF_DROPOUT = "dropout2"

    def _build(self, n_attn, d_model, nhead, dim_feedforward, dropout, eps, batch_first, norm_first, bias, kw):
        """The submodules, registered in PyTorch's order (so state_dicts list keys as PyTorch's do):
        ``self_attn`` (and ``multihead_attn``, over the memory, when ``n_attn`` is 2), the
        feed-forward ``linear1``, ``dropout``, ``linear2``, then one ``norm`` and one ``dropout`` per block."""
        attn = {"dropout": dropout, "bias": bias, "batch_first": batch_first, **kw}
        self.self_attn = MultiheadAttention(d_model, nhead, **attn)
        if n_attn == 2:
            self.multihead_attn = MultiheadAttention(d_model, nhead, **attn)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        for i in range(1, n_attn + 2):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=eps, bias=bias, **kw))
        for i in range(1, n_attn + 2):
            setattr(self, f"dropout{i}", Dropout(dropout))

    def _sa_block(self, x: Tensor, attn_mask, key_padding_mask, is_causal: bool = False) -> Tensor:
        x = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False, is_causal=is_causal
        )[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return getattr(self, self._FF_DROPOUT)(x)


class TransformerEncoderLayer(_LayerBlocks):
    """Self-attention then a feed-forward block, each with dropout, a residual connection and LayerNorm.

    ``norm_first=False`` (post-norm, as in "Attention Is All You Need"):
    ``x = norm1(x + sa(x)); x = norm2(x + ff(x))``; ``norm_first=True`` (pre-norm):
    ``x = x + sa(norm1(x)); x = x + ff(norm2(x))``, with ``ff(x) = linear2(dropout(activation(linear1(x))))``.
    ``activation`` is ``"relu"``, ``"gelu"`` or any callable.  ``src_mask`` is the attention
    mask, ``src_key_padding_mask`` the key padding mask (``True`` masks out), ``is_causal`` the
    hint that ``src_mask`` is the causal mask.

    >>> import autograd_core as ag, nn
    >>> layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, activation="gelu", norm_first=True)
    >>> layer(ag.randn(5, 3, 8)).shape
    torch.Size([5, 3, 8])
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = Fact.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        _check_layer_args(type(self).__name__, d_model, nhead, dim_feedforward)
        super().__init__()
        self._build(1, d_model, nhead, dim_feedforward, dropout, layer_norm_eps, batch_first, norm_first, bias,
                    {"device": device, "dtype": dtype})
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        if activation is Fact.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is Fact.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        _check_src(type(self).__name__, src, self.self_attn.embed_dim, "src")
        src_key_padding_mask = Fa._canonical_mask(
            src_key_padding_mask, "src_key_padding_mask", Fa._none_or_dtype(src_mask), "src_mask", src.dtype
        )
        src_mask = Fa._canonical_mask(src_mask, "src_mask", None, "", src.dtype, check_other=False)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal=is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal=is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x



class TransformerDecoderLayer(_LayerBlocks):
    """Self-attention, attention over the encoder's ``memory``, then a feed-forward block.

    Each block has dropout, a residual connection and LayerNorm (``norm1``, ``norm2``, ``norm3``;
    before the block with ``norm_first=True``, after the residual sum otherwise).  Masks:
    ``tgt_mask``/``tgt_key_padding_mask`` for the self-attention, ``memory_mask``/
    ``memory_key_padding_mask`` for the attention over memory; ``tgt_is_causal`` and
    ``memory_is_causal`` are hints that the corresponding mask is causal.

    >>> import autograd_core as ag, nn
    >>> layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> layer(ag.randn(3, 4, 8), ag.randn(3, 6, 8)).shape
    torch.Size([3, 4, 8])
    """

    _FF_DROPOUT = "dropout3"

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = Fact.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        _check_layer_args(type(self).__name__, d_model, nhead, dim_feedforward)
        super().__init__()
        self._build(2, d_model, nhead, dim_feedforward, dropout, layer_norm_eps, batch_first, norm_first, bias,
                    {"device": device, "dtype": dtype})
        self.activation = _get_activation_fn(activation) if isinstance(activation, str) else activation

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        name = type(self).__name__
        _check_src(name, tgt, self.self_attn.embed_dim, "tgt")
        _check_src(name, memory, self.self_attn.embed_dim, "memory")
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _mha_block(self, x: Tensor, mem: Tensor, attn_mask, key_padding_mask, is_causal: bool = False) -> Tensor:
        x = self.multihead_attn(
            x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask, is_causal=is_causal,
            need_weights=False,
        )[0]
        return self.dropout2(x)


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` applied in turn, then ``norm`` if given.

    ``mask`` and ``src_key_padding_mask`` go to every layer.  With ``is_causal=None`` the
    causal hint is detected, as in PyTorch, by comparing ``mask`` with the causal mask.
    ``enable_nested_tensor`` and ``mask_check`` are accepted for porting; nested tensors
    (PyTorch's inference fast path) are not used here.

    >>> import autograd_core as ag, nn
    >>> enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 3, norm=nn.LayerNorm(8))
    >>> mask = nn.Transformer.generate_square_subsequent_mask(5)
    >>> enc(ag.randn(5, 2, 8), mask=mask).shape, len(enc.layers)
    (torch.Size([5, 2, 8]), 3)
    """

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"TransformerEncoder: encoder_layer must be a Module, got {type(encoder_layer).__name__}")
        if not isinstance(num_layers, int) or isinstance(num_layers, bool) or num_layers < 0:
            raise ValueError(f"TransformerEncoder: num_layers must be a non-negative int, got {num_layers!r}")
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = False
        self.mask_check = mask_check

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        if not isinstance(src, Tensor):
            raise TypeError(f"TransformerEncoder: src must be a Tensor, got {type(src).__name__}")
        src_key_padding_mask = Fa._canonical_mask(
            src_key_padding_mask, "src_key_padding_mask", Fa._none_or_dtype(mask), "mask", src.dtype
        )
        mask = Fa._canonical_mask(mask, "mask", None, "", src.dtype, check_other=False)
        output = src
        if len(self.layers):
            first = self.layers[0]
            batch_first = first.self_attn.batch_first if hasattr(first, "self_attn") else False
            is_causal = _detect_is_causal_mask(mask, is_causal, _get_seq_len(src, batch_first))
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerDecoder(Module):
    """``num_layers`` deep copies of ``decoder_layer`` applied in turn to ``tgt`` (each attending to
    ``memory``), then ``norm`` if given.  ``tgt_is_causal=None`` detects the causal hint from ``tgt_mask``.

    >>> import autograd_core as ag, nn
    >>> dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2)
    >>> dec(ag.randn(4, 2, 8), ag.randn(6, 2, 8)).shape
    torch.Size([4, 2, 8])
    """

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        if not isinstance(decoder_layer, Module):
            raise TypeError(f"TransformerDecoder: decoder_layer must be a Module, got {type(decoder_layer).__name__}")
        if not isinstance(num_layers, int) or isinstance(num_layers, bool) or num_layers < 0:
            raise ValueError(f"TransformerDecoder: num_layers must be a non-negative int, got {num_layers!r}")
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        if not isinstance(tgt, Tensor):
            raise TypeError(f"TransformerDecoder: tgt must be a Tensor, got {type(tgt).__name__}")
        output = tgt
        if len(self.layers):
            first = self.layers[0]
            batch_first = first.self_attn.batch_first if hasattr(first, "self_attn") else False
            tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, _get_seq_len(tgt, batch_first))
        for mod in self.layers:
            output = mod(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=tgt_is_causal,
                memory_is_causal=memory_is_causal,
            )
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """The encoder-decoder Transformer of "Attention Is All You Need", as ``torch.nn.Transformer``.

    An ``encoder`` (a ``TransformerEncoder`` of ``num_encoder_layers`` layers and a final LayerNorm)
    and a ``decoder`` (likewise), or ``custom_encoder``/``custom_decoder``; every parameter with
    more than one dim is re-initialised with ``xavier_uniform_``.  No embeddings or positional
    encodings: ``src`` and ``tgt`` are ``(S, N, d_model)`` and ``(T, N, d_model)`` (batch first with
    ``batch_first=True``) and the result has ``tgt``'s shape.

    >>> import autograd_core as ag, nn
    >>> model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16)
    >>> tgt_mask = nn.Transformer.generate_square_subsequent_mask(4)
    >>> model(ag.randn(6, 2, 8), ag.randn(4, 2, 8), tgt_mask=tgt_mask).shape
    torch.Size([4, 2, 8])
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = Fact.relu,
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            encoder_layer = TransformerEncoderLayer(
                d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias,
                **kw,
            )
            encoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
            self.encoder = TransformerEncoder(encoder_layer, num_encoder_layers, encoder_norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            decoder_layer = TransformerDecoderLayer(
                d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias,
                **kw,
            )
            decoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
            self.decoder = TransformerDecoder(decoder_layer, num_decoder_layers, decoder_norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        for what, t in (("src", src), ("tgt", tgt)):
            if not isinstance(t, Tensor):
                raise TypeError(f"Transformer: {what} must be a Tensor, got {type(t).__name__}")
        is_batched = src.ndim == 3
        batch_dim = 0 if self.batch_first else 1
        if is_batched and (tgt.ndim != 3 or src.shape[batch_dim] != tgt.shape[batch_dim]):
            raise RuntimeError(
                f"Transformer: the batch number of src and tgt must be equal (batch_first={self.batch_first}), got "
                f"src {tuple(src.shape)} and tgt {tuple(tgt.shape)}"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(
                f"Transformer: the feature number of src and tgt must be equal to d_model={self.d_model}, got src "
                f"{tuple(src.shape)} and tgt {tuple(tgt.shape)}"
            )
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
        """The ``(sz, sz)`` causal float mask: 0 where key ``j <= i`` may be attended to, -inf above the diagonal.

        >>> import nn
        >>> nn.Transformer.generate_square_subsequent_mask(3).tolist()
        [[0.0, -inf, -inf], [0.0, 0.0, -inf], [0.0, 0.0, 0.0]]
        """
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
