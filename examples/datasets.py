"""Handwritten-digit data for the examples, loaded on the host with NumPy; nothing is downloaded.

Two sources:

* scikit-learn's bundled 8x8 digits (1,797 images, ships inside the scikit-learn package), split
  once into a fixed, stratified train/test split (25% test, ``split_seed`` 0) so every example and
  every run sees the same test images.  They come at three sizes:

  - ``8``: the original 8x8 images (what the MLP reads),
  - ``28``: MNIST's layout: the digit resized to 20x20 (bilinear) and centred in a 28x28 field
    with a 4-pixel border, as MNIST centres its 20x20 digits in 28x28 (the book's LeNet variant and
    the autoencoders read this),
  - ``32``: the 8x8 image resized (bilinear) to fill 32x32: LeNet-5's classic input size, and the
    resolution of the 32x32 NIST bitmaps that scikit-learn's digits were block-averaged down from.

* real MNIST from the four IDX files in a directory (``train-images-idx3-ubyte`` and friends,
  optionally gzipped), parsed with NumPy: ``load_mnist(directory, size=28 or 32)``.

Images are float32 in [0, 1] with shape ``(N, 1, H, W)``; labels are int64.

    >>> x_train, y_train, x_test, y_test = load_digits(size=32)   # doctest: +SKIP
    >>> x_train.shape, x_test.shape                               # doctest: +SKIP
    ((1347, 1, 32, 32), (450, 1, 32, 32))
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

__all__ = ["load_digits", "load_mnist", "read_idx", "resize_bilinear", "to_size", "validation_split"]

DIGITS_TEST_FRACTION = 0.25

# The names the MNIST files go by: the original distribution, and the dotted spelling some mirrors use.
_MNIST_FILES = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}

# IDX type codes (the third byte of the magic number) and the big-endian dtypes they stand for.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _interpolation_matrix(n_in: int, n_out: int) -> np.ndarray:
    """The (n_out, n_in) matrix of 1-D linear interpolation between pixel centres (half-pixel offsets)."""
    centres = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5  # output pixel centres in input coordinates
    centres = np.clip(centres, 0, n_in - 1)
    left = np.minimum(np.floor(centres).astype(int), n_in - 2) if n_in > 1 else np.zeros(n_out, dtype=int)
    weight_right = centres - left
    matrix = np.zeros((n_out, n_in))
    matrix[np.arange(n_out), left] = 1 - weight_right
    if n_in > 1:
        matrix[np.arange(n_out), left + 1] += weight_right
    return matrix


def resize_bilinear(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize ``(..., H, W)`` images to ``(..., height, width)`` by bilinear interpolation.

    Bilinear resizing is separable: one interpolation matrix for the rows, one for the columns.

    >>> resize_bilinear(np.arange(4.0).reshape(2, 2), 4, 4)[0]
    array([0.  , 0.25, 0.75, 1.  ])
    """
    rows = _interpolation_matrix(images.shape[-2], height)
    cols = _interpolation_matrix(images.shape[-1], width)
    return np.einsum("ih,...hw,jw->...ij", rows, images, cols)


def to_size(images: np.ndarray, size: int) -> np.ndarray:
    """Bring ``(N, 8, 8)`` digits to ``(N, 1, size, size)``: 8 as is, 28 in MNIST's layout, 32 filling the field."""
    if size == 8:
        out = images
    elif size == 28:  # MNIST: a 20x20 digit centred in a 28x28 field
        out = np.pad(resize_bilinear(images, 20, 20), ((0, 0), (4, 4), (4, 4)))
    elif size == 32:
        out = resize_bilinear(images, 32, 32)
    else:
        raise ValueError(f"size must be 8, 28 or 32, got {size}")
    return out[:, None].astype(np.float32)


def load_digits(
    size: int = 8, test_fraction: float = DIGITS_TEST_FRACTION, split_seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as ``(x_train, y_train, x_test, y_test)``, a fixed stratified split.

    The split depends only on ``split_seed`` (not on any training seed), so the test images are the
    same in every run.  Pixel values 0..16 are scaled to [0, 1].
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
        from sklearn.model_selection import train_test_split
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the digits examples read scikit-learn's bundled digits: pip install scikit-learn "
            "(or pass --mnist DIR with the MNIST IDX files)"
        ) from exc
    digits = sklearn_digits()
    images = digits.images / 16.0
    labels = digits.target.astype(np.int64)
    train_idx, test_idx = train_test_split(
        np.arange(len(labels)), test_size=test_fraction, random_state=split_seed, stratify=labels
    )
    x = to_size(images, size)
    return x[train_idx], labels[train_idx], x[test_idx], labels[test_idx]


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (the MNIST format), gzipped or not, into a NumPy array of its stored type.

    The header is two zero bytes, a type code, the number of dimensions, then one big-endian
    uint32 per dimension; the data follow in C order.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path}: not an IDX file (magic bytes {data[:4]!r})")
    ndim = data[3]
    header_end = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header_end != expected:
        raise ValueError(f"{path}: header says shape {shape} ({expected} bytes) but {len(data) - header_end} follow")
    return np.frombuffer(data, dtype=dtype, offset=header_end).reshape(shape)


def _find_mnist_file(directory: Path, key: str) -> Path:
    for name in _MNIST_FILES[key]:
        for candidate in (directory / name, directory / (name + ".gz")):
            if candidate.exists():
                return candidate
    wanted = " or ".join(f"{n}[.gz]" for n in _MNIST_FILES[key])
    raise FileNotFoundError(f"no MNIST file {wanted} in {directory} (this loader never downloads)")


def load_mnist(directory: str | os.PathLike, size: int = 28) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST from its four IDX files in ``directory``, as ``(x_train, y_train, x_test, y_test)``.

    ``size`` 28 keeps the images as they are; 32 pads them by 2 pixels (LeNet-5's classic input).
    Pixel values 0..255 are scaled to [0, 1].
    """
    directory = Path(directory)
    arrays = {key: read_idx(_find_mnist_file(directory, key)) for key in _MNIST_FILES}
    if size not in (28, 32):
        raise ValueError(f"MNIST comes at size 28 or 32 (padded), got {size}")
    pad = (size - 28) // 2
    out = []
    for split in ("train", "test"):
        images = arrays[f"{split}_images"].astype(np.float32) / 255.0
        images = np.pad(images, ((0, 0), (pad, pad), (pad, pad)))[:, None]
        labels = arrays[f"{split}_labels"].astype(np.int64)
        if len(images) != len(labels):
            raise ValueError(f"MNIST {split}: {len(images)} images but {len(labels)} labels")
        out += [images, labels]
    return tuple(out)


def validation_split(
    x: np.ndarray, y: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out a seeded random ``fraction`` of ``(x, y)`` for validation: ``(x_fit, y_fit, x_val, y_val)``."""
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = int(round(fraction * len(x)))
    val, fit = order[:n_val], order[n_val:]
    return x[fit], y[fit], x[val], y[val]
