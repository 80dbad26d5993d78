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
