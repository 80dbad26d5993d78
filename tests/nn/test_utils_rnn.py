"""nn.utils.rnn.pad_sequence / unpad_sequence: values and gradients against PyTorch, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn.utils.rnn import pad_sequence, unpad_sequence
from tests.helpers.op_factory import to_host


@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True, padding_value=-1.0),
                                dict(batch_first=True, padding_side="left")], ids=str)
def test_pad_sequence_matches_torch(kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((n, 3)) for n in (4, 2, 5)]
    ours = [ag.tensor(x, requires_grad=True) for x in xs]
    theirs = [torch.tensor(x, requires_grad=True) for x in xs]
    yo, yt = pad_sequence(ours, **kw), torch.nn.utils.rnn.pad_sequence(theirs, **kw)
    np.testing.assert_array_equal(to_host(yo), yt.detach().numpy())
    g = rng.standard_normal(yo.shape)
    yo.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(to_host(o.grad), t.grad.numpy())


def test_pad_sequence_integers_round_trip_and_errors():
    seqs = [ag.tensor([1, 2, 3]), ag.tensor([4, 5]), ag.tensor([6])]
    padded = pad_sequence(seqs, batch_first=True)
    assert padded.dtype == np.int64 and to_host(padded).tolist() == [[1, 2, 3], [4, 5, 0], [6, 0, 0]]
    assert [to_host(s).tolist() for s in unpad_sequence(padded, ag.tensor([3, 2, 1]), batch_first=True)] == [
        [1, 2, 3], [4, 5], [6]]
    assert nn.utils.rnn.pad_sequence is pad_sequence
    with pytest.raises(RuntimeError, match="trailing dims"):
        pad_sequence([ag.zeros(2, 3), ag.zeros(2, 4)])
    with pytest.raises(ValueError, match="padding_side"):
        pad_sequence(seqs, padding_side="middle")
