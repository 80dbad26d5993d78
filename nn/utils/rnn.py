"""``nn.utils.rnn``: batching variable-length sequences, as in ``torch.nn.utils.rnn``.

Two layouts.  *Padded*: ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``), every
sequence filled up to the longest (``pad_sequence`` / ``unpad_sequence``).  *Packed*:
a ``PackedSequence`` whose ``data`` holds only the valid steps, time-major, the
sequences sorted longest first, so that step ``t`` is the ``batch_sizes[t]`` rows
that follow step ``t - 1``'s: the active sequences are always a prefix of the batch.
``nn.RNN``/``nn.LSTM``/``nn.GRU`` take a ``PackedSequence`` and run each sequence
over its own steps only (see ``nn.functional._rnn``).

Packing is one gather (``index_select``) and padding one ``index_copy`` into a filled
tensor, their row indices worked out on the host from the lengths: both are
differentiable, each a single node.

>>> import autograd_core as ag
>>> from nn.utils.rnn import pack_sequence, pad_packed_sequence, pad_sequence
>>> pad_sequence([ag.tensor([1, 2, 3]), ag.tensor([4])], batch_first=True).tolist()
[[1, 2, 3], [4, 0, 0]]
>>> packed = pack_sequence([ag.tensor([1, 2, 3]), ag.tensor([4, 5]), ag.tensor([6])])
>>> packed.data.tolist(), packed.batch_sizes.tolist()
([1, 4, 6, 2, 5, 3], [3, 2, 1])
>>> padded, lengths = pad_packed_sequence(packed, batch_first=True)
>>> padded.tolist(), lengths.tolist()
([[1, 2, 3], [4, 5, 0], [6, 0, 0]], [3, 2, 1])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceFields):
    """A batch of variable-length sequences, packed: what ``pack_padded_sequence`` and
    ``pack_sequence`` return and the recurrent layers accept.

    - ``data`` (sum of lengths, ``*``): the valid steps, time-major, longest sequence first;
    - ``batch_sizes``: an int64 *CPU* tensor, how many sequences are still running at each step
      (non-increasing; ``batch_sizes[0]`` is the batch size);
    - ``sorted_indices``: ``sorted_indices[k]`` is the original batch position of the k-th
      longest sequence, or None when the batch was already sorted (``enforce_sorted=True``);
    - ``unsorted_indices``: its inverse permutation (computed when not given), to put results
      back in the original order.

    A named tuple as in PyTorch (``data, batch_sizes = packed[:2]`` works).  Build it with the
    packing functions rather than by hand.

    >>> import autograd_core as ag
    >>> from nn.utils.rnn import pack_sequence
    >>> p = pack_sequence([ag.tensor([1.0]), ag.tensor([2.0, 3.0])], enforce_sorted=False)
    >>> p.sorted_indices.tolist(), p.unsorted_indices.tolist(), p.is_cuda
    ([1, 0], [1, 0], False)
    >>> p.double().data.dtype
    dtype('float64')
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), the old calling convention
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError(
                    "PackedSequence: expected data to be a list or tuple (data, batch_sizes) of length 2 when "
                    "batch_sizes is not given"
                )
            data, batch_sizes = data
        if isinstance(batch_sizes, Tensor) and batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU (got a tensor on "
                f"{batch_sizes.device}). Instances of PackedSequence should never be created manually. "
                "They should be instantiated by functions like pack_sequence and pack_padded_sequence "
                "in nn.utils.rnn."
            )
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """``data.to(*args, **kwargs)``; the indices follow ``data`` to its device, ``batch_sizes``
        stays on the CPU.  Returns ``self`` when ``data`` is unchanged, as PyTorch does."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def follow(t):
            return None if t is None else t.to(data.device)

        return type(self)(data, self.batch_sizes, follow(self.sorted_indices), follow(self.unsorted_indices))

    def cuda(self, device=None, non_blocking: bool = False) -> PackedSequence:
        return self.to("cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def double(self) -> PackedSequence:
        return self.to(dtype=ag.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=ag.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=ag.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=ag.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=ag.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=ag.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=ag.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=ag.uint8)

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` is on a GPU."""
        return self.data.is_cuda


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation (``inv[permutation[i]] == i``), or None for None.

    >>> import autograd_core as ag
    >>> from nn.utils.rnn import invert_permutation
    >>> invert_permutation(ag.tensor([2, 0, 1])).tolist()
    [1, 2, 0]
    """
    if permutation is None:
        return None
    # Sorting a permutation's values puts at position v the place where v was: its inverse.
    return ag.argsort(permutation)


def _lengths_on_host(lengths) -> np.ndarray:
    """``lengths`` (a list, or a 1-D CPU tensor of any real dtype) as int64 host values, truncated
    toward zero as PyTorch's conversion to int64 does."""
    if isinstance(lengths, Tensor):
        if lengths.device.type != "cpu" or lengths.ndim != 1:
            raise RuntimeError(
                "pack_padded_sequence: 'lengths' argument should be a 1D CPU int64 tensor, but got "
                f"{lengths.ndim}D {lengths.device} {lengths.dtype} tensor; pass lengths.cpu() (a list works too)"
            )
        return np.asarray(lengths.to(ag.int64).tolist(), dtype=np.int64).reshape(-1)
    try:
        host = np.asarray(lengths)
    except (TypeError, ValueError):
        host = None
    if host is None or host.dtype.kind not in "biuf":
        raise TypeError(
            f"pack_padded_sequence: lengths must be a list of ints or a 1-D CPU int64 tensor, got {lengths!r}"
        )
    if host.ndim != 1:
        raise RuntimeError(
            f"pack_padded_sequence: 'lengths' argument should be a 1D CPU int64 tensor, but got {host.ndim}D lengths"
        )
    return host.astype(np.int64)


def _batch_sizes_of(sorted_lengths: np.ndarray) -> np.ndarray:
    """How many of the (descending) lengths exceed each step t < max length."""
    steps = np.arange(int(sorted_lengths[0]))
    return (sorted_lengths[None, :] > steps[:, None]).sum(1).astype(np.int64)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) of sequences whose
    lengths are ``lengths`` (a list or a 1-D CPU tensor): the steps past each length are dropped.

    With ``enforce_sorted=True`` the lengths must be non-increasing; with False the batch is
    sorted here (stably) and ``sorted_indices`` records the order.  Differentiable with respect
    to ``input`` (one gather).

    >>> import autograd_core as ag
    >>> from nn.utils.rnn import pack_padded_sequence
    >>> seq = ag.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
    >>> p = pack_padded_sequence(seq, [2, 1, 3], batch_first=True, enforce_sorted=False)
    >>> p.data.tolist(), p.batch_sizes.tolist(), p.sorted_indices.tolist(), p.unsorted_indices.tolist()
    ([4, 1, 3, 5, 2, 6], [3, 2, 1], [2, 0, 1], [1, 2, 0])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence: input must be a Tensor, got {type(input).__name__}")
    lengths = _lengths_on_host(lengths)
    if input.ndim < 2:
        raise IndexError(
            f"pack_padded_sequence: input must have a time and a batch dim, (T, B, *) or (B, T, *) with "
            f"batch_first, got shape {tuple(input.shape)}"
        )
    B, T = (input.shape[0], input.shape[1]) if batch_first else (input.shape[1], input.shape[0])
    if input.numel() == 0:
        raise RuntimeError(f"pack_padded_sequence: Cannot pack empty tensors (input shape {tuple(input.shape)}).")
    if lengths.shape[0] != B:
        raise RuntimeError(
            f"pack_padded_sequence: Expected `len(lengths)` to be equal to batch_size, but got {lengths.shape[0]} "
            f"(batch_size={B}, input shape {tuple(input.shape)}, batch_first={batch_first})"
        )
    if enforce_sorted:
        if np.any(lengths[1:] > lengths[:-1]):
            raise RuntimeError(
                "pack_padded_sequence: `lengths` array must be sorted in decreasing order when `enforce_sorted` "
                f"is True (got {lengths.tolist()}). You can pass `enforce_sorted=False` to pack_padded_sequence "
                "and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability."
            )
        order = np.arange(B)
    else:
        order = np.argsort(-lengths, kind="stable")  # longest first, ties in their original order
    sorted_lengths = lengths[order]
    if sorted_lengths[-1] <= 0:
        raise RuntimeError(
            "pack_padded_sequence: Length of all samples has to be greater than 0, but found an element in "
            f"'lengths' that is <= 0 (lengths {lengths.tolist()})"
        )
    if sorted_lengths[0] > T:
        # PyTorch reads past the input here; refusing is the only safe answer.
        raise RuntimeError(
            f"pack_padded_sequence: a length ({int(sorted_lengths[0])}) exceeds the input's {T} time steps "
            f"(input shape {tuple(input.shape)}, batch_first={batch_first})"
        )
    batch_sizes = _batch_sizes_of(sorted_lengths)
    # Packed row order: step by step, the first batch_sizes[t] sorted sequences.
    t, k = np.nonzero(np.arange(B)[None, :] < batch_sizes[:, None])
    b = order[k]
    rows = b * T + t if batch_first else t * B + b
    flat = input.reshape((B * T,) + tuple(input.shape[2:]))
    data = ag.index_select(flat, 0, ag.tensor(rows, dtype=ag.int64, device=input.device))
    sorted_indices = None if enforce_sorted else ag.tensor(order, dtype=ag.int64, device=input.device)
    return PackedSequence(data, ag.tensor(batch_sizes, dtype=ag.int64), sorted_indices, None)


def _check_packed(op: str, sequence) -> list:
    """The host batch sizes of a PackedSequence (after checking it is one)."""
    if not isinstance(sequence, PackedSequence):
        raise AttributeError(
            f"{op}: expected a PackedSequence (from pack_padded_sequence or pack_sequence), got "
            f"{type(sequence).__name__}, which has no batch_sizes"
        )
    return [int(n) for n in sequence.batch_sizes.tolist()]


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple:
    """The inverse of ``pack_padded_sequence``: ``(padded, lengths)``, the batch back in its original
    order, ``padded`` of ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) filled with
    ``padding_value``, T the longest length or ``total_length``; ``lengths`` an int64 CPU tensor.
    Differentiable with respect to ``sequence.data``.

    >>> import autograd_core as ag
    >>> from nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    >>> p = pack_padded_sequence(ag.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]]), [2, 1, 3], batch_first=True,
    ...                          enforce_sorted=False)
    >>> padded, lengths = pad_packed_sequence(p, batch_first=True, padding_value=-1, total_length=4)
    >>> padded.tolist(), lengths.tolist()
    ([[1, 2, -1, -1], [3, -1, -1, -1], [4, 5, 6, -1]], [2, 1, 3])
    """
    batch_sizes = np.asarray(_check_packed("pad_packed_sequence", sequence), dtype=np.int64)
    data = sequence.data
    steps = T = batch_sizes.shape[0]
    if total_length is not None:
        if not isinstance(total_length, (int, np.integer)) or isinstance(total_length, bool):
            raise TypeError(
                f"pad_packed_sequence: total_length must be int, not {type(total_length).__name__}"
            )
        if total_length < steps:
            raise ValueError(
                "pad_packed_sequence: Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being {steps}"
            )
        T = int(total_length)
    B, N = int(batch_sizes[0]), data.shape[0]
    if N != int(batch_sizes.sum()):
        raise RuntimeError(
            f"pad_packed_sequence: the packed data has {N} rows but batch_sizes {batch_sizes.tolist()} add up "
            f"to {int(batch_sizes.sum())}"
        )
    order = np.arange(B) if sequence.unsorted_indices is None else np.asarray(sequence.unsorted_indices.tolist())
    original = np.argsort(order)  # sorted slot k holds the sequence originally at original[k]
    # Each packed row's (step, original sequence) slot of the padded output.
    starts = np.cumsum(batch_sizes) - batch_sizes
    t = np.repeat(np.arange(steps), batch_sizes)
    j = original[np.arange(N) - starts[t]]
    slots = j * T + t if batch_first else t * B + j
    rest = tuple(data.shape[1:])
    # index_copy rather than a gather: its backward, to ``data``, is then a gather (cheap).
    padded = ag.full((T * B,) + rest, padding_value, dtype=data.dtype, device=data.device).index_copy(
        0, ag.tensor(slots, dtype=ag.int64, device=data.device), data
    )
    padded = padded.reshape(((B, T) if batch_first else (T, B)) + rest)
    lengths = (batch_sizes[None, :] > order[:, None]).sum(1)
    return padded, ag.tensor(lengths, dtype=ag.int64)


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


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of ``(L_i, *)`` sequences (``pad_sequence`` then ``pack_padded_sequence``).
    With ``enforce_sorted=True`` they must come longest first.

    >>> import autograd_core as ag
    >>> from nn.utils.rnn import pack_sequence
    >>> pack_sequence([ag.tensor([1, 2]), ag.tensor([3, 4, 5])], enforce_sorted=False).data.tolist()
    [3, 1, 4, 2, 5]
    """
    sequences = list(sequences)
    lengths = [s.shape[0] if isinstance(s, Tensor) and s.ndim else 0 for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The inverse of ``pack_sequence``: the list of ``(L_i, *)`` sequences, in the original order.

    >>> import autograd_core as ag
    >>> from nn.utils.rnn import pack_sequence, unpack_sequence
    >>> seqs = [ag.tensor([1, 2]), ag.tensor([3, 4, 5]), ag.tensor([6])]
    >>> [s.tolist() for s in unpack_sequence(pack_sequence(seqs, enforce_sorted=False))]
    [[1, 2], [3, 4, 5], [6]]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
