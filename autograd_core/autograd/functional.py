"""``torch.autograd.functional``: Jacobians, Hessians and vector products of a function (jacobian,
hessian, vjp, jvp, vhp, hvp).

Each is a loop of ``grad()`` calls (one per output element for ``jacobian``): meant for the
small problems where whole derivative matrices are wanted (checking, teaching, second-order
methods on a few parameters).  Inputs need not require grad; the function is called on
copies that do.  With ``create_graph=True`` the results can be differentiated again.

>>> import autograd_core as ag
>>> from autograd_core.autograd.functional import jacobian, hessian
>>> jacobian(lambda x: x ** 2, ag.tensor([1.0, 3.0]))
tensor([[2., 0.],
        [0., 6.]])
>>> hessian(lambda x: (x ** 3).sum(), ag.tensor([1.0, 2.0]))
tensor([[ 6.,  0.],
        [ 0., 12.]])
"""

from __future__ import annotations

from autograd_core.engine import grad
from autograd_core.factories import zeros, zeros_like
from autograd_core.grad_mode import enable_grad
from autograd_core.ops.shape import reshape, stack
from autograd_core.tensor import Tensor


def _as_tuple(name: str, what: str, x) -> tuple[tuple, bool]:
    """``(x,)`` and True for one Tensor, ``tuple(x)`` and False for a sequence of them."""
    single = isinstance(x, Tensor)
    xs = (x,) if single else tuple(x)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: {what}[{i}] is a {type(t).__name__}, expected a Tensor")
    return xs, single


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    """Copies of the inputs that require grad (still joined to their graph under create_graph)."""
    return tuple(
        reshape(t, t.shape) if create_graph and t.requires_grad else t.detach().requires_grad_(t.is_floating_point())
        for t in inputs
    )


def _grads(name, output, inputs, grad_output, create_graph, strict, retain=True) -> list:
    """d(output . grad_output)/d(inputs), zeros (or, when strict, an error) where independent."""
    if output.requires_grad:
        gs = grad(output, inputs, grad_output, retain_graph=retain or create_graph, create_graph=create_graph,
                  allow_unused=True)
    else:
        gs = (None,) * len(inputs)
    out = []
    for i, (g, x) in enumerate(zip(gs, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{name}: the output is independent of input {i} (strict=True)")
            g = zeros_like(x)
        out.append(g if create_graph else g.detach())
    return out


def _finish(values, create_graph):
    return values if create_graph else tuple(v.detach() for v in values)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """d func(inputs) / d inputs, of shape ``output.shape + input.shape``.

    A tuple of inputs gives one Jacobian per input; a tuple of outputs one per output (a tuple
    of tuples when both are tuples).  ``vectorize`` is accepted and has no effect here.
    """
    if strategy != "reverse-mode":
        raise ValueError(f"jacobian: only strategy='reverse-mode' is available, got {strategy!r}")
    ins, single_in = _as_tuple("jacobian", "inputs", inputs)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        outs, single_out = _as_tuple("jacobian", "outputs of func", func(*ins))
        result = []
        for out in outs:
            flat = reshape(out, (-1,))
            rows = [[] for _ in ins]
            for k in range(flat.shape[0]):
                for j, g in enumerate(_grads("jacobian", flat[k], ins, None, create_graph, strict)):
                    rows[j].append(g)
            result.append(tuple(
                reshape(stack(r), tuple(out.shape) + tuple(x.shape)) if r else zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype, device=x.device)
                for r, x in zip(rows, ins)
            ))
    result = [_finish(r, create_graph) for r in result]
    if single_out:
        return result[0][0] if single_in else result[0]
    return tuple(r[0] for r in result) if single_in else tuple(result)


def hessian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """Second derivatives of a scalar function: ``input.shape + input.shape``, or for a tuple of
    inputs a tuple of tuples (``[i][j]`` is d2 f / d input_i d input_j)."""
    ins, single_in = _as_tuple("hessian", "inputs", inputs)

    def gradient(*xs):
        out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("hessian: func must return a Tensor with a single element")
        return tuple(_grads("hessian", reshape(out, ()), xs, None, True, strict))

    result = jacobian(gradient, ins, create_graph=create_graph, strict=strict, strategy=outer_jacobian_strategy)
    return result[0][0] if single_in else result


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T J)``; ``v`` may be omitted when the output has one element."""
    ins, single_in = _as_tuple("vjp", "inputs", inputs)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        out = func(*ins)
        if not isinstance(out, Tensor):
            raise TypeError("vjp: func must return a single Tensor")
        if v is None and out.numel() != 1:
            raise RuntimeError(f"vjp: v can be omitted only for a single-element output, this one has shape {tuple(out.shape)}")
        if v is not None and tuple(v.shape) != tuple(out.shape):
            raise RuntimeError(f"vjp: v has shape {tuple(v.shape)} but the output has shape {tuple(out.shape)}")
        gs = _grads("vjp", out, ins, v, create_graph, strict, retain=False)
    out = out if create_graph else out.detach()
    return out, (gs[0] if single_in else tuple(gs))


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)`` by differentiating a vector-Jacobian product with respect to its
    vector (the double-backward trick); ``v`` may be omitted for a single-element input."""
    ins, single_in = _as_tuple("jvp", "inputs", inputs)
    if v is None:
        if len(ins) != 1 or ins[0].numel() != 1:
            raise RuntimeError("jvp: v can be omitted only for a single input with a single element")
        vs = (zeros_like(ins[0]) + 1,)
    else:
        vs, _ = _as_tuple("jvp", "v", v)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        out = func(*ins)
        if not isinstance(out, Tensor):
            raise TypeError("jvp: func must return a single Tensor")
        u = zeros_like(out).requires_grad_()  # d(u . out)/d inputs is linear in u; its derivative in u is J v
        g_u = _grads("jvp", out, ins, u, True, strict)
        total = None
        for g, vi in zip(g_u, vs):
            if g.requires_grad:
                term = (g * vi).sum()
                total = term if total is None else total + term
        jv = zeros_like(out) if total is None else grad(total, u, create_graph=create_graph, allow_unused=True)[0]
        jv = zeros_like(out) if jv is None else jv
    return (out if create_graph else out.detach()), (jv if create_graph else jv.detach())


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T H)`` for a scalar ``func``: the gradient of ``grad f . v``, so no Hessian
    is ever formed.  ``v`` matches ``inputs`` (a tensor, or a tuple for a tuple of inputs) and may
    be omitted for a single one-element input.

    >>> import autograd_core as ag
    >>> from autograd_core.autograd.functional import vhp
    >>> vhp(lambda x: (x ** 3).sum(), ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))[1].tolist()
    [6.0, 12.0]
    """
    return _hessian_vector("vhp", func, inputs, v, create_graph, strict)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)`` for a scalar ``func``.  The Hessian of a twice continuously
    differentiable function is symmetric, so this is ``vhp``'s product (PyTorch computes it with
    one more backward pass; the values agree to rounding)."""
    return _hessian_vector("hvp", func, inputs, v, create_graph, strict)


def _hessian_vector(name: str, func, inputs, v, create_graph: bool, strict: bool):
    ins, single_in = _as_tuple(name, "inputs", inputs)
    if v is None:
        if len(ins) != 1 or ins[0].numel() != 1:
            raise RuntimeError(f"{name}: v can be omitted only for a single input with a single element")
        vs = (zeros_like(ins[0]) + 1,)
    else:
        vs, _ = _as_tuple(name, "v", v)
        if len(vs) != len(ins):
            raise RuntimeError(f"{name}: got {len(vs)} vectors v for {len(ins)} inputs")
        for i, (vi, x) in enumerate(zip(vs, ins)):
            if tuple(vi.shape) != tuple(x.shape):
                raise RuntimeError(f"{name}: v[{i}] has shape {tuple(vi.shape)} but inputs[{i}] has shape {tuple(x.shape)}")
    with enable_grad():
        ins = _prepare(ins, create_graph)
        out = func(*ins)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError(f"{name}: the Tensor returned by func should contain a single element")
        gs = _grads(name, reshape(out, ()), ins, None, True, strict)
        total = None
        for g, vi in zip(gs, vs):
            if g.requires_grad:
                term = (g * vi).sum()
                total = term if total is None else total + term
        if total is None:
            products = [zeros_like(x) for x in ins]
        else:
            products = _grads(name, total, ins, None, create_graph, strict, retain=create_graph)
    products = _finish(products, create_graph)
    out = out if create_graph else out.detach()
    return out, (products[0] if single_in else tuple(products))


__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]
