"""examples/char_rnn.py: on a few hundred characters, each model's loss per character falls well below ln V."""

from __future__ import annotations

import math

import pytest

from examples import char_rnn

TEXT = (
    "The quick brown fox jumps over the lazy dog. A tape records every operation, and the backward pass "
    "reads the tape in reverse to add up the gradients. The quick brown fox jumps over the lazy dog again, "
    "and the network learns to spell the fox, the dog and the tape one character at a time.\n"
)


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(TEXT, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "model, steps",
    [("rnn", "300"), ("lstm", "60"), ("gru", "60")],
)
def test_loss_falls_below_uniform_and_samples_come_from_the_vocabulary(text_file, model, steps):
    metrics = char_rnn.main(["--model", model, "--text", text_file, "--steps", steps, "--hidden", "32",
                             "--seq-length", "16", "--sample-length", "30",
                             "--sample-every", "1000", "--temperature", "0.7", "--no-progress"])
    assert metrics["baseline"] == pytest.approx(math.log(len(set(TEXT))))
    first = sum(metrics["losses"][:5]) / 5
    assert first > 0.8 * metrics["baseline"]  # starts near chance
    assert metrics["loss_per_char"] < 0.6 * metrics["baseline"]
    assert len(metrics["sample"]) == 30
    assert set(metrics["sample"]) <= set(TEXT)


def test_default_text_is_pythons_own_documentation():
    text = char_rnn.load_text(None)
    assert len(text) > 100_000 and "the" in text
