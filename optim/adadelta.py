"""``Adadelta`` (Zeiler 2012): per-parameter step sizes from running averages, no tuned lr needed."""

from __future__ import annotations

import autograd_core as ag
from optim.optimizer import Optimizer, _check_nonneg, _refuse_flags, _scalar

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """PyTorch's Adadelta: ``v = rho*v + (1-rho)*g*g``;
    ``delta = sqrt(u + eps) / sqrt(v + eps) * g``; ``u = rho*u + (1-rho)*delta**2``; ``p -= lr*delta``.

    >>> import autograd_core as ag, optim
    >>> w = ag.tensor([1.0], requires_grad=True)
    >>> opt = optim.Adadelta([w], eps=0.25, rho=0.0)
    >>> w.grad = ag.tensor([2.0]); opt.step()
    >>> round(w.item(), 6)  # 1 - sqrt(0.25) / sqrt(4.25) * 2
    0.514929
    """

    def __init__(
        self,
        params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        flags = dict(foreach=foreach, capturable=capturable, differentiable=differentiable)
        _refuse_flags("Adadelta", **flags)
        _check_nonneg("Adadelta", lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonneg("Adadelta", eps=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, **flags)
        super().__init__(params, defaults)

    def _update_group(self, group) -> None:
        lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
        for p in self._params_with_grad(group):
            grad = -p.grad if group["maximize"] else p.grad
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["square_avg"] = ag.zeros_like(p)
                state["acc_delta"] = ag.zeros_like(p)
            square_avg, acc_delta = state["square_avg"], state["acc_delta"]
            state["step"].add_(1)
            if wd != 0:
                grad = grad.add(p, alpha=wd)
            square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
            std = square_avg.add(eps).sqrt_()
            delta = acc_delta.add(eps).sqrt_()
            delta.div_(std).mul_(grad)
            acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
            p.add_(delta, alpha=-_scalar(lr))
