"""examples/moons.py: the tutorial's printed losses reproduce; accuracies as published."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")

from examples import moons  # noqa: E402


def test_hidden_3_losses_at_passes_0_and_1000_are_the_published_ones():
    metrics = moons.main(["--hidden", "3", "--passes", "1001", "--no-logistic", "--no-progress"])
    assert metrics["losses"]["hidden 3"] == [(0, pytest.approx(0.432387, abs=5e-7)),
                                             (1000, pytest.approx(0.068947, abs=5e-7))]
    assert metrics["accuracy"]["hidden 3"] >= 0.96


def test_logistic_regression_baseline_and_boundary_plot(tmp_path):
    path = tmp_path / "moons.png"
    metrics = moons.main(["--hidden", "1", "--passes", "1000", "--no-progress", "--plot", str(path)])
    assert metrics["accuracy"]["logistic regression"] == pytest.approx(0.845, abs=0.01)
    assert path.stat().st_size > 0


@pytest.mark.slow
def test_full_runs_reach_the_published_accuracies():
    metrics = moons.main(["--hidden", "1", "3", "--no-progress"])
    acc = metrics["accuracy"]
    assert acc["hidden 3"] == pytest.approx(0.975, abs=1e-9)
    assert acc["hidden 1"] == pytest.approx(0.865, abs=0.01)
    assert acc["logistic regression"] == pytest.approx(0.845, abs=0.01)
