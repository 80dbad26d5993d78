"""Einstein summation: ``einsum``, ``diag`` (a vector on a matrix diagonal, or the diagonal of a matrix)
and ``diagonal`` (the diagonal of any two dims).

``einsum`` first rewrites the equation in a plain form: every ``...`` becomes letters of its own, the
implicit output is spelled out, and an operand whose dim has size 1 where another operand's same letter
is larger is ``expand``-ed (a view whose backward sums the gradient back).  The one primitive, ``Einsum``,
then sees no ellipsis and no broadcasting.  Its gradient for operand k is an einsum of the output
gradient with the other operands, written to k's distinct letters; letters of k found nowhere else are
expanded back, and a letter repeated within k (a diagonal, ``'ii->i'``) has the gradient scattered onto
that diagonal by the indexing primitive.  Both are Tensor ops, so higher derivatives work.
"""

from __future__ import annotations

import operator
import string

from autograd_core.function import Primitive
from autograd_core.ops.index import Index, IndexBackward
from autograd_core.ops.shape import expand, permute, reshape
from autograd_core.tensor import Tensor, _check_dim

_LETTERS = string.ascii_letters
_VALID = set(_LETTERS) | {".", ",", "-", ">"}


class Einsum(Primitive):
    """``xp.einsum`` on an equation with explicit output, no ellipsis, and matching sizes per letter."""

    @staticmethod
    def forward(ctx, equation, *operands):
        if ctx._next:
            ctx.equation = equation
            ctx.save_for_backward(*operands)
        dev = operands[0]._dev
        arrays = [o._data for o in operands]
        # NumPy's optimize contracts pairwise with BLAS; older CuPy takes no `optimize`.
        kw = {"optimize": len(arrays) > 1} if dev.type != "cuda" else {}
        out = dev.xp.einsum(equation, *arrays, **kw)
        owner = dev.backend.memory_owner
        if out.ndim and any(owner(out) is owner(a) for a in arrays):  # a view ('ij->ji'): results own their memory
            out = out.copy()
        return out

    @staticmethod
    def backward(ctx, g):
        operands = ctx.saved_tensors
        lhs, out = ctx.equation.split("->")
        terms = lhs.split(",")
        grads = [None]
        for k, (sub, x) in enumerate(zip(terms, operands)):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            others = [i for i in range(len(terms)) if i != k]
            seen = set(out).union(*(terms[i] for i in others))
            uniq = "".join(dict.fromkeys(sub))  # k's letters, each once, in order of first appearance
            kept = "".join(c for c in uniq if c in seen)
            eq = ",".join([out] + [terms[i] for i in others]) + "->" + kept
            gk = Einsum.apply(eq, g, *(operands[i] for i in others))
            size = dict(zip(sub, x.shape))
            if kept != uniq:  # letters only k has were summed out: broadcast the gradient back over them
                gk = expand(reshape(gk, tuple(size[c] if c in kept else 1 for c in uniq)), tuple(size[c] for c in uniq))
            if uniq != sub:  # a repeated letter: the gradient lies on that diagonal, zero elsewhere
                xp = g._dev.xp  # position p of k reads the grid axis of its letter
                idx = tuple(xp.arange(size[c]).reshape(tuple(size[c] if u == c else 1 for u in uniq)) for c in sub)
                gk = IndexBackward.apply(gk, idx, False, x.shape)
            grads.append(gk)
        return tuple(grads)


def einsum(equation: str, *operands) -> Tensor:
    """Sums products of ``operands`` along the letters of ``equation``, as ``torch.einsum`` does.

    Explicit (``'ij,jk->ik'``) and implicit (``'ij,jk'``: the letters found once, sorted) outputs,
    ``...`` for broadcast leading dims, repeated letters (``'ii->i'`` a diagonal, ``'ii'`` the trace),
    and any number of operands, given one by one or as one list.  Operands must share a dtype.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.einsum import einsum
    >>> einsum("ij,j->i", ag.tensor([[1.0, 2.0], [3.0, 4.0]]), ag.tensor([1.0, 1.0]))
    tensor([3., 7.])
    >>> einsum("ii", ag.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(
            f"einsum: the equation must be a string such as 'ij,jk->ik', got {type(equation).__name__} "
            "(the sublist form einsum(x, [0, 1], ...) is not supported)"
        )
    where = f"einsum('{equation}')"
    for k, x in enumerate(operands):
        if not isinstance(x, Tensor):
            raise TypeError(f"{where}: operand {k} must be a Tensor, got {type(x).__name__}")
    terms, out, sizes = _parse(equation, operands, where)
    dtypes = {x._data.dtype for x in operands}
    if len(dtypes) > 1:
        raise RuntimeError(
            f"{where}: operands must have the same dtype, got "
            + ", ".join(f"{x.dtype} (operand {k})" for k, x in enumerate(operands))
            + "; convert with .to(dtype)"
        )
    ops = []
    for sub, x in zip(terms, operands):
        full = tuple(sizes[c] for c in sub)
        ops.append(x if x._data.shape == full else expand(x, full))
    return Einsum.apply(",".join(terms) + "->" + out, *ops)


def _parse(equation: str, operands, where: str):
    """The terms and output as plain letter strings (``...`` replaced), and each letter's size."""
    eq = equation.replace(" ", "")
    for i, c in enumerate(eq):
        if c not in _VALID:
            raise RuntimeError(f"{where}: invalid subscript {c!r} at index {i}; subscripts must be in [a-zA-Z]")
    lhs, arrow, out = eq.partition("->")
    if "-" in lhs + out or ">" in lhs + out or "," in out:
        raise RuntimeError(f"{where}: malformed equation; expected 'terms->output' with one '->'")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError(
            f"{where}: the equation has {len(terms)} operand term(s) but {len(operands)} operand(s) were given"
        )
    for t in terms + [out]:
        rest = t.replace("...", "", 1)
        if "." in rest:
            raise RuntimeError(f"{where}: '.' in {t!r} is not part of one '...' (each term takes at most one)")
    # Letters for the ellipsis dims: ones the equation does not use.
    spare = [c for c in _LETTERS if c not in eq]
    n_ell = 0
    for k, (t, x) in enumerate(zip(terms, operands)):
        n_letters, nd = len(t.replace("...", "")), x._data.ndim
        if ("..." in t and nd < n_letters) or ("..." not in t and nd != n_letters):
            raise RuntimeError(
                f"{where}: operand {k} has shape {tuple(x.shape)} ({nd} dims) but its subscripts {t!r} "
                f"name {n_letters} dims" + ("" if "..." in t else " and no '...' is given")
            )
        if "..." in t:
            n_ell = max(n_ell, nd - n_letters)
    if n_ell > len(spare):
        raise RuntimeError(f"{where}: '...' covers {n_ell} dims but only {len(spare)} letters are left for them")
    ell = "".join(spare[:n_ell])
    # An operand's '...' covers the last of those dims (broadcasting aligns them on the right).
    plain = [t.replace("...", ell[n_ell - (x._data.ndim - len(t.replace("...", ""))):]) for t, x in zip(terms, operands)]
    if arrow:  # explicit output; ellipsis dims it leaves out are summed
        out = out.replace("...", ell)
        for c in out:
            if out.count(c) > 1:
                raise RuntimeError(f"{where}: output subscript {c} appears more than once in the output")
            if c not in lhs and c not in ell:
                raise RuntimeError(f"{where}: output subscript {c} does not appear in any operand's subscripts")
    else:
        counts = "".join(plain)
        out = ell + "".join(sorted(c for c in set(counts) if c not in ell and counts.count(c) == 1))
    sizes = {}
    for k, (t, x) in enumerate(zip(plain, operands)):
        own = {}
        for c, n in zip(t, x._data.shape):
            if own.setdefault(c, n) != n:
                raise RuntimeError(
                    f"{where}: subscript {c} is repeated in operand {k} (shape {tuple(x.shape)}) "
                    f"with different sizes {own[c]} and {n}"
                )
            seen = sizes.get(c, 1)
            if n != 1 and seen != 1 and n != seen:
                name = "a dim covered by '...'" if c in ell else f"subscript {c}"
                raise RuntimeError(
                    f"{where}: {name} has size {n} in operand {k} (shape {tuple(x.shape)}), which does not "
                    f"broadcast with size {seen} from the operands before it"
                )
            if n != 1 or c not in sizes:
                sizes[c] = n
    return plain, out, sizes


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D ``input`` as the ``diagonal``-th diagonal of a square matrix (zeros elsewhere), or the
    ``diagonal``-th diagonal of a 2-D ``input`` as a 1-D tensor; above the main one if ``diagonal > 0``.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.einsum import diag
    >>> diag(ag.tensor([1.0, 2.0]), 1)
    tensor([[0., 1., 0.],
            [0., 0., 2.],
            [0., 0., 0.]])
    >>> diag(ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), -1)
    tensor([4.])
    """
    if isinstance(diagonal, bool) or not isinstance(diagonal, int):
        try:
            diagonal = operator.index(diagonal)
        except TypeError:
            raise TypeError(f"diag(): argument 'diagonal' must be int, not {type(diagonal).__name__}") from None
    shape, xp = input._data.shape, input._dev.xp
    if len(shape) not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {len(shape)}D (shape {tuple(shape)})")
    up, down = max(diagonal, 0), max(-diagonal, 0)  # the diagonal starts at (down, up)
    n = shape[0] if len(shape) == 1 else max(0, min(shape[0] - down, shape[1] - up))
    idx = (xp.arange(n) + down, xp.arange(n) + up)
    # Index and its backward, the scatter: each reads or writes the diagonal's distinct positions,
    # so the plain (``basic``) read and assignment are exact.
    if len(shape) == 1:
        side = n + abs(diagonal)
        return IndexBackward.apply(input, idx, True, (side, side))
    return Index.apply(input, idx, True)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset``-th diagonal of the matrices spanned by ``dim1`` and ``dim2``: those two dims are
    removed and the diagonal is appended as the last dim (above the main one if ``offset > 0``).
    PyTorch returns a view; this is a copy, whose gradient is scattered back onto the diagonal.

    >>> import autograd_core as ag
    >>> ag.diagonal(ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), 1)
    tensor([2., 6.])
    >>> ag.arange(8).reshape(2, 2, 2).diagonal(dim1=1, dim2=2)
    tensor([[0, 3],
            [4, 7]])
    """
    if isinstance(offset, bool) or not isinstance(offset, int):
        try:
            offset = operator.index(offset)
        except TypeError:
            raise TypeError(f"diagonal(): argument 'offset' must be int, not {type(offset).__name__}") from None
    shape = input._data.shape
    d1, d2 = _check_dim("diagonal", dim1, len(shape)), _check_dim("diagonal", dim2, len(shape))
    if len(shape) < 2:  # (a 0-d or 1-D input fails above unless both dims name its only one)
        raise RuntimeError(f"diagonal(): needs at least 2 dims, got shape {tuple(shape)}")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    order = tuple(i for i in range(len(shape)) if i not in (d1, d2)) + (d1, d2)
    if order != tuple(range(len(shape))):
        input = permute(input, order)
    up, down = max(offset, 0), max(-offset, 0)  # the diagonal starts at (down, up)
    n = max(0, min(shape[d1] - down, shape[d2] - up))
    xp = input._dev.xp
    # The diagonal's positions are distinct, so the plain (``basic``) read and scatter are exact.
    return Index.apply(input, (Ellipsis, xp.arange(n) + down, xp.arange(n) + up), True)
