"""examples/eleven_line_network.py: the blog's printed numbers, exact in float64."""

from __future__ import annotations

import pytest

from examples import eleven_line_network as eleven

TWO_LAYER_OUTPUT = [0.00966449, 0.00786506, 0.99358898, 0.99211957]
THREE_LAYER_ERRORS = [0.496410031903, 0.00858452565325, 0.00578945986251, 0.00462917677677,
                      0.00395876528027, 0.00351012256786]
SWEEP_AT_50000 = {0.001: 0.485977857846, 0.01: 0.0985964298089, 0.1: 0.0130144905381, 10.0: 0.00131274062834}


def test_two_layer_output_is_the_published_one():
    metrics = eleven.main(["two-layer", "--no-progress"])  # the full 10,000 steps: a few seconds
    assert metrics["output"] == pytest.approx(TWO_LAYER_OUTPUT, abs=1e-8)


def test_three_layer_first_two_errors_are_the_published_ones():
    metrics = eleven.main(["three-layer", "--steps", "10001", "--no-progress"])
    steps, errors = zip(*metrics["errors"])
    assert steps == (0, 10_000)
    assert errors == pytest.approx(THREE_LAYER_ERRORS[:2], rel=1e-9)


def test_sweep_reseeds_per_rate_and_a_larger_rate_learns_faster():
    metrics = eleven.main(["sweep", "--lrs", "0.1", "10", "--steps", "2001", "--print-every", "1000",
                           "--no-progress"])
    slow, fast = metrics["errors"][0.1], metrics["errors"][10.0]
    assert slow[0] == fast[0] == (0, pytest.approx(THREE_LAYER_ERRORS[0], rel=1e-9))  # same initial weights
    assert fast[-1][1] < slow[-1][1] < slow[0][1]


def test_dropout_network_classifies_xor_with_dropout_off():
    metrics = eleven.main(["dropout", "--steps", "3000", "--print-every", "1000", "--no-progress"])
    assert metrics["accuracy"] == 1.0
    assert metrics["errors"][-1][1] < metrics["errors"][0][1]


def test_error_plot(tmp_path):
    path = tmp_path / "errors.png"
    eleven.main(["three-layer", "--steps", "201", "--print-every", "100", "--no-progress", "--plot", str(path)])
    assert path.stat().st_size > 0


@pytest.mark.slow
def test_three_layer_full_trajectory():
    metrics = eleven.main(["three-layer", "--no-progress"])
    assert [e for _, e in metrics["errors"]] == pytest.approx(THREE_LAYER_ERRORS, rel=1e-9)
    assert metrics["accuracy"] == 1.0


@pytest.mark.slow
def test_learning_rate_sweep_full():
    metrics = eleven.main(["sweep", "--steps", "50001", "--no-progress"])
    assert metrics["step"] == 50_000
    final = metrics["final"]
    for lr, published in SWEEP_AT_50000.items():
        assert final[lr] == pytest.approx(published, rel=1e-9)
    assert final[100.0] == pytest.approx(0.1252, abs=5e-4)  # a plateau
    assert final[1000.0] == pytest.approx(0.5, abs=1e-3)  # saturated: diverged


@pytest.mark.slow
def test_dropout_full():
    metrics = eleven.main(["dropout", "--no-progress"])
    assert metrics["accuracy"] == 1.0
