"""Reductions.  ``dim`` (int, tuple or None) and ``keepdim`` as in PyTorch; negative dims allowed."""

from __future__ import annotations

from collections import namedtuple

from autograd_core import dtypes
from autograd_core.function import Primitive
from autograd_core.ops import elementwise as E
from autograd_core.ops._common import dims_of, keep_shape, no_grad_result
from autograd_core.ops.elementwise import exp, where
from autograd_core.tensor import Tensor

_wrap = Tensor._wrap


class ExpandReduced(Primitive):
    """A reduced gradient broadcast back to the reduced input's shape, times ``scale``: the
    backward of sum (scale 1) and mean (1/n) as one node, where reshape + expand + mul
    would be three.  The result is a read-only broadcast view; its backward is a sum."""

    @staticmethod
    def forward(ctx, g, in_shape, dims, keepdim, scale):
        ctx.dims, ctx.keepdim, ctx.scale = dims, keepdim, scale
        d = g._data
        if not keepdim:
            d = d.reshape(keep_shape(in_shape, dims))
        if scale != 1.0:
            d = d * scale
        return g._dev.xp.broadcast_to(d, in_shape)

    @staticmethod
    def backward(ctx, gg):
        out = Sum.apply(gg, ctx.dims, ctx.keepdim)
        return (out * ctx.scale if ctx.scale != 1.0 else out), None, None, None, None


def _expand_back(g, ctx, scale=1.0):
    """A reduced gradient broadcast back to the input's shape (times ``scale``), recorded."""
    return ExpandReduced.apply(g, ctx.in_shape, ctx.dims, ctx.keepdim, scale)


def _save_reduction(ctx, x, y_keep, dims, keepdim) -> Tensor:
    """Make the output tensor of a reduction and save it with the input.

    The output itself is saved (not a copy of its values), so with create_graph the
    backward's use of it is differentiated through this node too.
    """
    ctx.in_shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
    out = _wrap(y_keep if keepdim else y_keep.reshape(keep_shape_drop(x._data.shape, dims)), x._dev)
    ctx.save_for_backward(x, out)
    return out


def _saved_keepdim(ctx):
    """The saved input and the saved output, the latter with the reduced dims kept (size 1)."""
    from autograd_core.ops.shape import reshape

    x, y = ctx.saved_tensors
    return x, (y if ctx.keepdim else reshape(y, keep_shape(ctx.in_shape, ctx.dims)))


class Sum(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.in_shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim  # backward needs only the shape
        return x._data.sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx), None, None


class Mean(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        d = x._data
        ctx.in_shape, ctx.dims, ctx.keepdim = d.shape, dims, keepdim
        n = 1
        for i in dims:
            n *= d.shape[i]
        ctx.n = n
        if n == 0:  # the mean of nothing is nan (NumPy would also warn)
            return x._dev.xp.full(keep_shape_drop(d.shape, dims) if not keepdim
                                  else keep_shape(d.shape, dims), float("nan"), dtype=d.dtype)
        if d.dtype.itemsize < 4:  # float16: NumPy's mean accumulates in float32, as PyTorch does
            return d.mean(axis=dims, keepdims=keepdim)
        # The same pairwise sum as d.mean(), without its Python-level wrapper.
        out = x._dev.xp.add.reduce(d, axis=dims, keepdims=keepdim)
        out *= d.dtype.type(1.0 / n)
        return out

    @staticmethod
    def backward(ctx, g):
        # Over an empty dim the gradient is empty whatever the scale: 0 keeps every derivative finite.
        return _expand_back(g, ctx, 1.0 / ctx.n if ctx.n else 0.0), None, None


class Prod(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.save_for_backward(x)
        ctx.in_shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        return x._data.prod(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        dims = ctx.dims
        # d prod / d x_i is the product of the others, written so that it stays a polynomial
        # in x (exact first AND second derivatives at zeros, where out / x_i fails):
        #   others_i = (product of the zero entries other than i) * (product of the non-zeros) / x_i
        # The first factor is 1 with no zero, x_z for i != z with one zero at z, the other
        # zero for i in a pair of zeros; with more zeros every term vanishes to second order.
        zero = x == 0
        safe = where(zero, 1.0, x)
        n_zero = zero.sum(dims, keepdim=True)
        zsum = where(zero, x, 0.0).sum(dims, keepdim=True)  # value 0, slope 1 in each zero entry
        zero_part = where(
            n_zero == 0, 1.0,
            where(n_zero == 1, where(zero, 1.0, zsum), where((n_zero == 2) & zero, zsum - x, 0.0)),
        )
        others = zero_part * prod(safe, dims, keepdim=True) / safe
        return _expand_back(g, ctx) * others, None, None


def keep_shape_drop(shape, dims):
    return tuple(s for i, s in enumerate(shape) if i not in dims)


class AMax(Primitive):
    """max over dims; the gradient is shared evenly between tied maxima (PyTorch's amax rule).
    With ``nan_ties`` a NaN result counts as equal to the NaNs it came from, so they share the
    gradient (PyTorch's rule for ``max()`` and ``min()`` of the whole tensor); without, it is NaN."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, is_min, nan_ties):
        y = (x._data.min if is_min else x._data.max)(axis=dims, keepdims=True)
        ctx.nan_ties = nan_ties
        return _save_reduction(ctx, x, y, dims, keepdim)

    @staticmethod
    def backward(ctx, g):
        x, y = _saved_keepdim(ctx)
        hit = x == y
        if ctx.nan_ties:
            hit = hit | (E.isnan(x) & E.isnan(y))
        count = hit.sum(ctx.dims, keepdim=True)
        return _expand_back(g, ctx) * hit / count, None, None, None, None


class LogSumExp(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xp, d = x._dev.xp, x._data
        if 0 in [d.shape[i] for i in dims]:  # log of an empty sum
            y = xp.full(keep_shape(d.shape, dims), -float("inf"), dtype=d.dtype)
            return _save_reduction(ctx, x, y, dims, keepdim)
        m = d.max(axis=dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # all -inf (or inf) slices: don't subtract inf from inf
        y = xp.log(xp.exp(d - m).sum(axis=dims, keepdims=True)) + m
        return _save_reduction(ctx, x, y, dims, keepdim)

    @staticmethod
    def backward(ctx, g):
        x, y = _saved_keepdim(ctx)
        return _expand_back(g, ctx) * exp(x - y), None, None


class Softmax(Primitive):
    @staticmethod
    def forward(ctx, x, dim):
        xp, d = x._dev.xp, x._data
        if d.shape[dim] == 0:
            y = _wrap(d.copy(), x._dev)
            ctx.save_for_backward(y)
            ctx.dim = dim
            return y
        e = xp.exp(d - d.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        y = _wrap(e, x._dev)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Primitive):
    @staticmethod
    def forward(ctx, x, dim):
        xp, d = x._dev.xp, x._data
        if d.shape[dim] == 0:
            y = _wrap(d.copy(), x._dev)
            ctx.save_for_backward(y)
            ctx.dim = dim
            return y
        shifted = d - d.max(axis=dim, keepdims=True)
        y = _wrap(shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True)), x._dev)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g - exp(y) * g.sum(ctx.dim, keepdim=True), None


class Norm(Primitive):
    """The p-norm over dims (any p; p < 0 gives (sum |x|^p)^(1/p), 0 if some |x| is 0).  At a zero norm the gradient is 0, not NaN: PyTorch's
    subgradient, which the composition (sum |x|^p)^(1/p) would turn into 0 * inf."""

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        xp, d = x._dev.xp, x._data
        ctx.p = p
        if p == 0:  # the number of non-zeros: piecewise constant, so its gradient is 0
            y = (d != 0).sum(axis=dims, keepdims=True).astype(d.dtype)
        elif p == 2:
            y = xp.sqrt((d * d).sum(axis=dims, keepdims=True))
        elif p > 0:
            y = (xp.abs(d) ** p).sum(axis=dims, keepdims=True) ** (1.0 / p)
        else:  # |0|^p is inf for p < 0, so the norm is 0; computed without dividing by zero
            a = xp.abs(d)
            y = xp.where(a == 0, xp.inf, xp.where(a == 0, 1, a) ** p).sum(axis=dims, keepdims=True) ** (1.0 / p)
        return _save_reduction(ctx, x, y, dims, keepdim)

    @staticmethod
    def backward(ctx, g):
        x, y = _saved_keepdim(ctx)
        p = ctx.p
        if p == 0:
            return _expand_back(g, ctx) * 0.0, None, None, None
        # d||x||_p / dx = sign(x) |x|^(p-1) / ||x||^(p-1), masked to 0 where the norm is 0.
        scale = _expand_back(g, ctx) / where(y == 0, 1.0, y) ** (p - 1) * (y != 0)
        if p == 2:
            return scale * x, None, None, None
        zero = x == 0
        safe = where(zero, 1.0, x)  # |x|^(p-1) is inf at 0 for p < 1: keep it out of the graph
        return scale * where(zero, 0.0, E.sign(x) * E.abs(safe) ** (p - 1)), None, None, None


class StdFromVar(Primitive):
    """sqrt for std: the gradient of a zero std is 0, not inf * 0 (PyTorch masks it the same way)."""

    @staticmethod
    def forward(ctx, v):
        y = _wrap(v._dev.xp.sqrt(v._data), v._dev)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g / (where(y == 0, 1.0, y) * 2.0) * (y != 0)


class CumSum(Primitive):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return x._data.cumsum(axis=dim)

    @staticmethod
    def backward(ctx, g):
        from autograd_core.ops.shape import flip

        # Each input element feeds every later partial sum: a reversed cumulative sum.
        return flip(cumsum(flip(g, ctx.dim), ctx.dim), ctx.dim), None


class CumProd(Primitive):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.save_for_backward(x)
        ctx.dim = dim
        return x._data.cumprod(axis=dim)

    @staticmethod
    def backward(ctx, g):
        from autograd_core.ops.shape import flip

        (x,) = ctx.saved_tensors
        d = ctx.dim
        # d out_j / d x_i = prod(x_k for k <= j, k != i), for i <= j.  With c = cumprod of the
        # non-zeros and nz_j = the number of zeros among x_0..x_j, that is c_j / x_i where x_i is
        # the only zero in 0..j or no zero is, else 0.  As in Prod, the zero entries z1 and z2 (value
        # 0, slope 1) keep the terms one zero further on, so that second derivatives stay exact.
        zero = x == 0
        safe = where(zero, 1.0, x)
        nz = cumsum(zero, d)
        first, second = zero & (nz == 1), zero & (nz == 2)
        z1 = where(first, x, 0.0).sum(d, keepdim=True)
        z2 = where(second, x, 0.0).sum(d, keepdim=True)
        gc = g * cumprod(safe, d)

        def after(w):  # sum over j >= i of gc_j * w_j
            return flip(cumsum(flip(gc * w, d), d), d)

        one, two = nz == 1, nz == 2
        grad = where(
            zero,
            where(first, after(one + two * z2), where(second, after(two * z1), 0.0)),
            after((nz == 0) + one * z1),
        )
        return grad / safe, None


# ---------------------------------------------------------------------------- functional API
def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sums along ``dim``.

    >>> import autograd_core as ag
    >>> ag.tensor([1.0, 2.0, 3.0]).cumsum(0)
    tensor([1., 3., 6.])
    """
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.to(dtypes.int64)
    if input._data.ndim == 0:
        dims_of("cumsum", dim, 0)
        return _as_1d(cumsum, input, 0)
    (d,) = dims_of("cumsum", dim, input._data.ndim)
    return CumSum.apply(input, d)


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running products along ``dim``; integers and bools multiply in int64, as in PyTorch.  The
    gradient is exact where the input has zeros (first and second derivatives).

    >>> import autograd_core as ag
    >>> from autograd_core.ops.reduce import cumprod
    >>> cumprod(ag.tensor([1.0, 2.0, 3.0]), 0)
    tensor([1., 2., 6.])
    """
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.to(dtypes.int64)
    if input._data.ndim == 0:
        dims_of("cumprod", dim, 0)
        return _as_1d(cumprod, input, 0)
    (d,) = dims_of("cumprod", dim, input._data.ndim)
    return CumProd.apply(input, d)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """The ``n``-th forward difference ``x[i + 1] - x[i]`` along ``dim`` (``prepend``/``append`` joined
    first); bools differ by ``!=``, as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.tensor([1, 4, 9, 16]).diff()
    tensor([3, 5, 7])
    """
    from autograd_core.ops.shape import cat, narrow

    if input._data.ndim == 0:
        raise RuntimeError("diff: expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"diff: order must be non-negative but got {n}")
    (d,) = dims_of("diff", dim, input._data.ndim)
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        size = x._data.shape[d]
        if size == 0:
            break
        a, b = narrow(x, d, 1, size - 1), narrow(x, d, 0, size - 1)
        x = E.ne(a, b) if x._data.dtype.kind == "b" else E.sub(a, b)
    return x


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """The number of nonzero elements (int64), over ``dim`` (an int or a tuple) or all of them.

    >>> import autograd_core as ag
    >>> ag.count_nonzero(ag.tensor([[0, 1], [2, 3]]), dim=0)
    tensor([1, 2])
    """
    dims = dims_of("count_nonzero", dim, input._data.ndim)
    return sum(E.ne(input, 0), dims).to(dtypes.int64)


def _as_1d(fn, input: Tensor, *args):
    """Apply a dim-wise op to a 0-d tensor as to a 1-element vector (PyTorch's convention)."""
    from autograd_core.ops.shape import reshape

    out = fn(reshape(input, 1), *args)
    if isinstance(out, tuple):
        return type(out)(*(reshape(o, ()) for o in out))
    return reshape(out, ())


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` (all dims when None).

    >>> import autograd_core as ag
    >>> ag.ones(2, 3).sum(dim=-1)
    tensor([3., 3.])
    """
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.to(dtypes.int64)  # PyTorch sums integers and bools in int64
    return Sum.apply(input, dims_of("sum", dim, input._data.ndim), keepdim)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Arithmetic mean over ``dim``; floating tensors only, as in PyTorch."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"mean: could not infer output dtype; input dtype must be floating point, got {input.dtype}. "
            "Convert with .float() first"
        )
    return Mean.apply(input, dims_of("mean", dim, input._data.ndim), keepdim)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product over ``dim``; its gradient is exact when some elements are zero.  Integers and bools
    multiply in int64, as in PyTorch."""
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.to(dtypes.int64)
    return Prod.apply(input, dims_of("prod", dim, input._data.ndim), keepdim)


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Maximum over ``dim`` (all dims for ``()``/None); ties share the gradient."""
    return _amax("amax", input, dim, keepdim, False)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Minimum over ``dim``; ties share the gradient."""
    return _amax("amin", input, dim, keepdim, True)


def _amax(op, input, dim, keepdim, is_min):
    dims = dims_of(op, None if dim == () else dim, input._data.ndim)
    _check_nonempty(op, input, dims)
    return AMax.apply(input, dims, keepdim, is_min, False)


def _check_nonempty(op, input, dims):
    for d in dims:
        if input._data.shape[d] == 0:
            raise IndexError(f"{op}: expected a non-empty dimension {d} to reduce over, got shape {tuple(input.shape)}")


MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None):
    """``max(x)``: the largest value; ``max(x, dim)``: (values, indices); ``max(x, y)``: elementwise.

    Along a dim the gradient goes to the element ``indices`` names, as in PyTorch.
    """
    return _max_like("max", input, dim, keepdim, False)


def min(input: Tensor, dim=None, keepdim: bool = False):
    """The smallest value, or (values, indices) along ``dim``, or the elementwise minimum."""
    return _max_like("min", input, dim, keepdim, True)


def _max_like(op, input, dim, keepdim, is_min):
    from autograd_core.ops.elementwise import maximum, minimum
    from autograd_core.ops.index import gather
    from autograd_core.ops.shape import squeeze

    if isinstance(dim, Tensor):
        return (minimum if is_min else maximum)(input, dim)
    if dim is not None and input._data.ndim == 0:
        dims_of(op, dim, 0)
        return _as_1d(lambda x: _max_like(op, x, 0, keepdim, is_min), input)
    if dim is None:
        _check_nonempty(op, input, tuple(range(input._data.ndim)))
        return AMax.apply(input, tuple(range(input._data.ndim)), False, is_min, True)
    indices = (argmin if is_min else argmax)(input, dim, keepdim=True)
    values = gather(input, dim, indices)
    if not keepdim:
        values, indices = squeeze(values, dim), squeeze(indices, dim)
    return (MinResult if is_min else MaxResult)(values, indices)


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (first occurrence), over the flattened tensor when ``dim`` is None."""
    return _arg("argmax", input, dim, keepdim)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (first occurrence)."""
    return _arg("argmin", input, dim, keepdim)


def _arg(op, input, dim, keepdim):
    d = input._data
    fn = d.argmin if op == "argmin" else d.argmax
    if dim is None:
        _check_nonempty(op, input, tuple(range(d.ndim)))
        out = fn()
        if keepdim:
            out = out.reshape((1,) * d.ndim)
        return no_grad_result(out.astype("int64"), input._dev)
    if d.ndim == 0:
        dims_of(op, dim, 0)
        return no_grad_result(input._dev.xp.zeros((), dtype="int64"), input._dev)
    (axis,) = dims_of(op, dim, d.ndim)
    _check_nonempty(op, input, (axis,))
    return no_grad_result(fn(axis=axis, keepdims=keepdim).astype("int64"), input._dev)


def _correction(op, unbiased, correction):
    if correction is not None and unbiased is not None:
        raise ValueError(f"{op}: pass either unbiased or correction, not both")
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance with Bessel's correction by default (``correction=1``; ``unbiased=False`` means 0)."""
    if isinstance(dim, bool):  # var(x, False): PyTorch's (input, unbiased) overload
        dim, unbiased = None, dim
    c = _correction("var", unbiased, correction)
    dims = dims_of("var", dim, input._data.ndim)
    n = 1
    for d in dims:
        n *= input._data.shape[d]
    centred = input - mean(input, dims, keepdim=True)
    return sum(centred * centred, dims, keepdim) / float(n - c if n - c > 0 else 0)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation: ``sqrt(var(...))`` with the same arguments."""
    return StdFromVar.apply(var(input, dim, unbiased, keepdim, correction=correction))


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """``(var(...), mean(...))`` over the same dims, as ``torch.var_mean``."""
    if isinstance(dim, bool):  # var_mean(x, False): the (input, unbiased) overload
        dim, unbiased = None, dim
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """``(std(...), mean(...))`` over the same dims, as ``torch.std_mean``."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim``, computed without overflow; integers and bools in the default dtype."""
    if input._data.dtype.kind != "f":
        input = E.cast(input, dtypes.get_default_dtype())
    return LogSumExp.apply(input, dims_of("logsumexp", dim, input._data.ndim), keepdim)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.ndim == 0:
        dims_of("softmax", dim, 0)
        return _as_1d(softmax, input, 0)
    (d,) = dims_of("softmax", dim, input._data.ndim)
    return Softmax.apply(input, d)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably in one primitive."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.ndim == 0:
        dims_of("log_softmax", dim, 0)
        return _as_1d(log_softmax, input, 0)
    (d,) = dims_of("log_softmax", dim, input._data.ndim)
    return LogSoftmax.apply(input, d)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Vector p-norm over ``dim`` (all elements when None): p = 2/'fro', 1, inf, -inf, 0 or any float;
    ``'nuc'`` (and ``'fro'`` over more than two dims) is ``linalg.matrix_norm``'s, as in PyTorch."""
    from autograd_core.ops.elementwise import abs as _abs

    if dtype is not None:
        input = input.to(dtype)
    if isinstance(p, str) and (p != "fro" or (isinstance(dim, (tuple, list)) and len(dim) > 2)):
        from autograd_core.linalg import matrix_norm

        return matrix_norm(input, p, tuple(range(input._data.ndim)) if dim is None else dim, keepdim)
    dims = dims_of("norm", dim, input._data.ndim)
    if p in ("fro", 2, 2.0):
        return Norm.apply(input, 2, dims, keepdim)
    a = _abs(input)
    if p == float("inf"):
        return amax(a, dims, keepdim)
    if p == float("-inf"):
        return amin(a, dims, keepdim)
    if p == 1:
        return sum(a, dims, keepdim)
    if isinstance(p, str):
        raise ValueError(f"norm: unsupported p={p!r}; use 'fro', a number, inf or -inf")
    if p < 0:
        for d in dims:
            if input._data.shape[d] == 0:
                raise RuntimeError(
                    f"norm: cannot compute the {p} norm over dim {d}, which is empty in shape {tuple(input.shape)}: "
                    "a negative p has no value for an empty sum"
                )
    return Norm.apply(input, float(p), dims, keepdim)


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """True where every element (along ``dim``) is non-zero; bool, or uint8 for uint8 input (PyTorch)."""
    return _all_any("all", input, dim, keepdim)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """True where some element (along ``dim``) is non-zero; bool, or uint8 for uint8 input (PyTorch)."""
    return _all_any("any", input, dim, keepdim)


def _all_any(op, input, dim, keepdim):
    d = input._data
    # dim=() (or []) reduces nothing here, unlike sum's: PyTorch's all/any keep every dim.
    dims = () if isinstance(dim, (tuple, list)) and not dim else dims_of(op, dim, d.ndim)
    out = getattr(d.astype(bool), op)(axis=dims, keepdims=keepdim)
    return no_grad_result(out.astype(d.dtype) if d.dtype == dtypes.uint8 else out, input._dev)


# ---------------------------------------------------------------------------- NaN-ignoring reductions
def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``sum`` with NaNs counted as zero; they get a zero gradient, as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.nansum(ag.tensor([1.0, float("nan"), 2.0])).item()
    3.0
    """
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind == "f":
        input = where(E.isnan(input), 0.0, input)
    return sum(input, dim, keepdim)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The mean of the non-NaN elements (NaN where a slice has none); floating tensors only.

    >>> import autograd_core as ag
    >>> ag.nanmean(ag.tensor([[1.0, float("nan")], [2.0, 4.0]]), dim=1).tolist()
    [1.0, 3.0]
    """
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"nanmean: expected a floating point tensor as input, got {input.dtype}; convert it with .float()"
        )
    count = sum(E.logical_not(E.isnan(input)), dim, keepdim).to(input.dtype)
    return nansum(input, dim, keepdim) / count


# ---------------------------------------------------------------------------- min and max together, running extremes
AminmaxResult = namedtuple("aminmax", ["min", "max"])
CummaxResult = namedtuple("cummax", ["values", "indices"])
CumminResult = namedtuple("cummin", ["values", "indices"])


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False) -> AminmaxResult:
    """``(min, max)`` over ``dim`` (one int) or all elements; each has amin's / amax's gradient.

    >>> import autograd_core as ag
    >>> r = ag.aminmax(ag.tensor([[1, 5], [3, 2]]), dim=0)
    >>> r.min.tolist(), r.max.tolist()
    ([1, 2], [3, 5])
    """
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"aminmax: dim must be an int or None, got {dim!r}")
    if dim is None and input._data.size == 0:
        raise RuntimeError("aminmax: cannot compute aminmax over an empty tensor; pass a non-empty input")
    reduce_dim = () if dim is None else dim
    if input._data.ndim == 0 and dim is not None:
        dims_of("aminmax", dim, 0)
        reduce_dim = ()
    return AminmaxResult(amin(input, reduce_dim, keepdim), amax(input, reduce_dim, keepdim))


def cummax(input: Tensor, dim: int) -> CummaxResult:
    """``(values, indices)``: the running maximum along ``dim`` and the int64 index where it was
    reached.  As in PyTorch, a tie moves the index to the later element and a NaN, once met, is the
    maximum from there on (each later NaN taking the index).  The gradient of ``values`` goes to the
    element ``indices`` names.

    >>> import autograd_core as ag
    >>> r = ag.cummax(ag.tensor([1.0, 3.0, 2.0, 3.0]), 0)
    >>> r.values.tolist(), r.indices.tolist()
    ([1.0, 3.0, 3.0, 3.0], [0, 1, 1, 3])
    """
    return _cumulative_extreme("cummax", input, dim, False)


def cummin(input: Tensor, dim: int) -> CumminResult:
    """``(values, indices)``: the running minimum along ``dim`` (ties and NaNs as in ``cummax``).

    >>> import autograd_core as ag
    >>> ag.cummin(ag.tensor([3.0, 1.0, 2.0, 1.0]), 0).indices.tolist()
    [0, 1, 1, 3]
    """
    return _cumulative_extreme("cummin", input, dim, True)


def _cumulative_extreme(op, input, dim, is_min):
    from autograd_core.ops.index import Index, along_dim

    result = CumminResult if is_min else CummaxResult
    if input._data.ndim == 0:
        dims_of(op, dim, 0)
        return _as_1d(lambda x: _cumulative_extreme(op, x, 0, is_min), input)
    (d,) = dims_of(op, dim, input._data.ndim)
    xp, x = input._dev.xp, input._data
    backend = input._dev.backend
    running = backend.accumulate("minimum" if is_min else "maximum", x, d)
    hit = x == running
    if x.dtype.kind == "f":
        hit |= xp.isnan(x) & xp.isnan(running)
    # The index of the last element that equalled the running extreme: the latest hit so far.
    n = x.shape[d]
    positions = xp.arange(n, dtype="int64").reshape((1,) * d + (n,) + (1,) * (x.ndim - d - 1))
    indices = backend.accumulate("maximum", xp.where(hit, positions, -1), d).astype("int64", copy=False)
    values = Index.apply(input, along_dim(xp, indices, d), False)
    return result(values, no_grad_result(indices, input._dev))


class LogCumSumExp(Primitive):
    """``log(cumsum(exp(x)))`` along ``dim`` without overflow or underflow (a running ``logaddexp``).

    The gradient ``sum_{j >= i} g_j exp(x_i - y_j)`` is formed in log space, from the positive and
    the negative parts of ``g`` separately (each a reversed logcumsumexp), so it neither overflows
    nor loses small terms; it is written with Tensor ops (this op among them), so it is
    differentiable again.  Where ``y_j`` is ``-inf`` (every element so far is ``-inf``) those
    elements get a zero gradient; PyTorch gives NaN there.
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        out = _wrap(x._dev.backend.accumulate("logaddexp", x._data, dim), x._dev)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from autograd_core.ops.shape import flip

        x, y = ctx.saved_tensors
        d = ctx.dim
        neg_inf = float("-inf")
        y_safe = where(y == neg_inf, 0.0, y)

        def part(mask):  # log(sum_{j >= i} |g_j| exp(-y_j)) over the entries where mask holds
            log_g = where(mask, E.log(where(mask, E.abs(g), 1.0)), neg_inf)
            return flip(LogCumSumExp.apply(flip(log_g - y_safe, d), d), d)

        return exp(x + part(g > 0)) - exp(x + part(g < 0)), None


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(x), dim))``, computed stably; floating tensors only (integers refused as by PyTorch).

    >>> import autograd_core as ag
    >>> [round(v, 4) for v in ag.logcumsumexp(ag.tensor([0.0, 0.0, 1000.0]), 0).tolist()]
    [0.0, 0.6931, 1000.0]
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"logcumsumexp: expected a floating point tensor, got {input.dtype}; convert it with .float()")
    if input._data.ndim == 0:
        dims_of("logcumsumexp", dim, 0)
        return _as_1d(logcumsumexp, input, 0)
    (d,) = dims_of("logcumsumexp", dim, input._data.ndim)
    return LogCumSumExp.apply(input, d)


# ---------------------------------------------------------------------------- order statistics
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])
ModeResult = namedtuple("mode", ["values", "indices"])
NanmedianResult = namedtuple("nanmedian", ["values", "indices"])


def _pick_along(input: Tensor, positions, d: int, order, keepdim: bool, result):
    """``(values, indices)`` of the elements at ``positions`` (keepdim-shaped) of ``order`` along ``d``."""
    from autograd_core.ops.index import Index, along_dim
    from autograd_core.ops.shape import reshape

    xp = input._dev.xp
    indices = order[along_dim(xp, positions, d)]
    values = Index.apply(input, along_dim(xp, indices, d), False)
    indices = no_grad_result(indices, input._dev)
    if not keepdim:
        shape = values._data.shape[:d] + values._data.shape[d + 1 :]
        values, indices = reshape(values, shape), reshape(indices, shape)
    return result(values, indices)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> KthvalueResult:
    """``(values, indices)``: the ``k``-th smallest element along ``dim`` (k counts from 1) and its
    int64 index; NaN sorts as the largest value.  Among equal values, which index is returned is
    unspecified in PyTorch; here it is the tie in the k-th place of a stable sort.  The gradient goes
    to the element ``indices`` names.

    >>> import autograd_core as ag
    >>> r = ag.kthvalue(ag.tensor([3.0, 1.0, 4.0, 2.0]), 2)
    >>> r.values.item(), r.indices.item()
    (2.0, 3)
    """
    from autograd_core.ops.sorting import _stable_order

    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"kthvalue: k must be an int, got {type(k).__name__}")
    if input._data.ndim == 0:
        dims_of("kthvalue", dim, 0)
        if k != 1:
            raise IndexError(f"kthvalue: k ({k}) out of range for a 0-d tensor (it has 1 element; use k=1)")
        return _as_1d(lambda x: kthvalue(x, 1, 0), input)
    (d,) = dims_of("kthvalue", dim, input._data.ndim)
    n = input._data.shape[d]
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue: selected number k ({k}) out of range for dim {d} of size {n} (shape {tuple(input.shape)})")
    xp = input._dev.xp
    order = _stable_order(input, d, False)
    positions = xp.full(keep_shape(input._data.shape, (d,)), k - 1, dtype="int64")
    return _pick_along(input, positions, d, order, keepdim, KthvalueResult)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ModeResult:
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest of those equally
    frequent) and the int64 index of its last occurrence, which is what PyTorch returns on the CPU.
    The gradient goes to that element.

    >>> import autograd_core as ag
    >>> r = ag.mode(ag.tensor([[1, 2, 2, 3, 3, 1, 0]]))
    >>> r.values.tolist(), r.indices.tolist()
    ([1], [5])
    """
    from autograd_core.ops.sorting import _stable_order

    if input._data.ndim == 0:
        dims_of("mode", dim, 0)
        return _as_1d(lambda x: mode(x, 0), input)
    (d,) = dims_of("mode", dim, input._data.ndim)
    n = input._data.shape[d]
    if n == 0:
        raise IndexError(f"mode: expected reduction dim {d} to have non-zero size (shape {tuple(input.shape)})")
    xp, x = input._dev.xp, input._data
    order = _stable_order(input, d, False)
    s = xp.take_along_axis(x, order, axis=d)
    nd = x.ndim
    positions = xp.arange(n, dtype="int64").reshape((1,) * d + (n,) + (1,) * (nd - d - 1))
    # A run of equal sorted values starts where the value changes; the run's length so far at each
    # position is the distance to its start.  The first maximum is the end of the longest run of
    # the smallest value (NaNs compare unequal, so each is a run of one, as in PyTorch).
    lead = (slice(None),) * d
    prev = xp.concatenate([s[lead + (slice(0, 1),)], s[lead + (slice(0, n - 1),)]], axis=d)
    starts = (positions == 0) | (s != prev)
    start_of_run = input._dev.backend.accumulate("maximum", xp.where(starts, positions, 0), d)
    length = positions - start_of_run
    end = xp.argmax(length, axis=d)
    end = end.reshape(keep_shape(x.shape, (d,))).astype("int64", copy=False)
    # Stable order keeps equal values in input order, so the run's end is the value's last occurrence.
    return _pick_along(input, end, d, order, keepdim, ModeResult)


def nanmedian(input: Tensor, dim=None, keepdim: bool = False):
    """``median`` ignoring NaNs: the lower median of the non-NaN elements (NaN only where all are).

    Without ``dim``, tied elements share the gradient (PyTorch's rule); with ``dim``,
    ``(values, indices)`` and the gradient goes to the element ``indices`` names.

    >>> import autograd_core as ag
    >>> nan = float("nan")
    >>> ag.nanmedian(ag.tensor([1.0, nan, 3.0, 2.0])).item()
    2.0
    >>> ag.nanmedian(ag.tensor([[1.0, nan, 3.0, 2.0], [4.0, nan, nan, 5.0]]), dim=1).values.tolist()
    [2.0, 4.0]
    """
    from autograd_core.ops.sorting import _stable_order, median

    if input._data.dtype.kind != "f":
        return median(input, dim, keepdim) if dim is not None else median(input)
    if dim is None:
        if input._data.size == 0:
            return median(input)
        from autograd_core.ops.shape import reshape

        flat = reshape(input, -1)
        return NanMedian.apply(flat)
    if input._data.ndim == 0:
        dims_of("nanmedian", dim, 0)
        return _as_1d(lambda x: nanmedian(x, 0), input)
    (d,) = dims_of("nanmedian", dim, input._data.ndim)
    n = input._data.shape[d]
    if n == 0:
        raise IndexError(f"nanmedian: expected reduction dim {d} to have non-zero size (shape {tuple(input.shape)})")
    xp = input._dev.xp
    order = _stable_order(input, d, False)  # NaNs last
    valid = (~xp.isnan(input._data)).sum(axis=d, keepdims=True)
    positions = xp.where(valid > 0, (valid - 1) // 2, 0).astype("int64", copy=False)
    return _pick_along(input, positions, d, order, keepdim, NanmedianResult)


class NanMedian(Primitive):
    """The lower median of the non-NaN elements of a 1-D tensor; tied elements share the gradient."""

    @staticmethod
    def forward(ctx, x):
        xp, d = x._dev.xp, x._data
        valid = d[~xp.isnan(d)]
        if valid.shape[0] == 0:
            y = _wrap(xp.full((), float("nan"), dtype=d.dtype), x._dev)
        else:
            y = _wrap(xp.sort(valid)[(valid.shape[0] - 1) // 2 :][:1].reshape(()), x._dev)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        hit = x == y
        return g * hit / E.clamp_min(hit.sum(), 1).to(g.dtype)


_INTERPOLATIONS = ("linear", "lower", "higher", "nearest", "midpoint")


def quantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """The ``q``-th quantiles along ``dim`` (of all elements when None), NaN where a slice holds a NaN.

    ``q`` is a float or a 0-d / 1-D tensor of input's dtype in [0, 1]; a 1-D ``q`` adds a leading
    dim of its size.  ``interpolation`` says what lies between two data points: ``linear``
    (``lo + (hi - lo) * frac``), ``lower``, ``higher``, ``nearest`` (half to even, as
    ``round``) or ``midpoint``.  The gradient goes to the one or two elements interpolated.

    >>> import autograd_core as ag
    >>> round(ag.quantile(ag.tensor([1.0, 2.0, 3.0, 4.0]), 0.4).item(), 4)
    2.2
    >>> ag.quantile(ag.arange(5.0), ag.tensor([0.125, 0.375]), interpolation="nearest").tolist()
    [0.0, 2.0]
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """``quantile`` of the non-NaN elements of each slice (NaN where a slice has none).

    >>> import autograd_core as ag
    >>> round(ag.nanquantile(ag.tensor([4.0, float("nan"), 1.0, 0.0]), 0.4).item(), 4)
    0.8
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


def _quantile(op, input, q, dim, keepdim, interpolation, ignore_nan):
    from autograd_core.ops.index import Index, along_dim
    from autograd_core.ops.shape import movedim, reshape
    from autograd_core.ops.sorting import _stable_order

    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype, got {input.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{op}() interpolation must be one of {', '.join(_INTERPOLATIONS)}. Got {interpolation!r}")
    xp = input._dev.xp
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor, got shape {tuple(q.shape)}")
        if q._data.dtype != input._data.dtype:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor ({input.dtype}), got {q.dtype}")
        q_scalar = q._data.ndim == 0
        qs = q._data.reshape(-1)
        qs = qs.astype(input._data.dtype)
    else:
        q_scalar = True
        qs = xp.asarray([float(q)], dtype=input._data.dtype)
    if qs.size and (bool((qs < 0).any()) or bool((qs > 1).any())):
        bad = float(qs[(qs < 0) | (qs > 1)][0])
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {bad}")
    if input._data.size == 0 and dim is None:
        raise IndexError(f"{op}() input tensor must be non-empty")
    if dim is None:
        x, d = reshape(input, -1), 0
        out_shape_keep = (1,) * input._data.ndim
    else:
        if input._data.ndim == 0:
            dims_of(op, dim, 0)
            x, d = reshape(input, 1), 0
            out_shape_keep = ()
        else:
            (d,) = dims_of(op, dim, input._data.ndim)
            if input._data.shape[d] == 0:
                raise IndexError(f"{op}() input tensor must be non-empty along dim {d} (shape {tuple(input.shape)})")
            x = input
            out_shape_keep = keep_shape(input._data.shape, (d,))
    x = movedim(x, d, -1)  # (..., n)
    n = x._data.shape[-1]
    order = _stable_order(x, x._data.ndim - 1, False)  # NaNs last
    nans = xp.isnan(x._data).sum(axis=-1, keepdims=True)  # (..., 1)
    count = (n - nans) if ignore_nan else xp.full(nans.shape, n, dtype=nans.dtype)
    # Positions in the sorted slice, for every q: (..., nq); NumPy's and PyTorch's rank q * (count - 1).
    rank = qs * (xp.maximum(count, 1) - 1).astype(qs.dtype)
    lo = xp.floor(rank)
    hi = xp.ceil(rank)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    elif interpolation == "nearest":
        lo = hi = xp.round(rank)
    weight = rank - lo if interpolation == "linear" else xp.full(rank.shape, 0.5 if interpolation == "midpoint" else 0.0,
                                                               dtype=rank.dtype)
    lo_i, hi_i = lo.astype("int64"), hi.astype("int64")
    last = x._data.ndim - 1
    v_lo = Index.apply(x, along_dim(xp, order[along_dim(xp, lo_i, last)], last), False)
    v_hi = Index.apply(x, along_dim(xp, order[along_dim(xp, hi_i, last)], last), False)
    w = _wrap(weight, x._dev)
    out = v_lo + (v_hi - v_lo) * w  # PyTorch's lerp
    # A slice with a NaN (quantile) or with nothing but NaNs (nanquantile) gives NaN.
    undefined = (count == 0) if ignore_nan else (nans > 0)
    if bool(undefined.any()):
        out = where(_wrap(xp.broadcast_to(undefined, out._data.shape), x._dev), float("nan"), out)
    out = movedim(out, -1, 0)  # (nq, ...)
    nq = qs.shape[0]
    if keepdim:
        shape = out_shape_keep
    elif dim is None or input._data.ndim == 0:
        shape = ()
    else:
        shape = input._data.shape[:d] + input._data.shape[d + 1 :]
    return reshape(out, shape if q_scalar else (nq,) + shape)


def histc(input: Tensor, bins: int = 100, min=0, max=0) -> Tensor:
    """A histogram of ``bins`` equal bins between ``min`` and ``max`` (the data's own range when both
    are 0; widened by 1 each way if that is a single point).  Elements outside are ignored, the last
    bin includes ``max``.  Floating input only; the result has input's dtype and no gradient.

    >>> import autograd_core as ag
    >>> ag.histc(ag.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist()
    [0.0, 2.0, 1.0, 0.0]
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"histc: expected a floating point tensor as input, got {input.dtype}; convert it with .float()")
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, got {bins}")
    xp, x = input._dev.xp, input._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"histc: max must be larger than min, got min={min} and max={max}")
    if not (xp.isfinite(xp.asarray(lo)) and xp.isfinite(xp.asarray(hi))):
        raise RuntimeError(f"histc: range of [{lo}, {hi}] is not finite")
    inside = x[(x >= lo) & (x <= hi)]
    pos = ((inside - lo) * bins / (hi - lo)).astype("int64")
    pos = xp.minimum(pos, bins - 1)
    counts = xp.bincount(pos, minlength=bins)
    return no_grad_result(counts.astype(input._data.dtype), input._dev)


def equal(input: Tensor, other: Tensor) -> bool:
    """True when the two tensors have the same shape and equal elements (NaN equals nothing).

    >>> import autograd_core as ag
    >>> ag.equal(ag.tensor([1, 2]), ag.tensor([1.0, 2.0]))
    True
    """
    if not isinstance(other, Tensor):
        raise TypeError(f"equal(): argument 'other' must be Tensor, not {type(other).__name__}")
    if other._dev is not input._dev:
        from autograd_core.function import _device_error

        _device_error("equal", input._dev, other._dev)
    if input._data.shape != other._data.shape:
        return False
    return bool((input._data == other._data).all())
