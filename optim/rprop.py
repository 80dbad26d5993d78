"""``Rprop``: resilient backpropagation (Riedmiller & Braun 1993), steps from gradient signs only."""

from __future__ import annotations

import autograd_core as ag
from optim.optimizer import Optimizer, _check_nonneg, _refuse_flags, _scalar

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """PyTorch's Rprop (the iRprop- variant).  Each weight has its own step size, starting at ``lr``:
    where ``g * prev`` is positive it grows by ``etas[1]``, negative it shrinks by ``etas[0]``, zero it
    stays, then it is clamped to ``step_sizes = (min, max)``.  ``p -= sign(g) * step_size``, except
    that where the sign flipped the gradient is taken as zero: that weight doesn't move, and since
    ``prev`` is set to that zero, its step size is left alone at the next step.

    >>> import autograd_core as ag, optim
    >>> w = ag.tensor([1.0, 1.0], requires_grad=True)
    >>> opt = optim.Rprop([w], lr=0.1)
    >>> for g in ([2.0, 3.0], [5.0, -1.0]):
    ...     w.grad = ag.tensor(g); opt.step()
    >>> [round(v, 6) for v in w.tolist()]  # the same sign: a step 1.2 times longer; a flip: no step
    [0.78, 0.9]
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _refuse_flags("Rprop", foreach=foreach, capturable=capturable, differentiable=differentiable)
        _check_nonneg("Rprop", lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(
            lr=lr,
            etas=etas,
            step_sizes=step_sizes,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _update_group(self, group) -> None:
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        for p in self._params_with_grad(group):
            grad = -p.grad if group["maximize"] else p.grad
            state = self.state[p]
            if len(state) == 0:
                state["step"] = self._new_step()
                state["prev"] = ag.zeros_like(p)
                state["step_size"] = ag.full_like(grad, _scalar(group["lr"]))
            prev, step_size = state["prev"], state["step_size"]
            state["step"].add_(1)

            # The factor each step size is multiplied by: etaplus, etaminus or 1 by the sign
            # of g * prev (NaN stays NaN, as in PyTorch).
            factor = grad.mul(prev).sign()
            factor[factor.gt(0)] = etaplus
            factor[factor.lt(0)] = etaminus
            factor[factor.eq(0)] = 1
            step_size.mul_(factor).clamp_(step_size_min, step_size_max)

            grad = grad.clone()
            grad[factor.eq(etaminus)] = 0  # a sign flip: no step now, and no change of step size next
            p.addcmul_(grad.sign(), step_size, value=-1)
            prev.copy_(grad)
