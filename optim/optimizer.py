"""``Optimizer``: the base class of every optimizer, with ``torch.optim.Optimizer``'s contract.

Parameters live in ``param_groups`` (a list of dicts: ``"params"`` plus that group's
options, defaults filled in from the constructor), per-parameter state in ``state``
(a dict keyed by the parameter tensor).  ``state_dict()`` has PyTorch's layout: state
keyed by the parameter's integer index in group order, and each group with
``"params"`` as a list of those indices, so a checkpoint resumes bit-identically and a
PyTorch optimizer state_dict converted to arrays (``{k: v.numpy()}``) loads too.

>>> import autograd_core as ag, optim
>>> w = ag.tensor([1.0, 2.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.5)
>>> (w * w).sum().backward()
>>> opt.step()
>>> w
tensor([0., 0.], requires_grad=True)
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable
from itertools import chain
from typing import Any

import autograd_core as ag
from autograd_core import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a constructor option that has no default and must be given per group."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

# Constructor flags PyTorch offers for its own kernels.  We have one code path, so ``foreach`` and
# ``fused`` (the same update in one kernel) are accepted and ignored; the others change semantics we
# don't offer, so they are refused.  All of them are kept in every param group, as PyTorch keeps them.
_UNSUPPORTED_FLAGS = ("capturable", "differentiable")


def _refuse_flags(opt_name: str, **flags) -> None:
    for name, value in flags.items():
        if value and name in _UNSUPPORTED_FLAGS:
            raise NotImplementedError(
                f"{opt_name}: {name}=True is not supported (tapegrad has a single update path); leave it unset"
            )
    if flags.get("fused") and flags.get("foreach"):
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def _scalar(value):
    """A Python number from a hyperparameter given as a number or a one-element tensor (``lr=ag.tensor(0.01)``).

    Call it where the value is used, after any arithmetic: PyTorch computes ``lr / bias_correction`` and
    the like in the tensor's dtype, and so do we.
    """
    return value.item() if isinstance(value, Tensor) else value


class Optimizer:
    """Base class: holds ``param_groups`` and ``state``; subclasses implement ``step``.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (param
            groups: ``{"params": [...], "lr": ...}``) whose options override ``defaults``.
        defaults: the default value of every option (``required`` for options without one).

    >>> import autograd_core as ag, optim
    >>> a, b = ag.zeros(2, requires_grad=True), ag.zeros(3, requires_grad=True)
    >>> opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.1}], lr=1.0)
    >>> [g["lr"] for g in opt.param_groups]
    [1.0, 0.1]
    """

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                "but got a Tensor; pass [tensor] or model.parameters()"
            )
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # -- groups -----------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with its own options) to optimize from now on.

        >>> import autograd_core as ag, optim
        >>> opt = optim.SGD([ag.zeros(1, requires_grad=True)], lr=0.1)
        >>> opt.add_param_group({"params": [ag.zeros(2, requires_grad=True)], "lr": 0.01})
        >>> len(opt.param_groups)
        2
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of tensors in "
                "sets will change between runs. Please use a list instead."
            )
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        tensors = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(tensors):
            raise ValueError("all optimizer params should be with/without names. Some param names are missing")
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        param_group["params"] = tensors
        if names:
            param_group["param_names"] = names

        for key, default in self.defaults.items():
            if default is required and key not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {key}")
            param_group.setdefault(key, default)
        _refuse_flags(name, **{k: param_group[k] for k in _UNSUPPORTED_FLAGS if k in param_group})

        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- gradients and steps ----------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad``: to ``None`` (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad = p.grad.detach()
                    else:
                        p.grad.requires_grad_(False)
                    with ag.no_grad():
                        p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None):
        """One update of every parameter that has a ``.grad``; returns ``closure()``'s loss if given.

        Each optimizer here writes its rule for one param group as ``_update_group(group)``; this
        runs it for every group under ``no_grad``.  A subclass of your own may override ``step``
        instead, as with PyTorch's ``Optimizer``.
        """
        loss = self._eval_closure(closure)
        with ag.no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(
            f"{type(self).__name__} does not implement step(): override step(closure=None), "
            "or _update_group(group) to update one param group"
        )

    @staticmethod
    def _eval_closure(closure):
        if closure is None:
            return None
        with ag.enable_grad():
            return closure()

    def _params_with_grad(self, group: dict[str, Any]) -> list[Tensor]:
        """The group's parameters that have a gradient (the others are skipped, as PyTorch does)."""
        out = []
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.grad._data.shape != p._data.shape:  # (the arrays' shapes: no Size per parameter)
                raise RuntimeError(
                    f"{type(self).__name__}.step: a parameter of shape {tuple(p.shape)} has a .grad of shape "
                    f"{tuple(p.grad.shape)}; gradients must have their parameter's shape"
                )
            out.append(p)
        return out

    @staticmethod
    def _new_step() -> Tensor:
        # PyTorch keeps the step count as a float32 scalar tensor on the host; we do the same so
        # state_dicts have the same structure and values in both directions.
        return ag.tensor(0.0, dtype=ag.float32)

    # -- checkpoints ------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state with PyTorch's layout.

        ``{"state": {index: {name: value}}, "param_groups": [{..options, "params": [index, ...]}]}``
        where ``index`` counts parameters across groups in order.  Unlike PyTorch, the
        tensors are copies: later steps don't change a state_dict already taken.

        >>> import autograd_core as ag, optim
        >>> w = ag.ones(2, requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
        >>> w.grad = ag.ones(2); opt.step()
        >>> sd = opt.state_dict()
        >>> list(sd["state"]), sd["param_groups"][0]["params"]
        ([0], [0])
        """
        index: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: _snapshot(v) for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            key = index[id(p)] if isinstance(p, Tensor) else p
            state[key] = _snapshot(s)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state saved by ``state_dict()`` (or a PyTorch one converted to arrays).

        Everything is checked before anything changes.  State tensors are copied onto their
        parameter's device and (for floating-point parameters) dtype; the host scalars ``step`` and
        ``mu_product`` keep theirs, so a checkpoint resumes bit-identically.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: expected a dict with keys 'state' and 'param_groups'")
        groups = self.param_groups
        saved_groups = [_snapshot(g) for g in state_dict["param_groups"]]
        if len(groups) != len(saved_groups):
            raise ValueError(
                f"loaded state dict has a different number of parameter groups ({len(saved_groups)} saved, "
                f"{len(groups)} in this optimizer)"
            )
        for i, (g, s) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group that doesn't match the size of optimizer's group "
                    f"(group {i}: {len(s['params'])} saved, {len(g['params'])} here)"
                )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )
        new_state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            k = int(key) if isinstance(key, str) and key.isdigit() else key  # keys become strings in JSON formats
            if k in id_map:
                param = id_map[k]
                new_state[param] = {n: _cast_state(name, param, n, v) for n, v in value.items()}
            else:
                new_state[k] = _snapshot(value)
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            for key, default in self.defaults.items():  # options newer than the checkpoint (PyTorch's __setstate__)
                if default is not required:
                    s.setdefault(key, default)
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
        self.state = new_state
        self.param_groups = saved_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


# Scalar state kept in float32 on the host, as PyTorch keeps it.  PyTorch's load_state_dict exempts only
# "step" from casting and turns NAdam's float32 "mu_product" into the params' dtype, so a PyTorch NAdam
# resumes on a slightly different path than it would have run; keeping its dtype makes the resume exact.
# ASGD's float32 "eta" and "mu" likewise (PyTorch's load casts them too).
_HOST_SCALARS = ("step", "mu_product", "eta", "mu")


def _cast_state(opt_name: str, param: Tensor, key: str, value):
    """A copy of one saved state value, on ``param``'s device (and dtype, except for ``step``)."""
    if isinstance(value, Tensor) or hasattr(value, "__array__"):
        t = value if isinstance(value, Tensor) else ag.tensor(value)
        if key in _HOST_SCALARS:
            return t.detach().clone()
        if t.ndim and tuple(t.shape) != tuple(param.shape):
            raise ValueError(
                f"{opt_name}.load_state_dict: state '{key}' has shape {tuple(t.shape)} but its parameter has shape "
                f"{tuple(param.shape)}; the state_dict belongs to a different model"
            )
        dtype = param.dtype if param.is_floating_point() else t.dtype
        return t.detach().to(device=param.device, dtype=dtype, copy=True)
    if isinstance(value, dict):
        return {k: _cast_state(opt_name, param, k, v) for k, v in value.items()}
    return _snapshot(value)


def _snapshot(value):
    """A copy that shares no tensor with ``value`` (tensors are cloned; containers rebuilt)."""
    if isinstance(value, Tensor):
        return value.detach().clone()
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(_snapshot(v) for v in value)
    return copy.deepcopy(value)


def _check_nonneg(opt_name: str, **values) -> None:
    """PyTorch's constructor checks: ``ValueError("Invalid learning rate: -1")`` and friends."""
    labels = {"lr": "learning rate", "eps": "epsilon value"}
    for key, v in values.items():
        if isinstance(v, Tensor) and v.numel() != 1:
            raise ValueError(f"Tensor {key} must be 1-element")
        if not 0.0 <= v:
            raise ValueError(f"Invalid {labels.get(key, key + ' value')}: {v}")


def _check_betas(betas) -> tuple[float, float]:
    for i in range(2):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
    return (float(betas[0]), float(betas[1]))
