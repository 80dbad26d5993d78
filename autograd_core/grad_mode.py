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
INFERENCE_MODE = [False]  # only reported by is_inference_mode_enabled: here it acts as no_grad


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


class inference_mode(_GradModeContext):
    """``no_grad`` under PyTorch's name for inference: nothing inside records onto the tape.

    ``inference_mode(False)`` turns it off again inside (and, as in PyTorch, turns grad mode on).
    Works as ``with`` block and as decorator, with or without parentheses.

    >>> import autograd_core as ag
    >>> x = ag.ones(2, requires_grad=True)
    >>> with ag.inference_mode():
    ...     y = x * 2
    >>> y.requires_grad, ag.is_inference_mode_enabled()
    (False, False)
    """

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):  # bare decorator: @ag.inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self._inference = bool(mode)
        self._mode = not self._inference

    def __enter__(self):
        self._prev_inference = INFERENCE_MODE[0]
        INFERENCE_MODE[0] = self._inference
        return super().__enter__()

    def __exit__(self, *exc):
        INFERENCE_MODE[0] = self._prev_inference
        return super().__exit__(*exc)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(self._inference):
                return fn(*args, **kwargs)

        return wrapper


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return INFERENCE_MODE[0]


def is_grad_enabled() -> bool:
    """True when ops record onto the tape."""
    return GRAD_ENABLED[0]
