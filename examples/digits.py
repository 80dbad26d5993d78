"""An MLP and LeNet-5 on handwritten digits, after the book's LeNet-5 on MNIST.

Reproduces "LeNet-5 on MNIST (book)" (see REFERENCE_EXPERIMENTS.md): Adam (lr 1e-3), batch 128, a
10% validation split with the validation accuracy printed every epoch, then the test accuracy.
MNIST cannot be downloaded here, so by default the data are scikit-learn's bundled 8x8 digits
(1,797 images; fixed stratified split, 1,347 train / 450 test; see examples/datasets.py), standardised
with the training set's mean and standard deviation as PyTorch's MNIST example does.

Models (``--model``):

* ``mlp``: flatten, 256 ReLU, 128 ReLU, 10 (reads the 8x8 digits as 64 inputs, or 28x28 MNIST).
* ``lenet`` ``--arch classic`` (default): LeNet-5's 32x32 geometry, conv 6@5x5, max-pool 2, conv
  16@5x5, max-pool 2, conv 120@5x5, flatten, 84, 10, with ReLU; the digits are upsampled
  (bilinear) to 32x32, MNIST is padded to 32x32.
* ``lenet`` ``--arch book``: the book's variant on 28x28 inputs: conv 6@5x5 'same' ReLU, max-pool 2,
  conv 16@5x5 ReLU, max-pool 2, conv 120@5x5 ReLU, flatten, dense 84 ReLU, dense 10 (softmax in the
  loss).  Both LeNets have 61,706 parameters.

With the digits, each training batch is randomly shifted by up to ``--shift`` pixels (default: 3 on
the 32x32 digits, 2 on the 28x28 ones, whose digit is 20 pixels wide, 0 for the MLP's 8x8 inputs):
1,212 training images are few for LeNet-5.

Run (from the repository root):

    PYTHONPATH=. python3 examples/digits.py --model mlp
    PYTHONPATH=. python3 examples/digits.py --model lenet --plot lenet.png
    PYTHONPATH=. python3 examples/digits.py --model lenet --arch book --mnist ~/data/mnist --epochs 20

Expect (digits, seed 0, 2-core CPU, training time): MLP 0.9733 test accuracy (60 epochs, 1 s),
LeNet-5 0.9933 (50 epochs, 14 s; seeds 0-3: 0.9933, 0.9844, 0.9911, 0.9911), the book's variant at
28x28 0.9800 (50 epochs, 17 s); the book reports 0.9894 on MNIST.  ``train(...)`` is the same run as
a function; the quick preset ``train("lenet", epochs=30, lr=3e-3, cosine=True)`` (Adam annealed to
0; meant for examples/demo.py) reaches 0.9933 in 9 s.
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

try:  # run as `python3 examples/digits.py` with the repository on the path, or imported as examples.digits
    from examples.datasets import load_digits, load_mnist, validation_split
except ImportError:  # run from inside examples/
    from datasets import load_digits, load_mnist, validation_split

LENET_PARAMETERS = 61_706  # the book's count, the same for both geometries


class MLP(nn.Module):
    """Flatten, two ReLU hidden layers, 10 logits."""

    def __init__(self, in_features: int = 64, hidden: tuple[int, int] = (256, 128)) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_features, hidden[0]),
            nn.ReLU(),
            nn.Linear(hidden[0], hidden[1]),
            nn.ReLU(),
            nn.Linear(hidden[1], 10),
        )

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.layers(x)


class LeNet5(nn.Module):
    """LeNet-5 with ReLU and max pooling; ``arch='classic'`` reads 32x32, ``arch='book'`` 28x28 ('same' first conv)."""

    def __init__(self, arch: str = "classic") -> None:
        super().__init__()
        if arch not in ("classic", "book"):
            raise ValueError(f"arch must be 'classic' or 'book', got {arch!r}")
        padding = "same" if arch == "book" else 0  # 28 -> 28 'same' is what 32 -> 28 'valid' is: C1 maps are 28x28
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=padding),  # C1: 6 @ 28x28
            nn.ReLU(),
            nn.MaxPool2d(2),  # S2: 6 @ 14x14
            nn.Conv2d(6, 16, 5),  # C3: 16 @ 10x10
            nn.ReLU(),
            nn.MaxPool2d(2),  # S4: 16 @ 5x5
            nn.Conv2d(16, 120, 5),  # C5: 120 @ 1x1
            nn.ReLU(),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))  # F6, output

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.classifier(self.features(x))


def build_model(model_name: str, arch: str = "classic", in_features: int = 64) -> nn.Module:
    if model_name == "mlp":
        return MLP(in_features)
    if model_name == "lenet":
        return LeNet5(arch)
    raise ValueError(f"model must be 'mlp' or 'lenet', got {model_name!r}")


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def input_size(model_name: str, arch: str, mnist: str | None) -> int:
    """Image side each model reads: the MLP reads the raw 8x8 digits (or 28x28 MNIST)."""
    if model_name == "mlp":
        return 28 if mnist else 8
    return 32 if arch == "classic" else 28


def random_shift(images: np.ndarray, max_shift: int, rng: np.random.Generator) -> np.ndarray:
    """Translate each image by up to ``max_shift`` pixels in each direction, filling with the background."""
    if max_shift == 0:
        return images
    n, _, h, w = images.shape
    p = max_shift
    padded = np.pad(images, ((0, 0), (0, 0), (p, p), (p, p)))  # zeros: the caller centres the background at 0
    dy, dx = rng.integers(0, 2 * p + 1, size=(2, n))
    rows = (dy[:, None] + np.arange(h))[:, :, None]  # (n, h, 1)
    cols = (dx[:, None] + np.arange(w))[:, None, :]  # (n, 1, w)
    return padded[np.arange(n)[:, None, None], 0, rows, cols][:, None]


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray, device: str, batch_size: int = 512) -> tuple:
    """(accuracy, predicted labels) of ``model`` on host arrays, evaluated in batches without the tape."""
    model.eval()
    predictions = []
    with ag.no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(ag.tensor(x[start : start + batch_size], device=device))
            predictions.append(logits.argmax(dim=1).cpu().numpy())
    model.train()
    predicted = np.concatenate(predictions)
    return float((predicted == y).mean()), predicted


def _progress(total: int, desc: str, enabled: bool):
    if enabled:
        try:
            from tqdm import tqdm

            return tqdm(total=total, desc=desc, leave=False, mininterval=0.5)
        except ImportError:
            pass
    return None


def train(
    model_name: str = "lenet",
    epochs: int = 30,
    device: str = "cpu",
    seed: int = 0,
    *,
    arch: str = "classic",
    mnist: str | None = None,
    batch_size: int = 128,
    lr: float = 1e-3,
    cosine: bool = False,
    val_fraction: float = 0.1,
    shift: int | None = None,
    limit: int | None = None,
    progress: bool = True,
    plot: str | None = None,
    log=print,
) -> dict:
    """Train ``model_name`` ('mlp' or 'lenet') and return its metrics.

    Returns a dict with ``test_accuracy``, ``val_accuracy`` (one per epoch), ``train_loss`` (mean
    per epoch), ``parameters``, ``seconds`` (training and evaluation wall time), ``epochs``, ``model``,
    ``arch`` and ``data``.  ``cosine`` anneals the learning rate from ``lr`` to 0 over the run
    (``optim.lr_scheduler.CosineAnnealingLR``, stepped per epoch): with ``lr=3e-3`` it is the quick
    preset the demo uses.  ``limit`` keeps only the first ``limit`` training images (for quick tests);
    ``log`` receives the printed lines (``None`` silences them).
    """
    log = log or (lambda *_: None)
    ag.manual_seed(seed)
    rng = np.random.default_rng(seed)  # validation split and batch order/shifts
    size = input_size(model_name, arch, mnist)
    if mnist:
        x_train, y_train, x_test, y_test = load_mnist(mnist, size=max(size, 28))
        data = f"MNIST from {mnist}"
    else:
        x_train, y_train, x_test, y_test = load_digits(size=size)
        data = "scikit-learn digits"
    if shift is None:
        shift = 0 if (mnist or size == 8) else 3 if size == 32 else 2  # about a tenth of the digit's width
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    x_fit, y_fit, x_val, y_val = validation_split(x_train, y_train, val_fraction, seed)
    mean, std = x_fit.mean(), x_fit.std()  # standardise with the training images' statistics
    x_fit, x_val, x_test = ((a - mean) / std for a in (x_fit, x_val, x_test))
    background = float((0 - mean) / std)

    model = build_model(model_name, arch, in_features=size * size).to(device)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs) if cosine else None
    n_params = count_parameters(model)
    name = "MLP" if model_name == "mlp" else f"LeNet-5 ({arch})"
    log(
        f"{name}, {n_params:,} parameters, on {data} at {size}x{size}: {len(x_fit)} train / {len(x_val)} val / "
        f"{len(x_test)} test, batch {batch_size}, Adam lr {lr}{' cosine' if cosine else ''}, shift {shift}, device {device}"
    )

    history = {"train_loss": [], "val_accuracy": []}
    steps_per_epoch = -(-len(x_fit) // batch_size)
    bar = _progress(epochs * steps_per_epoch, name, progress)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_fit))
        total_loss = 0.0
        for first in range(0, len(x_fit), batch_size):
            idx = order[first : first + batch_size]
            images = random_shift(x_fit[idx] - background, shift, rng) + background
            inputs = ag.tensor(images, device=device)
            targets = ag.tensor(y_fit[idx], device=device)
            loss = F.cross_entropy(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(idx)
            if bar is not None:
                bar.update(1)
        if scheduler is not None:
            scheduler.step()
        val_acc, _ = accuracy(model, x_val, y_val, device)
        history["train_loss"].append(total_loss / len(x_fit))
        history["val_accuracy"].append(val_acc)
        line = f"epoch {epoch:3d}  loss {total_loss / len(x_fit):.4f}  val_accuracy {val_acc:.4f}"
        if bar is not None and log is print:
            bar.write(line)  # print above the bar instead of breaking it
        else:
            log(line)
    if bar is not None:
        bar.close()
    test_acc, predicted = accuracy(model, x_test, y_test, device)
    seconds = time.perf_counter() - start
    log(f"{name}: test accuracy {test_acc:.4f} after {epochs} epochs in {seconds:.1f}s")
    metrics = {
        "model": model_name,
        "arch": arch if model_name == "lenet" else None,
        "data": data,
        "parameters": n_params,
        "epochs": epochs,
        "train_loss": history["train_loss"],
        "val_accuracy": history["val_accuracy"],
        "test_accuracy": test_acc,
        "seconds": seconds,
    }
    if plot:
        wrong = np.flatnonzero(predicted != y_test)
        save_plot(plot, metrics, x_test[wrong] * std + mean, y_test[wrong], predicted[wrong])
        log(f"saved {plot}")
    return metrics


def save_plot(path: str, metrics: dict, images: np.ndarray, truth: np.ndarray, predicted: np.ndarray) -> None:
    """Training curves on the left, a grid of (up to 24) misclassified test digits on the right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(12, 5))
    grid = fig.add_gridspec(4, 10)
    curves = fig.add_subplot(grid[:, :4])
    epochs = np.arange(1, len(metrics["train_loss"]) + 1)
    curves.plot(epochs, metrics["train_loss"], label="training loss")
    curves.set_xlabel("epoch")
    curves.set_ylabel("cross-entropy")
    acc_axis = curves.twinx()
    acc_axis.plot(epochs, metrics["val_accuracy"], color="tab:orange", label="validation accuracy")
    acc_axis.set_ylabel("validation accuracy")
    curves.set_title(f"{metrics['model']}: test accuracy {metrics['test_accuracy']:.4f}")
    curves.legend(loc="center right")
    acc_axis.legend(loc="lower right")
    for k in range(min(24, len(images))):
        ax = fig.add_subplot(grid[k // 6, 4 + k % 6])
        ax.imshow(images[k, 0], cmap="gray_r")
        ax.set_title(f"{truth[k]} as {predicted[k]}", fontsize=8, color="tab:red")
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["mlp", "lenet"], default="lenet")
    parser.add_argument("--arch", choices=["classic", "book"], default="classic", help="LeNet-5 geometry")
    parser.add_argument("--mnist", metavar="DIR", help="directory with the MNIST IDX files (default: digits)")
    parser.add_argument("--epochs", type=int, help="default: 60 (MLP), 50 (LeNet-5) on the digits, 20 on MNIST")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--cosine", action="store_true", help="anneal the learning rate to 0 (cosine) over the run")
    parser.add_argument("--shift", type=int, help="random shifts in pixels (default: 3/2 on 32/28 digits, else 0)")
    parser.add_argument("--limit", type=int, help="use only the first N training images")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", metavar="FILE.png", help="training curves and misclassified digits")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    args = parser.parse_args(argv)
    epochs = args.epochs or (20 if args.mnist else 60 if args.model == "mlp" else 50)
    metrics = train(
        args.model,
        epochs,
        args.device,
        args.seed,
        arch=args.arch,
        mnist=args.mnist,
        batch_size=args.batch_size,
        lr=args.lr,
        cosine=args.cosine,
        shift=args.shift,
        limit=args.limit,
        progress=not args.no_progress,
        plot=args.plot,
    )
    print(
        f"metrics: model={metrics['model']} arch={metrics['arch']} parameters={metrics['parameters']} "
        f"epochs={epochs} test_accuracy={metrics['test_accuracy']:.4f} "
        f"final_val_accuracy={metrics['val_accuracy'][-1]:.4f} seconds={metrics['seconds']:.1f}"
    )
    return metrics


if __name__ == "__main__":
    main()
