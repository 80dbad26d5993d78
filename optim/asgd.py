"""``ASGD``: averaged stochastic gradient descent (Polyak & Juditsky 1992)."""

from __future__ import annotations

import autograd_core as ag
from optim.optimizer import Optimizer, _check_nonneg, _refuse_flags, _scalar

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """PyTorch's ASGD.  Each step: ``p *= 1 - lambd*eta``; ``p -= eta*g`` (``g`` plus ``weight_decay*p``);
    then the running average ``ax`` (in ``state``, the weights to evaluate with) moves towards ``p``
    by ``mu``, and the next step's ``eta = lr / (1 + lambd*lr*t)**alpha`` and
    ``mu = 1 / max(1, t - t0)``.  So ``ax`` is the mean of the iterates from step ``t0 + 2`` on (a copy
    of ``p`` before that).

    >>> import autograd_core as ag, optim
    >>> w = ag.tensor([1.0], requires_grad=True)
    >>> opt = optim.ASGD([w], lr=0.1, t0=0)
    >>> for _ in range(3):
    ...     w.grad = ag.tensor([1.0]); opt.step()
    >>> round(w.item(), 4), round(opt.state[w]["ax"].item(), 4)  # ax: mean of the last two iterates
    (0.7, 0.75)
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        flags = dict(foreach=foreach, maximize=maximize, differentiable=differentiable, capturable=capturable)
        _refuse_flags("ASGD", foreach=foreach, differentiable=differentiable, capturable=capturable)
        _check_nonneg("ASGD", lr=lr, weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, **flags)
        super().__init__(params, defaults)

    def _update_group(self, group) -> None:
        lr, lambd, alpha, t0, wd = group["lr"], group["lambd"], group["alpha"], group["t0"], group["weight_decay"]
        for p in self._params_with_grad(group):
            grad = -p.grad if group["maximize"] else p.grad
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["eta"] = ag.tensor(_scalar(lr), dtype=ag.float32)
                state["mu"] = ag.tensor(1.0, dtype=ag.float32)
                state["ax"] = ag.zeros_like(p)
            ax, eta, mu = state["ax"], state["eta"], state["mu"]
            state["step"].add_(1)
            if wd != 0:
                grad = grad.add(p, alpha=wd)

            eta_value = eta.item()  # the float32 value, as PyTorch reads it
            p.mul_(1 - lambd * eta_value)
            p.add_(grad, alpha=-eta_value)

            mu_value = mu.item()
            if mu_value != 1:
                ax.add_(p.sub(ax).mul_(mu_value))
            else:
                ax.copy_(p)

            step = state["step"].item()
            eta.copy_(lr / ((1 + lambd * lr * step) ** alpha))  # a tensor lr: computed in its dtype
            mu.copy_(1 / max(1, step - t0))
