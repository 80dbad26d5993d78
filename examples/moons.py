"""A two-layer tanh network on scikit-learn's make_moons, trained by full-batch gradient descent.

Reproduces "Implementing a Neural Network from Scratch in Python" as used in "Intro to Deep
Learning with Python" (see REFERENCE_EXPERIMENTS.md): ``np.random.seed(0)`` then
``make_moons(200, noise=0.20)``; a 2 -> h -> 2 network, tanh hidden layer, softmax output;
``np.random.seed(0)`` again, then W1 = randn(2, h)/sqrt(2), b1 = 0, W2 = randn(h, 2)/sqrt(h),
b2 = 0; 20,000 full-batch steps of size 0.01 on the *summed* cross-entropy plus
(lambda/2)(||W1||^2 + ||W2||^2), lambda = 0.01 (biases not regularised). The tutorial's
hand-written backward pass is exactly ``loss.backward()`` of that loss, and its update
``W += -epsilon * dW`` is ``optim.SGD(lr=0.01).step()``. Everything is float64, so the
printed losses -- (1/N)[sum -log p + (lambda/2) sum ||W||^2], evaluated after each
1000th update as the tutorial does -- are the tutorial's:

    h = 3: 0.432387 after pass 0, 0.068947 after pass 1000; training accuracy 0.975
    h = 1: about 0.865;  logistic regression (a 2 -> 2 linear softmax model): about 0.845

Later the loss alternates between two values from one print to the next: step 0.01 on the
summed loss sits at the edge of stability for this problem.

    python3 examples/moons.py                       # hidden sizes 1 2 3 4 5 20 50 + logistic regression
    python3 examples/moons.py --hidden 3            # only h = 3 (and the logistic baseline)
    python3 examples/moons.py --plot moons.png      # decision boundaries, one panel per model
"""

from __future__ import annotations

import argparse
import math

import numpy as np

import autograd_core as ag
import nn
import nn.functional as F
import optim

HIDDEN_SIZES = (1, 2, 3, 4, 5, 20, 50)


class TanhNet(nn.Module):
    """2 -> h (tanh) -> 2 logits, initialised from the tutorial's NumPy draws."""

    def __init__(self, hidden: int, device: str = "cpu") -> None:
        super().__init__()
        self.fc1 = nn.Linear(2, hidden, dtype=ag.float64, device=device)
        self.fc2 = nn.Linear(hidden, 2, dtype=ag.float64, device=device)
        w1 = np.random.randn(2, hidden) / np.sqrt(2)  # the tutorial stores weights (in, out)
        w2 = np.random.randn(hidden, 2) / np.sqrt(hidden)
        with ag.no_grad():
            self.fc1.weight.copy_(ag.tensor(w1.T, dtype=ag.float64, device=device))  # Linear keeps (out, in)
            self.fc2.weight.copy_(ag.tensor(w2.T, dtype=ag.float64, device=device))
            self.fc1.bias.zero_()
            self.fc2.bias.zero_()

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.fc2(ag.tanh(self.fc1(x)))

    def weights(self) -> list[ag.Tensor]:
        """The regularised parameters (the tutorial leaves the biases out)."""
        return [self.fc1.weight, self.fc2.weight]


class LogisticRegression(nn.Module):
    """The baseline: a 2 -> 2 linear softmax model (zeros init)."""

    def __init__(self, device: str = "cpu") -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2, dtype=ag.float64, device=device)
        with ag.no_grad():
            self.fc.weight.zero_()
            self.fc.bias.zero_()

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.fc(x)

    def weights(self) -> list[ag.Tensor]:
        return [self.fc.weight]


def objective(model: nn.Module, x: ag.Tensor, y: ag.Tensor, reg_lambda: float) -> ag.Tensor:
    """Summed cross-entropy + (lambda/2) * sum of squared weights: the tutorial's loss (before its 1/N)."""
    penalty = sum((w * w).sum() for w in model.weights())
    return F.cross_entropy(model(x), y, reduction="sum") + reg_lambda / 2 * penalty


def progress(total: int, desc: str, enabled: bool):
    """A tqdm bar over range(total) when tqdm is installed (and wanted), else the plain range."""
    if enabled:
        try:
            from tqdm import tqdm

            return tqdm(range(total), desc=desc, leave=False, mininterval=0.5)
        except ImportError:
            pass
    return range(total)


def train(model: nn.Module, x: ag.Tensor, y: ag.Tensor, passes: int, lr: float, reg_lambda: float,
          print_every: int, label: str, show_progress: bool) -> list[tuple[int, float]]:
    """Full-batch gradient descent; returns the (pass, printed loss) pairs."""
    opt = optim.SGD(model.parameters(), lr=lr)
    n = x.shape[0]
    losses = []
    bar = progress(passes, label, show_progress)
    write = getattr(bar, "write", print)
    for i in bar:
        opt.zero_grad()
        objective(model, x, y, reg_lambda).backward()
        opt.step()
        if print_every and i % print_every == 0:  # the tutorial reports the loss after the i-th update
            with ag.no_grad():
                loss = objective(model, x, y, reg_lambda).item() / n
            losses.append((i, loss))
            write(f"{label}: loss after iteration {i}: {loss:f}")
    return losses


def accuracy(model: nn.Module, x: ag.Tensor, y: ag.Tensor) -> float:
    with ag.no_grad():
        return (model(x).argmax(dim=1) == y).to(ag.float64).mean().item()


def plot_boundaries(models: dict[str, nn.Module], x_np: np.ndarray, y_np: np.ndarray, path: str, device: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pad = 0.5
    xx, yy = np.meshgrid(np.arange(x_np[:, 0].min() - pad, x_np[:, 0].max() + pad, 0.01),
                         np.arange(x_np[:, 1].min() - pad, x_np[:, 1].max() + pad, 0.01))
    grid = ag.tensor(np.c_[xx.ravel(), yy.ravel()], dtype=ag.float64, device=device)
    cols = min(4, len(models))
    rows = math.ceil(len(models) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.4 * rows), squeeze=False)
    for ax in axes.ravel()[len(models):]:
        ax.axis("off")
    for ax, (name, model) in zip(axes.ravel(), models.items()):
        with ag.no_grad():
            z = model(grid).argmax(dim=1).cpu().numpy().reshape(xx.shape)
        ax.contourf(xx, yy, z, cmap=plt.cm.Spectral, alpha=0.8)
        ax.scatter(x_np[:, 0], x_np[:, 1], c=y_np, s=12, cmap=plt.cm.Spectral, edgecolors="k", linewidths=0.3)
        ax.set_title(name)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=list(HIDDEN_SIZES),
                        help="hidden-layer sizes to train (default: 1 2 3 4 5 20 50)")
    parser.add_argument("--passes", "--epochs", dest="passes", type=int, default=20_000,
                        help="full-batch gradient steps per model (default: 20,000)")
    parser.add_argument("--lr", type=float, default=0.01, help="step size on the summed loss (default: 0.01)")
    parser.add_argument("--reg-lambda", type=float, default=0.01, help="L2 strength on the weights (default: 0.01)")
    parser.add_argument("--samples", type=int, default=200, help="make_moons samples (default: 200)")
    parser.add_argument("--noise", type=float, default=0.20, help="make_moons noise (default: 0.20)")
    parser.add_argument("--print-every", type=int, default=1000, help="loss print interval (default: 1000)")
    parser.add_argument("--no-logistic", action="store_true", help="skip the logistic-regression baseline")
    parser.add_argument("--seed", type=int, default=0, help="np.random.seed for data and weights (default: 0)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    parser.add_argument("--plot", metavar="FILE.png", help="save the decision boundaries")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    args = parser.parse_args(argv)

    from sklearn.datasets import make_moons

    np.random.seed(args.seed)
    x_np, y_np = make_moons(args.samples, noise=args.noise)
    x = ag.tensor(x_np, dtype=ag.float64, device=args.device)
    y = ag.tensor(y_np, dtype=ag.int64, device=args.device)

    models, losses, accuracies = {}, {}, {}
    jobs = [] if args.no_logistic else [("logistic regression", None)]
    jobs += [(f"hidden {h}", h) for h in args.hidden]
    for name, h in jobs:
        np.random.seed(args.seed)  # the tutorial re-seeds before drawing each model's weights
        model = LogisticRegression(args.device) if h is None else TanhNet(h, args.device)
        losses[name] = train(model, x, y, args.passes, args.lr, args.reg_lambda, args.print_every, name,
                             not args.no_progress)
        models[name], accuracies[name] = model, accuracy(model, x, y)
        print(f"{name}: training accuracy {accuracies[name]:.3f}")

    if args.plot:
        plot_boundaries(models, x_np, y_np, args.plot, args.device)
    print("moons: " + ", ".join(f"{name} acc {acc:.3f}" for name, acc in accuracies.items())
          + f" after {args.passes} passes")
    return {"accuracy": accuracies, "losses": losses}


if __name__ == "__main__":
    main()
