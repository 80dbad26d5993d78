"""Matrix product: every 1-D / 2-D / batched form of matmul (with batch broadcasting), mm, bmm, dot, outer, addmm."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, make_tests, to_host

SIDE = st.integers(0, 4)


@st.composite
def _matmul_shapes(draw):
    """Pairs of shapes covering PyTorch's matmul forms, contraction size 0 included."""
    n, k, m = draw(SIDE), draw(SIDE), draw(SIDE)
    form = draw(st.sampled_from(["vv", "vm", "mv", "mm", "batched", "batched_2d", "v_batched", "batched_v"]))
    if form == "vv":
        return (k,), (k,)
    if form == "vm":
        return (k,), (k, m)
    if form == "mv":
        return (n, k), (k,)
    if form == "mm":
        return (n, k), (k, m)
    if form == "batched":  # batch dims broadcast against each other
        b1, b2 = draw(S.broadcastable_shapes(2, max_dims=2, max_side=3))
        return b1 + (n, k), b2 + (k, m)
    batch = draw(S.shapes(min_dims=1, max_dims=2, max_side=3))
    if form == "batched_2d":  # (B, n, k) @ (k, m): one GEMM
        return batch + (n, k), (k, m)
    if form == "v_batched":
        return (k,), batch + (k, m)
    return batch + (n, k), (k,)


@st.composite
def _shapes_3d(draw):
    b, n, k, m = draw(SIDE), draw(SIDE), draw(SIDE), draw(SIDE)
    return (b, n, k), (b, k, m)


@st.composite
def _linear_shapes(draw):
    """input (..., in), weight (out, in), and a bias (out,) or none."""
    lead = draw(S.shapes(min_dims=1, max_dims=3, max_side=3))
    n_in, n_out = draw(SIDE), draw(SIDE)
    shapes = (lead + (n_in,), (n_out, n_in))
    return shapes + ((n_out,),) if draw(st.booleans()) else shapes


def _linear_ref(x, w, b=None):
    out = x @ w.T
    return out if b is None else out + b


@st.composite
def _addmm_case(draw):
    """input (broadcastable to (n, p)), mat1 (n, m), mat2 (m, p), and beta, alpha (beta=0 included)."""
    n, m, p = draw(SIDE), draw(SIDE), draw(SIDE)
    bias = draw(st.sampled_from([(n, p), (p,), (1, p), (n, 1), ()]))
    kwargs = {"beta": draw(st.sampled_from([1, 0, 0.5, -2.0])), "alpha": draw(st.sampled_from([1, 2.5, -1.0, 0]))}
    return (bias, (n, m), (m, p)), kwargs


def _addmm_ref(c, a, b, beta=1, alpha=1):
    return alpha * (a @ b) + beta * c


SPECS = [
    OpSpec("linear", ag.linear, _linear_ref, _linear_shapes(),
           torch=lambda torch, *args: torch.nn.functional.linear(*args)),
    OpSpec("matmul", ag.matmul, np.matmul, _matmul_shapes(), torch=lambda torch, a, b: torch.matmul(a, b)),
    OpSpec("matmul_operator", lambda a, b: a @ b, np.matmul, _matmul_shapes(), torch=lambda torch, a, b: a @ b),
    OpSpec("mm", ag.mm, np.matmul, st.tuples(SIDE, SIDE, SIDE).map(lambda s: ((s[0], s[1]), (s[1], s[2]))),
           torch=lambda torch, a, b: torch.mm(a, b)),
    OpSpec("bmm", ag.bmm, np.matmul, _shapes_3d(), torch=lambda torch, a, b: torch.bmm(a, b)),
    OpSpec("dot", ag.dot, np.dot, SIDE.map(lambda k: ((k,), (k,))), torch=lambda torch, a, b: torch.dot(a, b)),
    OpSpec("addmm", ag.addmm, _addmm_ref, case=_addmm_case(), torch=lambda torch, *args, **kw: torch.addmm(*args, **kw)),
    OpSpec("addmm_method", lambda c, a, b, **kw: c.addmm(a, b, **kw), _addmm_ref, case=_addmm_case(),
           torch=lambda torch, c, a, b, **kw: c.addmm(a, b, **kw)),
    OpSpec("outer", ag.outer, np.outer, st.tuples(SIDE, SIDE).map(lambda s: ((s[0],), (s[1],))),
           torch=lambda torch, a, b: torch.outer(a, b)),
    OpSpec("matmul_self", lambda a: a @ a.mT, lambda a: a @ np.swapaxes(a, -1, -2), S.same_shapes(1, min_dims=2),
           torch=lambda torch, a: a @ a.mT),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)


@pytest.mark.parametrize("device", DEVICES)
def test_matmul_gradients_by_hand(device):
    a = ag.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ag.float64, device=device, requires_grad=True)
    v = ag.tensor([1.0, -1.0], dtype=ag.float64, device=device, requires_grad=True)
    out = a @ v
    np.testing.assert_array_equal(to_host(out), [-1.0, -1.0])
    out.sum().backward()
    np.testing.assert_array_equal(to_host(a.grad), [[1.0, -1.0], [1.0, -1.0]])
    np.testing.assert_array_equal(to_host(v.grad), [4.0, 6.0])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("a, b, out", [((2, 3, 0), (0, 4), (2, 3, 4)), ((1, 0), (2, 0, 4), (2, 1, 4))])
def test_matmul_with_an_empty_contraction_gives_zeros(a, b, out, device):
    x = ag.ones(*a, dtype=ag.float64, device=device, requires_grad=True)
    y = ag.ones(*b, dtype=ag.float64, device=device, requires_grad=True)
    result = x @ y  # as in PyTorch: a sum over nothing
    np.testing.assert_array_equal(to_host(result), np.zeros(out))
    result.sum().backward()
    assert x.grad.shape == a and y.grad.shape == b


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ag.ones(2, 3) @ ag.ones(2, 3), r"matmul.*\(2, 3\).*\(2, 3\)"),
        (lambda: ag.ones(3) @ ag.ones(4), r"matmul.*\(3,\).*\(4,\)"),
        (lambda: ag.matmul(ag.tensor(1.0), ag.ones(2)), r"matmul.*1 dim"),
        (lambda: ag.ones(2, 2, 3) @ ag.ones(3, 3, 2), r"matmul.*\(2,\).*\(3,\)|cannot be broadcast"),
        (lambda: ag.mm(ag.ones(2), ag.ones(2, 2)), r"mm.*2-D"),
        (lambda: ag.bmm(ag.ones(2, 2, 2), ag.ones(3, 2, 2)), r"bmm"),
        (lambda: ag.dot(ag.ones(2, 1), ag.ones(2)), r"dot.*1-D"),
    ],
    ids=["mm_inner", "vv_inner", "0d", "batch", "mm_1d", "bmm_batch", "dot_2d"],
)
def test_bad_matmul_shapes_fail_at_the_call(call, match):
    with pytest.raises((RuntimeError, ValueError), match=match):
        call()


MIXED_DTYPE_CALLS = {  # id: (the op the error names, call, shape of a, shape of b)
    "matmul": ("matmul", lambda L, a, b: L.matmul(a, b), (2, 3), (3, 2)),
    "operator": ("matmul", lambda L, a, b: a @ b, (3,), (3, 2)),
    "matmul_batched_vector": ("matmul", lambda L, a, b: a @ b, (2, 2, 3), (3,)),
    "mm": ("mm", lambda L, a, b: L.mm(a, b), (2, 3), (3, 2)),
    "bmm": ("bmm", lambda L, a, b: L.bmm(a, b), (1, 2, 3), (1, 3, 2)),
    "dot": ("dot", lambda L, a, b: L.dot(a, b), (3,), (3,)),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("op, call, a, b", MIXED_DTYPE_CALLS.values(), ids=list(MIXED_DTYPE_CALLS))
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("int64", "float32")])
def test_matrix_products_refuse_mixed_dtypes_as_pytorch_does(op, call, a, b, dtypes, device):
    x = ag.ones(*a, dtype=getattr(ag, dtypes[0]), device=device)
    y = ag.ones(*b, dtype=getattr(ag, dtypes[1]), device=device)
    with pytest.raises(RuntimeError, match=rf"{op}: .*same dtype, got {dtypes[0]} and {dtypes[1]}.*\.to\("):
        call(ag, x, y)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        call(torch, torch.ones(a, dtype=getattr(torch, dtypes[0])), torch.ones(b, dtype=getattr(torch, dtypes[1])))


def test_outer_promotes_dtypes_and_wants_vectors_as_pytorch_does():
    torch = pytest.importorskip("torch")
    ours = ag.outer(ag.tensor([1, 2]), ag.tensor([0.5, 1.0], dtype=ag.float64))
    theirs = torch.outer(torch.tensor([1, 2]), torch.tensor([0.5, 1.0], dtype=torch.float64))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(to_host(ours), theirs.numpy())
    for a, b in [((3, 2), (3,)), ((), (3,)), ((3,), (1, 3))]:
        with pytest.raises(RuntimeError, match=r"outer: expects 1-D"):
            ag.outer(ag.ones(*a), ag.ones(*b))
        with pytest.raises(RuntimeError):
            torch.outer(torch.ones(a), torch.ones(b))


def test_addmm_with_beta_0_ignores_input_but_gives_it_a_zero_gradient():
    c = ag.tensor([[float("nan"), float("inf")]], dtype=ag.float64, requires_grad=True)
    out = ag.addmm(c, ag.ones(1, 1, dtype=ag.float64), ag.tensor([[2.0, 3.0]], dtype=ag.float64), beta=0)
    assert out.tolist() == [[2.0, 3.0]]
    out.sum().backward()
    assert c.grad.tolist() == [[0.0, 0.0]]


def test_addmm_checks_dtypes_and_shapes():
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.addmm(ag.ones(2, 2, dtype=ag.float64), ag.ones(2, 2), ag.ones(2, 2))
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        ag.addmm(ag.ones(3, 2), ag.ones(2, 2), ag.ones(2, 2))
    with pytest.raises(RuntimeError, match="can't be broadcast to the product's shape"):
        ag.addmm(ag.ones(3, 2, 2), ag.ones(2, 2), ag.ones(2, 2))
    with pytest.raises(RuntimeError, match="2-D"):
        ag.addmm(ag.ones(2), ag.ones(2), ag.ones(2, 2))
    # integer tensors take int(alpha) and int(beta), as PyTorch does
    i = ag.ones(2, 2, dtype=ag.int64)
    assert ag.addmm(i, i, i, alpha=0.5, beta=2).tolist() == [[2, 2], [2, 2]]
