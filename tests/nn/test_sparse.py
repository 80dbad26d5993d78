"""Embedding and one_hot without PyTorch: lookup, padding_idx, from_pretrained, max_norm, errors, devices."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from backends import DeviceError
from tests.helpers.op_factory import to_host
from tests.helpers.strict_backend import DEVICE as STRICT


def test_lookup_shapes_and_values():
    emb = nn.Embedding(10, 3)
    idx = ag.tensor([[1, 2, 4], [4, 3, 9]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(to_host(out), to_host(emb.weight.detach())[to_host(idx)])
    assert emb(ag.tensor(5)).shape == (3,)
    assert emb.weight.shape == (10, 3) and list(emb.state_dict()) == ["weight"]


def test_repeated_indices_accumulate_gradient():
    emb = nn.Embedding(4, 2).double()
    emb(ag.tensor([1, 1, 3, 1])).sum().backward()
    np.testing.assert_array_equal(to_host(emb.weight.grad), [[0, 0], [3, 3], [0, 0], [1, 1]])


def test_padding_idx_row_is_zero_and_gets_no_gradient():
    emb = nn.Embedding(5, 3, padding_idx=-2)
    assert emb.padding_idx == 3
    assert not to_host(emb.weight.detach())[3].any()
    out = emb(ag.tensor([[3, 0], [3, 3]]))
    (out * 2).sum().backward()
    g = to_host(emb.weight.grad)
    assert not g[3].any() and (g[0] == 2).all()


def test_gradcheck_through_embedding():
    w = ag.tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    idx = ag.tensor([[0, 4], [2, 2]])
    assert ag.gradcheck(lambda t: F.embedding(idx, t, padding_idx=1), (w,))  # row 1 unused: no cut gradient
    assert ag.gradgradcheck(lambda t: F.embedding(idx, t) ** 2, (w,))


def test_from_pretrained_freezes_by_default():
    pre = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    emb = nn.Embedding.from_pretrained(pre)
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(to_host(emb(ag.tensor([1]))), [[3.0, 4.0]])
    assert nn.Embedding.from_pretrained(pre, freeze=False).weight.requires_grad


def test_max_norm_renormalises_only_the_rows_used():
    ag.manual_seed(0)
    emb = nn.Embedding(6, 4, max_norm=1.0)
    with ag.no_grad():
        emb.weight.mul_(10.0)
    before = to_host(emb.weight.detach()).copy()
    emb(ag.tensor([0, 2]))
    after = to_host(emb.weight.detach())
    norms = np.linalg.norm(after, axis=1)
    assert norms[0] <= 1.0 + 1e-6 and norms[2] <= 1.0 + 1e-6
    np.testing.assert_array_equal(after[[1, 3, 4, 5]], before[[1, 3, 4, 5]])


def test_one_hot_values_dtype_and_errors():
    out = F.one_hot(ag.tensor([[0, 2], [1, 0]]), 3)
    assert out.dtype == np.int64 and out.shape == (2, 2, 3)
    np.testing.assert_array_equal(to_host(out), np.eye(3, dtype=np.int64)[[[0, 2], [1, 0]]])
    assert F.one_hot(ag.tensor([4])).shape == (1, 5)
    with pytest.raises(IndexError, match="index 3 is out of range for 3"):
        F.one_hot(ag.tensor([3]), 3)
    with pytest.raises(IndexError, match="index -1"):
        F.one_hot(ag.tensor([-1]), 3)
    with pytest.raises(TypeError, match="integer"):
        F.one_hot(ag.tensor([1.0]), 3)


def test_embedding_errors_are_clear():
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="embedding: index 4 is out of range for 4 rows"):
        emb(ag.tensor([4]))
    with pytest.raises(TypeError, match="indices must be an integer"):
        emb(ag.tensor([1.0]))
    with pytest.raises(ValueError, match="padding_idx 7 must be within num_embeddings"):
        nn.Embedding(4, 2, padding_idx=7)
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(4, 2, sparse=True)(ag.tensor([0]))


def test_embedding_and_one_hot_on_strict_device():
    emb = nn.Embedding(6, 3, padding_idx=0).double()
    ref = to_host(emb.weight.detach()).copy()
    emb.to(STRICT)
    idx = ag.tensor([[0, 5], [2, 5]], device=STRICT)
    out = emb(idx)
    out.sum().backward()
    assert str(out.device) == STRICT and str(emb.weight.grad.device) == STRICT
    np.testing.assert_array_equal(to_host(out), ref[[[0, 5], [2, 5]]])
    np.testing.assert_array_equal(to_host(emb.weight.grad)[:, 0], [0, 0, 1, 0, 0, 2])
    oh = F.one_hot(idx, 6)
    assert str(oh.device) == STRICT and to_host(oh).sum() == 4


@pytest.mark.cuda
def test_embedding_on_cuda_matches_cpu():
    try:
        ag.get_device("cuda")
    except DeviceError as exc:
        pytest.skip(f"no usable GPU: {exc}")
    emb = nn.Embedding(6, 3, padding_idx=1)
    ref = to_host(emb.weight.detach()).copy()
    emb.cuda()
    idx = ag.tensor([[1, 5], [2, 5]], device="cuda")
    out = emb(idx)
    out.sum().backward()
    np.testing.assert_array_equal(to_host(out), ref[[[1, 5], [2, 5]]])
    np.testing.assert_array_equal(to_host(emb.weight.grad)[:, 0], [0, 0, 1, 0, 0, 2])
