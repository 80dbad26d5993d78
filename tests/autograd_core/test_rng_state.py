"""Saving and restoring random number generator states: ``ag.get_rng_state`` / ``set_rng_state``,
``Generator.get_state`` / ``set_state`` and ``ag.cuda.get_rng_state`` / ``set_rng_state``, as in PyTorch
(the state's bytes are ours: a JSON header naming the bit generator, not PyTorch's Mersenne Twister)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import autograd_core as ag
from backends import DeviceError, get_device

DRAWS = {
    "rand": lambda g=None, d="cpu": ag.rand(5, generator=g, device=d),
    "randn": lambda g=None, d="cpu": ag.randn(2, 3, generator=g, device=d),
    "randint": lambda g=None, d="cpu": ag.randint(0, 100, (6,), generator=g, device=d),
    "randperm": lambda g=None, d="cpu": ag.randperm(7, generator=g, device=d),
    "normal": lambda g=None, d="cpu": ag.normal(0.0, 2.0, (4,), generator=g, device=d),
    "bernoulli": lambda g=None, d="cpu": ag.bernoulli(ag.full((6,), 0.5, device=d), generator=g),
    "multinomial": lambda g=None, d="cpu": ag.multinomial(ag.ones(5, device=d), 3, generator=g),
}


def _host(t):
    return t.cpu().numpy()


@pytest.mark.parametrize("name", DRAWS)
def test_restoring_the_state_repeats_the_draws(name):
    draw = DRAWS[name]
    state = ag.get_rng_state()
    first = [_host(draw()) for _ in range(3)]
    ag.set_rng_state(state)
    again = [_host(draw()) for _ in range(3)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_the_pattern_in_pytorch_code_works_the_same():
    torch = pytest.importorskip("torch")
    for lib in (torch, ag):
        s = lib.get_rng_state()
        a = lib.randn(3)
        lib.set_rng_state(s)
        b = lib.randn(3)
        assert a.tolist() == b.tolist()
        assert s.dtype == lib.uint8 and s.ndim == 1 and str(s.device) == "cpu"


def test_the_state_is_a_uint8_copy_holding_json_that_names_the_bit_generator():
    ag.manual_seed(3)
    s = ag.get_rng_state()
    assert s.dtype == ag.uint8 and s.ndim == 1 and s.device == "cpu" and not s.requires_grad
    header, newline, payload = bytes(s.numpy()).partition(b"\n")
    state = json.loads(header)
    assert newline == b"\n" and payload == b""
    assert state["bit_generator"] == "PCG64" and set(state) >= {"state", "has_uint32", "uinteger"}
    ag.randn(10)
    assert ag.get_rng_state().tolist() != s.tolist()  # the generator moved on, the saved copy did not
    s2 = ag.get_rng_state()
    clean = s2.clone()
    ag.set_rng_state(s2)
    s2[:5] = 0  # modifying the tensor afterwards changes nothing
    a = _host(ag.randn(3))
    ag.set_rng_state(clean)
    np.testing.assert_array_equal(_host(ag.randn(3)), a)


def test_a_saved_state_outlives_manual_seed():
    ag.manual_seed(0)
    expected = _host(ag.randn(4))
    ag.manual_seed(0)
    s = ag.get_rng_state()
    ag.manual_seed(1)
    ag.randn(100)
    ag.set_rng_state(s)
    np.testing.assert_array_equal(_host(ag.randn(4)), expected)


def test_bad_states_are_refused_with_reasons():
    s = ag.get_rng_state()
    with pytest.raises(TypeError, match="must be a uint8 tensor"):
        ag.set_rng_state(s.float())  # PyTorch: TypeError "RNG state must be a torch.ByteTensor"
    with pytest.raises(TypeError, match="must be a uint8 tensor"):
        ag.set_rng_state(s.numpy())
    with pytest.raises(RuntimeError, match="not an RNG state saved by get_rng_state"):
        ag.set_rng_state(s[:10])
    with pytest.raises(RuntimeError, match="not an RNG state"):
        ag.set_rng_state(ag.zeros(16, dtype=ag.uint8))
    other = ag.tensor(list(b'{"bit_generator": "MT19937", "state": {}}\n'), dtype=ag.uint8)
    with pytest.raises(RuntimeError, match="for a MT19937 generator.*PCG64"):
        ag.set_rng_state(other)
    broken = ag.tensor(list(b'{"bit_generator": "PCG64"}\n'), dtype=ag.uint8)
    with pytest.raises(RuntimeError, match="malformed"):
        ag.set_rng_state(broken)
    after = ag.randn(3)  # the generator still works after the refusals
    assert after.shape == (3,)


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_generator_get_state_and_set_state(device):
    g = ag.Generator(device).manual_seed(5)
    st = g.get_state()
    assert st.dtype == ag.uint8 and st.device == "cpu"  # a host tensor, as PyTorch's (also for cuda)
    first = [_host(draw(g, device)) for draw in DRAWS.values()]
    assert g.set_state(st) is g  # returns the generator, as PyTorch's
    again = [_host(draw(g, device)) for draw in DRAWS.values()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="Generator.set_state"):
        g.set_state([1, 2, 3])


def test_a_generators_state_leaves_the_default_generator_alone():
    g = ag.Generator().manual_seed(1)
    default = ag.get_rng_state()
    g.set_state(ag.Generator().manual_seed(2).get_state())
    assert ag.get_rng_state().tolist() == default.tolist()
    assert ag.rand(3, generator=g).tolist() == ag.rand(3, generator=ag.Generator().manual_seed(2)).tolist()


def test_the_strict_device_saves_and_restores_its_default_generator():
    """The back-end methods, on the CuPy stand-in: the state comes back as host bytes."""
    backend = get_device("strict").backend
    state = backend.get_rng_state()
    assert isinstance(state, np.ndarray) and state.dtype == np.uint8
    a = _host(ag.randn(5, device="strict"))
    backend.set_rng_state(state)
    np.testing.assert_array_equal(_host(ag.randn(5, device="strict")), a)


def test_cuda_rng_state_without_a_gpu_says_why():
    if ag.cuda.is_available():
        pytest.skip("a GPU is present (test_cuda_rng_state_round_trip covers it)")
    with pytest.raises(DeviceError, match="device 'cuda'"):  # (a RuntimeError; PyTorch's CPU build asserts)
        ag.cuda.get_rng_state()
    with pytest.raises(DeviceError, match="device 'cuda'"):
        ag.cuda.set_rng_state(ag.get_rng_state())
    assert ag.cuda.get_rng_state_all() == []  # as PyTorch: no GPUs, no states


@pytest.mark.cuda
def test_cuda_rng_state_round_trip():
    if not ag.cuda.is_available():
        pytest.skip("needs a GPU with CuPy")
    s = ag.cuda.get_rng_state()
    assert s.dtype == ag.uint8 and s.device == "cpu"
    header = json.loads(bytes(s[:200].numpy()).partition(b"\n")[0])
    assert header["bit_generator"].startswith("cupy.")
    first = [_host(draw(None, "cuda")) for draw in DRAWS.values()]
    ag.cuda.set_rng_state(s)
    again = [_host(draw(None, "cuda")) for draw in DRAWS.values()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    states = ag.cuda.get_rng_state_all()
    b1 = _host(ag.randn(8, device="cuda"))
    ag.cuda.set_rng_state_all(states)
    np.testing.assert_array_equal(_host(ag.randn(8, device="cuda")), b1)
    g = ag.Generator("cuda").manual_seed(0)
    st = g.get_state()
    x = _host(ag.rand(6, generator=g, device="cuda"))
    np.testing.assert_array_equal(_host(ag.rand(6, generator=g.set_state(st), device="cuda")), x)
    with pytest.raises(RuntimeError, match="PCG64"):
        ag.cuda.set_rng_state(ag.get_rng_state())  # a cpu state is not a GPU state
