"""``Adam`` and ``AdamW`` (decoupled weight decay), with AMSGrad and PyTorch's bias corrections."""

from __future__ import annotations

import autograd_core as ag
from optim.optimizer import Optimizer, _check_betas, _check_nonneg, _refuse_flags, _scalar

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba), exactly as ``torch.optim.Adam`` computes it.

    ``m = lerp(m, g, 1-b1)``; ``v = b2*v + (1-b2)*g*g``; with ``bc_i = 1 - b_i**t``:
    ``p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)`` (``v`` replaced by its running max with
    ``amsgrad``).  ``weight_decay`` adds ``wd*p`` to the gradient, or with
    ``decoupled_weight_decay=True`` (AdamW) multiplies ``p`` by ``1 - lr*wd`` first.

    >>> import autograd_core as ag, optim
    >>> w = ag.tensor([1.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> w.grad = ag.tensor([3.0]); opt.step()
    >>> round(w.item(), 6)  # the first step moves every weight by about lr
    0.9
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        name = type(self).__name__
        flags = dict(foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused)
        _refuse_flags(name, **flags)
        _check_nonneg(name, lr=lr, eps=eps)
        betas = _check_betas(betas)
        _check_nonneg(name, weight_decay=weight_decay)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
            **flags,
        )
        super().__init__(params, defaults)

    def _update_group(self, group) -> None:
        beta1, beta2 = group["betas"]
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        amsgrad, decoupled = group["amsgrad"], group.get("decoupled_weight_decay", False)
        for p in self._params_with_grad(group):
            grad = -p.grad if group["maximize"] else p.grad
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["exp_avg"] = ag.zeros_like(p)
                state["exp_avg_sq"] = ag.zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = ag.zeros_like(p)
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            state["step"].add_(1)
            step = state["step"].item()

            if wd != 0:
                if decoupled:
                    p.mul_(_scalar(1 - lr * wd))
                else:
                    grad = grad.add(p, alpha=wd)
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)

            bias_correction1 = 1 - beta1**step
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            step_size = lr / bias_correction1
            if amsgrad:
                max_sq = state["max_exp_avg_sq"]
                max_sq.copy_(ag.maximum(max_sq, exp_avg_sq))
                denom = max_sq.sqrt()
            else:
                denom = exp_avg_sq.sqrt()
            denom.div_(bias_correction2_sqrt).add_(eps)  # in place: one temporary per parameter, not three
            p.addcdiv_(exp_avg, denom, value=-_scalar(step_size))


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p *= 1 - lr*wd`` before the Adam step.

    >>> import autograd_core as ag, optim
    >>> w = ag.tensor([1.0], requires_grad=True)
    >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = ag.tensor([0.0]); opt.step()
    >>> round(w.item(), 6)  # a zero gradient leaves only the decay
    0.95
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )
