"""A test-only back end whose arrays refuse implicit conversion to NumPy, as CuPy's do.

CI has no GPU, yet device discipline must be tested there: the engine may use
NumPy only for host-side metadata and must reach array data through the
device's ``xp`` or its back end.  The ``strict`` device holds every tensor's
data in a ``StrictArray``: a wrapper around a private ``ndarray`` that

- refuses ``np.asarray(a)``, ``np.array(a)`` (``__array__`` raises),
- refuses NumPy ufuncs (``np.exp(a)``: ``__array_ufunc__ = None``),
- refuses NumPy functions (``np.sum(a)``: ``__array_function__`` raises),
- refuses host ``ndarray`` operands (``a + np_array``), as CuPy does,

while offering everything a CuPy array offers: operators, indexing, the
attributes (``shape``, ``strides``, ``base`` ...) and methods (``sum``,
``reshape``, ``astype`` ...).  Its ``xp`` namespace wraps NumPy's functions
(``xp.exp(a)`` works), so code written against ``xp`` runs unchanged and any
stray ``np.`` call on device data fails loudly on the CPU.

A NumPy subclass could not do this: ``np.asarray`` ignores ``__array__`` on
subclasses and returns the data as is, hence the wrapper.

>>> from tests.helpers.strict_backend import StrictBackend
>>> b = StrictBackend()
>>> a = b.xp.exp(b.asarray([0.0, 1.0]))
>>> a.shape, type(a).__name__
((2,), 'StrictArray')
>>> import numpy as np
>>> np.asarray(a)
Traceback (most recent call last):
...
TypeError: Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a NumPy array explicitly.
"""

from __future__ import annotations

import operator
import types

import numpy as np

from backends import division, register_backend
from backends.numpy_backend import pack_rng_state, set_numpy_rng_state, window_geometry
from backends.scan import NATIVE_ACCUMULATE, NATIVE_AT, ComposedScans

DEVICE = "strict"

_CONVERSION_ERROR = (
    "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a NumPy array explicitly."
)


class StrictArray:
    """An array on the ``strict`` device: NumPy's data behind CuPy's manners."""

    __slots__ = ("_a",)

    # NumPy must defer to us in ``ndarray <op> StrictArray`` (and then we refuse the ndarray).
    __array_ufunc__ = None
    __hash__ = None

    def __init__(self, array: np.ndarray) -> None:
        if not isinstance(array, np.ndarray):
            raise TypeError(f"StrictArray wraps a numpy.ndarray, got {type(array).__name__}")
        self._a = array

    # -- refusing NumPy -------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(_CONVERSION_ERROR)

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(
            f"numpy.{getattr(func, '__name__', func)} was called on a strict-device array; "
            "use the device's xp namespace (tensor._dev.xp) instead of numpy"
        )

    def get(self) -> np.ndarray:
        """Explicit copy to the host, as ``cupy.ndarray.get()``."""
        return self._a.copy()

    # -- attributes -------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: StrictArray(self._a.T))
    mT = property(lambda self: StrictArray(self._a.mT))

    @property
    def base(self):
        """None when this array owns its memory, else (like NumPy and CuPy) the array it views."""
        base = self._a.base
        return None if base is None else (StrictArray(base) if isinstance(base, np.ndarray) else base)

    def __getattr__(self, name: str):
        # Only plain method / attribute names are forwarded: dunder look-ups such as
        # __array_interface__ or __cuda_array_interface__ must fail, or NumPy would find a way in.
        if name.startswith("__"):
            raise AttributeError(name)
        attr = getattr(self._a, name)
        if callable(attr):
            return _wrapped(attr, f"StrictArray.{name}", (self,))
        return _wrap_result(attr, (self,))

    # -- Python protocol ----------------------------------------------------------
    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self):
        return (_wrap_result(v) for v in self._a)

    def __bool__(self) -> bool:
        return bool(self._a)

    def __int__(self) -> int:
        return int(self._a)

    def __float__(self) -> float:
        return float(self._a)

    def __complex__(self) -> complex:
        return complex(self._a)

    def __index__(self) -> int:
        return operator.index(self._a)

    def __repr__(self) -> str:
        return "strict_" + repr(self._a)

    def __str__(self) -> str:
        return str(self._a)

    def __getitem__(self, key):
        return _wrap_result(self._a[_unwrap(key, "indexing")], (self,))

    def __setitem__(self, key, value) -> None:
        self._a[_unwrap(key, "indexing")] = _unwrap(value, "assignment")

    def __reduce_ex__(self, protocol):
        raise TypeError("strict-device arrays are not pickled; copy to the host with .get() first")


def _binary(op):
    def method(self, other):
        return _wrap_result(op(self._a, _unwrap(other, op.__name__)), (self,))

    return method


def _reflected(op):
    def method(self, other):
        return _wrap_result(op(_unwrap(other, op.__name__), self._a), (self,))

    return method


def _inplace(op):
    def method(self, other):
        result = op(self._a, _unwrap(other, op.__name__))
        if result is not self._a:  # an in-place op must write into this array's memory
            raise TypeError(f"in-place {op.__name__} did not write in place")
        return self

    return method


def _unary(op):
    def method(self):
        return _wrap_result(op(self._a), (self,))

    return method


for _name, _op in [
    ("add", operator.add), ("sub", operator.sub), ("mul", operator.mul), ("truediv", operator.truediv),
    ("floordiv", operator.floordiv), ("mod", operator.mod), ("pow", operator.pow), ("matmul", operator.matmul),
    ("and", operator.and_), ("or", operator.or_), ("xor", operator.xor), ("lshift", operator.lshift),
    ("rshift", operator.rshift),
]:
    setattr(StrictArray, f"__{_name}__", _binary(_op))
    setattr(StrictArray, f"__r{_name}__", _reflected(_op))
for _name, _op in [
    ("iadd", operator.iadd), ("isub", operator.isub), ("imul", operator.imul), ("itruediv", operator.itruediv),
    ("ifloordiv", operator.ifloordiv), ("imod", operator.imod), ("ipow", operator.ipow),
    ("iand", operator.iand), ("ior", operator.ior), ("ixor", operator.ixor),
]:
    setattr(StrictArray, f"__{_name}__", _inplace(_op))
for _name, _op in [
    ("eq", operator.eq), ("ne", operator.ne), ("lt", operator.lt), ("le", operator.le), ("gt", operator.gt),
    ("ge", operator.ge),
]:
    setattr(StrictArray, f"__{_name}__", _binary(_op))
for _name, _op in [("neg", operator.neg), ("pos", operator.pos), ("abs", operator.abs), ("invert", operator.invert)]:
    setattr(StrictArray, f"__{_name}__", _unary(_op))


# -- wrapping and unwrapping ---------------------------------------------------------
def _unwrap(obj, where: str):
    """StrictArray -> its ndarray, recursively through tuples, lists and dicts; host arrays are refused."""
    cls = obj.__class__
    if cls is StrictArray:
        return obj._a
    if cls is tuple or cls is list:
        return cls(_unwrap(o, where) for o in obj)
    if cls is dict:
        return {k: _unwrap(v, where) for k, v in obj.items()}
    if cls is slice:
        return slice(_unwrap(obj.start, where), _unwrap(obj.stop, where), _unwrap(obj.step, where))
    if isinstance(obj, np.ndarray):
        raise TypeError(
            f"strict device: {where} got a host numpy.ndarray of shape {obj.shape} mixed with device arrays; "
            "move it to the device with the back end's asarray first (CuPy refuses this too)"
        )
    return obj


def _wrap_result(obj, inputs=()):
    """ndarrays (and NumPy scalars, which CuPy returns as 0-d arrays) become StrictArrays.

    A result that *is* an input's array comes back as that input's wrapper, so
    object identity (and ``base``) behaves as it does on NumPy.
    """
    if isinstance(obj, np.ndarray):
        for w in inputs:
            if w.__class__ is StrictArray and w._a is obj:
                return w
        return StrictArray(obj)
    if isinstance(obj, np.generic):
        return StrictArray(np.asarray(obj))
    if obj.__class__ is tuple:
        return tuple(_wrap_result(o, inputs) for o in obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a named tuple (NumPy 2's SlogdetResult ...)
        return obj.__class__(*(_wrap_result(o, inputs) for o in obj))
    if obj.__class__ is list:
        return [_wrap_result(o, inputs) for o in obj]
    return obj


def _strict_inputs(args, kwargs):
    found = [a for a in args if a.__class__ is StrictArray]
    for v in kwargs.values():
        if v.__class__ is StrictArray:
            found.append(v)
    for a in args:
        if a.__class__ in (tuple, list):
            found.extend(v for v in a if v.__class__ is StrictArray)
    return found


# The ufunc methods CuPy has, and for which ufuncs: the strict device refuses the others, as CuPy would.
_CUPY_UFUNC_METHODS = {
    "accumulate": NATIVE_ACCUMULATE,
    "at": NATIVE_AT,
    "reduce": frozenset({"add", "multiply"}),
    "reduceat": frozenset({"add"}),
}


class _WrappedFunction:
    """A NumPy callable seen from the strict device: unwraps arguments, wraps results."""

    __slots__ = ("_fn", "_name", "_bound")

    def __init__(self, fn, name: str, bound=()) -> None:
        self._fn, self._name, self._bound = fn, name, bound

    def __call__(self, *args, **kwargs):
        inputs = self._bound + tuple(_strict_inputs(args, kwargs))
        result = self._fn(*_unwrap(args, self._name), **_unwrap(kwargs, self._name))
        return _wrap_result(result, inputs)

    def __getattr__(self, name: str):  # ufunc methods: xp.add.at(...), xp.add.reduce(...)
        if name.startswith("__"):
            raise AttributeError(name)
        supported = _CUPY_UFUNC_METHODS.get(name)
        if supported is not None and self._name.rsplit(".", 1)[-1] not in supported:
            raise AttributeError(
                f"strict device: CuPy has no {self._name}.{name} (only for {', '.join(sorted(supported))}); "
                "use the back end's accumulate / ufunc_at, which compose it (backends/scan.py)"
            )
        attr = getattr(self._fn, name)
        return _wrapped(attr, f"{self._name}.{name}") if callable(attr) else attr

    def __repr__(self) -> str:
        return f"<strict {self._name}>"


def _wrapped(fn, name: str, bound=()):
    return _WrappedFunction(fn, name, bound)


class _HostConversion(_WrappedFunction):
    """``xp.asarray`` / ``xp.array``: the functions that may take host data (they copy it to the device)."""

    __slots__ = ()

    def __call__(self, obj, *args, **kwargs):
        if obj.__class__ is StrictArray:
            return _WrappedFunction.__call__(self, obj, *args, **kwargs)
        host = obj if isinstance(obj, np.ndarray) else _unwrap(obj, self._name)
        return StrictArray(np.array(host, *args, **kwargs))  # a copy, as a host-to-GPU transfer is


class _Where(_WrappedFunction):
    """``xp.where``: CuPy's needs an array condition (a Python bool fails inside it)."""

    __slots__ = ()

    def __call__(self, condition, *args, **kwargs):
        if condition.__class__ is not StrictArray:
            raise TypeError(f"strict device: where's condition must be a device array, got {type(condition).__name__}")
        return _WrappedFunction.__call__(self, condition, *args, **kwargs)


class StrictNamespace:
    """The ``xp`` of the strict device: NumPy's namespace, with device arrays in and out.

    ``xp.exp``, ``xp.zeros``, ``xp.lib.stride_tricks.as_strided`` ... are NumPy's,
    wrapped; dtypes, classes and constants are NumPy's own; ``xp.ndarray`` is
    ``StrictArray`` so ``isinstance(a, xp.ndarray)`` works as with CuPy.
    """

    def __init__(self, module=np, name: str = "numpy") -> None:
        self._module, self.__name__ = module, "strict_" + name

    def __getattr__(self, name: str):
        if name == "ndarray":
            return StrictArray
        attr = getattr(self._module, name)
        if isinstance(attr, types.ModuleType):  # xp.lib, xp.lib.stride_tricks, xp.linalg ...
            return StrictNamespace(attr, f"{self.__name__[7:]}.{name}")
        if isinstance(attr, type) or not callable(attr):  # dtypes, classes (np.float32, np.errstate), constants
            return attr
        if name in ("asarray", "array", "asanyarray", "ascontiguousarray"):
            return _HostConversion(attr, name)
        if name == "where":
            return _Where(attr, name)
        return _wrapped(attr, f"{self.__name__[7:]}.{name}")

    def __repr__(self) -> str:
        return f"<namespace {self.__name__}>"


class StrictBackend(division.ComposedDivision, ComposedScans):
    """The back-end interface of ``backends/numpy_backend.py``, on ``StrictArray`` data.  It divides,
    accumulates and scatters as the CuPy back end does (NumPy's own functions would hide that code
    from CI)."""

    name = DEVICE

    def __init__(self) -> None:
        self.xp = StrictNamespace()
        self.rng = np.random.default_rng()

    # -- moving data -------------------------------------------------------------
    def asarray(self, data, dtype=None) -> StrictArray:
        """Host data -> a device array; always a copy, as a transfer to a GPU is."""
        if data.__class__ is StrictArray:
            return data if dtype is None or data.dtype == dtype else data.astype(dtype)
        return StrictArray(np.array(data, dtype=dtype, copy=True))

    def to_numpy(self, array) -> np.ndarray:
        if array.__class__ is not StrictArray:
            raise TypeError(
                f"strict device: to_numpy expected a device array, got {type(array).__name__}: "
                "host data has leaked into a strict-device tensor"
            )
        return array._a.copy()

    def is_array(self, obj) -> bool:
        return obj.__class__ is StrictArray

    # -- randomness ----------------------------------------------------------------
    def seed(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def make_rng(self, seed=None):
        """A new, independent generator for this device (``autograd_core.Generator`` holds one)."""
        return np.random.default_rng(seed)

    def get_rng_state(self, rng=None) -> np.ndarray:
        """The generator's state as a host uint8 array (a host copy, as CuPy's and PyTorch's are)."""
        return pack_rng_state((rng or self.rng).bit_generator.state)

    def set_rng_state(self, state: np.ndarray, rng=None) -> None:
        if state.__class__ is StrictArray:
            raise TypeError("strict device: set_rng_state takes the host uint8 array get_rng_state made")
        set_numpy_rng_state(rng or self.rng, state, self.name)

    def random(self, shape, dtype, rng=None) -> StrictArray:
        return StrictArray((rng or self.rng).random(shape, dtype=np.float64).astype(dtype, copy=False))

    def normal(self, shape, dtype, rng=None) -> StrictArray:
        return StrictArray((rng or self.rng).standard_normal(shape, dtype=np.float64).astype(dtype, copy=False))

    def integers(self, low, high, shape, dtype, rng=None) -> StrictArray:
        out = (rng or self.rng).integers(low, high, size=shape, dtype=np.int64)
        return StrictArray(out if np.dtype(dtype) == np.int64 else out.astype(dtype))

    # -- the two operations that differ between array libraries -----------------------
    def memory_owner(self, array):
        """The NumPy array that owns a strict array's memory (stable identity, unlike ``.base`` wrappers)."""
        inner = array._a
        while getattr(inner, "base", None) is not None:
            inner = inner.base
        return inner

    def data_ptr(self, array) -> int:
        return array._a.__array_interface__["data"][0]

    def is_writable(self, array) -> bool:
        return array._a.flags.writeable

    def scatter_add(self, target, index, values) -> None:
        if target.__class__ is not StrictArray:
            raise TypeError(f"strict device: scatter_add target must be a device array, got {type(target).__name__}")
        np.add.at(target._a, _unwrap(index, "scatter_add"), _unwrap(values, "scatter_add"))

    def windows(self, x, kernel, stride, dilation) -> StrictArray:
        shape, strides = window_geometry(x, kernel, stride, dilation)
        return self.xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides, writeable=False)


def raw(array) -> np.ndarray:
    """The ndarray behind a device array (tests use it to check memory sharing); ndarrays pass through."""
    return array._a if array.__class__ is StrictArray else array


_REGISTERED = [False]


def register() -> None:
    """Install the ``strict`` device (once: registering again would orphan existing strict tensors)."""
    if not _REGISTERED[0]:
        register_backend(DEVICE, lambda index: StrictBackend())
        _REGISTERED[0] = True
