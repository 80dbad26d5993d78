"""tapegrad's engine: tensors that record ops on a tape and differentiate through them.

>>> import autograd_core as ag
>>> w = ag.tensor([0.5, -1.0], requires_grad=True)
>>> loss = ((w * ag.tensor([2.0, 3.0])).sum() - 1.0) ** 2
>>> loss.backward()
>>> w.grad
tensor([-12., -18.])
"""

from __future__ import annotations

import builtins

from autograd_core import autograd
from autograd_core import engine as _engine
from autograd_core import tensor as _tensor_module
from autograd_core.anomaly import detect_anomaly, set_detect_anomaly
from autograd_core.dtypes import (
    bool,
    can_cast,
    double,
    dtype,
    finfo,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    result_type,
    set_default_dtype,
    short,
    uint8,
)
from autograd_core.engine import grad
from autograd_core.factories import (
    Generator,
    arange,
    as_tensor,
    bernoulli,
    default_generator,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_rng_state,
    initial_seed,
    linspace,
    manual_seed,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    set_rng_state,
    tensor,
    zeros,
    zeros_like,
)
from autograd_core.function import Function
from autograd_core.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from autograd_core.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd_core.ops.composite import addcdiv, addcmul, baddbmm
from autograd_core.ops.counting import bincount, unique
from autograd_core.ops.decompositions import cholesky_inverse, cholesky_solve, geqrf, matrix_exp
from autograd_core.ops.decompositions import torch_cholesky as cholesky
from autograd_core.ops.decompositions import torch_qr as qr
from autograd_core.ops.decompositions import torch_svd as svd
from autograd_core.ops.einsum import diag, diagonal, einsum
from autograd_core.ops.elementwise import (
    abs,
    acos,
    acosh,
    add,
    allclose,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    ceil,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    cos,
    cosh,
    div,
    divide,
    eq,
    exp,
    exp2,
    expm1,
    floor,
    floor_divide,
    fmod,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    lerp,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    mul,
    multiply,
    ne,
    neg,
    negative,
    pow,
    reciprocal,
    relu,
    remainder,
    repeat_interleave,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sinh,
    softplus,
    sqrt,
    square,
    sub,
    subtract,
    tan,
    tanh,
    true_divide,
    trunc,
    where,
)
from autograd_core.ops.index import (
    argwhere,
    bucketize,
    diagonal_scatter,
    gather,
    index_add,
    index_copy,
    index_fill,
    index_put,
    index_put_,
    index_reduce,
    index_select,
    isin,
    masked_fill,
    masked_scatter,
    masked_select,
    nonzero,
    put,
    scatter,
    scatter_add,
    scatter_reduce,
    searchsorted,
    select_scatter,
    slice_scatter,
    take,
    take_along_dim,
    unique_consecutive,
)
from autograd_core.ops.inplace import relu_  # torch.relu_ (F.relu(x, inplace=True))
from autograd_core.ops.integer import bitwise_left_shift, bitwise_right_shift, frexp, gcd, gcd_, lcm, lcm_
from autograd_core.ops.integrate import cumulative_trapezoid, histogram, msort, trapezoid, trapz, vander
from autograd_core.ops.linalg import (
    addbmm,
    addmm,
    addmv,
    addr,
    bmm,
    cdist,
    chain_matmul,
    corrcoef,
    cov,
    cross,
    dist,
    dot,
    ger,
    inner,
    kron,
    linear,
    matmul,
    matrix_power,
    mm,
    mv,
    outer,
    pdist,
    pinverse,
    renorm,
    tensordot,
    trace,
    tril_indices,
    triu_indices,
    vdot,
)
from autograd_core.ops.loss import cross_entropy_logits
from autograd_core.ops.lu import lu_unpack
from autograd_core.ops.lu import torch_lu as lu
from autograd_core.ops.lu import torch_lu_solve as lu_solve
from autograd_core.ops.reduce import (
    all,
    amax,
    amin,
    aminmax,
    any,
    argmax,
    argmin,
    count_nonzero,
    cummax,
    cummin,
    cumprod,
    cumsum,
    diff,
    equal,
    histc,
    kthvalue,
    log_softmax,
    logcumsumexp,
    logsumexp,
    max,
    mean,
    min,
    mode,
    nanmean,
    nanmedian,
    nanquantile,
    nansum,
    norm,
    prod,
    quantile,
    softmax,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from autograd_core.ops.rnn import gru_cell, lstm_cell, stack_steps, unbind_steps
from autograd_core.ops.shape import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    block_diag,
    broadcast_shapes,
    broadcast_tensors,
    broadcast_to,
    cartesian_prod,
    cat,
    chunk,
    clone,
    column_stack,
    combinations,
    concat,
    concatenate,
    diag_embed,
    diagflat,
    dsplit,
    dstack,
    expand,
    flatten,
    flip,
    fliplr,
    flipud,
    hsplit,
    hstack,
    meshgrid,
    moveaxis,
    movedim,
    narrow,
    narrow_copy,
    pad,
    permute,
    ravel,
    repeat,
    reshape,
    roll,
    rot90,
    row_stack,
    select,
    split,
    split_with_sizes,
    squeeze,
    stack,
    sum_to,
    swapaxes,
    swapdims,
    t,
    tensor_split,
    tile,
    transpose,
    tril,
    triu,
    unbind,
    unflatten,
    unsqueeze,
    vsplit,
    vstack,
)
from autograd_core.ops.solvers import det, inverse, logdet, slogdet
from autograd_core.ops.sorting import argsort, median, sort, topk
from autograd_core.ops.special import digamma, erf, erfc, erfinv, i0, igamma, igammac, lgamma, mvlgamma, polygamma
from autograd_core.ops.triangular import triangular_solve
from autograd_core.ops.window import fold, fold_windows, sliding_windows, unfold
from autograd_core.serialization import load, save
from autograd_core.size import Size
from autograd_core.tensor import Tensor, is_tensor, set_printoptions
from backends import Device, DeviceError, get_device

device = get_device
_tensor_module._engine = _engine  # Tensor.backward's walk (see tensor.py)
__version__ = "0.1.0"


def is_floating_point(input: Tensor) -> builtins.bool:
    return input.is_floating_point()


def numel(input: Tensor) -> int:
    return input.numel()


class cuda:
    """``ag.cuda.is_available()`` and ``ag.cuda.device_count()``, as in PyTorch."""

    @staticmethod
    def is_available() -> builtins.bool:
        try:
            get_device("cuda")
            return True
        except DeviceError:
            return False

    @staticmethod
    def manual_seed(seed: int) -> None:
        """Seed the GPUs' random number generators; without a GPU it does nothing, as in PyTorch."""
        for i in range(cuda.device_count()):
            get_device(f"cuda:{i}").backend.seed(builtins.int(seed))

    manual_seed_all = manual_seed  # (PyTorch's two differ only in which GPUs: here, all of them)

    @staticmethod
    def get_rng_state(device="cuda") -> Tensor:
        """The default generator state of one GPU (``"cuda"``, ``"cuda:1"`` or an index), as a uint8
        cpu tensor (CuPy's cuRAND states: 12.4 MB on an H100).  Without a GPU it raises, saying why."""
        return _tensor_module.Tensor._wrap(_cuda_device("get_rng_state", device).backend.get_rng_state(),
                                           get_device("cpu"))

    @staticmethod
    def set_rng_state(new_state: Tensor, device="cuda") -> None:
        """Restore one GPU's default generator to a state ``cuda.get_rng_state`` returned."""
        from autograd_core.factories import _state_bytes

        _cuda_device("set_rng_state", device).backend.set_rng_state(_state_bytes("cuda.set_rng_state", new_state))

    @staticmethod
    def get_rng_state_all() -> list:
        """Every GPU's generator state (an empty list without a GPU, as in PyTorch)."""
        return [cuda.get_rng_state(i) for i in range(cuda.device_count())]

    @staticmethod
    def set_rng_state_all(new_states) -> None:
        """Restore the states ``get_rng_state_all`` returned, GPU 0 first."""
        for i, state in enumerate(new_states):
            cuda.set_rng_state(state, i)

    @staticmethod
    def device_count() -> int:
        try:
            import cupy

            return cupy.cuda.runtime.getDeviceCount()
        except Exception:
            return 0

    @staticmethod
    def synchronize(device=None) -> None:
        """Wait until the GPU has finished the work queued on it (to time GPU code)."""
        dev = _cuda_device("synchronize", "cuda" if device is None else device)
        dev.xp.cuda.Device(dev.index).synchronize()


def _cuda_device(op: str, device):
    dev = get_device(f"cuda:{device}" if isinstance(device, builtins.int) else device)
    if dev.type != "cuda":
        raise ValueError(f"cuda.{op}: expected a cuda device, got {dev}")
    return dev


from autograd_core import compat as _compat  # noqa: E402
from autograd_core.compat import backends  # noqa: E402,F401  (ag.backends.cudnn.benchmark = True)

globals().update(_compat.CPU_TYPES)  # ag.FloatTensor, ag.LongTensor ... (legacy typed constructors)
for _name, _cls in _compat.CUDA_TYPES.items():
    setattr(cuda, _name, _cls)  # ag.cuda.FloatTensor ...
del _name, _cls


from autograd_core import amp, linalg, random, special, testing, utils  # noqa: E402  (ag.amp, ag.linalg ..., as in torch)
from autograd_core import memory_format as _memory_format_module  # noqa: E402
from autograd_core.amp import autocast, get_autocast_dtype, is_autocast_enabled  # noqa: E402
from autograd_core.memory_format import (  # noqa: E402  (ag.channels_last ...)
    channels_last,
    channels_last_3d,
    contiguous_format,
    memory_format,
    preserve_format,
)

cuda.amp = amp.cuda_amp  # ag.cuda.amp.autocast / GradScaler: PyTorch's deprecated spellings
_memory_format_module.install(Tensor)  # Tensor.contiguous / clone take memory_format=
clone = _memory_format_module.clone  # noqa: F811  (ag.clone(x, memory_format=...))

seed = random.seed
from autograd_core.anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled  # noqa: E402
from autograd_core.factories import (  # noqa: E402
    asarray,
    bartlett_window,
    blackman_window,
    empty_strided,
    frombuffer,
    get_default_device,
    hamming_window,
    hann_window,
    kaiser_window,
    logspace,
    set_default_device,
    set_default_tensor_type,
)
from autograd_core.ops.elementwise import (  # noqa: E402  (the rest of PyTorch's elementwise math)
    absolute,
    copysign,
    deg2rad,
    fix,
    float_power,
    fmax,
    fmin,
    frac,
    greater,
    greater_equal,
    heaviside,
    hypot,
    is_complex,
    is_nonzero,
    is_same_size,
    is_signed,
    isneginf,
    isposinf,
    isreal,
    ldexp,
    less,
    less_equal,
    logaddexp,
    logaddexp2,
    logit,
    nan_to_num,
    nextafter,
    not_equal,
    positive,
    rad2deg,
    sgn,
    signbit,
    sinc,
    xlogy,
)
from autograd_core.ops.extra import (  # noqa: E402
    TOP_LEVEL_IN_PLACE,
    binomial,
    detach,
    fill,
    frobenius_norm,
    gradient,
    histogramdd,
    nuclear_norm,
    orgqr,
    ormqr,
    pca_lowrank,
    poisson,
    rsub,
    scalar_tensor,
    svd_lowrank,
    unravel_index,
)
from autograd_core.ops.tensor_methods import layout, strided  # noqa: E402
from autograd_core.runtime import (  # noqa: E402  (process-wide settings and queries scripts use)
    accelerator,
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    get_num_interop_threads,
    get_num_threads,
    is_deterministic_algorithms_warn_only_enabled,
    is_inference,
    is_storage,
    is_warn_always_enabled,
    set_float32_matmul_precision,
    set_num_interop_threads,
    set_num_threads,
    set_warn_always,
    typename,
    use_deterministic_algorithms,
)

globals().update({_n: getattr(Tensor, _n) for _n in TOP_LEVEL_IN_PLACE})  # ag.abs_(x), ag.zero_(x) ...

# Functions PyTorch offers both as torch.X and torch.nn.functional.X with the same signature
# (torch.conv2d, torch.selu ...): here they are nn.functional's, reached through __getattr__.
# (Not the losses, dropouts, batch/instance norm and embedding: their torch.X forms take
# other arguments, such as an integer reduction or the weight first.)
_NN_FUNCTIONAL_ALIASES = frozenset({
    "adaptive_avg_pool1d", "avg_pool1d", "bilinear", "celu", "celu_", "channel_shuffle", "conv1d", "conv2d",
    "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "cosine_similarity", "group_norm",
    "hardshrink", "layer_norm", "max_pool1d", "max_pool1d_with_indices", "max_pool2d", "max_pool3d",
    "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "prelu", "rms_norm", "rrelu", "rrelu_", "selu",
    "selu_", "threshold", "threshold_",
})  # fmt: skip


def __getattr__(name: str):
    """``ag.nn`` and ``ag.optim``: the top-level ``nn`` and ``optim`` packages, imported on first use,
    so code that says ``torch.nn.Linear`` or ``torch.optim.SGD`` after ``import autograd_core as
    torch`` runs unchanged (nn imports autograd_core, so this can't be done at import time); the
    same for ``ag.distributions`` and the ``_NN_FUNCTIONAL_ALIASES`` (``ag.conv2d``)."""
    if name in ("nn", "optim"):
        import importlib

        return importlib.import_module(name)
    if name in _NN_FUNCTIONAL_ALIASES:
        import importlib

        return getattr(importlib.import_module("nn.functional"), name)
    if name == "distributions":  # ag.distributions.Normal (a subpackage, imported on first use)
        import importlib

        return importlib.import_module("autograd_core.distributions")
    raise AttributeError(f"module 'autograd_core' has no attribute {name!r}")
