"""``nn.utils.parametrize``: make a module's parameter the output of a function of other tensors.

After ``register_parametrization(module, "weight", P())``, reading ``module.weight``
computes ``P()(original)`` on every access, so gradients flow through ``P`` into
the stored tensor, which now lives at ``module.parametrizations.weight.original``
(or ``original0``, ``original1`` ... when ``P.right_inverse`` returns several
tensors).  Assigning ``module.weight = X`` stores ``P.right_inverse(X)``.  This is
PyTorch's design, names and state_dict layout, so PyTorch checkpoints of
parametrized models load.

How it works, as in PyTorch: the module's class is swapped for a one-off subclass
(``ParametrizedLinear``) that carries a ``weight`` property; removing the last
parametrization swaps the class back.

>>> import autograd_core as ag, nn
>>> import nn.utils.parametrize as P
>>> class Symmetric(nn.Module):
...     def forward(self, X):
...         return X.triu() + X.triu(1).transpose(-1, -2)
>>> layer = P.register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
>>> w = layer.weight
>>> bool((w == w.T).all()), type(layer).__name__
(True, 'ParametrizedLinear')
>>> list(layer.state_dict())
['bias', 'parametrizations.weight.original']
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager

from autograd_core import Tensor, no_grad
from nn.containers import ModuleDict, ModuleList
from nn.module import Module
from nn.parameter import Parameter

__all__ = [
    "cached",
    "ParametrizationList",
    "register_parametrization",
    "is_parametrized",
    "remove_parametrizations",
    "type_before_parametrizations",
    "transfer_parametrizations_and_params",
]

_cache_enabled = 0
_cache: dict = {}


@contextmanager
def cached():
    """Inside this context each parametrized tensor is computed once, on first access, and reused.

    Useful when a parametrized weight is read many times in one forward (an RNN's
    recurrent kernel); the cache is dropped when the outermost ``cached()`` exits.

    >>> import autograd_core as ag, nn
    >>> import nn.utils.parametrize as P
    >>> layer = nn.utils.parametrizations.weight_norm(nn.Linear(2, 2))
    >>> with P.cached():
    ...     layer.weight is layer.weight
    True
    """
    global _cache, _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module: Module, name: str, value: Tensor) -> None:
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _set_storage(dest: Tensor, src: Tensor) -> None:
    """PyTorch's ``dest.set_(src)``: ``dest`` keeps its identity (optimizers holding it still see it)
    but takes ``src``'s data, shape included."""
    if src is dest:
        return
    dest._data, dest._dev = src._data, src._dev
    dest._bump_version()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, in order, and the tensor(s) they start from.

    It is ``module.parametrizations[name]``; ``original`` (or ``original0``, ``original1`` ...)
    holds what the first parametrization's ``right_inverse`` made of the tensor.  Built by
    ``register_parametrization``, not by users.
    """

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = tuple(original.shape), original.dtype
        with no_grad():
            new = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:  # a parametrization may decline; then it starts from the tensor
                        pass
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError(
                "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                f"Got {type(new).__name__}"
            )
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if original.dtype != new.dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    f"original.dtype: {original.dtype}\nright_inverse(original).dtype: {new.dtype}"
                )
            if str(original.device) != str(new.device):
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the device.\n"
                    f"original.device: {original.device}\nright_inverse(original).device: {new.device}"
                )
            with no_grad():
                _set_storage(original, new)  # keeps ``original`` itself, so an optimizer's reference stays valid
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, original_i in enumerate(new):
                if not isinstance(original_i, Tensor):
                    raise ValueError(
                        "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                        f"Got element {i} of the sequence with type {type(original_i).__name__}."
                    )
                if isinstance(original, Parameter):
                    original_i = Parameter(original_i.detach(), original.requires_grad)
                else:
                    original_i = original_i.detach().requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", original_i)
        if not self.unsafe:
            Z = self()
            if not isinstance(Z, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(Z).__name__}.")
            if Z.dtype != original_dtype:
                raise ValueError(
                    "Registering a parametrization may not change the dtype of the tensor, unless `unsafe` flag "
                    f"is enabled.\nunparametrized dtype: {original_dtype}\nparametrized dtype: {Z.dtype}"
                )
            if tuple(Z.shape) != original_shape:
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, unless `unsafe` flag "
                    f"is enabled.\nunparametrized shape: {original_shape}\nparametrized shape: {tuple(Z.shape)}"
                )

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` by running the parametrizations' ``right_inverse`` from last to first."""
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(
                        f"The tensor returned by `right_inverse` has dtype {value.dtype} while `original` has dtype "
                        f"{self.original.dtype}"
                    )
                _set_storage(self.original, value)
                return
            if not isinstance(value, Sequence):
                raise ValueError(f"'right_inverse' must return a sequence of tensors. Got {type(value).__name__}.")
            if len(value) != self.ntensors:
                raise ValueError(
                    f"'right_inverse' must return a sequence of tensors of length {self.ntensors}. Got a sequence "
                    f"of length {len(value)}."
                )
            for i, tensor in enumerate(value):
                original_i = getattr(self, f"original{i}")
                if not isinstance(tensor, Tensor):
                    raise ValueError(
                        f"'right_inverse' must return a sequence of tensors. Got element {i} of type "
                        f"{type(tensor).__name__}."
                    )
                if original_i.dtype != tensor.dtype:
                    raise ValueError(
                        f"Tensor {i} returned by `right_inverse` has dtype {tensor.dtype} while `original{i}` has "
                        f"dtype {original_i.dtype}"
                    )
                _set_storage(original_i, tensor)

    def __repr__(self) -> str:
        return type(self).__name__ + super().__repr__()[len("ModuleList"):]

    def forward(self) -> Tensor:
        steps = list(self)
        if self.is_tensor:
            x = steps[0](self.original)
        else:
            x = steps[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for step in steps[1:]:
            x = step(x)
        return x


def _inject_new_class(module: Module) -> None:
    """Give ``module`` a class of its own (a subclass of its class), on which a property can be set
    without affecting other instances."""
    cls = module.__class__
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), {})


def _inject_property(module: Module, tensor_name: str) -> None:
    if hasattr(module, tensor_name):
        raise AssertionError(f"Module already has an attribute named '{tensor_name}'")

    def get_parametrized(self) -> Tensor:
        parametrization = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), tensor_name)
        tensor = _cache.get(key)
        if tensor is None:
            tensor = _cache[key] = parametrization()
        return tensor

    def set_original(self, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def _check_like(what: str, tensor_name: str, got, ref: Tensor) -> None:
    if not isinstance(got, Tensor):
        raise ValueError(f"{what} must return a tensor. Got {type(got).__name__}.")
    if got.dtype != ref.dtype:
        raise ValueError(
            f"{what} may not change the dtype of module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
            f"module.{tensor_name}.dtype: {ref.dtype}\nreturned dtype: {got.dtype}"
        )
    if tuple(got.shape) != tuple(ref.shape):
        raise ValueError(
            f"{what} may not change the shape of module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
            f"module.{tensor_name}.shape: {tuple(ref.shape)}\nreturned shape: {tuple(got.shape)}"
        )


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` read as ``parametrization(original)``; returns ``module``.

    ``tensor_name`` names a parameter or buffer of ``module`` (or an already parametrized
    one: the new parametrization then runs after the others).  If ``parametrization``
    has ``right_inverse(X)``, the stored original is ``right_inverse(current value)``, so
    the module's value is unchanged when ``forward(right_inverse(X)) == X``; a tuple from
    ``right_inverse`` is stored as ``original0``, ``original1`` ...  Unless ``unsafe``, the
    parametrization may not change the tensor's shape or dtype (checked here).

    >>> import autograd_core as ag, nn
    >>> import nn.utils.parametrize as P
    >>> class Doubled(nn.Module):
    ...     def forward(self, X):
    ...         return X * 2
    ...     def right_inverse(self, Y):
    ...         return Y / 2
    >>> m = P.register_parametrization(nn.Linear(2, 1), "bias", Doubled())
    >>> m.bias = ag.tensor([3.0])
    >>> m.bias.item(), m.parametrizations.bias.original.item()
    (3.0, 1.5)
    """
    if not isinstance(module, Module):
        raise TypeError(f"register_parametrization: module must be an nn.Module, got {type(module).__name__}")
    if not isinstance(parametrization, Module):
        raise TypeError(
            f"register_parametrization: parametrization must be an nn.Module, got {type(parametrization).__name__}"
        )
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            Y = getattr(module, tensor_name)
            _check_like("A parametrization", tensor_name, parametrization(Y), Y)
            if hasattr(parametrization, "right_inverse"):
                try:
                    Z = parametrization.right_inverse(Y)
                except NotImplementedError:
                    Z = Y
                _check_like("parametrization.right_inverse", tensor_name, Z, Y)
        module.parametrizations[tensor_name].append(parametrization)
        module.parametrizations[tensor_name].unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        if original is None:
            raise ValueError(f"register_parametrization: module.{tensor_name} is None: there is nothing to parametrize")
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise ValueError(
            f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with name "
            f"'{tensor_name}'"
        )
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has any parametrization (or one on ``tensor_name``).

    >>> import nn
    >>> nn.utils.parametrize.is_parametrized(nn.Linear(2, 2))
    False
    """
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Undo ``register_parametrization`` on ``tensor_name``; returns ``module``.

    With ``leave_parametrized=True`` the tensor keeps its current (parametrized) value,
    else it goes back to the stored original (only possible when that is one tensor).
    The original Parameter object is kept, so an optimizer holding it still works.

    >>> import nn
    >>> m = nn.utils.parametrizations.weight_norm(nn.Linear(2, 2))
    >>> m = nn.utils.parametrize.remove_parametrizations(m, "weight")
    >>> type(m).__name__, list(m.state_dict())
    ('Linear', ['bias', 'weight'])
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                _set_storage(original, getattr(module, tensor_name))
    else:
        if not leave_parametrized:
            raise ValueError(
                "Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized in terms of "
                "a sequence of tensors."
            )
        with no_grad():
            t = getattr(module, tensor_name)
        original = Parameter(t) if parametrizations.original0.requires_grad else t
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The class ``module`` had before it was parametrized (its class if it is not).

    >>> import nn
    >>> m = nn.utils.parametrizations.weight_norm(nn.Linear(2, 2))
    >>> nn.utils.parametrize.type_before_parametrizations(m).__name__
    'Linear'
    """
    if is_parametrized(module):
        return module.__class__.__bases__[0]
    return type(module)


def transfer_parametrizations_and_params(from_module: Module, to_module: Module,
                                         tensor_name: str | None = None) -> Module:
    """Register ``from_module``'s parametrizations (all, or those of ``tensor_name``) on ``to_module``,
    sharing the same parametrization modules and original tensors; returns ``to_module``."""
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for name in names:
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name).detach()))
        source = from_module.parametrizations[name]
        for step in source:
            register_parametrization(to_module, name, step)
        target = to_module.parametrizations[name]
        if source.is_tensor:
            target.original = source.original
        else:
            for i in range(source.ntensors):
                setattr(target, f"original{i}", getattr(source, f"original{i}"))
    return to_module
