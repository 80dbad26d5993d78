"""A radial-basis-function network fits noisy sin(2 pi x) with k-means centres.

Reproduces the RBF-network example (see REFERENCE_EXPERIMENTS.md; the book follows the
well-known "Using Neural Networks for Regression: Radial Basis Function Networks" tutorial):
100 points x ~ U(0, 1) (sorted), y = sin(2 pi x) + U(-0.1, 0.1), all drawn from NumPy after
``np.random.seed(seed)``; k = 2 Gaussian units phi_j(x) = exp(-(x - c_j)^2 / (2 s_j^2)) whose
centres c_j come from 1-D k-means -- written here with tensor ops (``kmeans_1d``), not
scikit-learn -- and whose widths s_j are either

  * per cluster: the standard deviation of the points in cluster j (a cluster with fewer than
    two points gets the mean of the other clusters' deviations), or
  * shared: d_max / sqrt(2k), with d_max the largest distance between two centres.

Only the output layer learns: out = phi(x) . w + b, with w ~ randn(k) and b ~ randn(1) drawn
before k-means as in the tutorial, trained online (one point at a time, in order) for 100
epochs with ``optim.SGD(lr=0.01)`` on the squared error 0.5 * (y - out)^2 -- the tutorial's
``w -= lr * a * error`` with error = out - y is exactly that step.

Expect the training MSE of both fits well below the variance of y (about 0.49): k = 2 units
placed near the crest and the trough of the sine fit it well. With seed 0 the per-cluster
widths (about 0.145) reach MSE 0.0133 and the wider, smoother shared width (0.249) 0.0503.

    python3 examples/rbf.py                      # both width choices, final training MSE of each
    python3 examples/rbf.py --k 4 --plot rbf.png # data, fits and centres
"""

from __future__ import annotations

import argparse
import math

import numpy as np

import autograd_core as ag
import nn
import optim


def kmeans_1d(x: ag.Tensor, k: int, tol: float = 1e-6, max_iter: int = 300) -> tuple[ag.Tensor, ag.Tensor]:
    """Lloyd's k-means on 1-D points, started from k points drawn with ``np.random.choice``.

    Returns the centres (k,) and each point's cluster index (N,). A cluster that loses all its
    points keeps its old centre.
    """
    start = np.random.choice(np.arange(x.shape[0]), size=k)  # the tutorial's np.random.choice(X, size=k)
    centres = x[ag.tensor(start, device=x.device)]
    for _ in range(max_iter):
        assign = (x[:, None] - centres[None, :]).abs().argmin(dim=1)
        onehot = (assign[:, None] == ag.arange(k, device=x.device)[None, :]).to(x.dtype)  # (N, k)
        counts = onehot.sum(dim=0)
        means = (onehot * x[:, None]).sum(dim=0) / ag.clamp(counts, min=1)
        new = ag.where(counts > 0, means, centres)
        moved = ((new - centres) ** 2).sum().sqrt().item()
        centres = new
        if moved < tol:
            break
    assign = (x[:, None] - centres[None, :]).abs().argmin(dim=1)
    return centres, assign


def cluster_widths(x: ag.Tensor, assign: ag.Tensor, k: int) -> ag.Tensor:
    """Per-cluster standard deviations; clusters with < 2 points get the mean of the others' deviations."""
    widths, missing = [], []
    for j in range(k):
        members = x[assign == j]
        if members.shape[0] < 2:
            missing.append(j)
            widths.append(None)
        else:
            widths.append(members.std(unbiased=False))
    known = [w for w in widths if w is not None]
    fallback = ag.stack(known).mean() if known else ag.tensor(1.0, dtype=x.dtype, device=x.device)
    return ag.stack([fallback if w is None else w for w in widths])


def shared_width(centres: ag.Tensor) -> ag.Tensor:
    """One width for every unit: d_max / sqrt(2k)."""
    k = centres.shape[0]
    d_max = (centres[:, None] - centres[None, :]).abs().max()
    return (d_max / math.sqrt(2 * k)).expand(k)


class RBFNet(nn.Module):
    """Fixed Gaussian units (centres and widths are buffers) and a trained linear output."""

    def __init__(self, centres: ag.Tensor, widths: ag.Tensor, w: np.ndarray, b: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("centres", centres)
        self.register_buffer("widths", widths)
        self.weight = nn.Parameter(ag.tensor(w, dtype=centres.dtype, device=centres.device))
        self.bias = nn.Parameter(ag.tensor(b, dtype=centres.dtype, device=centres.device))

    def features(self, x: ag.Tensor) -> ag.Tensor:
        """phi_j(x) = exp(-(x - c_j)^2 / (2 s_j^2)), shape (N, k)."""
        return ag.exp(-((x[:, None] - self.centres) ** 2) / (2 * self.widths**2))

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.features(x) @ self.weight + self.bias


def progress(total: int, desc: str, enabled: bool):
    """A tqdm bar over range(total) when tqdm is installed (and wanted), else the plain range."""
    if enabled:
        try:
            from tqdm import tqdm

            return tqdm(range(total), desc=desc, leave=False, mininterval=0.5)
        except ImportError:
            pass
    return range(total)


def fit(model: RBFNet, x: ag.Tensor, y: ag.Tensor, epochs: int, lr: float, label: str, show: bool) -> list[float]:
    """Online SGD on 0.5 * (y_i - out_i)^2, point by point in order; returns the training MSE per epoch."""
    opt = optim.SGD(model.parameters(), lr=lr)
    history = []
    for _ in progress(epochs, label, show):
        for i in range(x.shape[0]):
            out = model(x[i : i + 1])
            loss = 0.5 * ((y[i : i + 1] - out) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        with ag.no_grad():
            history.append(((y - model(x)) ** 2).mean().item())
    return history


def make_data(n: int, device: str) -> tuple[ag.Tensor, ag.Tensor]:
    """The tutorial's data, from the global NumPy stream: sorted x ~ U(0,1), y = sin(2 pi x) + U(-0.1, 0.1)."""
    x = np.sort(np.random.uniform(0.0, 1.0, n))
    noise = np.random.uniform(-0.1, 0.1, n)
    y = np.sin(2 * np.pi * x) + noise
    return ag.tensor(x, dtype=ag.float64, device=device), ag.tensor(y, dtype=ag.float64, device=device)


def plot_fits(x: ag.Tensor, y: ag.Tensor, models: dict[str, RBFNet], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = ag.linspace(0, 1, 400, dtype=ag.float64, device=x.device)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.scatter(x.cpu().numpy(), y.cpu().numpy(), s=10, c="k", label="data")
    for (name, model), colour in zip(models.items(), ("tab:blue", "tab:orange")):
        with ag.no_grad():
            ax.plot(grid.cpu().numpy(), model(grid).cpu().numpy(), colour, label=f"RBF fit, {name}")
            centres = model.centres.cpu().numpy()
            ax.plot(centres, model(model.centres).cpu().numpy(), "x", c=colour, ms=10, mew=2)
    ax.plot([], [], "x", c="gray", label="centres")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=2, help="number of Gaussian units (default: 2)")
    parser.add_argument("--samples", type=int, default=100, help="training points (default: 100)")
    parser.add_argument("--epochs", type=int, default=100, help="online passes over the data (default: 100)")
    parser.add_argument("--lr", type=float, default=0.01, help="learning rate (default: 0.01)")
    parser.add_argument("--widths", choices=["both", "cluster", "shared"], default="both",
                        help="per-cluster widths, one shared width d_max/sqrt(2k), or both (default)")
    parser.add_argument("--seed", type=int, default=0, help="np.random.seed for data, weights, k-means (default: 0)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    parser.add_argument("--plot", metavar="FILE.png", help="save data, fits and centres")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    args = parser.parse_args(argv)

    choices = ["cluster", "shared"] if args.widths == "both" else [args.widths]
    models, mse, history = {}, {}, {}
    for choice in choices:
        np.random.seed(args.seed)  # same data, initial weights and k-means start for both width choices
        x, y = make_data(args.samples, args.device)
        w0, b0 = np.random.randn(args.k), np.random.randn(1)  # drawn before k-means, as in the tutorial
        centres, assign = kmeans_1d(x, args.k)
        widths = cluster_widths(x, assign, args.k) if choice == "cluster" else shared_width(centres)
        model = RBFNet(centres, widths, w0, b0)
        name = f"{choice} widths"
        history[choice] = fit(model, x, y, args.epochs, args.lr, name, not args.no_progress)
        models[name], mse[choice] = model, history[choice][-1]
        print(f"{name}: centres {[round(c, 4) for c in centres.tolist()]}, widths "
              f"{[round(s, 4) for s in widths.tolist()]}, final training MSE {mse[choice]:.5f}")

    variance = y.var(unbiased=False).item()
    if args.plot:
        plot_fits(x, y, models, args.plot)
    print(f"rbf k={args.k}: " + ", ".join(f"{c} widths MSE {m:.5f}" for c, m in mse.items())
          + f" (variance of y {variance:.4f}) after {args.epochs} epochs")
    return {"mse": mse, "variance": variance, "history": history}


if __name__ == "__main__":
    main()
