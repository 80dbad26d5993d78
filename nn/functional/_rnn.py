"""The recurrent loops behind ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` (and their cells).

Each layer and direction does the input projection of *all* time steps as one
``ag.linear`` (one GEMM) outside the time loop, splits it into steps with one
node (``unbind_steps``), runs the fused cell primitive per step
(``autograd_core.ops.rnn``), and joins the step outputs with one node
(``stack_steps``).  Everything here is composed from autograd_core ops.

PyTorch has no public functional LSTM, so these are private helpers; the
public surface is the modules.
"""

from __future__ import annotations

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
    D = 2 if bidirectional else 1
    B = input.shape[1]
    H = weights[0][1].shape[1]
    h_init = ag.unbind(h0, 0) if h0 is not None else None
    c_init = ag.unbind(c0, 0) if c0 is not None else None
    zero = None
    h_n, c_n = [], []
    x = input
    for layer in range(num_layers):
        if layer > 0 and dropout > 0 and training:
            x = _dropout(x, dropout)
        outs = []
        for d in range(D):
            k = layer * D + d
            if h_init is None or (mode == "LSTM" and c_init is None):
                if zero is None:
                    zero = ag.zeros(B, H, dtype=input.dtype, device=input.device)
            h = h_init[k] if h_init is not None else zero
            c = (c_init[k] if c_init is not None else zero) if mode == "LSTM" else None
            out, h, c = _run_direction(mode, x, h, c, weights[k], d == 1, nonlinearity)
            outs.append(out)
            h_n.append(h)
            c_n.append(c)
        x = outs[0] if D == 1 else ag.cat(outs, 2)
    h_n = stack_steps(h_n)
    return x, h_n, (stack_steps(c_n) if mode == "LSTM" else None)
