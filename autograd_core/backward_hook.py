"""Module backward hooks on the tape: an identity ``Function`` whose backward calls back.

``nn.Module.register_full_backward_hook`` and ``register_full_backward_pre_hook`` are built
on this, as PyTorch builds them (``torch.utils.hooks.BackwardHook``): when a module with
such hooks is called, its positional Tensor inputs and its Tensor outputs each pass through
one ``BackwardHookFunction`` node, an identity.  The engine runs a node once, after every
gradient for its outputs has arrived, so

- the output node sees every gradient w.r.t. the module's outputs at once: it runs the
  backward pre-hooks (which may replace them) and keeps them;
- the input node then sees the gradients w.r.t. the module's inputs: it runs the backward
  hooks with both, and what they return replaces the input gradients.

Only modules with such hooks get these nodes; the callbacks are Python bookkeeping, and the
one backward rule involved (the identity's) is here, in ``autograd_core``.

>>> import autograd_core as ag
>>> from autograd_core.backward_hook import BackwardHook
>>> seen = []
>>> hook = BackwardHook("module", [lambda m, gi, go: seen.append((gi, go))], [])
>>> x = ag.tensor([1.0, 2.0], requires_grad=True)
>>> (y,) = hook.setup_input_hook((x,))
>>> z = hook.setup_output_hook(y * 3)
>>> z.grad_fn
<BackwardHookFunctionBackward>
>>> z.sum().backward()
>>> seen
[((tensor([3., 3.]),), (tensor([1., 1.]),))]
"""

from __future__ import annotations

import warnings
import weakref

from autograd_core.function import Function
from autograd_core.grad_mode import GRAD_ENABLED
from autograd_core.tensor import Tensor, _share_version


class BackwardHookFunction(Function):
    """Identity on its Tensor arguments; its backward hands the incoming gradients to a callback.

    ``apply(on_backward, materialize, *tensors)`` returns one tensor per tensor given: those
    that require grad as new tensors on the same memory (and the same version counter), the
    others as they are.  In backward, ``on_backward(grads)`` gets a tuple with one gradient
    per tensor (``None`` for those that don't require grad; for those that do but got no
    gradient, zeros if ``materialize`` else ``None``) and returns the gradients to pass on.
    """

    @staticmethod
    def forward(ctx, on_backward, materialize, *tensors):
        ctx._on_backward = on_backward
        ctx.mark_non_differentiable(*[t for t in tensors if not t._rg])
        ctx.set_materialize_grads(materialize)
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return (None, None, *ctx._on_backward(grads))


def identity_with_backward_callback(tensors, on_backward, materialize: bool = True) -> tuple:
    """``tensors`` through one ``BackwardHookFunction`` node (see there), as a tuple.

    The outputs that require grad share memory and version counter with their inputs, like
    PyTorch's views of them, and an in-place op on the tape refuses to modify one while the
    node is alive, as PyTorch refuses it ("Output 0 of BackwardHookFunctionBackward is a view
    and is being modified inplace"): clone it first, or use the out-of-place op.
    """
    outs = BackwardHookFunction.apply(on_backward, materialize, *tensors)
    node_ref = None
    boxes = set()
    for a, o in zip(tensors, outs):
        if o is a or not o._rg:
            continue
        _share_version(o, a)  # registers both on the counter
        box = o._vc
        if id(box) not in boxes:  # and the node, once per counter
            boxes.add(id(box))
            if node_ref is None:
                node_ref = weakref.ref(o.grad_fn)
            box[1].append(node_ref)
    return outs


class BackwardHook:
    """The state of one call of a module with full backward (pre-)hooks (PyTorch's class of the same name).

    ``setup_input_hook(args)`` wraps the positional Tensor arguments before ``forward``;
    ``setup_output_hook(result)`` wraps the Tensor outputs (a Tensor, or the top-level
    Tensors of a tuple) after it.  ``user_hooks`` are called ``hook(module, grad_input,
    grad_output)`` and ``user_pre_hooks`` ``hook(module, grad_output)``; the lists are the
    hooks registered when the module was called, as in PyTorch.
    """

    def __init__(self, module, user_hooks, user_pre_hooks) -> None:
        self.module = module
        self.user_hooks = list(user_hooks)
        self.user_pre_hooks = list(user_pre_hooks)
        self.grad_outputs = None
        self.n_outputs = -1
        self.output_tensors_index = None
        self.output_shapes = None
        self.n_inputs = -1
        self.input_tensors_index = None
        self.input_shapes = None

    # -- forward ------------------------------------------------------------------
    def setup_input_hook(self, args):
        self.n_inputs = len(args)
        res, self.input_tensors_index, self.input_shapes = _apply_on_tensors(args, self._input_hook, True)
        return res

    def setup_output_hook(self, result):
        is_tuple = isinstance(result, tuple)
        args = result if is_tuple else (result,)
        self.n_outputs = len(args)
        res, self.output_tensors_index, self.output_shapes = _apply_on_tensors(args, self._output_hook, False)
        return res if is_tuple else res[0]

    # -- backward -----------------------------------------------------------------
    def _output_hook(self, grads: tuple) -> tuple:
        """Gradients w.r.t. the module's outputs arrived: pre-hooks, then keep them for the input node."""
        self.grad_outputs = _pack_with_none(self.output_tensors_index, grads, self.n_outputs)
        expected = len(self.grad_outputs)
        for hook in self.user_pre_hooks:
            result = hook(self.module, self.grad_outputs)
            if result is None:
                continue
            if len(result) != expected:
                raise RuntimeError(
                    f"Backward pre hook returned an invalid number of grad_output, got {len(result)}, "
                    f"but expected {expected}"
                )
            result = tuple(result)
            _check_sizes(hook, "grad_output", result, self.output_tensors_index, self.output_shapes)
            self.grad_outputs = result
        local_grad_outputs = self.grad_outputs
        if self.input_tensors_index is None:  # no input requires grad: no input node will run the hooks
            if self.user_hooks:
                warnings.warn(
                    "Full backward hook is firing when gradients are computed with respect to module outputs "
                    "since no inputs require gradients. See the documentation of "
                    "nn.Module.register_full_backward_hook for more details.",
                    stacklevel=2,
                )
            grad_inputs = (None,) * self.n_inputs
            for hook in self.user_hooks:
                result = hook(self.module, grad_inputs, self.grad_outputs)
                if result is not None and not (isinstance(result, tuple) and all(g is None for g in result)):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should always return None "
                        "or None for all gradients."
                    )
            self.grad_outputs = None
        return tuple(local_grad_outputs[i] for i in self.output_tensors_index)

    def _input_hook(self, grads: tuple) -> tuple:
        """Gradients w.r.t. the module's inputs: run the hooks with both; what they return is passed on."""
        if self.grad_outputs is None:
            # The gradient reached the inputs without passing through the outputs (as in a double backward).
            return grads
        res = _pack_with_none(self.input_tensors_index, grads, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, res, self.grad_outputs)
            if out is None:
                continue
            if len(out) != len(res):
                raise RuntimeError(
                    f"Backward hook returned an invalid number of grad_input, got {len(out)}, but expected {len(res)}"
                )
            out = tuple(out)
            _check_sizes(hook, "grad_input", out, self.input_tensors_index, self.input_shapes)
            res = out
        self.grad_outputs = None
        return tuple(res[i] for i in self.input_tensors_index)


def _apply_on_tensors(args: tuple, on_backward, materialize: bool):
    """``args`` with its top-level Tensors through one hook node; also their positions and shapes
    (``None``, ``None`` when nothing is recorded: grad mode off, or no Tensor requires grad)."""
    index, tensors = [], []
    requires_grad = False
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            index.append(i)
            tensors.append(a)
            requires_grad = requires_grad or a._rg
    if not (requires_grad and GRAD_ENABLED[0]):
        return args, None, None
    outs = identity_with_backward_callback(tuple(tensors), on_backward, materialize)
    items = list(args)
    for i, o in zip(index, outs):
        items[i] = o
    res = tuple(items) if type(args) is tuple else type(args)(*items)  # (a namedtuple keeps its type)
    return res, index, [tuple(t.shape) for t in tensors]


def _pack_with_none(index, values, size: int) -> tuple:
    res = [None] * size
    for i, v in zip(index, values):
        res[i] = v
    return tuple(res)


def _check_sizes(hook, what: str, grads: tuple, index, shapes) -> None:
    """A gradient a hook returns must be None or a Tensor of the shape of the value it is for."""
    for i, shape in zip(index, shapes):
        g = grads[i]
        if g is None:
            continue
        if not isinstance(g, Tensor):
            raise TypeError(
                f"backward hook {_hook_name(hook)} returned a {type(g).__name__} in {what}[{i}]; "
                "return Tensors or None"
            )
        if tuple(g.shape) != shape:
            raise RuntimeError(
                f"hook {_hook_name(hook)} has changed the size of value: {what}[{i}] has shape "
                f"{tuple(g.shape)}, expected {shape}"
            )


def _hook_name(hook) -> str:
    return repr(getattr(hook, "__name__", type(hook).__name__))
