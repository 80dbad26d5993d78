"""``nn.utils.rnn``: padding a list of variable-length sequences into one batch, as in
``torch.nn.utils.rnn``.  (``PackedSequence`` and ``pack_padded_sequence`` are not offered: the
recurrent layers here take padded batches; mask the padded steps, or gather each sequence's last
valid output, instead.)

>>> import autograd_core as ag
>>> from nn.utils.rnn import pad_sequence
>>> pad_sequence([ag.tensor([1, 2, 3]), ag.tensor([4])], batch_first=True).tolist()
[[1, 2, 3], [4, 0, 0]]
"""

from __future__ import annotations

import autograd_core as ag
from autograd_core import Tensor

__all__ = ["pad_sequence", "unpad_sequence"]


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shape ``(L_i, *)`` into ``(max L, B, *)`` (``(B, max L, *)`` with
    ``batch_first``), filling with ``padding_value`` after each sequence (before it with
    ``padding_side="left"``).  Differentiable with respect to every sequence."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence: expected a Tensor as element {i}, got {type(s).__name__}")
        if s.ndim == 0 or tuple(s.shape[1:]) != tuple(sequences[0].shape[1:]):
            raise RuntimeError(
                f"pad_sequence: every sequence must be (L, *) with the same trailing dims; element {i} has shape "
                f"{tuple(s.shape)}, element 0 {tuple(sequences[0].shape)}"
            )
    max_len = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = max_len - s.shape[0]
        if missing:
            fill = ag.full((missing,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype, device=s.device)
            s = ag.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return ag.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list:
    """The inverse of ``pad_sequence`` (right padding): the list of ``(L_i, *)`` sequences."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[: int(n)] for seq, n in zip(padded_sequences.unbind(0), lengths.tolist() if isinstance(lengths, Tensor) else lengths)]
