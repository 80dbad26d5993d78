"""``LBFGS``: limited-memory BFGS with an optional strong-Wolfe line search, as ``torch.optim.LBFGS``.

Unlike the other optimizers, one ``step(closure)`` runs a whole inner optimization (up to
``max_iter`` iterations) and calls the closure many times: the closure must zero the gradients,
recompute the loss, call ``backward()`` and return the loss.

All parameters are handled as one flat vector (``cat`` of the flattened gradients).  The scalars of
the method (``y.s``, ``1/y.s``, the step length, the directional derivative) are 0-dim tensors of
the parameters' dtype, as in PyTorch, so float32 parameters round as PyTorch's do and the state holds
the same kinds of values.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import autograd_core as ag
from autograd_core import Tensor
from optim.optimizer import Optimizer, _check_nonneg, _snapshot

__all__ = ["LBFGS"]


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic through ``(x1, f1)``, ``(x2, f2)`` with slopes ``g1``, ``g2``, clamped
    to ``bounds`` (default: between ``x1`` and ``x2``); the bounds' midpoint when the cubic has no
    minimum (Nocedal & Wright, eq. 3.59).
    """
    xmin_bound, xmax_bound = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (xmin_bound + xmax_bound) / 2.0
    d2 = d2_square.sqrt()
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, xmin_bound), xmax_bound)


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step length along ``d`` that satisfies the strong Wolfe conditions (Nocedal & Wright, alg. 3.5-3.6).

    Sufficient decrease ``f(t) <= f + c1*t*gtd`` and curvature ``|g(t).d| <= -c2*gtd``.  First a
    bracketing phase grows ``t`` (by cubic interpolation, within ``[t + 0.01(t - t_prev), 10t]``) until
    an interval holds an acceptable point, then a zoom phase shrinks it.  At most ``max_ls``
    evaluations after the first.  Returns ``(f, g, t, evaluations)`` at the best point found.
    """
    d_norm = d.abs().max()
    g = g.clone()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)

    # Bracketing: find an interval [t_prev, t] that contains a point satisfying the conditions.
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.clone()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.clone()], [gtd_prev, gtd_new]
            break
        # Extrapolate: the next trial step lies beyond t, at most ten times as far.
        bounds = (t + 0.01 * (t - t_prev), t * 10)
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=bounds)
        f_prev, g_prev, gtd_prev = f_new, g_new.clone(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

    # Out of evaluations (PyTorch tests ``==``; ``>=`` also covers a budget that was already spent,
    # where PyTorch fails with an UnboundLocalError): keep the better of the start and the last trial.
    if ls_iter >= max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # Zoom: shrink the bracket until a point satisfies both conditions.
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])

        # A trial too close to an end of the bracket makes little progress: the second time in a row
        # (or when it is outside the bracket), move it to 10% of the bracket's length from that end.
        hi, lo = max(bracket), min(bracket)
        eps = 0.1 * (hi - lo)
        if min(hi - t, t - lo) < eps:
            if insuf_progress or t >= hi or t <= lo:
                t = hi - eps if abs(t - hi) < abs(t - lo) else lo + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # Not a sufficient decrease, or not below the low end: t becomes the high end.
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.clone(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # The minimum lies between t and the old low end: the old low end becomes the high end.
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.clone(), gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS(Optimizer):
    """PyTorch's L-BFGS (after minFunc): ``step(closure)`` runs up to ``max_iter`` iterations.

    Each iteration takes the direction ``d = -H g`` from the two-loop recursion over the last
    ``history_size`` pairs ``(s, y)`` (a pair is kept only when ``y.s > 1e-10``; ``H`` starts as
    ``y.s / y.y``), then moves by ``t*d``: ``t = lr`` (``min(1, 1/|g|_1) * lr`` at the very first
    iteration), or with ``line_search_fn="strong_wolfe"`` the step found by a cubic-interpolation
    strong-Wolfe line search from there.  An iteration ends the step when ``max_iter`` or
    ``max_eval`` (closure calls; default ``max_iter * 5 // 4``) is reached, ``max|g| <=
    tolerance_grad``, or ``max|t*d|``, the change of loss or ``g.d`` fall below ``tolerance_change``.
    The history stays in ``state`` (of the first parameter), so the next ``step`` continues it.

    Returns the loss of the closure's first call in this step.  One parameter group only.

    >>> import autograd_core as ag, optim
    >>> w = ag.tensor([3.0, -1.0], requires_grad=True)
    >>> opt = optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - ag.tensor([1.0, 2.0])) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> opt.step(closure).item()  # the loss before the step
    13.0
    >>> [round(v, 6) for v in w.tolist()]
    [1.0, 2.0]
    """

    def __init__(
        self,
        params,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        _check_nonneg("LBFGS", lr=lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]
        self._numel_cache: int | None = None

    # -- the parameters as one flat vector ---------------------------------------
    def _numel(self) -> int:
        if self._numel_cache is None:
            self._numel_cache = sum(p.numel() for p in self._params)
        return self._numel_cache

    def _gather_flat_grad(self) -> Tensor:
        """All gradients in one new vector (zeros for a parameter without one)."""
        views = [p.new_zeros(p.numel()) if p.grad is None else p.grad.view(-1) for p in self._params]
        return ag.cat(views, 0)

    def _add_grad(self, step_size, update: Tensor) -> None:
        """``params += step_size * update``, ``update`` being a flat vector over all parameters."""
        step_size = float(step_size)
        offset = 0
        for p in self._params:
            numel = p.numel()
            p.add_(update[offset : offset + numel].view_as(p), alpha=step_size)
            offset += numel

    def _clone_param(self) -> list[Tensor]:
        return [p.clone() for p in self._params]

    def _set_param(self, params_data: list[Tensor]) -> None:
        for p, data in zip(self._params, params_data):
            p.copy_(data)

    def _directional_evaluate(self, closure, x: list[Tensor], t, d: Tensor):
        """Loss and flat gradient at ``x + t*d``; the parameters are put back to ``x`` afterwards."""
        self._add_grad(t, d)
        with ag.enable_grad():
            loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # -- the step ------------------------------------------------------------------
    def step(self, closure: Callable[[], Any]):  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` (required) zeroes the gradients, computes
        the loss, calls ``backward()`` and returns the loss.  Returns the first loss of this step."""
        if len(self.param_groups) != 1:
            raise AssertionError(
                f"Expected exactly one param_group, but got {len(self.param_groups)}: LBFGS doesn't support "
                "parameter groups, so don't add_param_group to it"
            )
        with ag.no_grad():
            return self._step(closure)

    def _step(self, closure):
        group = self.param_groups[0]
        lr = group["lr"]
        if isinstance(lr, Tensor) and lr.ndim:
            lr = lr.reshape(())  # a one-element tensor lr stays a tensor, as in PyTorch (so may the step length)
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        # LBFGS's state is global; PyTorch registers it under the first parameter, so that
        # load_state_dict knows which device and dtype its tensors belong to.
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with ag.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1

        flat_grad = self._gather_flat_grad()
        if flat_grad.abs().max() <= tolerance_grad:
            return orig_loss  # already optimal

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # -- the search direction
            if state["n_iter"] == 1:
                d = flat_grad.neg()
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad.sub(prev_flat_grad)
                s = d.mul(t)
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only where the curvature is positive (H stays positive definite)
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                if "al" not in state:
                    state["al"] = [None] * history_size
                d = self._two_loop_direction(flat_grad, old_dirs, old_stps, ro, H_diag, state["al"])

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.clone()
            else:
                prev_flat_grad.copy_(flat_grad)
            prev_loss = loss

            # -- the step length
            t = min(1.0, 1.0 / flat_grad.abs().sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)  # the directional derivative
            if gtd > -tolerance_change:
                break  # not a descent direction (to within the tolerance)

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError(
                        f"only 'strong_wolfe' is supported (LBFGS got line_search_fn={line_search_fn!r})"
                    )
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = flat_grad.abs().max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    # No evaluation after the last iteration: with stochastic losses it would be wasted.
                    with ag.enable_grad():
                        loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = flat_grad.abs().max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            # -- stop?
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if d.mul(t).abs().max() <= tolerance_change:
                break  # the parameters hardly move
            if abs(loss - prev_loss) < tolerance_change:
                break  # the loss hardly changes

        state.update(
            d=d,
            t=t,
            old_dirs=old_dirs,
            old_stps=old_stps,
            ro=ro,
            H_diag=H_diag,
            prev_flat_grad=prev_flat_grad,
            prev_loss=prev_loss,
        )
        return orig_loss

    @staticmethod
    def _two_loop_direction(flat_grad, old_dirs, old_stps, ro, H_diag, al) -> Tensor:
        """``-H g`` for the L-BFGS inverse-Hessian estimate ``H`` (Nocedal & Wright, alg. 7.4), in one
        buffer; ``al`` (kept in state, as PyTorch keeps it) receives the first loop's coefficients."""
        num_old = len(old_dirs)
        q = flat_grad.neg()
        for i in range(num_old - 1, -1, -1):
            al[i] = old_stps[i].dot(q) * ro[i]
            q.add_(old_dirs[i], alpha=-float(al[i]))
        r = q.mul(H_diag)
        for i in range(num_old):
            be_i = old_dirs[i].dot(r) * ro[i]
            r.add_(old_stps[i], alpha=float(al[i] - be_i))
        return r

    # -- checkpoints ---------------------------------------------------------------
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As ``Optimizer.load_state_dict``, for LBFGS's global state: its flat vectors (``d``,
        ``prev_flat_grad``, the history lists) have the length of all parameters together, not the
        first parameter's shape, and lists of tensors are cast to the parameters' dtype and device
        element by element, as PyTorch casts them."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            return super().load_state_dict(state_dict)  # the base class's error
        groups = state_dict["param_groups"]
        first = groups[0]["params"][0] if groups and groups[0]["params"] else None
        own, rest = None, {}
        for key, value in state_dict["state"].items():
            k = int(key) if isinstance(key, str) and key.isdigit() else key
            if k == first and own is None:
                own = {name: self._cast_state(name, v) for name, v in value.items()}  # checked before any change
            else:
                rest[key] = value
        super().load_state_dict({**state_dict, "state": rest})
        if own is not None:
            self.state[self._params[0]] = own

    def _cast_state(self, name: str, value):
        like = self._params[0]
        if isinstance(value, (list, tuple)):
            return type(value)(self._cast_state(name, v) for v in value)
        if isinstance(value, Tensor) or (hasattr(value, "__array__") and not isinstance(value, numbers.Number)):
            t = value if isinstance(value, Tensor) else ag.tensor(value)
            if t.ndim > 1 or (t.ndim == 1 and t.shape[0] != self._numel()):
                raise ValueError(
                    f"LBFGS.load_state_dict: state '{name}' has shape {tuple(t.shape)} but the parameters have "
                    f"{self._numel()} elements in all; the state_dict belongs to a different model"
                )
            dtype = like.dtype if like.is_floating_point() else t.dtype
            return t.detach().to(device=like.device, dtype=dtype, copy=True)
        return _snapshot(value)
