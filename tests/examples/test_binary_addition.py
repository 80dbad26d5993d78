"""examples/binary_addition.py: the i-am-trask RNN's printed errors reproduce; LSTM and GRU learn the task."""

from __future__ import annotations

import pytest

from examples import binary_addition

# The blog's "Error" (sum |y - out| over the 8 bits) at iterations 0, 1000, ..., 9000, printed by its NumPy
# code with np.random.seed(0) (here to full float64 precision, re-run from that code).
PUBLISHED = [3.45638663235765, 3.633891164979351, 3.913665947578974, 3.7219170227349725, 3.585271302682956,
             2.5335232775439245, 0.5769144082085162, 1.4258995202888305, 0.4747745696070599, 0.21595036893659317]


def test_first_printed_errors_are_the_blogs():
    metrics = binary_addition.main(["--steps", "1001", "--no-progress"])
    assert metrics["errors"] == pytest.approx(PUBLISHED[:2], rel=1e-6)
    assert metrics["accuracy"] < 0.5  # untrained: sums are not yet right


@pytest.mark.slow
def test_full_trajectory_and_all_pairs_exact():
    metrics = binary_addition.main(["--no-progress"])
    assert metrics["errors"] == pytest.approx(PUBLISHED, rel=1e-6)
    assert all(guess == a + b for a, b, guess in metrics["sums"][6:])  # exact from iteration 6,000
    assert metrics["sums"][-1] == (11, 3, 14)
    assert metrics["accuracy"] == 1.0


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_cells_reduce_the_error(cell):
    metrics = binary_addition.main(["--cell", cell, "--steps", "200", "--print-every", "50", "--no-progress"])
    first, last = metrics["errors"][0], metrics["errors"][-1]
    assert first > 3.0  # chance: about 4 of the 8 bits wrong by 0.5
    assert last < 0.5 * first
    assert sum(metrics["losses"][-10:]) < 0.5 * sum(metrics["losses"][:10])
