"""The recurrent loops behind ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` (and their cells).

Each layer and direction does the input projection of *all* time steps as one
``ag.linear`` (one GEMM) outside the time loop, splits it into steps with one
node (``unbind_steps``), runs the fused cell primitive per step
(``autograd_core.ops.rnn``), and joins the step outputs with one node
(``stack_steps``).  Everything here is composed from autograd_core ops.

``rnn_forward_packed`` runs the same cells over a ``PackedSequence``'s data: step t on
the first ``batch_sizes[t]`` rows of the state (the sequences still running are a prefix,
as packing sorts them longest first), the finished rows' states carried unchanged.

PyTorch has no public functional LSTM, so these are private helpers; the
public surface is the modules.
"""

from __future__ import annotations

import numpy as np  # host-side metadata only (packed batch sizes), never on tensor data

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.ops.rnn import gru_cell, lstm_cell, recurrent_steps, stack_steps, unbind_steps

__all__: list = []

_ACTIVATIONS = {"tanh": ag.tanh, "relu": ag.relu}


def _add_bias(b_ih, b_hh):
    if b_ih is None:
        return b_hh
    return b_ih if b_hh is None else b_ih + b_hh


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    """Elman step ``tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    return ag.tanh(ag.linear(input, w_ih, b_ih) + ag.linear(hx, w_hh, b_hh))


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    """Elman step with ReLU."""
    return ag.relu(ag.linear(input, w_ih, b_ih) + ag.linear(hx, w_hh, b_hh))


def lstm_cell_step(input: Tensor, hx: Tensor, cx: Tensor, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step from the raw input: ``(h, c)``."""
    return lstm_cell(ag.linear(input, w_ih, b_ih), hx, cx, w_hh, b_hh)


def gru_cell_step(input: Tensor, hx: Tensor, w_ih, w_hh, b_ih=None, b_hh=None) -> Tensor:
    """One GRU step from the raw input."""
    return gru_cell(ag.linear(input, w_ih, b_ih), hx, w_hh, b_hh)


def _run_direction(mode, x, h, c, weights, reverse, nonlinearity):
    """One layer in one direction over a time-major input (T, B, F): (outputs (T, B, H), h_T, c_T)."""
    w_ih, w_hh, b_ih, b_hh = weights
    if mode == "GRU":  # b_hn sits inside r * (...): the hidden bias must stay in the cell
        steps = unbind_steps(ag.linear(x, w_ih, b_ih))
    elif mode == "LSTM":  # both biases are plain sums: fold them into the one input GEMM
        steps = recurrent_steps(ag.linear(x, w_ih, _add_bias(b_ih, b_hh)), w_hh, reverse=reverse)
    else:
        steps = unbind_steps(ag.linear(x, w_ih, _add_bias(b_ih, b_hh)))
    T = len(steps)
    outs = [None] * T
    order = range(T - 1, -1, -1) if reverse else range(T)
    if mode == "LSTM":
        for t in order:
            h, c = lstm_cell(steps[t], h, c, w_hh)
            outs[t] = h
    elif mode == "GRU":
        for t in order:
            h = gru_cell(steps[t], h, w_hh, b_hh)
            outs[t] = h
    else:
        act = _ACTIVATIONS[nonlinearity]
        for t in order:
            h = act(steps[t] + ag.linear(h, w_hh))
            outs[t] = h
    return stack_steps(outs), h, c


def _dropout(x: Tensor, p: float) -> Tensor:
    """Inverted dropout between layers (only called while training)."""
    from nn.functional._dropout import dropout

    return dropout(x, p=p, training=True)


def rnn_forward(mode: str, input: Tensor, h0: Tensor | None, c0: Tensor | None, weights, num_layers: int,
                bidirectional: bool, dropout: float, training: bool, nonlinearity: str = "tanh"):
    """Run a stacked (bi)directional RNN/LSTM/GRU over a time-major input (T, B, F).

    ``weights[layer * D + direction]`` is ``(w_ih, w_hh, b_ih, b_hh)`` (biases may be None);
    ``h0``/``c0`` are (num_layers * D, B, H) or None for zeros.
    Returns ``(output (T, B, D * H), h_n, c_n)`` with ``c_n`` None unless LSTM.
    """
    def direction(x, h, c, w, reverse):
        return _run_direction(mode, x, h, c, w, reverse, nonlinearity)

    return _stack_layers(mode, input, input.shape[1], h0, c0, weights, num_layers, bidirectional, dropout,
                         training, direction, feature_dim=2)


def _stack_layers(mode, x, batch, h0, c0, weights, num_layers, bidirectional, dropout, training, direction,
                  feature_dim):
    """The layers and directions around ``direction(x, h, c, weights, reverse) -> (out, h_n, c_n)``:
    dropout between layers while training, each layer's directions joined along ``feature_dim``,
    missing initial states as zeros.  Returns ``(output, h_n, c_n)``, c_n None unless LSTM."""
    lstm = mode == "LSTM"
    D = 2 if bidirectional else 1
    h_init = ag.unbind(h0, 0) if h0 is not None else None
    c_init = ag.unbind(c0, 0) if c0 is not None else None
    zero = None
    if h0 is None or (lstm and c0 is None):
        zero = ag.zeros(batch, weights[0][1].shape[1], dtype=x.dtype, device=x.device)
    h_n, c_n = [], []
    for layer in range(num_layers):
        if layer > 0 and dropout > 0 and training:
            x = _dropout(x, dropout)
        outs = []
        for d in range(D):
            k = layer * D + d
            h = h_init[k] if h_init is not None else zero
            c = (c_init[k] if c_init is not None else zero) if lstm else None
            out, h, c = direction(x, h, c, weights[k], d == 1)
            outs.append(out)
            h_n.append(h)
            c_n.append(c)
        x = outs[0] if D == 1 else ag.cat(outs, feature_dim)
    return x, stack_steps(h_n), (stack_steps(c_n) if lstm else None)


# ---------------------------------------------------------------------------- packed sequences
# A PackedSequence sorts its sequences longest first, so the sequences still running at step t
# are the first batch_sizes[t] rows of the batch.  Each step runs the cell on that prefix of the
# state only; the rows that have finished keep their last state, which is their h_n.  All of it
# is slicing and cat around the same fused cells, so the tape differentiates it as it is.


def _padded_steps(gates: Tensor, batch_sizes: list) -> tuple:
    """The packed gates (N, G) as T steps of (B, G) (zeros past each sequence's end), in two nodes.

    Slicing each step's rows out of the packed tensor would cost O(N) per step in backward
    (each slice scatters into a zero (N, G) gradient).  Here the packed rows are copied into
    their (t, b) slots of a zero (T * B, G) tensor (``index_copy``: its backward is a gather)
    and split into steps by one ``unbind_steps``.
    """
    T, B, G = len(batch_sizes), batch_sizes[0], gates.shape[1]
    if gates.shape[0] != T * B:  # else every sequence is full length: already (T, B, G) in order
        sizes = np.asarray(batch_sizes)
        starts = np.cumsum(sizes) - sizes
        steps = np.repeat(np.arange(T), sizes)
        slots = steps * B + (np.arange(gates.shape[0]) - starts[steps])
        index = ag.tensor(slots, dtype=ag.int64, device=gates.device)
        gates = ag.zeros(T * B, G, dtype=gates.dtype, device=gates.device).index_copy(0, index, gates)
    return unbind_steps(gates.reshape(T, B, G))


def _cell_fn(mode, w_hh, b_hh, nonlinearity):
    """One step ``(gx, h, c) -> (h, c)`` of the given mode (gx: the input's share of the gates)."""
    if mode == "LSTM":
        return lambda gx, h, c: lstm_cell(gx, h, c, w_hh)
    if mode == "GRU":
        return lambda gx, h, c: (gru_cell(gx, h, w_hh, b_hh), None)
    act = _ACTIVATIONS[nonlinearity]
    return lambda gx, h, c: (act(gx + ag.linear(h, w_hh)), None)


def _run_direction_packed(mode, x, batch_sizes, h0, c0, weights, reverse, nonlinearity):
    """One layer in one direction over packed data ``x`` (N, F): (packed outputs (N, H), h_n, c_n),
    the final states (B, H) in sorted order, each row its sequence's state after its own last step."""
    w_ih, w_hh, b_ih, b_hh = weights
    if mode == "GRU":
        gates = ag.linear(x, w_ih, b_ih)
    else:  # both biases are plain sums: fold them into the input GEMM
        gates = ag.linear(x, w_ih, _add_bias(b_ih, b_hh))
    steps = _padded_steps(gates, batch_sizes)
    step = _cell_fn(mode, w_hh, b_hh, nonlinearity)
    T = len(batch_sizes)
    lstm = mode == "LSTM"
    outs = [None] * T

    def active(s, n):
        return s if n == s.shape[0] else s[:n]

    if not reverse:
        h, c = h0, c0
        finished_h, finished_c = [], []
        for t in range(T):
            n = batch_sizes[t]
            if n < h.shape[0]:  # rows n.. have ended: their state now is their final one
                finished_h.append(h[n:])
                h = h[:n]
                if lstm:
                    finished_c.append(c[n:])
                    c = c[:n]
            h, c = step(active(steps[t], n), h, c)
            outs[t] = h
        # Finished blocks were cut from the end of the batch first: reversed, they are in row order.
        h_n = ag.cat([h] + finished_h[::-1], 0) if finished_h else h
        c_n = (ag.cat([c] + finished_c[::-1], 0) if finished_c else c) if lstm else None
    else:
        # Backwards in time, a sequence joins at its own last step, from its initial state.
        n0 = batch_sizes[-1]
        h = active(h0, n0)
        c = active(c0, n0) if lstm else None
        for t in range(T - 1, -1, -1):
            n = batch_sizes[t]
            if n > h.shape[0]:
                h = ag.cat([h, h0[h.shape[0] : n]], 0)
                if lstm:
                    c = ag.cat([c, c0[c.shape[0] : n]], 0)
            h, c = step(active(steps[t], n), h, c)
            outs[t] = h
        h_n, c_n = h, c
    return ag.cat(outs, 0), h_n, c_n


def rnn_forward_packed(mode: str, data: Tensor, batch_sizes: list, h0: Tensor | None, c0: Tensor | None,
                       weights, num_layers: int, bidirectional: bool, dropout: float, training: bool,
                       nonlinearity: str = "tanh"):
    """``rnn_forward`` over packed data (N, F) with host ``batch_sizes`` (non-increasing ints).

    ``h0``/``c0`` are (num_layers * D, B, H) in the packed (sorted) batch order, or None for zeros.
    Returns ``(packed output (N, D * H), h_n, c_n)``, the states in the sorted order; ``c_n`` is None
    unless LSTM.  Dropout between layers acts on the packed data, as PyTorch's does.
    """
    def direction(x, h, c, w, reverse):
        return _run_direction_packed(mode, x, batch_sizes, h, c, w, reverse, nonlinearity)

    return _stack_layers(mode, data, batch_sizes[0], h0, c0, weights, num_layers, bidirectional, dropout,
                         training, direction, feature_dim=1)
