"""``Tensor``: an array on a device, plus what the tape needs to differentiate through it.

A tensor made by an op while grad mode is on, from inputs that require grad,
points at the node (``grad_fn``) that made it; ``backward()`` walks those
nodes in reverse.  Arithmetic, reductions, shape ops and the rest are attached
to this class by ``autograd_core.ops`` (see its ``_install_methods``): this file
holds only what every tensor is, not what it can compute.
"""

from __future__ import annotations

import numpy as np

from autograd_core import dtypes
from autograd_core._tensor_str import get_printoptions, set_printoptions, tensor_repr  # noqa: F401 (re-exported)
from autograd_core.grad_mode import GRAD_ENABLED
from autograd_core.size import Size
from backends import Device, get_device

_new = object.__new__
_ndarray = np.ndarray
_new_tuple = tuple.__new__  # builds a Size from a NumPy/CuPy shape (already ints) without Size's checks

# engine.py (the backward walk) imports Tensor from here, so it can't be imported at the top;
# autograd_core/__init__.py binds it once everything is loaded (Tensor.backward calls it).
_engine = None


class Tensor:
    """A multi-dimensional array that can record the ops applied to it.

    Make tensors with ``autograd_core.tensor(...)``, ``zeros``, ``randn`` ...

    >>> import autograd_core as ag
    >>> x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    # _data: the back end's array.  _dev: its Device.  _node: the Function node that
    # made it (None for leaves), or an OutputSlot for the k-th output of a
    # multi-output node.  _rg: requires_grad.  _vc: version counter, a one-element
    # list shared by views, created on first need.  _hooks: gradient hooks of a leaf.
    __slots__ = ("_data", "_dev", "_node", "_rg", "grad", "_vc", "_hooks", "_retain", "__weakref__")

    # Make NumPy defer to our reflected operators (np_array * tensor -> Tensor.__rmul__).
    __array_ufunc__ = None

    def __init__(self, *args, dtype=None, device=None, requires_grad: bool = False) -> None:
        # PyTorch's legacy constructor, which custom layers still use (nn.Parameter(ag.Tensor(out, in))):
        # Tensor(2, 3) is a float tensor of that shape, Tensor([1, 2]) copies data as the default float
        # dtype (unlike ag.tensor), Tensor(t) shares t's memory.  dtype= and requires_grad= are extras
        # PyTorch refuses here.  Ops use the faster _wrap.
        from autograd_core.factories import _device, _legacy_array

        shared = args[0] if len(args) == 1 and isinstance(args[0], Tensor) else None
        dev = shared._dev if shared is not None and device is None else _device(device)  # (set_default_device)
        self._data = _legacy_array(args, dtype, dev)
        self._dev = dev
        self._node = None
        self._rg = False
        self.grad = None
        self._vc = shared._version_box() if shared is not None and self._data is shared._data else None
        self._hooks = None
        self._retain = False
        if requires_grad:
            self.requires_grad_(True)

    # -- construction used by every op (kept minimal: it runs once per op) --------
    @staticmethod
    def _wrap(data, dev, node=None, requires_grad=False) -> Tensor:
        # NumPy returns scalars for 0-d results: keep an array, which can be written in place.
        # (``type(data) is ndarray`` first: reading ``.ndim`` costs more, and this runs once per op.)
        if type(data) is not _ndarray and not data.ndim:
            data = dev.xp.asarray(data)
        t = _new(Tensor)
        t._data = data
        t._dev = dev
        t._node = node
        t._rg = requires_grad
        t.grad = None
        t._vc = None
        t._hooks = None
        t._retain = False
        return t

    # -- attributes ------------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The sizes of the dimensions, as a ``Size`` (a tuple printed ``torch.Size([2, 3])``).

        Code inside the engine that only needs the numbers reads ``self._data.shape``: a plain
        tuple, a few tenths of a microsecond cheaper than building a ``Size``.
        """
        return _new_tuple(Size, self._data.shape)

    def size(self, dim: int | None = None):
        """The shape as a ``Size``, or the length of one dimension as an int (negative dims allowed)."""
        if dim is None:
            return _new_tuple(Size, self._data.shape)
        return self._data.shape[_check_dim("size", dim, self._data.ndim)]

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
        return self._dev

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the elements lie in memory in row-major order without gaps (views may not), or
        in the order ``memory_format`` names (``ag.channels_last``: NHWC; see memory_format.py)."""
        if memory_format is None:
            return bool(self._data.flags.c_contiguous)
        from autograd_core.memory_format import is_contiguous

        return is_contiguous(self, memory_format)

    def data_ptr(self) -> int:
        """The address of the first element: equal for tensors that share storage from its start."""
        return self._dev.backend.data_ptr(self._data)

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def is_cuda(self) -> bool:
        return self._dev.type == "cuda"

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    @property
    def data(self) -> Tensor:
        """The same storage as a tensor that does not require grad (PyTorch's ``.data``)."""
        t = Tensor._wrap(self._data, self._dev)
        t._vc = self._version_box()
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data must be set to a Tensor, got {type(value).__name__}")
        if value.shape != self.shape or value.dtype != self.dtype:
            raise ValueError(
                f"Tensor.data: new value has shape {tuple(value.shape)} and dtype {value.dtype}, "
                f"the tensor has {tuple(self.shape)} and {self.dtype}"
            )
        self._data = value._data
        self._dev = value._dev

    # -- autograd attributes --------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf in place; returns ``self``."""
        if self._node is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad_: you can only change requires_grad flags of leaf tensors; "
                "use .detach() to get a tensor that does not require grad"
            )
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"requires_grad_: only floating point tensors can require gradients, "
                f"this one has dtype {self._data.dtype}; convert it with .float() first"
            )
        if self._node is None:
            self._rg = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def grad_fn(self):
        node = self._node
        return node.node if node.__class__ is OutputSlot else node

    @property
    def retains_grad(self) -> bool:
        return self._retain

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self._rg:
            raise RuntimeError("retain_grad: can't retain_grad on a tensor that has requires_grad=False")
        if self._node is None or self._retain:
            return
        import weakref

        ref = weakref.ref(self)

        def _retain_hook(grad):
            t = ref()
            if t is not None:  # a copy, as PyTorch makes: the same memory may become a leaf's .grad
                t.grad = grad.clone() if t.grad is None else t.grad + grad
            return None

        self._retain = True
        _node_hooks(self).append(_retain_hook)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None result replaces it.

        Returns a handle whose ``remove()`` unregisters the hook.
        """
        if not self._rg:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require gradient")
        if self._node is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            hooks = _node_hooks(self)
            if self._retain:  # PyTorch runs the retain_grad hook after user hooks
                hooks.insert(len(hooks) - 1, hook)
                return RemovableHandle(hooks, hook)
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after ``backward()`` has added into this leaf's ``.grad`` (for
        example to step an optimizer per parameter as soon as its gradient is ready); its result is
        ignored.  Not called by ``autograd_core.grad``, which accumulates nothing.  Returns a handle."""
        if self._node is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._hooks is None:
            self._hooks = []
        marker = PostAccumulateGradHook(hook)
        self._hooks.append(marker)
        return RemovableHandle(self._hooks, marker)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (PyTorch's ``Tensor.backward``)."""
        _engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        """A tensor sharing this one's storage, cut from the graph."""
        t = Tensor._wrap(self._data, self._dev)
        t._vc = self._version_box()
        return t

    def detach_(self) -> Tensor:
        self._node = None
        self._rg = False
        return self

    # -- versions (in-place ops bump them; saved tensors check them) -----------
    @property
    def _version(self) -> int:
        return 0 if self._vc is None else self._vc[0]

    def _version_box(self) -> list:
        if self._vc is None:
            self._vc = [0]
        return self._vc

    def _bump_version(self) -> None:
        if self._vc is None:
            self._vc = [1]
        else:
            self._vc[0] += 1

    # -- conversion ------------------------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:  # (RuntimeError, as PyTorch raises)
            raise RuntimeError(
                f"item: only one-element tensors can be converted to Python scalars, this one has shape {tuple(self.shape)}"
            )
        return self._data.reshape(()).item() if self._dev.type == "cpu" else self._dev.backend.to_numpy(self._data).item()

    def tolist(self):
        return self._dev.backend.to_numpy(self._data).tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data as a NumPy array (shared memory on cpu), like PyTorch's ``Tensor.numpy``."""
        if self._rg and not force:
            raise RuntimeError(
                "numpy: can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()"
            )
        if self._dev.type != "cpu":
            if not force:
                raise TypeError(
                    f"numpy: can't convert a {self._dev} tensor to NumPy; copy it to the host first with .cpu()"
                )
            return self._dev.backend.to_numpy(self._data)
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._dev.type != "cpu":
            raise TypeError(f"can't convert a {self._dev} tensor to a NumPy array; use .cpu() first")
        return np.asarray(self._data, dtype=dtype)

    def to(self, *args, dtype=None, device=None, copy: bool = False, non_blocking: bool = False,
           memory_format=None) -> Tensor:
        """Move and/or cast: ``t.to("cuda")``, ``t.to(ag.float64)``, ``t.to(other_tensor)``, and/or
        change the layout: ``t.to(memory_format=ag.channels_last)`` (see memory_format.py).

        ``non_blocking`` is accepted for PyTorch code; copies between host and device are
        always synchronous here (the result is ready when it is returned)."""
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a._dev, a.dtype
            elif isinstance(a, (str, Device)):
                device = a
            else:
                dtype = a
        out = self
        if device is not None:
            dev = get_device(device)
            if dev is not self._dev:
                from autograd_core.ops.shape import to_device

                out = to_device(out, dev)
        if dtype is not None:
            dtype = dtypes.to_dtype(dtype)
            if dtype != out.dtype:
                from autograd_core.ops.elementwise import cast

                out = cast(out, dtype)
        if memory_format is not None:
            from autograd_core.memory_format import convert

            out = convert(out, memory_format)
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device=None, non_blocking: bool = False) -> Tensor:
        return self.to("cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool)

    def type(self, dtype=None):
        """``t.type()`` names the legacy type (``'torch.FloatTensor'``); ``t.type(ag.float64)``,
        ``t.type(ag.LongTensor)`` or ``t.type("torch.cuda.FloatTensor")`` converts."""
        from autograd_core import compat

        return compat.type_name(self) if dtype is None else compat.convert(self, dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """``self`` converted to ``other``'s dtype and device (``self`` itself if they match)."""
        return self.to(other._dev, other.dtype)

    # -- Python protocol --------------------------------------------------------
    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"bool: the truth value of a tensor with {self._data.size} elements is ambiguous; use .any() or .all()"
            )
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats a 0-d tensor's value, as in PyTorch; other tensors take no spec."""
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self) -> str:
        """PyTorch's layout, character for character (see ``_tensor_str``): ``tensor([2.5000, 5.0000])``."""
        return tensor_repr(self)

    def __deepcopy__(self, memo) -> Tensor:
        """A copy with its own memory (leaves only, as in PyTorch); ``.grad`` is copied too."""
        if self._node is not None:
            raise RuntimeError(
                "deepcopy: only tensors created by the user (graph leaves) support deepcopy; "
                "use .detach().clone() for an intermediate result"
            )
        if id(self) in memo:
            return memo[id(self)]
        out = Tensor._wrap(self._data.copy(), self._dev, None, self._rg)
        memo[id(self)] = out
        if self.grad is not None:
            out.grad = self.grad.__deepcopy__(memo)
        if type(self) is not Tensor:  # nn.Parameter and other subclasses keep their class
            out.__class__ = type(self)
        return out

    def __copy__(self) -> Tensor:
        return self.__deepcopy__({})

    def __reduce_ex__(self, protocol):
        raise TypeError(
            "tapegrad tensors are not pickled (a pickle can run code when loaded); "
            "use autograd_core.save / autograd_core.load"
        )


class OutputSlot:
    """The ``_node`` of the k-th output of a node that has several outputs."""

    __slots__ = ("node", "index")

    def __init__(self, node, index: int) -> None:
        self.node = node
        self.index = index


class PostAccumulateGradHook:
    """A ``register_post_accumulate_grad_hook`` hook, kept in the leaf's ``_hooks`` list beside its
    gradient hooks; the engine runs it after accumulating (``engine._run``) and skips it before."""

    __slots__ = ("fn",)

    def __init__(self, fn) -> None:
        self.fn = fn


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _share_version(view: Tensor, base: Tensor) -> None:
    """``view`` shares ``base``'s memory, so one version counter serves both.  A view that is
    recorded (requires grad) also registers both tensors, weakly, on the counter: an in-place
    op on the tape refuses to modify one while another is alive, since the other's history
    would not know (see ops/inplace.py).  Temporaries (``y[1:] = y[1:] * 2``) don't count."""
    box = base._version_box()
    if view._rg:
        import weakref

        if len(box) == 1:
            box.append([weakref.ref(base)])
        refs = box[1]
        if len(refs) > 8:  # drop the dead ones now and then
            refs[:] = [r for r in refs if r() is not None]
        refs.append(weakref.ref(view))
    view._vc = box


def _has_graph_aliases(t: Tensor) -> bool:
    """Whether another live tensor in the graph shares ``t``'s memory (see _share_version)."""
    box = t._vc
    if box is None or len(box) == 1:
        return False
    for ref in box[1]:
        other = ref()
        if other is not None and other is not t:
            return True
    return False


def _node_hooks(t: Tensor) -> list:
    """The hook list for a non-leaf tensor, kept on its node (per output)."""
    node, index = (t._node.node, t._node.index) if t._node.__class__ is OutputSlot else (t._node, 0)
    if node._out_hooks is None:
        node._out_hooks = {}
    return node._out_hooks.setdefault(index, [])


def _check_dim(op: str, dim: int, ndim: int) -> int:
    """Normalise a possibly negative ``dim``; a clear error names the valid range."""
    lo, hi = (-ndim, ndim - 1) if ndim > 0 else (-1, 0)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    if dim < lo or dim > hi:
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dims (expected {lo} to {hi})")
    return dim + ndim if dim < 0 else (dim if ndim > 0 else 0)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


__all__ = ["Tensor", "OutputSlot", "RemovableHandle", "is_tensor", "GRAD_ENABLED"]

