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
    """Vector p-norm over ``dim`` (all elements when None): p = 2/'fro', 1, inf, -inf, 0 or any float."""
    from autograd_core.ops.elementwise import abs as _abs

    if dtype is not None:
        input = input.to(dtype)
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
