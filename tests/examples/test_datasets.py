"""examples/datasets.py: the digits split and sizes, bilinear resizing, and the MNIST IDX reader."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from examples import datasets


def write_idx(path, array: np.ndarray, compress: bool = False) -> None:
    """Write ``array`` (uint8) as an IDX file: two zero bytes, type 0x08, ndim, big-endian dims, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    if compress:
        with gzip.open(str(path) + ".gz", "wb") as f:
            f.write(payload)
    else:
        with open(path, "wb") as f:
            f.write(payload)


def write_fake_mnist(directory, n_train: int = 60, n_test: int = 20, compress: bool = True, seed: int = 0):
    """Four small IDX files in MNIST's names: each class a bright bar at its own row, plus noise."""
    rng = np.random.default_rng(seed)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        images = rng.integers(0, 40, size=(n, 28, 28)).astype(np.uint8)
        images[np.arange(n), 4 + 2 * labels, 4:24] = 255
        write_idx(directory / f"{prefix}-images-idx3-ubyte", images, compress)
        write_idx(directory / f"{prefix}-labels-idx1-ubyte", labels, compress)
    return directory


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trips_plain_and_gzipped(tmp_path, compress):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a-idx3-ubyte", array, compress)
    path = tmp_path / ("a-idx3-ubyte.gz" if compress else "a-idx3-ubyte")
    np.testing.assert_array_equal(datasets.read_idx(path), array)


def test_read_idx_rejects_other_files_and_short_data(tmp_path):
    (tmp_path / "junk").write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(tmp_path / "junk")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + b"\x01\x02")
    with pytest.raises(ValueError, match="10 bytes"):
        datasets.read_idx(tmp_path / "short")


def test_load_mnist_reads_the_four_files_and_pads_to_32(tmp_path):
    write_fake_mnist(tmp_path, n_train=30, n_test=10)
    x_train, y_train, x_test, y_test = datasets.load_mnist(tmp_path)
    assert x_train.shape == (30, 1, 28, 28) and x_test.shape == (10, 1, 28, 28)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert x_train.max() == 1.0 and x_train.min() >= 0.0
    np.testing.assert_array_equal(y_test, np.arange(10))
    x32, _, _, _ = datasets.load_mnist(tmp_path, size=32)
    assert x32.shape == (30, 1, 32, 32)
    np.testing.assert_array_equal(x32[:, :, 2:30, 2:30], x_train)
    assert x32[:, :, :2].sum() == 0


def test_load_mnist_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.*never downloads"):
        datasets.load_mnist(tmp_path)


def test_resize_bilinear_keeps_constants_and_interpolates_between_centres():
    np.testing.assert_allclose(datasets.resize_bilinear(np.full((3, 8, 8), 0.5), 32, 32), 0.5)
    row = datasets.resize_bilinear(np.array([[0.0, 1.0]]), 1, 4)[0]
    np.testing.assert_allclose(row, [0.0, 0.25, 0.75, 1.0])


def test_digits_split_is_fixed_stratified_and_comes_in_three_sizes():
    pytest.importorskip("sklearn")
    x8, y_train, x8_test, y_test = datasets.load_digits(size=8)
    assert x8.shape == (1347, 1, 8, 8) and x8_test.shape == (450, 1, 8, 8)
    assert 0.0 <= x8.min() and x8.max() <= 1.0
    # stratified: every class keeps about a quarter of its images in the test split
    counts = np.bincount(y_test, minlength=10) / (np.bincount(y_test, minlength=10) + np.bincount(y_train))
    assert np.all(np.abs(counts - 0.25) < 0.01)
    x28, y28, _, _ = datasets.load_digits(size=28)
    x32, y32, _, _ = datasets.load_digits(size=32)
    np.testing.assert_array_equal(y28, y_train)  # the same images in the same order at every size
    np.testing.assert_array_equal(y32, y_train)
    assert x28.shape == (1347, 1, 28, 28) and x32.shape == (1347, 1, 32, 32)
    assert x28[:, :, :4].sum() == 0 and x28[:, :, 24:].sum() == 0  # MNIST layout: 20x20 digit, 4-pixel border
    # resizing keeps each image's mean brightness (within the interpolation's edge effects)
    np.testing.assert_allclose(x32.mean(axis=(1, 2, 3)), x8.mean(axis=(1, 2, 3)), atol=0.02)


def test_validation_split_is_seeded_and_disjoint():
    x = np.arange(100)
    fit, fit_y, val, val_y = datasets.validation_split(x, x, 0.1, seed=3)
    assert len(val) == 10 and len(fit) == 90
    assert set(fit) | set(val) == set(range(100)) and not set(fit) & set(val)
    np.testing.assert_array_equal(val, datasets.validation_split(x, x, 0.1, seed=3)[2])
    np.testing.assert_array_equal(fit, fit_y)
