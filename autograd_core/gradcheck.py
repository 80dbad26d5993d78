"""Compare backward() against float64 central differences: ``gradcheck`` and ``gradgradcheck``.

>>> import autograd_core as ag
>>> x = ag.randn(3, dtype=ag.float64, requires_grad=True)
>>> ag.gradcheck(lambda t: (t.sin() * t).sum(), (x,))
True
"""

from __future__ import annotations

import numpy as np

from autograd_core.engine import grad as _grad
from autograd_core.tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when analytical and numerical gradients disagree (names input, output and element)."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _host(t: Tensor) -> np.ndarray:
    return t._dev.backend.to_numpy(t._data)


def _eval(fn, inputs):
    # Not under no_grad: fn may itself differentiate (gradgradcheck's first derivative does).
    outs = _as_tuple(fn(*inputs))
    return [_host(o).astype(np.float64).ravel() for o in outs if isinstance(o, Tensor) and o.dtype.kind == "f"]


def _check_inputs(op, inputs):
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t._rg]
    if not diff:
        raise ValueError(f"{op}: no input requires grad; set requires_grad=True on the inputs to check")
    for i in diff:
        if inputs[i].dtype != np.float64:
            raise ValueError(
                f"{op}: input {i} has dtype {inputs[i].dtype}; finite differences need float64 inputs "
                "(call .double() on them) or the check is meaningless"
            )
    return diff


def _numerical_column(fn, inputs, t: Tensor, flat_index: int, eps: float):
    """d(outputs)/d(t.flat[flat_index]) by central differences."""
    data = t._data
    idx = np.unravel_index(flat_index, data.shape)
    orig = float(data[idx])
    data[idx] = orig + eps
    plus = _eval(fn, inputs)
    data[idx] = orig - eps
    minus = _eval(fn, inputs)
    data[idx] = orig
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def _numerical_directional(fn, inputs, t: Tensor, direction, eps: float):
    orig = t._data.copy()
    dir_dev = t._dev.backend.asarray(direction.reshape(t._data.shape))
    t._data[...] = orig + eps * dir_dev
    plus = _eval(fn, inputs)
    t._data[...] = orig - eps * dir_dev
    minus = _eval(fn, inputs)
    t._data[...] = orig
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def _diff_outputs(fn, inputs):
    outs = _as_tuple(fn(*inputs))
    return [o for o in outs if isinstance(o, Tensor) and o.dtype.kind == "f"]


def _analytical_vjp(outputs, inputs, diff, vs):
    """Gradients of sum_k <v_k, out_k> w.r.t. the differentiable inputs (host float64 arrays)."""
    pairs = [(o, v) for o, v in zip(outputs, vs) if o._rg]
    result = {i: np.zeros(inputs[i].numel()) for i in diff}
    if not pairs:
        return result
    gos = [Tensor._wrap(o._dev.backend.asarray(v.reshape(o.shape).astype(o.dtype)), o._dev) for o, v in pairs]
    grads = _grad([o for o, _ in pairs], [inputs[i] for i in diff], gos, retain_graph=True, allow_unused=True)
    for i, g in zip(diff, grads):
        if g is not None:
            if tuple(g.shape) != tuple(inputs[i].shape):
                raise GradcheckError(
                    f"gradcheck: the gradient for input {i} has shape {tuple(g.shape)}, the input {tuple(inputs[i].shape)}"
                )
            result[i] = _host(g).astype(np.float64).ravel()
    return result


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def gradcheck(fn, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, fast_mode: bool = False, seed: int = 0, **_ignored) -> bool:
    """Check ``fn``'s backward against central differences for every input that requires grad.

    ``fast_mode=True`` compares one random projection per input (vᵀ J u) instead of
    the full Jacobian; when it finds a mismatch it falls back to the full
    Jacobian of that input to name the element.  Failures raise ``GradcheckError``
    naming the input, the output and the element (or return False with
    ``raise_exception=False``).
    """
    inputs = _as_tuple(inputs)
    diff = _check_inputs("gradcheck", inputs)
    outputs = _diff_outputs(fn, inputs)
    if not outputs:
        raise ValueError("gradcheck: fn returned no floating-point tensor to check")
    sizes = [o.numel() for o in outputs]
    rng = np.random.default_rng(seed)

    if fast_mode:
        vs = [rng.standard_normal(n) for n in sizes]
        analytical = _analytical_vjp(outputs, inputs, diff, vs)
        for i in diff:
            u = rng.standard_normal(inputs[i].numel())
            cols = _numerical_directional(fn, inputs, inputs[i], u, eps)
            numeric = float(sum(np.dot(c, v) for c, v in zip(cols, vs)))
            analytic = float(np.dot(analytical[i], u))
            if not abs(numeric - analytic) <= atol + rtol * abs(numeric):
                ok = _full_check(fn, inputs, outputs, [i], eps, atol, rtol, raise_exception)
                if ok:  # the projection disagreed but no single element does: report the projection
                    return _fail(
                        f"gradcheck (fast mode): input {i}: random projection vᵀJu numerical {numeric:.6g} "
                        f"vs analytical {analytic:.6g}", raise_exception)
                return ok
        return True
    return _full_check(fn, inputs, outputs, diff, eps, atol, rtol, raise_exception)


def _full_check(fn, inputs, outputs, diff, eps, atol, rtol, raise_exception) -> bool:
    sizes = [o.numel() for o in outputs]
    # Analytical Jacobian rows, one backward per output element.
    analytical = {i: [np.zeros((n, inputs[i].numel())) for n in sizes] for i in diff}
    for k, n in enumerate(sizes):
        for r in range(n):
            vs = [np.zeros(m) for m in sizes]
            vs[k][r] = 1.0
            row = _analytical_vjp(outputs, inputs, diff, vs)
            for i in diff:
                analytical[i][k][r] = row[i]
    for i in diff:
        for j in range(inputs[i].numel()):
            cols = _numerical_column(fn, inputs, inputs[i], j, eps)
            if len(cols) != len(sizes):
                return _fail(
                    f"gradcheck: fn returned {len(sizes)} floating outputs at first but {len(cols)} when input {i} "
                    "was perturbed", raise_exception)
            for k, col in enumerate(cols):
                a = analytical[i][k][:, j]
                bad = np.abs(col - a) > atol + rtol * np.abs(col)
                if bad.any():
                    r = int(np.argmax(bad))
                    elem = np.unravel_index(j, inputs[i].shape) if inputs[i].ndim else ()
                    out_elem = np.unravel_index(r, outputs[k].shape) if outputs[k].ndim else ()
                    return _fail(
                        f"gradcheck: Jacobian mismatch for output {k} element {tuple(int(e) for e in out_elem)} "
                        f"with respect to input {i} element {tuple(int(e) for e in elem)}: "
                        f"numerical {col[r]:.6g}, analytical {a[r]:.6g} (atol={atol}, rtol={rtol})",
                        raise_exception,
                    )
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, fast_mode: bool = False, seed: int = 0, **_ignored) -> bool:
    """Check second derivatives: gradcheck of ``inputs, v -> vᵀ J`` computed with ``create_graph=True``."""
    inputs = _as_tuple(inputs)
    diff = _check_inputs("gradgradcheck", inputs)
    outputs = _diff_outputs(fn, inputs)
    rng = np.random.default_rng(seed + 1)
    if grad_outputs is None:
        grad_outputs = tuple(
            Tensor._wrap(o._dev.backend.asarray(rng.standard_normal(o.shape)), o._dev).requires_grad_()
            for o in outputs
        )
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_derivative(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = _diff_outputs(fn, ins)
        if len(outs) != len(gos):
            raise GradcheckError(f"gradgradcheck: fn has {len(outs)} floating outputs but {len(gos)} grad_outputs")
        gs = _grad(outs, [ins[i] for i in diff], list(gos), create_graph=True, allow_unused=True)
        # An input the first derivative doesn't reach has a zero gradient, not a missing output.
        return tuple(g if g is not None else ins[i] * 0.0 for g, i in zip(gs, diff))

    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode, seed=seed)
