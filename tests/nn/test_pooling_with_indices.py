"""F.max_poolNd_with_indices and F.adaptive_max_poolNd_with_indices: PyTorch's always-tuple forms."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn.functional as F
from tests.helpers.op_factory import to_host

CASES = [
    ("max_pool1d_with_indices", (2, 3, 9), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("max_pool2d_with_indices", (2, 3, 7, 6), {"kernel_size": (3, 2), "stride": 2, "dilation": (1, 2)}),
    ("max_pool3d_with_indices", (1, 2, 5, 4, 6), {"kernel_size": 2, "ceil_mode": True}),
    ("adaptive_max_pool1d_with_indices", (2, 3, 9), {"output_size": 4}),
    ("adaptive_max_pool2d_with_indices", (2, 3, 7, 6), {"output_size": (3, 4)}),
    ("adaptive_max_pool3d_with_indices", (1, 2, 5, 4, 6), {"output_size": 2}),
]


@pytest.mark.parametrize("name,shape,kwargs", CASES, ids=[c[0] for c in CASES])
def test_with_indices_matches_torch_and_ignores_return_indices(name, shape, kwargs):
    torch = pytest.importorskip("torch")
    x_host = np.random.default_rng(0).standard_normal(shape)
    x = ag.tensor(x_host, requires_grad=True)
    out, idx = getattr(F, name)(x, **kwargs)
    xt = torch.tensor(x_host, requires_grad=True)
    out_t, idx_t = getattr(torch.nn.functional, name)(xt, **kwargs)
    np.testing.assert_array_equal(to_host(out.detach()), out_t.detach().numpy())
    np.testing.assert_array_equal(to_host(idx), idx_t.numpy())
    upstream = np.random.default_rng(1).standard_normal(tuple(out.shape))
    out.backward(ag.tensor(upstream))
    out_t.backward(torch.tensor(upstream))
    np.testing.assert_allclose(to_host(x.grad), xt.grad.numpy(), rtol=1e-12)
    again = getattr(F, name)(x, **kwargs, return_indices=False)
    assert isinstance(again, tuple) and len(again) == 2
