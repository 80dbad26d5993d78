"""``nn.utils.prune``: zero out parts of a parameter through a mask, as ``torch.nn.utils.prune`` does.

Pruning ``module.weight`` replaces the parameter by two tensors: the parameter
``weight_orig`` (the same Parameter object, still trained) and the buffer
``weight_mask`` (ones and zeros), and registers a forward pre-hook that sets the
plain attribute ``module.weight = weight_mask * weight_orig`` before every call.
Gradients therefore reach ``weight_orig`` only where the mask is 1.  Pruning the
same tensor again composes the masks (a ``PruningContainer`` applies the new rule
to what is still unpruned); ``remove`` makes the pruning permanent by turning
``weight`` back into an ordinary parameter holding the pruned values.  The names,
the state_dict layout (``weight_orig``, ``weight_mask``), the amount rules and the
choice of pruned entries are PyTorch's, so a pruned PyTorch model's state_dict loads.

>>> import autograd_core as ag, nn
>>> from nn.utils import prune
>>> lin = nn.Linear(2, 2)
>>> lin.weight.data = ag.tensor([[0.1, -2.0], [3.0, -0.4]])
>>> prune.l1_unstructured(lin, "weight", amount=0.5)
Linear(in_features=2, out_features=2, bias=True)
>>> lin.weight_mask
tensor([[0., 1.],
        [1., 0.]])
>>> list(lin.state_dict())
['bias', 'weight_orig', 'weight_mask']
>>> prune.remove(lin, "weight").weight.tolist()
[[0.0, -2.0], [3.0, -0.0]]
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

import autograd_core as ag
from autograd_core import Tensor, no_grad
from nn.module import Module

__all__ = [
    "BasePruningMethod",
    "PruningContainer",
    "Identity",
    "RandomUnstructured",
    "L1Unstructured",
    "RandomStructured",
    "LnStructured",
    "CustomFromMask",
    "identity",
    "random_unstructured",
    "l1_unstructured",
    "random_structured",
    "ln_structured",
    "global_unstructured",
    "custom_from_mask",
    "remove",
    "is_pruned",
]


class BasePruningMethod(ABC):
    """A pruning rule: ``compute_mask`` says what to keep; the rest (reparametrising the module,
    the forward pre-hook, removal) is shared.

    Subclasses set ``PRUNING_TYPE`` to ``"unstructured"`` (single entries), ``"structured"``
    (whole channels along ``self.dim``) or ``"global"`` (the mask is given whole); it tells
    ``PruningContainer`` which part of an already pruned tensor a new rule may act on.
    """

    PRUNING_TYPE: str
    # Set by ``apply``: the name of the tensor this method prunes.
    _tensor_name: str | None = None

    def __call__(self, module: Module, inputs) -> None:
        """The forward pre-hook: recompute ``module.<name>`` from ``<name>_orig`` and ``<name>_mask``."""
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The mask (same shape as ``t``) to apply on top of ``default_mask``, the mask of earlier pruning."""

    def apply_mask(self, module: Module) -> Tensor:
        """``<name>_mask * <name>_orig``: the pruned tensor, differentiable with respect to ``_orig``."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned")  # _tensor_name is set by apply()
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module: Module, name: str, *args, importance_scores: Tensor | None = None,
              **kwargs) -> BasePruningMethod:
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)``; returns the method now in charge of it
        (a ``PruningContainer`` if the tensor was pruned before).

        ``importance_scores`` (same shape as the tensor) rank the entries instead of the tensor itself.
        If computing the mask fails, the module is left as it was (PyTorch would have dropped an
        earlier pruning hook by then).
        """
        if not isinstance(module, Module):
            raise TypeError(f"prune: module must be an nn.Module, got {type(module).__name__}")
        old_key, old_method = _pruning_hook(module, name)
        new = cls(*args, **kwargs)
        new._tensor_name = name
        if old_method is None:
            method = new
        elif isinstance(old_method, PruningContainer):
            method = PruningContainer(*old_method, new)
        else:
            method = PruningContainer(old_method, new)

        if not hasattr(module, name):
            raise AttributeError(
                f"prune: {type(module).__name__} has no parameter named {name!r} "
                f"(its parameters: {', '.join(module._parameters) or 'none'})"
            )
        orig = getattr(module, name)
        if old_method is None and not isinstance(module._parameters.get(name), Tensor):
            raise TypeError(
                f"prune: {type(module).__name__}.{name} is {type(orig).__name__}, not a parameter: only "
                "parameters can be pruned"
            )
        if importance_scores is not None:
            if tuple(importance_scores.shape) != tuple(orig.shape):
                raise AssertionError(
                    f"importance_scores should have the same shape as parameter {name} of {module}, "
                    f"got {tuple(importance_scores.shape)} vs {tuple(orig.shape)}"
                )
        else:
            importance_scores = orig

        # The mask first: if it cannot be made (a bad amount, say), the module is left untouched.
        if old_method is None:
            default_mask = ag.ones_like(orig)
        else:
            default_mask = getattr(module, name + "_mask").detach().clone()
        mask = method.compute_mask(importance_scores, default_mask=default_mask)
        if old_method is None:
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
        module.register_buffer(name + "_mask", mask)
        setattr(module, name, method.apply_mask(module))
        if old_key is not None:
            del module._forward_pre_hooks[old_key]
        module.register_forward_pre_hook(method)
        return method

    def prune(self, t: Tensor, default_mask: Tensor | None = None,
              importance_scores: Tensor | None = None) -> Tensor:
        """``t`` times this method's mask for it (ranked by ``importance_scores`` if given).

        >>> import autograd_core as ag
        >>> from nn.utils import prune
        >>> prune.L1Unstructured(amount=1).prune(ag.tensor([3.0, -1.0, 2.0]))
        tensor([3., -0., 2.])
        """
        if importance_scores is not None:
            if tuple(importance_scores.shape) != tuple(t.shape):
                raise AssertionError(
                    f"importance_scores should have the same shape as tensor t, "
                    f"got {tuple(importance_scores.shape)} vs {tuple(t.shape)}"
                )
        else:
            importance_scores = t
        default_mask = default_mask if default_mask is not None else ag.ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: ``<name>`` becomes a parameter again, holding the pruned values.

        It is the ``<name>_orig`` Parameter object (so an optimizer holding it keeps working),
        now with the masked values; ``<name>_orig`` and ``<name>_mask`` are gone.
        """
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be removed")
        name = self._tensor_name
        weight = self.apply_mask(module)
        module.__dict__.pop(name, None)
        orig = module._parameters.pop(name + "_orig")
        with no_grad():
            orig.copy_(weight)
        del module._buffers[name + "_mask"]
        setattr(module, name, orig)


class PruningContainer(BasePruningMethod):
    """The pruning methods applied, in order, to one tensor (what iterative pruning installs).

    Its ``compute_mask`` runs the newest method on the part of the tensor still unpruned by
    the previous mask: the unpruned entries (unstructured methods), the unpruned channels
    (structured ones) or everything (``"global"``), so ``amount`` counts what is left.

    >>> from nn.utils import prune
    >>> c = prune.PruningContainer(prune.Identity(), prune.L1Unstructured(0.5))
    >>> len(c), type(c[-1]).__name__
    (2, 'L1Unstructured')
    """

    def __init__(self, *methods: BasePruningMethod) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        if methods:
            # (PyTorch takes the name from a lone method only; several share the first one's.)
            self._tensor_name = methods[0]._tensor_name
        for method in methods:
            self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        """Append ``method``, which must prune the same tensor as the others."""
        if method is not None and not isinstance(method, BasePruningMethod):
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name is None and not self._pruning_methods:
            self._tensor_name = method._tensor_name  # an empty container takes its first method's tensor
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(
                f"Can only add pruning methods acting on the parameter named '{self._tensor_name}' to "
                f"PruningContainer {self}. Found '{method._tensor_name}'"
            )
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """``default_mask`` with the newest method's mask written over the part it may prune."""
        method = self._pruning_methods[-1]
        new_mask = default_mask.to(dtype=t.dtype).clone()
        slc = _prunable_part(method, t, default_mask)
        partial = method.compute_mask(t[slc], default_mask=default_mask[slc])
        new_mask[slc] = partial.to(dtype=new_mask.dtype)
        return new_mask


def _prunable_part(method: BasePruningMethod, t: Tensor, mask: Tensor):
    """The index selecting what ``method`` may still prune, given the earlier ``mask``."""
    kind = getattr(method, "PRUNING_TYPE", None)
    if kind == "unstructured":
        return mask == 1
    if kind == "structured":
        if not hasattr(method, "dim"):
            raise AttributeError('Pruning methods of PRUNING_TYPE "structured" need to have the attribute `dim` defined.')
        _validate_structured_pruning(t)
        _validate_pruning_dim(t, method.dim)
        dim = method.dim % t.dim()
        # A channel is still there if any of its entries is.
        keep_channel = mask.sum(dim=[d for d in range(t.dim()) if d != dim]) != 0
        slc = [slice(None)] * t.dim()
        slc[dim] = keep_channel
        return tuple(slc)
    if kind == "global":
        return (slice(None),) * t.dim()
    raise ValueError(f"Unrecognized PRUNING_TYPE {kind}")


class Identity(BasePruningMethod):
    """Prunes nothing: installs the ``_orig``/``_mask`` reparametrisation with a mask of ones."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str) -> Identity:  # type: ignore[override]
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prunes ``amount`` entries (an int, or a fraction in [0, 1]) chosen at random.

    The entries are those with the largest of ``rand_like(t)``: autograd_core's generator,
    so ``ag.manual_seed`` makes it repeatable.
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return _unstructured_mask(self.amount, t, default_mask, lambda: ag.rand_like(t), largest=True)

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name, amount=amount)


def _unstructured_mask(amount, t: Tensor, default_mask: Tensor, scores, largest: bool) -> Tensor:
    """``default_mask`` with zeros at the ``amount`` entries of ``t`` whose ``scores()`` are the
    largest (random pruning) or smallest (L1); ``scores`` is drawn only when something is pruned."""
    tensor_size = t.nelement()
    nparams_toprune = _compute_nparams_toprune(amount, tensor_size)
    _validate_pruning_amount(nparams_toprune, tensor_size)
    mask = default_mask.clone()
    if nparams_toprune != 0:
        chosen = ag.topk(scores().reshape(-1), k=nparams_toprune, largest=largest)
        mask = _zero_entries(mask, chosen.indices)
    return mask


class L1Unstructured(BasePruningMethod):
    """Prunes the ``amount`` entries of smallest absolute value (``topk(|t|, largest=False)``,
    PyTorch's rule, ties included)."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return _unstructured_mask(self.amount, t, default_mask, lambda: ag.abs(t), largest=False)

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float,  # type: ignore[override]
              importance_scores: Tensor | None = None) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


def _structured_mask(amount, dim: int, t: Tensor, default_mask: Tensor, keep) -> Tensor:
    """``default_mask`` times the mask of the channels along ``dim`` that ``keep(nchannels, k)``
    selects (a boolean per channel or the kept indices) when ``k`` of them are to be pruned."""
    _validate_structured_pruning(t)
    _validate_pruning_dim(t, dim)
    nchannels = t.shape[dim]
    nparams_toprune = _compute_nparams_toprune(amount, nchannels)
    _validate_pruning_amount(nparams_toprune, nchannels)
    if nparams_toprune == 0:
        return default_mask
    mask = _channel_mask(t, dim, keep(nchannels, nparams_toprune))
    return mask * default_mask.to(dtype=mask.dtype)


class RandomStructured(BasePruningMethod):
    """Prunes ``amount`` whole channels along ``dim``, chosen at random (autograd_core's generator)."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, dim: int = -1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        def keep(nchannels: int, k: int):
            prob = ag.rand(nchannels, device=t.device)
            # The channels above the k-th smallest draw survive: exactly ``nchannels - k`` of them.
            return prob > ag.kthvalue(prob, k=k).values

        return _structured_mask(self.amount, self.dim, t, default_mask, keep)

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float,  # type: ignore[override]
              dim: int = -1) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes the ``amount`` channels along ``dim`` of smallest L\\ ``n`` norm (``n`` as ``p`` of
    ``ag.norm``: a number, ``inf``, ``-inf``, ``'fro'`` or ``'nuc'``), the norm taken over every
    other dim; the channels kept are ``topk(norms, k=kept)``, PyTorch's rule."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, n, dim: int = -1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        def keep(nchannels: int, k: int):
            return ag.topk(_compute_norm(t, self.n, self.dim), k=nchannels - k, largest=True).indices

        return _structured_mask(self.amount, self.dim, t, default_mask, keep)

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float, n, dim: int,  # type: ignore[override]
              importance_scores: Tensor | None = None) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes where the given ``mask`` (any dtype: nonzero keeps) is 0."""

    PRUNING_TYPE = "global"

    def __init__(self, mask: Tensor) -> None:
        self.mask = mask

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        if tuple(default_mask.shape) != tuple(self.mask.shape):
            raise AssertionError(
                f"default_mask shape {tuple(default_mask.shape)} must match self.mask shape {tuple(self.mask.shape)}"
            )
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module: Module, name: str, mask: Tensor) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name, mask=mask)


# ---------------------------------------------------------------------------- the functional forms
def identity(module: Module, name: str) -> Module:
    """Reparametrise ``module.<name>`` as ``<name>_orig * <name>_mask`` with a mask of ones; returns ``module``.

    >>> import nn
    >>> from nn.utils import prune
    >>> m = prune.identity(nn.Linear(2, 3), "bias")
    >>> m.bias_mask
    tensor([1., 1., 1.])
    """
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: int | float) -> Module:
    """Prune ``amount`` random entries of ``module.<name>``; returns ``module``.

    >>> import nn
    >>> from nn.utils import prune
    >>> m = prune.random_unstructured(nn.Linear(4, 5), "weight", amount=0.25)
    >>> int((m.weight_mask == 0).sum())
    5
    """
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: Module, name: str, amount: int | float,
                    importance_scores: Tensor | None = None) -> Module:
    """Prune the ``amount`` entries of ``module.<name>`` of smallest magnitude (or smallest
    ``importance_scores``); an int counts entries, a float in [0, 1] is a fraction; returns ``module``.

    >>> import autograd_core as ag, nn
    >>> from nn.utils import prune
    >>> m = nn.Linear(3, 1)
    >>> m.weight.data = ag.tensor([[0.5, -0.1, 2.0]])
    >>> prune.l1_unstructured(m, "weight", amount=1).weight.tolist()
    [[0.5, -0.0, 2.0]]
    """
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: int | float, dim: int) -> Module:
    """Prune ``amount`` random channels of ``module.<name>`` along ``dim``; returns ``module``.

    >>> import nn
    >>> from nn.utils import prune
    >>> m = prune.random_structured(nn.Linear(4, 6), "weight", amount=2, dim=0)
    >>> int((m.weight_mask.sum(dim=1) == 0).sum())
    2
    """
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module: Module, name: str, amount: int | float, n, dim: int,
                  importance_scores: Tensor | None = None) -> Module:
    """Prune the ``amount`` channels of ``module.<name>`` along ``dim`` with the smallest L\\ ``n``
    norm; returns ``module``.

    >>> import autograd_core as ag, nn
    >>> from nn.utils import prune
    >>> m = nn.Linear(2, 3)
    >>> m.weight.data = ag.tensor([[1.0, 1.0], [0.1, 0.2], [3.0, 0.0]])
    >>> prune.ln_structured(m, "weight", amount=1, n=2, dim=0).weight_mask
    tensor([[1., 1.],
            [0., 0.],
            [1., 1.]])
    """
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters, pruning_method: type[BasePruningMethod],
                        importance_scores: dict | None = None, **kwargs) -> None:
    """Prune several tensors together: ``pruning_method(**kwargs)`` (an unstructured method such as
    ``L1Unstructured``, with its ``amount``) ranks all entries of all ``(module, name)`` pairs at
    once, so a layer of small weights may lose more than another.

    >>> import autograd_core as ag, nn
    >>> from nn.utils import prune
    >>> a, b = nn.Linear(2, 1), nn.Linear(2, 1)
    >>> a.weight.data, b.weight.data = ag.tensor([[0.1, 0.2]]), ag.tensor([[3.0, 0.3]])
    >>> prune.global_unstructured([(a, "weight"), (b, "weight")], prune.L1Unstructured, amount=2)
    >>> a.weight_mask, b.weight_mask
    (tensor([[0., 0.]]), tensor([[1., 1.]]))
    """
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)  # read twice below: a generator would be empty the second time
    for entry in parameters:
        if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], Module)
                and isinstance(entry[1], str)):
            raise TypeError(f"global_unstructured(): parameters must be (module, name) pairs, got {entry!r}")
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    if not parameters:
        return

    def flat(tensors: list) -> Tensor:
        return ag.cat([t.reshape(-1) for t in tensors])

    scores = flat([importance_scores.get((module, name), getattr(module, name)) for module, name in parameters])
    default_mask = flat([_mask_or_ones(module, name) for module, name in parameters])

    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
            f"Found method {pruning_method} of type {method.PRUNING_TYPE}"
        )
    container = PruningContainer(method)
    final_mask = container.compute_mask(scores, default_mask)

    pointer = 0
    for module, name in parameters:
        param = getattr(module, name)
        n = param.numel()
        custom_from_mask(module, name, mask=final_mask[pointer : pointer + n].reshape(param.shape))
        pointer += n


def custom_from_mask(module: Module, name: str, mask: Tensor) -> Module:
    """Prune ``module.<name>`` where ``mask`` is 0; returns ``module``.

    >>> import autograd_core as ag, nn
    >>> from nn.utils import prune
    >>> m = prune.custom_from_mask(nn.Linear(5, 3), name="bias", mask=ag.tensor([0, 1, 0]))
    >>> m.bias_mask
    tensor([0., 1., 0.])
    """
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``module.<name>`` permanent (the zeros stay); returns ``module``.

    >>> import nn
    >>> from nn.utils import prune
    >>> m = prune.remove(prune.random_unstructured(nn.Linear(5, 7), "weight", amount=0.2), "weight")
    >>> sorted(dict(m.named_parameters())), prune.is_pruned(m)
    (['bias', 'weight'], False)
    """
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")


def is_pruned(module: Module) -> bool:
    """Whether ``module`` or any submodule carries a pruning hook.

    >>> import nn
    >>> from nn.utils import prune
    >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    >>> prune.is_pruned(net), prune.is_pruned(prune.identity(net[0], "weight")), prune.is_pruned(net)
    (False, True, True)
    """
    for _, submodule in module.named_modules():
        for hook in submodule._forward_pre_hooks.values():
            if isinstance(hook, BasePruningMethod):
                return True
    return False


# ---------------------------------------------------------------------------- helpers
def _pruning_hook(module: Module, name: str):
    """(key, method) of the pruning hook on ``module.<name>``, or (None, None)."""
    found = [(k, hook) for k, hook in module._forward_pre_hooks.items()
             if isinstance(hook, BasePruningMethod) and hook._tensor_name == name]
    if len(found) > 1:
        raise AssertionError(
            f"Avoid adding multiple pruning hooks to the same tensor {name} of module {module}. "
            "Use a PruningContainer."
        )
    return found[0] if found else (None, None)


def _mask_or_ones(module: Module, name: str) -> Tensor:
    """The current mask of ``module.<name>`` (ones if it is not pruned yet)."""
    mask = getattr(module, name + "_mask", None)
    return mask if mask is not None else ag.ones_like(getattr(module, name))


def _zero_entries(mask: Tensor, flat_indices: Tensor) -> Tensor:
    """``mask`` with the entries at ``flat_indices`` (indices into ``mask.reshape(-1)``) set to 0."""
    flat = mask.reshape(-1)
    flat[flat_indices] = 0
    return flat.reshape(mask.shape)


def _channel_mask(t: Tensor, dim: int, channels: Tensor) -> Tensor:
    """Zeros shaped like ``t``, with ones in the ``channels`` (a bool mask or indices) along ``dim``."""
    mask = ag.zeros_like(t)
    slc = [slice(None)] * t.dim()
    slc[dim] = channels
    mask[tuple(slc)] = 1
    return mask


def _validate_pruning_amount_init(amount) -> None:
    """An int ≥ 0 or a float in [0, 1] (checked when the method is made; the tensor is not known yet)."""
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
        not isinstance(amount, numbers.Integral) and (float(amount) > 1.0 or float(amount) < 0.0)
    ):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")


def _validate_pruning_amount(amount: int, tensor_size: int) -> None:
    """An absolute amount may not exceed what there is to prune."""
    if isinstance(amount, numbers.Integral) and amount > tensor_size:
        raise ValueError(f"amount={amount} should be smaller than the number of parameters to prune={tensor_size}")


def _validate_structured_pruning(t: Tensor) -> None:
    """Channels need at least two dims."""
    if t.dim() <= 1:
        raise ValueError(
            "Structured pruning can only be applied to multidimensional tensors. "
            f"Found tensor of shape {t.shape} with {t.dim()} dims"
        )


def _validate_pruning_dim(t: Tensor, dim: int) -> None:
    if not -t.dim() <= dim < t.dim():
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")


def _compute_nparams_toprune(amount, tensor_size: int) -> int:
    """An int amount as is; a fraction rounded as Python's ``round`` does (half to even), as in PyTorch."""
    if isinstance(amount, numbers.Integral):
        return int(amount)
    return round(amount * tensor_size)


def _compute_norm(t: Tensor, n, dim: int) -> Tensor:
    """The L\\ ``n`` norm of each channel along ``dim``, taken over all the other dims."""
    dims = [d for d in range(t.dim()) if d != dim % t.dim()]
    if n == "nuc":  # a matrix norm: defined when exactly two dims remain (3-D tensors)
        return ag.linalg.matrix_norm(t, "nuc", dim=tuple(dims))
    return ag.norm(t, p=n, dim=dims)
