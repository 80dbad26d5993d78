"""examples/digits.py: LeNet-5's parameter count, reduced runs that learn, MNIST files, the full-run goals."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from examples import digits
from tests.examples.test_datasets import write_fake_mnist


@pytest.fixture(autouse=True)
def one_blas_thread():
    """The example asks for one BLAS thread before NumPy loads; under pytest NumPy is already loaded."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1):
        yield


@pytest.mark.parametrize(("arch", "side"), [("book", 28), ("classic", 32)])
def test_both_lenet_geometries_have_the_books_61706_parameters(arch, side):
    model = digits.LeNet5(arch)
    assert digits.count_parameters(model) == digits.LENET_PARAMETERS == 61_706
    assert model(ag.zeros(2, 1, side, side)).shape == (2, 10)
    assert model.features(ag.zeros(1, 1, side, side)).shape == (1, 120, 1, 1)  # C5 is 120 @ 1x1


def test_random_shift_moves_whole_images_within_the_limit():
    rng = np.random.default_rng(0)
    images = np.zeros((50, 1, 8, 8), dtype=np.float32)
    images[:, 0, 3:5, 3:5] = 1.0
    shifted = digits.random_shift(images, 2, rng)
    assert shifted.shape == images.shape
    np.testing.assert_array_equal(shifted.sum(axis=(1, 2, 3)), 4.0)  # nothing falls off an 8x8 field
    rows = np.argmax(shifted[:, 0].any(axis=2), axis=1)
    assert set(rows) <= {1, 2, 3, 4, 5} and len(set(rows)) > 1
    assert digits.random_shift(images, 0, rng) is images


def test_mlp_reduced_run_learns():
    pytest.importorskip("sklearn")
    metrics = digits.main(["--model", "mlp", "--epochs", "4", "--no-progress"])
    assert metrics["train_loss"][-1] < metrics["train_loss"][0] / 3
    assert metrics["val_accuracy"][-1] > metrics["val_accuracy"][0]
    assert metrics["test_accuracy"] > 0.85


def test_lenet_reduced_run_learns_and_plots(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    path = tmp_path / "lenet.png"
    metrics = digits.train("lenet", epochs=5, lr=3e-3, limit=700, progress=False, plot=str(path), log=None)
    assert metrics["parameters"] == 61_706
    assert len(metrics["val_accuracy"]) == 5
    assert metrics["train_loss"][-1] < metrics["train_loss"][0] / 2
    assert metrics["test_accuracy"] > 0.6  # chance is 0.1
    assert path.stat().st_size > 0


def test_book_variant_reads_mnist_idx_files(tmp_path):
    write_fake_mnist(tmp_path, n_train=200, n_test=50)
    metrics = digits.train(
        "lenet", epochs=3, arch="book", mnist=str(tmp_path), batch_size=32, lr=3e-3, progress=False, log=None
    )
    assert metrics["data"].startswith("MNIST") and metrics["parameters"] == 61_706
    assert metrics["train_loss"][-1] < metrics["train_loss"][0]
    mlp = digits.train("mlp", epochs=2, mnist=str(tmp_path), progress=False, log=None)  # 784 inputs
    assert mlp["parameters"] == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10


def test_cuda_device_is_passed_through():
    pytest.importorskip("sklearn")
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(Exception, match="CuPy"):
            digits.train("mlp", epochs=1, device="cuda", limit=100, progress=False, log=None)
    else:
        metrics = digits.train("mlp", epochs=1, device="cuda", progress=False, log=None)
        assert 0.0 <= metrics["test_accuracy"] <= 1.0


@pytest.mark.slow
def test_full_runs_reach_the_goals():
    assert digits.main(["--model", "mlp", "--no-progress"])["test_accuracy"] >= 0.97
    assert digits.main(["--model", "lenet", "--no-progress"])["test_accuracy"] >= 0.98


@pytest.mark.slow
def test_demo_preset_reaches_097_in_30_epochs():
    metrics = digits.train("lenet", epochs=30, lr=3e-3, cosine=True, progress=False, log=None)
    assert metrics["test_accuracy"] >= 0.97
