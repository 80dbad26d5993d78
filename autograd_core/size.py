"""``ag.Size``: a tensor shape as PyTorch's ``torch.Size``, a tuple of ints with ``numel()``.

``Tensor.shape`` and ``Tensor.size()`` return a ``Size``, as PyTorch's do, so ``print(x.shape)``
shows ``torch.Size([2, 3])`` and ``x.shape.numel()`` works.  They build it with
``tuple.__new__(Size, array.shape)``, skipping ``Size()``'s per-item checks (an array's shape is
already a tuple of ints): about 0.2 µs against 0.07 µs for the array's bare tuple.  That is noise
in user code but not in the engine, which reads shapes on every op, so the engine's own hot paths
(recording an op's outputs, the optimizer's per-parameter checks, ``stack``) read
``tensor._data.shape`` instead.  A ``Size`` equals, and hashes as, the tuple of the same ints.

>>> import autograd_core as ag
>>> s = ag.Size([2, 3])
>>> s, s.numel(), s == (2, 3), s[1:]
(torch.Size([2, 3]), 6, True, torch.Size([3]))
>>> x = ag.zeros(s)
>>> x.shape, x.size(), x.size(1), x.shape.numel()
(torch.Size([2, 3]), torch.Size([2, 3]), 3, 6)
"""

from __future__ import annotations

import operator


class Size(tuple):
    """A shape: a tuple of ints (anything with ``__index__``, such as a 0-d integer tensor, counts
    as one), printed as PyTorch prints it, ``torch.Size([2, 3])``.  Slicing, ``+`` and ``*`` give a
    ``Size``; factories and shape ops take it wherever they take a tuple."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        items = []
        for i, s in enumerate(sizes):
            try:
                items.append(operator.index(s))
            except TypeError:
                raise TypeError(f"Size() takes an iterable of 'int' (item {i} is '{type(s).__name__}')") from None
        return tuple.__new__(cls, items)

    def numel(self) -> int:
        """The number of elements a tensor of this shape has (1 for ``Size([])``)."""
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, n):
        out = tuple.__mul__(self, n)
        return NotImplemented if out is NotImplemented else Size(out)

    __rmul__ = __mul__

    def __reduce__(self):
        return (Size, (tuple(self),))
