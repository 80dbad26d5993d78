"""examples/stack_reversal.py: a Stack-LSTM learns to reverse and generalises to 2x longer sequences."""

from __future__ import annotations

import numpy as np
import pytest

from examples import stack_reversal

FAST = ["--steps", "200", "--max-len", "4", "--test-per-length", "25", "--log-every", "0"]


def test_batches_are_symbols_delimiter_go_and_the_reversed_targets():
    tokens, y = stack_reversal.make_batch(np.random.default_rng(0), batch=3, length=5, vocab=6, task="reverse")
    assert tokens.shape == (11, 3) and y.shape == (5, 3)
    assert (tokens[5] == 6).all() and (tokens[6:] == 7).all()
    np.testing.assert_array_equal(y, tokens[:5][::-1])
    tokens, y = stack_reversal.make_batch(np.random.default_rng(0), batch=3, length=5, vocab=6, task="copy")
    np.testing.assert_array_equal(y, tokens[:5])


@pytest.mark.parametrize("task, memory", [("reverse", "stack"), ("copy", "queue")])
def test_memory_model_loss_falls_and_training_accuracy_rises(task, memory, tmp_path):
    plot = tmp_path / "loss.png"
    metrics = stack_reversal.main(FAST + ["--task", task, "--models", memory, "--plot", str(plot)])
    assert plot.stat().st_size > 0
    m = metrics["Stack-LSTM" if memory == "stack" else "Queue-LSTM"]
    assert m["final_loss"] < 0.25 * m["first_loss"]
    assert m["initial_train_acc"] < 0.3
    assert m["train_acc"] > 0.9


@pytest.mark.slow
def test_stack_generalises_to_twice_the_training_length_and_the_lstm_does_not():
    metrics = stack_reversal.main(["--log-every", "0"])
    assert metrics["Stack-LSTM"]["long_acc"] >= 0.99
    assert metrics["LSTM"]["train_acc"] > 0.9
    assert metrics["LSTM"]["long_acc"] < 0.8


@pytest.mark.slow
def test_queue_generalises_on_copying_and_the_lstm_does_not():
    metrics = stack_reversal.main(["--task", "copy", "--log-every", "0"])
    assert metrics["Queue-LSTM"]["long_acc"] >= 0.99
    assert metrics["LSTM"]["long_acc"] < 0.8
