"""Movement ops: reshape/view, flatten, transpose, permute, squeeze, expand, repeat, flip, roll, cat,
stack, split, chunk, unbind, narrow, pad; tril and triu.  Each is checked against NumPy on hypothesis shapes (size-0 and
size-1 axes, negative dims), differentiated in float64, and run on the strict device."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops.shape import roll, tril, triu
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, make_tests, to_host

# kwargs strategies receive the tuple of input shapes; most ops here have one input.


def _one(fn):
    return lambda shapes: fn(shapes[0])


# ---------------------------------------------------------------------------- references
def _squeeze_ref(x, dim=None):
    axes = S.normalise_dims(dim, x.ndim)
    return x.reshape(tuple(s for i, s in enumerate(x.shape) if not (i in axes and s == 1)))


def _flatten_ref(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return x.reshape(1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (-1 if x.size == 0 and 0 not in x.shape[:s] + x.shape[e + 1 :] else
                                    int(np.prod(x.shape[s : e + 1])),) + x.shape[e + 1 :])


def _unflatten_ref(x, dim, sizes):
    d = dim % x.ndim
    return x.reshape(x.shape[:d] + tuple(sizes) + x.shape[d + 1 :])


def _expand_ref(x, sizes):
    lead = len(sizes) - x.ndim
    full = tuple(x.shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(sizes))
    return np.broadcast_to(x, full)


def _split_ref(x, split_size_or_sections, dim=0):
    d = dim % x.ndim
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        sizes = [min(split_size_or_sections, n - s) for s in range(0, n, split_size_or_sections)] or [0]
    else:
        sizes = list(split_size_or_sections)
    bounds = np.cumsum([0] + sizes)
    return tuple(np.take(x, np.arange(a, b), axis=d) for a, b in zip(bounds[:-1], bounds[1:]))


def _chunk_ref(x, chunks, dim=0):
    n = x.shape[dim % x.ndim]
    if n == 0:  # PyTorch: an empty dim gives `chunks` empty pieces
        return (x,) * chunks
    return _split_ref(x, math.ceil(n / chunks), dim)


def _narrow_ref(x, dim, start, length):
    d = dim % x.ndim
    start = start % x.shape[d] if start < 0 else start
    return np.take(x, np.arange(start, start + length), axis=d)


def _pad_ref(x, pad, value=0.0):
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    crop = tuple(slice(max(-lo, 0), x.shape[k] - max(-hi, 0)) for k, (lo, hi) in enumerate(widths))
    return np.pad(x[crop], [(max(lo, 0), max(hi, 0)) for lo, hi in widths], constant_values=value)


# ---------------------------------------------------------------------------- kwargs strategies
@st.composite
def _reshape_case(draw):
    shape = draw(S.shapes())
    return (shape,), {"shape": draw(S.reshape_of(shape))}


@st.composite
def _flatten_kwargs(draw, shape):
    nd = len(shape)
    if nd == 0:
        return draw(st.sampled_from([{}, {"start_dim": 0, "end_dim": -1}]))
    s = draw(st.integers(0, nd - 1))
    e = draw(st.integers(s, nd - 1))
    return {"start_dim": draw(st.sampled_from([s, s - nd])), "end_dim": draw(st.sampled_from([e, e - nd]))}


@st.composite
def _unflatten_case(draw):
    shape = draw(S.shapes(min_dims=1, min_side=1))
    d = draw(st.integers(0, len(shape) - 1))
    sizes = list(draw(S.reshape_of((shape[d],))))
    if not sizes:
        sizes = [1]
    return (shape,), {"dim": draw(st.sampled_from([d, d - len(shape)])), "sizes": tuple(sizes)}


def _two_dims(shape):
    nd = len(shape)
    return st.fixed_dictionaries({"dim0": S.dim(nd), "dim1": S.dim(nd)})


@st.composite
def _permute_kwargs(draw, shape):
    nd = len(shape)
    order = draw(st.permutations(range(nd)))
    return {"dims": tuple(draw(st.sampled_from([d, d - nd])) for d in order)}


@st.composite
def _squeeze_case(draw):
    shape = draw(S.shapes(max_dims=4, max_side=3).map(lambda s: tuple(1 if v == 2 else v for v in s)))
    return (shape,), draw(st.one_of(st.just({}), st.fixed_dictionaries({"dim": S.dims(len(shape), allow_none=False)})))


def _unsqueeze_kwargs(shape):
    nd = len(shape)
    return st.fixed_dictionaries({"dim": st.integers(-nd - 1, nd)})


@st.composite
def _expand_case(draw):
    shape = draw(S.shapes(max_side=3).map(lambda s: tuple(1 if v == 2 else v for v in s)))
    lead = draw(st.lists(st.integers(0, 3), max_size=2))
    sizes = [draw(st.sampled_from([-1, 0, 1, 3, 4])) if s == 1 else draw(st.sampled_from([-1, s])) for s in shape]
    return (shape,), {"sizes": tuple(lead + sizes)}


def _repeat_kwargs(shape):
    return st.integers(0, 2).flatmap(
        lambda extra: st.tuples(*[st.integers(0, 3) for _ in range(len(shape) + extra)])
    ).filter(lambda reps: len(reps) > 0).map(lambda reps: {"sizes": reps})


def _flip_kwargs(shape):
    return st.fixed_dictionaries({"dims": S.dims(len(shape), allow_none=False)})


@st.composite
def _cat_case(draw):
    base = list(draw(S.shapes(min_dims=1)))
    nd = len(base)
    d = draw(st.integers(0, nd - 1))
    k = draw(st.integers(1, 3))
    shapes = []
    for _ in range(k):
        s = list(base)
        s[d] = draw(st.integers(0, 3))
        shapes.append(tuple(s))
    return tuple(shapes), {"dim": draw(st.sampled_from([d, d - nd]))}


@st.composite
def _stack_case(draw):
    shape = draw(S.shapes())
    k = draw(st.integers(1, 3))
    nd = len(shape)
    return (shape,) * k, {"dim": draw(st.integers(-nd - 1, nd))}


@st.composite
def _split_case(draw):
    shape = draw(S.shapes(min_dims=1))
    nd = len(shape)
    d = draw(st.integers(0, nd - 1))
    n = shape[d]
    if draw(st.booleans()):
        how = draw(st.integers(1, 4))
    else:
        cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
        bounds = [0] + cuts + [n]
        how = [b - a for a, b in zip(bounds[:-1], bounds[1:])]
    return (shape,), {"split_size_or_sections": how, "dim": draw(st.sampled_from([d, d - nd]))}


def _chunk_kwargs(shape):
    nd = len(shape)
    return st.fixed_dictionaries({"chunks": st.integers(1, 5), "dim": S.dim(nd)})


@st.composite
def _narrow_case(draw):
    shape = draw(S.shapes(min_dims=1, min_side=1))
    nd = len(shape)
    d = draw(st.integers(0, nd - 1))
    start = draw(st.integers(0, shape[d]))
    length = draw(st.one_of(st.just(shape[d] - start), st.integers(0, shape[d] - start)))  # up to the end, often
    if start < shape[d] and draw(st.booleans()):
        start -= shape[d]  # PyTorch: a negative start counts from the end
    return (shape,), {"dim": draw(st.sampled_from([d, d - nd])), "start": start, "length": length}


@st.composite
def _pad_case(draw):
    shape = draw(S.shapes(min_dims=1))
    k = draw(st.integers(1, len(shape)))
    pad = []
    for i in range(k):
        size = shape[len(shape) - 1 - i]
        pad += [draw(st.integers(-(size // 2), 2)), draw(st.integers(-(size // 2), 2))]
    return (shape,), {"pad": tuple(pad), "value": draw(st.sampled_from([0.0, 1.5]))}


@st.composite
def _roll_case(draw):
    shape = draw(S.shapes())
    nd = len(shape)
    shift = st.integers(-5, 5)
    if nd == 0 or draw(st.booleans()):  # dims=None: the flattened tensor rolls by one shift
        return (shape,), {"shifts": draw(st.one_of(shift, st.tuples(shift))), "dims": None}
    dims = draw(st.lists(S.dim(nd), min_size=1, max_size=3))  # negative and repeated dims too
    shifts = [draw(shift) for _ in dims]
    if len(dims) == 1 and draw(st.booleans()):
        return (shape,), {"shifts": shifts[0], "dims": dims[0]}
    return (shape,), {"shifts": tuple(shifts), "dims": tuple(dims)}


def _diagonal_kwargs(shapes):
    return st.fixed_dictionaries({"diagonal": st.integers(-4, 4)})


SPECS = [
    OpSpec("reshape", lambda x, shape: x.reshape(shape), lambda x, shape: x.reshape(shape), case=_reshape_case(),
           torch=lambda torch, x, shape: x.reshape(shape)),
    OpSpec("reshape_varargs", lambda x, shape: ag.reshape(x, *shape), lambda x, shape: x.reshape(shape),
           case=_reshape_case(), torch=lambda torch, x, shape: torch.reshape(x, shape)),
    OpSpec("view", lambda x, shape: x.view(*shape), lambda x, shape: x.reshape(shape), case=_reshape_case(),
           torch=lambda torch, x, shape: x.reshape(shape)),
    OpSpec("flatten", ag.flatten, _flatten_ref, S.same_shapes(1), kwargs=_one(_flatten_kwargs),
           torch=lambda torch, x, **kw: torch.flatten(x, **kw)),
    OpSpec("unflatten", ag.unflatten, _unflatten_ref, case=_unflatten_case(),
           torch=lambda torch, x, dim, sizes: torch.unflatten(x, dim, sizes)),
    OpSpec("transpose", ag.transpose, lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1), S.same_shapes(1, min_dims=1),
           kwargs=_one(_two_dims), torch=lambda torch, x, **kw: torch.transpose(x, **kw)),
    OpSpec("permute", lambda x, dims: x.permute(*dims), lambda x, dims: np.transpose(x, dims), S.same_shapes(1),
           kwargs=_one(_permute_kwargs), torch=lambda torch, x, dims: x.permute(dims)),
    OpSpec("T", lambda x: x.T, lambda x: x.T, S.same_shapes(1, max_dims=2),
           torch=lambda torch, x: x.permute(tuple(reversed(range(x.ndim))))),
    OpSpec("mT", lambda x: x.mT, lambda x: np.swapaxes(x, -1, -2), S.same_shapes(1, min_dims=2),
           torch=lambda torch, x: x.mT),
    OpSpec("t", lambda x: x.t(), lambda x: x.T, S.same_shapes(1, max_dims=2), torch=lambda torch, x: x.t()),
    OpSpec("squeeze", ag.squeeze, _squeeze_ref, case=_squeeze_case(), torch=lambda torch, x, **kw: torch.squeeze(x, **kw)),
    OpSpec("unsqueeze", ag.unsqueeze, lambda x, dim: np.expand_dims(x, dim), S.same_shapes(1),
           kwargs=_one(_unsqueeze_kwargs), torch=lambda torch, x, dim: torch.unsqueeze(x, dim)),
    OpSpec("expand", lambda x, sizes: x.expand(*sizes), _expand_ref, case=_expand_case(),
           torch=lambda torch, x, sizes: x.expand(sizes)),
    OpSpec("broadcast_to", lambda x, sizes: ag.broadcast_to(x, sizes), _expand_ref, case=_expand_case(),
           torch=lambda torch, x, sizes: torch.broadcast_to(x, sizes)),
    OpSpec("repeat", lambda x, sizes: x.repeat(*sizes), lambda x, sizes: np.tile(x, sizes), S.same_shapes(1, max_side=3),
           kwargs=_one(_repeat_kwargs), torch=lambda torch, x, sizes: x.repeat(*sizes)),
    OpSpec("flip", ag.flip, lambda x, dims: np.flip(x, S.normalise_dims(dims, x.ndim)), S.same_shapes(1, min_dims=1),
           kwargs=_one(_flip_kwargs),
           torch=lambda torch, x, dims: torch.flip(x, dims if isinstance(dims, tuple) else (dims,))),
    OpSpec("roll", roll, lambda x, shifts, dims: np.roll(x, shifts, dims), case=_roll_case(),
           torch=lambda torch, x, shifts, dims: torch.roll(x, shifts, dims)),
    OpSpec("tril", tril, lambda x, diagonal: np.tril(x, diagonal), S.same_shapes(1, min_dims=2), kwargs=_diagonal_kwargs,
           torch=lambda torch, x, diagonal: torch.tril(x, diagonal)),
    OpSpec("triu", triu, lambda x, diagonal: np.triu(x, diagonal), S.same_shapes(1, min_dims=2), kwargs=_diagonal_kwargs,
           torch=lambda torch, x, diagonal: torch.triu(x, diagonal)),
    OpSpec("cat", lambda *xs, dim: ag.cat(xs, dim), lambda *xs, dim: np.concatenate(xs, dim), case=_cat_case(),
           torch=lambda torch, *xs, dim: torch.cat(xs, dim)),
    OpSpec("stack", lambda *xs, dim: ag.stack(xs, dim), lambda *xs, dim: np.stack(xs, dim), case=_stack_case(),
           torch=lambda torch, *xs, dim: torch.stack(xs, dim)),
    OpSpec("split", ag.split, _split_ref, case=_split_case(),
           torch=lambda torch, x, **kw: torch.split(x, **kw)),
    OpSpec("chunk", ag.chunk, _chunk_ref, S.same_shapes(1, min_dims=1), kwargs=_one(_chunk_kwargs),
           torch=lambda torch, x, **kw: torch.chunk(x, **kw)),
    OpSpec("unbind", ag.unbind, lambda x, dim: tuple(np.moveaxis(x, dim, 0)), S.same_shapes(1, min_dims=1, min_side=1),
           kwargs=_one(lambda s: st.fixed_dictionaries({"dim": S.dim(len(s))})),
           torch=lambda torch, x, dim: torch.unbind(x, dim)),
    OpSpec("narrow", ag.narrow, _narrow_ref, case=_narrow_case(),
           torch=lambda torch, x, **kw: torch.narrow(x, **kw)),
    OpSpec("pad", ag.pad, _pad_ref, case=_pad_case(),
           torch=lambda torch, x, pad, value: torch.nn.functional.pad(x, pad, value=value)),
    OpSpec("clone", ag.clone, np.copy, S.same_shapes(1), torch=lambda torch, x: torch.clone(x)),
    OpSpec("contiguous", lambda x: x.contiguous(), np.copy, S.same_shapes(1), torch=lambda torch, x: x.contiguous()),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)


# ---------------------------------------------------------------------------- explicit cases
@pytest.mark.parametrize("device", DEVICES)
def test_split_pieces_get_their_own_gradients(device):
    x = ag.tensor(np.arange(10.0), dtype=ag.float64, device=device, requires_grad=True)
    a, b, c = ag.split(x, [2, 5, 3])
    (a.sum() + 2 * b.sum() + 3 * c.sum()).backward()
    np.testing.assert_array_equal(to_host(x.grad), [1, 1, 2, 2, 2, 2, 2, 3, 3, 3])


@pytest.mark.parametrize("device", DEVICES)
def test_expand_gradient_sums_over_broadcast_dims(device):
    x = ag.tensor([[1.0], [2.0]], dtype=ag.float64, device=device, requires_grad=True)
    y = x.expand(3, 2, 4)
    assert y.shape == (3, 2, 4)
    y.sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [[12.0], [12.0]])


@pytest.mark.parametrize("device", DEVICES)
def test_pad_negative_widths_crop(device):
    x = ag.tensor(np.arange(12.0).reshape(3, 4), dtype=ag.float64, device=device, requires_grad=True)
    y = ag.pad(x, (-1, 2, 1, -2), value=-1.0)  # last dim: crop 1 left, pad 2 right; dim 0: pad 1 top, crop 2
    expected = np.full((2, 5), -1.0)
    expected[1, :3] = [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(to_host(y), expected)
    y.sum().backward()
    grad = np.zeros((3, 4))
    grad[0, 1:] = 1.0
    np.testing.assert_array_equal(to_host(x.grad), grad)


@pytest.mark.parametrize("device", DEVICES)
def test_narrow_with_negative_start_counts_from_the_end(device):
    x = ag.tensor(np.arange(5.0), device=device)
    np.testing.assert_array_equal(to_host(ag.narrow(x, 0, -2, 2)), [3.0, 4.0])  # as torch.narrow


@pytest.mark.parametrize("device", DEVICES)
def test_squeeze_ignores_dims_that_are_not_size_1(device):
    x = ag.zeros(1, 3, 1, device=device)
    assert ag.squeeze(x, 1).shape == (1, 3, 1)
    assert ag.squeeze(x, (0, 1)).shape == (3, 1)
    assert x.squeeze().shape == (3,)


@pytest.mark.parametrize("device", DEVICES)
def test_cat_promotes_dtypes_and_skips_legacy_empty_1d_tensors(device):
    a = ag.ones(2, 2, dtype=ag.float32, device=device)
    b = ag.ones(1, 2, dtype=ag.float64, device=device)
    assert ag.cat([a, b]).dtype == ag.float64
    assert ag.cat([a, ag.zeros(0, device=device)]).shape == (2, 2)  # PyTorch allows a (0,) tensor anywhere


@pytest.mark.parametrize("device", DEVICES)
def test_cat_gives_every_input_a_gradient_even_legacy_empty_ones(device):
    # PyTorch skips (0,) tensors in the forward but still hands them an (empty) gradient.
    a = ag.zeros(0, dtype=ag.float64, device=device, requires_grad=True)
    b = ag.zeros(0, dtype=ag.float64, device=device, requires_grad=True)
    ag.cat([a, b]).sum().backward()
    assert a.grad is not None and b.grad is not None and a.grad.shape == b.grad.shape == (0,)
    c = ag.ones(2, 2, dtype=ag.float64, device=device, requires_grad=True)
    d = ag.zeros(0, dtype=ag.float64, device=device, requires_grad=True)
    ag.cat([c, d]).sum().backward()
    assert d.grad is not None and d.grad.shape == (0,)
    np.testing.assert_array_equal(to_host(c.grad), np.ones((2, 2)))


@pytest.mark.parametrize("device", DEVICES)
def test_chunk_of_an_empty_dim_gives_chunks_empty_pieces(device):
    pieces = ag.chunk(ag.zeros(0, 3, device=device), 3)  # as torch.chunk
    assert [p.shape for p in pieces] == [(0, 3)] * 3
    assert [p.shape for p in ag.chunk(ag.zeros(5, device=device), 4)] == [(2,), (2,), (1,)]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x: x.reshape(5, -1), r"reshape.*\(5, -1\).*6"),
        (lambda x: x.permute(0, 0), "permute"),
        (lambda x: x.expand(3, 4), r"expand.*3"),
        (lambda x: ag.cat([x, ag.ones(3, 3)], 1), r"cat.*\(2, 3\).*\(3, 3\)"),
        (lambda x: ag.stack([x, ag.ones(3, 2)]), r"stack.*\(2, 3\).*\(3, 2\)"),
        (lambda x: x.transpose(0, 2), r"transpose.*dim 2"),
        (lambda x: ag.split(x, [1, 1], 1), "split"),
        (lambda x: roll(x, (1, 2)), r"roll: without dims, shifts must be one int .* got 2 shifts"),
        (lambda x: roll(x, (1, 1), 1), r"roll: shifts and dims must align, got 2 shifts and 1 dims"),
        (lambda x: roll(x, (), ()), r"roll: shifts and dims must align, got 0 shifts"),
        (lambda x: roll(x, 1, 2), r"roll: dim 2 is out of range"),
        (lambda x: roll(x[0, 0], 1, 0), r"roll: dims \(0,\) given but the tensor is 0-d"),
        (lambda x: tril(x[0]), r"tril: input must have at least 2 dims .* got shape \(3,\)"),
        (lambda x: triu(x[0, 0]), r"triu: input must have at least 2 dims"),
    ],
    ids=["reshape", "permute", "expand", "cat", "stack", "transpose", "split", "roll_no_dims", "roll_align",
         "roll_empty", "roll_dim", "roll_0d", "tril_1d", "triu_0d"],
)
def test_bad_shape_calls_fail_at_the_call_naming_the_op(call, match):
    x = ag.ones(2, 3)
    with pytest.raises((RuntimeError, ValueError, IndexError), match=match):
        call(x)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x: roll(x, 1.5), r"roll: shifts must be an int or a tuple of ints, got 1.5"),
        (lambda x: roll(x, 1, dims=(0.0,)), r"roll: dims must be an int or a tuple of ints"),
        (lambda x: tril(x, 0.5), r"tril: diagonal must be an int, got 0.5"),
    ],
    ids=["roll_float_shift", "roll_float_dim", "tril_float_diagonal"],
)
def test_non_integer_arguments_are_type_errors(call, match):
    with pytest.raises(TypeError, match=match):
        call(ag.ones(2, 3))


@pytest.mark.parametrize("device", DEVICES)
def test_roll_gradient_rolls_back(device):
    x = ag.tensor(np.arange(6.0).reshape(2, 3), dtype=ag.float64, device=device, requires_grad=True)
    w = ag.tensor(np.arange(6.0).reshape(2, 3) * 10, dtype=ag.float64, device=device)
    (roll(x, (1, -1), (0, -1)) * w).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), np.roll(np.arange(6.0).reshape(2, 3) * 10, (-1, 1), (0, 1)))
    x.grad = None
    (roll(x, 4) * w).sum().backward()  # flattened: 4 places along the 6 elements
    np.testing.assert_array_equal(to_host(x.grad), np.roll(np.arange(6.0) * 10, -4).reshape(2, 3))


@pytest.mark.parametrize("device", DEVICES)
def test_roll_of_0d_and_empty_tensors(device):
    assert to_host(roll(ag.tensor(3.0, device=device), 1)) == 3.0
    assert roll(ag.zeros(0, 3, device=device), 1, 0).shape == (0, 3)
    assert roll(ag.zeros(0, 3, device=device), 2).shape == (0, 3)


@pytest.mark.parametrize("device", DEVICES)
def test_tril_and_triu_are_batched_keep_the_dtype_and_mask_the_gradient(device):
    torch = pytest.importorskip("torch")
    data = np.arange(24.0).reshape(2, 3, 4)
    for diagonal in (-4, -1, 0, 2, 5):
        for ours, theirs in ((tril, torch.tril), (triu, torch.triu)):
            np.testing.assert_array_equal(to_host(ours(ag.tensor(data, device=device), diagonal)),
                                          theirs(torch.tensor(data), diagonal).numpy())
    for dtype in (ag.int64, ag.bool):
        out = triu(ag.ones(3, 3, dtype=dtype, device=device))
        assert out.dtype == dtype and to_host(out).tolist() == np.triu(np.ones((3, 3), dtype=dtype)).tolist()
    assert tril(ag.zeros(2, 0, 3, device=device)).shape == (2, 0, 3)
    x = ag.tensor(data, dtype=ag.float64, device=device, requires_grad=True)
    tril(x, -1).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), np.tril(np.ones((2, 3, 4)), -1))


@pytest.mark.parametrize("device", DEVICES)
def test_views_of_a_leaf_accumulate_into_one_gradient(device):
    x = ag.tensor(np.arange(6.0).reshape(2, 3), dtype=ag.float64, device=device, requires_grad=True)
    (x.T * 2).sum().backward()
    (x.reshape(3, 2)[0] * 3).sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [[5.0, 5.0, 2.0], [2.0, 2.0, 2.0]])


@pytest.mark.parametrize("join", [ag.cat, ag.stack], ids=["cat", "stack"])
def test_cat_and_stack_of_one_tensor_make_a_new_tensor(join):
    x = ag.tensor([1.0, 2.0])
    y = join([x])
    y.add_(10.0)
    assert x.tolist() == [1.0, 2.0]  # never an alias of the input, as in PyTorch


def test_pad_points_other_modes_to_nn_functional_pad():
    with pytest.raises(ValueError, match=r"nn.functional.pad\(input, pad, mode='reflect'\)"):
        ag.pad(ag.ones(1, 3), (1, 1), mode="reflect")
