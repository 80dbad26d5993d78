"""In-place ops (``add_``, ``mul_``, ``zero_`` ...): what optimizers and initialisers need.

They write into the tensor's array and bump its version counter, so a backward
that saved this tensor refuses to run on the modified value.

Outside ``no_grad()``, on a tensor in the graph (or with an operand that requires
grad), ``add_``/``sub_``/``mul_``/``div_``/``clamp_`` and ``x[i] = v`` (index.py) are
recorded as PyTorch records them (``_recorded``): the value is computed by the
out-of-place op, written into the tensor's memory, and the tensor takes that op's node
as its ``grad_fn``.  So are ``relu_``, ``sigmoid_``, ``tanh_``, ``exp_``, ``masked_fill_``,
``scatter_`` and ``index_fill_`` (``_out_of_place_into``), which otherwise compute the
out-of-place op with nothing recorded and write its result in.  Refused with a clear error: on a leaf that requires grad (as in
PyTorch), and while another live tensor in the graph shares the memory (a view, or the
tensor viewed: its history would go stale).  The other in-place ops are allowed only
where nothing is recorded.
"""

from __future__ import annotations

import builtins
import operator

import numpy as np

from autograd_core.grad_mode import GRAD_ENABLED
from autograd_core.ops import elementwise as _E
from autograd_core.tensor import Tensor, _has_graph_aliases

# The out-of-place op that records each in-place arithmetic op (see _recorded).
_OUT_OF_PLACE = {"add_": _E.add, "sub_": _E.sub, "mul_": _E.mul, "div_": _E.div}


def _target(op: str, t: Tensor) -> None:
    if t._rg and GRAD_ENABLED[0]:
        what = "a leaf tensor that requires grad" if t._node is None else "a tensor that is part of the graph"
        raise RuntimeError(
            f"{op}: in-place ops on {what} are not recorded; wrap the update in `with ag.no_grad():` "
            "(as optimizers do) or use the out-of-place form"
        )


def _refuse_grad_operand(op: str) -> None:
    raise RuntimeError(
        f"{op}: the other operand requires grad, but in-place ops are not recorded, so its gradient "
        "would be lost; use the out-of-place form (x = x + y, ag.where, ag.cat), or pass other.detach() "
        "if no gradient should flow through it"
    )


def _recorded(op: str, t: Tensor, compute) -> Tensor:
    """An in-place op on the tape: ``t`` becomes ``compute(old)``, the out-of-place op (or any
    composition of ops) applied to a copy of its old value with its history; same object and
    memory, new value and ``grad_fn``.  The copy is what any node inside ``compute`` may have
    saved (``mul_``'s node saves the old value; a composition may save it or a view of it deep
    inside), since ``t``'s own memory is about to be overwritten; PyTorch clones the original
    too where a backward needs it.  Its version is bumped, so a backward that saved ``t`` itself
    refuses to run, as in PyTorch."""
    if t._rg and t._node is None:
        _target(op, t)  # a leaf that requires grad: PyTorch's error too
    if _has_graph_aliases(t):
        raise RuntimeError(
            f"{op}: another tensor in the graph shares this one's memory (a view of it, or the tensor it "
            "views) and is still alive; an in-place change would leave that one's history stale. Drop the "
            "other reference first, or use the out-of-place form (y = x * 2, not x.mul_(2))"
        )
    old = Tensor._wrap(t._data.copy(), t._dev, t._node, t._rg)  # t's old value and history, for the new nodes
    out = compute(old)
    saved = out._node._saved if out._node is not None else None
    out = _fitted(op, t, out)
    t._data[...] = out._data  # the same memory, so aliases (detach(), .data) see the new value
    t._node, t._rg = out._node, out._rg
    t._bump_version()
    if saved:
        _save_as_self(saved, out, t)
    return t


def _save_as_self(saved, out: Tensor, t: Tensor) -> None:
    """A node that saved its own output (exp, sigmoid, tanh, relu) saves ``t`` instead, as PyTorch's
    ``exp_`` saves ``self``: the same memory and version counter, so changing ``t`` in place again
    before backward makes that backward refuse to run, as in PyTorch."""
    from autograd_core.function import _SavedOutput

    if saved.__class__ is not tuple:  # (kept by a saved_tensors_hooks pack hook: nothing to re-point)
        return
    for s in saved:
        if s.__class__ is _SavedOutput and s.data is out._data:
            s.data, s.vc, s.version = t._data, t._vc, t._vc[0]


def _fitted(op: str, t: Tensor, out: Tensor) -> Tensor:
    """``out`` ready to be written into ``t``: same shape, and a dtype ``t`` can hold."""
    if out._data.shape != t._data.shape:
        raise RuntimeError(
            f"{op}: the result has shape {tuple(out.shape)}, but an in-place op can't change the tensor's "
            f"shape {tuple(t.shape)}"
        )
    if out._data.dtype != t._data.dtype:
        if out._data.dtype.kind == "f" and t._data.dtype.kind != "f":
            raise RuntimeError(f"{op}: result type {out.dtype} can't be cast to the tensor's dtype {t.dtype}")
        out = out.to(t.dtype)
    return out


def _out_of_place_into(op: str, t: Tensor, compute, *operands) -> Tensor:
    """``t`` becomes ``compute(t)``, an out-of-place op, in place: recorded (``_recorded``) when
    ``t`` is in the graph or an operand requires grad; otherwise computed with nothing recorded
    (a leaf that requires grad keeps requiring it, under ``no_grad``) and written into ``t``."""
    if GRAD_ENABLED[0] and (t._rg or builtins.any(isinstance(o, Tensor) and o._rg for o in operands)):
        return _recorded(op, t, compute)
    from autograd_core.grad_mode import no_grad

    with no_grad():
        out = _fitted(op, t, compute(t))
    t._data[...] = out._data
    t._bump_version()
    return t


def in_place(op: str, t: Tensor, compute, *operands) -> Tensor:
    """Make ``compute(t)``, any composition of out-of-place ops, the new value of ``t`` in place
    and return ``t``: how ``nn``'s ``inplace=True`` activations and dropouts work.

    Recorded as PyTorch records an in-place op when ``t`` is in the graph or a Tensor in
    ``operands`` requires grad (``t`` takes the composition's ``grad_fn`` and its version is
    bumped, so a backward that saved ``t`` refuses to run; a leaf that requires grad is refused),
    otherwise just written.  While recording, ``compute`` sees a copy of ``t``'s old value
    (``_recorded``): any node inside the composition may have saved it.

    >>> import autograd_core as ag
    >>> from autograd_core.ops.inplace import in_place
    >>> x = ag.tensor([-1.0, 2.0], requires_grad=True)
    >>> h = x * 1
    >>> y = in_place("square_", h, lambda v: v * v)
    >>> y is h, h.tolist()
    (True, [1.0, 4.0])
    >>> h.sum().backward(); x.grad.tolist()
    [-2.0, 4.0]
    """
    return _out_of_place_into(op, t, compute, *operands)


def _operand(op: str, t: Tensor, other):
    if isinstance(other, Tensor):
        if other._dev is not t._dev:
            raise RuntimeError(f"{op}: other is on {other._dev} but the tensor is on {t._dev}")
        return other._data
    return other


def _arithmetic(op: str, update, doc: str, takes_alpha: bool):
    """``add_``/``sub_``/``mul_``/``div_``: ``update(t._data, other * alpha)`` with an in-place
    operator such as ``operator.iadd``, then the version bumped.  Optimizers call these for
    every parameter at every step, so each is one function with the common case (under
    ``no_grad``, a Tensor or number operand on the same device) first."""

    def method(self: Tensor, other, *, alpha=1) -> Tensor:
        if alpha != 1 and not takes_alpha:  # mul_(other), div_(other): PyTorch's signatures have no alpha
            raise TypeError(f"{op}() got an unexpected keyword argument 'alpha'")
        if GRAD_ENABLED[0] and (self._rg or (isinstance(other, Tensor) and other._rg)):
            return _recorded(op, self, lambda old: _OUT_OF_PLACE[op](old, other if alpha == 1 else other * alpha))
        o = other._data if isinstance(other, Tensor) else other  # (nn.Parameter included)
        if o is not other and other._dev is not self._dev:
            raise RuntimeError(f"{op}: other is on {other._dev} but the tensor is on {self._dev}")
        if alpha != 1:
            o = o * alpha
        try:
            update(self._data, o)  # NumPy's and CuPy's in-place operators cast with "same_kind"
        except (TypeError, ValueError) as exc:  # dtype or shape that can't be written back
            if not isinstance(other, (Tensor, int, float, bool, np.number, np.bool_, np.ndarray, list)):
                raise TypeError(
                    f"{op}: unsupported operand type {type(other).__name__}; expected a Tensor or a Python number"
                ) from None
            shape = getattr(other, "shape", ())
            raise RuntimeError(
                f"{op}: can't write the result into a tensor of shape {tuple(self.shape)} and dtype "
                f"{self.dtype} (other: shape {tuple(shape)}, dtype {getattr(other, 'dtype', type(other).__name__)}): "
                f"{exc}"
            ) from None
        vc = self._vc  # Tensor._bump_version, inlined
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1
        return self

    method.__name__ = method.__qualname__ = op
    method.__doc__ = doc
    return method


add_ = _arithmetic("add_", operator.iadd, "``self += alpha * other`` in place.", True)
sub_ = _arithmetic("sub_", operator.isub, "``self -= alpha * other`` in place.", True)
mul_ = _arithmetic("mul_", operator.imul, "``self *= other`` in place.", False)
div_ = _arithmetic("div_", operator.itruediv, "``self /= other`` in place.", False)


def zero_(self: Tensor) -> Tensor:
    return fill_(self, 0)


def fill_(self: Tensor, value) -> Tensor:
    """Set every element to ``value`` in place."""
    _target("fill_", self)
    self._data[...] = value.item() if isinstance(value, Tensor) else value
    self._bump_version()
    return self


def fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Set the main diagonal to ``fill_value`` in place (all dims equal in length beyond 2-D; for a
    tall matrix, ``wrap=True`` restarts the diagonal every ``cols + 1`` rows, as in PyTorch)."""
    _target("fill_diagonal_", self)
    shape = self._data.shape
    if self._data.ndim < 2 or (self._data.ndim > 2 and len(set(shape)) != 1):
        raise RuntimeError(
            f"fill_diagonal_: expected a 2-D tensor, or all dims of equal length, got shape {tuple(shape)}"
        )
    self._dev.xp.fill_diagonal(self._data, fill_value.item() if isinstance(fill_value, Tensor) else fill_value,
                               wrap=wrap)
    self._bump_version()
    return self


def copy_(self: Tensor, src) -> Tensor:
    """Copy ``src`` (broadcast, cast, and moved across devices if needed) into ``self``."""
    _target("copy_", self)
    if isinstance(src, Tensor):
        if src._rg and GRAD_ENABLED[0]:
            _refuse_grad_operand("copy_")
        data = src._data if src._dev is self._dev else self._dev.backend.asarray(src._dev.backend.to_numpy(src._data))
    else:
        data = self._dev.backend.asarray(src)
    try:
        self._data[...] = data
    except ValueError:
        raise RuntimeError(
            f"copy_: source of shape {tuple(getattr(src, 'shape', ()))} can't be broadcast to {tuple(self.shape)}"
        ) from None
    self._bump_version()
    return self


def clamp_(self: Tensor, min=None, max=None) -> Tensor:
    """Limit values to [min, max] in place; the bounds may be numbers or tensors that broadcast to ``self``."""
    if min is None and max is None:
        raise ValueError("clamp_: at least one of min and max must be given")
    if GRAD_ENABLED[0] and (self._rg or builtins.any(isinstance(b, Tensor) and b._rg for b in (min, max))):
        from autograd_core.ops.elementwise import clamp

        return _recorded("clamp_", self, lambda old: clamp(old, min, max))
    try:
        self._dev.xp.clip(self._data, _operand("clamp_", self, min), _operand("clamp_", self, max), out=self._data)
    except (TypeError, ValueError) as exc:  # a bound that doesn't broadcast to self, or a float bound on ints
        raise RuntimeError(f"clamp_: can't clamp a tensor of shape {tuple(self.shape)} and dtype {self.dtype} "
                           f"in place to these bounds: {exc}") from None
    self._bump_version()
    return self


def addcmul_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``self += value * tensor1 * tensor2`` in place (used by Adam-style updates)."""
    _target("addcmul_", self)
    self._data += value * (tensor1._data * tensor2._data)
    self._bump_version()
    return self


def addcdiv_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``self += value * tensor1 / tensor2`` in place."""
    _target("addcdiv_", self)
    self._data += value * (tensor1._data / tensor2._data)
    self._bump_version()
    return self


def lerp_(self: Tensor, end, weight) -> Tensor:
    """``lerp`` in place (``self += weight * (end - self)``, computed as ``lerp`` computes it);
    ``weight`` a number or a tensor; recorded when ``self`` or an operand is in the graph."""
    return _out_of_place_into("lerp_", self, lambda old: _E.lerp(old, end, weight), end, weight)


def _draw(kind: str, self: Tensor, generator, dtype=None, *bounds):
    """Samples in ``self``'s shape from the device's default stream, or ``generator``'s:
    ``kind`` is the back end's ``random`` (uniform [0, 1)), ``normal`` or ``integers``."""
    from autograd_core.factories import _rng

    rng = _rng(generator, self._dev)
    extra = {} if rng is None else {"rng": rng}
    return getattr(self._dev.backend, kind)(*bounds, self._data.shape, dtype or self.dtype, **extra)


def _random_target(op: str, self: Tensor, floating: bool = False) -> None:
    _target(op, self)
    if floating and self.dtype.kind != "f":
        raise RuntimeError(f"{op}: a continuous distribution needs a floating-point tensor, this one is {self.dtype}")


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    _random_target("normal_", self, floating=True)
    self._data[...] = _draw("normal", self, generator) * std + mean
    self._bump_version()
    return self


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    _random_target("uniform_", self, floating=True)
    self._data[...] = _draw("random", self, generator) * (b - a) + a
    self._bump_version()
    return self


def random_(self: Tensor, from_: int | None = None, to: int | None = None, *, generator=None, **kw) -> Tensor:
    """Integers drawn uniformly from ``[from, to)``; ``random_(to)`` means ``[0, to)``.  With no
    bound, as PyTorch: ``[0, 2**mantissa]`` for floats (every value exact), the dtype's range for
    integers, {False, True} for bool.

    >>> import autograd_core as ag
    >>> x = ag.zeros(100).random_(3)
    >>> sorted(set(x.tolist()))
    [0.0, 1.0, 2.0]
    """
    if "from" in kw:  # (PyTorch's keyword is ``from``, a Python keyword)
        from_ = kw.pop("from")
    elif to is None and from_ is not None:  # random_(to)
        from_, to = 0, from_
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument {next(iter(kw))!r}")
    _random_target("random_", self)
    from_ = 0 if from_ is None else from_
    if to is None:
        dt = self.dtype
        to = (2 ** (np.finfo(dt).nmant + 1) + 1 if dt.kind == "f" else 2 if dt.kind == "b"
              else builtins.int(np.iinfo(dt).max))
    if from_ >= to:
        raise RuntimeError(f"random_: expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    self._data[...] = _draw("integers", self, generator, np.dtype("int64"), from_, to).astype(self.dtype)
    self._bump_version()
    return self


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """1 with probability ``p`` (a number, or a tensor broadcast to ``self``), else 0, in place.

    >>> import autograd_core as ag
    >>> ag.zeros(4).bernoulli_(ag.tensor([0.0, 1.0, 0.0, 1.0])).tolist()
    [0.0, 1.0, 0.0, 1.0]
    """
    _random_target("bernoulli_", self)
    probs = p._data if isinstance(p, Tensor) else p
    if isinstance(probs, (builtins.int, builtins.float)):
        outside = not 0 <= probs <= 1
    else:
        outside = bool(((probs < 0) | (probs > 1)).any())
    if outside:
        raise RuntimeError(f"bernoulli_: expects p to be in [0, 1], but got p={p}")
    self._data[...] = _draw("random", self, generator, np.dtype("float64")) < probs
    self._bump_version()
    return self


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Exponential samples with rate ``lambd`` (mean ``1 / lambd``), in place, by inverting the
    CDF: ``-log(1 - u) / lambd`` for uniform ``u`` in [0, 1), which never takes the log of 0."""
    _random_target("exponential_", self, floating=True)
    if not lambd > 0:
        raise RuntimeError(f"exponential_: expects lambda > 0.0, but found lambda={lambd}")
    u = _draw("random", self, generator, np.dtype("float64"))
    self._data[...] = -self._dev.xp.log1p(-u) / lambd
    self._bump_version()
    return self


def relu_(self: Tensor) -> Tensor:
    """``max(self, 0)`` in place; recorded in the graph as ``relu``."""
    return _out_of_place_into("relu_", self, _E.relu)


def sigmoid_(self: Tensor) -> Tensor:
    """The logistic sigmoid in place (a float tensor); recorded in the graph as ``sigmoid``."""
    return _out_of_place_into("sigmoid_", self, _E.sigmoid)


def tanh_(self: Tensor) -> Tensor:
    """``tanh`` in place (a float tensor); recorded in the graph as ``tanh``."""
    return _out_of_place_into("tanh_", self, _E.tanh)


def exp_(self: Tensor) -> Tensor:
    """``exp`` in place (a float tensor); recorded in the graph as ``exp``."""
    return _out_of_place_into("exp_", self, _E.exp)


def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    """``value`` written where ``mask`` (broadcast to self) is True; see ``masked_fill``.

    >>> import autograd_core as ag
    >>> x = ag.tensor([1.0, -2.0, 3.0])
    >>> x.masked_fill_(x < 0, 0.0)
    tensor([1., 0., 3.])
    """
    from autograd_core.ops.index import masked_fill

    return _out_of_place_into("masked_fill_", self, lambda old: masked_fill(old, mask, value), value)


def scatter_(self: Tensor, dim: int, index: Tensor, src=None, *, value=None) -> Tensor:
    """``src`` (a tensor or a number, or ``value=``) written where ``index`` points along ``dim``;
    see ``scatter``."""
    from autograd_core.ops.index import scatter

    return _out_of_place_into("scatter_", self, lambda old: scatter(old, dim, index, src, value=value), src)


def index_fill_(self: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """The slices along ``dim`` that ``index`` names set to ``value``; see ``index_fill``."""
    from autograd_core.ops.index import index_fill

    return _out_of_place_into("index_fill_", self, lambda old: index_fill(old, dim, index, value), value)


# ---------------------------------------------------------------------------- the in-place family, from a table
def _in_place(name: str, fn):
    """``self.name(*args)``: ``self`` becomes ``fn(self, *args)``, the out-of-place op, written into
    its own memory in its own dtype (a float result is refused in an integer tensor, as in
    PyTorch) and recorded when ``self`` or a tensor operand is in the graph (``_out_of_place_into``)."""

    def method(self: Tensor, *args, **kwargs) -> Tensor:
        operands = args + tuple(kwargs.values())
        return _out_of_place_into(name, self, lambda old: fn(old, *args, **kwargs), *operands)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = (
        f"``{name[:-1]}`` in place: the tensor becomes ``{name[:-1]}(self, ...)``, keeping its dtype; recorded in "
        "the graph when the tensor is in it."
    )
    return method


def _comparison(fn):
    """A comparison written into ``self`` (1 or 0 in its dtype).  On a tensor in the graph PyTorch
    records it with a zero gradient, so the tensor still requires grad: the same here."""

    def compute(old: Tensor, other) -> Tensor:
        out = fn(old, other)
        if not old._rg:
            return out
        return _E.PiecewiseConstant.apply(lambda xp, a: out._data.astype(a.dtype), old)

    return compute


def _float_power_(self: Tensor, exponent) -> Tensor:
    if self._data.dtype.name != "float64":
        raise RuntimeError(
            f"float_power_: the base given to float_power_ has dtype {self.dtype} but the operation's result "
            "requires dtype float64; use the out-of-place float_power, or .double() first"
        )
    return _E.float_power(self, exponent)


def _special_ops():
    from autograd_core.ops import special as SP

    return {
        "erf_": SP.erf, "erfc_": SP.erfc, "erfinv_": SP.erfinv, "lgamma_": SP.lgamma, "digamma_": SP.digamma,
        "polygamma_": lambda x, n: SP.polygamma(n, x), "mvlgamma_": SP.mvlgamma,
        "i0_": SP.i0, "igamma_": SP.igamma, "igammac_": SP.igammac,
    }


_IN_PLACE_OPS = {
    # unary math
    "abs_": _E.abs, "absolute_": _E.abs, "neg_": _E.neg, "negative_": _E.neg, "exp2_": _E.exp2,
    "expm1_": _E.expm1, "log_": _E.log, "log2_": _E.log2, "log10_": _E.log10, "log1p_": _E.log1p,
    "sqrt_": _E.sqrt, "rsqrt_": _E.rsqrt, "square_": _E.square, "reciprocal_": _E.reciprocal, "sin_": _E.sin,
    "cos_": _E.cos, "tan_": _E.tan, "asin_": _E.asin, "acos_": _E.acos, "atan_": _E.atan, "sinh_": _E.sinh,
    "cosh_": _E.cosh, "asinh_": _E.asinh, "acosh_": _E.acosh, "atanh_": _E.atanh, "arcsin_": _E.asin,
    "arccos_": _E.acos, "arctan_": _E.atan, "arcsinh_": _E.asinh, "arccosh_": _E.acosh, "arctanh_": _E.atanh,
    "floor_": _E.floor, "ceil_": _E.ceil, "round_": _E.round, "trunc_": _E.trunc, "fix_": _E.trunc,
    "frac_": _E.frac, "sign_": _E.sign, "sgn_": _E.sign, "logit_": _E.logit, "nan_to_num_": _E.nan_to_num,
    "sinc_": _E.sinc, "deg2rad_": _E.deg2rad, "rad2deg_": _E.rad2deg,
    # binary math
    "pow_": _E.pow, "float_power_": _float_power_, "fmod_": _E.fmod, "remainder_": _E.remainder,
    "floor_divide_": _E.floor_divide, "atan2_": _E.atan2, "arctan2_": _E.atan2, "hypot_": _E.hypot,
    "xlogy_": _E.xlogy, "copysign_": _E.copysign, "heaviside_": _E.heaviside, "ldexp_": _E.ldexp,
    "nextafter_": _E.nextafter, "clamp_min_": _E.clamp_min, "clamp_max_": _E.clamp_max,
    # comparisons, logical and bitwise
    "eq_": _comparison(_E.eq), "ne_": _comparison(_E.ne), "not_equal_": _comparison(_E.ne),
    "lt_": _comparison(_E.lt), "less_": _comparison(_E.lt), "le_": _comparison(_E.le),
    "less_equal_": _comparison(_E.le), "gt_": _comparison(_E.gt), "greater_": _comparison(_E.gt),
    "ge_": _comparison(_E.ge), "greater_equal_": _comparison(_E.ge),
    "logical_and_": _E.logical_and, "logical_or_": _E.logical_or, "logical_xor_": _E.logical_xor,
    "logical_not_": _E.logical_not, "bitwise_and_": _E.bitwise_and, "bitwise_or_": _E.bitwise_or,
    "bitwise_xor_": _E.bitwise_xor, "bitwise_not_": _E.bitwise_not,
}
_IN_PLACE_OPS.update(_special_ops())


def _matrix_ops():
    from autograd_core.ops import composite as CO
    from autograd_core.ops import linalg as L
    from autograd_core.ops import reduce as R
    from autograd_core.ops import shape as S

    return {
        "tril_": S.tril, "triu_": S.triu, "cumsum_": R.cumsum, "cumprod_": R.cumprod, "addmm_": L.addmm,
        "addmv_": L.addmv, "addr_": L.addr, "baddbmm_": CO.baddbmm, "addbmm_": L.addbmm, "renorm_": L.renorm,
    }


_IN_PLACE_OPS.update(_matrix_ops())  # (shape-keeping matrix and scan ops: tril_, addmm_, cumsum_ ...)

IN_PLACE = {name: _in_place(name, fn) for name, fn in _IN_PLACE_OPS.items()}
# PyTorch's other names for in-place ops written above
IN_PLACE.update(multiply_=mul_, divide_=div_, true_divide_=div_, subtract_=sub_, clip_=clamp_)
sqrt_ = IN_PLACE["sqrt_"]
