"""Stochastic Weight Averaging and EMA, with ``torch.optim.swa_utils``'s names and semantics.

``AveragedModel`` keeps a copy of a model whose weights are a running average (equal weights for SWA,
exponential for EMA) of the model's weights at each ``update_parameters`` call; ``SWALR`` anneals the
learning rate to a constant for the averaging phase; ``update_bn`` recomputes BatchNorm statistics for
the averaged weights with one pass over the data.

>>> import autograd_core as ag, nn, optim
>>> from optim.swa_utils import AveragedModel
>>> model = nn.Linear(1, 1, bias=False)
>>> swa = AveragedModel(model)
>>> for w in [1.0, 2.0, 6.0]:
...     with ag.no_grad():
...         _ = model.weight.fill_(w)
...     swa.update_parameters(model)
>>> swa.module.weight.item(), int(swa.n_averaged)
(3.0, 3)
"""

from __future__ import annotations

import copy
import itertools
import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import autograd_core as ag
from autograd_core import Tensor
from nn.module import Module
from nn.modules.normalization import _BatchNorm, _InstanceNorm
from optim.lr_scheduler import LRScheduler, _format_param
from optim.optimizer import Optimizer

__all__ = [
    "AveragedModel",
    "update_bn",
    "SWALR",
    "get_ema_multi_avg_fn",
    "get_swa_multi_avg_fn",
    "get_ema_avg_fn",
    "get_swa_avg_fn",
]

# Where PyTorch's default (no avg_fn) update takes its multi-tensor ``lerp`` path; elsewhere (CPU) it
# takes the per-tensor formula ``avg + (p - avg) / (n + 1)``.  The two round differently, so we follow suit.
_MULTI_TENSOR_DEVICES = ("cuda",)


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def _lerp_weight(num_averaged) -> float:
    """``1 / (n + 1)`` as PyTorch's multi-tensor update uses it: with a tensor ``n`` the quotient is a
    float32 tensor read back as a number (one scalar; PyTorch reads it the same way)."""
    if isinstance(num_averaged, Tensor):
        return (1 / (num_averaged + 1)).item()
    return 1 / (num_averaged + 1)


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    """An in-place EMA update of lists of tensors, for ``AveragedModel(multi_avg_fn=...)``.

    ``ema = decay * ema + (1 - decay) * current`` (a ``lerp`` for floating tensors).

    >>> import autograd_core as ag
    >>> ema, cur = [ag.tensor([0.0])], [ag.tensor([10.0])]
    >>> get_ema_multi_avg_fn(0.9)(ema, cur, 1); ema[0]
    tensor([1.])
    """
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _num_averaged) -> None:
        with ag.no_grad():
            floating = ema_param_list[0].is_floating_point()
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                if floating:
                    p_ema.lerp_(p_model, 1 - decay)
                else:  # integer buffers (BatchNorm's num_batches_tracked): the formula, truncated by copy_
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable:
    """An in-place equal-weight average of lists of tensors, for ``AveragedModel(multi_avg_fn=...)``.

    ``avg = lerp(avg, current, 1 / (n + 1))`` where ``n`` models are already averaged.

    >>> import autograd_core as ag
    >>> avg, cur = [ag.tensor([2.0])], [ag.tensor([5.0])]
    >>> get_swa_multi_avg_fn()(avg, cur, 2); avg[0]
    tensor([3.])
    """

    def swa_update(averaged_param_list, current_param_list, num_averaged) -> None:
        with ag.no_grad():
            if not averaged_param_list[0].is_floating_point():
                # PyTorch's fallback for integer tensors fails too (integer addcdiv / float alpha).
                raise RuntimeError(
                    f"get_swa_multi_avg_fn: can't average {averaged_param_list[0].dtype} tensors in place "
                    "(integer division); use AveragedModel(..., avg_fn=get_swa_avg_fn()) or use_buffers=False"
                )
            weight = _lerp_weight(num_averaged)
            for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
                p_avg.lerp_(p_model, weight)

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    """The EMA of one tensor, for ``AveragedModel(avg_fn=...)``: returns ``decay * ema + (1 - decay) * current``.

    >>> import autograd_core as ag
    >>> get_ema_avg_fn(0.5)(ag.tensor([0.0]), ag.tensor([4.0]), 1)
    tensor([2.])
    """
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        with ag.no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable:
    """The equal-weight average of one tensor, for ``AveragedModel(avg_fn=...)``:
    returns ``avg + (current - avg) / (n + 1)``.

    >>> import autograd_core as ag
    >>> get_swa_avg_fn()(ag.tensor([2.0]), ag.tensor([5.0]), 2)
    tensor([3.])
    """

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged) -> Tensor:
        with ag.no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _group_by_device_and_dtype(averaged: list[Tensor], current: list[Tensor]) -> dict:
    """``{(device, dtype): ([averaged...], [current...])}`` in order of first appearance, as PyTorch groups
    the tensors it hands to a ``multi_avg_fn`` (so each call sees one dtype on one device)."""
    groups: dict = {}
    for a, c in zip(averaged, current):
        key = (a.device, a.dtype)
        groups.setdefault(key, ([], []))
        groups[key][0].append(a)
        groups[key][1].append(c)
    return groups


class AveragedModel(Module):
    """A copy of ``model`` (in ``.module``) whose parameters average ``model``'s over ``update_parameters`` calls.

    The first call copies the weights; each later call applies ``avg_fn(avg, current, n)`` (returns the new
    average of one tensor) or ``multi_avg_fn(avgs, currents, n)`` (updates lists in place), by default the
    equal-weight SWA average.  ``n_averaged`` (an int64 buffer) counts the calls.  With ``use_buffers=True``
    the buffers are averaged as well; otherwise they are copied from ``model`` on every call.  Calling the
    averaged model runs ``module``.  Its ``state_dict`` has PyTorch's keys: ``n_averaged``, ``module.<name>``.

    >>> import autograd_core as ag, nn
    >>> from optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
    >>> model = nn.Linear(2, 1)
    >>> ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    >>> list(ema.state_dict())
    ['n_averaged', 'module.weight', 'module.bias']
    """

    def __init__(
        self,
        model: Module,
        device=None,
        avg_fn: Callable | None = None,
        multi_avg_fn: Callable | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", ag.tensor(0, dtype=ag.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current weights (and buffers, with ``use_buffers``) into the average.

        >>> import autograd_core as ag, nn
        >>> model = nn.Linear(1, 1, bias=False)
        >>> swa = AveragedModel(model)
        >>> for w in [2.0, 4.0]:
        ...     with ag.no_grad():
        ...         _ = model.weight.fill_(w)
        ...     swa.update_parameters(model)
        >>> swa.module.weight
        Parameter containing:
        tensor([[3.]], requires_grad=True)
        """
        if self.use_buffers:
            own = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            theirs = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            own, theirs = list(self.parameters()), list(model.parameters())
        averaged, current = [], []
        for p_avg, p_model in zip(own, theirs):  # (not strict: PyTorch's zip stops at the shorter)
            averaged.append(p_avg.detach())
            current.append(p_model.detach().to(p_avg.device))
        # One scalar read per call, as PyTorch's ``bool(self.n_averaged == 0)``.
        with ag.no_grad():
            if int(self.n_averaged.item()) == 0:
                for a, c in zip(averaged, current):
                    a.copy_(c)
            else:
                self._average(averaged, current)
            if not self.use_buffers:
                # Buffers not averaged follow the source model, so the copy stays usable (BatchNorm stats).
                for b_avg, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                    b_avg.copy_(b_model.detach().to(b_avg.device))
            self.n_averaged.add_(1)

    def _average(self, averaged: list[Tensor], current: list[Tensor]) -> None:
        if self.avg_fn is not None and self.multi_avg_fn is None:
            for a, c in zip(averaged, current, strict=True):
                a.copy_(self.avg_fn(a, c, self.n_averaged.to(a.device)))
            return
        for (device, _), (avgs, curs) in _group_by_device_and_dtype(averaged, current).items():
            n = self.n_averaged.to(device)
            if self.multi_avg_fn is not None:
                self.multi_avg_fn(avgs, curs, n)
            elif device.type in _MULTI_TENSOR_DEVICES:
                get_swa_multi_avg_fn()(avgs, curs, n)
            else:
                swa = get_swa_avg_fn()
                for a, c in zip(avgs, curs, strict=True):
                    a.copy_(swa(a, c, n))


def update_bn(loader: Iterable[Any], model: Module, device=None) -> None:
    """Recompute every BatchNorm layer's running statistics with one pass of ``model`` over ``loader``.

    Averaged weights need their own statistics: the running stats are reset and re-estimated as the
    cumulative average over the batches (``momentum=None`` for the pass; the momenta are restored after).
    Each batch is a tensor, or a list/tuple whose first element is the input.  ``device`` moves each
    input there first.  The model's train/eval mode is restored afterwards.

    >>> import autograd_core as ag, nn
    >>> from optim.swa_utils import update_bn
    >>> model = nn.BatchNorm1d(1)
    >>> update_bn([ag.tensor([[1.0], [3.0]]), ag.tensor([[5.0], [7.0]])], model)
    >>> model.running_mean
    tensor([4.])
    """
    momenta = {}
    for module in model.modules():
        # InstanceNorm shares our BatchNorm base class but not PyTorch's, which leaves it alone.
        if isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with ag.no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate from its current value to ``swa_lr`` over ``anneal_epochs`` epochs
    (``"cos"`` or ``"linear"``), then hold it there.  For the averaging phase of SWA.

    PyTorch's chainable form: each step recovers the rate the annealing started from out of the group's
    current ``lr`` and the previous step's interpolation weight, so it composes with other schedulers
    that ran before it.

    >>> import autograd_core as ag, optim
    >>> opt = optim.SGD([ag.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.swa_utils.SWALR(opt, swa_lr=0.1, anneal_epochs=2, anneal_strategy="linear")
    >>> lrs = []
    >>> for _ in range(3):
    ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
    >>> lrs
    [0.55, 0.1, 0.1]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for value, group in zip(swa_lrs, optimizer.param_groups, strict=True):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha: float):
        """The rate annealing started from, given the current ``lr`` reached with interpolation weight ``alpha``."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self) -> list[float]:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                UserWarning,
                stacklevel=2,
            )
        step = self._step_count - 1  # 0 at construction (the scheduler's initial step)
        if self.anneal_epochs == 0:
            step = max(1, step)
        groups = self.optimizer.param_groups
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs, strict=True)]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer and the annealing function (restored from its name)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
