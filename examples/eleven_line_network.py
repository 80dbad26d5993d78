"""The "neural network in 11 lines of Python" networks, as nn.Modules trained with optim.SGD.

Reproduces the i-am-trask blog posts "A Neural Network in 11 lines of Python", its part 2
(the learning-rate sweep) and "Hinton's Dropout in 3 Lines of Python" (see
REFERENCE_EXPERIMENTS.md) on the 4-row toy table X = [[0,0,1],[0,1,1],[1,0,1],[1,1,1]].
The weights come from the same NumPy draws (``np.random.seed(1)``, then
``2 * np.random.random(shape) - 1`` in the blog's order) and everything is float64, so the
printed numbers are the blog's to the last digit or so. No biases, sigmoid everywhere.

The blog's hand-written update ``W += l0.T @ (error * l1 * (1 - l1))`` is minus the gradient
of the sum-reduced loss ``0.5 * sum((y - out)**2)``, so here it is ``loss.backward()`` then
``optim.SGD(lr=1).step()``: the same numbers, computed by the tape.

Sub-commands (each prints the blog's lines, then a final metrics line):

    python3 examples/eleven_line_network.py two-layer     # y = [0,0,1,1], 10,000 steps
        output after training [0.00966449 0.00786506 0.99358898 0.99211957]
    python3 examples/eleven_line_network.py three-layer   # y = [0,1,1,0] (XOR), 60,000 steps
        Error: 0.496410031903, 0.00858452565325, ..., 0.00351012256786 (every 10,000 steps)
    python3 examples/eleven_line_network.py sweep         # lr 0.001 ... 1000, seed re-set per rate
        error at step 50,000: 0.485977857846 (lr 0.001) ... 0.00131274062834 (lr 10);
        lr 100 plateaus near 0.1252 and lr 1000 sticks at 0.5
    python3 examples/eleven_line_network.py dropout       # inverted dropout p=0.2 on the hidden layer
        lr 0.5, 60,000 steps: all four rows right with dropout off (model.eval())

The dropout run uses ``nn.Dropout`` (inverted dropout, masks from ``ag.manual_seed``) and its
exact gradient; the blog draws its masks from NumPy and differentiates the sigmoid at the
dropped-and-scaled activations, so that run matches the blog's outcome, not its digits.

Options: --steps, --lr, --seed (1), --hidden (4), --print-every, --device, --plot FILE.png
(error curves, for three-layer, sweep and dropout).
"""

from __future__ import annotations

import argparse

import numpy as np

import autograd_core as ag
import nn
import optim

X = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
Y_TWO_LAYER = [[0], [0], [1], [1]]
Y_XOR = [[0], [1], [1], [0]]
SWEEP_RATES = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)


def blog_weights(*shapes: tuple[int, int]) -> list[np.ndarray]:
    """The blog's initialisation, uniform in [-1, 1): ``2 * np.random.random(shape) - 1`` per matrix, in order."""
    return [2 * np.random.random(shape) - 1 for shape in shapes]


class TwoLayerNet(nn.Module):
    """The blog's "2-layer" network: one weight matrix, input -> sigmoid output."""

    def __init__(self, w0: np.ndarray, device: str = "cpu") -> None:
        super().__init__()
        self.w0 = nn.Parameter(ag.tensor(w0, dtype=ag.float64, device=device))

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return ag.sigmoid(x @ self.w0)


class ThreeLayerNet(nn.Module):
    """The blog's "3-layer" network: input -> sigmoid hidden layer (optional dropout) -> sigmoid output."""

    def __init__(self, w0: np.ndarray, w1: np.ndarray, dropout: float = 0.0, device: str = "cpu") -> None:
        super().__init__()
        self.w0 = nn.Parameter(ag.tensor(w0, dtype=ag.float64, device=device))
        self.w1 = nn.Parameter(ag.tensor(w1, dtype=ag.float64, device=device))
        self.dropout = nn.Dropout(dropout)  # inverted dropout: keeps survivors scaled by 1/(1-p) in training

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        hidden = self.dropout(ag.sigmoid(x @ self.w0))
        return ag.sigmoid(hidden @ self.w1)


def progress(total: int, desc: str, enabled: bool):
    """A tqdm bar over range(total) when tqdm is installed (and wanted), else the plain range."""
    if enabled:
        try:
            from tqdm import tqdm

            return tqdm(range(total), desc=desc, leave=False, mininterval=0.5)
        except ImportError:
            pass
    return range(total)


def train(model: nn.Module, x: ag.Tensor, y: ag.Tensor, steps: int, lr: float, print_every: int,
          label: str = "", show_progress: bool = True) -> tuple[ag.Tensor, list[tuple[int, float]]]:
    """Full-batch SGD on 0.5 * sum((y - out)^2), as the blog's loop.

    As in the blog, the error at step j (mean |y - out|) is taken from the forward pass
    before the j-th update, and is recorded at j = 0, print_every, 2 * print_every, ...
    Returns the last forward pass's output (the blog prints that one) and the (step, error) pairs.
    """
    opt = optim.SGD(model.parameters(), lr=lr)
    errors = []
    bar = progress(steps, label or "training", show_progress)
    write = getattr(bar, "write", print)
    out = None
    for j in bar:
        out = model(x)
        loss = 0.5 * ((y - out) ** 2).sum()
        if j % print_every == 0:
            error = (y - out).abs().mean().item()
            errors.append((j, error))
            write(f"{label}Error after {j} iterations: {error:.12g}")
        opt.zero_grad()
        loss.backward()
        opt.step()
    return out.detach(), errors


def classify(model: nn.Module, x: ag.Tensor, y: ag.Tensor) -> tuple[list[float], float]:
    """Outputs with dropout off, and the fraction of rows on the right side of 0.5."""
    model.eval()
    with ag.no_grad():
        out = model(x)
    model.train()
    accuracy = ((out > 0.5).to(ag.float64) == y).to(ag.float64).mean().item()
    return [v[0] for v in out.tolist()], accuracy


def plot_errors(curves: dict[str, list[tuple[int, float]]], path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, points in curves.items():
        steps, errors = zip(*points)
        ax.plot(steps, errors, marker="o", label=name)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("mean |y - out|")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=["two-layer", "three-layer", "sweep", "dropout"])
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps (default: 10,000 for two-layer, 60,000 otherwise)")
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default: 1, 0.5 for dropout)")
    parser.add_argument("--lrs", type=float, nargs="+", default=list(SWEEP_RATES), help="rates for the sweep")
    parser.add_argument("--hidden", type=int, default=4, help="hidden units (default: 4)")
    parser.add_argument("--dropout", type=float, default=0.2, help="dropout probability for 'dropout' (default 0.2)")
    parser.add_argument("--print-every", type=int, default=10_000, help="error print interval (default: 10,000)")
    parser.add_argument("--seed", type=int, default=1, help="np.random.seed for the weights (default: 1, the blog's)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    parser.add_argument("--plot", metavar="FILE.png", help="save the error curves")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    args = parser.parse_args(argv)
    show = not args.no_progress
    x = ag.tensor(X, dtype=ag.float64, device=args.device)

    if args.experiment == "two-layer":
        steps = args.steps or 10_000
        y = ag.tensor(Y_TWO_LAYER, dtype=ag.float64, device=args.device)
        np.random.seed(args.seed)
        model = TwoLayerNet(*blog_weights((3, 1)), device=args.device)
        out, _ = train(model, x, y, steps, args.lr or 1.0, args.print_every, show_progress=show)
        output = [v[0] for v in out.tolist()]
        print("Output After Training:", np.array2string(np.array(output), precision=8))
        print(f"two-layer: {steps} steps, output {[round(v, 8) for v in output]}")
        return {"output": output}

    y = ag.tensor(Y_XOR, dtype=ag.float64, device=args.device)
    steps = args.steps or 60_000
    shapes = ((3, args.hidden), (args.hidden, 1))

    if args.experiment == "three-layer":
        np.random.seed(args.seed)
        model = ThreeLayerNet(*blog_weights(*shapes), device=args.device)
        _, errors = train(model, x, y, steps, args.lr or 1.0, args.print_every, show_progress=show)
        output, accuracy = classify(model, x, y)
        if args.plot:
            plot_errors({"lr 1": errors}, args.plot, "three-layer network on XOR")
        print(f"three-layer: {steps} steps, errors {[f'{e:.12g}' for _, e in errors]}, accuracy {accuracy:.2f}")
        return {"errors": errors, "output": output, "accuracy": accuracy}

    if args.experiment == "sweep":
        curves, final = {}, {}
        for lr in args.lrs:
            print(f"\nTraining With Alpha:{lr:g}")
            np.random.seed(args.seed)  # same initial weights for every rate, as in the blog
            model = ThreeLayerNet(*blog_weights(*shapes), device=args.device)
            _, errors = train(model, x, y, steps, lr, args.print_every, show_progress=show)
            curves[f"lr {lr:g}"], final[lr] = errors, errors[-1][1]
        if args.plot:
            plot_errors(curves, args.plot, "learning-rate sweep, three-layer network on XOR")
        last_step = curves[f"lr {args.lrs[0]:g}"][-1][0]
        print(f"sweep: error at step {last_step}: " + ", ".join(f"lr {lr:g} -> {e:.12g}" for lr, e in final.items()))
        return {"errors": {lr: curves[f"lr {lr:g}"] for lr in args.lrs}, "final": final, "step": last_step}

    # dropout
    ag.manual_seed(args.seed)  # the dropout masks
    np.random.seed(args.seed)
    model = ThreeLayerNet(*blog_weights(*shapes), dropout=args.dropout, device=args.device)
    _, errors = train(model, x, y, steps, args.lr or 0.5, args.print_every, show_progress=show)
    output, accuracy = classify(model, x, y)
    if args.plot:
        plot_errors({f"dropout {args.dropout:g}": errors}, args.plot, "three-layer network with inverted dropout")
    print(f"dropout p={args.dropout:g}: {steps} steps, eval outputs {[round(v, 4) for v in output]}, "
          f"accuracy {accuracy:.2f}")
    return {"errors": errors, "output": output, "accuracy": accuracy}


if __name__ == "__main__":
    main()
