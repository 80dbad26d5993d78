"""``Parameter``: a leaf tensor that a ``Module`` registers as one of its weights."""

from __future__ import annotations

from autograd_core import Tensor


class Parameter(Tensor):
    """A tensor that is a module's parameter: assigning one to a module attribute registers it.

    >>> import autograd_core as ag, nn
    >>> p = nn.Parameter(ag.ones(2))
    >>> p.requires_grad, p.is_leaf
    (True, True)
    """

    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            from autograd_core import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter: expected a Tensor, got {type(data).__name__}; wrap data with ag.tensor(...)")
        self._data = data._data  # shares storage with ``data``, as PyTorch's Parameter does
        self._dev = data._dev
        self._node = None
        self._rg = False
        self.grad = None
        self._vc = data._version_box()
        self._hooks = None
        self._retain = False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """A tensor that becomes a module's buffer when assigned to a module attribute
    (``self.mean = nn.Buffer(ag.zeros(3))``), the short form of ``register_buffer``; with
    ``persistent=False`` it stays out of ``state_dict``.  It shares ``data``'s memory, as
    PyTorch's ``nn.Buffer`` does.

    >>> import autograd_core as ag, nn
    >>> m = nn.Module()
    >>> m.mean = nn.Buffer(ag.zeros(3))
    >>> m.scratch = nn.Buffer(ag.zeros(1), persistent=False)
    >>> list(m.state_dict()), [name for name, _ in m.named_buffers()]
    (['mean'], ['mean', 'scratch'])
    """

    __slots__ = ()
    persistent = True  # (a class attribute: a non-persistent buffer is a _NonPersistentBuffer, same layout)

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        return object.__new__(Buffer if persistent else _NonPersistentBuffer)

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        if data is None:
            from autograd_core import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Buffer: expected a Tensor, got {type(data).__name__}; wrap data with ag.tensor(...)")
        self._data, self._dev = data._data, data._dev
        self._node, self._rg, self.grad = None, False, None
        self._vc = data._version_box()  # in-place changes of either are seen by both
        self._hooks, self._retain = None, False
        if data.requires_grad:
            self.requires_grad_(True)


class _NonPersistentBuffer(Buffer):
    """``nn.Buffer(..., persistent=False)``."""

    __slots__ = ()
    persistent = False
