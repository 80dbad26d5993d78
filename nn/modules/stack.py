"""The neural stack, queue and deque (Grefenstette et al. 2015) and the LSTMs that drive them.

``NeuralStack``, ``NeuralQueue`` and ``NeuralDeque`` hold no parameters: they are the
differentiable data structures, one time step per call (see ``nn.functional.neural_stack``
for the equations).  ``StackLSTM``, ``QueueLSTM`` and ``DequeLSTM`` are the paper's
controller-augmented recurrent networks: an LSTM cell that decides at every step what
to push, how strongly to push and to pop, and reads the memory back.

>>> import autograd_core as ag, nn
>>> model = nn.StackLSTM(input_size=5, hidden_size=16, memory_size=8, output_size=5)
>>> y, state = model(ag.randn(7, 2, 5))             # (seq, batch, input)
>>> y.shape, state.memory.strengths.shape
(torch.Size([7, 2, 5]), torch.Size([2, 7]))
"""

from __future__ import annotations

from typing import NamedTuple

import autograd_core as ag
from autograd_core import Tensor
from nn.functional._stack import NeuralStackState, neural_deque, neural_queue, neural_stack
from nn.module import Module

__all__ = [
    "NeuralStackState",
    "NeuralStack",
    "NeuralQueue",
    "NeuralDeque",
    "StackLSTMState",
    "StackLSTM",
    "QueueLSTM",
    "DequeLSTM",
]


# ----------------------------------------------------------------------------- the data structures
class NeuralStack(Module):
    """Differentiable stack: ``read, state = stack(value, push, pop, state)``, one time step per call.

    Pops ``pop`` strength from the top, pushes ``value`` with strength ``push``, then
    reads the top 1.0 of strength (``nn.functional.neural_stack`` gives the equations).
    ``value`` is (batch, m), ``push`` and ``pop`` are (batch,); ``state`` is None at the
    first step, then the ``NeuralStackState(values, strengths)`` returned by the last call.

    >>> import autograd_core as ag, nn
    >>> stack, state = nn.NeuralStack(), None
    >>> for x, d, u in [(0.1, 1, 0), (0.2, 1, 0), (0.3, 1, 0), (0.0, 0, 1)]:
    ...     r, state = stack(ag.tensor([[x, 0.0]]), ag.tensor([float(d)]), ag.tensor([float(u)]), state)
    >>> round(r[0, 0].item(), 6)  # 0.3 was popped, 0.2 is on top
    0.2
    """

    def forward(self, value: Tensor, push: Tensor, pop: Tensor, state: NeuralStackState | None = None):
        return neural_stack(value, push, pop, state)


class NeuralQueue(Module):
    """Differentiable queue: as ``NeuralStack``, but pops and reads at the bottom (first in, first out).

    >>> import autograd_core as ag, nn
    >>> queue, state = nn.NeuralQueue(), None
    >>> for x, d, u in [(0.1, 1, 0), (0.2, 1, 0), (0.3, 1, 0), (0.0, 0, 1)]:
    ...     r, state = queue(ag.tensor([[x, 0.0]]), ag.tensor([float(d)]), ag.tensor([float(u)]), state)
    >>> round(r[0, 0].item(), 6)  # 0.1 was dequeued, 0.2 is at the front
    0.2
    """

    def forward(self, value: Tensor, push: Tensor, pop: Tensor, state: NeuralStackState | None = None):
        return neural_queue(value, push, pop, state)


class NeuralDeque(Module):
    """Differentiable double-ended queue: pushes, pops and reads at both ends each step.

    ``read_top, read_bot, state = deque(value_top, value_bot, push_top, push_bot, pop_top, pop_bot, state)``.
    The top pop acts first, then the bottom pop, then both pushes; the memory grows by
    two slots per step (``nn.functional.neural_deque`` gives the equations).

    >>> import autograd_core as ag, nn
    >>> one, zero = ag.tensor([1.0]), ag.tensor([0.0])
    >>> deque = nn.NeuralDeque()
    >>> r_top, r_bot, state = deque(ag.tensor([[1.0]]), ag.tensor([[2.0]]), one, one, zero, zero)
    >>> r_top, r_bot, state = deque(ag.tensor([[3.0]]), ag.tensor([[4.0]]), zero, zero, one, zero, state)
    >>> r_top.item(), r_bot.item()  # 1.0 popped off the top; 2.0 is both the top and the bottom
    (2.0, 2.0)
    """

    def forward(self, value_top: Tensor, value_bot: Tensor, push_top: Tensor, push_bot: Tensor, pop_top: Tensor,
                pop_bot: Tensor, state: NeuralStackState | None = None):
        return neural_deque(value_top, value_bot, push_top, push_bot, pop_top, pop_bot, state)


# ----------------------------------------------------------------------------- the controllers
class StackLSTMState(NamedTuple):
    """The recurrent state of a ``StackLSTM``/``QueueLSTM``/``DequeLSTM`` between calls.

    ``h``, ``c``: (batch, hidden_size), the controller LSTM's state; ``read``: (batch,
    ends * memory_size), the last read vector(s) (the deque's top read, then its bottom
    read); ``memory``: the ``NeuralStackState`` of the stack, queue or deque.
    """

    h: Tensor
    c: Tensor
    read: Tensor
    memory: NeuralStackState


class _MemoryLSTM(Module):
    """The controller shared by StackLSTM, QueueLSTM and DequeLSTM (equations in StackLSTM's docstring)."""

    _ends = 1

    def __init__(self, input_size: int, hidden_size: int, memory_size: int, output_size: int,
                 push_bias_init: float | None = 1.0, pop_bias_init: float | None = -1.0,
                 batch_first: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        # Resolved at construction (not import) so this module imports before its siblings exist.
        from nn.modules.linear import Linear
        from nn.modules.rnn import LSTMCell

        for name, n in (("input_size", input_size), ("hidden_size", hidden_size), ("memory_size", memory_size),
                        ("output_size", output_size)):
            if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
                raise ValueError(f"{type(self).__name__}: {name} must be a positive int, got {n!r}")
        self.input_size, self.hidden_size = input_size, hidden_size
        self.memory_size, self.output_size = memory_size, output_size
        self.batch_first = batch_first
        self.push_bias_init, self.pop_bias_init = push_bias_init, pop_bias_init
        kw = {k: v for k, v in (("device", device), ("dtype", dtype)) if v is not None}
        ends = self._ends
        self.controller = LSTMCell(input_size + ends * memory_size, hidden_size, **kw)
        self.push = Linear(hidden_size, ends, **kw)
        self.pop = Linear(hidden_size, ends, **kw)
        self.value = Linear(hidden_size, ends * memory_size, **kw)
        self.hidden_out = Linear(hidden_size, hidden_size, **kw)
        self.output = Linear(hidden_size + ends * memory_size, output_size, **kw)
        with ag.no_grad():
            if push_bias_init is not None:
                self.push.bias.fill_(push_bias_init)
            if pop_bias_init is not None:
                self.pop.bias.fill_(pop_bias_init)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}, memory_size={self.memory_size}, output_size={self.output_size}"
        if self.push_bias_init is not None or self.pop_bias_init is not None:
            s += f", push_bias_init={self.push_bias_init}, pop_bias_init={self.pop_bias_init}"
        return s + (", batch_first=True" if self.batch_first else "")

    def _initial_state(self, x: Tensor) -> StackLSTMState:
        batch = x.shape[0] if self.batch_first else x.shape[1]
        h = ag.zeros(batch, self.hidden_size, dtype=x.dtype, device=x.device)
        read = ag.zeros(batch, self._ends * self.memory_size, dtype=x.dtype, device=x.device)
        return StackLSTMState(h, h, read, None)

    def _check(self, x: Tensor, state) -> None:
        name = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim != 3 or x.shape[2] != self.input_size:
            layout = "(batch, seq, input_size)" if self.batch_first else "(seq, batch, input_size)"
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{name}: expected input {layout} with input_size={self.input_size}, got {shape}")
        if state is None:
            return
        if not isinstance(state, StackLSTMState):
            raise TypeError(f"{name}: state must be the StackLSTMState returned by a previous call, or None; "
                            f"got {type(state).__name__}")
        batch = x.shape[0] if self.batch_first else x.shape[1]
        if state.h.shape[0] != batch:
            raise ValueError(f"{name}: state is for batch {state.h.shape[0]} but the input has batch {batch}")

    def _memory_step(self, h: Tensor, memory):
        """Heads and memory update for one step: returns (read, memory)."""
        d = ag.sigmoid(self.push(h)).squeeze(1)
        u = ag.sigmoid(self.pop(h)).squeeze(1)
        v = ag.tanh(self.value(h))
        return self._memory_fn(v, d, u, memory)

    def forward(self, input: Tensor, state: StackLSTMState | None = None):
        """Run over a whole sequence: returns ``(output, state)``, output (seq, batch, output_size) (or batch first)."""
        self._check(input, state)
        if state is None:
            state = self._initial_state(input)
        h, c, read, memory = state
        steps = input.unbind(1 if self.batch_first else 0)
        outputs = []
        for x in steps:
            h, c = self.controller(ag.cat([x, read], dim=1), (h, c))
            read, memory = self._memory_step(h, memory)
            o = ag.tanh(self.hidden_out(h))
            outputs.append(self.output(ag.cat([o, read], dim=1)))
        return ag.stack(outputs, dim=1 if self.batch_first else 0), StackLSTMState(h, c, read, memory)


class StackLSTM(_MemoryLSTM):
    """LSTM controller with a neural stack (Grefenstette et al. 2015): learns to push, pop and read.

    ``StackLSTM(input_size, hidden_size, memory_size, output_size, push_bias_init=1.0,
    pop_bias_init=-1.0, batch_first=False)``; ``output, state = model(input, state=None)``
    with input (seq, batch, input_size) (or (batch, seq, input_size) when batch_first), output
    (seq, batch, output_size) of unnormalised scores, state a ``StackLSTMState`` to carry on.

    At every step t, with input x_t and the previous read r_{t-1}:

    - ``h_t, c_t = LSTMCell([x_t, r_{t-1}], (h_{t-1}, c_{t-1}))``  (the controller);
    - ``d_t = sigmoid(W_d h_t + b_d)``, ``u_t = sigmoid(W_u h_t + b_u)`` (push and pop strengths),
      ``v_t = tanh(W_v h_t + b_v)`` (the value pushed), ``o_t = tanh(W_o h_t + b_o)`` (the output);
    - ``r_t, memory_t = memory(v_t, d_t, u_t, memory_{t-1})``;
    - ``y_t = W_y [o_t, r_t] + b_y``: the output layer reads the controller's output and the fresh read.

    The paper takes d, u, v and o from ``o'_t = W_{o'} h_t + b_{o'}``; that extra affine
    map feeds only affine maps, so it adds no expressiveness and is left out (h_t is o'_t).
    Its output o_t is a tanh of the controller state as here; ``y_t`` adds the read so the
    prediction at step t can use what was just popped (useful, e.g., when reversing).

    ``push_bias_init`` / ``pop_bias_init`` set b_d and b_u (None keeps ``Linear``'s default
    initialisation).  The defaults +1 / -1 make the untrained controller push and rarely
    pop: with nothing on the stack early in training no gradient flows through it.

    >>> import autograd_core as ag, nn
    >>> model = nn.StackLSTM(4, 8, memory_size=3, output_size=4, batch_first=True)
    >>> y, state = model(ag.randn(2, 5, 4))
    >>> y2, state = model(ag.randn(2, 3, 4), state)    # continues with the same stack
    >>> y2.shape, state.memory.values.shape
    (torch.Size([2, 3, 4]), torch.Size([2, 8, 3]))
    """

    @staticmethod
    def _memory_fn(v, d, u, memory):
        return neural_stack(v, d, u, memory)


class QueueLSTM(_MemoryLSTM):
    """LSTM controller with a neural queue: as ``StackLSTM``, but the memory is first in, first out.

    >>> import autograd_core as ag, nn
    >>> model = nn.QueueLSTM(4, 8, memory_size=3, output_size=4)
    >>> model(ag.randn(5, 2, 4))[0].shape
    torch.Size([5, 2, 4])
    """

    @staticmethod
    def _memory_fn(v, d, u, memory):
        return neural_queue(v, d, u, memory)


class DequeLSTM(_MemoryLSTM):
    """LSTM controller with a neural deque: as ``StackLSTM``, with two of each head (top, bottom).

    ``push`` and ``pop`` emit two strengths (top, bottom), ``value`` two vectors
    (top, then bottom, each memory_size); the read fed back and to the output layer is
    ``[r_top, r_bot]``.

    >>> import autograd_core as ag, nn
    >>> model = nn.DequeLSTM(4, 8, memory_size=3, output_size=4)
    >>> y, state = model(ag.randn(5, 2, 4))
    >>> y.shape, state.read.shape, state.memory.values.shape
    (torch.Size([5, 2, 4]), torch.Size([2, 6]), torch.Size([2, 10, 3]))
    """

    _ends = 2

    def _memory_step(self, h: Tensor, memory):
        m = self.memory_size
        d = ag.sigmoid(self.push(h))
        u = ag.sigmoid(self.pop(h))
        v = ag.tanh(self.value(h))
        r_top, r_bot, memory = neural_deque(v[:, :m], v[:, m:], d[:, 0], d[:, 1], u[:, 0], u[:, 1], memory)
        return ag.cat([r_top, r_bot], dim=1), memory
