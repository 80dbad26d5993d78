"""Memory formats: how a 4-D (5-D) tensor's elements are laid out in memory, as PyTorch's
``torch.contiguous_format``, ``torch.channels_last`` (NHWC), ``torch.channels_last_3d`` (NDHWC)
and ``torch.preserve_format``.

A NumPy or CuPy array can have any strides, so the layouts are real: a channels-last tensor
is an NHWC-ordered copy viewed back as NCHW.  Its shape, values and every op's results are
those of the NCHW tensor; only ``stride()``, ``is_contiguous(memory_format=...)`` and the speed
of some kernels differ.  Elementwise ops keep the layout of their input (NumPy's ``order='K'``),
as PyTorch's do.

>>> import autograd_core as ag
>>> x = ag.zeros(2, 3, 4, 5).to(memory_format=ag.channels_last)
>>> x.shape, x.stride(), x.is_contiguous(memory_format=ag.channels_last)
(torch.Size([2, 3, 4, 5]), (60, 1, 15, 3), True)
>>> ag.channels_last
torch.channels_last
"""

from __future__ import annotations


class memory_format:
    """A memory layout tag; prints as PyTorch's (``torch.channels_last``)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):  # copy/deepcopy keep the singletons
        return self.name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

# The order in which a layout stores the dims (outermost first), for the formats that permute.
_ORDER = {channels_last: (0, 2, 3, 1), channels_last_3d: (0, 2, 3, 4, 1)}


def check_format(op: str, fmt) -> memory_format:
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{op}(): argument 'memory_format' must be torch.memory_format, not {type(fmt).__name__}")
    return fmt


def _check_rank(fmt: memory_format, ndim: int) -> None:
    order = _ORDER.get(fmt)
    if order is not None and ndim != len(order):  # (RuntimeError and wording as PyTorch)
        raise RuntimeError(f"required rank {len(order)} tensor to use {fmt.name} format")


def _strides(data) -> tuple:
    return tuple(s // data.itemsize for s in data.strides)


def is_contiguous(input, fmt) -> bool:
    """``input.is_contiguous(memory_format=fmt)``.  Channels last: the strides of the dims taken
    in NHWC order grow as a dense array's would; dims of size 1 may have any stride (PyTorch's rule)."""
    fmt = check_format("is_contiguous", fmt)
    data = input._data
    order = _ORDER.get(fmt)
    if order is None:  # contiguous_format, and preserve_format, which PyTorch reads the same here
        return bool(data.flags.c_contiguous)
    if data.ndim != len(order):
        return False
    strides, expected = _strides(data), 1
    for d in reversed(order):
        size = data.shape[d]
        if size != 1:
            if strides[d] != expected:
                return False
            expected *= size
    return True


def _dense_strides(shape: tuple, order: tuple) -> tuple:
    """The strides of a fresh array of ``shape`` stored in dim order ``order`` (outermost first)."""
    strides, step = [0] * len(shape), 1
    for d in reversed(order):
        strides[d] = step
        step *= max(shape[d], 1)
    return tuple(strides)


def _has_layout(input, fmt: memory_format) -> bool:
    """Whether ``input``'s strides are exactly those a fresh ``fmt`` tensor of its shape has.
    Stricter than ``is_contiguous``, which lets dims of size 1 have any stride: PyTorch's ``to``
    and ``preserve_format`` go by these exact strides (a contiguous (N, 1, H, W) tensor is
    channels-last contiguous too, yet ``to(memory_format=channels_last)`` restrides it)."""
    data = input._data
    order = _ORDER.get(fmt, tuple(range(data.ndim)))
    return len(order) == data.ndim and _strides(data) == _dense_strides(data.shape, order)


def suggest(input) -> memory_format:
    """The layout ``preserve_format`` keeps: channels last when the tensor has exactly those
    strides and not also plain contiguous ones."""
    data = input._data
    if data.ndim in (4, 5):
        fmt = channels_last if data.ndim == 4 else channels_last_3d
        if _has_layout(input, fmt) and not _has_layout(input, contiguous_format):
            return fmt
    return contiguous_format


def layout_array(data, fmt: memory_format, xp):
    """A fresh array with ``data``'s values laid out in ``fmt`` (not recorded: for factories)."""
    order = _ORDER.get(fmt)
    if order is None:
        return xp.ascontiguousarray(data)
    inverse = tuple(order.index(i) for i in range(len(order)))
    # (.copy(), not ascontiguousarray: that keeps a view whose size-1 dims have other strides)
    return data.transpose(order).copy().transpose(inverse)


def to_format(input, fmt: memory_format):
    """A copy of ``input`` laid out in ``fmt``: permute to the storage order, make that
    contiguous, permute back.  All three are recorded ops, so gradients flow through."""
    from autograd_core.ops.shape import Clone, permute

    order = _ORDER.get(fmt)
    if order is None:
        return Clone.apply(input)
    inverse = tuple(order.index(i) for i in range(len(order)))
    return permute(Clone.apply(permute(input, order)), inverse)


def contiguous(input, memory_format: memory_format = contiguous_format):
    """``input`` itself when already laid out in ``memory_format``, else a copy that is.

    >>> import autograd_core as ag
    >>> ag.ones(1, 2, 3, 3).contiguous(memory_format=ag.channels_last).stride()
    (18, 1, 6, 2)
    """
    fmt = check_format("contiguous", memory_format)
    if fmt is preserve_format:
        if input._data.flags.c_contiguous:
            return input
        raise RuntimeError("contiguous: preserve memory format is unsupported by the contiguous operator")
    _check_rank(fmt, input._data.ndim)
    if is_contiguous(input, fmt):
        return input
    return to_format(input, fmt)


def clone(input, *, memory_format: memory_format = preserve_format):
    """A copy with its own memory (differentiable), laid out in ``memory_format``; the default,
    ``preserve_format``, keeps a channels-last tensor channels last, as PyTorch's clone does.

    >>> import autograd_core as ag
    >>> x = ag.ones(1, 2, 3, 3).to(memory_format=ag.channels_last)
    >>> ag.clone(x).stride(), ag.clone(x, memory_format=ag.contiguous_format).stride()
    ((18, 1, 6, 2), (18, 9, 3, 1))
    """
    fmt = check_format("clone", memory_format)
    if fmt is preserve_format:
        fmt = suggest(input)
    _check_rank(fmt, input._data.ndim)
    return to_format(input, fmt)


def convert(input, fmt):
    """``Tensor.to(memory_format=fmt)``: ``input`` itself if it already has that layout."""
    fmt = check_format("to", fmt)
    if fmt is preserve_format:
        return input
    _check_rank(fmt, input._data.ndim)
    return input if _has_layout(input, fmt) else to_format(input, fmt)


def like(input, out, fmt):
    """For ``*_like`` factories: ``out`` (fresh, contiguous) laid out as ``fmt`` says, where
    ``preserve_format`` follows ``input``'s layout."""
    fmt = check_format("empty_like", fmt)
    if fmt is preserve_format:
        fmt = suggest(input)
    if fmt is contiguous_format:
        return out
    _check_rank(fmt, out._data.ndim)
    out._data = layout_array(out._data, fmt, out._dev.xp)
    return out


def install(tensor_class) -> None:
    """Make ``Tensor.contiguous`` and ``Tensor.clone`` take ``memory_format`` (called once by
    ``autograd_core/__init__.py``, after the op table is installed)."""
    tensor_class.contiguous = contiguous
    tensor_class.clone = clone
