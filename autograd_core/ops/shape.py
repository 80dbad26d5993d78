"""Movement ops, as adjoint pairs: reshape/reshape, permute/inverse permute, expand/sum,
pad/slice, cat/slices, flip/flip, roll/roll back.  Results are views where the back end allows.
tril/triu (a triangle of the last two dims, the rest zeroed) are their own adjoints."""

from __future__ import annotations

import builtins

import numpy as np

from autograd_core.function import Primitive
from autograd_core.ops._common import dims_of
from autograd_core.tensor import Tensor, _check_dim, _share_version

_wrap = Tensor._wrap


class Reshape(Primitive):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x._data.shape
        return x._data.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return reshape(g, ctx.in_shape), None


class Permute(Primitive):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x._data.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return permute(g, tuple(inverse)), None


class Expand(Primitive):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x._data.shape
        return x._dev.xp.broadcast_to(x._data, shape)

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.in_shape), None


class Flip(Primitive):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x._dev.xp.flip(x._data, axis=dims)

    @staticmethod
    def backward(ctx, g):
        return flip(g, ctx.dims), None


class Roll(Primitive):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return x._dev.xp.roll(x._data, shifts, axis=dims)

    @staticmethod
    def backward(ctx, g):
        shifts = -ctx.shifts if ctx.dims is None else tuple(-s for s in ctx.shifts)
        return Roll.apply(g, shifts, ctx.dims), None, None


class Triangle(Primitive):
    """Keep the lower (``tril``) or upper (``triu``) triangle of the last two dims, zero the rest."""

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        ctx.diagonal, ctx.upper = diagonal, upper
        xp, d = x._dev.xp, x._data
        # tri(k) marks column - row <= k: the lower triangle; the upper one is what tri(k - 1) leaves out.
        below = xp.tri(*d.shape[-2:], k=diagonal - 1 if upper else diagonal, dtype=bool)
        return xp.where(~below if upper else below, d, xp.zeros((), dtype=d.dtype))

    @staticmethod
    def backward(ctx, g):
        return Triangle.apply(g, ctx.diagonal, ctx.upper), None, None


class Cat(Primitive):
    @staticmethod
    def forward(ctx, dim, *tensors):
        # PyTorch skips 1-D empty tensors (shape (0,)) whatever the others' rank.
        nd = max(t._data.ndim for t in tensors)
        ctx.skip = [t._data.ndim == 1 and t._data.shape[0] == 0 and nd > 1 for t in tensors]
        ctx.dim = dim
        ctx.sizes = [0 if skip else t._data.shape[dim] for t, skip in zip(tensors, ctx.skip)]
        kept = [t._data for t, skip in zip(tensors, ctx.skip) if not skip]
        return tensors[0]._dev.xp.concatenate(kept, axis=dim)

    @staticmethod
    def backward(ctx, g):
        needs = ctx.needs_input_grad
        out, start = [None], 0
        for i, size in enumerate(ctx.sizes):
            if not needs[i + 1]:
                out.append(None)
            elif ctx.skip[i]:
                out.append(reshape(narrow(g, ctx.dim, 0, 0), 0))  # an empty gradient for the empty input
            else:
                out.append(narrow(g, ctx.dim, start, size))
            start += size
        return tuple(out)


class ConstantPad(Primitive):
    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.slices = tuple(builtins.slice(lo, lo + n) for (lo, _), n in zip(widths, x._data.shape))
        return x._dev.xp.pad(x._data, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.slices], None, None


class ToDevice(Primitive):
    @staticmethod
    def forward(ctx, x, dev):
        ctx.src = x._dev
        host = x._dev.backend.to_numpy(x._data)
        return _wrap(dev.backend.asarray(host), dev)

    @staticmethod
    def backward(ctx, g):
        return to_device(g, ctx.src), None


class Clone(Primitive):
    @staticmethod
    def forward(ctx, x):
        return x._data.copy()

    @staticmethod
    def backward(ctx, g):
        return g


# ---------------------------------------------------------------------------- functional API
def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def reshape(input: Tensor, *shape) -> Tensor:
    """Same elements, new shape; one dim may be -1.  A view when the memory layout allows.

    >>> import autograd_core as ag
    >>> ag.arange(6).reshape(2, -1).shape
    torch.Size([2, 3])
    """
    shape = _shape_arg(shape)
    if shape == input._data.shape:
        return input
    n = input._data.size
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if shape.count(-1) > 1 or (-1 in shape and (known == 0 or n % known)) or (-1 not in shape and known != n):
        raise RuntimeError(f"reshape: shape {shape} is invalid for a tensor of {n} elements (shape {tuple(input.shape)})")
    out = Reshape.apply(input, shape)
    if out._data.base is not None:
        _share_version(out, input)
    return out


def view(input: Tensor, *shape) -> Tensor:
    """``reshape`` (we copy when a view is impossible rather than fail, unlike PyTorch)."""
    return reshape(input, *shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one."""
    shape = input._data.shape
    if not shape:
        return reshape(input, 1)
    s = _check_dim("flatten", start_dim, len(shape))
    e = _check_dim("flatten", end_dim, len(shape))
    if s > e:
        raise RuntimeError(f"flatten: start_dim ({start_dim}) comes after end_dim ({end_dim})")
    merged = 1
    for d in shape[s : e + 1]:
        merged *= d
    return reshape(input, shape[:s] + (merged,) + shape[e + 1 :])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    d = _check_dim("unflatten", dim, input.ndim)
    return reshape(input, input.shape[:d] + tuple(sizes) + input.shape[d + 1 :])


def permute(input: Tensor, *args, dims=None) -> Tensor:
    """Reorder dims: ``x.permute(2, 0, 1)``, ``ag.permute(x, (2, 0, 1))`` or ``x.permute(dims=(2, 0, 1))``."""
    if dims is not None and args:
        raise TypeError("permute: pass the dims either positionally or as dims=, not both")
    dims = _shape_arg(args if dims is None else (dims,))
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute: expected {nd} dims for a tensor of shape {tuple(input.shape)}, got {dims}")
    dims = tuple(_check_dim("permute", d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError(f"permute: dims {dims} repeat a dimension")
    if dims == tuple(range(nd)):
        return input
    out = Permute.apply(input, dims)
    _share_version(out, input)
    return out


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims."""
    nd = input._data.ndim
    if nd == 0:
        return input
    d0, d1 = _check_dim("transpose", dim0, nd), _check_dim("transpose", dim1, nd)
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return permute(input, tuple(dims))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose of a tensor with at most 2 dims."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dims, got {input.ndim}; use transpose or mT")
    return transpose(input, 0, -1) if input._data.ndim == 2 else input


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove size-1 dims (only those in ``dim`` when given; others are left alone, as in PyTorch)."""
    shape = input._data.shape
    dims = dims_of("squeeze", dim, len(shape)) if shape and dim != () and dim != [] else ()  # () squeezes nothing
    return reshape(input, tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1)))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim`` (which may be ``ndim``, or negative)."""
    shape = input._data.shape
    d = _check_dim("unsqueeze", dim, len(shape) + 1)
    return reshape(input, shape[:d] + (1,) + shape[d:])


def expand(input: Tensor, *sizes) -> Tensor:
    """Broadcast size-1 dims to ``sizes`` without copying (-1 keeps a size)."""
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand: the number of sizes ({len(sizes)}) must be >= the number of dims ({len(shape)})")
    lead = len(sizes) - len(shape)
    full = tuple(
        (shape[i - lead] if s == -1 else s) if i >= lead else s for i, s in enumerate(sizes)
    )
    for i, s in enumerate(shape):
        if s != 1 and s != full[lead + i]:
            raise RuntimeError(
                f"expand: the expanded size {full[lead + i]} must match the existing size {s} at dim {lead + i} "
                f"(shape {tuple(shape)} -> {sizes}); only size-1 dims can be expanded"
            )
    if full == shape:
        return input
    out = Expand.apply(input, full)
    _share_version(out, input)
    return out


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other.shape)


def broadcast_to(input: Tensor, shape) -> Tensor:
    return expand(input, tuple(shape))


def sum_to(input: Tensor, shape) -> Tensor:
    """Sum a broadcast result back to ``shape``: the gradient rule of broadcasting, in one place."""
    shape = tuple(shape)
    if input._data.shape == shape:
        return input
    from autograd_core.ops.reduce import Sum

    lead = input._data.ndim - len(shape)
    if lead < 0:
        raise ValueError(f"sum_to: can't sum shape {tuple(input.shape)} to the longer shape {shape}")
    dims = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and input._data.shape[lead + i] != 1
    )
    for i, s in enumerate(shape):
        if s != 1 and s != input._data.shape[lead + i]:
            raise ValueError(f"sum_to: shape {tuple(input.shape)} is not a broadcast of {shape}")
    out = Sum.apply(input, dims, True) if dims else input
    return reshape(out, shape)


def repeat(input: Tensor, *sizes) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dim (PyTorch's ``repeat``, NumPy's ``tile``)."""
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"repeat: number of repeats ({len(sizes)}) can't be smaller than the number of dims ({len(shape)})")
    shape = (1,) * (len(sizes) - len(shape)) + shape
    x = reshape(input, tuple(v for s in shape for v in (1, s)))
    x = expand(x, tuple(v for r, s in zip(sizes, shape) for v in (r, s)))
    return reshape(x, tuple(r * s for r, s in zip(sizes, shape)))


def tile(input: Tensor, *dims) -> Tensor:
    """``repeat``, except that fewer repeats than dims are padded with 1s in front (NumPy's ``tile``).

    >>> import autograd_core as ag
    >>> ag.tile(ag.tensor([1, 2]), (2,))
    tensor([1, 2, 1, 2])
    """
    dims = _shape_arg(dims)
    return repeat(input, (1,) * (input._data.ndim - len(dims)) + tuple(dims))


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move the dims ``source`` (an int or a sequence) to the positions ``destination``; the others keep
    their order (a permute).

    >>> import autograd_core as ag
    >>> ag.zeros(2, 3, 4).movedim(0, -1).shape
    torch.Size([3, 4, 2])
    """
    nd = input._data.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: invalid source or destination dims: source ({list(src)}) and destination "
                           f"({list(dst)}) must have the same number of elements")
    src = tuple(_check_dim("movedim", d, nd) for d in src)
    dst = tuple(_check_dim("movedim", d, nd) for d in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {list(src)} or destination {list(dst)}")
    order = [None] * nd
    for s_, d_ in zip(src, dst):
        order[d_] = s_
    rest = iter(d for d in range(nd) if d not in src)
    return permute(input, tuple(o if o is not None else next(rest) for o in order))


moveaxis = movedim


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-D tensors: the k-th output varies along dim k (``indexing="ij"``), or,
    with ``"xy"`` (NumPy's default), the first two dims swapped: shape ``(N1, N0, ...)``.  Each
    output is an expanded view.

    >>> import autograd_core as ag
    >>> xs, ys = ag.meshgrid(ag.arange(3), ag.arange(2), indexing="ij")
    >>> xs.shape, ys.tolist()
    (torch.Size([3, 2]), [[0, 1], [0, 1], [0, 1]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not tensors:
        raise RuntimeError("meshgrid: expects a non-empty list of tensors")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"meshgrid: expects 0-D or 1-D tensors, got shape {tuple(t.shape)}")
    flat = [reshape(t, (-1,)) for t in tensors]
    swap = indexing == "xy" and len(flat) >= 2
    if swap:
        flat[0], flat[1] = flat[1], flat[0]
    shape = tuple(t._data.shape[0] for t in flat)
    n = len(flat)
    grids = [expand(reshape(t, (1,) * k + (-1,) + (1,) * (n - k - 1)), shape) for k, t in enumerate(flat)]
    if swap:  # the grids of (t1, t0, ...): shape (N1, N0, ...), and the first two swapped back
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def hstack(tensors) -> Tensor:
    """Concatenate along dim 1, or dim 0 for 1-D tensors (0-D ones count as 1-D).

    >>> import autograd_core as ag
    >>> ag.hstack([ag.tensor([1, 2]), ag.tensor([3])])
    tensor([1, 2, 3])
    """
    tensors = [reshape(t, (1,)) if t._data.ndim == 0 else t for t in tensors]
    return cat(tensors, 0 if tensors and tensors[0]._data.ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Concatenate along dim 0, 1-D tensors (and 0-D ones) taken as rows.

    >>> import autograd_core as ag
    >>> ag.vstack([ag.tensor([1, 2]), ag.tensor([3, 4])]).shape
    torch.Size([2, 2])
    """
    return cat([reshape(t, (1, -1)) if t._data.ndim < 2 else t for t in tensors], 0)


row_stack = vstack


def flip(input: Tensor, *args, dims=None) -> Tensor:
    """Reverse the order of elements along ``dims``: ``ag.flip(x, (0, 1))``, ``x.flip(0, 1)`` or ``x.flip(dims=(0,))``."""
    if dims is not None and args:
        raise TypeError("flip: pass the dims either positionally or as dims=, not both")
    if dims is None:
        if not args:
            raise TypeError("flip: missing the dims to flip")
        dims = args[0] if len(args) == 1 else args
    return Flip.apply(input, () if dims in ((), []) else dims_of("flip", dims, input._data.ndim))  # () flips nothing


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements by ``shifts`` along ``dims`` (ints or tuples of equal length), wrapping around;
    with ``dims=None`` the tensor is rolled as if flattened (one shift).

    >>> import autograd_core as ag
    >>> from autograd_core.ops.shape import roll
    >>> roll(ag.tensor([[0, 1, 2], [3, 4, 5]]), 1, dims=1)
    tensor([[2, 0, 1],
            [5, 3, 4]])
    """
    shifts = _int_tuple("roll", "shifts", shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(
                f"roll: without dims, shifts must be one int (the flattened tensor is rolled), got {len(shifts)} "
                "shifts; pass as many dims as shifts"
            )
        return Roll.apply(input, shifts[0], None)
    dims = _int_tuple("roll", "dims", dims)
    if len(shifts) != len(dims) or not shifts:
        raise RuntimeError(f"roll: shifts and dims must align, got {len(shifts)} shifts and {len(dims)} dims")
    if input._data.ndim == 0:
        raise IndexError(f"roll: dims {dims} given but the tensor is 0-d; use dims=None")
    return Roll.apply(input, shifts, tuple(_check_dim("roll", d, input._data.ndim) for d in dims))


def _int_tuple(op: str, name: str, value) -> tuple:
    values = value if isinstance(value, (tuple, list)) else (value,)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{op}: {name} must be an int or a tuple of ints, got {value!r}")
    return tuple(int(v) for v in values)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (batched over leading dims), the rest zeroed: element
    ``[..., i, j]`` is kept where ``j - i <= diagonal``.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.shape import tril
    >>> tril(ag.ones(2, 3))
    tensor([[1., 0., 0.],
            [1., 1., 0.]])
    """
    return _triangle("tril", input, diagonal, False)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (``j - i >= diagonal`` kept), the rest zeroed.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.shape import triu
    >>> triu(ag.ones(2, 3), 1)
    tensor([[0., 1., 1.],
            [0., 0., 1.]])
    """
    return _triangle("triu", input, diagonal, True)


def _triangle(op, input, diagonal, upper):
    if input._data.ndim < 2:
        raise RuntimeError(
            f"{op}: input must have at least 2 dims (a matrix, or a batch of them), got shape {tuple(input.shape)}"
        )
    if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"{op}: diagonal must be an int, got {diagonal!r}")
    return Triangle.apply(input, int(diagonal), upper)


def cat(tensors, dim: int = 0) -> Tensor:
    """Concatenate along an existing dim; shapes must match elsewhere, dtypes are promoted."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    from autograd_core import dtypes

    ref = next((t for t in tensors if t._data.ndim > 0), tensors[0])
    d = _check_dim("cat", dim, ref._data.ndim)
    target = tensors[0].dtype
    for t in tensors[1:]:
        target = dtypes.promote(target, t.dtype)
    tensors = [t.to(target) for t in tensors]
    for i, t in enumerate(tensors):
        if t._data.ndim == 1 and t._data.shape[0] == 0 and ref._data.ndim > 1:
            continue  # skipped, as PyTorch does
        if t._data.ndim != ref._data.ndim or any(
            a != b for k, (a, b) in enumerate(zip(t._data.shape, ref._data.shape)) if k != d
        ):
            raise RuntimeError(
                f"cat: sizes of tensors must match except in dim {d}; tensor 0 has shape {tuple(ref.shape)}, "
                f"tensor {i} has shape {tuple(t.shape)}"
            )
    return Cat.apply(d, *tensors)  # a new tensor even from one input, as in PyTorch (never an alias)


concat = concatenate = cat


def stack(tensors, dim: int = 0) -> Tensor:
    """Join along a new dim; all shapes must be equal."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    shape = tensors[0]._data.shape  # (the arrays' shapes: no Size per tensor)
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got {tuple(shape)} at entry 0 and {tuple(t.shape)} at entry {i}")
    d = _check_dim("stack", dim, len(shape) + 1)
    return cat([unsqueeze(t, d) for t in tensors], d)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """Elements ``start:start+length`` along ``dim`` (a view)."""
    d = _check_dim("narrow", dim, input._data.ndim)
    size = input._data.shape[d]
    if start < 0:  # counts from the end, as in PyTorch
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise IndexError(f"narrow: start {start} and length {length} exceed dim {d} of size {size}")
    idx = (builtins.slice(None),) * d + (builtins.slice(start, start + length),)
    return input[idx]


def split(input: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Split into chunks of a given size, or of the listed sizes, along ``dim``."""
    d = _check_dim("split", dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0 and n > 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [builtins.min(size, n - s) for s in range(0, n, size)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} don't add up to the size of dim {d} ({n})")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(input, d, start, s))
        start += s
    return tuple(out)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` pieces of ceil(n / chunks) along ``dim`` (the last may be smaller)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    d = _check_dim("chunk", dim, input._data.ndim)
    n = input._data.shape[d]
    if n == 0:  # PyTorch returns `chunks` empty pieces
        return tuple(narrow(input, d, 0, 0) for _ in range(chunks))
    return split(input, -(-n // chunks), d)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    d = _check_dim("unbind", dim, input._data.ndim)
    return tuple(
        input[(builtins.slice(None),) * d + (i,)] for i in range(input._data.shape[d])
    )


def pad(input: Tensor, pad, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the last dims: ``pad = (left, right, top, bottom, ...)`` as in ``torch.nn.functional.pad``.

    Only ``mode="constant"`` is a primitive; negative widths crop.  The other modes
    (``reflect``, ``replicate``, ``circular``) are compositions of it and indexing:
    ``nn.functional.pad`` has them.
    """
    if mode != "constant":
        raise ValueError(f"ag.pad: mode {mode!r} is not a primitive here; use nn.functional.pad(input, pad, "
                         f"mode={mode!r}), which composes it, or mode='constant'")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input._data.ndim:
        raise ValueError(f"pad: padding {pad} must have an even length of at most 2*ndim ({2 * input.ndim})")
    nd = input._data.ndim
    widths = [[0, 0] for _ in range(nd)]
    for i in range(len(pad) // 2):
        widths[nd - 1 - i] = [pad[2 * i], pad[2 * i + 1]]
    crop = [builtins.slice(None)] * nd
    if builtins.any(w < 0 for pair in widths for w in pair):  # negative padding crops first
        for k, (lo, hi) in enumerate(widths):
            crop[k] = builtins.slice(-lo if lo < 0 else 0, hi if hi < 0 else None)
            widths[k] = [builtins.max(lo, 0), builtins.max(hi, 0)]
        input = input[tuple(crop)]
    if not builtins.any(w for pair in widths for w in pair):
        return input
    return ConstantPad.apply(input, tuple(tuple(w) for w in widths), value)


def to_device(input: Tensor, dev) -> Tensor:
    """Copy to another device; the gradient is copied back."""
    return ToDevice.apply(input, dev)


def clone(input: Tensor) -> Tensor:
    """A copy with its own memory (differentiable)."""
    return Clone.apply(input)


def contiguous(input: Tensor) -> Tensor:
    """``input`` itself when C-contiguous, else a contiguous copy."""
    flags = getattr(input._data, "flags", None)
    if flags is not None and flags.c_contiguous:
        return input
    return Clone.apply(input)


# ---------------------------------------------------------------------------- more movement ops, composed
def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor, in row-major order (a view when the layout allows).

    >>> import autograd_core as ag
    >>> ag.ravel(ag.zeros(2, 3)).shape
    torch.Size([6])
    """
    return reshape(input, -1)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, that dim removed (``x.select(1, 2)`` is ``x[:, 2]``); a view.

    >>> import autograd_core as ag
    >>> ag.arange(6).reshape(2, 3).select(1, -1).tolist()
    [2, 5]
    """
    if input._data.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _check_dim("select", dim, input._data.ndim)
    size = input._data.shape[d]
    index = int(index)
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {tuple(input.shape)} at dimension {d}")
    return input[(builtins.slice(None),) * d + (index,)]


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``narrow`` into new memory (not a view)."""
    return clone(narrow(input, dim, start, length))


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """``split`` with a list of sizes, which must add up to the size of ``dim``."""
    return split(input, list(split_sizes), dim)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Views of ``input`` split along ``dim``: into ``n`` nearly equal parts for an int ``n`` (the
    first ``size % n`` one element longer, as NumPy's ``array_split``), or at the listed indices
    (a list, or a 1-D int64 tensor; a 0-d one counts as ``n``).

    >>> import autograd_core as ag
    >>> [t.tolist() for t in ag.tensor_split(ag.arange(7), 3)]
    [[0, 1, 2], [3, 4], [5, 6]]
    >>> [t.tolist() for t in ag.arange(7).tensor_split([1, 5])]
    [[0], [1, 2, 3, 4], [5, 6]]
    """
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _check_dim("tensor_split", dim, input._data.ndim)
    n = input._data.shape[d]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        if spec._data.dtype.kind not in "iu" or spec._data.ndim > 1:
            raise RuntimeError(
                f"tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional "
                f"tensor of integers, but got a {spec.dtype} tensor of shape {tuple(spec.shape)}"
            )
        spec = int(spec.item()) if spec._data.ndim == 0 else [int(v) for v in spec.tolist()]
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        sections = int(spec)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        base, extra = divmod(n, sections)
        bounds, start = [], 0
        for k in range(sections):
            start += base + (1 if k < extra else 0)
            bounds.append(start)
        bounds = bounds[:-1]
    else:
        bounds = [int(i) for i in spec]
    def clip(i):  # as a slice bound: negative counts from the end, then clipped to [0, n]
        return builtins.min(builtins.max(i + n if i < 0 else i, 0), n)

    # Piece k is input[bounds[k-1]:bounds[k]] along d, each bound clipped on its own (as PyTorch does).
    out, prev = [], 0
    for b in bounds + [n]:
        start, stop = clip(prev), clip(b)
        out.append(narrow(input, d, start, builtins.max(stop - start, 0)))
        prev = b
    return tuple(out)


def _split_dim(op: str, input: Tensor, indices_or_sections, dim: int, min_ndim: int) -> tuple:
    """hsplit / vsplit / dsplit: ``tensor_split`` along ``dim``, where an int must divide the size evenly."""
    if input._data.ndim < min_ndim:
        raise RuntimeError(
            f"torch.{op} requires a tensor with at least {min_ndim} dimension, but got a tensor with "
            f"{input._data.ndim} dimensions!"
        )
    if isinstance(indices_or_sections, (int, np.integer)) and not isinstance(indices_or_sections, bool):
        size = input._data.shape[dim]
        if indices_or_sections == 0 or size % indices_or_sections:
            raise RuntimeError(
                f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension {size} is not "
                f"divisible by the split_size {indices_or_sections}!"
            )
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along dim 1 (dim 0 for a 1-D tensor); an int must divide that dim evenly.

    >>> import autograd_core as ag
    >>> [t.shape for t in ag.hsplit(ag.zeros(2, 4), 2)]
    [torch.Size([2, 2]), torch.Size([2, 2])]
    """
    return _split_dim("hsplit", input, indices_or_sections, 1 if input._data.ndim > 1 else 0, 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along dim 0 of a tensor with at least 2 dims; an int must divide that dim evenly."""
    return _split_dim("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along dim 2 of a tensor with at least 3 dims; an int must divide that dim evenly."""
    return _split_dim("dsplit", input, indices_or_sections, 2, 3)


def _tensors_arg(tensors) -> tuple:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(tensors[0])
    return tuple(tensors)


def _atleast(op: str, tensors, make):
    ts = _tensors_arg(tensors)
    for t in ts:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__}")
    out = tuple(make(t) for t in ts)
    return out[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else out


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a 0-d one becomes shape (1,)); one tensor in, one out.

    >>> import autograd_core as ag
    >>> ag.atleast_1d(ag.tensor(1.0)).shape
    torch.Size([1])
    """
    return _atleast("atleast_1d", tensors, lambda t: reshape(t, 1) if t._data.ndim == 0 else t)


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims: 0-d to (1, 1), (n,) to (1, n).

    >>> import autograd_core as ag
    >>> [t.shape for t in ag.atleast_2d(ag.tensor(1.0), ag.zeros(3))]
    [torch.Size([1, 1]), torch.Size([1, 3])]
    """
    return _atleast("atleast_2d", tensors, lambda t: reshape(t, (1,) * (2 - t._data.ndim) + t._data.shape)
                    if t._data.ndim < 2 else t)


def _to_3d(t: Tensor) -> Tensor:
    shape = t._data.shape
    if len(shape) == 0:
        return reshape(t, 1, 1, 1)
    if len(shape) == 1:
        return reshape(t, 1, shape[0], 1)
    if len(shape) == 2:
        return reshape(t, shape + (1,))
    return t


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: 0-d to (1, 1, 1), (n,) to (1, n, 1), (m, n) to (m, n, 1).

    >>> import autograd_core as ag
    >>> ag.atleast_3d(ag.zeros(2, 3)).shape
    torch.Size([2, 3, 1])
    """
    return _atleast("atleast_3d", tensors, _to_3d)


def dstack(tensors) -> Tensor:
    """Concatenate along dim 2, after making every tensor at least 3-D (``atleast_3d``).

    >>> import autograd_core as ag
    >>> ag.dstack([ag.zeros(2), ag.ones(2)]).shape
    torch.Size([1, 2, 2])
    """
    return cat([_to_3d(t) for t in tensors], 2)


def column_stack(tensors) -> Tensor:
    """Concatenate along dim 1, 0-d and 1-D tensors taken as columns ((n,) becomes (n, 1)).

    >>> import autograd_core as ag
    >>> ag.column_stack([ag.tensor([1, 2]), ag.tensor([[3], [4]])]).tolist()
    [[1, 3], [2, 4]]
    """
    return cat([reshape(t, (t._data.size, 1)) if t._data.ndim < 2 else t for t in tensors], 1)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first towards the second
    (a flip and a transpose: views, as PyTorch's).

    >>> import autograd_core as ag
    >>> ag.rot90(ag.tensor([[1, 2], [3, 4]])).tolist()
    [[2, 4], [1, 3]]
    """
    dims = tuple(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = _check_dim("rot90", dims[0], nd), _check_dim("rot90", dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return transpose(flip(input, (d0,)), d0, d1)
    return clone(input)  # PyTorch returns a copy for k % 4 == 0


def fliplr(input: Tensor) -> Tensor:
    """Reverse dim 1 (left to right); the input needs at least 2 dims."""
    if input._data.ndim < 2:
        raise RuntimeError(f"fliplr: input must be >= 2-d, got shape {tuple(input.shape)}")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """Reverse dim 0 (up to down); the input needs at least 1 dim."""
    if input._data.ndim < 1:
        raise RuntimeError("flipud: input must be >= 1-d, got a 0-d tensor")
    return flip(input, (0,))


def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` (ints count as 1-D shapes) broadcast to, as a ``Size``.

    >>> import autograd_core as ag
    >>> tuple(ag.broadcast_shapes((2, 1), (3,)))
    (2, 3)
    """
    from autograd_core.ops._common import broadcast_shape
    from autograd_core.size import Size

    norm = []
    for s in shapes:
        norm.append((int(s),) if isinstance(s, (int, np.integer)) else tuple(int(v) for v in s))
    return Size(broadcast_shape("broadcast_shapes", *norm) if norm else ())


def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded to their common broadcast shape (views; gradients are summed back).

    >>> import autograd_core as ag
    >>> [t.shape for t in ag.broadcast_tensors(ag.zeros(2, 1), ag.zeros(3))]
    [torch.Size([2, 3]), torch.Size([2, 3])]
    """
    from autograd_core.ops._common import broadcast_shape

    ts = _tensors_arg(tensors)
    shape = broadcast_shape("broadcast_tensors", *(t._data.shape for t in ts))
    return tuple(expand(t, shape) if t._data.shape != shape else t for t in ts)


def block_diag(*tensors) -> Tensor:
    """A block-diagonal matrix with the given tensors (0-d, 1-D as a row, or 2-D) on its diagonal;
    dtypes are promoted.

    >>> import autograd_core as ag
    >>> ag.block_diag(ag.tensor([[1, 2]]), ag.tensor(3)).tolist()
    [[1, 2, 0], [0, 0, 3]]
    """
    from autograd_core import dtypes
    from autograd_core.factories import empty

    mats = []
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has {t._data.ndim} dimensions"
            )
        mats.append(reshape(t, (1, -1)) if t._data.ndim < 2 else t)
    if not mats:
        return empty(1, 0)
    target = mats[0].dtype
    for m in mats[1:]:
        target = dtypes.promote(target, m.dtype)
    total = builtins.sum(m._data.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        width = m._data.shape[1]
        m = m.to(target)
        rows.append(pad(m, (left, total - left - width)) if total != width else m)
        left += width
    return cat(rows, 0)


def cartesian_prod(*tensors) -> Tensor:
    """All combinations of one element from each 1-D tensor, as rows (``itertools.product``'s order);
    one tensor is returned as it is.

    >>> import autograd_core as ag
    >>> ag.cartesian_prod(ag.tensor([1, 2]), ag.tensor([3, 4])).tolist()
    [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    ts = _tensors_arg(tensors)
    for t in ts:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return stack([reshape(g, -1) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of the elements of a 1-D tensor, as rows (``itertools``' order;
    with replacement if asked).  ``r=0`` gives an empty 1-D tensor, as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.combinations(ag.tensor([1, 2, 3])).tolist()
    [[1, 2], [1, 3], [2, 3]]
    """
    import itertools

    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return reshape(input[builtins.slice(0, 0)], 0)
    make = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    # The index pattern is host metadata; the values are read on the tensor's device, recorded.
    idx = np.array(list(make(range(input._data.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return input[_wrap(input._dev.backend.asarray(idx), input._dev)]


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose ``offset``-th diagonal (in the plane of ``dim1``, ``dim2`` of the result) holds the
    last dim of ``input``; zeros elsewhere.  The gradient is read back from that diagonal.

    >>> import autograd_core as ag
    >>> ag.diag_embed(ag.tensor([[1, 2]])).tolist()
    [[[1, 0], [0, 2]]]
    """
    from autograd_core.ops.index import IndexBackward

    nd = input._data.ndim + 1
    if input._data.ndim == 0:
        input = reshape(input, 1)
        nd = 2
    d1, d2 = _check_dim("diag_embed", dim1, nd), _check_dim("diag_embed", dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input._data.shape[-1]
    m = n + builtins.abs(offset)
    xp = input._dev.xp
    ar = xp.arange(n)
    idx = (Ellipsis, ar + builtins.max(-offset, 0), ar + builtins.max(offset, 0))
    out = IndexBackward.apply(input, idx, False, input._data.shape[:-1] + (m, m))
    return movedim(out, (nd - 2, nd - 1), (d1, d2))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A square matrix with the flattened ``input`` on its ``offset``-th diagonal.

    >>> import autograd_core as ag
    >>> ag.diagflat(ag.tensor([[1, 2]])).tolist()
    [[1, 0], [0, 2]]
    """
    return diag_embed(reshape(input, -1), offset)


def sum_to_size(input: Tensor, *size) -> Tensor:
    """Sum ``input`` down to ``size``, a shape it was broadcast from (the gradient rule of expand)."""
    return sum_to(input, _shape_arg(size))


# ---------------------------------------------------------------------------- memory layout
def stride(input: Tensor, dim=None):
    """Steps in memory between neighbours along each dim, counted in elements (a tuple, or one
    int for ``dim``).  Expanded dims have stride 0, as in PyTorch; a flipped view here has negative
    strides (PyTorch's flip copies instead).

    >>> import autograd_core as ag
    >>> ag.zeros(2, 3).stride(), ag.zeros(2, 3).t().stride()
    ((3, 1), (1, 3))
    """
    item = input._data.itemsize
    steps = tuple(s // item for s in input._data.strides)
    if dim is None:
        return steps
    return steps[_check_dim("stride", dim, builtins.max(input._data.ndim, 1))] if steps else 1


def storage_offset(input: Tensor) -> int:
    """The position of the first element in the memory the tensor views, in elements.

    >>> import autograd_core as ag
    >>> ag.arange(6)[2:].storage_offset()
    2
    """
    backend = input._dev.backend
    owner = backend.memory_owner(input._data)
    if hasattr(owner, "ptr"):  # a CuPy allocation
        start = owner.ptr
    elif hasattr(owner, "__array_interface__"):  # a NumPy array (the owner behind a strict array too)
        start = owner.__array_interface__["data"][0]
    else:
        start = backend.data_ptr(owner)
    return (backend.data_ptr(input._data) - start) // input._data.itemsize


# ---------------------------------------------------------------------------- in-place changes of shape
def _view_in_place(op: str, t: Tensor, make) -> Tensor:
    """``t`` becomes the view ``make(t)`` of its own memory (``x.t_()``, ``x.squeeze_()``): same object,
    new shape and strides, its version bumped as in PyTorch.  When ``t`` is in the graph the view is
    recorded, so gradients flow back through the reshaping; a leaf that requires grad is refused,
    as PyTorch refuses it."""
    from autograd_core.grad_mode import GRAD_ENABLED

    if GRAD_ENABLED[0] and t._rg:
        if t._node is None:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place operation; "
                "use the out-of-place form, or call it under ag.no_grad()"
            )
        old = Tensor._wrap(t._data, t._dev, t._node, t._rg)
        out = make(old)
        t._data, t._node = out._data, out._node
    else:
        from autograd_core.grad_mode import no_grad

        with no_grad():
            t._data = make(t)._data
    t._bump_version()
    return t


def squeeze_(self: Tensor, dim=None) -> Tensor:
    """``squeeze`` in place: the tensor itself takes the new shape."""
    return _view_in_place("squeeze_", self, lambda x: squeeze(x, dim))


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """``unsqueeze`` in place.

    >>> import autograd_core as ag
    >>> ag.zeros(3).unsqueeze_(0).shape
    torch.Size([1, 3])
    """
    return _view_in_place("unsqueeze_", self, lambda x: unsqueeze(x, dim))


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """``transpose`` in place (also ``swapaxes_`` and ``swapdims_``)."""
    return _view_in_place("transpose_", self, lambda x: transpose(x, dim0, dim1))


def t_(self: Tensor) -> Tensor:
    """``t`` in place."""
    return _view_in_place("t_", self, t)
