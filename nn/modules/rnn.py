"""Recurrent layers: RNN, LSTM, GRU and their single-step cells, with PyTorch's names and layouts.

Parameters are ``weight_ih_l{k}{_reverse}`` (gates * H, in), ``weight_hh_l{k}...``
(gates * H, H), ``bias_ih_l{k}...``, ``bias_hh_l{k}...``; gate order i, f, g, o
(LSTM) and r, z, n (GRU), so a PyTorch state_dict converted to arrays loads.
The time loop is in ``nn.functional._rnn``; each step is one fused node.

``RNN``, ``LSTM`` and ``GRU`` also take a ``PackedSequence`` (``nn.utils.rnn``) and then
return one: each sequence runs over its own steps only (the backward direction starts at
its own last step), and ``h_n`` (``c_n``) holds each sequence's state after its last step,
in the caller's batch order, as PyTorch does.

>>> import autograd_core as ag, nn
>>> from nn.utils.rnn import pack_sequence, pad_packed_sequence
>>> packed = pack_sequence([ag.randn(2, 4), ag.randn(5, 4), ag.randn(3, 4)], enforce_sorted=False)
>>> out, (h_n, c_n) = nn.LSTM(4, 8, bidirectional=True)(packed)
>>> padded, lengths = pad_packed_sequence(out, batch_first=True)
>>> padded.shape, lengths.tolist(), h_n.shape
(torch.Size([3, 5, 16]), [2, 5, 3], torch.Size([2, 3, 8]))
"""

from __future__ import annotations

import math
import numbers
import warnings

import autograd_core as ag
from autograd_core import Tensor
from nn import init
from nn.functional import _rnn as R
from nn.module import Module
from nn.parameter import Parameter
from nn.utils.rnn import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _check_sizes(name, input_size, hidden_size, bias):
    if not isinstance(bias, bool):
        raise TypeError(f"{name}: bias should be of type bool, got: {type(bias).__name__}")
    for arg, v in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(v, int) or isinstance(v, bool):
            raise TypeError(f"{name}: {arg} should be of type int, got: {type(v).__name__}")
        if v <= 0:
            raise ValueError(f"{name}: {arg} must be greater than zero, got {v}")


class RNNBase(Module):
    """Shared machinery of ``RNN``, ``LSTM`` and ``GRU`` (use those)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        if mode not in _GATES:
            raise ValueError(f"{name}: unrecognised RNN mode {mode!r}; expected one of {sorted(_GATES)}")
        _check_sizes(name, input_size, hidden_size, bias)
        if not isinstance(batch_first, bool):
            raise TypeError(f"{name}: batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"{name}: num_layers must be an integer greater than zero, got {num_layers!r}")
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(
                f"{name}: dropout should be a number in range [0, 1] representing the probability of an element "
                f"being zeroed, got {dropout!r}"
            )
        if proj_size != 0:
            raise NotImplementedError(
                f"{name}: proj_size={proj_size} (LSTM with projections) is not supported; use proj_size=0, or "
                "add an nn.Linear on the outputs"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=2,
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        D = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * D
            for direction in range(D):
                sfx = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                for pname, shape in shapes:
                    setattr(self, pname + sfx, Parameter(ag.empty(*shape, dtype=dtype, device=device)))
                    self._flat_weights_names.append(pname + sfx)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """No-op (PyTorch packs weights for cuDNN here)."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """Per layer and direction, ``[weight_ih, weight_hh, bias_ih, bias_hh]`` (biases only with bias=True)."""
        per = 4 if self.bias else 2
        w = self._flat_weights
        return [w[k : k + per] for k in range(0, len(w), per)]

    def _layer_weights(self) -> list:
        return [tuple(ws) + (None, None) if len(ws) == 2 else tuple(ws) for ws in self.all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- forward ----------------------------------------------------------------
    def _check_state(self, name: str, state, batched: bool, expected: tuple, what: str) -> Tensor:
        cls = type(self).__name__
        if not isinstance(state, Tensor):
            raise TypeError(f"{cls}: {what} must be a Tensor, got {type(state).__name__}")
        if batched and state.ndim != 3:
            raise RuntimeError(f"{cls}: for batched 3-D input, {what} should also be 3-D but got {state.ndim}-D tensor")
        if not batched:
            if state.ndim != 2:
                raise RuntimeError(
                    f"{cls}: for unbatched 2-D input, {what} should also be 2-D but got {state.ndim}-D tensor"
                )
            state = state.unsqueeze(1)
        if tuple(state.shape) != expected:
            raise RuntimeError(
                f"{cls}: expected {what} of size {expected} (num_layers * num_directions, batch, hidden_size), "
                f"got {list(state.shape)}"
            )
        w = self._flat_weights[0]
        if state.dtype != w.dtype or state.device != w.device:
            raise TypeError(
                f"{cls}: {what} is {state.dtype} on {state.device} but the weights are {w.dtype} on {w.device}; "
                "convert it with .to()"
            )
        return state

    def _check_hx(self, cls: str, hx, batched: bool, expected: tuple):
        """``(h_0, c_0)`` checked against ``expected`` (c_0 None unless LSTM; both None without hx)."""
        if hx is None:
            return None, None
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{cls}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
            return (self._check_state(cls, hx[0], batched, expected, "h_0 (hx[0])"),
                    self._check_state(cls, hx[1], batched, expected, "c_0 (hx[1])"))
        return self._check_state(cls, hx, batched, expected, "hx"), None

    def _check_features(self, cls: str, x: Tensor, name: str, what: str) -> None:
        """``x`` (the input, or a PackedSequence's data, called ``name`` in the advice) has the
        weights' dtype and ``input_size`` features, with PyTorch's errors."""
        w = self._flat_weights[0]
        if x.dtype != w.dtype:
            raise ValueError(
                f"{cls}: input dtype ({x.dtype}) does not match weight dtype ({w.dtype}). Convert input: "
                f"{name}.to({w.dtype}), or convert model: model.to({x.dtype})"
            )
        if x.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{cls}: input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                f"got {x.shape[-1]} ({what} shape {tuple(x.shape)})"
            )

    def _run_packed(self, input: PackedSequence, hx):
        """The layer over a PackedSequence: ``(PackedSequence output, h_n, c_n)``.

        ``hx`` and the returned states are in the caller's batch order; the packed data is in
        ``sorted_indices`` order, so the states are permuted into it and back, as PyTorch does."""
        cls = type(self).__name__
        data, sorted_indices, unsorted_indices = input.data, input.sorted_indices, input.unsorted_indices
        if not isinstance(data, Tensor) or data.ndim != 2:
            shape = tuple(data.shape) if isinstance(data, Tensor) else type(data).__name__
            raise RuntimeError(f"{cls}: a PackedSequence's data must be 2-D (sum of lengths, input_size), got {shape}")
        self._check_features(cls, data, "packed", "packed data")
        batch_sizes = [int(n) for n in input.batch_sizes.tolist()]
        D = 2 if self.bidirectional else 1
        expected = (self.num_layers * D, batch_sizes[0], self.hidden_size)
        h0, c0 = self._check_hx(cls, hx, True, expected)
        if sorted_indices is not None:
            h0 = h0.index_select(1, sorted_indices) if h0 is not None else None
            c0 = c0.index_select(1, sorted_indices) if c0 is not None else None
        nonlin = "relu" if self.mode == "RNN_RELU" else "tanh"
        out, h_n, c_n = R.rnn_forward_packed(self.mode, data, batch_sizes, h0, c0, self._layer_weights(),
                                             self.num_layers, self.bidirectional, self.dropout, self.training,
                                             nonlin)
        if unsorted_indices is not None:
            h_n = h_n.index_select(1, unsorted_indices)
            c_n = c_n.index_select(1, unsorted_indices) if c_n is not None else None
        return PackedSequence(out, input.batch_sizes, sorted_indices, unsorted_indices), h_n, c_n

    def _run(self, input, hx):
        cls = type(self).__name__
        if isinstance(input, PackedSequence):
            return self._run_packed(input, hx)
        if not isinstance(input, Tensor):
            raise TypeError(f"{cls}: input must be a Tensor or a PackedSequence, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{cls}: expected input to be 2-D (unbatched) or 3-D, got {input.ndim}-D tensor of shape "
                             f"{tuple(input.shape)}")
        self._check_features(cls, input, "input", "input")
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        x = input.transpose(0, 1) if self.batch_first else input
        if x.shape[0] == 0:
            raise RuntimeError(f"{cls}: input has no time steps (shape {tuple(input.shape)})")
        D = 2 if self.bidirectional else 1
        expected = (self.num_layers * D, x.shape[1], self.hidden_size)
        h0, c0 = self._check_hx(cls, hx, batched, expected)
        nonlin = "relu" if self.mode == "RNN_RELU" else "tanh"
        out, h_n, c_n = R.rnn_forward(self.mode, x, h0, c0, self._layer_weights(), self.num_layers,
                                      self.bidirectional, self.dropout, self.training, nonlin)
        if self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(0 if self.batch_first else 1)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        return out, h_n, c_n


class RNN(RNNBase):
    """Elman RNN: h_t = nonlinearity(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), stacked and optionally bidirectional.

    Input (T, B, input_size) (or (B, T, ...) with ``batch_first``, or (T, input_size) unbatched);
    returns ``(output, h_n)``: output (T, B, D * hidden_size), h_n (num_layers * D, B, hidden_size).

    >>> import autograd_core as ag, nn
    >>> rnn = nn.RNN(4, 8, num_layers=2)
    >>> out, h_n = rnn(ag.randn(5, 3, 4))
    >>> out.shape, h_n.shape
    (torch.Size([5, 3, 8]), torch.Size([2, 3, 8]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None):
        out, h_n, _ = self._run(input, hx)
        return out, h_n


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o as PyTorch), stacked and optionally bidirectional.

    Returns ``(output, (h_n, c_n))``; ``hx`` is an optional ``(h_0, c_0)``.  Each step
    is one fused node (``autograd_core.ops.rnn.lstm_cell``); the input projection of
    all steps is one GEMM.

    >>> import autograd_core as ag, nn
    >>> lstm = nn.LSTM(4, 8, batch_first=True, bidirectional=True)
    >>> out, (h_n, c_n) = lstm(ag.randn(3, 5, 4))
    >>> out.shape, h_n.shape, c_n.shape
    (torch.Size([3, 5, 16]), torch.Size([2, 3, 8]), torch.Size([2, 3, 8]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)

    def forward(self, input: Tensor, hx=None):
        out, h_n, c_n = self._run(input, hx)
        return out, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit with PyTorch's formula (gates r, z, n; b_hn inside the reset product).

    >>> import autograd_core as ag, nn
    >>> gru = nn.GRU(4, 8, num_layers=2)
    >>> out, h_n = gru(ag.randn(5, 3, 4))
    >>> out.shape, h_n.shape
    (torch.Size([5, 3, 8]), torch.Size([2, 3, 8]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None):
        out, h_n, _ = self._run(input, hx)
        return out, h_n


# ---------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Shared machinery of the single-step cells (use ``RNNCell``, ``LSTMCell``, ``GRUCell``)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        _check_sizes(type(self).__name__, input_size, hidden_size, bias)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(ag.empty(num_chunks * hidden_size, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(ag.empty(num_chunks * hidden_size, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(ag.empty(num_chunks * hidden_size, dtype=dtype, device=device))
            self.bias_hh = Parameter(ag.empty(num_chunks * hidden_size, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input, hx, n_states: int):
        """Check shapes and dtypes; make everything 2-D; zeros for missing states."""
        cls = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{cls}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{cls}: expected input to be 1-D or 2-D, got {input.ndim}-D tensor of shape "
                             f"{tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{cls}: input has {input.shape[-1]} features (shape {tuple(input.shape)}), "
                               f"expected input_size={self.input_size}")
        if input.dtype != self.weight_ih.dtype:
            raise ValueError(f"{cls}: input dtype ({input.dtype}) does not match weight dtype "
                             f"({self.weight_ih.dtype}); convert with .to()")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        B = input.shape[0]
        if hx is None:
            z = ag.zeros(B, self.hidden_size, dtype=input.dtype, device=input.device)
            return input, [z] * n_states, batched
        states = list(hx) if n_states == 2 else [hx]
        if n_states == 2 and (not isinstance(hx, (tuple, list)) or len(states) != 2):
            raise TypeError(f"{cls}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
        out = []
        for k, s in enumerate(states):
            what = "hx" if n_states == 1 else f"hx[{k}]"
            if not isinstance(s, Tensor):
                raise TypeError(f"{cls}: {what} must be a Tensor, got {type(s).__name__}")
            if s.ndim != (2 if batched else 1):
                raise RuntimeError(f"{cls}: expected {what} to be {2 if batched else 1}-D for "
                                   f"{'batched' if batched else 'unbatched'} input, got {s.ndim}-D")
            s = s if batched else s.unsqueeze(0)
            if tuple(s.shape) != (B, self.hidden_size):
                raise RuntimeError(f"{cls}: {what} has shape {tuple(s.shape)}, expected {(B, self.hidden_size)} "
                                   "(batch, hidden_size)")
            if s.dtype != input.dtype:
                raise ValueError(f"{cls}: {what} dtype ({s.dtype}) does not match input dtype ({input.dtype})")
            out.append(s)
        return input, out, batched


class RNNCell(RNNCellBase):
    """One Elman step: h' = nonlinearity(x W_ih^T + b_ih + h W_hh^T + b_hh).

    >>> import autograd_core as ag, nn
    >>> cell = nn.RNNCell(4, 8)
    >>> cell(ag.randn(3, 4)).shape
    torch.Size([3, 8])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity: {nonlinearity}; select from 'tanh' or 'relu'")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, hx, 1)
        step = R.rnn_tanh_cell if self.nonlinearity == "tanh" else R.rnn_relu_cell
        h = step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o), returning ``(h', c')``; ``hx`` is an optional ``(h, c)``.

    >>> import autograd_core as ag, nn
    >>> cell = nn.LSTMCell(4, 8)
    >>> h, c = cell(ag.randn(3, 4))
    >>> h.shape, c.shape
    (torch.Size([3, 8]), torch.Size([3, 8]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx=None):
        x, (h, c), batched = self._prepare(input, hx, 2)
        h, c = R.lstm_cell_step(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n, PyTorch's formula).

    >>> import autograd_core as ag, nn
    >>> cell = nn.GRUCell(4, 8)
    >>> cell(ag.randn(3, 4)).shape
    torch.Size([3, 8])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, hx, 1)
        h = R.gru_cell_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)
