"""An Elman RNN learns 8-bit binary addition, one bit per time step (and the same task with an LSTM or a GRU).

Reproduces "Anyone Can Learn To Code an LSTM-RNN in Python (Part 1: RNN)" on the i-am-trask blog
(iamtrask.github.io, 2015). The two numbers a, b in [0, 127] are fed least significant bit first,
one pair of bits (a_t, b_t) per step; the network outputs the bit s_t of the sum a + b:

    h_t = sigmoid(x_t W0 + h_{t-1} Wh),   out_t = sigmoid(h_t W1),   h_0 = 0, no biases

with 16 hidden units. As in the blog: ``np.random.seed(0)``; W0 (2x16), W1 (16x1), Wh (16x16) drawn
as ``2 * np.random.random(shape) - 1`` in that order; every iteration draws a, then b, with
``np.random.randint(128)``. The blog's hand-written backpropagation through time accumulates
``W += alpha * update`` after the 8 steps; that update is minus the gradient of the summed loss
``0.5 * sum_t (y_t - out_t)^2``, so here it is ``loss.backward()`` and one ``optim.SGD`` step
(lr 0.1) per example. Every 1,000 iterations it prints, as the blog does, the "Error"
``sum_t |y_t - out_t|`` of that iteration's example (computed before its update), the predicted
and true bits (most significant first) and the decoded sum. In float64 the printed errors are the
blog's: 3.45638663, 3.63389116, ..., 0.47477457, 0.21595037. After training, all 128 x 128 pairs
are evaluated in one batch.

The weights are kept in the blog's (in, out) layout and multiplied as ``x @ W``, as the blog does; the
printed errors agree with the blog's NumPy code to about 1e-15 relative.

``--cell lstm`` or ``--cell gru`` trains ``nn.LSTM`` / ``nn.GRU`` (16 units) with an ``nn.Linear``
read-out on the same task: mini-batches of random pairs, binary cross-entropy on the logits, Adam.

Run (from the repository root):

    PYTHONPATH=. python3 examples/binary_addition.py                  # the blog's RNN, 20-60 s on a CPU
    PYTHONPATH=. python3 examples/binary_addition.py --cell lstm      # nn.LSTM, Adam, 2,000 iterations
    PYTHONPATH=. python3 examples/binary_addition.py --cell gru --plot gru.png

Expect (elman): the ten errors above, sums exact from about iteration 6,000 ("11 + 3 = 14" at
9,000), and accuracy 100% over all 16,384 pairs. LSTM and GRU also reach 100%.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matrices: extra BLAS threads only cost time

import numpy as np  # noqa: E402

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import optim  # noqa: E402

BITS = 8
LARGEST = 2**BITS


def to_bits(numbers: np.ndarray) -> np.ndarray:
    """Integers (B,) -> their 8 bits, least significant first, as (8, B) float64."""
    numbers = np.asarray(numbers, dtype=np.int64)
    return np.stack([(numbers >> t) & 1 for t in range(BITS)]).astype(np.float64)


def from_bits(bits: np.ndarray) -> np.ndarray:
    """(8, B) bits (least significant first) -> integers (B,)."""
    return (np.asarray(bits, dtype=np.int64) << np.arange(BITS)[:, None]).sum(axis=0)


def make_batch(a: np.ndarray, b: np.ndarray, device: str, dtype=ag.float64) -> tuple[ag.Tensor, ag.Tensor]:
    """Inputs (8, B, 2): the bits of a and b per step; targets (8, B, 1): the bits of a + b."""
    x = np.stack([to_bits(a), to_bits(b)], axis=-1)
    y = to_bits(np.asarray(a) + np.asarray(b))[..., None]
    return ag.tensor(x, dtype=dtype, device=device), ag.tensor(y, dtype=dtype, device=device)


class ElmanAdder(nn.Module):
    """The blog's network: sigmoid hidden layer with recurrent weights, sigmoid output, no biases."""

    def __init__(self, w0: np.ndarray, w1: np.ndarray, wh: np.ndarray, device: str = "cpu") -> None:
        super().__init__()
        self.W0 = nn.Parameter(ag.tensor(w0, dtype=ag.float64, device=device))  # (2, hidden)
        self.W1 = nn.Parameter(ag.tensor(w1, dtype=ag.float64, device=device))  # (hidden, 1)
        self.Wh = nn.Parameter(ag.tensor(wh, dtype=ag.float64, device=device))  # (hidden, hidden)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        """x (T, B, 2) -> output probabilities (T, B, 1)."""
        h = ag.zeros(x.shape[1], self.Wh.shape[0], dtype=x.dtype, device=x.device)
        outputs = []
        for t in range(x.shape[0]):
            h = ag.sigmoid(x[t] @ self.W0 + h @ self.Wh)
            outputs.append(ag.sigmoid(h @ self.W1))
        return ag.stack(outputs)


class GatedAdder(nn.Module):
    """nn.LSTM or nn.GRU over the bit pairs, and a linear read-out giving one logit per step."""

    def __init__(self, cell: str, hidden: int = 16) -> None:
        super().__init__()
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(2, hidden)
        self.readout = nn.Linear(hidden, 1)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        """x (T, B, 2) -> logits (T, B, 1)."""
        states, _ = self.rnn(x)
        return self.readout(states)


def progress(iterable, enabled: bool, **kwargs):
    """A tqdm bar when tqdm is installed and wanted, else the bare iterable."""
    if enabled:
        with contextlib.suppress(ImportError):
            from tqdm import tqdm

            return tqdm(iterable, **kwargs)
    return iterable


def bits_str(bits) -> str:
    """Bits (least significant first) printed most significant first, as the blog prints them."""
    return "[" + " ".join(str(int(round(v))) for v in reversed(list(bits))) + "]"


def evaluate_all_pairs(predict, device: str, dtype) -> float:
    """Fraction of the 128 x 128 pairs (a, b) whose sum comes out exactly, in one batch."""
    a, b = np.meshgrid(np.arange(LARGEST // 2), np.arange(LARGEST // 2), indexing="ij")
    a, b = a.ravel(), b.ravel()
    x, _ = make_batch(a, b, device, dtype)
    with ag.no_grad():
        bits = predict(x)[..., 0].cpu().numpy() > 0.5  # (8, B)
    return float((from_bits(bits) == a + b).mean())


def train_elman(args) -> dict:
    """The blog's loop: one example per iteration, the error printed every 1,000 iterations."""
    np.random.seed(args.seed)
    hidden = 16
    w0 = 2 * np.random.random((2, hidden)) - 1
    w1 = 2 * np.random.random((hidden, 1)) - 1
    wh = 2 * np.random.random((hidden, hidden)) - 1
    model = ElmanAdder(w0, w1, wh, device=args.device)
    opt = optim.SGD(model.parameters(), lr=args.lr)

    printed, sums, losses = [], [], []
    for j in progress(range(args.steps), args.progress, desc="elman", leave=False):
        a_int = np.random.randint(LARGEST // 2)
        b_int = np.random.randint(LARGEST // 2)
        x, y = make_batch([a_int], [b_int], args.device)

        out = model(x)
        loss = 0.5 * ((y - out) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()

        losses.append(loss.item())
        if j % args.print_every == 0:
            error = (y - out).abs().sum().item()  # of this iteration's forward pass, before the update
            predicted = out[:, 0, 0].detach().cpu().numpy()
            guess = int(from_bits(np.round(predicted)[:, None])[0])
            printed.append(error)
            sums.append((a_int, b_int, guess))
            print(f"Error:{error:.8f}")
            print(f"Pred:{bits_str(predicted)}")
            print(f"True:{bits_str(y[:, 0, 0].cpu().numpy())}")
            print(f"{a_int} + {b_int} = {guess}")
            print("------------")

    accuracy = evaluate_all_pairs(model, args.device, ag.float64)
    return {"errors": printed, "sums": sums, "losses": losses, "accuracy": accuracy}


def train_gated(args) -> dict:
    """nn.LSTM / nn.GRU on mini-batches of random pairs with Adam."""
    ag.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = GatedAdder(args.cell).to(args.device)
    opt = optim.Adam(model.parameters(), lr=args.lr)

    printed, losses = [], []
    for j in progress(range(args.steps), args.progress, desc=args.cell, leave=False):
        a = rng.integers(LARGEST // 2, size=args.batch_size)
        b = rng.integers(LARGEST // 2, size=args.batch_size)
        x, y = make_batch(a, b, args.device, ag.float32)

        logits = model(x)
        loss = F.binary_cross_entropy_with_logits(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()

        losses.append(loss.item())
        if j % args.print_every == 0:
            error = (y - ag.sigmoid(logits)).abs().sum().item() / args.batch_size  # per example, as the blog's
            printed.append(error)
            print(f"iteration {j:5d}  loss {loss.item():.4f}  Error (per example) {error:.4f}")

    model.eval()
    accuracy = evaluate_all_pairs(lambda x: ag.sigmoid(model(x)), args.device, ag.float32)
    return {"errors": printed, "losses": losses, "accuracy": accuracy}


def plot_losses(losses: list, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    window = max(1, len(losses) // 100)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.arange(len(smooth)) + window, smooth)
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"training loss (mean of {window})")
    ax.set_yscale("log")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", choices=["elman", "lstm", "gru"], default="elman",
                        help="elman: the blog's RNN (exact); lstm / gru: nn.LSTM / nn.GRU (default: elman)")
    parser.add_argument("--steps", type=int, default=None,
                        help="training iterations (default: 10000 for elman, 2000 for lstm/gru)")
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default: 0.1 SGD for elman, "
                                                                  "0.01 Adam for lstm/gru)")
    parser.add_argument("--batch-size", type=int, default=32, help="pairs per iteration for lstm/gru (default: 32)")
    parser.add_argument("--print-every", type=int, default=1000, help="print every N iterations (default: 1000)")
    parser.add_argument("--seed", type=int, default=0, help="NumPy seed of the weights and the data (default: 0)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default: cpu)")
    parser.add_argument("--plot", metavar="FILE.png", help="save the training-loss curve")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no tqdm progress bar")
    args = parser.parse_args(argv)
    if args.steps is None:
        args.steps = 10000 if args.cell == "elman" else 2000
    if args.lr is None:
        args.lr = 0.1 if args.cell == "elman" else 0.01

    start = time.perf_counter()
    result = train_elman(args) if args.cell == "elman" else train_gated(args)
    result["seconds"] = time.perf_counter() - start
    result["cell"] = args.cell
    if args.plot:
        plot_losses(result["losses"], args.plot, f"{args.cell}: 8-bit binary addition")
    print(f"cell={args.cell} iterations={args.steps} last_printed_error={result['errors'][-1]:.8f} "
          f"accuracy_all_pairs={result['accuracy']:.4f} ({LARGEST // 2}x{LARGEST // 2}) "
          f"time={result['seconds']:.1f}s")
    return result


if __name__ == "__main__":
    main()
