"""``Module``: the base class of layers, with PyTorch's registration, traversal and state_dict.

A module owns parameters (``Parameter``), buffers (tensors that are state but
not trained, such as BatchNorm's running mean) and submodules; assigning one
to an attribute registers it.  Everything a module computes is composed from
``autograd_core`` ops: no module writes a backward rule.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Iterator

from autograd_core import Tensor, no_grad
from autograd_core import dtypes as _dtypes
from autograd_core.backward_hook import BackwardHook
from backends import Device, get_device
from nn.parameter import Buffer, Parameter


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns; prints as PyTorch's does when every key matched."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class Module:
    """Base class for all layers; subclasses define ``__init__`` (calling ``super().__init__()``) and ``forward``.

    >>> import autograd_core as ag, nn
    >>> class Affine(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = nn.Parameter(ag.ones(3))
    ...     def forward(self, x):
    ...         return x * self.scale
    >>> Affine()(ag.ones(2, 3)).shape
    torch.Size([2, 3])
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_load_state_dict_pre_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- calling ------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward(...)")

    def __call__(self, *args, **kwargs):
        bw_hook = None
        if self._backward_hooks or self._backward_pre_hooks:  # (hooks as registered now, as in PyTorch)
            bw_hook = BackwardHook(self, self._backward_hooks.values(), self._backward_pre_hooks.values())
        for hook in self._forward_pre_hooks.values():
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        if bw_hook is not None:
            args = bw_hook.setup_input_hook(args)
        out = self.forward(*args, **kwargs)
        for hook in self._forward_hooks.values():
            result = hook(self, args, out)
            if result is not None:
                out = result
        if bw_hook is not None:
            if not isinstance(out, (Tensor, tuple)):
                warnings.warn(
                    "For backward hooks to be called, module output should be a Tensor or a tuple of Tensors "
                    f"but received {type(out)}",
                    stacklevel=2,
                )
            out = bw_hook.setup_output_hook(out)
        return out

    def register_forward_hook(self, hook):
        """Call ``hook(module, inputs, output)`` after every forward; returns a handle with ``remove()``."""
        return _add_hook(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook):
        """Call ``hook(module, inputs)`` before every forward; returns a handle with ``remove()``."""
        return _add_hook(self._forward_pre_hooks, hook)

    def register_full_backward_hook(self, hook, prepend: bool = False):
        """Call ``hook(module, grad_input, grad_output)`` once per backward through each call of this module.

        ``grad_output`` holds the gradients w.r.t. the module's Tensor outputs (its output, or
        the top-level Tensors of the tuple it returns; ``None`` elsewhere and for an output that
        got no gradient), ``grad_input`` those w.r.t. its positional Tensor arguments (keyword
        arguments are left out; ``None`` for non-Tensors and for Tensors that don't require
        grad, zeros for one that requires grad but got no gradient, as in PyTorch).  The hook runs after all of the module's output gradients are known; a tuple it
        returns (one entry per positional argument) replaces ``grad_input``.  The hooks of a
        call are those registered when the module was called.  ``prepend=True`` runs this hook
        before the others.  Returns a handle with ``remove()``, also a context manager.

        While a module has such hooks its inputs and outputs pass through an identity node, as
        in PyTorch, so they can't be modified in place on the tape: clone them first.

        >>> import autograd_core as ag, nn
        >>> lin = nn.Linear(3, 2)
        >>> handle = lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
        >>> x = ag.ones(4, 3, requires_grad=True)
        >>> lin(x).sum().backward()
        >>> bool((x.grad == 0).all())
        True
        >>> handle.remove()
        """
        return _add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False):
        """Call ``hook(module, grad_output)`` once per backward through each call of this module,
        when the gradients w.r.t. its outputs are known and before they flow into it; a tuple
        it returns (one entry per entry of ``grad_output``) replaces ``grad_output``, for the
        module's backward and for its full backward hooks.  See ``register_full_backward_hook``."""
        return _add_hook(self._backward_pre_hooks, hook, prepend)

    def _register_load_state_dict_pre_hook(self, hook, with_module: bool = False):
        """Call ``hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)``
        (with the module first if ``with_module``) when ``load_state_dict`` reaches this module, before any
        key is checked: the hook may rename or convert entries of ``state_dict`` (a copy of the caller's),
        as ``weight_norm`` does to load checkpoints saved in an older layout.  Returns a handle."""
        if with_module:
            return _add_hook(self._load_state_dict_pre_hooks, lambda *args: hook(self, *args))
        return _add_hook(self._load_state_dict_pre_hooks, hook)

    # -- registration -------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call: call super().__init__() first in "
                f"{type(self).__name__}.__init__"
            )
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            if name not in params and isinstance(getattr(type(self), name, None), property):
                # e.g. a parametrized ``weight`` (nn.utils.parametrize): a Parameter here would be shadowed.
                raise KeyError(f"attribute '{name}' already exists")
            if name not in params:  # re-assigning keeps the name's place (state_dict order)
                self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            if name not in modules:
                self._forget(name)
            modules[name] = value
        elif isinstance(value, Buffer) and name not in params:  # nn.Buffer: register_buffer's short form
            self.register_buffer(name, value, persistent=value.persistent)
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as parameter {name!r} of {type(self).__name__}: "
                    "use nn.Parameter(...) or None"
                )
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} as child module {name!r} (use a Module or None)")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} as buffer {name!r} (use a Tensor or None)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        self.__dict__.pop(name, None)
        for d in (self._parameters, self._buffers, self._modules):
            d.pop(name, None)
        self._non_persistent.discard(name)

    def __getattr__(self, name: str):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for d in (self._parameters, self._buffers, self._modules):
            if name in d:
                del d[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` placeholder, as for a layer built with ``bias=False``)."""
        _check_name(self, name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter or None, got {type(param).__name__}")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: state saved in ``state_dict`` (unless ``persistent=False``) but not trained."""
        _check_name(self, name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        _check_name(self, name, self._modules)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got {type(module).__name__}")
        self._modules[name] = module

    register_module = add_module

    # -- traversal ----------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """(name, module) for this module and every descendant, depth first, each once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, store: str, prefix: str, recurse: bool, remove_duplicate: bool = True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mod_prefix, mod in modules:
            for name, value in getattr(mod, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """(dotted name, Parameter) pairs; a parameter shared by two layers is listed once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        mod = self
        for part in target.split(".") if target else []:
            if part not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no submodule {part!r} (looking for {target!r})")
            mod = mod._modules[part]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        return self._get_member(target, "_parameters", "parameter")

    def get_buffer(self, target: str) -> Tensor:
        return self._get_member(target, "_buffers", "buffer")

    def _get_member(self, target: str, store: str, kind: str):
        """The parameter or buffer at a dotted path such as ``"block.0.weight"``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        members = getattr(mod, store)
        if name not in members:
            raise AttributeError(f"{type(mod).__name__} has no {kind} {name!r}")
        return members[name]

    # -- modes ----------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch norm uses batch statistics) here and below."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode must be a bool, got {type(mode).__name__}")
        # Each child's own train() runs, as in PyTorch, so a layer that overrides it (say, to keep
        # its batch norms frozen) still has the last word when a parent is switched.
        object.__setattr__(self, "training", mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad`` (to None by default, as in PyTorch 2)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if p.grad.grad_fn is not None:  # a grad built with create_graph: cut it loose first
                    p.grad.detach_()
                with no_grad():
                    p.grad.zero_()

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every submodule (children first) and then on this one."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- devices and dtypes ------------------------------------------------------------
    def _apply_to_tensors(self, convert) -> Module:
        """Convert every parameter and buffer in place: parameters keep their identity, so an
        optimizer built before ``model.to(...)`` still updates the right tensors."""
        with no_grad():
            for m in self.modules():
                for p in m._parameters.values():
                    if p is None:
                        continue
                    new = convert(p)
                    if new is not p:
                        p._data, p._dev = new._data, new._dev
                        p._bump_version()
                        if p.grad is not None:
                            p.grad = convert(p.grad)
                for name, b in m._buffers.items():
                    if b is not None:
                        m._buffers[name] = convert(b)
        return self

    def to(self, *args, **kwargs) -> Module:
        """``model.to("cuda")``, ``model.to(ag.float64)``; floating tensors change dtype, integer buffers don't.
        ``memory_format=ag.channels_last`` lays out the 4-D (5-D) parameters and buffers so, as in PyTorch."""
        device = kwargs.get("device")
        layout = kwargs.get("memory_format")
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, (str, Device)):
                device = a
            elif isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            else:
                dtype = a
        if dtype is not None:
            dtype = _dtypes.to_dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"Module.to: only floating dtypes are allowed, got {dtype}")
        dev = get_device(device) if device is not None else None

        def convert(t: Tensor) -> Tensor:
            out = t
            if dev is not None and t.device is not dev:
                out = out.to(dev)
            if dtype is not None and t.is_floating_point() and t.dtype != dtype:
                out = out.to(dtype)
            if layout is not None and t.dim() in (4, 5):
                out = out.to(memory_format=layout)
            return out

        return self._apply_to_tensors(convert)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device=None) -> Module:
        return self.to("cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))

    def double(self) -> Module:
        return self.to(_dtypes.float64)

    def float(self) -> Module:
        return self.to(_dtypes.float32)

    def half(self) -> Module:
        return self.to(_dtypes.float16)

    # -- state -----------------------------------------------------------------------
    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False) -> OrderedDict:
        """Every parameter and persistent buffer by dotted name (detached unless ``keep_vars``)."""
        out = OrderedDict() if destination is None else destination
        # A module registered under two names appears under both, as in PyTorch.
        for mod_prefix, mod in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            base = f"{mod_prefix}." if mod_prefix else ""
            for name, p in mod._parameters.items():
                if p is not None:
                    out[base + name] = p if keep_vars else p.detach()
            for name, b in mod._buffers.items():
                if b is not None and name not in mod._non_persistent:
                    out[base + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False) -> IncompatibleKeys:
        """Copy values into parameters and buffers; everything is checked before anything changes.

        Values may be tensors or anything ``ag.tensor`` accepts (NumPy arrays from a
        converted PyTorch state_dict).  With ``strict=True``, missing or unexpected
        keys are errors; shape mismatches always are.  On error the model is unchanged.
        ``assign=True`` makes the module hold the checkpoint's tensors themselves instead of
        copying into its own (their dtype and device included), as in PyTorch.
        """
        from autograd_core import tensor as _tensor

        own = self.state_dict(keep_vars=True)
        state_dict = dict(state_dict)
        hook_missing, hook_unexpected, hook_errors = [], [], []
        for mod_prefix, mod in self.named_modules(remove_duplicate=False):
            for hook in mod._load_state_dict_pre_hooks.values():
                hook(state_dict, f"{mod_prefix}." if mod_prefix else "", {}, strict, hook_missing, hook_unexpected,
                     hook_errors)
        for mod_prefix, mod in self.named_modules(remove_duplicate=False):
            base = f"{mod_prefix}." if mod_prefix else ""
            for name, value in mod._state_defaults().items():
                state_dict.setdefault(base + name, value)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = list(hook_errors)
        missing += [k for k in hook_missing if k not in missing]
        unexpected += [k for k in hook_unexpected if k not in unexpected]
        if strict:
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
        staged = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            try:
                src = value if isinstance(value, Tensor) else _tensor(value)
            except (TypeError, ValueError) as exc:
                errors.append(f'value for "{key}" is not array-like: {exc}')
                continue
            if tuple(src.shape) != tuple(target.shape):
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(src.shape)} from checkpoint, "
                    f"the shape in current model is {tuple(target.shape)}."
                )
                continue
            staged.append((key, target, src))
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        with no_grad():
            for key, target, src in staged:
                if assign:
                    self._assign_state(key, target, src)
                else:
                    target.copy_(src)
        return IncompatibleKeys(missing, unexpected)

    def _assign_state(self, key: str, target: Tensor, src: Tensor) -> None:
        """``load_state_dict(assign=True)``: the module takes the checkpoint's tensor itself (its
        memory, dtype and device), as PyTorch's does; a parameter keeps the module's
        ``requires_grad``, and a checkpoint value that is already a Parameter is used as it is."""
        prefix, _, name = key.rpartition(".")
        module = self.get_submodule(prefix) if prefix else self
        if name in module._parameters:
            if isinstance(src, Parameter):
                src.requires_grad_(target.requires_grad)
            else:
                src = Parameter(src, requires_grad=target.requires_grad)
            module._parameters[name] = src
        else:
            module._buffers[name] = src

    def _state_defaults(self) -> dict:
        """Entries of this module's state that a checkpoint may leave out, by local name, with the
        value ``load_state_dict`` then uses (none here; layers whose state grew over time override it)."""
        return {}

    # -- printing -----------------------------------------------------------------------
    def extra_repr(self) -> str:
        """One line of this module's own settings, shown in ``repr`` (override in layers)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_repr}")
        if not lines:
            return f"{self._get_name()}()"
        if len(lines) == 1 and not self._modules:
            return f"{self._get_name()}({lines[0]})"
        return f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))


class _HookHandle:
    def __init__(self, store: dict, key: int) -> None:
        self._store, self._key = store, key

    def remove(self) -> None:
        self._store.pop(self._key, None)

    def __enter__(self) -> _HookHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


_hook_ids = iter(range(1, 1 << 62))


def _add_hook(store: OrderedDict, hook, prepend: bool = False) -> _HookHandle:
    key = next(_hook_ids)
    store[key] = hook
    if prepend:
        store.move_to_end(key, last=False)
    return _HookHandle(store, key)


def _check_name(module: Module, name: str, store: dict) -> None:
    """PyTorch's rules: a name may be re-registered as the same kind (parameter, buffer, module), but
    never take over another attribute, be it a method, a plain attribute or a member of another kind."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f'invalid name {name!r}: it must be non-empty and contain no "."')
    if name not in store and hasattr(module, name):
        raise KeyError(f"attribute {name!r} already exists on {type(module).__name__}")
