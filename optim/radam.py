"""``RAdam``: Adam with the variance of its adaptive learning rate rectified (Liu et al. 2019)."""

from __future__ import annotations

import autograd_core as ag
from optim.optimizer import Optimizer, _check_betas, _check_nonneg, _refuse_flags, _scalar

__all__ = ["RAdam"]

# Below this length of the approximated simple moving average the second moment is too noisy to
# trust, and RAdam takes a plain momentum step instead (PyTorch's threshold, from the paper's ``> 4``
# with one step of margin).
_RHO_THRESHOLD = 5.0


class RAdam(Optimizer):
    """PyTorch's RAdam.  Adam's moments ``m``, ``v`` (``weight_decay`` as in Adam, or decoupled with
    ``decoupled_weight_decay=True``); with ``rho_inf = 2/(1-b2) - 1`` and
    ``rho_t = rho_inf - 2 t b2**t / (1 - b2**t)``:
    if ``rho_t > 5``: ``p -= lr * m/(1-b1**t) * sqrt(1-b2**t)/(sqrt(v)+eps) * r_t`` with the
    rectifier ``r_t = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t))``;
    otherwise ``p -= lr * m/(1-b1**t)`` (no second moment yet).

    >>> import autograd_core as ag, optim
    >>> w = ag.tensor([1.0], requires_grad=True)
    >>> opt = optim.RAdam([w], lr=0.1)
    >>> w.grad = ag.tensor([2.0]); opt.step()
    >>> round(w.item(), 6)  # the first steps are momentum SGD: 1 - 0.1 * 2
    0.8
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        flags = dict(foreach=foreach, capturable=capturable, differentiable=differentiable)
        _refuse_flags("RAdam", **flags)
        _check_nonneg("RAdam", lr=lr, eps=eps)
        betas = _check_betas(betas)
        _check_nonneg("RAdam", weight_decay=weight_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update_group(self, group) -> None:
        beta1, beta2 = group["betas"]
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        rho_inf = 2 / (1 - beta2) - 1
        for p in self._params_with_grad(group):
            grad = -p.grad if group["maximize"] else p.grad
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["exp_avg"] = ag.zeros_like(p)
                state["exp_avg_sq"] = ag.zeros_like(p)
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            state["step"].add_(1)
            step = state["step"].item()

            if wd != 0:
                if group["decoupled_weight_decay"]:
                    p.mul_(_scalar(1 - lr * wd))
                else:
                    grad = grad.add(p, alpha=wd)
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)

            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            # PyTorch's order of operations (m/bc1, times lr, times the adaptive rate, times the
            # rectifier), so both round alike.
            update = exp_avg.div(bias_correction1).mul_(lr)
            rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
            if rho_t > _RHO_THRESHOLD:
                adaptive_lr = bias_correction2**0.5 / exp_avg_sq.sqrt().add_(eps)
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                update.mul_(adaptive_lr).mul_(rect)
            p.sub_(update)
