"""Mixed precision: ``autocast`` (which ops run in float16, which in float32) and ``GradScaler``.

The whole autocast policy lives in this file.  An op that autocast concerns starts with one
read, ``if AUTOCAST[0]:`` (a list item: the cheapest test Python has), and only while some
autocast region is enabled calls ``lower_precision`` or ``to_float32`` here, which look the op
up in the tables below for the device type of its inputs and cast what is eligible.  The casts
are ordinary recorded ops (``Tensor.to``), so gradients flow back to each input in its own
dtype: a float32 parameter used by a float16 matmul gets a float32 ``.grad``.

The tables follow PyTorch's autocast op reference (docs ``amp.rst``, "CUDA Ops that can
autocast to float16" / "to float32", and the CPU lists), restricted to the ops tapegrad has,
and checked against PyTorch's CPU autocast where PyTorch runs it.  As in PyTorch, the CPU and
CUDA lists differ: on cpu, softmax and log_softmax keep their input dtype; on cuda they run in
float32.  float64 tensors are never cast, as in PyTorch.

PyTorch's CPU autocast defaults to bfloat16, which NumPy (hence tapegrad) lacks: on cpu pass
``dtype=ag.float16``.

>>> import autograd_core as ag
>>> a, b = ag.ones(2, 3), ag.ones(3, 2)
>>> with ag.autocast("cpu", dtype=ag.float16):
...     str((a @ b).dtype), str(ag.softmax(a @ b, 1).dtype)
('float16', 'float16')
>>> str((a @ b).dtype)
'float32'
"""

from __future__ import annotations

import functools
import warnings
from collections import abc

import numpy as np

from autograd_core import dtypes
from autograd_core.grad_mode import GRAD_ENABLED, no_grad

# True while autocast is enabled on some device type: the one read an op makes.
AUTOCAST = [False]

# Ops that run in the autocast dtype (float16).  PyTorch's lists, the ops tapegrad has.
_LOWER_CPU = frozenset({
    "matmul", "mm", "bmm", "addmm", "addbmm", "baddbmm", "linear", "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "prelu", "scaled_dot_product_attention",
})  # fmt: skip
_LOWER_CUDA = _LOWER_CPU | {"mv", "addmv", "addr", "chain_matmul"}

# Ops that run in float32 whatever their (non-float64) floating inputs are.
_FLOAT32_CPU = frozenset({
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div",
})  # fmt: skip
# On cuda, softmax and log_softmax are "float32 unless a dtype is given" (PyTorch's fp32_set_opt_dtype);
# binary_cross_entropy is refused under CUDA autocast (see to_float32).
_FLOAT32_CUDA = (_FLOAT32_CPU - {"binary_cross_entropy"}) | {"softmax", "log_softmax"}

_LOWER = {"cpu": _LOWER_CPU, "cuda": _LOWER_CUDA}
_FLOAT32 = {"cpu": _FLOAT32_CPU, "cuda": _FLOAT32_CUDA}
_SUPPORTED = {"cpu": (dtypes.float16,), "cuda": (dtypes.float16,)}

# Per device type: [enabled, dtype].  The cpu default is float16 here (PyTorch's is bfloat16).
_STATE = {"cpu": [False, dtypes.float16], "cuda": [False, dtypes.float16]}
_CACHE_ENABLED = [True]
_NESTING = [0]
_CACHE: dict = {}  # id(leaf) -> (leaf, its version, its cast): each weight is cast once per region


def _device_type(op: str, device_type) -> str:
    if not isinstance(device_type, str):
        raise ValueError(f"{op}: expected `device_type` of type `str`, got: `{type(device_type)}`")
    if device_type not in _STATE:
        raise RuntimeError(f"{op}: device_type must be 'cpu' or 'cuda' (tapegrad's devices), got {device_type!r}")
    return device_type


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can run on this device type (``'cpu'`` and ``'cuda'``)."""
    return _device_type("is_autocast_available", device_type) in _STATE


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for ``device_type`` (default ``'cuda'``, as PyTorch's no-argument form)."""
    return _STATE[_device_type("is_autocast_enabled", "cuda" if device_type is None else device_type)][0]


def get_autocast_dtype(device_type: str):
    """The dtype the lower-precision ops use on ``device_type`` (inside an autocast region, its dtype)."""
    return _STATE[_device_type("get_autocast_dtype", device_type)][1]


def is_autocast_cache_enabled() -> bool:
    return _CACHE_ENABLED[0]


def clear_autocast_cache() -> None:
    """Forget the cached casts of weights (done when the outermost autocast region exits)."""
    _CACHE.clear()


class autocast:
    """Run the ops of PyTorch's autocast lists in lower precision on ``device_type``, as
    ``torch.autocast``: a context manager and a decorator.  ``enabled=False`` switches autocast
    off inside (nested regions restore the outer state on exit).  ``cache_enabled`` keeps the
    float16 copy of each float32 leaf that requires grad (the weights) for the whole region.

    >>> import autograd_core as ag
    >>> w = ag.ones(3, 3, requires_grad=True)
    >>> with ag.autocast("cpu", dtype=ag.float16):
    ...     y = ag.ones(2, 3) @ w
    ...     with ag.autocast("cpu", enabled=False):
    ...         z = ag.ones(2, 3) @ w
    >>> str(y.dtype), str(z.dtype)
    ('float16', 'float32')
    >>> y.float().sum().backward()
    >>> str(w.grad.dtype)
    'float32'
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled: bool | None = None):
        self.device = _device_type("autocast", device_type)
        self.fast_dtype = _STATE[device_type][1] if dtype is None else dtypes.to_dtype(dtype)
        self._enabled = bool(enabled)
        self._cache_enabled = _CACHE_ENABLED[0] if cache_enabled is None else bool(cache_enabled)
        self._saved: list = []
        if not self._enabled:
            return
        if device_type == "cpu" and dtype is None and not _STATE["cpu"][0]:
            raise RuntimeError(
                "autocast: PyTorch's cpu autocast defaults to bfloat16, which tapegrad does not have "
                "(NumPy lacks it); pass dtype=ag.float16, or enabled=False"
            )
        if device_type == "cuda" and not _cuda_available():
            warnings.warn("CUDA is not available. Disabling autocast.", UserWarning, stacklevel=2)
            self._enabled = False
        elif self.fast_dtype not in _SUPPORTED[device_type]:
            name = "CPU" if device_type == "cpu" else "CUDA"
            warnings.warn(
                f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
                f"{name} Autocast only supports dtype of torch.float16 in tapegrad currently "
                f"(got {dtypes.to_dtype(self.fast_dtype)}).",
                UserWarning,
                stacklevel=2,
            )
            self._enabled = False

    def __enter__(self):
        state = _STATE[self.device]
        self._saved.append((state[0], state[1], _CACHE_ENABLED[0]))
        state[0], state[1] = self._enabled, self.fast_dtype
        _CACHE_ENABLED[0] = self._cache_enabled
        _NESTING[0] += 1
        AUTOCAST[0] = any(s[0] for s in _STATE.values())
        return self

    def __exit__(self, *exc) -> None:
        state = _STATE[self.device]
        state[0], state[1], _CACHE_ENABLED[0] = self._saved.pop()
        _NESTING[0] -= 1
        if _NESTING[0] == 0:
            clear_autocast_cache()
        AUTOCAST[0] = any(s[0] for s in _STATE.values())

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return decorated


def _cuda_available() -> bool:
    from backends import DeviceError, get_device

    try:
        get_device("cuda")
        return True
    except DeviceError:
        return False


def _op_device_type(tensors) -> str | None:
    for t in tensors:
        dev = getattr(t, "_dev", None)
        if dev is not None:
            return dev.type
    return None


def _cast(t, dtype, device_type: str, cacheable: bool):
    """``t`` in ``dtype`` when autocast may cast it: a floating tensor on the region's device
    type that is not float64 (PyTorch never casts those); anything else unchanged."""
    data = getattr(t, "_data", None)
    if data is None or t._dev.type != device_type or data.dtype.kind != "f" or data.dtype == dtype:
        return t
    if data.dtype == np.float64:
        return t
    if cacheable and _CACHE_ENABLED[0] and t._rg and t._node is None and GRAD_ENABLED[0] and data.dtype == np.float32:
        hit = _CACHE.get(id(t))
        if hit is not None and hit[0] is t and hit[1] == t._version:
            return hit[2]
        out = t.to(dtype)
        _CACHE[id(t)] = (t, t._version, out)
        return out
    return t.to(dtype)


def lower_precision(op: str, *tensors) -> tuple:
    """The inputs of ``op``, cast to the autocast dtype if ``op`` runs in lower precision under
    the autocast region of its inputs' device type (``None`` and non-tensors pass through)."""
    device_type = _op_device_type(tensors)
    state = _STATE.get(device_type)
    if state is None or not state[0] or op not in _LOWER[device_type]:
        return tensors
    return tuple(_cast(t, state[1], device_type, True) for t in tensors)


def to_float32(op: str, *tensors) -> tuple:
    """The inputs of ``op``, cast to float32 if ``op`` is one of the autocast "float32" ops on
    its inputs' device type."""
    device_type = _op_device_type(tensors)
    state = _STATE.get(device_type)
    if state is None or not state[0]:
        return tensors
    if op == "binary_cross_entropy" and device_type == "cuda":  # PyTorch's refusal, and its advice
        raise RuntimeError(
            "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
            "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
            "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
            "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
            "safe to autocast."
        )
    if op not in _FLOAT32[device_type]:
        return tensors
    return tuple(_cast(t, dtypes.float32, device_type, False) for t in tensors)


def float32_dtype(op: str, input, dtype):
    """For ops with a ``dtype=`` argument that autocast runs in float32 (softmax, log_softmax on
    cuda): ``dtype`` if given, else float32 when ``input`` is eligible (PyTorch's fp32_set_opt_dtype)."""
    if dtype is not None:
        return dtype
    device_type = _op_device_type((input,))
    state = _STATE.get(device_type)
    if state is None or not state[0] or op not in _FLOAT32[device_type]:
        return None
    data = input._data
    return dtypes.float32 if data.dtype.kind == "f" and data.dtype != np.float64 else None


# ---------------------------------------------------------------------------- GradScaler
_READY, _UNSCALED, _STEPPED = 0, 1, 2


def _fresh_optimizer_state() -> dict:
    return {"stage": _READY, "found_inf_per_device": {}}


class GradScaler:
    """Loss scaling for float16 training, as ``torch.amp.GradScaler``: ``scale(loss)`` multiplies
    the loss by the scale so small float16 gradients don't flush to zero; ``step(optimizer)``
    unscales the gradients (unless ``unscale_`` already did) and skips the step when any is inf
    or NaN; ``update()`` halves the scale after a skipped step (``backoff_factor``) and doubles it
    after ``growth_interval`` steps in a row without one (``growth_factor``).

    With ``enabled=False`` every method is a pass-through, so one script serves both precisions.
    ``device="cuda"`` without a GPU warns and disables the scaler, as PyTorch does.

    >>> import autograd_core as ag, nn, optim
    >>> model = nn.Linear(2, 1)
    >>> opt = optim.SGD(model.parameters(), lr=0.1)
    >>> scaler = ag.amp.GradScaler("cpu", init_scale=1024.0)
    >>> scaler.scale(model(ag.ones(1, 2)).sum()).backward()
    >>> scaler.step(opt); scaler.update()
    >>> scaler.get_scale()
    1024.0
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = bool(enabled)
        if self._enabled and device == "cuda" and not _cuda_available():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          UserWarning, stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale = None  # a float32 0-d tensor on the device of the first scaled output
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None  # an int32 0-d tensor: successful steps since the last change
            self._per_optimizer_states: dict = {}

    def _opt_state(self, optimizer) -> dict:
        return self._per_optimizer_states.setdefault(id(optimizer), _fresh_optimizer_state())

    def _check_scale_growth_tracker(self, funcname: str) -> None:
        if self._scale is None:  # (AssertionError, as PyTorch)
            raise AssertionError(
                f"Attempted {funcname} but _scale is None.  This may indicate your script did not use "
                "scaler.scale(loss or outputs) earlier in the iteration."
            )

    def _lazy_init_scale_growth_tracker(self, dev) -> None:
        from autograd_core.factories import full

        self._scale = full((), self._init_scale, dtype=dtypes.float32, device=dev)
        self._growth_tracker = full((), self._init_growth_tracker, dtype=dtypes.int32, device=dev)

    def scale(self, outputs):
        """``outputs`` (a tensor, or lists/tuples of them, nested) multiplied by the scale."""
        from autograd_core.tensor import Tensor

        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            if self._scale is None:
                self._lazy_init_scale_growth_tracker(outputs.device)
            return outputs * self._scale.to(outputs.device)

        def apply_scale(val):
            if isinstance(val, Tensor):
                if self._scale is None:
                    self._lazy_init_scale_growth_tracker(val.device)
                return val * self._scale.to(val.device)
            if isinstance(val, abc.Iterable):
                scaled = map(apply_scale, val)
                return type(val)(scaled) if isinstance(val, (list, tuple)) else scaled
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply_scale(outputs)

    def _unscale_grads_(self, optimizer, inv_scale, found_inf, allow_fp16: bool) -> dict:
        """Multiply every gradient by ``inv_scale`` in place and record, per device, whether any
        was inf or NaN (PyTorch's ``_amp_foreach_non_finite_check_and_unscale_``: one reduction
        per gradient, no transfer to the host)."""
        from autograd_core.ops.elementwise import isfinite, maximum

        found = {}
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    grad = param.grad
                    if grad is None:
                        continue
                    if not allow_fp16 and grad.dtype == dtypes.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    dev = grad.device
                    if dev not in found:
                        found[dev] = (found_inf.to(dev), inv_scale.to(dev))
                    flag, inv = found[dev]
                    bad = isfinite(grad).all().logical_not().to(dtypes.float32)
                    found[dev] = (maximum(flag, bad), inv)
                    grad.mul_(inv)
        return {dev: flag for dev, (flag, _) in found.items()}

    def unscale_(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale in place (before clipping them, say).
        Once per optimizer between ``update()`` calls; ``step`` then does not unscale again."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._opt_state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        from autograd_core.factories import full

        # The reciprocal in float64, then float32: as PyTorch computes it.
        inv_scale = self._scale.double().reciprocal().float()
        found_inf = full((), 0.0, dtype=dtypes.float32, device=self._scale.device)
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale, found_inf, False)
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """Unscale (if not done yet) and call ``optimizer.step(*args, **kwargs)`` unless a gradient
        is inf or NaN; returns what the step returned, or None when it was skipped."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._opt_state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        if not state["found_inf_per_device"]:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = None
        if not sum(v.item() for v in state["found_inf_per_device"].values()):
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return retval

    def update(self, new_scale=None) -> None:
        """Back off the scale if this iteration found an inf/NaN gradient, grow it after
        ``growth_interval`` clean steps; or set it to ``new_scale`` (a float or a 1-element tensor)."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                self._scale.fill_(new_scale)
            else:
                reason = ("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                          "torch.FloatTensor with requires_grad=False.")
                if new_scale.device.type != self._scale.device.type or new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError(reason)
                self._scale.copy_(new_scale.reshape(()))
        else:
            found_infs = [f.to(self._scale.device) for st in self._per_optimizer_states.values()
                          for f in st["found_inf_per_device"].values()]
            if not found_infs:
                raise AssertionError("No inf checks were recorded prior to update.")
            found = found_infs[0]
            for f in found_infs[1:]:
                found = found + f
            self._update_scale(found)
        self._per_optimizer_states = {}

    def _update_scale(self, found_inf) -> None:
        """PyTorch's ``_amp_update_scale_``, on the device (no host round trip): on an inf, scale *=
        backoff and the tracker restarts; else the tracker counts up, and at ``growth_interval`` the
        scale grows (unless that would overflow float32) and the tracker restarts."""
        from autograd_core.ops.elementwise import isfinite, where

        with no_grad():
            inf = found_inf > 0
            counted = self._growth_tracker + 1
            grow = counted >= self._growth_interval
            grown = self._scale * self._growth_factor
            grown_ok = grow & isfinite(grown)
            new_scale = where(inf, self._scale * self._backoff_factor, where(grown_ok, grown, self._scale))
            new_tracker = where(inf | grow, 0, counted)
            self._scale.copy_(new_scale)
            self._growth_tracker.copy_(new_tracker.to(dtypes.int32))

    # -- accessors, as PyTorch's ---------------------------------------------
    def get_scale(self) -> float:
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale.item()

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker.item()

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict:
        """``scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval``, ``_growth_tracker``
        (PyTorch's keys), or ``{}`` when disabled."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict["_growth_tracker"])


# ---------------------------------------------------------------------------- namespaces
class _CudaAmp:
    """``ag.cuda.amp``: PyTorch's deprecated spellings, which warn and forward to ``ag.amp``."""

    @staticmethod
    def autocast(enabled: bool = True, dtype=dtypes.float16, cache_enabled: bool = True) -> autocast:
        warnings.warn(
            "`torch.cuda.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cuda', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        return autocast("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    @staticmethod
    def GradScaler(init_scale: float = 2.0**16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                   growth_interval: int = 2000, enabled: bool = True) -> GradScaler:
        warnings.warn(
            "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use `torch.amp.GradScaler('cuda', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        return GradScaler("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


cuda_amp = _CudaAmp()

__all__ = ["AUTOCAST", "GradScaler", "autocast", "clear_autocast_cache", "get_autocast_dtype",
           "is_autocast_available", "is_autocast_enabled", "is_autocast_cache_enabled", "lower_precision",
           "to_float32", "float32_dtype"]
