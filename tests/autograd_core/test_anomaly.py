"""Anomaly mode: the first op whose forward or backward produced NaN/Inf is named, with where it was made."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import anomaly

THIS_FILE = os.path.basename(__file__)


@pytest.fixture(autouse=True)
def anomaly_off_and_quiet():
    ag.set_detect_anomaly(False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's "invalid value" warnings are expected here
        yield
    leaked = anomaly.is_anomaly_enabled()
    ag.set_detect_anomaly(False)  # never let one failure switch anomaly mode on for the tests after it
    assert not leaked, "a test left anomaly mode on"


def test_backward_nan_names_the_backward_node_and_where_its_forward_was_created():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with ag.detect_anomaly():
        y = x.sqrt()  # finite forward; d/dx sqrt at 0 is inf, times 0 gives nan
        loss = (y * 0.0).sum()
        with pytest.raises(FloatingPointError) as info:
            loss.backward()
    message = str(info.value)
    assert "SqrtBackward" in message
    assert THIS_FILE in message and "x.sqrt()" in message  # the forward line, not the backward machinery


def test_backward_inf_is_reported_like_nan():
    x = ag.tensor([0.0], dtype=ag.float64, requires_grad=True)
    with ag.detect_anomaly():
        y = x.sqrt()
        with pytest.raises(FloatingPointError, match="SqrtBackward"):
            y.sum().backward()


def test_forward_nan_names_the_op_and_the_line():
    x = ag.tensor([-1.0, 1.0], requires_grad=True)
    with ag.detect_anomaly():
        with pytest.raises(FloatingPointError) as info:
            x.log()
    message = str(info.value)
    assert "Log" in message and "forward" in message
    assert THIS_FILE in message


def test_forward_inf_from_division_is_caught():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with ag.detect_anomaly():
        with pytest.raises(FloatingPointError, match="Div"):
            x / ag.tensor([0.0, 1.0])


def test_without_anomaly_mode_nan_flows_through_silently():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    (x.sqrt() * 0.0).sum().backward()
    assert np.isnan(x.grad.numpy()[0]) and x.grad.numpy()[1] == 0.0


def test_finite_computations_are_unchanged_by_anomaly_mode():
    x = ag.tensor([0.5, 1.5], dtype=ag.float64, requires_grad=True)
    with ag.detect_anomaly():
        (x.exp() * x.sin()).sum().backward()
    xv = np.array([0.5, 1.5])
    np.testing.assert_allclose(x.grad.numpy(), np.exp(xv) * (np.sin(xv) + np.cos(xv)), rtol=1e-12)


def test_integer_and_bool_results_are_not_checked():
    x = ag.tensor([1.0, float("nan")])
    with ag.detect_anomaly():
        mask = x.isnan()  # a bool result; the NaN input is not this op's doing
    assert mask.tolist() == [False, True]


def test_set_detect_anomaly_as_a_plain_call():
    try:
        ag.set_detect_anomaly(True)
        assert anomaly.is_anomaly_enabled()
    finally:
        ag.set_detect_anomaly(False)
    assert not anomaly.is_anomaly_enabled()


def test_set_detect_anomaly_as_context_restores_the_previous_state():
    try:
        with ag.set_detect_anomaly(True):
            assert anomaly.is_anomaly_enabled()
        assert not anomaly.is_anomaly_enabled()
        with ag.detect_anomaly():
            with ag.set_detect_anomaly(False):
                assert not anomaly.is_anomaly_enabled()
            assert anomaly.is_anomaly_enabled()
        assert not anomaly.is_anomaly_enabled()
    finally:
        ag.set_detect_anomaly(False)


def test_detect_anomaly_restores_previous_state_on_exception():
    with pytest.raises(ZeroDivisionError):
        with ag.detect_anomaly():
            raise ZeroDivisionError
    assert not anomaly.is_anomaly_enabled()


def test_anomaly_names_are_reachable_from_autograd():
    assert ag.autograd.detect_anomaly is ag.detect_anomaly
    assert ag.autograd.set_detect_anomaly is ag.set_detect_anomaly
