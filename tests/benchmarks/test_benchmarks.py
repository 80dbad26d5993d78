"""The benchmark programs' correctness checks and memory goals, in CI (never their timings: the
machines are shared and noisy).  Each benchmark first checks that its references compute what
autograd_core computes; these tests run those checks, and assert the peak-memory goals, which
tracemalloc measures deterministically."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))  # the benchmarks import each other by module name

bench_core = pytest.importorskip("bench_core")
bench_conv = pytest.importorskip("bench_conv")
bench_lstm = pytest.importorskip("bench_lstm")
bench_models = pytest.importorskip("bench_models")

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def test_core_references_agree_with_ours():
    assert bench_core.check_references("cpu", HAVE_TORCH).startswith("references agree")


def test_core_mlp_step_peak_memory_is_within_the_goal():
    params, x, y = bench_core.init_mlp(seed=0)
    _, ours = bench_core.peak_step_memory(lambda: bench_core.OursMLP(params, x, y, "cpu").step)
    _, numpy_step = bench_core.peak_step_memory(lambda: bench_core.NumpyMLP(params, x, y).step)
    assert ours <= 1.3 * numpy_step, f"MLP step peak {ours} bytes vs NumPy's {numpy_step}: over the 1.3x goal"


def test_conv_and_lenet_checks_pass():
    assert bench_conv.check_conv(HAVE_TORCH).startswith("checked")
    bench_conv.check_lenet(HAVE_TORCH)  # raises SystemExit on a mismatch


def test_lstm_references_agree_and_peak_memory_is_within_the_goal():
    params, x, y = bench_lstm.init_params()
    assert bench_lstm.check_references(params, x, y, HAVE_TORCH).startswith("references agree")
    _, ours = bench_core.peak_step_memory(lambda: bench_lstm.Ours(params, x, y).step)
    _, floor = bench_core.peak_step_memory(lambda: bench_lstm.NumpyFloor(params, x, y).step)
    assert ours <= 1.5 * floor, f"LSTM step peak {ours} bytes vs the floor's {floor}: over the 1.5x goal"


@pytest.mark.parametrize("workload", ["mlp", "lenet", "conv", "lstm"])  # (mlp-wide: too big for CI)
def test_models_benchmark_losses_agree_with_pytorch(workload):
    pytest.importorskip("torch")
    bench_models.check(workload, "cpu")  # raises SystemExit unless three steps' losses agree
