"""``NAdam``: Adam with Nesterov momentum (Dozat 2016), PyTorch's momentum-decay schedule."""

from __future__ import annotations

import autograd_core as ag
from optim.optimizer import Optimizer, _check_betas, _check_nonneg, _refuse_flags, _scalar

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """PyTorch's NAdam.  With ``mu_t = b1 * (1 - 0.5 * 0.96**(t * momentum_decay))`` and
    ``P_t = mu_1 ... mu_t`` (``state["mu_product"]``):
    ``p -= lr * (1-mu_t)/(1-P_t) * g/d + lr * mu_{t+1}/(1-P_t*mu_{t+1}) * m/d`` where
    ``d = sqrt(v / (1 - b2**t)) + eps``.

    >>> import autograd_core as ag, optim
    >>> w = ag.tensor([1.0], requires_grad=True)
    >>> opt = optim.NAdam([w], lr=0.1)
    >>> w.grad = ag.tensor([2.0]); opt.step()
    >>> round(w.item(), 4)  # the first step already carries the next step's momentum
    0.8944
    """

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        flags = dict(foreach=foreach, capturable=capturable, differentiable=differentiable)
        _refuse_flags("NAdam", **flags)
        _check_nonneg("NAdam", lr=lr, eps=eps)
        betas = _check_betas(betas)
        _check_nonneg("NAdam", weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            **flags,
        )
        super().__init__(params, defaults)

    def _update_group(self, group) -> None:
        beta1, beta2 = group["betas"]
        lr, eps, wd, psi = group["lr"], group["eps"], group["weight_decay"], group["momentum_decay"]
        for p in self._params_with_grad(group):
            grad = -p.grad if group["maximize"] else p.grad
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                # float32 like PyTorch's, so both accumulate the same rounding.
                state["mu_product"] = ag.tensor(1.0, dtype=ag.float32)
                state["exp_avg"] = ag.zeros_like(p)
                state["exp_avg_sq"] = ag.zeros_like(p)
            exp_avg, exp_avg_sq, mu_product = state["exp_avg"], state["exp_avg_sq"], state["mu_product"]
            state["step"].add_(1)
            step = state["step"].item()
            bias_correction2 = 1 - beta2**step
            if wd != 0:
                if group.get("decoupled_weight_decay", False):
                    p.mul_(_scalar(1 - lr * wd))
                else:
                    grad = grad.add(p, alpha=wd)
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
            mu_product.mul_(mu)
            prod = mu_product.item()
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
            p.addcdiv_(grad, denom, value=_scalar(-lr * (1.0 - mu) / (1.0 - prod)))
            p.addcdiv_(exp_avg, denom, value=_scalar((-lr * mu_next) / (1.0 - prod * mu_next)))
