"""Matrix product: a primitive of its own (a broadcast multiply-and-sum would allocate
an (n, k, m) temporary on eager NumPy).  1-D and batched forms reduce to it by reshapes."""

from __future__ import annotations

from autograd_core.amp import AUTOCAST, lower_precision
from autograd_core.function import Primitive, grad_tensors
from autograd_core.grad_mode import GRAD_ENABLED
from autograd_core.ops._common import broadcast_shape
from autograd_core.ops.shape import expand, reshape, squeeze, transpose, unsqueeze
from autograd_core.tensor import Tensor


class MatMul(Primitive):
    """``a @ b`` for ``(..., n, k) @ (..., k, m)`` with equal batch dims."""

    @staticmethod
    def forward(ctx, a, b):
        nxt = ctx._next  # empty unless recording
        if nxt:  # d/da needs b, d/db needs a
            ctx.save_for_backward(a if nxt[1] is not None else None, b if nxt[0] is not None else None)
        return a._data @ b._data

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        return (g @ b.mT if ga else None), (a.mT @ g if gb else None)


class Linear(Primitive):
    """``x @ weight.T + bias`` as one node, PyTorch's layout (weight is (out, in)).

    Composed from permute/matmul/expand/add it would take four nodes, and the
    weight's gradient would arrive as a transposed view that must be copied
    before it can become ``.grad``; here it is computed as ``g.T @ x``, already
    in the weight's layout.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        nxt = ctx._next
        if nxt:
            ctx.save_for_backward(x if nxt[1] is not None else None, weight if nxt[0] is not None else None)
        out = x._data @ weight._data.T
        if bias is not None:
            out += bias._data
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        nxt = ctx._next
        needs = (nxt[0] is not None, nxt[1] is not None, nxt[2] is not None)
        if GRAD_ENABLED[0]:  # create_graph: the gradients are a node of their own, differentiable again
            return LinearBackward.apply(g, x, weight, needs)
        # Otherwise nothing records the backward: compute on arrays, without LinearBackward's node.
        xd = None if x is None else x._data
        wd = None if weight is None else weight._data
        return grad_tensors(g._dev, _linear_grads(g._dev.xp, g._data, xd, wd, needs))


def _linear_grads(xp, gd, xd, wd, needs) -> tuple:
    """``g @ W``, ``g.T @ x`` and the column sums of ``g``, on arrays; None where not needed."""
    return (
        gd @ wd if needs[0] else None,
        gd.T @ xd if needs[1] else None,
        _column_sums(gd, xp) if needs[2] else None,
    )


class LinearBackward(Primitive):
    """Linear's three gradients in one node: ``g @ W``, ``g.T @ x``, ``g.sum(0)``.

    One node instead of ten small Tensor ops per layer per step; its own
    backward is written with Tensor ops, so second derivatives still work.
    """

    _materialize = False  # outputs nobody used stay None in backward

    @staticmethod
    def forward(ctx, g, x, weight, needs):
        ctx.save_for_backward(g, x, weight)
        return _linear_grads(g._dev.xp, g._data, x._data, weight._data, needs)

    @staticmethod
    def backward(ctx, g_gx, g_gw, g_gb):
        g, x, weight = ctx.saved_tensors
        # gx = g W, gw = g^T x, gb = sum_rows g: differentiate each w.r.t. g, x and W.
        grad_g = None
        for term in (
            g_gx @ weight.mT if g_gx is not None else None,
            x @ g_gw.mT if g_gw is not None else None,
            g_gb.expand(g.shape) if g_gb is not None else None,
        ):
            if term is not None:
                grad_g = term if grad_g is None else grad_g + term
        grad_x = g @ g_gw if g_gw is not None else None
        grad_w = g.mT @ g_gx if g_gx is not None else None
        return grad_g, grad_x, grad_w, None


def _column_sums(a, xp):
    """``a.sum(0)`` of a 2-D array as ``ones @ a``: a BLAS matrix-vector product, about twice
    as fast as NumPy's row-by-row reduction at the sizes of a batch of activations."""
    ones = xp.empty(a.shape[0], a.dtype)
    ones.fill(1)
    return ones @ a


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` for input (..., in), weight (out, in), bias (out,).

    >>> import autograd_core as ag
    >>> ag.linear(ag.ones(2, 3), ag.ones(4, 3), ag.zeros(4)).shape
    torch.Size([2, 4])
    """
    xs, ws = input._data.shape, weight._data.shape
    if len(ws) != 2 or not xs or xs[-1] != ws[1]:
        if len(ws) != 2:
            raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape {ws}")
        raise RuntimeError(
            f"linear: input of shape {xs} has {xs[-1] if xs else 0} features but weight of shape {ws} expects {ws[1]}"
        )
    if bias is not None and bias._data.shape != ws[:1]:
        raise RuntimeError(f"linear: bias must have shape ({ws[0]},), got {tuple(bias.shape)}")
    if AUTOCAST[0]:  # (autocast: float16 operands; see amp.py)
        input, weight, bias = lower_precision("linear", input, weight, bias)
    dt = weight._data.dtype
    if input._data.dtype != dt or (bias is not None and bias._data.dtype != dt):  # (RuntimeError, as PyTorch)
        raise RuntimeError(
            f"linear: dtypes must match: input {input.dtype}, weight {weight.dtype}"
            + (f", bias {bias.dtype}" if bias is not None else "")
            + "; convert with .to(dtype)"
        )
    if len(xs) == 2:
        return Linear.apply(input, weight, bias)
    rows = 1
    for s in xs[:-1]:
        rows *= s
    out = Linear.apply(reshape(input, rows, xs[-1]), weight, bias)
    return reshape(out, xs[:-1] + (ws[0],))


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with PyTorch's rules for 1-D (vector) and batched (broadcast) operands.

    >>> import autograd_core as ag
    >>> (ag.ones(2, 3) @ ag.ones(3)).tolist()
    [3.0, 3.0]
    """
    return _matmul("matmul", input, other)


def _matmul(op: str, input: Tensor, other: Tensor) -> Tensor:
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"{op}: both operands must be Tensors")
    if AUTOCAST[0]:  # matmul, mm, bmm ... (autocast: float16 operands; see amp.py)
        input, other = lower_precision(op, input, other)
    a, b = input, other
    if a._data.ndim == 0 or b._data.ndim == 0:
        raise RuntimeError(f"{op}: both arguments need at least 1 dim, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    if a._data.dtype != b._data.dtype:  # PyTorch does not promote here
        raise RuntimeError(
            f"{op}: expected both operands to have the same dtype, got {a.dtype} and {b.dtype}; convert one with .to(dtype)"
        )
    k_a = a._data.shape[-1]
    k_b = b._data.shape[-2] if b._data.ndim > 1 else b._data.shape[0]
    if k_a != k_b:
        raise RuntimeError(
            f"{op}: shapes {tuple(input.shape)} and {tuple(other.shape)} cannot be multiplied ({k_a} != {k_b})"
        )
    a_vec, b_vec = a._data.ndim == 1, b._data.ndim == 1
    if a_vec:
        a = unsqueeze(a, 0)
    if b_vec:
        b = unsqueeze(b, -1)
    if b._data.ndim == 2 and a._data.ndim > 2:
        # (..., n, k) @ (k, m): one GEMM on (prod(...) * n, k) instead of a batch of small ones.
        lead = a._data.shape[:-1]
        rows = 1
        for s in lead:
            rows *= s
        out = reshape(MatMul.apply(reshape(a, rows, k_a), b), lead + (b._data.shape[-1],))
    else:
        if a._data.ndim > 2 or b._data.ndim > 2:
            batch = broadcast_shape(op, a._data.shape[:-2], b._data.shape[:-2])
            a = expand(a, batch + a._data.shape[-2:])
            b = expand(b, batch + b._data.shape[-2:])
        out = MatMul.apply(a, b)
    if a_vec:
        out = squeeze(out, -2)
    if b_vec:
        out = squeeze(out, -1)
    return out


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expects 2-D tensors, got shapes {tuple(input.shape)} and {tuple(mat2.shape)}")
    return _matmul("mm", input, mat2)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for matrices ``mat1`` (n, m) and ``mat2`` (m, p);
    ``input`` broadcasts to (n, p).  With ``beta=0`` input is ignored (its NaNs and infinities
    too) and gets a zero gradient, as in PyTorch; integer tensors take ``int(alpha)`` and ``int(beta)``.

    >>> import autograd_core as ag
    >>> ag.addmm(ag.ones(2, 1), ag.eye(2), ag.tensor([[1.0], [2.0]]), beta=0.5, alpha=2)
    tensor([[2.5000],
            [4.5000]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"addmm: input must be a Tensor, got {type(input).__name__}")
    if not isinstance(mat1, Tensor) or not isinstance(mat2, Tensor) or mat1.ndim != 2 or mat2.ndim != 2:
        got = [tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__ for t in (mat1, mat2)]
        raise RuntimeError(f"addmm: mat1 and mat2 must be 2-D tensors, got {got[0]} and {got[1]}")
    if AUTOCAST[0]:
        input, mat1, mat2 = lower_precision("addmm", input, mat1, mat2)
    if input._data.dtype != mat1._data.dtype:
        raise RuntimeError(
            f"addmm: input and mat1 must have the same dtype, got {input.dtype} and {mat1.dtype}; convert one with .to()"
        )
    return _scaled_sum("addmm", input, _matmul("addmm", mat1, mat2), beta, alpha)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    if input.ndim != 3 or mat2.ndim != 3 or input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: expects 3-D tensors with equal batch, got {tuple(input.shape)} and {tuple(mat2.shape)}")
    return _matmul("bmm", input, mat2)


def dot(input: Tensor, other: Tensor) -> Tensor:
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"dot: expects 1-D tensors, got {tuple(input.shape)} and {tuple(other.shape)}")
    return _matmul("dot", input, other)


def mT(input: Tensor) -> Tensor:
    """Transpose of the last two dims."""
    if input._data.ndim < 2:
        raise RuntimeError(f"mT: needs at least 2 dims, got shape {tuple(input.shape)}")
    return transpose(input, -2, -1)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """``input[i] * vec2[j]`` for 1-D tensors; unlike matmul it promotes dtypes, as in PyTorch."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: expects 1-D tensors, got shapes {tuple(input.shape)} and {tuple(vec2.shape)}")
    return unsqueeze(input, 1) * unsqueeze(vec2, 0)


# ---------------------------------------------------------------------------- products composed from matmul
ger = outer


def _scaled_sum(op: str, input: Tensor, product: Tensor, beta, alpha) -> Tensor:
    """``beta * input + alpha * product`` for addmm, addmv, addr and addbmm: integer tensors take
    ``int(alpha)`` and ``int(beta)`` (PyTorch casts the scalars to the tensors' kind); with ``beta=0``
    input is ignored (NaNs too) yet gets a zero gradient, as in PyTorch."""
    from autograd_core.ops.elementwise import where

    out_shape = product._data.shape
    if broadcast_shape(op, input._data.shape, out_shape) != out_shape:
        raise RuntimeError(f"{op}: input of shape {tuple(input.shape)} can't be broadcast to the product's shape {out_shape}")
    if input._data.dtype.kind in "iub":
        alpha, beta = int(alpha), int(beta)
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        if not input._rg:
            return product
        ignored = input._dev.xp.ones(input._data.shape, dtype=bool)
        return product + where(Tensor._wrap(ignored, input._dev), 0.0, input)
    return product + (input if beta == 1 else input * beta)


def _same_dtype(op: str, *tensors) -> None:
    dts = [t.dtype for t in tensors]
    if any(d != dts[0] for d in dts):
        raise RuntimeError(f"{op}: input tensors must have the same dtype, but got {', '.join(map(str, dts))}; "
                           "convert them with .to(dtype)")


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix (n, m) times vector (m,).

    >>> import autograd_core as ag
    >>> ag.mv(ag.ones(2, 3), ag.tensor([1.0, 2.0, 3.0])).tolist()
    [6.0, 6.0]
    """
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv: expects a 2-D matrix and a 1-D vector, got shapes {tuple(input.shape)} and {tuple(vec.shape)}")
    return _matmul("mv", input, vec)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``; ``input`` broadcasts to (n,).

    >>> import autograd_core as ag
    >>> ag.addmv(ag.ones(2), ag.eye(2), ag.tensor([1.0, 2.0]), beta=2, alpha=3).tolist()
    [5.0, 8.0]
    """
    if AUTOCAST[0]:
        input, mat, vec = lower_precision("addmv", input, mat, vec)
    _same_dtype("addmv", input, mat, vec)
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``; ``input`` broadcasts to (n, m).

    >>> import autograd_core as ag
    >>> ag.addr(ag.zeros(2, 2), ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0]), alpha=2).tolist()
    [[6.0, 8.0], [12.0, 16.0]]
    """
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"addr: vec1 and vec2 must be 1-D, got shapes {tuple(vec1.shape)} and {tuple(vec2.shape)}")
    if AUTOCAST[0]:
        input, vec1, vec2 = lower_precision("addr", input, vec1, vec2)
    _same_dtype("addr", input, vec1, vec2)
    return _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``: the batch of products summed.

    >>> import autograd_core as ag
    >>> ag.addbmm(ag.zeros(2, 2), ag.ones(3, 2, 4), ag.ones(3, 4, 2)).tolist()
    [[12.0, 12.0], [12.0, 12.0]]
    """
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError(f"addbmm: batch1 and batch2 must be 3-D, got shapes {tuple(batch1.shape)} and {tuple(batch2.shape)}")
    if AUTOCAST[0]:
        input, batch1, batch2 = lower_precision("addbmm", input, batch1, batch2)
    _same_dtype("addbmm", input, batch1, batch2)
    return _scaled_sum("addbmm", input, bmm(batch1, batch2).sum(0), beta, alpha)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sums of products over the last dims: shape ``input.shape[:-1] + other.shape[:-1]`` (a product
    with a 0-d operand is elementwise).

    >>> import autograd_core as ag
    >>> ag.inner(ag.ones(2, 3), ag.ones(4, 3)).shape
    torch.Size([2, 4])
    """
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    k = input.shape[-1]
    if other.shape[-1] != k:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes {list(input.shape)} "
            f"and {list(other.shape)}"
        )
    out = _matmul("inner", reshape(input, -1, k), reshape(other, -1, k).mT)
    return reshape(out, input.shape[:-1] + other.shape[:-1])


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """The dot product of two 1-D tensors (real tensors: no conjugate to take)."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return _matmul("vdot", input, other)


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Sum of products over ``dims``: the last ``dims`` of ``a`` with the first ``dims`` of ``b`` for an
    int, or the listed pairs ``([dims of a], [dims of b])``.  A permute, a reshape and one matmul.

    >>> import autograd_core as ag
    >>> ag.tensordot(ag.ones(2, 3, 4), ag.ones(3, 4, 5)).shape
    torch.Size([2, 5])
    >>> ag.tensordot(ag.ones(2, 3), ag.ones(3, 2), dims=([1], [0])).shape
    torch.Size([2, 2])
    """
    from autograd_core.tensor import _check_dim

    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length, got {da} and {db}")
    da = [_check_dim("tensordot", d, a.ndim) for d in da]
    db = [_check_dim("tensordot", d, b.ndim) for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} "
                               f"and second has size {b.shape[j]} in dim {j}")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    left = reshape(a.permute(free_a + da), -1, k)
    right = reshape(b.permute(db + free_b), k, -1)
    return reshape(_matmul("tensordot", left, right), tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))


def chain_matmul(*matrices) -> Tensor:
    """The product of 2-D matrices, left to right (PyTorch's deprecated form of ``linalg.multi_dot``)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m.ndim != 2:
            raise RuntimeError(f"chain_matmul(): Tensor dimension is {m.ndim}, expected 2 instead.")
    out = matrices[0]
    for m in matrices[1:]:
        out = mm(out, m)
    return out


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor; integers sum in int64, as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.trace(ag.arange(9).reshape(3, 3)).item()
    12
    """
    from autograd_core.ops.einsum import diagonal

    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return diagonal(input).sum()


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: blocks ``input[i, j] * other`` (any number of dims; the shorter shape
    padded with leading 1s).  Dtypes are promoted.

    >>> import autograd_core as ag
    >>> ag.kron(ag.tensor([[1, 2]]), ag.tensor([[1], [10]])).tolist()
    [[1, 2], [10, 20]]
    """
    nd = max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + tuple(input.shape)
    sb = (1,) * (nd - other.ndim) + tuple(other.shape)
    a = reshape(input, tuple(v for s in sa for v in (s, 1)))
    b = reshape(other, tuple(v for s in sb for v in (1, s)))
    return reshape(a * b, tuple(x * y for x, y in zip(sa, sb)))


def cross(input: Tensor, other: Tensor, dim=None) -> Tensor:
    """The 3-D cross product along ``dim`` (broadcast; same dtypes).  Without ``dim`` it is the first
    dim of ``input`` of size 3, as in ``torch.cross`` (``linalg.cross`` defaults to the last).

    >>> import autograd_core as ag
    >>> ag.cross(ag.tensor([1.0, 0.0, 0.0]), ag.tensor([0.0, 1.0, 0.0])).tolist()
    [0.0, 0.0, 1.0]
    """
    if dim is None:
        dim = next((i for i, s in enumerate(input.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input (shape {tuple(input.shape)}); pass dim=")
    return _cross("cross", input, other, dim)


def _cross(op: str, input: Tensor, other: Tensor, dim: int) -> Tensor:
    from autograd_core.tensor import _check_dim

    if input.ndim != other.ndim:
        raise RuntimeError(f"{op}: inputs must have the same number of dimensions, got {input.ndim} and {other.ndim}")
    if input.dtype != other.dtype:
        raise RuntimeError(f"{op}: expected both inputs to have the same dtype, got {input.dtype} and {other.dtype}")
    shape = broadcast_shape(op, input._data.shape, other._data.shape)
    d = _check_dim(op, dim, len(shape))
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"{op}: inputs dimension {d} must have length 3, got {input.shape[d]} and {other.shape[d]}")
    a, b = expand(input, shape), expand(other, shape)
    lead = (slice(None),) * d

    def part(t, i):
        return t[lead + (slice(i, i + 1),)]

    a0, a1, a2 = part(a, 0), part(a, 1), part(a, 2)
    b0, b1, b2 = part(b, 0), part(b, 1), part(b, 2)
    from autograd_core.ops.shape import cat

    return cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


# ---------------------------------------------------------------------------- distances and statistics
def _p_norm(diff: Tensor, p: float, dim: int) -> Tensor:
    from autograd_core.ops.reduce import norm

    return norm(diff, p, dim)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode=None) -> Tensor:
    """p-norm distances between each row of ``x1`` (..., P, M) and each row of ``x2`` (..., R, M):
    shape (..., P, R), batch dims broadcast.  Any ``p >= 0`` (``inf`` too).  Computed from the
    differences (PyTorch may use a faster, less exact matrix product for ``p=2``; ``compute_mode``
    is accepted for compatibility); a zero distance has a zero gradient, as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.cdist(ag.tensor([[0.0, 0.0]]), ag.tensor([[3.0, 4.0], [1.0, 0.0]])).tolist()
    [[5.0, 1.0]]
    """
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if x1.dtype.kind != "f" or x2.dtype.kind != "f":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {x1.dtype}, X2 got: {x2.dtype}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    diff = unsqueeze(x1, -2) - unsqueeze(x2, -3)  # (..., P, R, M)
    return _p_norm(diff, p, -1)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distances between all pairs of rows ``i < j`` of an (N, M) input, in row-major
    order of the pairs: N(N-1)/2 values.

    >>> import autograd_core as ag
    >>> [round(v, 4) for v in ag.pdist(ag.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]])).tolist()]
    [5.0, 1.0, 4.2426]
    """
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {input.dtype}")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got {p}")
    rows, cols = _triangle_indices(input.shape[0], input.shape[0], 1, upper=True)
    dev = input._dev
    i, j = Tensor._wrap(dev.backend.asarray(rows), dev), Tensor._wrap(dev.backend.asarray(cols), dev)
    return _p_norm(input[i] - input[j], p, -1)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The p-norm of ``input - other`` (broadcast), over all elements.

    >>> import autograd_core as ag
    >>> ag.dist(ag.tensor([3.0, 4.0]), ag.zeros(2)).item()
    5.0
    """
    from autograd_core.ops.reduce import norm

    return norm(input - other, p)


def cov(input: Tensor, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in columns; a
    1-D input is one variable, giving a 0-d result).  ``fweights`` (integer counts) and ``aweights``
    weigh the observations; ``correction`` is subtracted from the (weighted) count, PyTorch's
    formula.

    >>> import autograd_core as ag
    >>> round(ag.cov(ag.tensor([1.0, 2.0, 4.0])).item(), 4)
    2.3333
    """
    from autograd_core import dtypes

    if input.ndim > 2:
        raise ValueError(f"cov(): expected input to have two or fewer dimensions but got an input with {input.ndim} dimensions")
    x = reshape(input, 1, -1) if input.ndim < 2 else input
    if x.dtype.kind in "iub":
        x = x.to(dtypes.get_default_dtype())
    n_obs = x.shape[1]
    w = None
    for name, wt in (("fweights", fweights), ("aweights", aweights)):
        if wt is None:
            continue
        if wt.ndim > 1 or wt.numel() != n_obs:
            raise ValueError(f"cov(): expected {name} to be a 1-D tensor of {n_obs} elements, got shape {tuple(wt.shape)}")
        if name == "fweights" and wt.dtype.kind not in "iu":
            raise ValueError(f"cov(): expected fweights to have integral dtype, got {wt.dtype}")
        if name == "aweights" and wt.dtype.kind != "f":
            raise ValueError(f"cov(): expected aweights to have floating point dtype, got {wt.dtype}")
        if bool((wt._data < 0).any()):
            raise ValueError(f"cov(): {name} cannot be negative")
        w = wt if w is None else w * wt
    if w is None:
        w_sum = float(n_obs)
        avg = x.mean(1)
    else:
        w = w.to(x.dtype)
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm_factor = w_sum - correction * (w * aweights.to(x.dtype)).sum() / w_sum
    else:
        norm_factor = w_sum - correction
    if isinstance(norm_factor, Tensor):
        from autograd_core.ops.elementwise import clamp_min

        norm_factor = clamp_min(norm_factor, 0.0)
    else:
        norm_factor = max(norm_factor, 0.0)
    centred = x - unsqueeze(avg, 1)
    weighted = centred if w is None else centred * w
    c = mm(centred, weighted.mT) / norm_factor
    return c.squeeze() if input.ndim < 2 else c


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in the rows of ``input`` (``cov`` scaled by
    the standard deviations, clipped to [-1, 1] as in PyTorch).

    >>> import autograd_core as ag
    >>> ag.corrcoef(ag.tensor([[1.0, 2.0, 3.0], [3.0, 1.0, 2.0]])).tolist()
    [[1.0, -0.5], [-0.5, 1.0]]
    """
    from autograd_core.ops.einsum import diagonal
    from autograd_core.ops.elementwise import clamp, sqrt

    c = cov(input)
    if c.ndim == 0:
        return c / c
    std = sqrt(diagonal(c))
    c = c / unsqueeze(std, 1)
    c = c / unsqueeze(std, 0)
    return clamp(c, -1, 1)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along ``dim`` whose p-norm exceeds ``maxnorm`` rescaled to norm ``maxnorm``
    (by ``maxnorm / (norm + 1e-7)``, PyTorch's factor); the others unchanged.

    >>> import autograd_core as ag
    >>> [round(v, 4) for v in ag.renorm(ag.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)[0].tolist()]
    [0.6, 0.8]
    """
    from autograd_core.ops.elementwise import where
    from autograd_core.ops.reduce import norm
    from autograd_core.tensor import _check_dim

    if input.dtype.kind != "f":
        raise RuntimeError(f"renorm: expected a floating point tensor, got {input.dtype}")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p={p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    d = _check_dim("renorm", dim, input.ndim)
    others = tuple(i for i in range(input.ndim) if i != d)
    norms = norm(input, p, others, keepdim=True)
    factor = where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return input * factor


def matrix_power(input: Tensor, n: int) -> Tensor:
    """The ``n``-th power of each square matrix in the last two dims (``n < 0``: of its inverse; ``n = 0``:
    identity matrices), by repeated squaring.

    >>> import autograd_core as ag
    >>> ag.matrix_power(ag.tensor([[1.0, 1.0], [0.0, 1.0]]), 3).tolist()
    [[1.0, 3.0], [0.0, 1.0]]
    """
    from autograd_core.ops.solvers import inv

    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        raise RuntimeError(
            f"linalg.matrix_power: A must be batches of square matrices, but they are {input.shape[-2] if input.ndim > 1 else ''}"
            f" by {input.shape[-1] if input.ndim else ''} matrices (shape {tuple(input.shape)})"
        )
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"matrix_power: n must be an int, got {type(n).__name__}")
    if n == 0:
        m = input.shape[-1]
        eye = input._dev.xp.eye(m, dtype=input._data.dtype)
        return Tensor._wrap(input._dev.xp.broadcast_to(eye, input._data.shape).copy(), input._dev)
    base = inv(input) if n < 0 else input
    n = abs(n)
    result = None
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


class PInverse(Primitive):
    """The Moore-Penrose pseudo-inverse of each matrix in the last two dims (singular values below
    ``rcond`` times the largest are treated as zero).

    Its gradient is the one for a matrix of constant rank (Golub and Pereyra), which is PyTorch's
    too; it is written with Tensor ops on the saved input and output, so it is differentiable again.
    """

    @staticmethod
    def forward(ctx, a, rcond):
        out = Tensor._wrap(a._dev.xp.linalg.pinv(a._data, rcond), a._dev)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        pt, gt = p.mT, g.mT
        # dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P: the adjoint of each term.
        first = -(pt @ g @ pt)
        second = (gt - (a @ p) @ gt) @ p @ pt  # (I - A P)^T = I - A P (symmetric)
        third = pt @ p @ (gt - gt @ (p @ a))  # (I - P A)^T = I - P A
        return first + second + third, None


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse (``torch.pinverse``; ``linalg.pinv`` with ``rcond``), batched over leading dims.

    >>> import autograd_core as ag
    >>> [round(v, 4) for v in ag.pinverse(ag.tensor([[2.0, 0.0], [0.0, 0.0]])).reshape(-1).tolist()]
    [0.5, 0.0, 0.0, 0.0]
    """
    if input.ndim < 2:
        raise RuntimeError(f"pinverse: expected a tensor with 2 or more dimensions, got shape {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"pinverse: expected a floating point tensor, got {input.dtype}")
    return PInverse.apply(input, rcond)


# ---------------------------------------------------------------------------- triangle indices
def _triangle_indices(row: int, col: int, offset: int, upper: bool):
    """Host arrays (rows, cols) of the upper (``j - i >= offset``) or lower (``j - i <= offset``)
    triangle of a ``row x col`` matrix, in row-major order."""
    import numpy as np

    mask = np.tri(row, col, k=offset - 1 if upper else offset, dtype=bool)
    r, c = np.nonzero(~mask if upper else mask)
    return r.astype(np.int64), c.astype(np.int64)


def _triangle_indices_tensor(op, row, col, offset, dtype, device, upper):
    from autograd_core import dtypes
    from autograd_core.factories import tensor

    if row < 0 or col < 0:
        raise RuntimeError(f"{op}: row and col must be non-negative, got row={row}, col={col}")
    dt = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    if dt.kind not in "iu":
        raise RuntimeError(f"{op}: dtype must be an integer type (int32 or int64), got {dt}")
    r, c = _triangle_indices(row, col, offset, upper)
    import numpy as np

    return tensor(np.stack([r, c]).reshape(2, -1), dtype=dt, device=device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """The (2, N) coordinates of the upper triangle (``col - row >= offset``), row by row.

    >>> import autograd_core as ag
    >>> ag.triu_indices(3, 3, 1).tolist()
    [[0, 0, 1], [1, 2, 2]]
    """
    return _triangle_indices_tensor("triu_indices", row, col, offset, dtype, device, True)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """The (2, N) coordinates of the lower triangle (``col - row <= offset``), row by row.

    >>> import autograd_core as ag
    >>> ag.tril_indices(3, 3).tolist()
    [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    """
    return _triangle_indices_tensor("tril_indices", row, col, offset, dtype, device, False)
