"""``ag.random``: PyTorch's ``torch.random`` (seeding and the cpu generator's state), plus ``fork_rng``.

>>> import autograd_core as ag
>>> state = ag.random.get_rng_state()
>>> with ag.random.fork_rng():
...     _ = ag.manual_seed(0)
...     inside = ag.rand(2)
>>> ag.random.get_rng_state().tolist() == state.tolist()   # the stream outside is where it was
True
"""

from __future__ import annotations

import contextlib

from autograd_core.factories import default_generator, get_rng_state, initial_seed, manual_seed, set_rng_state

__all__ = ["default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed", "set_rng_state"]


def seed() -> int:
    """Seed every device's generator from fresh entropy and return the seed (``torch.seed``)."""
    return default_generator.seed()


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng", _devices_kw: str = "devices",
             device_type: str = "cuda"):
    """Run the block with the random streams forked: on leaving it, the cpu generator (and those
    of the GPUs in ``devices``, by default every GPU there is) are back where they were.
    ``enabled=False`` makes it do nothing."""
    if not enabled:
        yield
        return
    from autograd_core import cuda

    if device_type != "cuda":
        raise ValueError(f"fork_rng: device_type must be 'cuda' (the one accelerator here), got {device_type!r}")
    if devices is None:
        devices = range(cuda.device_count()) if cuda.is_available() else ()
    gpu_states = [(d, cuda.get_rng_state(d)) for d in devices]
    cpu_state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(cpu_state)
        for d, state in gpu_states:
            cuda.set_rng_state(state, d)
