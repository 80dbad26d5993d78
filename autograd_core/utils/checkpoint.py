"""``checkpoint``: trade compute for memory, as ``torch.utils.checkpoint``.

``checkpoint(fn, *args)`` runs ``fn`` recording the graph as usual, but inside a
``saved_tensors_hooks`` pair that keeps none of the tensors its ops save for backward: each is
replaced by its position in the order of saving.  When backward first needs one of them,
``fn`` runs again on the same inputs (with the random generators as they were, so dropout draws
the same mask), the tensors that run saves are collected in the same order, and from then on
backward reads those.  The activations inside ``fn`` thus live only while backward goes through
it.  ``fn`` must compute the same thing twice: a recomputation that saves a different number of
tensors, or tensors of other shapes or dtypes, raises ``CheckpointError``.

This is PyTorch's non-reentrant algorithm, used here for both ``use_reentrant`` values (the
gradients are the same).  With ``use_reentrant=True``, PyTorch's default when it is not given,
an ``fn`` whose tensor inputs all don't require grad gets no graph, as there ("None of the
inputs have requires_grad=True"); unlike PyTorch's reentrant variant, ``autograd.grad`` works.

>>> import autograd_core as ag, nn
>>> from autograd_core.utils.checkpoint import checkpoint
>>> layer = nn.Linear(3, 3)
>>> x = ag.ones(2, 3, requires_grad=True)
>>> checkpoint(lambda t: layer(t).tanh(), x, use_reentrant=False).sum().backward()
>>> x.grad.shape, layer.weight.grad.shape
(torch.Size([2, 3]), torch.Size([3, 3]))
"""

from __future__ import annotations

import warnings

from autograd_core.autograd.graph import saved_tensors_hooks
from autograd_core.grad_mode import GRAD_ENABLED, no_grad, set_grad_enabled
from autograd_core.tensor import Tensor

__all__ = ["CheckpointError", "checkpoint", "checkpoint_sequential"]


class CheckpointError(RuntimeError):
    """The recomputation saved different tensors than the first run (``fn`` is not deterministic)."""


def _noop_context_fn():
    from contextlib import nullcontext

    return nullcontext(), nullcontext()


def checkpoint(function, *args, use_reentrant: bool | None = None, context_fn=_noop_context_fn,
               determinism_check: str = "default", debug: bool = False, early_stop: bool = True, **kwargs):
    """``function(*args, **kwargs)``, keeping none of its intermediate values for backward: they
    are recomputed when backward needs them (see the module docstring).  ``preserve_rng_state``
    (default True) replays the random streams of the cpu and of the inputs' devices.
    ``context_fn`` returns two context managers, entered around the first run and around the
    recomputation.  ``determinism_check="none"`` skips the shape/dtype comparison of the
    recomputed tensors; ``debug`` and ``early_stop`` are accepted for PyTorch's signature.
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in "
            "PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant=False "
            "is recommended, but if you need to preserve the current default behavior, you can pass "
            "use_reentrant=True. Refer to docs for more details on the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve_rng_state = kwargs.pop("preserve_rng_state", True)
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    tensors = [a for a in args if isinstance(a, Tensor)]
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        if GRAD_ENABLED[0] and not any(t.requires_grad for t in tensors):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
            with no_grad():
                return function(*args)
    if not GRAD_ENABLED[0]:  # nothing will be saved: just run it
        return function(*args, **kwargs)
    frame = _Frame(function, args, kwargs, tensors, preserve_rng_state, determinism_check == "default", context_fn)
    forward_context, _ = context_fn()
    with saved_tensors_hooks(frame.pack, frame.unpack), forward_context:
        return function(*args, **kwargs)


class _Frame:
    """One checkpointed call: its inputs and random states, the metadata of what its first run
    saved, and (once backward asked) the tensors the recomputation saved, in the same order."""

    def __init__(self, function, args, kwargs, tensors, preserve_rng_state, check, context_fn) -> None:
        self.function, self.args, self.kwargs, self.check, self.context_fn = function, args, kwargs, check, context_fn
        self.metadata = []  # (shape, dtype, device) of each tensor the first run saved
        self.recomputed = None
        self.devices = []
        if preserve_rng_state:
            from backends import get_device

            for dev in [get_device("cpu")] + [t._dev for t in tensors]:
                if dev not in self.devices:
                    self.devices.append(dev)
        self.states = [dev.backend.get_rng_state() for dev in self.devices]

    def pack(self, t: Tensor) -> int:
        self.metadata.append((tuple(t._data.shape), t._data.dtype, t._dev))
        return len(self.metadata) - 1

    def unpack(self, index: int) -> Tensor:
        if self.recomputed is None:
            self.recomputed = self._recompute()
        return self.recomputed[index]

    def _recompute(self) -> list:
        saved = []
        keep_graph = GRAD_ENABLED[0]  # backward with create_graph: keep what recomputation saved differentiable

        def keep(t: Tensor) -> int:
            saved.append(t if keep_graph else t.detach())
            return len(saved) - 1

        now = [dev.backend.get_rng_state() for dev in self.devices]
        for dev, state in zip(self.devices, self.states):
            dev.backend.set_rng_state(state)
        _, recompute_context = self.context_fn()
        try:
            with set_grad_enabled(True), saved_tensors_hooks(keep, saved.__getitem__), recompute_context:
                self.function(*self.args, **self.kwargs)
        finally:
            for dev, state in zip(self.devices, now):
                dev.backend.set_rng_state(state)
        if len(saved) != len(self.metadata):
            raise CheckpointError(
                "torch.utils.checkpoint: A different number of tensors was saved during the original forward and "
                f"recomputation.\nNumber of tensors saved during forward: {len(self.metadata)}\nNumber of tensors "
                f"saved during recomputation: {len(saved)}.\nThe checkpointed function must compute the same "
                "thing each time it runs (no data-dependent randomness outside the generators, no global state)."
            )
        if self.check:
            for i, (t, (shape, dtype, dev)) in enumerate(zip(saved, self.metadata)):
                if (tuple(t._data.shape), t._data.dtype, t._dev) != (shape, dtype, dev):
                    raise CheckpointError(
                        "torch.utils.checkpoint: Recomputed values for the following tensors have different "
                        f"metadata than during the forward pass.\ntensor at position {i}:\nsaved metadata: "
                        f"{{'shape': {shape}, 'dtype': {dtype}, 'device': {dev}}}\nrecomputed metadata: "
                        f"{{'shape': {tuple(t._data.shape)}, 'dtype': {t._data.dtype}, 'device': {t._dev}}}"
                    )
        return saved


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None, **kwargs):
    """Run a sequence of modules (an ``nn.Sequential`` or a list) in ``segments`` chunks, each
    checkpointed except the last, as ``torch.utils.checkpoint.checkpoint_sequential``."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
            "explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. "
            "use_reentrant=False is recommended, but if you need to preserve the current default behavior, you "
            "can pass use_reentrant=True. Refer to docs for more details on the differences between the two "
            "variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    functions = list(functions)
    if segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be at least 1, got {segments}")
    size = len(functions) // segments

    def run(start: int, end: int):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x

        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
