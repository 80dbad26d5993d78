"""``Function``: the one way to define an op, for the built-in primitives and for users.

An op is a subclass with two static methods side by side::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()                 # users compute with Tensor ops
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y             # Tensor ops, so create_graph=True works

    y = Exp.apply(x)

``apply`` makes one object per call that is at once the ``ctx`` handed to
``forward``/``backward`` and the graph node (``y.grad_fn``), as in PyTorch.
Built-in primitives (``Primitive``) differ in one respect only: their
``forward`` computes on the back end's arrays (``x._data``) and may return an
array, because they are the bottom layer that Tensor ops are made of.
Their ``backward`` is written with Tensor ops like any user's.
"""

from __future__ import annotations

import itertools
import traceback

from autograd_core.grad_mode import GRAD_ENABLED
from autograd_core.tensor import OutputSlot, Tensor, _ndarray

_new = object.__new__
_wrap = Tensor._wrap

# Anomaly mode (autograd_core.detect_anomaly) flips this; apply and the engine read it.
ANOMALY = [False]

_FREED = object()  # marks saved tensors released after backward

# autograd.graph.saved_tensors_hooks: (pack, unpack) pairs, innermost last.  While one is active,
# every tensor saved for backward goes through pack, and what pack returned comes back through
# unpack when backward reads it (then, as in PyTorch, without a version check: the hooks decide
# what is kept).  Checked once per save_for_backward: an empty list costs one test.
SAVED_HOOKS: list = []


class _Packed:
    """Saved tensors as a saved_tensors_hooks pack hook returned them (None stays None)."""

    __slots__ = ("items", "unpack")

    def __init__(self, tensors: tuple, pack, unpack) -> None:
        self.items = tuple([None if t is None else pack(t) for t in tensors])
        self.unpack = unpack

    def tensors(self) -> tuple:
        unpack = self.unpack
        return tuple([None if p is None else unpack(p) for p in self.items])

# Recording order: a node is numbered after its inputs' nodes (see engine.py).
_next_seq = itertools.count(1).__next__


class _SavedOutput:
    """A saved output, stored without the tensor so node -> output -> node is no cycle."""

    __slots__ = ("data", "dev", "vc", "version", "index", "differentiable")

    def __init__(self, t: Tensor, index: int) -> None:
        self.data, self.dev, self.index = t._data, t._dev, index
        vc = t._vc
        if vc is None:  # (Tensor._version_box, inlined: this runs for every saved output)
            vc = t._vc = [0]
        self.vc = vc
        self.version = vc[0]
        self.differentiable = t._rg


class Function:
    """Base class of every differentiable op (see the module docstring).

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` as
    static methods and are called through ``apply``.  Inside them ``ctx`` offers
    ``save_for_backward``, ``saved_tensors``, ``needs_input_grad`` and
    ``mark_non_differentiable``; any other attribute may be set on it freely.
    """

    # Class-level defaults, overridden per node only when used.
    _next: tuple = ()  # per input: producing node, OutputSlot, leaf Tensor, or None
    _saved = None
    _saved_versions = None
    _non_diff = None
    _n_out = 1
    _out_meta = None
    _trace = None
    _out_hooks = None  # output index -> hooks registered on the (non-leaf) output tensor
    _node_hooks = None  # (pre-hooks, hooks) registered on the node itself (grad_fn.register_hook)
    _builtin = False  # True for Primitive: forward on arrays, grads trusted to match shapes

    # -- ctx API ----------------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward; they are version-checked when read back."""
        if not self._next:  # not recording: nothing will run backward
            return
        if SAVED_HOOKS:  # inside saved_tensors_hooks: keep what the pack hook returns
            pack, unpack = SAVED_HOOKS[-1]
            self._saved = _Packed(tensors, pack, unpack)
            return
        self._saved = tensors
        versions = []  # (a loop: cheaper than a comprehension for the usual one to three tensors)
        for t in tensors:
            vc = t._vc if t.__class__ is Tensor else getattr(t, "_vc", None)
            versions.append(0 if vc is None else vc[0])  # no counter yet: never modified, version 0
        self._saved_versions = versions

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``, checked against in-place modification."""
        saved = self._saved
        if saved is None:
            return ()
        if saved is _FREED:
            raise RuntimeError(
                f"{self.name()}: trying to backward through the graph a second time (or to read saved "
                "tensors after they have been freed). Saved values are freed when you call .backward() "
                "or autograd_core.grad(); pass retain_graph=True to the first call if you need to "
                "backward through the graph again."
            )
        if saved.__class__ is _Packed:
            return saved.tensors()
        for t, version in zip(saved, self._saved_versions):
            cls = t.__class__
            if cls is Tensor:  # the common case: check the version, hand the tuple back as it is
                vc = t._vc
                if vc is not None and vc[0] != version:
                    self._version_error(_position(saved, t), vc[0], version, "input")
            elif cls is _SavedOutput:
                return self._unpack_outputs(saved)
            elif t is not None:
                vc = getattr(t, "_vc", None)  # (a Parameter, or a user's object)
                if vc is not None and vc[0] != version:
                    self._version_error(_position(saved, t), vc[0], version, "input")
        return saved

    def _unpack_outputs(self, saved) -> tuple:
        """``saved_tensors`` when some of them are this node's own outputs (kept as _SavedOutput)."""
        out = []
        for t, version in zip(saved, self._saved_versions):
            if t.__class__ is _SavedOutput:
                if t.vc[0] != t.version:
                    self._version_error(t.index, t.vc[0], t.version, "output")
                if t.differentiable:
                    node = self if self._n_out == 1 else OutputSlot(self, t.index)
                    t = _wrap(t.data, t.dev, node, True)
                else:  # e.g. indices marked non-differentiable
                    t = _wrap(t.data, t.dev)
            elif t is not None:
                vc = getattr(t, "_vc", None)
                if vc is not None and vc[0] != version:
                    self._version_error(len(out), vc[0], version, "input")
            out.append(t)
        return tuple(out)

    def _version_error(self, index, now, then, what):
        raise RuntimeError(
            f"{self.name()}: one of the tensors it saved for backward (saved {what} {index}) has been "
            f"modified by an in-place operation: it is at version {now}, expected version {then}. "
            "Don't modify a tensor in place between the forward pass that used it and backward(); "
            "use the out-of-place op (e.g. x = x + 1 instead of x.add_(1)) or clone() it first."
        )

    @property
    def needs_input_grad(self) -> tuple:
        needs = []
        for e in self._next:
            needs.append(e is not None)
        return tuple(needs)

    def mark_non_differentiable(self, *outputs) -> None:
        """Declare outputs (e.g. indices) that never get a gradient."""
        self._non_diff = {id(o) for o in outputs}

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = bool(value)

    # -- node API -------------------------------------------------------------
    @classmethod
    def name(cls) -> str:
        return cls.__name__ + "Backward"

    @property
    def next_functions(self) -> tuple:
        return tuple(
            (None, 0) if e is None
            else (e.node, e.index) if e.__class__ is OutputSlot
            else (e, 0) if isinstance(e, Function) else (AccumulateGrad(e), 0)
            for e in self._next
        )

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` after this node's backward (``grad_inputs``: one
        gradient per input, None where none flows); a tuple it returns replaces ``grad_inputs``.
        Returns a handle whose ``remove()`` unregisters it (PyTorch's ``Node.register_hook``)."""
        return self._add_node_hook(1, hook)

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` before this node's backward; a tuple it returns replaces
        ``grad_outputs`` (PyTorch's ``Node.register_prehook``)."""
        return self._add_node_hook(0, hook)

    def _add_node_hook(self, kind: int, hook):
        from autograd_core.tensor import RemovableHandle

        if self._node_hooks is None:
            self._node_hooks = ([], [])  # (pre-hooks, hooks): the engine takes its slower path for this node
        hooks = self._node_hooks[kind]
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("subclasses of Function must define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError(
            "this Function has no backward: define a static backward(ctx, *grads) to differentiate through it"
        )

    # -- recording ------------------------------------------------------------
    @classmethod
    def apply(cls, *args):
        """Run ``forward`` and, if grad mode is on and an input requires grad, record a node."""
        ctx = _new(cls)
        dev = None
        record = False
        grad_on = GRAD_ENABLED[0]
        edges = []
        for a in args:
            if isinstance(a, Tensor):
                if dev is None:
                    dev = a._dev
                elif a._dev is not dev:
                    _device_error(cls, dev, a._dev)
                if grad_on and a._rg:
                    record = True
                    edges.append(a if a._node is None else a._node)
                    continue
            edges.append(None)
        ctx._next = tuple(edges)
        if record:  # shapes to check the user's gradients against
            ctx._seq = _next_seq()
            ctx._in_shapes = tuple(a._data.shape if isinstance(a, Tensor) else None for a in args)
        GRAD_ENABLED[0] = False
        try:
            out = cls.forward(ctx, *args)
        finally:
            GRAD_ENABLED[0] = grad_on
        if out.__class__ is tuple:
            return _wrap_outputs(ctx, cls, out, args, dev, record)
        if out.__class__ is not Tensor:
            if dev is None:
                raise TypeError(f"{cls.__name__}.apply: at least one argument must be a Tensor")
            out = _wrap(out, dev, ctx if record else None, record)
        elif record:
            out = _attach(out, args, ctx, ctx)
        if record and ctx._saved is not None:
            _unlink_saved_outputs(ctx, (out,))
        if ANOMALY[0]:
            _anomaly_forward(ctx, (out,))
        return out


class Primitive(Function):
    """A built-in op: ``forward`` computes on arrays (``x._data``) and returns an array.

    Its ``apply`` is ``Function.apply`` without what only user functions need
    (switching grad mode off around forward, tuples of Tensor outputs): it runs
    once per op, so it is kept to the bare steps.  While not recording,
    ``ctx._next`` stays empty and ``save_for_backward`` keeps nothing.
    """

    _builtin = True

    @classmethod
    def apply(cls, *args):
        ctx = _new(cls)
        dev = None
        record = False
        if GRAD_ENABLED[0]:
            edges = []
            for a in args:
                if isinstance(a, Tensor):
                    if dev is None:
                        dev = a._dev
                    elif a._dev is not dev:
                        _device_error(cls, dev, a._dev)
                    if a._rg:
                        record = True
                        edges.append(a._node or a)
                        continue
                edges.append(None)
            if record:
                ctx._next = tuple(edges)
                ctx._seq = _next_seq()
        else:
            for a in args:
                if isinstance(a, Tensor):
                    if dev is None:
                        dev = a._dev
                    elif a._dev is not dev:
                        _device_error(cls, dev, a._dev)
        out = cls.forward(ctx, *args)
        if out.__class__ is tuple:
            if record:
                return _wrap_outputs(ctx, cls, out, args, dev, True)
            # not recording (backward ops without create_graph): plain tensors, wrapped inline
            outs = []
            for o in out:
                if o is not None and o.__class__ is not Tensor:
                    if type(o) is not _ndarray and not o.ndim:
                        o = dev.xp.asarray(o)
                    t = _new(Tensor)
                    t._data, t._dev, t._node, t._rg = o, dev, None, False
                    t.grad = t._vc = t._hooks = None
                    t._retain = False
                    o = t
                outs.append(o)
            return tuple(outs)
        if out.__class__ is Tensor:
            if record:
                out._node = ctx
                out._rg = True
                if ctx._saved is not None:
                    _unlink_saved_outputs(ctx, (out,))
        else:  # Tensor._wrap, inlined: this line runs once per op
            if type(out) is not _ndarray and not out.ndim:  # a NumPy scalar from a 0-d result: keep an array
                out = dev.xp.asarray(out)
            t = _new(Tensor)
            t._data, t._dev, t._node, t._rg = out, dev, (ctx if record else None), record
            t.grad = t._vc = t._hooks = None
            t._retain = False
            out = t
        if ANOMALY[0]:
            _anomaly_forward(ctx, (out,))
        return out


def grad_tensors(dev, arrays: tuple) -> tuple:
    """Gradients computed straight on the back end's arrays, as Tensors (None stays None).

    A built-in backward rule does this when nothing records the backward (no ``create_graph``):
    with ``create_graph=True`` it goes through its backward primitive instead, whose node lets
    the gradients be differentiated again.
    """
    return tuple([None if a is None else _wrap(a, dev) for a in arrays])


class AccumulateGrad:
    """Stand-in node for a leaf in ``next_functions`` (as PyTorch shows it)."""

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def _attach(out: Tensor, args, ctx, node) -> Tensor:
    """Make a Tensor returned by a user's forward an output of ``node``."""
    if any(out is a for a in args) or out._node is not None:
        out = _wrap(out._data, out._dev)  # an input returned as is: a new tensor on the same storage
    out._node = node
    out._rg = True
    return out


def _wrap_outputs(ctx, cls, outs, args, dev, record):
    ctx._n_out = len(outs)
    non_diff = ctx._non_diff or ()
    result = []
    meta = []
    for i, o in enumerate(outs):
        node = ctx if len(outs) == 1 else OutputSlot(ctx, i)
        diff = record and id(o) not in non_diff
        if isinstance(o, Tensor):
            if diff and o._data.dtype.kind in "fc":
                o = _attach(o, args, ctx, node)
        elif cls._builtin and o is not None:
            o = _wrap(o, dev, node if diff else None, diff)
        # (a user's forward may also return non-tensors: they pass through untouched)
        result.append(o)
        meta.append((o._data.shape, o._data.dtype, o._dev) if isinstance(o, Tensor) and o._rg else None)
    if record:
        ctx._out_meta = meta
        if ctx._saved is not None:
            _unlink_saved_outputs(ctx, result)
    if ANOMALY[0]:
        _anomaly_forward(ctx, result)
    return tuple(result)


def _position(saved: tuple, t) -> int:
    """The index of ``t`` (by identity: == on tensors is elementwise) in a saved tuple."""
    return next(i for i, s in enumerate(saved) if s is t)


def _unlink_saved_outputs(ctx, outs) -> None:
    saved = ctx._saved
    if saved.__class__ is _Packed:  # (the pack hook decided how outputs are kept)
        return
    for i, s in enumerate(saved):
        for k, o in enumerate(outs):
            if s is o:
                saved = saved[:i] + (_SavedOutput(o, k),) + saved[i + 1 :]
    ctx._saved = saved


def _device_error(op, a, b):
    """Mixing devices in one op: name the op (a Function class or a name) and both devices."""
    from backends import DeviceError

    name = op if isinstance(op, str) else op.__name__.lower()
    raise DeviceError(
        f"{name}: expected all tensors on the same device, but found {a} and {b}; "
        f"move one with .to('{a}') or .to('{b}')"
    )


def _anomaly_forward(ctx, outs) -> None:
    ctx._trace = traceback.format_stack()[:-3]
    for i, o in enumerate(outs):
        if isinstance(o, Tensor) and o._data.dtype.kind == "f" and not bool(o._dev.xp.isfinite(o._data).all()):
            raise FloatingPointError(
                f"anomaly: {type(ctx).__name__} produced nan/inf in its forward output {i}; created at:\n"
                + "".join(ctx._trace[-4:])
            )
