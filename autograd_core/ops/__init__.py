"""All ops, and the table that makes them ``Tensor`` methods and operators."""

from __future__ import annotations

from autograd_core import factories as F
from autograd_core.grad_mode import GRAD_ENABLED
from autograd_core.ops import composite as CO
from autograd_core.ops import counting as C
from autograd_core.ops import decompositions as DC
from autograd_core.ops import einsum as ES
from autograd_core.ops import elementwise as E
from autograd_core.ops import index as I
from autograd_core.ops import inplace as IP
from autograd_core.ops import integer as INT
from autograd_core.ops import integrate as IG
from autograd_core.ops import linalg as L
from autograd_core.ops import lu as LU
from autograd_core.ops import reduce as R
from autograd_core.ops import shape as S
from autograd_core.ops import solvers as SV
from autograd_core.ops import sorting as SO
from autograd_core.ops import special as SP
from autograd_core.ops import tensor_methods as TM
from autograd_core.ops import triangular as TR
from autograd_core.ops import window as W
from autograd_core.tensor import Tensor, _has_graph_aliases


def _reflected(fn):
    def op(self, other):
        return fn(other, self)

    return op


def _not_implemented_for_foreign(fn):
    """Operators return NotImplemented for operands we don't know, so Python can try the other side."""

    def op(self, other):
        if not isinstance(other, (Tensor, int, float, bool)) and not hasattr(other, "dtype"):
            return NotImplemented
        return fn(self, other)

    op.__name__ = fn.__name__
    return op


def _augmented(inplace, out_of_place):
    """``x += y`` as PyTorch does it: in place, bumping the version (so ``w -= lr * w.grad``
    under no_grad updates the parameter itself), and recorded when ``x`` is in the graph or
    ``y`` requires grad (``total += loss`` joins the graph).  One case can't be recorded in
    place (see ops/inplace.py): an ``x`` that shares memory with a view in the graph; there
    the result is a new tensor bound to the name.  On a leaf that requires grad it is
    PyTorch's error."""

    def op(self, other):
        if GRAD_ENABLED[0] and (self._rg or (isinstance(other, Tensor) and other._rg)) and _has_graph_aliases(self):
            return out_of_place(self, other)
        return inplace(self, other)

    return op


def _erf(self):
    from autograd_core.ops.special import erf

    return erf(self)


def _install_methods() -> None:
    T = Tensor
    # Python operators.  The hot ones are bound straight to the op, no extra call.
    T.__add__ = T.__radd__ = E.add_
    T.__sub__ = E.sub_
    T.__rsub__ = _reflected(E.sub_)
    T.__mul__ = T.__rmul__ = E.mul
    T.__truediv__ = E.div
    T.__rtruediv__ = _reflected(E.div)
    T.__pow__ = E.pow
    T.__rpow__ = _reflected(E.pow)
    T.__matmul__ = L.matmul
    T.__rmatmul__ = _reflected(L.matmul)
    T.__neg__ = E.neg
    T.__pos__ = lambda self: self
    T.__abs__ = E.abs
    T.__eq__ = _not_implemented_for_foreign(E.eq)
    T.__ne__ = _not_implemented_for_foreign(E.ne)
    T.__lt__ = E.lt
    T.__le__ = E.le
    T.__gt__ = E.gt
    T.__ge__ = E.ge
    # bitwise on integers, logical on bools (as in PyTorch); symmetric, so reflected is the same op
    T.__and__ = T.__rand__ = E.bitwise_and
    T.__or__ = T.__ror__ = E.bitwise_or
    T.__xor__ = T.__rxor__ = E.bitwise_xor
    T.__invert__ = E.bitwise_not
    T.__floordiv__ = E.floor_divide
    T.__rfloordiv__ = _reflected(E.floor_divide)
    T.__mod__ = E.remainder
    T.__rmod__ = _reflected(E.remainder)
    T.__lshift__ = _not_implemented_for_foreign(INT.bitwise_left_shift)
    T.__rlshift__ = _not_implemented_for_foreign(_reflected(INT.bitwise_left_shift))
    T.__rshift__ = _not_implemented_for_foreign(INT.bitwise_right_shift)
    T.__rrshift__ = _not_implemented_for_foreign(_reflected(INT.bitwise_right_shift))
    T.__ilshift__ = INT.bitwise_left_shift_  # integers never require grad: always in place
    T.__irshift__ = INT.bitwise_right_shift_
    T.__getitem__ = I.getitem
    T.__setitem__ = I.setitem
    T.__iadd__ = _augmented(IP.add_, E.add_)
    T.__isub__ = _augmented(IP.sub_, E.sub_)
    T.__imul__ = _augmented(IP.mul_, E.mul)
    T.__itruediv__ = _augmented(IP.div_, E.div)

    methods = {
        # elementwise
        "add": E.add, "sub": E.sub, "subtract": E.sub, "mul": E.mul, "multiply": E.mul, "div": E.div,
        "divide": E.div, "true_divide": E.div, "pow": E.pow, "neg": E.neg, "negative": E.neg, "exp": E.exp,
        "log": E.log, "log1p": E.log1p, "sqrt": E.sqrt, "abs": E.abs, "sin": E.sin, "cos": E.cos,
        "tanh": E.tanh, "sigmoid": E.sigmoid, "relu": E.relu, "softplus": E.softplus, "clamp": E.clamp,
        "clip": E.clamp, "maximum": E.maximum, "minimum": E.minimum, "sign": E.sign, "floor": E.floor,
        "ceil": E.ceil, "round": E.round, "trunc": E.trunc, "eq": E.eq, "ne": E.ne, "lt": E.lt, "le": E.le,
        "gt": E.gt, "ge": E.ge, "logical_not": E.logical_not, "logical_and": E.logical_and,
        "logical_or": E.logical_or, "logical_xor": E.logical_xor, "isnan": E.isnan, "isinf": E.isinf,
        "isfinite": E.isfinite, "floor_divide": E.floor_divide, "remainder": E.remainder,
        "bitwise_and": E.bitwise_and, "bitwise_or": E.bitwise_or, "bitwise_xor": E.bitwise_xor,
        "bitwise_not": E.bitwise_not,
        "where": lambda self, condition, other: E.where(condition, self, other),
        "log2": E.log2, "log10": E.log10, "exp2": E.exp2, "expm1": E.expm1, "clamp_min": E.clamp_min,
        "clamp_max": E.clamp_max, "isclose": E.isclose, "allclose": E.allclose,
        "repeat_interleave": E.repeat_interleave,
        "tan": E.tan, "atan": E.atan, "arctan": E.atan, "asin": E.asin, "arcsin": E.asin, "acos": E.acos,
        "arccos": E.acos, "sinh": E.sinh, "cosh": E.cosh, "asinh": E.asinh, "arcsinh": E.asinh,
        "acosh": E.acosh, "arccosh": E.acosh, "atanh": E.atanh, "arctanh": E.atanh, "atan2": E.atan2,
        "arctan2": E.atan2, "fmod": E.fmod, "lerp": E.lerp,
        "addcmul": CO.addcmul, "addcdiv": CO.addcdiv, "baddbmm": CO.baddbmm,
        # new tensors like self
        "new_zeros": F.new_zeros, "new_ones": F.new_ones, "new_empty": F.new_empty, "new_full": F.new_full,
        "new_tensor": F.new_tensor,
        # counting, diagonals
        "unique": C.unique, "bincount": C.bincount, "diag": ES.diag, "diagonal": ES.diagonal,
        "addmm": L.addmm,
        "inverse": SV.inverse, "det": SV.det, "logdet": SV.logdet, "slogdet": SV.slogdet,
        "svd": DC.torch_svd, "qr": DC.torch_qr, "cholesky": DC.torch_cholesky, "cholesky_solve": DC.cholesky_solve,
        "lu": LU.torch_lu, "lu_solve": LU.torch_lu_solve, "triangular_solve": TR.triangular_solve,
        "cholesky_inverse": DC.cholesky_inverse, "matrix_exp": DC.matrix_exp, "geqrf": DC.geqrf,
        # sorting
        "sort": SO.sort, "argsort": SO.argsort, "topk": SO.topk, "median": SO.median,
        # indexing writes (out of place)
        "masked_fill": I.masked_fill, "nonzero": I.nonzero, "scatter": I.scatter,
        "scatter_add": I.scatter_add, "index_add": I.index_add, "index_fill": I.index_fill,
        "masked_select": I.masked_select,
        # shape
        "roll": S.roll, "tril": S.tril, "triu": S.triu, "tile": S.tile, "movedim": S.movedim,
        "moveaxis": S.movedim, "diff": R.diff, "count_nonzero": R.count_nonzero,
        "square": E.square, "rsqrt": E.rsqrt,
        "reciprocal": E.reciprocal,
        # reductions
        "sum": R.sum, "mean": R.mean, "prod": R.prod, "max": R.max, "min": R.min, "amax": R.amax,
        "amin": R.amin, "argmax": R.argmax, "argmin": R.argmin, "var": R.var, "std": R.std,
        "erf": _erf, "logsumexp": R.logsumexp, "cumsum": R.cumsum, "cumprod": R.cumprod, "softmax": R.softmax, "log_softmax": R.log_softmax, "norm": R.norm,
        "all": R.all, "any": R.any,
        # shape
        "reshape": S.reshape, "view": S.view, "flatten": S.flatten, "unflatten": S.unflatten,
        "permute": S.permute, "transpose": S.transpose, "swapaxes": S.transpose, "swapdims": S.transpose,
        "t": S.t, "squeeze": S.squeeze, "unsqueeze": S.unsqueeze, "expand": S.expand,
        "expand_as": S.expand_as, "broadcast_to": S.broadcast_to, "repeat": S.repeat, "flip": S.flip,
        "split": S.split, "chunk": S.chunk, "unbind": S.unbind, "narrow": S.narrow, "clone": S.clone,
        "contiguous": S.contiguous, "view_as": lambda self, other: S.reshape(self, other.shape),
        "reshape_as": lambda self, other: S.reshape(self, other.shape),
        "gather": I.gather, "index_select": I.index_select, "take_along_dim": I.take_along_dim,
        "matmul": L.matmul, "mm": L.mm, "bmm": L.bmm, "dot": L.dot, "outer": L.outer,
        "unfold": lambda self, dimension, size, step: _tensor_unfold(self, dimension, size, step),
        # in place
        "add_": IP.add_, "sub_": IP.sub_, "mul_": IP.mul_, "div_": IP.div_, "zero_": IP.zero_,
        "fill_": IP.fill_, "fill_diagonal_": IP.fill_diagonal_, "copy_": IP.copy_, "clamp_": IP.clamp_, "addcmul_": IP.addcmul_,
        "addcdiv_": IP.addcdiv_, "lerp_": IP.lerp_, "sqrt_": IP.sqrt_, "normal_": IP.normal_,
        "uniform_": IP.uniform_, "random_": IP.random_, "bernoulli_": IP.bernoulli_,
        "exponential_": IP.exponential_, "relu_": IP.relu_, "sigmoid_": IP.sigmoid_, "tanh_": IP.tanh_,
        "exp_": IP.exp_, "masked_fill_": IP.masked_fill_, "scatter_": IP.scatter_, "index_fill_": IP.index_fill_,
        "index_add_": I.index_add_, "scatter_add_": I.scatter_add_,
        # reductions and order statistics (reduce.py)
        "nansum": R.nansum, "nanmean": R.nanmean, "nanmedian": R.nanmedian, "cummax": R.cummax,
        "cummin": R.cummin, "logcumsumexp": R.logcumsumexp, "kthvalue": R.kthvalue, "mode": R.mode,
        "aminmax": R.aminmax, "quantile": R.quantile, "nanquantile": R.nanquantile, "histc": R.histc,
        "equal": R.equal, "msort": IG.msort,
        # shape and layout (shape.py)
        "ravel": S.ravel, "select": S.select, "narrow_copy": S.narrow_copy, "tensor_split": S.tensor_split,
        "hsplit": S.hsplit, "vsplit": S.vsplit, "dsplit": S.dsplit, "split_with_sizes": S.split_with_sizes,
        "rot90": S.rot90, "fliplr": S.fliplr, "flipud": S.flipud, "diag_embed": S.diag_embed,
        "diagflat": S.diagflat, "sum_to_size": S.sum_to_size, "stride": S.stride,
        "storage_offset": S.storage_offset, "squeeze_": S.squeeze_, "unsqueeze_": S.unsqueeze_,
        "transpose_": S.transpose_, "swapaxes_": S.transpose_, "swapdims_": S.transpose_, "t_": S.t_,
        "adjoint": L.mT,
        # linear algebra (linalg.py)
        "mv": L.mv, "addmv": L.addmv, "addr": L.addr, "addbmm": L.addbmm, "inner": L.inner, "ger": L.outer,
        "vdot": L.vdot, "trace": L.trace, "kron": L.kron, "cross": L.cross, "dist": L.dist, "cov": L.cov,
        "corrcoef": L.corrcoef, "matrix_power": L.matrix_power, "pinverse": L.pinverse, "renorm": L.renorm,
        # indexing (index.py)
        "take": I.take, "index_copy": I.index_copy, "index_copy_": I.index_copy_, "index_put": I.index_put,
        "index_put_": I.index_put_, "put": I.put, "put_": I.put_, "masked_scatter": I.masked_scatter,
        "masked_scatter_": I.masked_scatter_, "scatter_reduce": I.scatter_reduce,
        "scatter_reduce_": I.scatter_reduce_, "argwhere": I.argwhere,
        "unique_consecutive": I.unique_consecutive,
        "index_reduce": I.index_reduce, "index_reduce_": I.index_reduce_, "select_scatter": I.select_scatter,
        "slice_scatter": I.slice_scatter, "diagonal_scatter": I.diagonal_scatter,
        # integer ops and frexp (integer.py); histogram (integrate.py)
        "gcd": INT.gcd, "lcm": INT.lcm, "gcd_": INT.gcd_, "lcm_": INT.lcm_,
        "bitwise_left_shift": INT.bitwise_left_shift, "bitwise_right_shift": INT.bitwise_right_shift,
        "bitwise_left_shift_": INT.bitwise_left_shift_, "bitwise_right_shift_": INT.bitwise_right_shift_,
        "frexp": INT.frexp, "histogram": IG.histogram,
    }
    methods.update(IP.IN_PLACE)  # the rest of the in-place family (abs_, eq_, pow_ ...), made from a table
    methods.update({  # more elementwise math and predicates (elementwise.py, special.py)
        "absolute": E.abs, "sgn": E.sgn, "signbit": E.signbit, "frac": E.frac, "fix": E.fix, "positive": E.positive,
        "logit": E.logit, "sinc": E.sinc, "xlogy": E.xlogy, "logaddexp": E.logaddexp, "logaddexp2": E.logaddexp2,
        "hypot": E.hypot, "copysign": E.copysign, "heaviside": E.heaviside, "float_power": E.float_power,
        "fmax": E.fmax, "fmin": E.fmin, "deg2rad": E.deg2rad, "rad2deg": E.rad2deg, "nan_to_num": E.nan_to_num,
        "ldexp": E.ldexp, "nextafter": E.nextafter, "isposinf": E.isposinf, "isneginf": E.isneginf,
        "isreal": E.isreal, "is_complex": E.is_complex, "is_signed": E.is_signed, "is_nonzero": E.is_nonzero,
        "is_same_size": E.is_same_size, "greater": E.gt, "greater_equal": E.ge, "less": E.lt, "less_equal": E.le,
        "not_equal": E.ne, "erfc": SP.erfc, "erfinv": SP.erfinv, "lgamma": SP.lgamma, "digamma": SP.digamma,
        "polygamma": lambda self, n: SP.polygamma(n, self), "mvlgamma": SP.mvlgamma,
        "i0": SP.i0, "igamma": SP.igamma, "igammac": SP.igammac,
    })
    methods.update(TM.METHODS)  # byte, get_device, apply_, resize_, new, log_normal_ ... (tensor_methods.py)
    for name, fn in methods.items():
        setattr(T, name, fn)
    for name, fn in TM.PROPERTIES.items():  # nbytes, itemsize, is_cpu, layout, is_sparse, output_nr ...
        setattr(T, name, property(fn))
    T.T = property(lambda self: S.permute(self, tuple(reversed(range(self.ndim)))) if self.ndim > 1 else self)
    T.mT = property(L.mT)
    T.mH = property(L.mT)  # real tensors: the conjugate transpose is the transpose
    T.H = property(_matrix_transpose)


def _matrix_transpose(self: Tensor) -> Tensor:
    """``x.H``: the (conjugate) transpose of a matrix; PyTorch allows it on 0-D and 2-D tensors only."""
    if self.ndim not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.")
    return S.t(self)


def _tensor_unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """PyTorch's ``Tensor.unfold``: windows of ``size`` every ``step`` along ``dimension``, appended last."""
    from autograd_core.tensor import _check_dim

    d = _check_dim("unfold", dimension, x.ndim)
    moved = S.permute(x, tuple(i for i in range(x.ndim) if i != d) + (d,))
    win = W.sliding_windows(moved, (size,), (step,))  # (..., size, n_windows)
    nd = win.ndim
    win = S.transpose(win, -1, -2)  # (..., n_windows, size)
    order = list(range(nd - 2))
    order.insert(d, nd - 2)
    return S.permute(win, tuple(order) + (nd - 1,))


_install_methods()
