"""examples/autoencoders.py: the book's layer sizes, falling validation losses, deep beats vanilla."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from examples import autoencoders

pytest.importorskip("sklearn")


@pytest.fixture(autouse=True)
def one_blas_thread():
    """The examples ask for one BLAS thread before NumPy loads; under pytest NumPy is already loaded."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1):
        yield


def test_the_books_sizes_and_its_7009_parameter_conv_model():
    count = autoencoders.count_parameters
    assert count(autoencoders.build("conv")) == 7_009
    assert count(autoencoders.build("vanilla", code=64)) == 784 * 64 + 64 + 64 * 784 + 784
    sizes = [784, 512, 256, 128, 64, 128, 256, 512, 784]
    assert count(autoencoders.build("deep", code=64)) == sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    conv = autoencoders.build("conv")
    x = ag.zeros(2, 1, 28, 28)
    assert conv.encoder(x).shape == (2, 8, 4, 4)  # 28 -> 14 -> 7 -> 4 ('same' pooling)
    for kind in autoencoders.KINDS:
        assert autoencoders.build(kind)(x).shape == (2, 1, 28, 28)


def test_noise_is_clipped_to_the_pixel_range():
    clean = np.full((200, 1, 28, 28), 0.5, dtype=np.float32)
    noisy = autoencoders.add_noise(clean, np.random.default_rng(0))
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0
    assert abs(float((noisy - clean).std()) - 0.25) < 0.01  # clipping at 0.5 +- 2 sigma barely matters


def test_conv_and_denoising_losses_fall_and_reconstructions_plot(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "ae.png"
    metrics = autoencoders.main(
        [
            "--kind",
            "conv",
            "--epochs",
            "4",
            "--limit",
            "600",
            "--batch-size",
            "64",
            "--no-progress",
            "--plot",
            str(path),
        ]
    )
    losses = metrics["conv"]["val_loss"]
    assert losses[-1] < 0.8 * losses[0]
    assert path.stat().st_size > 0
    metrics = autoencoders.main(
        ["--kind", "denoise", "--epochs", "4", "--limit", "600", "--batch-size", "64", "--no-progress"]
    )
    losses = metrics["denoise"]["val_loss"]
    assert losses[-1] < 0.8 * losses[0]


def test_deep_reaches_a_lower_validation_loss_than_vanilla():
    """The book's comparison, in a reduced run: 20 of the 50 epochs (code 16, the full training split)."""
    vanilla = autoencoders.main(["--kind", "vanilla", "--epochs", "20", "--no-progress"])["vanilla"]["val_loss"]
    deep = autoencoders.main(["--kind", "deep", "--epochs", "20", "--no-progress"])["deep"]["val_loss"]
    assert vanilla[-1] < vanilla[0] and deep[-1] < deep[0]
    assert deep[-1] < vanilla[-1]


@pytest.mark.slow
def test_full_run_deep_beats_vanilla_after_the_books_50_epochs():
    metrics = autoencoders.main(["--kind", "all", "--no-progress"])
    assert metrics["deep"]["val_loss"][-1] < metrics["vanilla"]["val_loss"][-1]
    assert metrics["denoise"]["val_loss"][-1] < metrics["denoise"]["val_loss"][0] / 2
