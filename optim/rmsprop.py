"""``RMSprop`` (Hinton's lecture 6e), with momentum and the centered variant."""

from __future__ import annotations

import autograd_core as ag
from optim.optimizer import Optimizer, _check_nonneg, _refuse_flags, _scalar

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """PyTorch's RMSprop: ``v = alpha*v + (1-alpha)*g*g``; ``d = sqrt(v - gbar**2) + eps`` if
    ``centered`` (``gbar = lerp(gbar, g, 1-alpha)``) else ``sqrt(v) + eps``; then
    ``b = momentum*b + g/d; p -= lr*b`` if ``momentum > 0`` else ``p -= lr*g/d``.

    >>> import autograd_core as ag, optim
    >>> w = ag.tensor([1.0], requires_grad=True)
    >>> opt = optim.RMSprop([w], lr=0.01, alpha=0.75)
    >>> w.grad = ag.tensor([2.0]); opt.step()
    >>> round(w.item(), 6)  # 1 - 0.01 * 2 / sqrt(0.25 * 4)
    0.98
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        flags = dict(foreach=foreach, capturable=capturable, differentiable=differentiable)
        _refuse_flags("RMSprop", **flags)
        _check_nonneg("RMSprop", lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = dict(
            lr=lr,
            momentum=momentum,
            alpha=alpha,
            eps=eps,
            centered=centered,
            weight_decay=weight_decay,
            maximize=maximize,
            **flags,
        )
        super().__init__(params, defaults)

    def _update_group(self, group) -> None:
        lr, alpha, eps = _scalar(group["lr"]), group["alpha"], group["eps"]
        wd, momentum, centered = group["weight_decay"], group["momentum"], group["centered"]
        for p in self._params_with_grad(group):
            grad = -p.grad if group["maximize"] else p.grad
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["square_avg"] = ag.zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = ag.zeros_like(p)
                if centered:
                    state["grad_avg"] = ag.zeros_like(p)
            square_avg = state["square_avg"]
            state["step"].add_(1)
            if wd != 0:
                grad = grad.add(p, alpha=wd)
            square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            if centered:
                grad_avg = state["grad_avg"]
                grad_avg.lerp_(grad, 1 - alpha)
                avg = square_avg.clone().addcmul_(grad_avg, grad_avg, value=-1).sqrt_()
            else:
                avg = square_avg.sqrt()
            avg.add_(eps)
            if momentum > 0:
                buf = state["momentum_buffer"]
                buf.mul_(momentum).addcdiv_(grad, avg)
                p.add_(buf, alpha=-lr)
            else:
                p.addcdiv_(grad, avg, value=-lr)
