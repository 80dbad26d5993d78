"""Grad mode: whether ops record onto the tape.  Context managers that double as decorators.

The flag is a one-element list read on every op, so checking it costs one
index; it is process-wide (like a single-threaded PyTorch program's).

>>> import autograd_core as ag
>>> x = ag.ones(2, requires_grad=True)
>>> with ag.no_grad():
...     y = x * 2
>>> y.requires_grad
False
"""

from __future__ import annotations

import functools

GRAD_ENABLED = [True]


class _GradModeContext:
    """Base for the grad-mode managers: usable as ``with`` block or as decorator."""

    _mode: bool

    def __enter__(self):
        self._prev = GRAD_ENABLED[0]
        GRAD_ENABLED[0] = self._mode
        return self

    def __exit__(self, *exc):
        GRAD_ENABLED[0] = self._prev
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = GRAD_ENABLED[0]
            GRAD_ENABLED[0] = mode
            try:
                return fn(*args, **kwargs)
            finally:
                GRAD_ENABLED[0] = prev

        return wrapper


class no_grad(_GradModeContext):
    """Disable recording: results of ops inside do not require grad."""

    _mode = False


class enable_grad(_GradModeContext):
    """Re-enable recording inside a ``no_grad`` block."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``; takes effect at once, and is undone on exit from ``with``."""

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._prev = GRAD_ENABLED[0]
        GRAD_ENABLED[0] = self._mode

    def __enter__(self):
        return self

    def __call__(self, fn):
        # Used as a decorator the constructor's immediate effect is undone (PyTorch does the same).
        GRAD_ENABLED[0] = self._prev
        return super().__call__(fn)


def is_grad_enabled() -> bool:
    """True when ops record onto the tape."""
    return GRAD_ENABLED[0]
