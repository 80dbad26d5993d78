"""Anomaly mode: name the first op whose forward or backward produced NaN/Inf, and where it was made.

>>> import autograd_core as ag
>>> x = ag.tensor([0.0], requires_grad=True)
>>> with ag.detect_anomaly():
...     try:
...         (x.sqrt() * 0.0).sum().backward()
...     except FloatingPointError as e:
...         print(str(e).splitlines()[0])
anomaly: SqrtBackward returned nan/inf values in its gradient; the forward op was created at:
"""

from __future__ import annotations

from autograd_core import function as _fn


class detect_anomaly:
    """Context manager: while active every op records where it was created and checks its results.

    Costs a stack capture and a finiteness check per op: use it to debug, not to train.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _fn.ANOMALY[0]
        _fn.ANOMALY[0] = self.check_nan
        return self

    def __exit__(self, *exc):
        _fn.ANOMALY[0] = self._prev
        return False


class set_detect_anomaly(detect_anomaly):
    """``set_detect_anomaly(mode)``: turn anomaly mode on or off (also usable with ``with``)."""

    def __init__(self, mode: bool) -> None:
        super().__init__(mode)
        self._prev = _fn.ANOMALY[0]
        _fn.ANOMALY[0] = bool(mode)

    def __enter__(self):
        return self  # already set by the constructor; __exit__ restores the state before it


def is_anomaly_enabled() -> bool:
    return _fn.ANOMALY[0]


_CHECK_NAN = [True]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly mode on or off for the rest of the program (``torch.set_anomaly_enabled``).
    Here anomaly mode's checks are the NaN/Inf checks, so ``check_nan=False`` leaves it off, as
    ``detect_anomaly(check_nan=False)`` does; ``is_anomaly_check_nan_enabled`` reports it."""
    _CHECK_NAN[0] = bool(check_nan)
    _fn.ANOMALY[0] = bool(enabled) and bool(check_nan)


def is_anomaly_check_nan_enabled() -> bool:
    """The ``check_nan`` that ``set_anomaly_enabled`` was last given (True at start)."""
    return _CHECK_NAN[0]
