"""``Adamax``: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

import autograd_core as ag
from optim.optimizer import Optimizer, _check_betas, _check_nonneg, _refuse_flags, _scalar

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """PyTorch's Adamax: ``m = lerp(m, g, 1-b1)``; ``u = max(b2*u, |g| + eps)``;
    ``p -= lr / (1 - b1**t) * m / u``.

    >>> import autograd_core as ag, optim
    >>> w = ag.tensor([1.0], requires_grad=True)
    >>> opt = optim.Adamax([w], lr=0.1)
    >>> w.grad = ag.tensor([2.0]); opt.step()
    >>> round(w.item(), 6)
    0.9
    """

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        flags = dict(foreach=foreach, capturable=capturable, differentiable=differentiable)
        _refuse_flags("Adamax", **flags)
        _check_nonneg("Adamax", lr=lr, eps=eps)
        betas = _check_betas(betas)
        _check_nonneg("Adamax", weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, **flags)
        super().__init__(params, defaults)

    def _update_group(self, group) -> None:
        beta1, beta2 = group["betas"]
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        for p in self._params_with_grad(group):
            grad = -p.grad if group["maximize"] else p.grad
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["exp_avg"] = ag.zeros_like(p)
                state["exp_inf"] = ag.zeros_like(p)
            exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
            state["step"].add_(1)
            step = state["step"].item()
            if wd != 0:
                grad = grad.add(p, alpha=wd)
            exp_avg.lerp_(grad, 1 - beta1)
            exp_inf.copy_(ag.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps)))
            clr = lr / (1 - beta1**step)
            p.addcdiv_(exp_avg, exp_inf, value=-_scalar(clr))
