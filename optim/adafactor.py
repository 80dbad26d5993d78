"""``Adafactor`` (Shazeer & Stern 2018): Adam-like steps with factored second moments, in sublinear memory.

For a parameter of two or more dimensions the second moment of its gradient is not kept in full:
only its mean over the last dimension (``row_var``, shape ``(..., m, 1)``) and over the
second-to-last (``col_var``, shape ``(..., 1, n)``); their outer product divided by the mean of
the rows rebuilds a rank-one estimate.  An ``(m, n)`` weight costs ``m + n`` numbers of state
instead of ``m * n``.  Vectors (and scalars) keep a full ``variance``.
"""

from __future__ import annotations

from itertools import chain

import autograd_core as ag
from autograd_core import Tensor
from optim.optimizer import Optimizer, _refuse_flags, _scalar

__all__ = ["Adafactor"]

# The factored state has other shapes than its parameter, so the base class's shape check on load
# (state shape == parameter shape) does not apply to it; Adafactor checks these itself.
_FACTORED = ("row_var", "col_var")


class Adafactor(Optimizer):
    """PyTorch's Adafactor, step for step.

    With ``t`` the step, ``G`` the gradient (negated with ``maximize``):
    ``rho = min(lr, 1/sqrt(t))``; ``alpha = max(eps2, RMS(p)) * rho`` (from ``p`` before the decay);
    ``p *= 1 - lr * weight_decay``; the moments are lerped towards this step's squared gradient with
    weight ``t ** beta2_decay``: for ``dim >= 2``, ``row_var`` to ``mean(G*G, dim=-1)`` and
    ``col_var`` to ``mean(G*G, dim=-2)``, and ``V = row_var @ col_var / max(mean(row_var, dim=-2), eps1)``;
    for vectors ``V = variance`` lerped to ``G*G``.  Then ``U = G / sqrt(max(V, eps1**2))`` and
    ``p -= alpha * U / max(1, RMS(U) / d)``.

    As in PyTorch, ``lr`` only caps the relative step size ``rho`` and scales the weight decay;
    ``eps=(None, 1e-3)`` takes ``eps1`` as the machine epsilon of the dtype of the group's first parameter
    that has a gradient (and uses it for the whole group).

    >>> import autograd_core as ag, optim
    >>> w = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> opt = optim.Adafactor([w], lr=0.01)
    >>> w.grad = ag.ones(2, 2); opt.step()
    >>> sorted(opt.state[w])  # a matrix keeps one row and one column of second moments
    ['col_var', 'row_var', 'step']
    >>> tuple(opt.state[w]["row_var"].shape), tuple(opt.state[w]["col_var"].shape)
    ((2, 1), (1, 2))
    """

    def __init__(
        self,
        params,
        lr: float | Tensor = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        _refuse_flags("Adafactor", foreach=foreach)
        _check_options(lr, beta2_decay, eps, d, weight_decay)
        defaults = dict(
            lr=lr,
            beta2_decay=beta2_decay,
            eps=eps,
            d=d,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update_group(self, group) -> None:
        lr = _scalar(group["lr"])
        eps1, eps2 = group["eps"]
        d, wd, decay = group["d"], group["weight_decay"], group["beta2_decay"]
        for p in self._params_with_grad(group):
            grad = -p.grad if group["maximize"] else p.grad
            if eps1 is None:
                # PyTorch fixes eps1 once per group, from the first parameter that has a gradient.
                eps1 = ag.finfo(p.dtype).eps
            state = self.state[p]
            if len(state) == 0:
                _init_state(state, p, self._new_step())
            state["step"].add_(1)
            step = state["step"].item()

            one_minus_beta2 = step**decay
            rho = min(lr, 1 / step**0.5)
            # Relative step size: scaled by the parameter's RMS before the decay.  Kept on the device (a
            # float64 0-d tensor, the precision of PyTorch's Python floats) rather than read back with .item().
            alpha = (_rms(p).clamp(min=eps2)) * rho
            if wd != 0:
                p.mul_(1 - lr * wd)

            if grad.dim() > 1:
                var_estimate = _factored_estimate(state, grad, one_minus_beta2, eps1)
            else:
                state["variance"].lerp_(grad * grad, one_minus_beta2)
                var_estimate = state["variance"].clone()  # the update below works in place

            # eps1 is squared because of the square root that follows: it keeps eps1's magnitude.
            update = var_estimate.clamp_(min=eps1 * eps1).rsqrt_().mul_(grad)
            # Update clipping: an update whose RMS exceeds d is scaled down to RMS d.
            denom = (_rms(update) / d).clamp(min=1.0)
            p.sub_(update.mul_(alpha / denom))

    def load_state_dict(self, state_dict) -> None:
        """As ``Optimizer.load_state_dict``, with ``row_var`` / ``col_var`` checked against the shapes the
        factored moments of their parameter have (``(..., m, 1)`` and ``(..., 1, n)``), not the parameter's."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            return super().load_state_dict(state_dict)  # (which raises its error)
        saved_ids = chain.from_iterable(g["params"] for g in state_dict["param_groups"])
        id_map = dict(zip(saved_ids, chain.from_iterable(g["params"] for g in self.param_groups)))
        factored, rest = {}, {}
        for key, value in state_dict["state"].items():
            k = int(key) if isinstance(key, str) and key.isdigit() else key
            param = id_map.get(k)
            if param is None or not isinstance(value, dict):
                rest[key] = value
                continue
            factored[param] = {n: _cast_factored(param, n, v) for n, v in value.items() if n in _FACTORED}
            rest[key] = {n: v for n, v in value.items() if n not in _FACTORED}
        super().load_state_dict({**state_dict, "state": rest})
        for param, values in factored.items():
            self.state[param].update(values)


def _check_options(lr, beta2_decay, eps, d, weight_decay) -> None:
    """PyTorch's constructor checks, with its messages."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
    if not 0.0 >= beta2_decay:
        raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
    if eps[0] is not None and not 0.0 <= eps[0]:
        raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
    if not 0.0 <= eps[1]:
        raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
    if not 1.0 <= d:
        raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")


def _factored_shapes(shape) -> tuple[list[int], list[int]]:
    """The shapes of ``row_var`` (last dimension reduced to 1) and ``col_var`` (second-to-last reduced)."""
    row, col = list(shape), list(shape)
    row[-1] = 1
    col[-2] = 1
    return row, col


def _init_state(state: dict, p: Tensor, step: Tensor) -> None:
    state["step"] = step
    if p.grad.dim() > 1:
        row, col = _factored_shapes(p.grad.shape)
        state["row_var"] = p.grad.new_zeros(row)
        state["col_var"] = p.grad.new_zeros(col)
    else:
        state["variance"] = ag.zeros_like(p.grad)


def _factored_estimate(state: dict, grad: Tensor, weight: float, eps1: float) -> Tensor:
    """Lerp the row and column means of ``grad**2`` into the state; return their rank-one estimate of ``grad**2``."""
    row_var, col_var = state["row_var"], state["col_var"]
    # norm(...)**2 / n is mean(g*g) without a gradient-sized temporary (PyTorch's choice; same rounding path).
    row_var.lerp_(grad.norm(dim=-1, keepdim=True).square_().div_(grad.shape[-1]), weight)
    col_var.lerp_(grad.norm(dim=-2, keepdim=True).square_().div_(grad.shape[-2]), weight)
    estimate = row_var @ col_var
    return estimate.div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=eps1))


def _rms(t: Tensor) -> Tensor:
    """``norm(t) / sqrt(numel)`` as a float64 0-d tensor on ``t``'s device."""
    return t.norm(2).double() / (t.numel() ** 0.5)


def _cast_factored(param: Tensor, key: str, value) -> Tensor:
    t = value if isinstance(value, Tensor) else ag.tensor(value)
    row, col = _factored_shapes(param.shape) if param.dim() > 1 else (None, None)
    expected = row if key == "row_var" else col
    if expected is None or list(t.shape) != expected:
        raise ValueError(
            f"Adafactor.load_state_dict: state '{key}' has shape {tuple(t.shape)} but a parameter of shape "
            f"{tuple(param.shape)} needs {tuple(expected) if expected else 'no ' + key}; "
            "the state_dict belongs to a different model"
        )
    dtype = param.dtype if param.is_floating_point() else t.dtype
    return t.detach().to(device=param.device, dtype=dtype, copy=True)
