"""Autoencoders on handwritten digits: vanilla, deep, convolutional and denoising, after the book.

Reproduces "Autoencoders on MNIST (book)" (see REFERENCE_EXPERIMENTS.md) at the book's 28x28
input size: scikit-learn's 8x8 digits resized to 20x20 and centred in 28x28 like MNIST (see
examples/datasets.py).  Training images: the 1,347 of the fixed digits training split, 20% of them
held out for validation (the test split is only plotted).  Adam (lr 1e-3), batch 256, 50 epochs;
ReLU inside, a sigmoid on the output (pixels are in [0, 1]); the printed validation loss is the MSE.

* ``vanilla``: 784-C-784, ``deep``: 784-512-256-128-C-128-256-512-784, with code size C = ``--code``.
  The book uses C = 64, but resizing and padding are linear, so these 28x28 digits span only a
  64-dimensional space: a 64-unit code is no bottleneck for them and the one-layer model wins.
  The default C = 16 makes the code a real bottleneck again (``--code 64`` gives the book's sizes).
* ``conv``: conv 32@3x3 same, pool 2, conv 8@3x3 same, pool 2, conv 8@3x3 same, pool 2 'same'
  (7 -> 4, ``ceil_mode=True``), then conv 8 + upsample 2, conv 8 + upsample 2, conv 32@3x3 valid
  (16 -> 14) + upsample 2, conv 1@3x3 same: 7,009 parameters, as the book counts.
* ``denoise``: the conv model trained on inputs + 0.25 N(0, 1) clipped to [0, 1] (noise drawn once,
  as the book does), with the clean image as the target.

Training loss (``--loss``): MSE for the dense models.  The conv models are trained with binary
cross-entropy, as in the Keras blog post the book's conv autoencoder comes from: with MSE through
the sigmoid they stall here within a few dozen steps at an all-background output (validation MSE
0.1011, the sigmoid saturated; the gradients match PyTorch's) and never recover.

Run (from the repository root):

    PYTHONPATH=. python3 examples/autoencoders.py --kind all --plot autoencoders.png
    PYTHONPATH=. python3 examples/autoencoders.py --kind deep --epochs 100

Expect (seed 0): validation MSE after the book's 50 epochs (only 5 steps each here, so the
reconstructions are still blurry; ``--epochs 200`` gives sharp ones): vanilla 0.0189, deep 0.0167,
conv 0.0108, denoise 0.0133.  The deep model ends lower than the vanilla one, as in the book: code 16,
0.0167 vs 0.0189 after 50 epochs, 0.0044 vs 0.0071 after 200.  With the book's code 64 it does not
(0.0168 vs 0.0107 after 50 epochs, 0.0042 vs 0.0033 after 200), for the reason given above.
"""

from __future__ import annotations

import argparse
import os
import time

# The matrices here are small: extra BLAS threads save nothing on them, and on a busy machine waiting
# for a descheduled BLAS thread makes each product many times slower (set before NumPy loads its BLAS).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import optim  # noqa: E402

try:  # run as `python3 examples/autoencoders.py` with the repository on the path, or imported as examples.*
    from examples.datasets import load_digits, validation_split
except ImportError:  # run from inside examples/
    from datasets import load_digits, validation_split

KINDS = ("vanilla", "deep", "conv", "denoise")
NOISE = 0.25


def dense_autoencoder(sizes: list[int]) -> nn.Sequential:
    """Linear layers through ``sizes`` (784 ... 784), ReLU between them, a sigmoid at the end; reads (N, 1, 28, 28)."""
    layers: list[nn.Module] = [nn.Flatten()]
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [nn.Linear(n_in, n_out), nn.Sigmoid() if i == len(sizes) - 2 else nn.ReLU()]
    layers.append(nn.Unflatten(1, (1, 28, 28)))
    return nn.Sequential(*layers)


class ConvAutoencoder(nn.Module):
    """The book's convolutional autoencoder: 28x28 -> 8 @ 4x4 -> 28x28."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding="same"),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 14x14
            nn.Conv2d(32, 8, 3, padding="same"),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 7x7
            nn.Conv2d(8, 8, 3, padding="same"),
            nn.ReLU(),
            nn.MaxPool2d(2, ceil_mode=True),  # 4x4: Keras's 'same' pooling keeps the odd last row and column
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(8, 8, 3, padding="same"),
            nn.ReLU(),
            nn.Upsample(scale_factor=2),  # 8x8
            nn.Conv2d(8, 8, 3, padding="same"),
            nn.ReLU(),
            nn.Upsample(scale_factor=2),  # 16x16
            nn.Conv2d(8, 32, 3),  # 'valid': 14x14
            nn.ReLU(),
            nn.Upsample(scale_factor=2),  # 28x28
            nn.Conv2d(32, 1, 3, padding="same"),
            nn.Sigmoid(),
        )

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.decoder(self.encoder(x))


def build(kind: str, code: int = 16) -> nn.Module:
    if kind == "vanilla":
        return dense_autoencoder([784, code, 784])
    if kind == "deep":
        return dense_autoencoder([784, 512, 256, 128, code, 128, 256, 512, 784])
    if kind in ("conv", "denoise"):
        return ConvAutoencoder()
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def add_noise(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The book's corruption: + 0.25 N(0, 1) per pixel, clipped to [0, 1]."""
    return np.clip(images + NOISE * rng.standard_normal(images.shape), 0.0, 1.0).astype(np.float32)


def mse(model: nn.Module, inputs: np.ndarray, targets: np.ndarray, device: str, batch_size: int = 512) -> float:
    """Mean squared error over a whole host array, batched, without the tape."""
    model.eval()
    total = 0.0
    with ag.no_grad():
        for start in range(0, len(inputs), batch_size):
            x = ag.tensor(inputs[start : start + batch_size], device=device)
            y = ag.tensor(targets[start : start + batch_size], device=device)
            total += F.mse_loss(model(x), y, reduction="sum").item()
    model.train()
    return total / targets.size


def reconstruct(model: nn.Module, inputs: np.ndarray, device: str) -> np.ndarray:
    model.eval()
    with ag.no_grad():
        out = model(ag.tensor(inputs, device=device)).cpu().numpy()
    model.train()
    return out


def train_kind(
    kind: str,
    data: dict,
    epochs: int,
    device: str,
    seed: int,
    batch_size: int = 256,
    lr: float = 1e-3,
    progress: bool = True,
    code: int = 16,
    loss_name: str = "auto",
) -> tuple[nn.Module, dict]:
    """Train one autoencoder; returns it and its metrics (validation loss per epoch, parameters, seconds)."""
    ag.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = build(kind, code).to(device)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    noisy = kind == "denoise"
    if loss_name == "auto":
        loss_name = "bce" if kind in ("conv", "denoise") else "mse"
    loss_fn = F.binary_cross_entropy if loss_name == "bce" else F.mse_loss
    x_in, x_val_in = (data["fit_noisy"], data["val_noisy"]) if noisy else (data["fit"], data["val"])
    x_target, x_val_target = data["fit"], data["val"]
    n_params = count_parameters(model)
    print(f"{kind}: {n_params:,} parameters, training loss {loss_name}")

    bar = None
    if progress:
        try:
            from tqdm import tqdm

            bar = tqdm(total=epochs, desc=kind, leave=False, mininterval=0.5)
        except ImportError:
            pass
    val_losses = []
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_in))
        for first in range(0, len(order), batch_size):
            idx = order[first : first + batch_size]
            reconstruction = model(ag.tensor(x_in[idx], device=device))
            loss = loss_fn(reconstruction, ag.tensor(x_target[idx], device=device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        val_losses.append(mse(model, x_val_in, x_val_target, device))
        line = f"{kind:8s} epoch {epoch:3d}  val_loss {val_losses[-1]:.5f}"
        if bar is not None:
            bar.update(1)
            bar.write(line)
        else:
            print(line)
    if bar is not None:
        bar.close()
    seconds = time.perf_counter() - start
    print(f"{kind}: final val_loss {val_losses[-1]:.5f} after {epochs} epochs in {seconds:.1f}s")
    return model, {"val_loss": val_losses, "parameters": n_params, "epochs": epochs, "seconds": seconds}


def load_data(seed: int, limit: int | None = None) -> dict:
    """The digits at 28x28: the fixed training split cut 80/20 into fit/validation, noisy copies, test images."""
    x_train, _, x_test, _ = load_digits(size=28)
    if limit:
        x_train = x_train[:limit]
    x_fit, _, x_val, _ = validation_split(x_train, x_train, 0.2, seed)
    noise_rng = np.random.default_rng(seed + 1)
    return {
        "fit": x_fit,
        "val": x_val,
        "fit_noisy": add_noise(x_fit, noise_rng),
        "val_noisy": add_noise(x_val, noise_rng),
        "test": x_test[:10],
        "test_noisy": add_noise(x_test[:10], noise_rng),
    }


def save_plot(path: str, data: dict, reconstructions: dict) -> None:
    """One row per image set: the test digits, their noisy copies, then each model's reconstruction."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [("original", data["test"])]
    if "denoise" in reconstructions:
        rows.append(("noisy input", data["test_noisy"]))
    rows += list(reconstructions.items())
    n = len(data["test"])
    fig, axes = plt.subplots(len(rows), n, figsize=(n, 1.1 * len(rows)), squeeze=False)
    for r, (label, images) in enumerate(rows):
        for c in range(n):
            axes[r, c].imshow(images[c, 0], cmap="gray", vmin=0, vmax=1)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=[*KINDS, "all"], default="all")
    parser.add_argument("--epochs", type=int, default=50, help="epochs per model (default: 50, the book's)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--code", type=int, default=16, help="code size of the dense models (the book: 64)")
    parser.add_argument("--loss", choices=["auto", "mse", "bce"], default="auto", help="auto: MSE dense, BCE conv")
    parser.add_argument("--limit", type=int, help="use only the first N training images")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", metavar="FILE.png", help="save reconstructions of ten test digits")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    args = parser.parse_args(argv)

    data = load_data(args.seed, args.limit)
    print(f"digits at 28x28: {len(data['fit'])} train / {len(data['val'])} validation images, device {args.device}")
    kinds = KINDS if args.kind == "all" else (args.kind,)
    metrics, reconstructions = {}, {}
    for kind in kinds:
        model, metrics[kind] = train_kind(
            kind,
            data,
            args.epochs,
            args.device,
            args.seed,
            batch_size=args.batch_size,
            lr=args.lr,
            progress=not args.no_progress,
            code=args.code,
            loss_name=args.loss,
        )
        if args.plot:
            reconstructions[kind] = reconstruct(model, data["test_noisy" if kind == "denoise" else "test"], args.device)
    if args.plot:
        save_plot(args.plot, data, reconstructions)
        print(f"saved {args.plot}")
    summary = " ".join(f"{k}={m['val_loss'][-1]:.5f}" for k, m in metrics.items())
    print(f"metrics: epochs={args.epochs} code={args.code} final val_loss (MSE) {summary}")
    return metrics


if __name__ == "__main__":
    main()
