"""einsum, diag and diagonal.  Forward against NumPy's einsum / diag, gradients and second derivatives on
hypothesis sizes (empty dims included) for many equations: products, diagonals and traces, letters
summed out of one operand, ellipsis broadcasting, implicit outputs; then PyTorch's results and
gradients on fixed data, and every error."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops.einsum import diag, diagonal, einsum
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, make_tests, to_host

SIDE = st.integers(0, 3)


@st.composite
def _sizes(draw, equation: str):
    """Operand shapes for ``equation``: one size per letter, and broadcastable shapes for the '...'s."""
    terms = equation.split("->")[0].split(",")
    size = {c: draw(SIDE) for c in sorted(set(equation) - set(".,->"))}
    n_ell = sum("..." in t for t in terms)
    batch = iter(draw(S.broadcastable_shapes(n_ell, max_dims=2, max_side=3)) if n_ell else ())
    return tuple(
        (next(batch) if "..." in t else ()) + tuple(size[c] for c in t.replace("...", "")) for t in terms
    )


def _einsum_spec(name: str, equation: str, as_list: bool = False) -> OpSpec:
    op = (lambda *xs: einsum(equation, list(xs))) if as_list else (lambda *xs: einsum(equation, *xs))
    ref = _REFS.get(equation, lambda *xs: np.einsum(equation, *xs))
    return OpSpec(f"einsum_{name}", op, ref, _sizes(equation), torch=lambda torch, *xs: torch.einsum(equation, *xs))


# NumPy refuses an explicit output that leaves out '...'; PyTorch (and we) sum those dims.
_REFS = {"...ij->j": lambda x: x.sum(axis=tuple(range(x.ndim - 1)))}


EQUATIONS = {
    "matmul": "ij,jk->ik",
    "batched_matmul": "bij,bjk->bik",
    "outer": "i,j->ij",
    "trace": "ii->",
    "diagonal": "ii->i",
    "transpose": "ij->ji",
    "sum": "ij->",
    "row_sums": "ij->i",
    "hadamard": "ij,ij->ij",
    "ellipsis_matmul": "...ij,...jk->...ik",
    "ellipsis_sum": "...i->...",
    "ellipsis_dropped": "...ij->j",
    "three_operands": "ij,jk,kl->il",
    "bilinear": "bn,anm,bm->ba",
    "implicit": "ij,jk",
    "implicit_trace": "ii",
    "implicit_upper_first": "bA",
    "letter_in_one_operand": "ij,k->i",
    "letter_kept_from_one_operand": "ij,k->ik",
    "diagonal_times_vector": "iij,j->i",
    "diagonal_kept": "iji->ij",
    "scalar_operand": "ij,->ji",
}


def _diag_ref(x, diagonal=0):
    return np.diag(x, diagonal).copy()


@st.composite
def _diagonal_case(draw):
    shape = draw(S.shapes(min_dims=2, max_dims=4))
    nd = len(shape)
    dim1 = draw(S.dim(nd))
    dim2 = draw(S.dim(nd).filter(lambda d: d % nd != dim1 % nd))
    return (shape,), {"offset": draw(st.integers(-4, 4)), "dim1": dim1, "dim2": dim2}


def _diagonal_ref(x, offset, dim1, dim2):
    return np.diagonal(x, offset, dim1, dim2)


SPECS = [_einsum_spec(name, eq) for name, eq in EQUATIONS.items()] + [
    _einsum_spec("operand_list", "ij,jk->ki", as_list=True),
    OpSpec("diag_vector", diag, _diag_ref, SIDE.map(lambda n: ((n,),)),
           kwargs=lambda shapes: st.fixed_dictionaries({"diagonal": st.integers(-3, 3)}),
           torch=lambda torch, x, diagonal: torch.diag(x, diagonal)),
    OpSpec("diag_matrix", diag, _diag_ref, S.same_shapes(1, min_dims=2, max_dims=2),
           kwargs=lambda shapes: st.fixed_dictionaries({"diagonal": st.integers(-5, 5)}),
           torch=lambda torch, x, diagonal: torch.diag(x, diagonal)),
    OpSpec("diagonal", diagonal, _diagonal_ref, case=_diagonal_case(),
           torch=lambda torch, x, **kw: torch.diagonal(x, **kw)),
    OpSpec("diagonal_method", lambda x, **kw: x.diagonal(**kw), _diagonal_ref,
           case=_diagonal_case(), torch=lambda torch, x, **kw: x.diagonal(**kw)),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)


# ---------------------------------------------------------------------------- against PyTorch, fixed data
TORCH_CASES = {  # id: (equation, shapes)
    "matmul": ("ij,jk->ik", [(2, 3), (3, 4)]),
    "size_1_broadcasts": ("i,i->i", [(3,), (1,)]),
    "size_1_letter_in_a_diagonal": ("ii,i->i", [(1, 1), (3,)]),
    "ellipsis_size_1": ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)]),
    "ellipsis_rank_differs": ("...,...", [(2, 3), (3,)]),
    "ellipsis_in_the_middle": ("a...,...a->...", [(2, 1, 3), (4, 3, 2)]),
    "ellipsis_between_repeats": ("i...i", [(2, 3, 2)]),
    "double_diagonal": ("ijij->ij", [(2, 3, 2, 3)]),
    "diagonal_with_vector": ("ii,i->", [(3, 3), (3,)]),
    "spaces": (" i j , j k -> i k ", [(2, 3), (3, 4)]),
    "implicit_ellipsis": ("b...,b", [(3, 2, 4), (3,)]),
}


@pytest.mark.parametrize("equation, shapes", TORCH_CASES.values(), ids=list(TORCH_CASES))
def test_einsum_matches_torch_values_and_gradients(equation, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = einsum(equation, *ours), torch.einsum(equation, *theirs)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(to_host(out), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(tuple(expected.shape))
    out.backward(ag.tensor(g))
    expected.backward(torch.from_numpy(g))
    for x, t in zip(ours, theirs):
        np.testing.assert_allclose(to_host(x.grad), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert ag.gradgradcheck(lambda *xs: einsum(equation, *xs), tuple(ag.tensor(a, requires_grad=True) for a in arrays))


def test_einsum_hessian_of_a_quadratic_form_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, -1.0], [0.0, 1.0, 1.0]])
    x = ag.tensor([1.0, -2.0, 0.5], dtype=ag.float64, requires_grad=True)
    t = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
    (g,) = ag.grad(einsum("i,ij,j", x, ag.tensor(a), x), x, create_graph=True)
    (tg,) = torch.autograd.grad(torch.einsum("i,ij,j", t, torch.tensor(a), t), t, create_graph=True)
    np.testing.assert_allclose(to_host(g), tg.detach().numpy(), rtol=1e-12)
    hessian = np.stack([to_host(ag.grad(g[i], x, retain_graph=True)[0]) for i in range(3)])
    np.testing.assert_allclose(hessian, a + a.T, rtol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["int64", "float32", "float64"])
def test_einsum_keeps_the_operands_dtype(dtype, device):
    x = ag.tensor([[1, 2], [3, 4]], dtype=getattr(ag, dtype), device=device)
    out = einsum("ij,jk->ik", x, x)
    assert out.dtype == getattr(ag, dtype) and out.device == device
    np.testing.assert_array_equal(to_host(out), [[7, 10], [15, 22]])
    assert einsum("ii", x).item() == 5 and not out.requires_grad


@pytest.mark.parametrize("device", DEVICES)
def test_einsum_results_do_not_share_memory_with_the_operands(device):
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    for equation in ("ij->ji", "ij->ij", "ii->i"):
        out = einsum(equation, x)
        out.zero_()
        np.testing.assert_array_equal(to_host(x), [[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize("device", DEVICES)
def test_diag_places_and_reads_the_diagonal_and_its_gradient(device):
    v = ag.tensor([1.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    m = diag(v, -1)
    np.testing.assert_array_equal(to_host(m), [[0, 0, 0], [1, 0, 0], [0, 2, 0]])
    (m * ag.arange(9.0, dtype=ag.float64, device=device).reshape(3, 3)).sum().backward()
    np.testing.assert_array_equal(to_host(v.grad), [3.0, 7.0])
    a = ag.tensor(np.arange(6.0).reshape(2, 3), device=device, requires_grad=True)
    d = diag(a, 1)
    np.testing.assert_array_equal(to_host(d), [1.0, 5.0])
    d.sum().backward()
    np.testing.assert_array_equal(to_host(a.grad), [[0, 1, 0], [0, 0, 1]])
    assert diag(a, 3).shape == (0,) and diag(a, -2).shape == (0,)
    assert diag(ag.tensor([1, 2], device=device)).dtype == ag.int64


# ---------------------------------------------------------------------------- errors
A, B = ag.ones(2, 3), ag.ones(3, 4)

EINSUM_ERRORS = {  # id: (call, error, pattern)
    "too_few_operands": (lambda: einsum("ij,jk->ik", A), RuntimeError,
                         r"einsum\('ij,jk->ik'\): the equation has 2 operand term\(s\) but 1 operand\(s\)"),
    "too_many_operands": (lambda: einsum("ij->i", A, B), RuntimeError, r"einsum\('ij->i'\): .* 1 operand .* but 2"),
    "ndim_mismatch": (lambda: einsum("ijk->i", A), RuntimeError,
                      r"einsum\('ijk->i'\): operand 0 has shape \(2, 3\) \(2 dims\) but its subscripts 'ijk' name 3"),
    "ellipsis_too_few_dims": (lambda: einsum("...ijk", A), RuntimeError, r"operand 0 has shape \(2, 3\)"),
    "size_mismatch": (lambda: einsum("ij,ik->jk", A, B), RuntimeError,
                      r"einsum\('ij,ik->jk'\): subscript i has size 3 in operand 1 \(shape \(3, 4\)\).* size 2"),
    "ellipsis_mismatch": (lambda: einsum("...i,...i", ag.ones(2, 3), ag.ones(4, 3)), RuntimeError,
                          r"'\.\.\.' has size 4 in operand 1"),
    "repeated_letter_sizes": (lambda: einsum("ii->i", A), RuntimeError,
                              r"einsum\('ii->i'\): subscript i is repeated in operand 0 \(shape \(2, 3\)\)"),
    "bad_character": (lambda: einsum("i1->i", A), RuntimeError, r"einsum\('i1->i'\): invalid subscript '1' at index 1"),
    "stray_dot": (lambda: einsum("i.j", A), RuntimeError, r"'\.' in 'i\.j' is not part of one '\.\.\.'"),
    "two_ellipses": (lambda: einsum("...i...", A), RuntimeError, r"is not part of one '\.\.\.'"),
    "two_arrows": (lambda: einsum("ij->i->j", A), RuntimeError, r"malformed equation"),
    "repeated_output": (lambda: einsum("ij->ii", A), RuntimeError, r"output subscript i appears more than once"),
    "unknown_output": (lambda: einsum("ij->k", A), RuntimeError, r"output subscript k does not appear"),
    "mixed_dtypes": (lambda: einsum("ij,jk", A, B.to(ag.float64)), RuntimeError,
                     r"einsum\('ij,jk'\): operands must have the same dtype, got float32 \(operand 0\), "
                     r"float64 \(operand 1\)"),
    "not_a_tensor": (lambda: einsum("i,i", A[0], [1.0, 2.0, 3.0]), TypeError,
                     r"einsum\('i,i'\): operand 1 must be a Tensor, got list"),
    "not_a_string": (lambda: einsum(A, [0, 1]), TypeError, r"einsum: the equation must be a string"),
}


@pytest.mark.parametrize("call, error, match", EINSUM_ERRORS.values(), ids=list(EINSUM_ERRORS))
def test_bad_einsum_calls_fail_naming_einsum_the_equation_and_the_operand(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: diag(ag.ones(2, 2, 2)), RuntimeError, r"diag\(\): Supports 1D or 2D tensors. Got 3D"),
        (lambda: diag(ag.tensor(1.0)), RuntimeError, r"diag\(\): Supports 1D or 2D tensors. Got 0D"),
        (lambda: diag(ag.ones(2), 1.5), TypeError, r"diag\(\): argument 'diagonal' must be int, not float"),
    ],
    ids=["3d", "0d", "float_diagonal"],
)
def test_bad_diag_calls_fail_as_in_pytorch(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_diagonal_errors_follow_pytorch():
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 1, 1"):
        ag.ones(2, 3).diagonal(0, 1, 1)
    with pytest.raises(IndexError):
        ag.ones(3).diagonal()


def test_diagonal_gradient_is_scattered_back_onto_the_diagonal():
    x = ag.zeros(2, 3, 3, requires_grad=True)
    (ag.diagonal(x, offset=-1, dim1=-1, dim2=1) * ag.tensor([1.0, 2.0])).sum().backward()
    expected = np.zeros((2, 3, 3))
    expected[:, 0, 1], expected[:, 1, 2] = 1.0, 2.0  # x[b, j, i] with i = j + 1 along (dim1=-1, dim2=1)
    np.testing.assert_array_equal(x.grad.numpy(), expected)
