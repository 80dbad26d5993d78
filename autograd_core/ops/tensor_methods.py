"""The remaining everyday ``Tensor`` methods and attributes PyTorch code calls.

Casts (``byte``, ``char``, ``short``), what a tensor is (``nbytes``, ``layout``, ``is_cpu``,
``get_device`` ...; the answers for a dense real tensor, the only kind here), the identities
of complex and lazy-negation code paths on real tensors (``conj``, ``resolve_conj`` ...),
Python-callback updates (``apply_``, ``map_``), the remaining random fills (``log_normal_``,
``cauchy_``, ``geometric_``), the legacy ``new`` and ``resize_``, and the memory-placement
calls (``pin_memory``, ``share_memory_``) with what they mean here.

``METHODS`` and ``PROPERTIES`` are installed on ``Tensor`` by ``autograd_core.ops``; none of
this is on the per-op path.
"""

from __future__ import annotations

import builtins

import numpy as np

from autograd_core import dtypes
from autograd_core.ops import inplace as IP
from autograd_core.tensor import OutputSlot, Tensor
from backends import get_device as _get_device


class layout:
    """A memory layout, as ``torch.layout``: here every tensor is dense and ``strided``."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self):
        return self._name  # (the module attribute of that name: pickles as the singleton)


strided = layout("strided")


# ---------------------------------------------------------------------------- casts
def byte(self: Tensor) -> Tensor:
    """``self.to(uint8)``."""
    return self.to(dtypes.uint8)


def char(self: Tensor) -> Tensor:
    """``self.to(int8)``."""
    return self.to(dtypes.int8)


def short(self: Tensor) -> Tensor:
    """``self.to(int16)``."""
    return self.to(dtypes.int16)


# ---------------------------------------------------------------------------- what a tensor is
def _nbytes(self: Tensor) -> int:
    """The bytes the elements take (``numel() * itemsize``), as ``Tensor.nbytes``."""
    return builtins.int(self._data.size * self._data.itemsize)


def _itemsize(self: Tensor) -> int:
    return builtins.int(self._data.itemsize)


def _is_cpu(self: Tensor) -> bool:
    return self._dev.type == "cpu"


def get_device(self: Tensor) -> int:
    """The GPU's index for a cuda tensor, -1 for a cpu one (PyTorch's convention)."""
    return -1 if self._dev.type == "cpu" else builtins.int(self._dev.index or 0)


def ndimension(self: Tensor) -> int:
    """``dim()``, under its old name."""
    return self._data.ndim


def _output_nr(self: Tensor) -> int:
    """Which output of its ``grad_fn`` this tensor is (0 for leaves and single-output ops)."""
    node = self._node
    return node.index if node.__class__ is OutputSlot else 0


def _false(self: Tensor) -> bool:
    return False


def is_inference(self: Tensor) -> bool:
    """False: ``inference_mode`` acts as ``no_grad`` here, so no tensor is an inference tensor
    (those PyTorch makes can't enter autograd later; ours can)."""
    return False


def _self(self: Tensor) -> Tensor:
    return self


def conj(self: Tensor) -> Tensor:
    """The complex conjugate; a real tensor (the only kind here) is its own, returned as is."""
    return self


def resolve_conj(self: Tensor) -> Tensor:
    """Materialise a lazy conjugation: real tensors never carry one, so ``self``."""
    return self


def resolve_neg(self: Tensor) -> Tensor:
    """Materialise a lazy negation: tensors here never carry one, so ``self``."""
    return self


def to_dense(self: Tensor, dtype=None, *, masked_grad=None) -> Tensor:
    """A dense (strided) tensor: this one already is, so ``self`` (cast when ``dtype`` is given)."""
    return self if dtype is None else self.to(dtype)


def pin_memory(self: Tensor, device=None) -> Tensor:
    """PyTorch copies a cpu tensor into page-locked memory for faster copies to a GPU.  NumPy
    memory can't be page-locked, so with a GPU this returns ``self`` (copies to the GPU work
    the same, only not asynchronously); without one it raises PyTorch's error.  A cuda tensor
    is refused, as in PyTorch."""
    from autograd_core import cuda

    if self._dev.type != "cpu":
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    return self


def is_pinned(self: Tensor, device=None) -> bool:
    """False: NumPy memory is never page-locked (see ``pin_memory``)."""
    return False


def share_memory_(self: Tensor) -> Tensor:
    """PyTorch moves the storage into shared memory so worker processes see one copy.  NumPy
    memory is private to the process, so this changes nothing and returns ``self``; workers
    receive copies (``is_shared()`` stays False, saying so)."""
    return self


def is_shared(self: Tensor) -> bool:
    """False: memory is never shared between processes here (see ``share_memory_``)."""
    return False


# ---------------------------------------------------------------------------- Python callbacks
def _refuse_requires_grad(op: str, *tensors) -> None:
    for t in tensors:
        if t._rg:  # (PyTorch refuses even under no_grad)
            raise RuntimeError(f"Can't call {op}() on Variable that requires grad. Use var.detach().{op}() instead.")


def _cpu_only(op: str, t: Tensor) -> None:
    if t._dev.type != "cpu":
        raise TypeError(f"{op}: works on cpu tensors only (it calls a Python function per element), got a tensor "
                        f"on {t._dev}; move it with .cpu() first")


def apply_(self: Tensor, callable) -> Tensor:
    """Replace every element ``x`` by ``callable(x)`` (a Python number in, one out), in place; the
    result is cast to the tensor's dtype.  Slow (one Python call per element) and cpu-only, as in
    PyTorch; refused on a tensor that requires grad.

    >>> import autograd_core as ag
    >>> ag.tensor([1, 2]).apply_(lambda v: v * 2.7)
    tensor([2, 5])
    """
    _refuse_requires_grad("apply_", self)
    _cpu_only("apply_", self)
    values = [callable(v) for v in self._data.reshape(-1).tolist()]
    new = np.array(values, dtype=np.float64 if self.dtype.kind == "f" else None)
    self._data[...] = _cast_like_pytorch(new, self.dtype).reshape(self._data.shape)
    self._bump_version()
    return self


def _cast_like_pytorch(values: np.ndarray, dt) -> np.ndarray:
    """Python results written into a tensor truncate toward zero for integer dtypes, as C++ casts do."""
    if np.dtype(dt).kind in "iu" and values.dtype.kind == "f":
        values = np.trunc(values)
    return values.astype(dt)


def map_(self: Tensor, tensor: Tensor, callable) -> Tensor:
    """``self[i] = callable(self[i], tensor[i])`` for every element, ``tensor`` broadcast to ``self``
    and of the same dtype (as PyTorch requires); in place, cpu-only, refused on tensors that
    require grad.

    >>> import autograd_core as ag
    >>> ag.tensor([1.0, 2.0]).map_(ag.tensor([10.0]), lambda a, b: a + b)
    tensor([11., 12.])
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"map_(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")
    _refuse_requires_grad("map_", self, tensor)
    _cpu_only("map_", self)
    _cpu_only("map_", tensor)
    if tensor.dtype != self.dtype:
        from autograd_core.compat import type_name

        raise TypeError(f"map_: expected {type_name(self)} for 'other' (got {type_name(tensor)})")
    try:
        other = np.broadcast_to(tensor._data, self._data.shape)
    except ValueError:
        raise RuntimeError(f"map_: the expanded size of the tensor ({tuple(self.shape)}) must match the existing "
                           f"size {tuple(tensor.shape)} of 'tensor'") from None
    values = [callable(a, b) for a, b in zip(self._data.reshape(-1).tolist(), other.reshape(-1).tolist())]
    new = np.array(values, dtype=np.float64 if self.dtype.kind == "f" else None)
    self._data[...] = _cast_like_pytorch(new, self.dtype).reshape(self._data.shape)
    self._bump_version()
    return self


# ---------------------------------------------------------------------------- random fills
def _fill_random(op: str, self: Tensor, values) -> Tensor:
    self._data[...] = values
    self._bump_version()
    return self


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Samples ``exp(N(mean, std**2))`` in place (``mean`` and ``std`` are the underlying normal's).

    >>> import autograd_core as ag
    >>> bool((ag.empty(5).log_normal_() > 0).all())
    True
    """
    IP._random_target("log_normal_", self, floating=True)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    z = IP._draw("normal", self, generator, np.dtype("float64"))
    return _fill_random("log_normal_", self, self._dev.xp.exp(z * std + mean))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Cauchy samples ``median + sigma * tan(pi * (u - 1/2))`` in place (u uniform in [0, 1))."""
    if self.dtype.kind != "f":
        raise RuntimeError(f"Cauchy distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {self.dtype}")
    IP._random_target("cauchy_", self, floating=True)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    u = IP._draw("random", self, generator, np.dtype("float64"))
    return _fill_random("cauchy_", self, median + sigma * self._dev.xp.tan(np.pi * (u - 0.5)))


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """The number of Bernoulli(``p``) trials up to and including the first success (1, 2, ...),
    in place, by inverting the CDF: ``ceil(log(1 - u) / log(1 - p))``.  Integer tensors too.

    >>> import autograd_core as ag
    >>> bool((ag.zeros(5, dtype=ag.int64).geometric_(0.5) >= 1).all())
    True
    """
    IP._random_target("geometric_", self)
    if self.dtype.kind == "b":
        raise RuntimeError("geometric_: not implemented for bool tensors; use an integer or float tensor")
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    xp = self._dev.xp
    u = IP._draw("random", self, generator, np.dtype("float64"))
    k = xp.maximum(xp.ceil(xp.log1p(-u) / np.log1p(-p)), 1.0)
    return _fill_random("geometric_", self, k)


# ---------------------------------------------------------------------------- nn.functional's, as methods
def hardshrink(self: Tensor, lambd: float = 0.5) -> Tensor:
    """``nn.functional.hardshrink(self, lambd)``: x where |x| > lambd, else 0."""
    from nn.functional import hardshrink as _hardshrink  # (nn is built on autograd_core: imported on use)

    return _hardshrink(self, lambd)


def prelu(self: Tensor, weight: Tensor) -> Tensor:
    """``nn.functional.prelu(self, weight)``: leaky ReLU with learned slopes per channel."""
    from nn.functional import prelu as _prelu

    return _prelu(self, weight)


# ---------------------------------------------------------------------------- legacy new, resize_
def new(self: Tensor, *args, device=None) -> Tensor:
    """PyTorch's legacy ``self.new(...)``: ``Tensor(...)`` with ``self``'s dtype and device. Sizes
    (``new(2, 3)``, a ``Size``) give an uninitialised (here zeroed) tensor, a sequence is data
    (cast to ``self``'s dtype), a tensor is shared; no arguments, an empty tensor.

    >>> import autograd_core as ag
    >>> ag.tensor([1, 2]).new([1.5, 2.0])
    tensor([1, 2])
    """
    from autograd_core.factories import _legacy_array

    dev = self._dev if device is None else _get_device(device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0]
        if src.dtype != self.dtype or src._dev is not dev:
            raise TypeError(f"new(): expected a tensor of dtype {self.dtype} on {dev} (self's), got dtype "
                            f"{src.dtype} on {src._dev}")
        out = Tensor._wrap(src._data, dev)
        out._vc = src._version_box()
        return out
    if len(args) == 1 and isinstance(args[0], (builtins.float, builtins.complex, np.floating)):
        raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
    return Tensor._wrap(_legacy_array(args, self.dtype, dev), dev)


def _sizes(op: str, args) -> tuple:
    from autograd_core.size import Size

    sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list, Size)) else args
    for s in sizes:
        if not isinstance(s, (builtins.int, np.integer)) or isinstance(s, builtins.bool):
            raise TypeError(f"{op}(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {s}: {list(sizes)}")
    return tuple(builtins.int(s) for s in sizes)


def resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """Give the tensor a new shape in place, keeping its first elements in memory order, as
    PyTorch's ``resize_`` on a tensor that doesn't require grad: shrinking (or keeping the number
    of elements) reuses the same memory, so views still see it; growing allocates new memory
    with the old elements first and the rest uninitialised (here: zeros), leaving earlier views
    on the old memory.  A tensor that requires grad is refused, as in PyTorch; so is resizing a
    non-contiguous view to another shape (its memory order isn't its element order: call
    ``.contiguous()`` first).

    >>> import autograd_core as ag
    >>> ag.arange(6.0).resize_(2, 2)
    tensor([[0., 1.],
            [2., 3.]])
    """
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    shape = _sizes("resize_", sizes)
    data = self._data
    if shape == data.shape:
        return self
    if not data.flags.c_contiguous:
        raise RuntimeError(f"resize_: this tensor of shape {tuple(self.shape)} is a non-contiguous view, whose "
                           "memory order differs from its element order; resize self.contiguous() instead")
    n = builtins.int(np.prod(shape, dtype=np.int64))
    flat = data.reshape(-1)  # (a view: the tensor is contiguous)
    if n <= flat.shape[0]:
        self._data = flat[:n].reshape(shape)
    else:
        grown = self._dev.xp.zeros(n, dtype=data.dtype)
        grown[: flat.shape[0]] = flat
        self._data = grown.reshape(shape)
    self._bump_version()
    return self


def resize_as_(self: Tensor, the_template: Tensor, *, memory_format=None) -> Tensor:
    """``resize_`` to ``the_template``'s shape."""
    if not isinstance(the_template, Tensor):
        raise TypeError(f"resize_as_(): argument 'the_template' must be Tensor, not {type(the_template).__name__}")
    return resize_(self, tuple(the_template.shape))


# ---------------------------------------------------------------------------- methods of existing functions
def multinomial(self: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """``ag.multinomial(self, ...)``: indices drawn from the rows of weights in ``self``."""
    from autograd_core.factories import multinomial as _multinomial

    return _multinomial(self, num_samples, replacement, generator=generator)


def bernoulli(self: Tensor, p=None, *, generator=None) -> Tensor:
    """``ag.bernoulli(self)``: 1 with probability ``self`` (or ``p``), else 0."""
    from autograd_core.factories import bernoulli as _bernoulli

    return _bernoulli(self, p, generator=generator)


def orgqr(self: Tensor, input2: Tensor) -> Tensor:
    """``ag.orgqr(self, input2)``: the Q of ``geqrf``'s reflectors."""
    from autograd_core.ops.extra import orgqr as _orgqr

    return _orgqr(self, input2)


def ormqr(self: Tensor, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False) -> Tensor:
    """``ag.ormqr(self, input2, input3, left, transpose)``: multiply by the Q of ``geqrf``'s reflectors."""
    from autograd_core.ops.extra import ormqr as _ormqr

    return _ormqr(self, input2, input3, left, transpose)


METHODS = {
    "byte": byte, "char": char, "short": short, "get_device": get_device, "ndimension": ndimension,
    "is_inference": is_inference, "is_conj": _false, "is_neg": _false, "conj": conj,
    "resolve_conj": resolve_conj, "resolve_neg": resolve_neg, "to_dense": to_dense, "pin_memory": pin_memory,
    "is_pinned": is_pinned, "share_memory_": share_memory_, "is_shared": is_shared, "apply_": apply_, "map_": map_,
    "log_normal_": log_normal_, "cauchy_": cauchy_, "geometric_": geometric_, "hardshrink": hardshrink,
    "prelu": prelu, "new": new, "resize_": resize_, "resize_as_": resize_as_, "multinomial": multinomial,
    "bernoulli": bernoulli, "orgqr": orgqr, "ormqr": ormqr,
}  # fmt: skip

PROPERTIES = {
    "nbytes": _nbytes, "itemsize": _itemsize, "is_cpu": _is_cpu, "layout": lambda self: strided,
    "is_sparse": _false, "is_quantized": _false, "is_meta": _false, "output_nr": _output_nr,
}  # fmt: skip
