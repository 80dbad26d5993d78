"""Making tensors: ``tensor``, ``zeros``, ``randn`` ... as in PyTorch."""

from __future__ import annotations

import builtins

import numpy as np

from autograd_core import dtypes
from autograd_core.tensor import Tensor
from backends import get_device
from backends import initial_seed as _initial_seed
from backends import manual_seed as _seed_devices

_wrap = Tensor._wrap

# The device factories use when not given one (``set_default_device``); None means the cpu.
_DEFAULT_DEVICE = [None]


def _device(device):
    """``device``, or the default device when None (one list read: factories run often)."""
    return get_device(_DEFAULT_DEVICE[0] if device is None else device)


def set_default_device(device) -> None:
    """Make ``device`` (``"cuda"``, ``"cpu"``, a ``Device``, or None for the cpu) the device that
    factories (``tensor``, ``zeros``, ``randn``, ``arange`` ...) use when not given ``device=``, as
    ``torch.set_default_device``.  ``*_like`` factories keep following their input's device and
    ``from_numpy`` stays on the cpu, as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.set_default_device("cpu")
    >>> ag.zeros(2).device, ag.get_default_device()
    (device(type='cpu'), device(type='cpu'))
    >>> ag.set_default_device(None)
    """
    _DEFAULT_DEVICE[0] = None if device is None else get_device(device)


def get_default_device():
    """The device factories use when not given one (``set_default_device``; the cpu at start)."""
    return _device(None)


def _to_array(data, dtype, dev):
    """Host data -> the device's array, with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        arr = data._data if data._dev is dev else dev.backend.asarray(data._dev.backend.to_numpy(data._data))
        return arr.astype(dtypes.to_dtype(dtype)) if dtype is not None else arr.copy()
    if dtype is not None:
        dtype = dtypes.to_dtype(dtype)
    if dev.backend.is_array(data):
        return data.astype(dtype) if dtype is not None else data.copy()
    if not isinstance(data, np.ndarray) and hasattr(data, "__cuda_array_interface__"):
        data = dev.backend.to_numpy(data) if dev.type == "cuda" else np.asarray(data.get())
    host = np.array(_unwrap_lists(data), dtype=dtype)
    if dtype is None:
        if host.dtype.kind == "f" and not isinstance(data, np.ndarray) and not isinstance(data, np.floating):
            host = host.astype(dtypes.get_default_dtype())  # Python floats -> the default dtype
        elif host.dtype.kind in "iu" and not isinstance(data, (np.ndarray, np.integer)):
            host = host.astype(np.int64)
        elif host.dtype.kind == "O":
            raise TypeError(f"tensor: can't convert {type(data).__name__} data of ragged or mixed types to a tensor")
        elif host.dtype.kind in "US":
            raise TypeError("tensor: strings can't be converted to a tensor")
    return dev.backend.asarray(host)


def _legacy_array(args: tuple, dtype, dev):
    """The array behind ``Tensor(*args)``, PyTorch's legacy constructor: no args, sizes (ints or a
    ``Size``) -> zeros of the default float dtype (PyTorch leaves them uninitialised); a tensor ->
    its own array (shared, as PyTorch shares storage); other data -> a copy, floats by default."""
    from autograd_core.size import Size

    if len(args) == 1 and isinstance(args[0], Tensor) and dtype is None:
        if args[0]._dev is not dev:
            raise RuntimeError(f"Tensor: the data is on {args[0]._dev} but device={dev}; use .to({str(dev)!r})")
        return args[0]._data
    dt = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    sizes = args[0] if len(args) == 1 and isinstance(args[0], Size) else (args or (0,))
    if builtins.all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in sizes):
        for s in sizes:
            if s < 0:
                raise RuntimeError(f"Tensor: trying to create tensor with negative dimension {s}: {list(sizes)}")
        return dev.xp.zeros(tuple(builtins.int(s) for s in sizes), dtype=dt)
    if len(args) != 1:
        raise TypeError(f"Tensor: expected sizes (ints) or one sequence of data, got {args!r}")
    if isinstance(args[0], (int, float, bool, complex, np.number)):
        raise TypeError(f"Tensor: data must be a sequence (got {type(args[0]).__name__}); use ag.tensor({args[0]!r}) "
                        "for a 0-d tensor")
    return _to_array(args[0], dt, dev)


def _unwrap_lists(data):
    """Lists of 0-d/1-element tensors (``[t1, t2]``) become numbers, as torch.tensor allows."""
    if isinstance(data, (list, tuple)) and data and builtins.any(isinstance(d, (Tensor, list, tuple)) for d in data):
        return [d.item() if isinstance(d, Tensor) and d.numel() == 1 else (
            d.tolist() if isinstance(d, Tensor) else _unwrap_lists(d)) for d in data]
    return data


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, NumPy arrays).

    Python floats become the default dtype (float32), ints int64, bools bool.

    >>> import autograd_core as ag
    >>> ag.tensor([[1, 2], [3, 4]]).dtype
    dtype('int64')
    """
    dev = _device(device)
    return _make(_to_array(data, dtype, dev), dev, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype) and (device is None or data.device == device):
        return data
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A cpu tensor sharing memory with ``array`` (dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return _wrap(array, get_device("cpu"))


def _shape(size, keyword=None) -> tuple:
    """The shape from ``f(2, 3)``, ``f((2, 3))`` or PyTorch's keyword form ``f(size=(2, 3))``."""
    if keyword is not None:
        if size:
            raise TypeError(f"got the size both as arguments {tuple(size)} and as size={keyword!r}")
        size = (keyword,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    for s in size:
        if not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"invalid shape {tuple(size)}: sizes must be non-negative ints")
    return tuple(int(s) for s in size)


def _make(arr, dev, requires_grad):
    t = _wrap(arr, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _fill(op, size, fill, dtype, device, requires_grad):
    dev = _device(device)
    dt = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    return _make(dev.xp.full(size, fill, dtype=dt), dev, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False, **kw) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``."""
    return _fill("zeros", _shape(size, _size_keyword("zeros", kw)), 0, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False, **kw) -> Tensor:
    """A tensor of ones."""
    return _fill("ones", _shape(size, _size_keyword("ones", kw)), 1, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False, **kw) -> Tensor:
    """An uninitialised tensor (here: zeros, so results never depend on stale memory)."""
    return _fill("empty", _shape(size, _size_keyword("empty", kw)), 0, dtype, device, requires_grad)


def _size_keyword(op: str, kw: dict):
    """``size=`` (PyTorch accepts it as a keyword); any other unknown keyword is an error."""
    size = kw.pop("size", None)
    if kw:
        raise TypeError(f"{op}() got an unexpected keyword argument {next(iter(kw))!r}")
    return size


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value when not given."""
    if dtype is None:
        dtype = (
            dtypes.bool if isinstance(fill_value, bool)
            else dtypes.int64 if isinstance(fill_value, int) else dtypes.get_default_dtype()
        )
    return _fill("full", _shape((size,) if isinstance(size, int) else tuple(size)), fill_value, dtype, device,
                 requires_grad)


def _like(input: Tensor, dtype, device):
    return (input.dtype if dtype is None else dtype), (input.device if device is None else device)


def _laid_out(input: Tensor, out: Tensor, memory_format) -> Tensor:
    """``out`` in the layout ``memory_format`` asks for; the default (preserve) keeps a
    channels-last ``input``'s layout, as PyTorch's ``*_like`` do (see memory_format.py)."""
    if memory_format is None and input._data.ndim not in (4, 5):
        return out  # the common case: no layout to keep
    from autograd_core.memory_format import like, preserve_format

    return like(input, out, preserve_format if memory_format is None else memory_format)


def zeros_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False, *, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return _laid_out(input, zeros(input.shape, dtype=dt, device=dev, requires_grad=requires_grad), memory_format)


def ones_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False, *, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return _laid_out(input, ones(input.shape, dtype=dt, device=dev, requires_grad=requires_grad), memory_format)


def empty_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False, *, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return _laid_out(input, empty(input.shape, dtype=dt, device=dev, requires_grad=requires_grad), memory_format)


def full_like(input: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False, *, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return _laid_out(input, full(input.shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad), memory_format)


# ---------------------------------------------------------------------------- Tensor.new_*
def _new_args(self: Tensor, dtype, device):
    return (self.dtype if dtype is None else dtype), (self._dev if device is None else device)


def new_zeros(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``self.new_zeros(2, 3)``: zeros with ``self``'s dtype and device unless given.

    >>> import autograd_core as ag
    >>> ag.tensor([1, 2]).new_zeros(2, 3).dtype
    dtype('int64')
    """
    dt, dev = _new_args(self, dtype, device)
    return zeros(*size, dtype=dt, device=dev, requires_grad=requires_grad)


def new_ones(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``self.new_ones(size)``: ones with ``self``'s dtype and device unless given."""
    dt, dev = _new_args(self, dtype, device)
    return ones(*size, dtype=dt, device=dev, requires_grad=requires_grad)


def new_empty(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``self.new_empty(size)``: an uninitialised (here zeroed) tensor with ``self``'s dtype and device."""
    dt, dev = _new_args(self, dtype, device)
    return empty(*size, dtype=dt, device=dev, requires_grad=requires_grad)


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``self.new_full(size, fill_value)``: ``self``'s dtype (not the value's) and device unless given.

    >>> import autograd_core as ag
    >>> ag.tensor([1.0]).new_full((2,), 7)
    tensor([7., 7.])
    """
    dt, dev = _new_args(self, dtype, device)
    return full(size, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def new_tensor(self: Tensor, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``self.new_tensor(data)``: a copy of ``data`` with ``self``'s dtype and device unless given.

    >>> import autograd_core as ag
    >>> ag.tensor([1, 2]).new_tensor([1.5, 2.7])
    tensor([1, 2])
    """
    dt, dev = _new_args(self, dtype, device)
    if isinstance(data, Tensor):
        data = data.detach()
    return tensor(data, dtype=dt, device=dev, requires_grad=requires_grad)


def rand_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False, *, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return _laid_out(input, rand(input.shape, dtype=dt, device=dev, requires_grad=requires_grad), memory_format)


def randn_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False, *, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return _laid_out(input, randn(input.shape, dtype=dt, device=dev, requires_grad=requires_grad), memory_format)


def randint_like(input: Tensor, low=0, high=None, dtype=None, device=None, *, memory_format=None) -> Tensor:
    if high is None:
        low, high = 0, low
    dt, dev = _like(input, dtype, device)
    return _laid_out(input, randint(low, high, input.shape, dtype=dt, device=dev), memory_format)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values ``start, start+step, ...`` below ``end``; int64 unless a bound is a float."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if dtype is None:
        is_float = builtins.any(isinstance(v, float) for v in (start, end, step))
        dtype = dtypes.get_default_dtype() if is_float else dtypes.int64
    dev = _device(device)
    dt = dtypes.to_dtype(dtype)
    host = np.arange(start, end, step, dtype=np.float64 if dt.kind == "f" else None).astype(dt)
    return _make(dev.backend.asarray(host), dev, requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    dev = _device(device)
    dt = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    host = np.linspace(start, end, steps, dtype=np.float64).astype(dt)
    return _make(dev.backend.asarray(host), dev, requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (``n x m``)."""
    dev = _device(device)
    dt = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    return _make(dev.xp.eye(n, m, dtype=dt), dev, requires_grad)


class Generator:
    """An independent random stream for one device, as ``torch.Generator``.

    Pass it as ``generator=`` to ``rand``, ``randn``, ``randint`` and ``randperm``;
    without one they draw from the device's default stream (``manual_seed``).

    >>> import autograd_core as ag
    >>> g = ag.Generator().manual_seed(0)
    >>> ag.rand(2, generator=g).tolist() == ag.rand(2, generator=ag.Generator().manual_seed(0)).tolist()
    True
    """

    def __init__(self, device="cpu") -> None:
        self.device = get_device(device)
        self._seed = int(np.random.SeedSequence().entropy % (1 << 63))
        self.rng = self.device.backend.make_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self.rng = self.device.backend.make_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        return self._seed

    def __repr__(self) -> str:
        return f"<autograd_core.Generator object on {self.device}>"

    def seed(self) -> int:
        """Re-seed from fresh entropy and return the new seed."""
        return self.manual_seed(int(np.random.SeedSequence().entropy % (1 << 63))).initial_seed()

    def get_state(self) -> Tensor:
        """This generator's state as a uint8 cpu tensor (the format of ``get_rng_state``)."""
        return _wrap(self.device.backend.get_rng_state(self.rng), get_device("cpu"))

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from ``get_state`` (of a generator for the same kind of device); returns ``self``."""
        self.device.backend.set_rng_state(_state_bytes("Generator.set_state", new_state), self.rng)
        return self


class _DefaultGenerator(Generator):
    """The cpu device's default stream as a ``Generator`` (PyTorch's ``torch.default_generator``,
    which ``manual_seed`` returns): drawing from it is drawing without ``generator=``."""

    def __init__(self) -> None:
        self.device = get_device("cpu")

    @property
    def rng(self):
        return self.device.backend.rng  # (read live: manual_seed replaces the stream)

    def manual_seed(self, seed: int) -> Generator:
        _seed_devices(seed)
        return self

    def initial_seed(self) -> int:
        return _initial_seed()


default_generator = _DefaultGenerator()


def _rng(generator, dev):
    if generator is None:
        return None
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be an autograd_core.Generator, got {type(generator).__name__}")
    if generator.device is not dev:
        raise RuntimeError(f"generator is for device {generator.device} but the tensor is on {dev}")
    return generator.rng


def rand(*size, dtype=None, device=None, requires_grad: bool = False, generator=None, **kw) -> Tensor:
    """Uniform samples in [0, 1) from the device's generator (seed with ``manual_seed``) or ``generator``."""
    size = _shape(size, _size_keyword("rand", kw))
    dev = _device(device)
    dt = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    rng = _rng(generator, dev)
    data = dev.backend.random(size, dt) if rng is None else dev.backend.random(size, dt, rng=rng)
    return _make(data, dev, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad: bool = False, generator=None, **kw) -> Tensor:
    """Standard normal samples from the device's generator or ``generator``."""
    size = _shape(size, _size_keyword("randn", kw))
    dev = _device(device)
    dt = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    rng = _rng(generator, dev)
    data = dev.backend.normal(size, dt) if rng is None else dev.backend.normal(size, dt, rng=rng)
    return _make(data, dev, requires_grad)


def randint(low, high=None, size=None, dtype=None, device=None, generator=None) -> Tensor:
    """Integers in [low, high): ``randint(10, (3,))`` or ``randint(2, 10, (3,))``."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint: expected randint(high, size) or randint(low, high, size)")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    dev = _device(device)
    dt = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    rng = _rng(generator, dev)
    shape = _shape(tuple(size))
    data = dev.backend.integers(low, high, shape, dt) if rng is None else dev.backend.integers(low, high, shape, dt, rng=rng)
    return _wrap(data, dev)


def randperm(n: int, dtype=None, device=None, generator=None) -> Tensor:
    """A random permutation of 0..n-1."""
    dev = _device(device)
    rng = _rng(generator, dev)
    f64 = np.dtype("float64")
    keys = dev.backend.random((n,), f64) if rng is None else dev.backend.random((n,), f64, rng=rng)
    return _wrap(keys.argsort().astype(dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)), dev)


def manual_seed(seed: int) -> Generator:
    """Seed every device's random number generator (NumPy's legacy global one is untouched);
    returns ``default_generator``, as PyTorch does."""
    _seed_devices(seed)
    return default_generator


def initial_seed() -> int:
    """The seed of the default generators: the last ``manual_seed``, or the one drawn when the
    process started (PyTorch's starts from a fixed one; ours from entropy).

    >>> import autograd_core as ag
    >>> ag.manual_seed(7)
    <autograd_core.Generator object on cpu>
    >>> ag.initial_seed()
    7
    """
    return _initial_seed()


def get_rng_state() -> Tensor:
    """The cpu default generator's state, as a uint8 cpu tensor, like PyTorch's ByteTensor.

    Its bytes are a JSON header and a newline: for the cpu, the JSON of NumPy's
    ``bit_generator.state`` (PCG64: ``state``, ``inc``, ``has_uint32``, ``uinteger``), so
    ``bytes(s.numpy()).decode()`` shows it.  It restores with ``set_rng_state`` here, not in PyTorch.

    >>> import autograd_core as ag
    >>> s = ag.get_rng_state()
    >>> a = ag.randn(3)
    >>> ag.set_rng_state(s)
    >>> ag.randn(3).tolist() == a.tolist()
    True
    """
    return _wrap(get_device("cpu").backend.get_rng_state(), get_device("cpu"))


def set_rng_state(new_state: Tensor) -> None:
    """Restore the cpu default generator to a state ``get_rng_state`` returned."""
    get_device("cpu").backend.set_rng_state(_state_bytes("set_rng_state", new_state))


def _state_bytes(op: str, state) -> np.ndarray:
    """The host bytes of an RNG state tensor (uint8, as PyTorch requires a ByteTensor)."""
    if not isinstance(state, Tensor) or state.dtype != dtypes.uint8:
        got = f"a {state.dtype} tensor" if isinstance(state, Tensor) else type(state).__name__
        raise TypeError(f"{op}: the RNG state must be a uint8 tensor (a ByteTensor, as get_rng_state returns), got {got}")
    return state._dev.backend.to_numpy(state._data).reshape(-1)


def _uniform_like(shape, dev, generator):
    """float64 uniforms in [0, 1) on ``dev``: the draws behind multinomial and bernoulli."""
    rng = _rng(generator, dev)
    f64 = np.dtype("float64")
    return dev.backend.random(shape, f64) if rng is None else dev.backend.random(shape, f64, rng=rng)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Indices drawn from the categories of each row of ``input`` (non-negative weights, 1-D or 2-D).

    With ``replacement`` each draw inverts the row's cumulative distribution; without, the
    ``num_samples`` largest keys ``log(u) / w`` are taken (Efraimidis and Spirakis), which
    samples without replacement in proportion to the weights (zero weights come last, lowest
    index first, as PyTorch's).  Not differentiable (int64).

    >>> import autograd_core as ag
    >>> ag.multinomial(ag.tensor([0.0, 1.0, 0.0]), 2, replacement=True).tolist()
    [1, 1]
    """
    if not isinstance(input, Tensor) or input.ndim not in (1, 2) or input.dtype.kind != "f":
        raise RuntimeError("multinomial: input must be a 1-D or 2-D floating-point tensor of weights")
    dev, w = input._dev, input._data.astype(np.float64)
    rows = w.reshape(-1, w.shape[-1])
    n = rows.shape[1]
    if num_samples <= 0 or (not replacement and num_samples > n):
        raise RuntimeError(
            f"multinomial: cannot draw {num_samples} samples from {n} categories"
            + ("" if replacement else " without replacement")
        )
    xp = dev.xp
    if not bool(xp.isfinite(rows).all()) or bool((rows < 0).any()):
        raise RuntimeError("multinomial: weights must be finite and non-negative (no inf, nan or < 0)")
    totals = rows.sum(axis=1, keepdims=True)
    if bool((totals <= 0).any()):
        raise RuntimeError("multinomial: every row of weights must have a positive sum")
    u = _uniform_like((rows.shape[0], num_samples), dev, generator)
    if replacement:
        cdf = xp.cumsum(rows, axis=1) / totals
        cdf[:, -1] = 1.0  # (rounding must not leave u above the last edge)
        idx = (u[:, :, None] >= cdf[:, None, :]).sum(axis=2)
    else:
        # keys log(u) / w; a weight of 0 gets -inf, drawn only after every positive weight
        keys = xp.log(_uniform_like(rows.shape, dev, generator)) / xp.where(rows > 0, rows, 1.0)
        keys[rows == 0] = -xp.inf
        idx = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    return _wrap(idx.astype(np.int64).reshape(w.shape[:-1] + (num_samples,)), dev)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """Draws 1 with probability ``input`` (or ``p``), else 0, in ``input``'s shape and dtype."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli: input must be a Tensor, got {type(input).__name__}")
    probs = input._data if p is None else (p._data if isinstance(p, Tensor) else p)
    if isinstance(probs, (int, float)):
        outside = not 0 <= probs <= 1
    else:
        outside = bool(((probs < 0) | (probs > 1)).any())
    if outside:
        raise RuntimeError("bernoulli: probabilities must lie in [0, 1]")
    u = _uniform_like(input._data.shape, input._dev, generator)
    return _wrap((u < probs).astype(input._data.dtype), input._dev)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None) -> Tensor:
    """Normal samples: ``normal(mean_tensor, std)``, ``normal(mean, std_tensor)`` (broadcast), or
    ``normal(mean, std, size)`` for Python numbers.  Not recorded (PyTorch passes no gradient
    through the draw either)."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal: with a number for mean and std, give size, e.g. normal(0.0, 1.0, (3,))")
        if std < 0:
            raise RuntimeError(f"normal: std must be >= 0, got {std}")
        return randn(*_shape(size), dtype=dtype, device=device, generator=generator) * std + mean
    dev = tensors[0]._dev
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if bool((dev.xp.asarray(s) < 0).any()):
        raise RuntimeError("normal: std must be >= 0")
    shape = np.broadcast_shapes(*[t._data.shape for t in tensors])
    dt = np.result_type(*[t._data.dtype for t in tensors])
    rng = _rng(generator, dev)
    z = dev.backend.normal(shape, dt) if rng is None else dev.backend.normal(shape, dt, rng=rng)
    return _wrap((z * s + m).astype(dt, copy=False), dev)


# ---------------------------------------------------------------------------- more factories
def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values ``base ** e`` for exponents evenly spaced from ``start`` to ``end``.  For an
    integer dtype the exponents' ends are whole numbers and the powers are truncated, as in
    PyTorch (``logspace(0, 1, 5, dtype=int64)`` is ``[1, 1, 3, 5, 10]``).  A factory: nothing to
    differentiate (its arguments are numbers), as in PyTorch.

    >>> import autograd_core as ag
    >>> ag.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    dev = _device(device)
    dt = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    start, end = (s.item() if isinstance(s, Tensor) else s for s in (start, end))
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    if dt.kind in "iub":
        start, end = builtins.int(start), builtins.int(end)
    host = np.power(np.float64(base), np.linspace(start, end, steps, dtype=np.float64))
    host = np.trunc(host).astype(dt) if dt.kind in "iu" else host.astype(dt)
    return _make(dev.backend.asarray(host), dev, requires_grad)


def _window(name: str, window_length: int, periodic: bool, dtype, device, requires_grad, values) -> Tensor:
    """A window factory: ``values(n, N)`` gives the symmetric window's samples ``n`` of length
    ``N`` in float64 (host metadata, like ``arange``'s); ``periodic`` computes ``N + 1`` and
    drops the last sample (the DFT-even window spectral analysis wants)."""
    dev = _device(device)
    dt = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    if dt.kind != "f":
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    if not isinstance(window_length, (int, np.integer)) or isinstance(window_length, bool) or window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    if window_length <= 1:
        host = np.ones(window_length, dtype=np.float64)
    else:
        total = window_length + 1 if periodic else window_length
        host = values(np.arange(total, dtype=np.float64), total)[:window_length]
    return _make(dev.backend.asarray(host.astype(dt)), dev, requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, device=None,
                requires_grad: bool = False) -> Tensor:
    """The Hann window ``0.5 - 0.5 cos(2 pi n / (N - 1))``; ``periodic`` (the default) for spectral
    analysis, ``periodic=False`` for the symmetric filter-design window.

    >>> import autograd_core as ag
    >>> ag.hann_window(4)
    tensor([0.0000, 0.5000, 1.0000, 0.5000])
    """
    return hamming_window(window_length, periodic, 0.5, 0.5, dtype=dtype, device=device,
                          requires_grad=requires_grad, _name="hann_window")


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, device=None, requires_grad: bool = False, _name: str = "hamming_window") -> Tensor:
    """The generalised Hamming window ``alpha - beta cos(2 pi n / (N - 1))``.

    >>> import autograd_core as ag
    >>> ag.hamming_window(3, periodic=False)
    tensor([0.0800, 1.0000, 0.0800])
    """
    return _window(_name, window_length, periodic, dtype, device, requires_grad,
                   lambda n, N: alpha - beta * np.cos(2 * np.pi * n / (N - 1)))


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """The Blackman window ``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, N: 0.42 - 0.5 * np.cos(2 * np.pi * n / (N - 1)) + 0.08 * np.cos(4 * np.pi * n / (N - 1)))


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """The Bartlett (triangular) window ``1 - |2 n / (N - 1) - 1|``.

    >>> import autograd_core as ag
    >>> ag.bartlett_window(5, periodic=False)
    tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, N: 1 - np.abs(2 * n / (N - 1) - 1))


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, device=None,
                  requires_grad: bool = False) -> Tensor:
    """The Kaiser window ``I0(beta sqrt(1 - (2 n / (N - 1) - 1)^2)) / I0(beta)`` (``I0``: the modified
    Bessel function of order 0); larger ``beta`` narrows it."""
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, N: np.i0(beta * np.sqrt(np.clip(1 - (2 * n / (N - 1) - 1) ** 2, 0, None))) / np.i0(beta))


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad: bool | None = None) -> Tensor:
    """``obj`` as a tensor, sharing its memory where it can, as ``torch.asarray``:

    - a Tensor is returned itself when dtype and device already match (``copy=True``: a copy;
      ``requires_grad=True`` turns it on in place; ``requires_grad=False`` detaches a tensor in
      the graph; the default, None, leaves it as it is);
    - a NumPy array (and a CuPy array on its GPU) is shared when dtype and device allow, as
      ``from_numpy``; an object with the buffer protocol (``bytes``, ``bytearray``) is read as
      ``frombuffer`` reads it;
    - other data (lists, numbers) is copied, with ``tensor``'s dtype inference.

    ``copy=False`` raises ValueError where sharing is impossible.

    >>> import numpy as np, autograd_core as ag
    >>> a = np.array([1.0, 2.0])
    >>> t = ag.asarray(a)
    >>> t[0] = 9.0; a
    array([9., 2.])
    """
    dt = None if dtype is None else dtypes.to_dtype(dtype)
    if isinstance(obj, Tensor):
        return _asarray_tensor(obj, dt, device, copy, requires_grad)
    dev = _device(device)
    if isinstance(obj, np.ndarray) or dev.backend.is_array(obj):
        if isinstance(obj, np.ndarray) and dev.type == "cpu":
            shared = obj if dt is None or obj.dtype == dt else None
        elif dev.backend.is_array(obj):
            shared = obj if dt is None or obj.dtype == dt else None
        else:
            shared = None
        if shared is None and copy is False:
            raise ValueError(f"asarray: can't alias an array with dtype {obj.dtype} on the host into a tensor of "
                             f"dtype {dt or obj.dtype} on {dev}; pass copy=None or copy=True")
        arr = shared if shared is not None and not copy else _to_array(obj, dt, dev)
        return _make(arr, dev, bool(requires_grad))
    if isinstance(obj, (bytes, bytearray, memoryview)):
        out = frombuffer(obj, dtype=dtypes.uint8 if dt is None else dt)
        return asarray(out, device=device, copy=copy, requires_grad=requires_grad)
    if copy is False:
        raise ValueError("asarray: can't alias arbitrary sequence into a tensor; pass copy=None or copy=True")
    return tensor(obj, dtype=dt, device=dev, requires_grad=bool(requires_grad))


def _asarray_tensor(obj: Tensor, dt, device, copy, requires_grad) -> Tensor:
    dev = obj._dev if device is None else get_device(device)
    if (dt is not None and dt != obj.dtype) or dev is not obj._dev:
        if copy is False:
            raise ValueError(f"asarray: can't alias a tensor with dtype {obj.dtype} on {obj._dev} into dtype "
                             f"{dt or obj.dtype} on {dev}; pass copy=None or copy=True")
        out = obj.detach().to(dev, dt or obj.dtype)
    elif copy:
        out = obj.detach().clone()
    elif requires_grad is not False or not obj._rg:
        out = obj
    elif obj._node is None:
        out = obj.requires_grad_(False)  # a leaf: switched off in place, as PyTorch does
    else:
        out = obj.detach()  # a tensor in the graph: an alias cut from it
    if requires_grad and not out._rg:
        out.requires_grad_(True)
    return out


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-D cpu tensor sharing memory with a Python object that exposes the buffer protocol
    (``bytearray``, ``array.array``, ``memoryview``): ``count`` elements of ``dtype`` (all of them
    when -1) starting ``offset`` bytes in.  A read-only buffer (``bytes``) gives a tensor that
    can't be written in place (PyTorch warns and shares it anyway).

    >>> import autograd_core as ag
    >>> ag.frombuffer(bytearray(b"\\x01\\x00\\x02\\x00"), dtype=ag.int16).tolist()
    [1, 2]
    """
    dt = dtypes.to_dtype(dtype)
    nbytes = memoryview(buffer).nbytes
    if count == 0 or nbytes == 0:
        raise ValueError(f"both buffer length ({nbytes}) and count ({count}) must not be 0")
    if offset < 0 or offset > nbytes - 1:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({nbytes} bytes) minus 1")
    if count < 0:
        if (nbytes - offset) % dt.itemsize:
            raise ValueError(f"buffer length ({nbytes - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({dt.itemsize})")
        count = (nbytes - offset) // dt.itemsize
    elif count * dt.itemsize > nbytes - offset:
        raise ValueError(f"requested buffer length ({count} * {dt.itemsize} bytes) after offset ({offset} bytes) "
                         f"must not be greater than actual buffer length ({nbytes} bytes)")
    arr = np.frombuffer(buffer, dtype=dt, count=count, offset=offset)
    return _make(arr, get_device("cpu"), requires_grad)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """An uninitialised (here: zeroed) tensor of ``size`` whose elements lie ``stride`` elements
    apart in memory in each dim, as ``torch.empty_strided`` (``x.stride()`` reports them).

    >>> import autograd_core as ag
    >>> ag.empty_strided((2, 3), (1, 2)).stride()
    (1, 2)
    """
    size, stride = tuple(builtins.int(s) for s in size), tuple(builtins.int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"empty_strided: mismatch in length of strides and shape: size {list(size)} has "
                           f"{len(size)} dims, stride {list(stride)} has {len(stride)}")
    if builtins.any(s < 0 for s in size) or builtins.any(s < 0 for s in stride):
        raise RuntimeError(f"empty_strided: sizes and strides must be non-negative, got size {list(size)} and "
                           f"stride {list(stride)}")
    dev = _device(device)
    dt = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    needed = 0 if 0 in size else 1 + builtins.sum((n - 1) * s for n, s in zip(size, stride))
    storage = dev.xp.zeros(needed, dtype=dt)
    if 0 in size:
        return _make(storage.reshape(size), dev, requires_grad)
    arr = dev.xp.lib.stride_tricks.as_strided(storage, shape=size, strides=tuple(s * dt.itemsize for s in stride))
    return _make(arr, dev, requires_grad)


def set_default_tensor_type(t) -> None:
    """Old code's way to choose the default dtype and device: ``'torch.DoubleTensor'``,
    ``'torch.cuda.FloatTensor'`` or the legacy classes (``ag.cuda.FloatTensor``).  Sets both, as
    PyTorch does (a cuda type makes factories allocate on the GPU, a cpu type on the cpu), with
    PyTorch's deprecation warning.  Only floating-point types can be the default.
    """
    import warnings

    from autograd_core import compat

    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    cls = compat._BY_NAME.get(t) if isinstance(t, str) else t
    if cls is None or not hasattr(cls, "type_name"):
        raise TypeError(f"invalid type: {t!r}")
    if cls.dtype.kind != "f":
        raise TypeError("only floating-point types are supported as the default type")
    dev = get_device(cls.device_type)  # (raises, saying why, when there is no GPU)
    dtypes.set_default_dtype(cls.dtype)
    _DEFAULT_DEVICE[0] = None if dev.type == "cpu" else dev
