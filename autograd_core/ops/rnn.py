"""Recurrent-cell primitives: one LSTM or GRU time step is one node instead of fifteen.

Composed from elementwise ops an LSTM step records a matmul, adds, four slices,
three sigmoids, two tanhs and five products; a 50-step sequence then walks
~800 small nodes in backward.  Here one step is one node.

Design: the cell takes the *input part* of the gates already computed
(``x_t @ W_ih.T + b_ih``, for all time steps at once in one GEMM by the caller)
and the recurrent weight itself, so the node does the step's one unavoidable
GEMM (``h @ W_hh.T``) and its gradients (``dgates @ W_hh``, ``dgates.T @ h``)
without another node.  The gate activations are returned as extra, hidden
outputs and saved as outputs: the backward rule below is written with Tensor
ops on them, so when ``create_graph=True`` its own derivative comes from the
tape (second order works, see ``ag.gradgradcheck`` in the tests).  Without
``create_graph`` (grad mode off during backward) the same formulas run on
arrays in one pass, which is what makes training fast.

``unbind_steps`` / ``stack_steps`` split a (T, ...) tensor into its T steps
and join T steps back, each as one node whose backward is the other: slicing
with ``x[t]`` would scatter every step's gradient into a full (T, ...) zero
array, O(T^2) work in backward.  ``recurrent_steps`` (used by ``nn.LSTM``) is
``unbind_steps`` plus a protocol between that node and the LSTM cells of one
recurrence, which brings a training step to the memory layout and GEMM count of
hand-written BPTT (see ``UnbindSteps``); every gradient still flows through the
tape, one node per step.
"""

from __future__ import annotations

from weakref import ref as _weakref

from autograd_core.function import _FREED, Primitive
from autograd_core.grad_mode import GRAD_ENABLED
from autograd_core.tensor import OutputSlot, Tensor

_wrap = Tensor._wrap

__all__ = ["lstm_cell", "gru_cell", "unbind_steps", "stack_steps", "recurrent_steps"]


def _sigmoid_(xp, a):
    """Sigmoid in place as 0.5 * tanh(x / 2) + 0.5: never overflows, one pass of tanh."""
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def _sum(*terms):
    """Sum of the terms that are not None (None if all are)."""
    out = None
    for t in terms:
        if t is not None:
            out = t if out is None else out + t
    return out


# ---------------------------------------------------------------------------- LSTM
class LSTMCell(Primitive):
    """One LSTM step.  Inputs: ``gx`` (B, 4H), ``hx``, ``cx`` (B, H), ``w_hh`` (4H, H), ``b_hh`` (4H,) or None.

    Outputs ``(h, c, act, tc)``: the new states, the activated gates
    ``[i, f, g, o]`` (B, 4H) and ``tanh(c)``; the last two are only kept for
    backward (``lstm_cell`` returns ``h, c``).
    """

    _materialize = False  # an unused output's gradient stays None instead of a zero array

    @staticmethod
    def forward(ctx, gx, hx, cx, w_hh, b_hh):
        xp, dev = gx._dev.xp, gx._dev
        B, H = cx._data.shape
        seq, t = _recurrence_of(gx)
        if seq is not None:
            act = gx._data  # this step's slice of the input projection is ours alone: overwrite it
            act += hx._data @ w_hh._data.T
        else:
            act = hx._data @ w_hh._data.T
            act += gx._data
        if b_hh is not None:
            act += b_hh._data
        _sigmoid_(xp, act[:, : 2 * H])
        xp.tanh(act[:, 2 * H : 3 * H], out=act[:, 2 * H : 3 * H])
        _sigmoid_(xp, act[:, 3 * H :])
        i, f, g, o = act[:, :H], act[:, H : 2 * H], act[:, 2 * H : 3 * H], act[:, 3 * H :]
        if seq is not None:  # states go to the recurrence's (T, B, H) buffers: no allocation per step
            if seq.hseq is None:
                T = len(seq.marks)
                seq.hseq, seq.cseq, seq.tcseq = (xp.empty((T, B, H), dtype=act.dtype) for _ in range(3))
            c, tc, h = seq.cseq[t], seq.tcseq[t], seq.hseq[t]
            xp.multiply(f, cx._data, out=c)
            c += i * g
            xp.tanh(c, out=tc)
            xp.multiply(o, tc, out=h)
            seq.hviews[t] = h
            seq.cells[t] = _weakref(ctx)
            ctx.seq = seq
            # One version counter per buffer: an in-place change of the stacked output is seen by every step.
            h, c = _wrap(h, dev), _wrap(c, dev)
            h._vc, c._vc = seq.hbox, seq.cbox
        else:
            c = f * cx._data
            c += i * g
            tc = xp.tanh(c)
            h = o * tc
        act_t, tc_t = _wrap(act, dev), _wrap(tc, dev)
        if ctx._next:
            ctx.save_for_backward(act_t, tc_t, cx, hx, w_hh)
        return h, c, act_t, tc_t

    @staticmethod
    def backward(ctx, gh, gc, gact, gtc):
        act, tc, cx, hx, w_hh = ctx.saved_tensors
        need = ctx.needs_input_grad
        if GRAD_ENABLED[0] or gact is not None or gtc is not None:
            return _lstm_backward_tensor(act, tc, cx, hx, w_hh, gh, gc, gact, gtc, need)
        return _lstm_backward_array(ctx, act, tc, cx, hx, w_hh, gh, gc, need)


def _lstm_backward_array(ctx, act, tc, cx, hx, w_hh, gh, gc, need):
    """The backward rule on arrays, for backward without create_graph (the common, fast case)."""
    dev = act._dev
    a, t = act._data, tc._data
    H = t.shape[-1]
    i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
    node, step = _recurrent_node(ctx, 3, 4) if need[0] else (None, 0)
    if node is not None:
        d = _gate_grad_slot(node, step, a, dev.xp)
        node.marks[step] = d
    else:
        d = dev.xp.empty_like(a)  # the gradient of the pre-activation gates, (B, 4H)
    di, df, dg, do = d[:, :H], d[:, H : 2 * H], d[:, 2 * H : 3 * H], d[:, 3 * H :]
    # Ordered so that d may be a itself (gradients written over the activations they replace):
    # every value of a is read before its slot is overwritten.
    if gh is not None:
        ghd = gh._data
        dc = ghd * o
        dc *= 1.0 - t * t
        if gc is not None:
            dc += gc._data
    else:
        dc = gc._data.copy()
    dc_prev = dc * f if need[2] else None
    dg_val = g * g  # dg = dc * i * (1 - g^2)
    dg_val -= 1.0
    dg_val *= -dc
    dg_val *= i
    if gh is not None:
        xp = dev.xp
        xp.multiply(o, 1.0 - o, out=do)  # do = gh * tanh(c) * o * (1 - o)
        do *= t
        do *= ghd
    else:
        do[...] = 0.0
    dev.xp.multiply(f, 1.0 - f, out=df)  # df = dc * c_prev * f * (1 - f)
    df *= dc
    df *= cx._data
    dev.xp.multiply(i, 1.0 - i, out=di)  # di = dc * g * i * (1 - i)
    di *= dc
    di *= g
    dg[...] = dg_val
    dw = db = None
    if node is not None and (need[3] or need[4]):
        node.stash[step] = (d, hx._data)  # the node computes dW_hh (and db_hh) for all steps at once
    else:
        dw = _wrap(d.T @ hx._data, dev) if need[3] else None
        db = _wrap(d.sum(0), dev) if need[4] else None
    return (
        _wrap(d, dev) if need[0] else None,
        _wrap(d @ w_hh._data, dev) if need[1] else None,
        _wrap(dc_prev, dev) if need[2] else None,
        dw,
        db,
    )


def _lstm_backward_tensor(act, tc, cx, hx, w_hh, gh, gc, gact, gtc, need):
    """The same rule in Tensor ops, recorded under create_graph (second derivatives)."""
    from autograd_core.ops.shape import cat

    H = tc.shape[-1]
    i, f, g, o = act[:, :H], act[:, H : 2 * H], act[:, 2 * H : 3 * H], act[:, 3 * H :]
    zero = tc * 0.0
    dtc = _sum(gh * o if gh is not None else None, gtc)
    dc = _sum(gc, dtc * (1.0 - tc * tc) if dtc is not None else None)
    if dc is None:
        dc = zero
    dact = cat([dc * g, dc * cx, dc * i, gh * tc if gh is not None else zero], 1)
    if gact is not None:
        dact = dact + gact
    d = dact * cat([i * (1.0 - i), f * (1.0 - f), 1.0 - g * g, o * (1.0 - o)], 1)
    return (
        d if need[0] else None,
        d @ w_hh if need[1] else None,
        dc * f if need[2] else None,
        d.mT @ hx if need[3] else None,
        d.sum(0) if need[4] else None,
    )


def lstm_cell(input_gates: Tensor, hx: Tensor, cx: Tensor, w_hh: Tensor, b_hh: Tensor | None = None):
    """One LSTM step (PyTorch's gate order i, f, g, o), returning ``(h, c)``.

    ``input_gates`` is the input's share of the pre-activation gates,
    ``x @ W_ih.T + b_ih`` (B, 4H): compute it for every step of a sequence
    in one GEMM, then call this per step.  The step adds ``hx @ w_hh.T + b_hh``
    and applies i, f, o = sigmoid, g = tanh, c = f * cx + i * g, h = o * tanh(c).

    >>> import autograd_core as ag
    >>> from autograd_core.ops.rnn import lstm_cell
    >>> h, c = lstm_cell(ag.zeros(2, 12), ag.zeros(2, 3), ag.ones(2, 3), ag.zeros(12, 3))
    >>> round(c[0, 0].item(), 4), round(h[0, 0].item(), 4)
    (0.5, 0.2311)
    """
    _check_cell("lstm_cell", 4, input_gates, hx, w_hh, b_hh, cx)
    h, c, _, _ = LSTMCell.apply(input_gates, hx, cx, w_hh, b_hh)
    return h, c


# ---------------------------------------------------------------------------- GRU
class GRUCell(Primitive):
    """One GRU step.  Inputs: ``gx`` (B, 3H) = x @ W_ih.T + b_ih, ``hx`` (B, H), ``w_hh`` (3H, H), ``b_hh`` or None.

    Outputs ``(h, act, ghn)``: the new state, the activated gates ``[r, z, n]``
    (B, 3H) and ``ghn = hx @ W_hn.T + b_hn`` (B, H), the last two kept for backward.
    """

    _materialize = False

    @staticmethod
    def forward(ctx, gx, hx, w_hh, b_hh):
        xp = gx._dev.xp
        H = hx._data.shape[-1]
        act = hx._data @ w_hh._data.T
        if b_hh is not None:
            act += b_hh._data
        ghn = act[:, 2 * H :].copy()
        gxd = gx._data
        act[:, : 2 * H] += gxd[:, : 2 * H]
        _sigmoid_(xp, act[:, : 2 * H])
        r, z, n = act[:, :H], act[:, H : 2 * H], act[:, 2 * H :]
        n[...] = r * ghn  # PyTorch's GRU: n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        n += gxd[:, 2 * H :]
        xp.tanh(n, out=n)
        h = hx._data - n  # h' = (1 - z) * n + z * h = n + z * (h - n)
        h *= z
        h += n
        act_t, ghn_t = _wrap(act, gx._dev), _wrap(ghn, gx._dev)
        if ctx._next:
            ctx.save_for_backward(act_t, ghn_t, hx, w_hh)
        return h, act_t, ghn_t

    @staticmethod
    def backward(ctx, gh, gact, gghn):
        act, ghn, hx, w_hh = ctx.saved_tensors
        need = ctx.needs_input_grad
        if GRAD_ENABLED[0] or gact is not None or gghn is not None:
            return _gru_backward_tensor(act, ghn, hx, w_hh, gh, gact, gghn, need)
        return _gru_backward_array(act, ghn, hx, w_hh, gh, need)


def _gru_backward_array(act, ghn, hx, w_hh, gh, need):
    dev = act._dev
    a, g, hd = act._data, gh._data, hx._data
    H = hd.shape[-1]
    r, z, n = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
    dx = a.copy()  # gradient of the input gates [r, z, n] pre-activation, (B, 3H)
    dr, dz, dn = dx[:, :H], dx[:, H : 2 * H], dx[:, 2 * H :]
    dn *= dn  # dn_pre = g * (1 - z) * (1 - n^2)
    dn -= 1.0
    dn *= z - 1.0
    dn *= g
    dz *= 1.0 - z  # dz_pre = g * (h - n) * z * (1 - z)
    dz *= hd - n
    dz *= g
    dr *= 1.0 - r  # dr_pre = dn_pre * ghn * r * (1 - r)
    dr *= ghn._data
    dr *= dn
    dgh = dx.copy()  # the hidden gates differ only in n: d ghn = dn_pre * r
    dgh[:, 2 * H :] *= r
    dh = None
    if need[1]:
        dh = dgh @ w_hh._data
        dh += g * z
    return (
        _wrap(dx, dev) if need[0] else None,
        _wrap(dh, dev) if need[1] else None,
        _wrap(dgh.T @ hd, dev) if need[2] else None,
        _wrap(dgh.sum(0), dev) if need[3] else None,
    )


def _gru_backward_tensor(act, ghn, hx, w_hh, gh, gact, gghn, need):
    from autograd_core.ops.shape import cat

    H = ghn.shape[-1]
    r, z, n = act[:, :H], act[:, H : 2 * H], act[:, 2 * H :]
    zero = ghn * 0.0
    ga_r = ga_z = ga_n = None
    if gact is not None:
        ga_r, ga_z, ga_n = gact[:, :H], gact[:, H : 2 * H], gact[:, 2 * H :]
    dn = _sum(gh * (1.0 - z) if gh is not None else None, ga_n)
    dz = _sum(gh * (hx - n) if gh is not None else None, ga_z)
    dn_pre = dn * (1.0 - n * n) if dn is not None else zero
    dr = _sum(dn_pre * ghn, ga_r)
    dr_pre = dr * r * (1.0 - r)
    dz_pre = dz * z * (1.0 - z) if dz is not None else zero
    dghn = _sum(dn_pre * r, gghn)
    dx = cat([dr_pre, dz_pre, dn_pre], 1)
    dgh = cat([dr_pre, dz_pre, dghn], 1)
    dh = None
    if need[1]:
        dh = dgh @ w_hh
        if gh is not None:
            dh = dh + gh * z
    return (
        dx if need[0] else None,
        dh,
        dgh.mT @ hx if need[2] else None,
        dgh.sum(0) if need[3] else None,
    )


def gru_cell(input_gates: Tensor, hx: Tensor, w_hh: Tensor, b_hh: Tensor | None = None) -> Tensor:
    """One GRU step with PyTorch's formula (gates r, z, n), returning the new hidden state.

    ``input_gates`` is ``x @ W_ih.T + b_ih`` (B, 3H).  With ``gh = hx @ w_hh.T + b_hh``:
    r = sigmoid(gx_r + gh_r), z = sigmoid(gx_z + gh_z), n = tanh(gx_n + r * gh_n),
    h' = (1 - z) * n + z * hx.  (``b_hn`` sits inside the product with r, which is
    why the hidden projection is done here and not folded into ``input_gates``.)

    >>> import autograd_core as ag
    >>> from autograd_core.ops.rnn import gru_cell
    >>> gru_cell(ag.zeros(2, 9), ag.ones(2, 3), ag.zeros(9, 3))[0].tolist()
    [0.5, 0.5, 0.5]
    """
    _check_cell("gru_cell", 3, input_gates, hx, w_hh, b_hh)
    return GRUCell.apply(input_gates, hx, w_hh, b_hh)[0]


def _check_cell(op, n_gates, gx, hx, w_hh, b_hh, cx=None):
    """Shapes and dtypes of a cell's operands; the common case costs a few comparisons (it runs every step)."""
    try:
        B, H = hx._data.shape
        G, dt = n_gates * H, hx._data.dtype
        if (
            gx._data.shape == (B, G)
            and w_hh._data.shape == (G, H)
            and (cx is None or cx._data.shape == (B, H))
            and (b_hh is None or b_hh._data.shape == (G,))
            and gx._data.dtype == dt
            and w_hh._data.dtype == dt
            and (cx is None or cx._data.dtype == dt)
            and (b_hh is None or b_hh._data.dtype == dt)
        ):
            return
    except (AttributeError, ValueError, TypeError):
        pass
    _cell_error(op, n_gates, gx, hx, w_hh, b_hh, cx)


def _cell_error(op, n_gates, gx, hx, w_hh, b_hh, cx):
    for name, t in (("input_gates", gx), ("hx", hx), ("w_hh", w_hh), ("cx", cx), ("b_hh", b_hh)):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if hx.ndim != 2:
        raise RuntimeError(f"{op}: hx must be (batch, hidden), got shape {tuple(hx.shape)}")
    B, H = hx.shape
    expect = [("input_gates", gx, (B, n_gates * H)), ("w_hh", w_hh, (n_gates * H, H))]
    if cx is not None:
        expect.append(("cx", cx, (B, H)))
    if b_hh is not None:
        expect.append(("b_hh", b_hh, (n_gates * H,)))
    for name, t, shape in expect:
        if tuple(t.shape) != shape:
            raise RuntimeError(
                f"{op}: {name} has shape {tuple(t.shape)}, expected {shape} for hx of shape {(B, H)} "
                f"({n_gates} gates of size {H})"
            )
    dt = hx.dtype
    for name, t, _ in expect:
        if t.dtype != dt:
            raise TypeError(f"{op}: {name} has dtype {t.dtype} but hx has {dt}; convert them to one dtype with .to()")
    raise RuntimeError(f"{op}: invalid operands")  # unreachable: one of the checks above fails


# ---------------------------------------------------------------------------- sequence steps
class UnbindSteps(Primitive):
    """Split (T, ...) into T views; backward stacks the T gradients once.

    With ``recurrent=True`` (``recurrent_steps``) it is also the meeting point of
    one recurrence's cells, which makes backward as cheap as hand-written BPTT:

    - each cell writes its gate activations over its own step of the input
      projection (nobody else holds it), instead of a fresh array per step;
    - in backward each cell writes its gate gradient over its activations when
      the pass frees the graph (else into one (T, ...) buffer of this node), so
      the stacked gradient needs neither a copy nor a second buffer;
    - the cells leave the recurrent weight's gradient to this node (which takes
      ``w_hh``/``b_hh`` as inputs): one GEMM over all steps here instead of a
      small GEMM and an accumulation per step.

    The steps must each feed exactly one cell using the same ``w_hh``: that is
    how ``nn``'s layers use them, and why ``recurrent_steps`` is not public.
    Under ``create_graph`` the cells and this node use the plain rules.
    """

    _materialize = False

    @staticmethod
    def forward(ctx, x, w, b, recurrent):
        d = x._data
        T = d.shape[0]
        ctx.meta = (d.shape[1:], d.dtype)
        # Only for a private temporary (the input projection): its memory is overwritten with activations.
        ctx.recurrent = bool(recurrent) and bool(ctx._next) and x._node is not None
        if ctx.recurrent:
            ctx.reverse = recurrent == "reverse"  # the cells run from step T-1 down to 0
            ctx.gbuf = None  # (T, ...) gate gradients under retain_graph, allocated by a cell in backward
            ctx.marks = [None] * T  # the array each cell handed on as its step's gradient
            ctx.stash = [None] * T  # (gradient of the recurrent gates, h_prev) per step whose cell deferred
            ctx.hseq = ctx.cseq = ctx.tcseq = None  # (T, B, H) states, allocated by the first cell
            ctx.hviews = [None] * T  # the array each cell wrote its h into
            ctx.hbox, ctx.cbox = [0], [0]  # version counters shared by the steps' states and the stacked output
            ctx.cells = [None] * T  # weak references to the cells, to see whether a pass frees the graph
            ctx.where = [None] * T  # per step: gradient written over the activations ("x"), in gbuf ("g"), apart
            ctx.inplace = False
            ctx.xbuf = d
        return tuple(d[t] for t in range(T))

    @staticmethod
    def backward(ctx, *grads):
        need = ctx.needs_input_grad
        if not ctx.recurrent:
            return StackSteps.apply(ctx.meta, *grads), None, None, None
        stash, marks, gbuf, where, inplace = ctx.stash, ctx.marks, ctx.gbuf, ctx.where, ctx.inplace
        T = len(grads)
        # the next pass starts afresh
        ctx.gbuf, ctx.marks, ctx.stash, ctx.where, ctx.inplace = None, [None] * T, [None] * T, [None] * T, False
        if GRAD_ENABLED[0]:  # create_graph: the cells used their recorded rules and deferred nothing
            return StackSteps.apply(ctx.meta, *grads), None, None, None
        dev = next(g for g in grads if g is not None)._dev
        xp = dev.xp
        dx = None
        if all(g is None or g._data is marks[t] for t, g in enumerate(grads)):
            # Every step's gradient is a cell's own: gather them in one buffer, copying only the strays.
            if inplace:  # this pass frees the graph: the activations' buffer is free to take them
                dx, kind = ctx.xbuf, "x"
            else:
                dx, kind = (gbuf if gbuf is not None else xp.empty((T,) + tuple(ctx.meta[0]), ctx.meta[1])), "g"
            for t, g in enumerate(grads):
                if g is None:
                    dx[t] = 0
                elif where[t] != kind:
                    dx[t] = g._data
        hviews, hseq, reverse = ctx.hviews, ctx.hseq, ctx.reverse
        if inplace:  # nothing runs through this recurrence again: drop the buffers now
            ctx.xbuf = ctx.hseq = ctx.cseq = ctx.tcseq = None
        whole = dx is not None
        if dx is None:
            dx = StackSteps.forward(ctx, ctx.meta, *grads)
        dw = db = None
        if need[1] or need[2]:
            # A step has a gradient exactly when its (only) cell ran in this pass, so its entry is fresh.
            present = [t for t, g in enumerate(grads) if g is not None and stash[t] is not None]
            if present:
                xp = dev.xp
                # The gathered buffer holds the recurrent gates' gradients only if each cell's are its gate gradients.
                whole = whole and len(present) == T and all(stash[t][0] is marks[t] for t in present)
                if whole and T > 1 and _prev_states_in_buffer(hviews, reverse, stash):
                    # h_prev of every step but the first is the previous step's slot of the state buffer
                    first, rest = (T - 1, slice(0, T - 1)) if reverse else (0, slice(1, T))
                    other = slice(1, T) if reverse else slice(0, T - 1)
                    flat = dx[rest].reshape((T - 1) * dx.shape[1], -1)
                    if need[1]:
                        w = flat.T @ hseq[other].reshape(flat.shape[0], -1)
                        w += dx[first].T @ stash[first][1]
                        dw = _wrap(w, dev)
                    if need[2]:
                        db = _wrap(dx.reshape(T * dx.shape[1], -1).sum(0), dev)
                else:
                    if whole:
                        dg = dx.reshape(T * dx.shape[1], -1)
                    else:
                        dg = xp.concatenate([stash[t][0] for t in present], axis=0)
                    hp = xp.concatenate([stash[t][1] for t in present], axis=0)
                    if need[1]:
                        dw = _wrap(dg.T @ hp, dev)
                    if need[2]:
                        db = _wrap(dg.sum(0), dev)
        return _wrap(dx, dev) if need[0] else None, dw, db, None


def _gate_grad_slot(node, step, a, xp):
    """Where a recurrent cell writes its gate gradient (B, G).

    Over its own activations ``a`` when this backward pass frees the graph as it
    goes (the hand-written BPTT trick: no second (T, B, G) array); else, under
    ``retain_graph``, into the node's gradient buffer.  Whether the pass frees the
    graph shows on the step that ran backward just before this one (the consumer
    of this step's states): its saved tensors are already freed.  The first step
    of a pass can't tell yet and uses an array of its own, copied over later.
    """
    T = len(node.marks)
    nxt = step - 1 if node.reverse else step + 1
    if 0 <= nxt < T:
        ref = node.cells[nxt]
        cell = ref() if ref is not None else None
        if cell is not None:
            if cell._saved is _FREED:
                node.inplace = True
                node.where[step] = "x"
                return a
            if node.gbuf is None:
                node.gbuf = xp.empty((T,) + a.shape, dtype=a.dtype)
            node.where[step] = "g"
            return node.gbuf[step]
    node.where[step] = None
    return xp.empty_like(a)


def _prev_states_in_buffer(hv, reverse, stash) -> bool:
    """Whether each step's h_prev is the previous step's slot of the recurrence's state buffer."""
    T = len(stash)
    if reverse:
        return all(stash[t][1] is hv[t + 1] for t in range(T - 1))
    return all(stash[t][1] is hv[t - 1] for t in range(1, T))


def _recurrence_of(gx):
    """(recurrent UnbindSteps node, step) that produced the input gates ``gx``, or (None, 0)."""
    node = gx._node
    if node is None:
        return None, 0
    if node.__class__ is OutputSlot:
        node, t = node.node, node.index
    else:
        t = 0
    if node.__class__ is UnbindSteps and node.__dict__.get("recurrent"):
        return node, t
    return None, 0


def _recurrent_node(ctx, w_edge_index: int, b_edge_index: int):
    """The recurrent UnbindSteps node and step index this cell's input gates come from, or (None, 0)."""
    e = ctx._next[0]
    if e.__class__ is OutputSlot:
        node, t = e.node, e.index
    else:
        node, t = e, 0
    if node.__class__ is not UnbindSteps or not node.__dict__.get("recurrent"):
        return None, 0
    nxt = node._next
    if nxt[1] is not ctx._next[w_edge_index] or nxt[2] is not (ctx._next[b_edge_index] if b_edge_index else None):
        return None, 0
    return node, t


class StackSteps(Primitive):
    """Join T tensors of one shape along a new leading dim (missing ones, None, as zeros)."""

    @staticmethod
    def forward(ctx, meta, *steps):
        ref = next(s for s in steps if s is not None)
        seq = _written_sequence(steps)
        if seq is not None:  # the steps are the slots of one recurrence's buffer, in order: no copy
            out = _wrap(seq.hseq, ref._dev)
            out._vc = seq.hbox
            return out
        xp = ref._dev.xp
        out = xp.empty((len(steps),) + tuple(meta[0]), dtype=meta[1])
        for t, s in enumerate(steps):
            if s is None:
                out[t] = 0
            else:
                out[t] = s._data
        return out

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        parts = UnbindSteps.apply(g, None, None, False)
        return (None,) + tuple(p if n else None for p, n in zip(parts, need[1:]))


def _written_sequence(steps):
    """The recurrent node whose h buffer holds exactly these steps, in order, or None."""
    first = steps[0]
    node = first._node if first is not None else None
    if node is None:
        return None
    cell = node.node if node.__class__ is OutputSlot else node
    seq = cell.__dict__.get("seq")
    if seq is None or seq.hseq is None or len(steps) != len(seq.hviews):
        return None
    for s, v in zip(steps, seq.hviews):
        if s is None or s._data is not v:
            return None
    return seq


def unbind_steps(input: Tensor) -> tuple:
    """``input.unbind(0)`` as one node (backward stacks the step gradients once).

    >>> import autograd_core as ag
    >>> from autograd_core.ops.rnn import unbind_steps
    >>> [t.tolist() for t in unbind_steps(ag.tensor([[1.0, 2.0], [3.0, 4.0]]))]
    [[1.0, 2.0], [3.0, 4.0]]
    """
    if not isinstance(input, Tensor) or input.ndim == 0 or input.shape[0] == 0:
        raise RuntimeError("unbind_steps: expected a Tensor with a non-empty leading (time) dimension")
    out = UnbindSteps.apply(input, None, None, False)
    return out if isinstance(out, tuple) else (out,)


def recurrent_steps(input_gates: Tensor, w_hh: Tensor, b_hh: Tensor | None = None, reverse: bool = False) -> tuple:
    """``unbind_steps`` for a recurrence: each step must feed exactly one ``lstm_cell``/``gru_cell``
    that uses this ``w_hh`` (and ``b_hh``); the cells then share buffers through this node and leave
    the weight's gradient to it (see ``UnbindSteps``).  For ``nn``'s layers."""
    if not isinstance(input_gates, Tensor) or input_gates.ndim != 3 or input_gates.shape[0] == 0:
        raise RuntimeError("recurrent_steps: expected input gates of shape (T, B, gates * H) with T > 0")
    out = UnbindSteps.apply(input_gates, w_hh, b_hh, "reverse" if reverse else "forward")
    return out if isinstance(out, tuple) else (out,)


def stack_steps(steps) -> Tensor:
    """``ag.stack(steps, 0)`` as one node, for tensors of one shape and dtype.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.rnn import stack_steps
    >>> stack_steps([ag.ones(2), ag.zeros(2)]).tolist()
    [[1.0, 1.0], [0.0, 0.0]]
    """
    steps = list(steps)
    if not steps:
        raise ValueError("stack_steps: expected a non-empty list of tensors")
    shape, dtype = steps[0]._data.shape, steps[0].dtype  # (the array's shape: no Size per step)
    for k, s in enumerate(steps):
        if not isinstance(s, Tensor) or s._data.shape != shape or s.dtype != dtype:
            raise RuntimeError(
                f"stack_steps: every step must be a Tensor of shape {tuple(shape)} and dtype {dtype}; "
                f"step {k} is {tuple(s.shape) if isinstance(s, Tensor) else type(s).__name__}"
                + (f" {s.dtype}" if isinstance(s, Tensor) else "")
            )
    return StackSteps.apply((shape, dtype), *steps)
