"""Character-level language models: a vanilla RNN, an LSTM and a GRU learn to write like a text, one character at a time.

Reproduces the book's character-level RNN / LSTM / GRU chapter (after Karpathy's min-char-rnn and
the Keras text-generation example). Any text file works (``--text FILE``); by default the models read
English that ships with Python itself: the documentation topics of the standard library's
``pydoc_data`` package (``from pydoc_data.topics import topics``, the values joined; ~465,000
characters and ~100 distinct ones, depending on the Python version).

``--model rnn`` (the book's vanilla RNN): one-hot characters into ``nn.RNN`` (128 tanh units) and an
``nn.Linear`` read-out; weights ``0.01 * randn``, biases zero; truncated backpropagation through time
over chunks of 25 characters, the hidden state carried from chunk to chunk (detached); the loss
summed over the chunk, gradients clipped to [-5, 5] (``nn.utils.clip_grad_value_``), Adagrad with
lr 0.1 as in min-char-rnn. The smoothed loss starts at -ln(1/V) * 25 per chunk (chance) and decays by
0.999 per step; it is printed per character, beside the uniform baseline ln V.

``--model lstm`` / ``--model gru``: one layer of 128 units (``nn.LSTM`` / ``nn.GRU``) reads a window of
40 one-hot characters and predicts the character that follows it (windows start every 3 characters),
cross-entropy, Adam (lr 0.01), batches of 256 from a shuffling ``DataLoader``; the loss printed is
per character (the predicted one), its smoothed value starting at ln V and decaying by 0.99 per batch.

Samples are drawn from the softmax of logits / ``--temperature`` (lower: safer, more repetitive),
at intervals and at the end, primed with a piece of the text: the RNN carries its hidden state on,
the LSTM/GRU slide their 40-character window as they were trained.

Run (from the repository root):

    PYTHONPATH=. python3 examples/char_rnn.py --model rnn                    # 20,000 chunks of 25 characters
    PYTHONPATH=. python3 examples/char_rnn.py --model lstm --temperature 0.5  # 1,000 batches of 256 windows
    PYTHONPATH=. python3 examples/char_rnn.py --model gru --text some_book.txt --plot gru.png

Expect (pydoc topics, V = 103, ln V = 4.63 nats): the loss per character falls to about 1.9 for the RNN
after 20,000 chunks (about one pass over the text), 1.55 for the LSTM and 1.45 for the GRU after 1,000
batches; the samples go from random characters to English-looking words, indentation and
Python-documentation phrasing.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: extra BLAS threads only cost time

import numpy as np  # noqa: E402

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import optim  # noqa: E402
from autograd_core.utils.data import DataLoader, TensorDataset  # noqa: E402


def load_text(path: str | None) -> str:
    """The text of ``path``, or by default Python's own documentation topics (pydoc_data)."""
    if path is not None:
        with open(path, encoding="utf-8") as f:
            return f.read()
    from pydoc_data.topics import topics

    return "".join(topics.values())


class Vocabulary:
    """The distinct characters of a text, sorted; characters <-> integer ids."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


class CharRNN(nn.Module):
    """The book's vanilla RNN: h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h), y_t = W_hy h_t + b_y on one-hot x_t."""

    def __init__(self, vocab_size: int, hidden_size: int = 128) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = nn.RNN(vocab_size, hidden_size, nonlinearity="tanh")
        self.out = nn.Linear(hidden_size, vocab_size)
        for name, p in self.named_parameters():  # min-char-rnn: weights 0.01 * randn, biases zero
            if "weight" in name:
                nn.init.normal_(p, 0.0, 0.01)
            else:
                nn.init.zeros_(p)

    def forward(self, ids: ag.Tensor, h: ag.Tensor | None = None) -> tuple[ag.Tensor, ag.Tensor]:
        """ids (T, B) -> logits (T, B, V) for the next character at every step, and the last hidden state."""
        x = F.one_hot(ids, self.vocab_size).float()
        states, h = self.rnn(x, h)
        return self.out(states), h


class CharWindowModel(nn.Module):
    """One nn.LSTM or nn.GRU layer over a window of one-hot characters, then the next character's logits."""

    def __init__(self, kind: str, vocab_size: int, hidden_size: int = 128) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = (nn.LSTM if kind == "lstm" else nn.GRU)(vocab_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: ag.Tensor) -> ag.Tensor:
        """ids (B, T) -> logits (B, V) of the character after each window."""
        x = F.one_hot(ids, self.vocab_size).float()
        states, _ = self.rnn(x)
        return self.out(states[:, -1])


def pick(logits: ag.Tensor, temperature: float, rng: np.random.Generator) -> int:
    """Draw a character id from softmax(logits / temperature)."""
    probs = F.softmax(logits.reshape(-1) / temperature, dim=0).cpu().numpy().astype(np.float64)
    return int(rng.choice(len(probs), p=probs / probs.sum()))


@ag.no_grad()
def sample(model: nn.Module, vocab: Vocabulary, prime: str, length: int, temperature: float,
           rng: np.random.Generator, device: str, window: int = 40) -> str:
    """``length`` new characters following ``prime``."""
    model.eval()
    ids = list(vocab.encode(prime))
    generated = []
    if isinstance(model, CharRNN):  # read the prime, then carry the hidden state on, one character at a time
        logits, h = model(ag.tensor(ids, device=device).reshape(-1, 1))
        for _ in range(length):
            nxt = pick(logits[-1], temperature, rng)
            generated.append(nxt)
            logits, h = model(ag.tensor([[nxt]], device=device), h)
    else:  # slide the window: the model always sees the last `window` characters, as in training
        for _ in range(length):
            context = ag.tensor([ids[-window:]], device=device)
            nxt = pick(model(context), temperature, rng)
            generated.append(nxt)
            ids.append(nxt)
    model.train()
    return vocab.decode(generated)


def progress(iterable, enabled: bool, **kwargs):
    """A tqdm bar when tqdm is installed and wanted, else the bare iterable."""
    if enabled:
        with contextlib.suppress(ImportError):
            from tqdm import tqdm

            return tqdm(iterable, **kwargs)
    return iterable


def report(step: int, per_char: list, smooth: float | None, baseline: float) -> None:
    recent = sum(per_char) / max(1, len(per_char))
    line = f"step {step:6d}  loss/char {recent:.4f}"
    if smooth is not None:
        line += f"  smoothed {smooth:.4f}"
    print(line + f"  (uniform baseline ln V = {baseline:.4f})")


def train_rnn(args, data: np.ndarray, vocab: Vocabulary, rng: np.random.Generator) -> dict:
    """min-char-rnn's loop: consecutive chunks of 25 characters, the hidden state carried across them."""
    model = CharRNN(len(vocab), args.hidden).to(args.device)
    opt = optim.Adagrad(model.parameters(), lr=args.lr or 0.1, eps=1e-8)
    T = args.seq_length
    baseline = math.log(len(vocab))
    smooth_loss = -math.log(1.0 / len(vocab)) * T  # the loss of the uniform guess on one chunk
    losses, interval, h, p = [], [], None, 0
    for step in progress(range(1, args.steps + 1), args.progress, desc="rnn", leave=False):
        if h is None or p + T + 1 > len(data):  # start (again) at the beginning of the text with h = 0
            p, h = 0, None
        inputs = ag.tensor(data[p : p + T], device=args.device).reshape(T, 1)
        targets = ag.tensor(data[p + 1 : p + T + 1], device=args.device)

        logits, h = model(inputs, h)
        loss = F.cross_entropy(logits.reshape(T, -1), targets, reduction="sum")
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_value_(model.parameters(), 5.0)
        opt.step()
        h = h.detach()  # truncated BPTT: carry the state on, but not the graph
        p += T

        smooth_loss = smooth_loss * 0.999 + loss.item() * 0.001
        losses.append(loss.item() / T)
        interval.append(loss.item() / T)
        if step % args.print_every == 0 or step == args.steps:
            report(step, interval, smooth_loss / T, baseline)
            interval = []
        if step % args.sample_every == 0:
            print("----\n" + sample(model, vocab, vocab.decode(data[p - T : p]), args.sample_length,
                                    args.temperature, rng, args.device) + "\n----")
    return {"model": model, "losses": losses, "smooth_loss": smooth_loss / T}


def train_windows(args, data: np.ndarray, vocab: Vocabulary, rng: np.random.Generator) -> dict:
    """The Keras-style setup: (window of 40 characters -> next character) pairs, shuffled batches, Adam."""
    W = args.seq_length
    starts = np.arange(0, len(data) - W, args.window_step)
    windows = data[starts[:, None] + np.arange(W)]
    following = data[starts + W]
    loader = DataLoader(TensorDataset(ag.tensor(windows), ag.tensor(following)), batch_size=args.batch_size,
                        shuffle=True, drop_last=len(starts) > args.batch_size, generator=args.seed)
    print(f"{len(starts)} windows of {W} characters, {len(loader)} batches of {args.batch_size} per epoch")

    model = CharWindowModel(args.model, len(vocab), args.hidden).to(args.device)
    opt = optim.Adam(model.parameters(), lr=args.lr or 0.01)
    baseline = math.log(len(vocab))
    smooth_loss = baseline
    losses, interval, step = [], [], 0
    bar = progress(range(args.steps), args.progress, desc=args.model, leave=False)
    while step < args.steps:
        for x, y in loader:
            step += 1
            logits = model(x.to(args.device))
            loss = F.cross_entropy(logits, y.to(args.device))
            opt.zero_grad()
            loss.backward()
            opt.step()

            smooth_loss = smooth_loss * 0.99 + loss.item() * 0.01
            losses.append(loss.item())
            interval.append(loss.item())
            if hasattr(bar, "update"):
                bar.update()
            if step % args.print_every == 0 or step == args.steps:
                report(step, interval, smooth_loss, baseline)
                interval = []
            if step % args.sample_every == 0:
                start = int(rng.integers(len(data) - W))
                print("----\n" + sample(model, vocab, vocab.decode(data[start : start + W]), args.sample_length,
                                        args.temperature, rng, args.device, W) + "\n----")
            if step == args.steps:
                break
    if hasattr(bar, "close"):
        bar.close()
    return {"model": model, "losses": losses, "smooth_loss": smooth_loss}


def plot_losses(losses: list, baseline: float, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    window = max(1, len(losses) // 100)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.arange(len(smooth)) + window, smooth, label="training loss per character")
    ax.axhline(baseline, color="gray", linestyle="--", label="uniform baseline ln V")
    ax.set_xlabel("step")
    ax.set_ylabel("nats per character")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["rnn", "lstm", "gru"], default="rnn", help="(default: rnn)")
    parser.add_argument("--text", metavar="FILE", help="UTF-8 text to learn (default: Python's pydoc topics)")
    parser.add_argument("--steps", type=int, default=None,
                        help="updates: chunks for rnn (default 20000), batches for lstm/gru (default 1000)")
    parser.add_argument("--hidden", type=int, default=128, help="hidden units (default: 128)")
    parser.add_argument("--seq-length", type=int, default=None,
                        help="BPTT chunk (rnn, default 25) or window (lstm/gru, default 40) in characters")
    parser.add_argument("--window-step", type=int, default=3, help="lstm/gru: a window every N characters (3)")
    parser.add_argument("--batch-size", type=int, default=256, help="lstm/gru: windows per batch (default: 256)")
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default: 0.1 Adagrad for rnn, "
                                                                  "0.01 Adam for lstm/gru)")
    parser.add_argument("--temperature", type=float, default=1.0, help="sampling temperature (default: 1.0)")
    parser.add_argument("--sample-length", type=int, default=200, help="characters per sample (default: 200)")
    parser.add_argument("--print-every", type=int, default=None, help="print the loss every N steps")
    parser.add_argument("--sample-every", type=int, default=None, help="print a sample every N steps")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights, batches and samples (default: 0)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default: cpu)")
    parser.add_argument("--plot", metavar="FILE.png", help="save the loss curve")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no tqdm progress bar")
    args = parser.parse_args(argv)
    rnn = args.model == "rnn"
    args.steps = args.steps or (20000 if rnn else 1000)
    args.seq_length = args.seq_length or (25 if rnn else 40)
    args.print_every = args.print_every or max(1, args.steps // 20)
    args.sample_every = args.sample_every or max(1, args.steps // 4)

    ag.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    text = load_text(args.text)
    if len(text) < args.seq_length + 2:
        raise SystemExit(f"the text has {len(text)} characters; it needs at least {args.seq_length + 2}")
    vocab = Vocabulary(text)
    data = vocab.encode(text)
    baseline = math.log(len(vocab))
    print(f"{len(text)} characters, {len(vocab)} distinct; model={args.model}, device={args.device}; "
          f"uniform baseline ln V = {baseline:.4f} nats per character")

    start = time.perf_counter()
    result = (train_rnn if rnn else train_windows)(args, data, vocab, rng)
    seconds = time.perf_counter() - start

    prime_at = int(rng.integers(len(data) - args.seq_length))
    prime = text[prime_at : prime_at + args.seq_length]
    text_sample = sample(result["model"], vocab, prime, args.sample_length, args.temperature, rng, args.device,
                         args.seq_length)
    print(f"---- sample (temperature {args.temperature}), after {prime!r}:\n{text_sample}\n----")
    losses = result["losses"]
    tail = losses[-max(1, len(losses) // 10):]
    final = sum(tail) / len(tail)  # mean loss per character over the last 10% of the steps
    if args.plot:
        plot_losses(losses, baseline, args.plot, f"char-{args.model} on {args.text or 'pydoc topics'}")
    print(f"model={args.model} steps={args.steps} loss_per_char={final:.4f} (last 10% of steps) "
          f"smoothed={result['smooth_loss']:.4f} uniform_baseline={baseline:.4f} time={seconds:.1f}s")
    return {"model": args.model, "loss_per_char": final, "smoothed_loss_per_char": result["smooth_loss"],
            "baseline": baseline, "losses": losses, "sample": text_sample, "vocab": vocab.chars,
            "seconds": seconds}


if __name__ == "__main__":
    main()
