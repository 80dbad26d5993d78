"""The backward walk: ``backward()`` and ``grad()``.

1. Every node gets a sequence number when it is recorded; its inputs' nodes
   were recorded before it, so they have smaller numbers.
2. Starting from the outputs, a heap always hands out the pending node with
   the highest number.  All consumers of a node outrank it, so by the time it
   is popped every gradient for it has arrived: a reverse topological order
   with no recursion (a million-op chain is fine) and no separate pass to
   count dependencies.  Gradients are held in a dict keyed by node and popped
   as they are consumed, so a gradient lives only until its node has run.
3. Edges to leaves add into ``.grad`` (or, for ``grad()``, are captured).

Backward rules are Tensor ops; grad mode during the walk is ``create_graph``,
so with ``create_graph=True`` the walk itself is recorded (higher-order grads)
and otherwise it records nothing.
"""

from __future__ import annotations

import warnings
from heapq import heappop, heappush

from autograd_core import function as _fn
from autograd_core.function import _FREED, Function
from autograd_core.grad_mode import GRAD_ENABLED
from autograd_core.tensor import OutputSlot, PostAccumulateGradHook, Tensor


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves they depend on.

    >>> import autograd_core as ag
    >>> x = ag.tensor(3.0, requires_grad=True)
    >>> ag.autograd.backward(x * x)
    >>> x.grad
    tensor(6.)
    """
    roots, root_grads, handed = _roots("backward", tensors, grad_tensors, create_graph)
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        grads = _run(roots, root_grads, retain_graph, create_graph, inputs, allow_unused=True, capture=True)
        for t, g in zip(inputs, grads):
            if g is not None:
                _accumulate_leaf(t, g, create_graph, handed)
        return
    _run(roots, root_grads, retain_graph, create_graph, None, False, False, handed)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching any ``.grad`` (PyTorch's ``autograd.grad``).

    ``only_inputs`` is accepted in PyTorch's position, as old code (the WGAN-GP gradient
    penalty) passes it; PyTorch ignores it, with a FutureWarning when it is False, and so do we.

    >>> import autograd_core as ag
    >>> x = ag.tensor(2.0, requires_grad=True)
    >>> (g,) = ag.grad(x ** 3, x, create_graph=True)
    >>> g, ag.grad(g, x)[0]
    (tensor(12., grad_fn=<MulBackward>), tensor(12.))
    """
    if not only_inputs:
        warnings.warn("grad: only_inputs is deprecated and ignored (it is always True); to accumulate "
                      "gradients into other tensors' .grad, use backward()", FutureWarning, stacklevel=2)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] is a {type(t).__name__}, expected a Tensor")
        if not t._rg:
            raise RuntimeError(f"grad: inputs[{i}] does not require grad")
    roots, root_grads, _ = _roots("grad", outputs, grad_outputs, create_graph)
    grads = _run(roots, root_grads, retain_graph, create_graph, inputs, allow_unused or materialize_grads, True)
    if materialize_grads:
        from autograd_core.factories import zeros_like

        grads = [zeros_like(t) if g is None else g for g, t in zip(grads, inputs)]
    return tuple(grads)


def _roots(op, tensors, grad_tensors, create_graph):
    """The outputs, their seed gradients, and the ids of the memory of the seeds the caller handed in.

    A seed the caller gave must never become a leaf's ``.grad`` (the caller still holds it);
    a seed made here may.
    """
    if grad_tensors is None and tensors.__class__ is Tensor and tensors._rg and tensors._data.size == 1:
        # loss.backward(): the common call, kept short
        d = tensors._data
        seed = tensors._dev.xp.array(1, dtype=d.dtype)  # (xp.ones, without NumPy's Python-level wrapper)
        if d.ndim:
            seed = seed.reshape(d.shape)
        return [tensors], [Tensor._wrap(seed, tensors._dev)], set()
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    else:
        grad_tensors = list(grad_tensors)
    if len(grad_tensors) != len(tensors):
        raise ValueError(f"{op}: got {len(tensors)} outputs but {len(grad_tensors)} gradients for them")
    roots, grads, handed = [], [], set()
    for t, g in zip(tensors, grad_tensors):
        if not t._rg:
            raise RuntimeError(
                f"{op}: element 0 of tensors does not require grad and does not have a grad_fn; "
                "did you compute it under no_grad(), or forget requires_grad=True on the inputs?"
            )
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    f"{op}: grad can be implicitly created only for scalar outputs, but this output has shape "
                    f"{tuple(t.shape)}; pass gradient= (a tensor of that shape), or reduce it first, e.g. y.sum().backward()"
                )
            g = Tensor._wrap(t._dev.xp.ones(t.shape, dtype=t.dtype), t._dev)
        else:
            if not isinstance(g, Tensor):
                from autograd_core.factories import tensor as _tensor

                g = _tensor(g, dtype=t.dtype, device=t._dev)
            handed.add(id(_memory_root(g)))
        if tuple(g.shape) != tuple(t.shape):
            raise RuntimeError(
                f"{op}: gradient has shape {tuple(g.shape)} but the output has shape {tuple(t.shape)}; they must match"
            )
        if g._dev is not t._dev:
            raise RuntimeError(f"{op}: gradient is on {g._dev} but the output is on {t._dev}")
        if g.dtype != t.dtype:  # PyTorch casts the seed to the output's dtype
            if g.dtype.kind != t.dtype.kind:
                raise RuntimeError(f"{op}: gradient has dtype {g.dtype} but the output has dtype {t.dtype}")
            g = g.to(t.dtype)
        if not create_graph:
            g = g.detach()
        roots.append(t)
        grads.append(g)
    return roots, grads, handed


def _edge_node(e):
    """(node, output index) for an edge to a non-leaf, or (None, None) for a leaf."""
    if e.__class__ is OutputSlot:
        return e.node, e.index
    if isinstance(e, Function):
        return e, 0
    return None, None


def _run(roots, root_grads, retain_graph, create_graph, inputs, allow_unused, capture, handed=None):
    if retain_graph is None:
        retain_graph = create_graph
    # Gradients waiting for a node: node -> Tensor (one output) or list (several).
    # A node is in ``pending`` exactly while it is in the heap.
    pending: dict = {}
    heap: list = []
    # id(leaf) -> [leaf, summed gradient]: a leaf's hooks run once, on its total, after the walk
    # (as PyTorch's AccumulateGrad node does), and only then does the total reach .grad.
    leaf_grads: dict = {}
    for t, g in zip(roots, root_grads):
        if t._node is None:  # a leaf as output: its gradient is the seed itself
            _add_leaf(leaf_grads, t, g)
            continue
        node, idx = _edge_node(t._node)
        if node not in pending:
            heappush(heap, (-node._seq, node))
        _add_pending(pending, node, idx, g)

    # For grad(): capture gradients at the requested tensors and skip nodes that lead to none of them.
    targets: dict = {}
    needed = None
    if inputs is not None:
        leaf_ids = set()
        for t in inputs:
            if t._node is None:
                leaf_ids.add(id(t))
            else:
                n, i = _edge_node(t._node)
                targets.setdefault(n, []).append((i, t))
        needed = _needed_nodes([n for _, n in heap], leaf_ids, targets)
    captured: dict = {}

    anomaly = _fn.ANOMALY[0]
    # During the walk the engine checks each node's gradients itself and names the node;
    # the ops inside a backward rule must not report themselves as forward ops.
    _fn.ANOMALY[0] = False
    prev_mode = GRAD_ENABLED[0]
    GRAD_ENABLED[0] = bool(create_graph)
    try:
        # The hot loop: one iteration per node, highest sequence number first.  A
        # node is numbered when recorded, after its inputs' nodes, so every consumer
        # of a node outranks it: when a node is popped all its gradient has arrived.
        # Kept flat (no helper calls on the common path): it runs once per op.
        while heap:
            node = heappop(heap)[1]
            grads = pending.pop(node)
            if targets and node in targets:
                for i, t in targets[node]:
                    g = grads[i] if node._n_out > 1 else grads
                    captured[id(t)] = _run_tensor_hooks(node, i, g)
            if needed is not None and node not in needed:
                continue
            if node._node_hooks is not None:
                in_grads = _backward_with_node_hooks(node, grads)
            elif node._n_out == 1:
                if node._out_hooks is not None:
                    grads = _run_tensor_hooks(node, 0, grads)
                in_grads = node.backward(node, grads)
            else:
                in_grads = node.backward(node, *_prepare_multi(node, grads))
            if not retain_graph and node._saved is not None:
                node._saved = _FREED
            if in_grads.__class__ is not tuple:
                in_grads = (in_grads,)
            if not node._builtin and node._node_hooks is None:  # a user's Function (checked already with hooks)
                in_grads = _check_user_grads(node, in_grads)
            for e, g in zip(node._next, in_grads):
                if e is None or g is None:
                    continue
                if anomaly:
                    _anomaly_backward(node, g)
                if isinstance(e, Function):
                    if needed is not None and e not in needed and e not in targets:
                        continue
                    prev = pending.get(e)
                    if prev is None:
                        pending[e] = g if e._n_out == 1 else _slots(e, 0, g)
                        heappush(heap, (-e._seq, e))
                    elif e._n_out == 1:
                        pending[e] = prev + g
                    else:
                        prev[0] = g if prev[0] is None else prev[0] + g
                elif e.__class__ is OutputSlot:
                    m = e.node
                    if needed is not None and m not in needed and m not in targets:
                        continue
                    if m not in pending:
                        heappush(heap, (-m._seq, m))
                    _add_pending(pending, m, e.index, g)
                else:  # a leaf: summed here, delivered after the walk (_add_leaf, inlined)
                    entry = leaf_grads.get(id(e))
                    if entry is None:
                        leaf_grads[id(e)] = [e, g]
                    else:
                        entry[1] = entry[1] + g
        # Leaves: hooks run once on each total; then (backward) the totals go into .grad.
        for entry in leaf_grads.values():
            leaf, g = entry
            if leaf._hooks:
                for h in leaf._hooks:
                    if h.__class__ is PostAccumulateGradHook:  # (runs after accumulation, below)
                        continue
                    r = h(g)
                    if r is not None:
                        g = r
                entry[1] = g
    finally:
        GRAD_ENABLED[0] = prev_mode
        _fn.ANOMALY[0] = anomaly

    if not capture:
        handed = set() if handed is None else handed  # ids of memory no leaf may adopt (the caller's seeds)
        for leaf, g in leaf_grads.values():
            _accumulate_leaf(leaf, g, create_graph, handed)
            if leaf._hooks:
                for h in list(leaf._hooks):
                    if h.__class__ is PostAccumulateGradHook:
                        h.fn(leaf)
    if inputs is None:
        return None
    result = []
    for i, t in enumerate(inputs):
        g = leaf_grads.get(id(t), (None, None))[1] if t._node is None else captured.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: inputs[{i}] was not used to compute the outputs (its gradient is undefined); "
                "pass allow_unused=True to get None for it"
            )
        result.append(g)
    return result


def _add_leaf(leaf_grads: dict, leaf, g) -> None:
    entry = leaf_grads.get(id(leaf))
    if entry is None:
        leaf_grads[id(leaf)] = [leaf, g]
    else:
        entry[1] = entry[1] + g


def _slots(node, idx, g) -> list:
    slots = [None] * node._n_out
    slots[idx] = g
    return slots


def _needed_nodes(starts, leaf_ids, targets) -> set:
    """Nodes from which some requested input can be reached: only these run backward in grad()."""
    order, seen, stack = [], set(starts), list(starts)
    while stack:  # iterative walk over the graph above the outputs
        node = stack.pop()
        order.append(node)
        for e in node._next:
            m, _ = _edge_node(e) if e is not None else (None, None)
            if m is not None and m not in seen:
                seen.add(m)
                stack.append(m)
    needed: set = set()
    for node in sorted(order, key=lambda n: n._seq):  # producers before consumers
        for e in node._next:
            if e is None:
                continue
            m, _ = _edge_node(e)
            if (m is None and id(e) in leaf_ids) or (m is not None and (m in needed or m in targets)):
                needed.add(node)
                break
    return needed


def _add_pending(pending, node, idx, g) -> None:
    if node._n_out == 1:
        prev = pending.get(node)
        pending[node] = g if prev is None else prev + g
    else:
        slots = pending.get(node)
        if slots is None:
            slots = pending[node] = [None] * node._n_out
        slots[idx] = g if slots[idx] is None else slots[idx] + g


def _run_tensor_hooks(node, idx, g):
    hooks = node._out_hooks
    if hooks and idx in hooks:
        for h in list(hooks[idx]):
            r = h(g)
            if r is not None:
                g = r
    return g


def _backward_with_node_hooks(node, grads) -> tuple:
    """A node's backward with the hooks registered on the node itself: pre-hooks see (and may
    replace) its output gradients, hooks see its input gradients and output gradients (and may
    replace the input gradients), as PyTorch's Node hooks do."""
    pre_hooks, hooks = node._node_hooks
    if node._n_out == 1:
        if node._out_hooks is not None:
            grads = _run_tensor_hooks(node, 0, grads)
        grad_outputs = (grads,)
    else:
        grad_outputs = tuple(_prepare_multi(node, grads))
    for h in list(pre_hooks):
        r = h(grad_outputs)
        if r is not None:
            grad_outputs = tuple(r)
    in_grads = node.backward(node, *grad_outputs)
    if in_grads.__class__ is not tuple:
        in_grads = (in_grads,)
    if not node._builtin:
        in_grads = _check_user_grads(node, in_grads)
    in_grads = tuple(None if e is None else g for e, g in zip(node._next, in_grads))
    for h in list(hooks):
        r = h(in_grads, grad_outputs)
        if r is not None:
            in_grads = tuple(r)
    return in_grads


def _prepare_multi(node, grads) -> list:
    """Per-output gradients of a multi-output node: hooks run, missing ones become zeros."""
    grads = list(grads)
    for i, g in enumerate(grads):
        if g is not None:
            if node._out_hooks is not None:
                grads[i] = _run_tensor_hooks(node, i, g)
        elif node._out_meta[i] is not None and getattr(node, "_materialize", True):
            shape, dtype, dev = node._out_meta[i]
            grads[i] = Tensor._wrap(dev.xp.zeros(shape, dtype=dtype), dev)
    return grads


def _memory_root(g: Tensor):
    """The array that owns ``g``'s memory (``g``'s own array unless it is a view)."""
    return g._dev.backend.memory_owner(g._data)


def _accumulate_leaf(leaf: Tensor, g: Tensor, create_graph: bool, handed: set) -> None:
    """Add ``g`` (the leaf's total gradient from this pass, hooks applied) into ``leaf.grad``.

    Runs after the walk, so nothing else will read ``g``: it becomes ``.grad`` as
    it is, views included (the weight gradient of ``x @ W.T`` is a transposed view
    of a temporary).  It is copied only when its memory is already another leaf's
    ``.grad`` (``handed``: ids of owning arrays; ``a + b`` hands both the same
    gradient) or the caller's seed, or when it can't be written in place (a
    broadcast view, as ``x.sum()`` hands back): no two ``.grad`` ever alias, and
    in-place changes of one (clipping, zero_) work and never change another.
    """
    if leaf.grad is None:
        data, backend = g._data, g._dev.backend
        root = id(backend.memory_owner(data))
        shared = root in handed or not backend.is_writable(data)
        handed.add(root)
        if create_graph:  # keep the graph: a recorded clone when the memory is shared
            leaf.grad = g.clone() if shared else g
        elif shared:
            leaf.grad = Tensor._wrap(data.copy(), g._dev)
        else:
            leaf.grad = g if g._node is None else g.detach()
    elif create_graph or GRAD_ENABLED[0]:
        leaf.grad = leaf.grad + g
    else:  # .grad from an earlier backward: accumulate in place, as PyTorch does
        leaf.grad._data += g._data
        leaf.grad._bump_version()


def _check_user_grads(node, in_grads) -> tuple:
    """A user Function's backward returns one gradient (or None) per forward argument."""
    n = len(node._next)
    if len(in_grads) != n:
        if not (len(in_grads) > n and all(g is None for g in in_grads[n:])):
            raise RuntimeError(
                f"{type(node).__name__}.backward returned {len(in_grads)} gradients, but forward took {n} "
                "arguments: return one gradient (or None) per forward argument"
            )
        in_grads = in_grads[:n]
    return tuple([
        None if g is None or e is None else _check_user_grad(node, i, g)
        for i, (e, g) in enumerate(zip(node._next, in_grads))
    ])


def _check_user_grad(node, i, g):
    """A user Function's gradient must be a Tensor of its input's shape (or broadcast to it)."""
    if not isinstance(g, Tensor):
        raise TypeError(f"{type(node).__name__}.backward returned a {type(g).__name__}; return Tensors or None")
    shape = node._in_shapes[i]
    if g._data.shape != shape:  # (both plain tuples: _in_shapes holds the arrays' shapes)
        from autograd_core.ops.shape import sum_to

        try:
            g = sum_to(g, shape)
        except (ValueError, RuntimeError):
            raise RuntimeError(
                f"{type(node).__name__}.backward returned a gradient of shape {tuple(g.shape)} for input {i} "
                f"of shape {tuple(shape)}"
            ) from None
    return g


def _anomaly_backward(node, g) -> None:
    data = g._data
    if data.dtype.kind == "f" and not bool(g._dev.xp.isfinite(data).all()):
        where = "".join((node._trace or ["(trace not recorded: the op ran before detect_anomaly was on)\n"])[-4:])
        raise FloatingPointError(
            f"anomaly: {node.name()} returned nan/inf values in its gradient; the forward op was created at:\n{where}"
        )
