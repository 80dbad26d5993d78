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
    (2, 3)
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
    (3, 4, 2)
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
    ((3, 2), [[0, 1], [0, 1], [0, 1]])
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
    (2, 2)
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
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
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

    Only ``mode="constant"`` is a primitive; negative widths crop.
    """
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; use mode='constant'")
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
