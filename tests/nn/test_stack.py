"""The neural stack, queue and deque (Grefenstette et al. 2015) against the paper and a loop transcription.

The reference below transcribes the equations literally (Python loops over batch and
slots, 0-based) so it shares no code or trick with the vectorised implementation.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
import nn
import nn.functional as F
from backends import DeviceError
from tests.helpers.strict_backend import DEVICE as STRICT
from tests.helpers.strict_backend import StrictArray


def host(t) -> np.ndarray:
    return t.detach().to("cpu").numpy()


def t64(a, requires_grad=False, device=None):
    return ag.tensor(np.asarray(a, dtype=np.float64), dtype=ag.float64, requires_grad=requires_grad, device=device)


# ----------------------------------------------------------------------------- the reference transcription
class Margins:
    """Smallest |argument| seen at a kink of max(0, .) or min(., .): gradchecks need it well above eps."""

    def __init__(self):
        self.smallest = np.inf

    def relu(self, x):
        self.smallest = min(self.smallest, abs(x))
        return max(0.0, x)

    def minimum(self, a, b):
        self.smallest = min(self.smallest, abs(a - b))
        return min(a, b)


def ref_pop(s, u, from_top, k):
    """One example's strengths after popping u: the paper's max(0, s[i] - max(0, u - sum beyond i))."""
    n, out = len(s), []
    for i in range(n):
        beyond = sum(s[j] for j in range(i + 1, n)) if from_top else sum(s[j] for j in range(i))
        out.append(k.relu(s[i] - k.relu(u - beyond)))
    return out


def ref_read(V, s, from_top, k):
    n, r = len(s), 0.0
    for i in range(n):
        beyond = sum(s[j] for j in range(i + 1, n)) if from_top else sum(s[j] for j in range(i))
        r = r + k.minimum(s[i], k.relu(1.0 - beyond)) * V[i]
    return r


def ref_step(kind, V, s, x, k):
    """One step for one example: V, s are lists (slot 0 the bottom); x maps names to this example's inputs.

    Returns (reads, V, s) with reads (r,) for a stack/queue and (r_top, r_bot) for a deque.
    """
    if kind == "deque":
        s = ref_pop(s, x["u_top"], True, k)
        s = ref_pop(s, x["u_bot"], False, k)
        s = [x["d_bot"]] + s + [x["d_top"]]
        V = [x["v_bot"]] + V + [x["v_top"]]
        return (ref_read(V, s, True, k), ref_read(V, s, False, k)), V, s
    lifo = kind == "stack"
    s = ref_pop(s, x["u"], lifo, k) + [x["d"]]
    V = V + [x["v"]]
    return (ref_read(V, s, lifo, k),), V, s


def ref_run(kind, steps, k=None, stack=np.stack):
    """Run a whole sequence, one example at a time.  steps: list of dicts of arrays (batch first).

    Returns the reads per step (tuples of (batch, m) arrays), the final (V, s), and the smallest kink margin.
    """
    k = k or Margins()
    batch = len(next(iter(steps[0].values())))
    per_example, finals = [], []
    for b in range(batch):
        V, s, out = [], [], []
        for x in steps:
            reads, V, s = ref_step(kind, V, s, {key: val[b] for key, val in x.items()}, k)
            out.append(reads)
        per_example.append(out)
        finals.append((stack(V), stack(s)))
    per_step = [
        tuple(stack([per_example[b][t][e] for b in range(batch)]) for e in range(len(per_example[0][t])))
        for t in range(len(steps))
    ]
    return per_step, (stack([f[0] for f in finals]), stack([f[1] for f in finals])), k.smallest


def random_steps(kind, rng, T, batch, m):
    def strength(size):
        return rng.uniform(0.0, 1.0, size)

    if kind == "deque":
        return [
            {"v_top": rng.standard_normal((batch, m)), "v_bot": rng.standard_normal((batch, m)),
             "d_top": strength(batch), "d_bot": strength(batch), "u_top": strength(batch), "u_bot": strength(batch)}
            for _ in range(T)
        ]
    return [{"v": rng.standard_normal((batch, m)), "d": strength(batch), "u": strength(batch)} for _ in range(T)]


def ours_run(kind, steps, device=None, leaves=None):
    """Our implementation over the same steps; leaves (optional) replaces the numpy arrays with given tensors."""
    state, reads = None, []
    for t, x in enumerate(steps):
        a = leaves[t] if leaves is not None else {key: t64(val, device=device) for key, val in x.items()}
        if kind == "deque":
            r_top, r_bot, state = F.neural_deque(
                a["v_top"], a["v_bot"], a["d_top"], a["d_bot"], a["u_top"], a["u_bot"], state
            )
            reads.append((r_top, r_bot))
        else:
            fn = F.neural_stack if kind == "stack" else F.neural_queue
            r, state = fn(a["v"], a["d"], a["u"], state)
            reads.append((r,))
    return reads, state


# ----------------------------------------------------------------------------- the paper's examples
def test_paper_figure_1_exactly():
    v = np.eye(3)
    d, u = [0.8, 0.5, 0.9], [0.0, 0.1, 0.9]
    expected_reads = [0.8 * v[0], 0.5 * v[1] + 0.5 * v[0], 0.9 * v[2] + 0.1 * v[0]]
    expected_strengths = [[0.8], [0.7, 0.5], [0.3, 0.0, 0.9]]
    stack, state = nn.NeuralStack(), None
    for t in range(3):
        r, state = stack(t64(v[None, t]), t64([d[t]]), t64([u[t]]), state)
        np.testing.assert_allclose(host(r)[0], expected_reads[t], rtol=0, atol=1e-15)
        np.testing.assert_allclose(host(state.strengths)[0], expected_strengths[t], rtol=0, atol=1e-15)
        np.testing.assert_array_equal(host(state.values)[0], v[: t + 1])


def test_ideal_reversal_of_three_items():
    stack, state, reads = nn.NeuralStack(), None, []
    pushes = [[0.1, 0.0], [0.2, 0.0], [0.3, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    for v, d, u in zip(pushes, [1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 1, 1]):
        r, state = stack(t64([v]), t64([d]), t64([u]), state)
        reads.append(host(r)[0, 0])
    np.testing.assert_allclose(reads, [0.1, 0.2, 0.3, 0.3, 0.2, 0.1], rtol=0, atol=1e-15)
    assert host(r)[0, 1] == 0.0


def test_ideal_queue_reads_in_arrival_order():
    queue, state, reads = nn.NeuralQueue(), None, []
    for v, d, u in zip([0.1, 0.2, 0.3, 0.0, 0.0], [1, 1, 1, 0, 0], [0, 0, 0, 1, 1]):
        r, state = queue(t64([[v]]), t64([d]), t64([u]), state)
        reads.append(host(r)[0, 0])
    np.testing.assert_allclose(reads, [0.1, 0.1, 0.1, 0.2, 0.3], rtol=0, atol=1e-15)


def test_ideal_deque_pushes_and_pops_at_both_ends():
    deque, state = nn.NeuralDeque(), None
    one, zero = t64([1.0]), t64([0.0])
    # step 1: push a on top, b at the bottom; step 2: push c on top only; step 3: pop one from each end.
    r_top, r_bot, state = deque(t64([[1.0]]), t64([[2.0]]), one, one, zero, zero, state)
    assert (host(r_top).item(), host(r_bot).item()) == (1.0, 2.0)
    r_top, r_bot, state = deque(t64([[3.0]]), t64([[9.0]]), one, zero, zero, zero, state)
    assert (host(r_top).item(), host(r_bot).item()) == (3.0, 2.0)
    r_top, r_bot, state = deque(t64([[9.0]]), t64([[9.0]]), zero, zero, one, one, state)
    assert (host(r_top).item(), host(r_bot).item()) == (1.0, 1.0)
    np.testing.assert_array_equal(host(state.strengths)[0], [0, 0, 0, 1, 0, 0])
    assert state.values.shape == (1, 6, 1)


def test_partial_strength_reads_a_mixture_and_empty_reads_zero():
    r, state = F.neural_stack(t64([[1.0, 2.0]]), t64([0.25]), t64([0.0]))
    np.testing.assert_allclose(host(r), [[0.25, 0.5]], rtol=0, atol=1e-15)
    r, state = F.neural_stack(t64([[5.0, 5.0]]), t64([0.0]), t64([1.0]), state)  # pop everything, push nothing
    np.testing.assert_array_equal(host(r), [[0.0, 0.0]])
    np.testing.assert_array_equal(host(state.strengths), [[0.0, 0.0]])


# ----------------------------------------------------------------------------- against the transcription
@pytest.mark.parametrize("kind", ["stack", "queue", "deque"])
def test_matches_the_loop_transcription_on_random_inputs(kind):
    rng = np.random.default_rng(7)
    steps = random_steps(kind, rng, T=7, batch=3, m=4)
    expected, (V, s), _ = ref_run(kind, steps)
    reads, state = ours_run(kind, steps)
    for t in range(len(steps)):
        for ours, ref in zip(reads[t], expected[t]):
            np.testing.assert_allclose(host(ours), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(host(state.strengths), s, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(host(state.values), V)


@given(
    kind=st.sampled_from(["stack", "queue", "deque"]),
    T=st.integers(1, 6),
    batch=st.integers(1, 3),
    m=st.integers(1, 3),
    seed=st.integers(0, 2**31 - 1),
    saturate=st.booleans(),
)
def test_matches_the_transcription_over_shapes_and_saturated_strengths(kind, T, batch, m, seed, saturate):
    rng = np.random.default_rng(seed)
    steps = random_steps(kind, rng, T, batch, m)
    if saturate:  # exact 0s and 1s: the hard, discrete stack lives at the kinks
        for x in steps:
            for key in x:
                if key[0] in "du":
                    x[key] = rng.integers(0, 2, batch).astype(np.float64)
    expected, (V, s), _ = ref_run(kind, steps)
    reads, state = ours_run(kind, steps)
    for t in range(T):
        for ours, ref in zip(reads[t], expected[t]):
            np.testing.assert_allclose(host(ours), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(host(state.strengths), s, rtol=1e-12, atol=1e-12)


def test_deque_with_one_end_idle_is_a_stack_or_a_queue():
    rng = np.random.default_rng(3)
    batch, m, T = 2, 3, 6
    one_ended = random_steps("stack", rng, T, batch, m)
    zeros = np.zeros(batch)
    as_stack = [{"v_top": x["v"], "v_bot": x["v"] * 0, "d_top": x["d"], "d_bot": zeros, "u_top": x["u"],
                 "u_bot": zeros} for x in one_ended]
    as_queue = [{"v_top": x["v"], "v_bot": x["v"] * 0, "d_top": x["d"], "d_bot": zeros, "u_top": zeros,
                 "u_bot": x["u"]} for x in one_ended]
    stack_reads, _ = ours_run("stack", one_ended)
    queue_reads, _ = ours_run("queue", one_ended)
    deque_as_stack, _ = ours_run("deque", as_stack)
    deque_as_queue, _ = ours_run("deque", as_queue)
    for t in range(T):
        np.testing.assert_allclose(host(deque_as_stack[t][0]), host(stack_reads[t][0]), rtol=0, atol=1e-14)
        np.testing.assert_allclose(host(deque_as_queue[t][1]), host(queue_reads[t][0]), rtol=0, atol=1e-14)


def test_batch_examples_are_independent():
    rng = np.random.default_rng(5)
    steps = random_steps("stack", rng, T=5, batch=4, m=2)
    together, _ = ours_run("stack", steps)
    for b in range(4):
        alone, _ = ours_run("stack", [{k: v[b: b + 1] for k, v in x.items()} for x in steps])
        for t in range(5):
            np.testing.assert_allclose(host(alone[t][0]), host(together[t][0])[b: b + 1], rtol=0, atol=1e-15)


# ----------------------------------------------------------------------------- gradients
def _leaves(kind, steps):
    return [{key: t64(val, requires_grad=True) for key, val in x.items()} for x in steps]


def _away_from_kinks(kind, seed, T, batch, m):
    """Random inputs whose every relu/min argument is at least 1e-3 from its kink (so central differences are valid)."""
    rng = np.random.default_rng(seed)
    for _ in range(100):
        steps = random_steps(kind, rng, T, batch, m)
        if ref_run(kind, steps)[2] > 1e-3:
            return steps
    raise AssertionError("no kink-free draw found")


@pytest.mark.parametrize("kind", ["stack", "queue", "deque"])
def test_gradcheck_through_several_steps(kind):
    steps = _away_from_kinks(kind, seed=11, T=4, batch=2, m=2)
    leaves = _leaves(kind, steps)
    flat = [leaf for x in leaves for leaf in x.values()]
    keys = list(leaves[0])

    def fn(*tensors):
        it = iter(tensors)
        rebuilt = [{k: next(it) for k in keys} for _ in steps]
        reads, state = ours_run(kind, steps, leaves=rebuilt)
        return (*[r for rs in reads for r in rs], state.strengths)

    assert ag.gradcheck(fn, tuple(flat))


@pytest.mark.parametrize("kind", ["stack", "deque"])
def test_gradgradcheck_through_several_steps(kind):
    steps = _away_from_kinks(kind, seed=12, T=3, batch=2, m=2)
    leaves = _leaves(kind, steps)
    flat = [leaf for x in leaves for leaf in x.values()]
    keys = list(leaves[0])

    def fn(*tensors):
        it = iter(tensors)
        rebuilt = [{k: next(it) for k in keys} for _ in steps]
        reads, _ = ours_run(kind, steps, leaves=rebuilt)
        return reads[-1][0]

    assert ag.gradgradcheck(fn, tuple(flat))


def test_gradient_reaches_old_values_only_through_remaining_strength():
    # v1 pushed with 1.0 then fully covered by v2 (1.0): the read ignores v1 and its gradient is exactly 0.
    v1, v2 = t64([[1.0, 2.0]], requires_grad=True), t64([[3.0, 4.0]], requires_grad=True)
    _, state = F.neural_stack(v1, t64([1.0]), t64([0.0]))
    r, _ = F.neural_stack(v2, t64([1.0]), t64([0.0]), state)
    r.sum().backward()
    np.testing.assert_array_equal(host(v1.grad), [[0.0, 0.0]])
    np.testing.assert_array_equal(host(v2.grad), [[1.0, 1.0]])


# ----------------------------------------------------------------------------- the module surface and errors
def test_modules_hold_no_parameters_and_match_the_functional_forms():
    for module in (nn.NeuralStack(), nn.NeuralQueue(), nn.NeuralDeque()):
        assert list(module.parameters()) == [] and module.state_dict() == {}
    rng = np.random.default_rng(0)
    v, d, u = t64(rng.standard_normal((2, 3))), t64([0.4, 0.9]), t64([0.0, 0.2])
    r1, s1 = nn.NeuralQueue()(v, d, u)
    r2, s2 = F.neural_queue(v, d, u)
    np.testing.assert_array_equal(host(r1), host(r2))
    assert isinstance(s1, nn.NeuralStackState) and s1._fields == ("values", "strengths")


def test_float32_stays_float32():
    r, state = F.neural_stack(ag.randn(2, 3), ag.full((2,), 0.5), ag.zeros(2))
    assert r.dtype == ag.float32 and state.strengths.dtype == ag.float32 and state.values.dtype == ag.float32


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: F.neural_stack(ag.ones(3), ag.ones(3), ag.ones(3)), r"neural_stack: value must be a \(batch, m\)"),
        (lambda: F.neural_stack(ag.ones(2, 3), ag.ones(2, 1), ag.ones(2)), r"push must have shape.*squeeze"),
        (lambda: F.neural_queue(ag.ones(2, 3), ag.ones(2), ag.ones(3)), r"neural_queue: pop must have shape \(batch,\)"),
        (lambda: F.neural_stack(ag.ones(2, 3, dtype=ag.int64), ag.ones(2), ag.ones(2)), r"floating point"),
        (lambda: F.neural_deque(ag.ones(2, 3), ag.ones(2, 4), *[ag.ones(2)] * 4), r"value_bot has shape \(2, 4\)"),
        (lambda: F.neural_stack(ag.ones(2, 3), ag.ones(2), ag.ones(2), (ag.ones(2, 1, 4), ag.ones(2, 1))),
         r"state has values \(2, 1, 4\).*None to start empty"),
        (lambda: F.neural_stack(ag.ones(2, 3), ag.ones(2), ag.ones(2), "empty"), r"state must be a NeuralStackState"),
    ],
)
def test_bad_input_is_refused_at_the_call(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# ----------------------------------------------------------------------------- devices
@pytest.mark.parametrize("kind", ["stack", "queue", "deque"])
def test_forward_and_backward_on_the_strict_device(kind):
    rng = np.random.default_rng(2)
    steps = random_steps(kind, rng, T=4, batch=2, m=3)
    expected, _, _ = ref_run(kind, steps)
    leaves = [{key: t64(val, requires_grad=True, device=STRICT) for key, val in x.items()} for x in steps]
    reads, state = ours_run(kind, steps, leaves=leaves)
    loss = sum((r * r).sum() for rs in reads for r in rs)
    loss.backward()
    assert isinstance(state.values._data, StrictArray)
    # A pop at the first step acts on an empty memory: it is not in the graph, so it gets no gradient.
    assert all(isinstance(leaf.grad._data, StrictArray) for x in leaves for leaf in x.values() if leaf.grad is not None)
    for t in range(4):
        for ours, ref in zip(reads[t], expected[t]):
            np.testing.assert_allclose(host(ours), ref, rtol=1e-12, atol=1e-12)
    cpu_leaves = _leaves(kind, steps)
    cpu_reads, _ = ours_run(kind, steps, leaves=cpu_leaves)
    sum((r * r).sum() for rs in cpu_reads for r in rs).backward()
    for xs, xc in zip(leaves, cpu_leaves):
        for key in xs:
            if xc[key].grad is None:
                assert xs[key].grad is None and key.startswith("u") and xs is leaves[0]
                continue
            np.testing.assert_allclose(host(xs[key].grad), host(xc[key].grad), rtol=1e-12, atol=1e-14)


def _cuda():
    try:
        return ag.get_device("cuda")
    except DeviceError as e:
        pytest.skip(f"no cuda device: {e}")


@pytest.mark.cuda
@pytest.mark.parametrize("kind", ["stack", "queue", "deque"])
def test_cuda_matches_cpu(kind):
    _cuda()
    rng = np.random.default_rng(4)
    steps = random_steps(kind, rng, T=5, batch=3, m=4)
    gpu_leaves = [{key: t64(val, device="cuda").requires_grad_() for key, val in x.items()} for x in steps]
    cpu_leaves = _leaves(kind, steps)
    grads = []
    for leaves in (gpu_leaves, cpu_leaves):
        reads, state = ours_run(kind, steps, leaves=leaves)
        (sum((r * r).sum() for rs in reads for r in rs) + state.strengths.sum()).backward()
        grads.append((reads, state))
    (g_reads, g_state), (c_reads, c_state) = grads
    assert g_state.values.device.type == "cuda"
    for gr, cr in zip(g_reads, c_reads):
        for a, b in zip(gr, cr):
            np.testing.assert_allclose(host(a), host(b), rtol=1e-12, atol=1e-12)
    for xg, xc in zip(gpu_leaves, cpu_leaves):
        for key in xg:
            if xc[key].grad is None:
                assert xg[key].grad is None
                continue
            np.testing.assert_allclose(host(xg[key].grad), host(xc[key].grad), rtol=1e-12, atol=1e-12)


def test_mixed_dtypes_are_refused_at_the_call():
    with pytest.raises(TypeError, match=r"neural_stack: push has dtype float64 but value has float32"):
        F.neural_stack(ag.ones(2, 3), ag.ones(2, dtype=ag.float64), ag.ones(2))
    _, state = F.neural_stack(ag.ones(2, 3), ag.ones(2), ag.ones(2))
    with pytest.raises(TypeError, match=r"neural_stack: state has dtypes float32/float32 but value has float64"):
        F.neural_stack(*(t.double() for t in (ag.ones(2, 3), ag.ones(2), ag.ones(2))), state)
