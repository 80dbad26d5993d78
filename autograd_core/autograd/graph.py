"""``torch.autograd.graph``: hooks on the tensors the graph saves for backward.

Every op that needs a value in its backward keeps it with ``save_for_backward`` (built-in
primitives and user ``Function``s alike).  Inside ``saved_tensors_hooks(pack, unpack)`` each such
tensor goes through ``pack`` when it is saved, and the graph keeps only what ``pack`` returned;
backward calls ``unpack`` on that to get the tensor back.  That is how ``save_on_cpu`` parks
activations in host memory and how ``autograd_core.utils.checkpoint`` keeps nothing and
recomputes instead.

>>> import autograd_core as ag
>>> from autograd_core.autograd.graph import saved_tensors_hooks
>>> seen = []
>>> x = ag.tensor([1.0, 2.0], requires_grad=True)
>>> with saved_tensors_hooks(lambda t: seen.append(t.shape) or t.tolist(), lambda kept: ag.tensor(kept)):
...     y = (x * x).sum()
>>> y.backward(); x.grad.tolist(), len(seen)
([2.0, 4.0], 2)
"""

from __future__ import annotations

import contextlib

from autograd_core import function as _function

__all__ = ["disable_saved_tensors_hooks", "save_on_cpu", "saved_tensors_hooks"]

_DISABLED = [None]  # the message of the innermost disable_saved_tensors_hooks, or None


class saved_tensors_hooks:  # noqa: N801 (PyTorch's name)
    """Within the block, tensors saved for backward are ``pack_hook(tensor)``; backward reads
    them as ``unpack_hook(packed)``, which must give back a tensor of the same value.  Blocks nest
    (the innermost pair is used).  As in PyTorch, a tensor kept this way is not version-checked:
    what pack returns is what backward gets."""

    def __init__(self, pack_hook, unpack_hook) -> None:
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self) -> saved_tensors_hooks:
        if _DISABLED[0] is not None:
            raise RuntimeError(_DISABLED[0])
        _function.SAVED_HOOKS.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc) -> None:
        _function.SAVED_HOOKS.pop()


class save_on_cpu(saved_tensors_hooks):  # noqa: N801
    """Keep the tensors saved for backward in host memory (a copy, moved back to their device
    when backward needs them): GPU memory traded for transfers.  ``pin_memory`` is accepted for
    PyTorch's signature; host copies here are ordinary NumPy arrays."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack(t):
            return t._dev, t.detach().cpu() if t._dev.type != "cpu" else t.detach().clone()

        def unpack(packed):
            dev, host = packed
            return host.to(dev)

        super().__init__(pack, unpack)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str):
    """Within the block, entering ``saved_tensors_hooks`` raises RuntimeError(error_message)
    (for code whose saved tensors must stay as they are)."""
    previous = _DISABLED[0]
    _DISABLED[0] = error_message
    try:
        yield
    finally:
        _DISABLED[0] = previous
