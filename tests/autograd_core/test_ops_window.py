"""The sliding-window primitive and its adjoint: ag.sliding_windows, Tensor.unfold, ag.unfold (im2col)
and ag.fold (col2im).  PyTorch's unfold/fold are compared in test_ops_vs_torch.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import strategies as S
from tests.helpers.op_factory import DEVICES, OpSpec, make_tests, to_host


# ---------------------------------------------------------------------------- references
def _windows_ref(x, kernel, stride, dilation):
    """(*lead, *spatial) -> (*lead, *kernel, *out) by fancy indexing: out[..., k, o] = x[..., o*s + k*d]."""
    n = len(kernel)
    spatial = x.shape[x.ndim - n :]
    outs = [(s - d * (k - 1) - 1) // step + 1 for s, k, step, d in zip(spatial, kernel, stride, dilation)]
    index = []
    for i, (k, o, step, d) in enumerate(zip(kernel, outs, stride, dilation)):
        shape = [1] * (2 * n)
        shape[i], shape[n + i] = k, o
        index.append((np.arange(k)[:, None] * d + np.arange(o)[None, :] * step).reshape(shape))
    return x[(Ellipsis,) + tuple(index)]


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _unfold_ref(x, kernel_size, dilation=1, padding=0, stride=1):
    batched = x.ndim == 4
    x = x if batched else x[None]
    p = _pair(padding)
    x = np.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    w = _windows_ref(x, _pair(kernel_size), _pair(stride), _pair(dilation))
    n, c, kh, kw, oh, ow = w.shape
    out = w.reshape(n, c * kh * kw, oh * ow)
    return out if batched else out[0]


def _fold_ref(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    batched = x.ndim == 3
    x = x if batched else x[None]
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(_pair, (kernel_size, dilation, padding, stride))
    h, w = _pair(output_size)
    oh, ow = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    n, ckk, _ = x.shape
    cols = x.reshape(n, ckk // (kh * kw), kh, kw, oh, ow)
    out = np.zeros((n, ckk // (kh * kw), h + 2 * ph, w + 2 * pw))
    for i in range(kh):
        for j in range(kw):
            for a in range(oh):
                for b in range(ow):
                    out[:, :, a * sh + i * dh, b * sw + j * dw] += cols[:, :, i, j, a, b]
    out = out[:, :, ph : ph + h, pw : pw + w]
    return out if batched else out[0]


def _tensor_unfold_ref(x, dimension, size, step):
    d = dimension % x.ndim
    v = np.lib.stride_tricks.sliding_window_view(x, size, axis=d)
    return np.take(v, np.arange(0, x.shape[d] - size + 1, step), axis=d)


# ---------------------------------------------------------------------------- cases
@st.composite
def _windows_case(draw):
    n = draw(st.integers(1, 2))
    lead = draw(S.shapes(max_dims=2, max_side=2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(n))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(n))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(n))
    spatial = tuple(draw(st.integers(d * (k - 1) + 1, d * (k - 1) + 3)) for k, d in zip(kernel, dilation))
    return (lead + spatial,), {"kernel": kernel, "stride": stride, "dilation": dilation}


@st.composite
def _conv_geometry(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    size = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), d * (k - 1) + 3)) for k, d, p in zip(kernel, dilation, padding)
    )
    as_int = draw(st.booleans()) and len({*kernel}) == len({*dilation}) == len({*padding}) == len({*stride}) == 1
    kw = {"kernel_size": kernel, "dilation": dilation, "padding": padding, "stride": stride}
    if as_int:
        kw = {k: v[0] for k, v in kw.items()}
    return size, kw


@st.composite
def _unfold_case(draw):
    size, kw = draw(_conv_geometry())
    c = draw(st.integers(1, 2))
    lead = (draw(st.integers(1, 2)), c) if draw(st.booleans()) else (c,)
    return (lead + size,), kw


@st.composite
def _fold_case(draw):
    size, kw = draw(_conv_geometry())
    (kh, kw_), (dh, dw), (ph, pw), (sh, sw) = map(_pair, (kw["kernel_size"], kw["dilation"], kw["padding"], kw["stride"]))
    oh = (size[0] + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (size[1] + 2 * pw - dw * (kw_ - 1) - 1) // sw + 1
    c = draw(st.integers(1, 2))
    shape = (c * kh * kw_, oh * ow)
    if draw(st.booleans()):
        shape = (draw(st.integers(1, 2)),) + shape
    return (shape,), {"output_size": size, **kw}


@st.composite
def _tensor_unfold_case(draw):
    shape = draw(S.shapes(min_dims=1, min_side=1))
    nd = len(shape)
    d = draw(st.integers(0, nd - 1))
    size = draw(st.integers(1, shape[d]))
    return (shape,), {"dimension": draw(st.sampled_from([d, d - nd])), "size": size, "step": draw(st.integers(1, 3))}


SPECS = [
    OpSpec("sliding_windows", lambda x, kernel, stride, dilation: ag.sliding_windows(x, kernel, stride, dilation),
           _windows_ref, case=_windows_case()),
    OpSpec("sliding_windows_sum", lambda x, **kw: ag.sliding_windows(x, kw["kernel"], kw["stride"], kw["dilation"]).sum(-1),
           lambda x, **kw: _windows_ref(x, **kw).sum(-1), case=_windows_case()),
    OpSpec("tensor_unfold", lambda x, **kw: x.unfold(**kw), _tensor_unfold_ref, case=_tensor_unfold_case(),
           torch=lambda torch, x, **kw: x.unfold(**kw)),
    OpSpec("unfold", ag.unfold, _unfold_ref, case=_unfold_case(),
           torch=lambda torch, x, **kw: torch.nn.functional.unfold(x, **kw)),
    OpSpec("fold", ag.fold, _fold_ref, case=_fold_case(),
           torch=lambda torch, x, **kw: torch.nn.functional.fold(x, **kw)),
]

test_forward, test_backward, test_double_backward = make_tests(SPECS)


# ---------------------------------------------------------------------------- explicit cases
@pytest.mark.parametrize("device", DEVICES)
def test_sliding_windows_layout_and_gradient_counts_overlaps(device):
    x = ag.tensor(np.arange(5.0), dtype=ag.float64, device=device, requires_grad=True)
    w = ag.sliding_windows(x, (3,), 1, 1)  # (kernel, out) = (3, 3)
    np.testing.assert_array_equal(to_host(w), [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]])
    w.sum().backward()
    np.testing.assert_array_equal(to_host(x.grad), [1.0, 2.0, 3.0, 2.0, 1.0])


@pytest.mark.parametrize("device", DEVICES)
def test_fold_of_unfold_multiplies_by_the_overlap_count(device):
    x = ag.tensor(np.ones((1, 1, 4, 4)), dtype=ag.float64, device=device)
    cols = ag.unfold(x, 2)
    assert cols.shape == (1, 4, 9)
    counts = ag.fold(cols, (4, 4), 2)
    np.testing.assert_array_equal(
        to_host(counts)[0, 0], [[1.0, 2.0, 2.0, 1.0], [2.0, 4.0, 4.0, 2.0], [2.0, 4.0, 4.0, 2.0], [1.0, 2.0, 2.0, 1.0]]
    )


@pytest.mark.parametrize("device", DEVICES)
def test_convolution_composed_from_unfold_matches_a_direct_sum(device):
    rng = np.random.default_rng(0)
    img, ker = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((4, 3, 2, 3))
    x = ag.tensor(img, device=device, requires_grad=True)
    w = ag.tensor(ker, device=device, requires_grad=True)
    out = (w.reshape(4, -1) @ ag.unfold(x, (2, 3), padding=1)).reshape(2, 4, 6, 4)
    padded = np.pad(img, [(0, 0), (0, 0), (1, 1), (1, 1)])
    direct = np.zeros((2, 4, 6, 4))
    for i in range(6):
        for j in range(4):
            direct[:, :, i, j] = np.einsum("nchw,ochw->no", padded[:, :, i : i + 2, j : j + 3], ker)
    np.testing.assert_allclose(to_host(out), direct, rtol=1e-12, atol=1e-12)
    assert ag.gradcheck(lambda a, b: (b.reshape(4, -1) @ ag.unfold(a, (2, 3), padding=1)).sum(), (x, w))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ag.sliding_windows(ag.ones(2, 3), (4,)), r"sliding_windows.*larger"),
        (lambda: ag.sliding_windows(ag.ones(3), (2,), stride=0), r"sliding_windows.*positive"),
        (lambda: ag.unfold(ag.ones(2, 3), 2), r"unfold.*3-D or 4-D"),
        (lambda: ag.fold(ag.ones(1, 5, 4), (3, 3), 2), r"fold"),
    ],
    ids=["too_big", "zero_stride", "unfold_2d", "fold_mismatch"],
)
def test_bad_window_calls_fail_at_the_call(call, match):
    with pytest.raises((RuntimeError, ValueError), match=match):
        call()
