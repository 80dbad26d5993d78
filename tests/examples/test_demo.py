"""The main demo runs end to end (a reduced run: two epochs) and learns something."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def test_demo_trains_lenet_on_digits_and_reports_test_accuracy(capsys):
    spec = importlib.util.spec_from_file_location("demo", DEMO)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    metrics = demo.main(["--epochs", "2", "--seed", "1"])
    assert metrics["epochs"] == 2
    assert metrics["test_accuracy"] > 0.5  # ten classes: chance is 0.1
    assert metrics["train_loss"][1] < metrics["train_loss"][0]
    assert "test accuracy" in capsys.readouterr().out
