"""How tensors print: the rules of PyTorch's ``torch/_tensor_str.py``, character for character.

Students compare printed tensors with the ones in PyTorch tutorials, so ``repr(t)`` lays
out values exactly as PyTorch does (``tensor([2.5000, 5.0000])``, not NumPy's
``[2.5, 5. ]``).  The work is split the way PyTorch's is:

1. ``_summarized``: beyond ``threshold`` elements, keep only ``edgeitems`` rows at each end
   of every long dim, *on the device*, so a huge (or GPU) tensor costs a few dozen values;
2. ``_float_format`` / ``_cells``: choose one format for all shown values (PyTorch's
   ``_Formatter``) and pad every value to the width of the widest;
3. ``_layout``: nest the cells in brackets, wrapping rows at ``linewidth``;
4. ``_add_suffixes``: append ``device=``, ``size=``, ``dtype=``, ``grad_fn=`` ...,
   wrapping them too.

The only intended difference from PyTorch is the spelling of names that belong to us:
``dtype=float64`` (``str`` of our dtype objects, as ``t.dtype`` prints) for
``dtype=torch.float64``, and our backward node names (``grad_fn=<MulBackward>``).
"""

from __future__ import annotations

import math

import numpy as np

from autograd_core import dtypes

_PROFILES = {  # PyTorch's three profiles
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": float("inf"), "edgeitems": 3, "linewidth": 80},
}
PRINT_OPTIONS = {**_PROFILES["default"], "sci_mode": None}


def set_printoptions(
    precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None
) -> None:
    """How tensors print, as ``torch.set_printoptions``.

    ``precision``: digits after the point (4); ``threshold``: more elements than this are
    summarised with ``...`` (1000); ``edgeitems``: how many items each summarised dim shows at
    each end (3); ``linewidth``: characters per line before wrapping (80); ``profile``:
    ``"default"``, ``"short"`` (precision 2, edgeitems 2) or ``"full"`` (never summarise) sets
    those four first; ``sci_mode``: True always prints floats as ``1.2346e+00``, False never
    does, None (also when left out, as in PyTorch) lets the values decide.

    >>> import autograd_core as ag
    >>> ag.set_printoptions(precision=2)
    >>> ag.tensor([1.23456, 2.0])
    tensor([1.23, 2.00])
    >>> ag.set_printoptions(threshold=5)
    >>> ag.arange(10)
    tensor([0, 1, 2,  ..., 7, 8, 9])
    >>> ag.set_printoptions(profile="default")
    >>> ag.tensor([1.23456, 2.0])
    tensor([1.2346, 2.0000])
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; expected 'default', 'short' or 'full'")
        PRINT_OPTIONS.update(_PROFILES[profile])
    for name, value, least in (("precision", precision, 0), ("edgeitems", edgeitems, 0), ("linewidth", linewidth, 1)):
        if value is not None:
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
                raise ValueError(f"set_printoptions: {name} must be an int >= {least}, got {value!r}")
            PRINT_OPTIONS[name] = int(value)
    if threshold is not None:
        number = isinstance(threshold, (int, float, np.integer, np.floating)) and not isinstance(threshold, bool)
        if not number or np.isnan(threshold):
            raise ValueError(f"set_printoptions: threshold must be a number (inf: never summarise), got {threshold!r}")
        PRINT_OPTIONS["threshold"] = threshold
    PRINT_OPTIONS["sci_mode"] = None if sci_mode is None else bool(sci_mode)


def get_printoptions() -> dict:
    """The current print options, as keyword arguments for ``set_printoptions``."""
    return dict(PRINT_OPTIONS)


def tensor_repr(t) -> str:
    """``repr(t)``: ``tensor(<values>, <suffixes>)``, as PyTorch's ``_str_intern`` writes it."""
    opts = PRINT_OPTIONS
    data, dev = t._data, t._dev
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    # Only tensors off the default device (cpu) name it.
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    if data.size == 0:
        # No values to tell the shape (beyond 1-d) or an int/bool dtype, so both are spelled out.
        body = "[]"
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != dtypes.get_default_dtype():
            suffixes.append(f"dtype={data.dtype}")
    else:
        if not opts["edgeitems"]:  # every dim shows as "...": only the size says what is there
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool):
            suffixes.append(f"dtype={data.dtype}")
        body = _tensor_str(data, dev, indent, opts)
    if t._node is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent, opts["linewidth"])


def _tensor_str(data, dev, indent: int, opts: dict) -> str:
    """The bracketed values of a non-empty tensor whose text starts in column ``indent``."""
    edge = opts["edgeitems"]
    summarize = data.size > opts["threshold"]
    if summarize and not edge and data.ndim:
        return "[...]"  # PyTorch: every summarised dim of zero edge items is a lone "..."
    gaps = tuple(summarize and n > 2 * edge for n in data.shape)
    shown = dev.backend.to_numpy(_summarized(data, dev.xp, gaps, edge))
    texts, width = _cells(shown, opts["precision"], opts["sci_mode"])
    cells = np.array(texts, dtype=object).reshape(shown.shape)
    if cells.ndim == 0:
        return cells[()]
    return _layout(cells, gaps, indent, width, edge, opts["linewidth"])


def _summarized(data, xp, gaps: tuple, edge: int):
    """The values a summarised tensor shows (PyTorch's ``get_summarized_data``): along each dim
    marked in ``gaps``, the first and last ``edge`` entries.  Done with the device's own
    slicing, so only these values are copied to the host, and only these are formatted."""
    for dim, gap in enumerate(gaps):
        if gap:
            before = (slice(None),) * dim
            data = xp.concatenate([data[before + (slice(None, edge),)], data[before + (slice(-edge, None),)]], axis=dim)
    return data


def _cells(values: np.ndarray, precision: int, sci_mode) -> tuple[list, int]:
    """Every shown value as text, right-aligned to one width (PyTorch's ``_Formatter``).

    Integers and bools print as Python prints them, padded to the longest.  Floats take one
    format chosen by ``_float_format``; the width is that of the longest *nonzero finite*
    value, so ``nan``, ``-inf`` or ``-0.`` may stick out by a character, as in PyTorch."""
    flat = values.reshape(-1)
    if flat.dtype.kind != "f":
        texts = [str(v) for v in flat.tolist()]
        width = max(map(len, texts))  # never empty: empty tensors print as []
    else:
        fmt = _float_format(flat, precision, sci_mode)
        texts = [fmt(v) for v in flat.tolist()]  # Python floats: float32/16 widen exactly, as .item() does
        measured = (np.isfinite(flat) & (flat != 0)).tolist()
        width = max([1] + [len(s) for s, m in zip(texts, measured) if m])
    return [s.rjust(width) for s in texts], width


def _float_format(values: np.ndarray, precision: int, sci_mode):
    """PyTorch's choice of one format for all shown floats, made from the nonzero finite ones.

    - *int mode*, every such value a whole number: ``{:.0f}`` plus a point (``1.``, ``-2.``);
      ``nan``/``inf`` get no point.  A tensor of only zeros and non-finite values is in int mode.
    - *scientific* (``{:.{precision}e}``): forced on or off by ``sci_mode``; when that is None,
      chosen when the largest |value| is over 1000 times the smallest, or over 1e8, or the
      smallest is under 1e-4 (compared in float64, as PyTorch does, so float16 can't overflow).
      A tensor with no nonzero finite value never prints scientific, even when forced.
    - otherwise fixed point with ``precision`` digits: ``{:.{precision}f}``.
    """
    nonzero = values[np.isfinite(values) & (values != 0)].astype(np.float64)
    if nonzero.size == 0:
        int_mode, sci = True, False
    else:
        int_mode = bool((np.ceil(nonzero) == nonzero).all())
        if sci_mode is None:
            largest, smallest = float(np.abs(nonzero).max()), float(np.abs(nonzero).min())
            sci = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            sci = sci_mode
    if sci:
        return lambda v: f"{v:.{precision}e}"
    if int_mode:
        return lambda v: f"{v:.0f}." if math.isfinite(v) else f"{v:.0f}"
    return lambda v: f"{v:.{precision}f}"


def _layout(cells: np.ndarray, gaps: tuple, indent: int, width: int, edge: int, linewidth: int) -> str:
    """Nest the cells in brackets (PyTorch's ``_tensor_str_with_formatter``): the sub-tensors of
    an n-d tensor are separated by a comma, n-1 newlines and ``indent + 1`` spaces, and a
    summarised dim shows ``...`` in place of its middle entries."""
    if cells.ndim == 1:
        return _vector(list(cells), gaps[0], indent, width, edge, linewidth)
    rows = [_layout(row, gaps[1:], indent + 1, width, edge, linewidth) for row in cells]
    if gaps[0]:
        rows.insert(edge, "...")
    return "[" + ("," + "\n" * (cells.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _vector(items: list, gap: bool, indent: int, width: int, edge: int, linewidth: int) -> str:
    """One row (PyTorch's ``_vector_str``): as many cells per line as fit in ``linewidth - indent``
    counting each as ``width + 2`` (its comma and space), at least one; the summary mark
    ``" ..."`` counts as one cell; continuation lines start under the first value."""
    if gap:
        items.insert(edge, " ...")
    per_line = max(1, (linewidth - indent) // (width + 2))
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _add_suffixes(text: str, suffixes: list, indent: int, linewidth: int) -> str:
    """Append ``, suffix`` for each suffix, moving one to its own line (indented under the first
    value) when it would pass ``linewidth`` (PyTorch's ``_add_suffixes``; its count of the last
    line is two more than the line's length, and is kept so the wrapping point is the same)."""
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    parts.append(")")
    return "".join(parts)
