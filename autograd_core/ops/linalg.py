"""Matrix product: a primitive of its own (a broadcast multiply-and-sum would allocate
an (n, k, m) temporary on eager NumPy).  1-D and batched forms reduce to it by reshapes."""

from __future__ import annotations

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
    (2, 4)
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
    if input._data.dtype != mat1._data.dtype:
        raise RuntimeError(
            f"addmm: input and mat1 must have the same dtype, got {input.dtype} and {mat1.dtype}; convert one with .to()"
        )
    product = _matmul("addmm", mat1, mat2)
    out_shape = product._data.shape
    if broadcast_shape("addmm", input._data.shape, out_shape) != out_shape:
        raise RuntimeError(f"addmm: input of shape {tuple(input.shape)} can't be broadcast to the product's shape {out_shape}")
    if input._data.dtype.kind in "iub":  # PyTorch casts the scalars to the tensors' kind
        alpha, beta = int(alpha), int(beta)
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        if not input._rg:
            return product
        from autograd_core.ops.elementwise import where

        # input takes no part in the value, but PyTorch still gives it a (zero) gradient
        ignored = input._dev.xp.ones(input._data.shape, dtype=bool)
        return product + where(Tensor._wrap(ignored, input._dev), 0.0, input)
    return product + (input if beta == 1 else input * beta)


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


def qr(input: Tensor, mode: str = "reduced"):
    """QR decomposition of a matrix, without gradient (used by ``nn.init.orthogonal_``)."""
    from autograd_core.ops._common import no_grad_result

    if input.ndim != 2:
        raise RuntimeError(f"qr: expects a 2-D matrix, got shape {tuple(input.shape)}")
    q, r = input._dev.xp.linalg.qr(input._data, mode=mode)
    return no_grad_result(q, input._dev), no_grad_result(r, input._dev)
