"""``Adagrad`` (Duchi et al. 2011), with PyTorch's learning-rate decay."""

from __future__ import annotations

import autograd_core as ag
from optim.optimizer import Optimizer, _check_nonneg, _refuse_flags, _scalar

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """PyTorch's Adagrad: ``s += g*g``; ``p -= lr / (1 + (t-1)*lr_decay) * g / (sqrt(s) + eps)``,
    with ``s`` starting at ``initial_accumulator_value``.

    >>> import autograd_core as ag, optim
    >>> w = ag.tensor([1.0], requires_grad=True)
    >>> opt = optim.Adagrad([w], lr=0.1)
    >>> w.grad = ag.tensor([2.0]); opt.step()
    >>> round(w.item(), 6)  # 1 - 0.1 * 2 / sqrt(4)
    0.9
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        flags = dict(foreach=foreach, differentiable=differentiable, fused=fused)
        _refuse_flags("Adagrad", **flags)
        _check_nonneg(
            "Adagrad",
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            maximize=maximize,
            **flags,
        )
        super().__init__(params, defaults)
        # PyTorch creates Adagrad's state up front (from the constructor's value, not the group's).
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, initial_accumulator_value)

    def _init_state(self, p, value) -> None:
        state = self.state[p]
        state["step"] = self._new_step()
        state["sum"] = ag.full_like(p, value)

    def _update_group(self, group) -> None:
        lr, lr_decay, wd, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
        for p in self._params_with_grad(group):
            grad = -p.grad if group["maximize"] else p.grad
            state = self.state[p]
            if len(state) == 0:
                self._init_state(p, self.defaults["initial_accumulator_value"])
            state["step"].add_(1)
            step = state["step"].item()
            if wd != 0:
                grad = grad.add(p, alpha=wd)
            clr = lr / (1 + (step - 1) * lr_decay)
            state_sum = state["sum"]
            state_sum.addcmul_(grad, grad, value=1)
            std = state_sum.sqrt().add_(eps)
            p.addcdiv_(grad, std, value=-_scalar(clr))
