"""examples/perceptron.py: the classic rule on the AND gate ends at (-3, 2, 1)."""

from __future__ import annotations

import pytest

from examples import perceptron


@pytest.mark.parametrize("epochs", [10, 100])
def test_and_gate_weights_are_the_published_ones(epochs):
    metrics = perceptron.main(["--epochs", str(epochs)])
    assert metrics["weights"] == (-3.0, 2.0, 1.0)
    assert metrics["accuracy"] == 1.0


def test_one_epoch_is_not_enough():
    metrics = perceptron.main(["--epochs", "1"])
    assert metrics["accuracy"] < 1.0
