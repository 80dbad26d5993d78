"""Rosenblatt's perceptron learns the AND gate with the classic online rule.

Reproduces the perceptron example of "Deep Learning for Human Beings" (see
REFERENCE_EXPERIMENTS.md): inputs X = [[0,0],[0,1],[1,0],[1,1]], targets d = [0,0,0,1],
the bias folded into the weights through a constant input x0 = +1, weights starting at
zeros, a step activation y = 1 if q >= 0 else 0 with q = w . x, and the online update

    w <- w + lr * (d - y) * x        (lr = 1, one example at a time)

After 10 (or 100) epochs the weights (bias, w1, w2) are exactly (-3, 2, 1), and all four
rows are classified correctly.

The perceptron rule is not a gradient step: the step activation has zero derivative
almost everywhere, so there is no loss to call ``backward()`` on. The example therefore
keeps the weights in a tensor and applies the rule with an in-place ``add_`` under
``ag.no_grad()`` -- exactly what ``optim.SGD.step()`` does with a gradient, here with
``-(d - y) * x`` standing in for it.

    python3 examples/perceptron.py                  # 10 epochs: weights (-3, 2, 1)
    python3 examples/perceptron.py --epochs 100     # same weights: it has converged
"""

from __future__ import annotations

import argparse

import autograd_core as ag

AND_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
AND_D = [0.0, 0.0, 0.0, 1.0]


def step(q: ag.Tensor) -> ag.Tensor:
    """The Heaviside step activation: 1 where q >= 0, else 0 (as a float tensor)."""
    return (q >= 0).to(q.dtype)


def train_perceptron(x: ag.Tensor, d: ag.Tensor, epochs: int, lr: float) -> ag.Tensor:
    """Online perceptron rule on rows of ``x`` (bias column already prepended); returns the weights."""
    w = ag.zeros(x.shape[1], dtype=x.dtype, device=x.device)
    with ag.no_grad():  # a learning rule, not a gradient: nothing to record on the tape
        for _ in range(epochs):
            for x_i, d_i in zip(x, d):
                y_i = step((w * x_i).sum())
                w.add_(x_i * (d_i - y_i), alpha=lr)
    return w


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="passes over the four rows (default: 10)")
    parser.add_argument("--lr", type=float, default=1.0, help="learning rate (default: 1, the classic rule)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    parser.add_argument("--seed", type=int, default=0, help="unused: zeros init and a fixed order are deterministic")
    args = parser.parse_args(argv)

    x = ag.tensor(AND_X, dtype=ag.float64, device=args.device)
    x = ag.cat([ag.ones(4, 1, dtype=ag.float64, device=args.device), x], dim=1)  # x0 = +1 carries the bias
    d = ag.tensor(AND_D, dtype=ag.float64, device=args.device)

    w = train_perceptron(x, d, args.epochs, args.lr)
    predictions = step(x @ w)
    accuracy = (predictions == d).to(ag.float64).mean().item()
    bias, w1, w2 = w.tolist()
    print(f"AND gate: predictions {[int(p) for p in predictions.tolist()]} for targets {[int(t) for t in AND_D]}")
    print(f"final weights (bias, w1, w2) = ({bias:g}, {w1:g}, {w2:g})  accuracy {accuracy:.2f}  epochs {args.epochs}")
    return {"weights": (bias, w1, w2), "accuracy": accuracy}


if __name__ == "__main__":
    main()
