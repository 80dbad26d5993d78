"""The ``erf`` primitive (autograd_core/ops/special.py): forward against math.erf, gradients, every path.

The op factory runs forward / backward / double backward on cpu (SciPy's erf when
installed) and on the strict device (the pure-``xp`` series and continued fraction);
the fallback is also checked directly against ``math.erf`` over the whole real line.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.ops import special
from autograd_core.ops.special import erf
from tests.helpers import strategies as S
from tests.helpers.op_factory import OpSpec, make_tests, to_host
from tests.helpers.strict_backend import DEVICE

_math_erf = np.vectorize(math.erf, otypes=[np.float64])


def _ref(x):
    return _math_erf(x)


def _scaled(arrays, kwargs):
    return tuple(a * 2.0 for a in arrays)  # N(0, 4): both sides of the series / continued-fraction switch


SPECS = [OpSpec("erf", erf, _ref, S.same_shapes(1), domain=_scaled)]
test_forward, test_backward, test_double_backward = make_tests(SPECS)


def test_xp_fallback_matches_math_erf_to_a_few_ulps_everywhere():
    x = np.concatenate([np.linspace(-7, 7, 20001), np.geomspace(1e-300, 6, 400), -np.geomspace(1e-300, 6, 400),
                        [0.0, 2.5, -2.5, 2.5 - 1e-15, 40.0, np.inf, -np.inf]])
    got = special._erf_xp(np, x)
    expected = _math_erf(x)
    np.testing.assert_allclose(got, expected, rtol=4e-15, atol=4e-16)
    assert got[-1] == -1.0 and got[-2] == 1.0
    assert np.isnan(special._erf_xp(np, np.array([np.nan])))[0]


def test_strict_device_uses_the_fallback_and_agrees_with_cpu():
    x = np.linspace(-5, 5, 41)
    on_strict = erf(ag.tensor(x, device=DEVICE))
    np.testing.assert_allclose(to_host(on_strict), to_host(erf(ag.tensor(x))), rtol=4e-15, atol=4e-16)


def test_float32_stays_float32_and_integers_become_float():
    assert erf(ag.tensor([0.5], dtype=ag.float32)).dtype == np.float32
    out = erf(ag.tensor([0, 1]))
    assert out.dtype == ag.get_default_dtype()
    np.testing.assert_allclose(to_host(out), [0.0, math.erf(1.0)], rtol=1e-6)


def test_gradient_is_two_over_sqrt_pi_exp_minus_x_squared():
    x = ag.tensor([-1.5, 0.0, 0.3, 4.0], dtype=ag.float64, requires_grad=True)
    erf(x).sum().backward()
    xs = np.array([-1.5, 0.0, 0.3, 4.0])
    np.testing.assert_allclose(to_host(x.grad), 2 / np.sqrt(np.pi) * np.exp(-xs * xs), rtol=1e-14)


def test_rejects_non_tensors():
    with pytest.raises(TypeError, match="erf: expected a Tensor"):
        erf([1.0])


def test_matches_torch_erf():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(50) * 3
    np.testing.assert_allclose(to_host(erf(ag.tensor(x))), torch.erf(torch.tensor(x)).numpy(), rtol=1e-14,
                               atol=1e-16)
