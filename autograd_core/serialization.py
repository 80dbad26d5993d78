"""``save`` / ``load``: nested dicts and lists of tensors and numbers, in a file that can't run code.

The file is an ``.npz`` archive: every array under a numbered key, and the
structure as JSON.  Loading uses ``allow_pickle=False``, so a file that holds a
pickled object is refused rather than executed.  Writing goes to a temporary
file in the same directory, then an atomic rename: a crash mid-write never
leaves a truncated checkpoint where the old one was.

>>> import autograd_core as ag, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
>>> ag.save({"w": ag.ones(2), "step": 3}, path)
>>> ag.load(path)["step"]
3
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile

import numpy as np

from autograd_core.size import Size
from autograd_core.tensor import Tensor
from backends import get_device

_FORMAT = "tapegrad-v1"


def _encode(obj, arrays: dict):
    if isinstance(obj, Tensor):
        key = f"a{len(arrays)}"
        arrays[key] = obj._dev.backend.to_numpy(obj._data)
        return {"__tensor__": key, "requires_grad": obj.requires_grad, "device": str(obj._dev)}
    if isinstance(obj, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"__ndarray__": key}
    if isinstance(obj, dict):
        for k in obj:
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be strings or ints, got {type(k).__name__} key {k!r}")
        # A list of [key, value] pairs: JSON objects would turn int keys (optimizer state) into strings.
        return {"__items__": [[k, _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, Size):  # (a shape kept in a checkpoint comes back a Size, as torch.load gives)
        return {"__size__": list(obj)}
    if isinstance(obj, (list, tuple)):
        return {"__list__" if isinstance(obj, list) else "__tuple__": [_encode(v, arrays) for v in obj]}
    if isinstance(obj, (bool, int, float, str)) or obj is None:
        return obj
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    raise TypeError(
        f"save: can't store a {type(obj).__name__}; only tensors, arrays, numbers, strings, None, "
        "and dicts/lists/tuples of them are saved (never pickled objects)"
    )


def save(obj, f) -> None:
    """Write ``obj`` (tensors, numbers, strings, and dicts/lists of them) to path ``f`` atomically."""
    arrays: dict = {}
    structure = json.dumps({"format": _FORMAT, "root": _encode(obj, arrays)})
    if not isinstance(f, (str, os.PathLike)):
        np.savez(f, __structure__=np.array(structure), **arrays)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, __structure__=np.array(structure), **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _place(array, saved: str, map_location):
    """A loaded array as a tensor where ``map_location`` says (PyTorch's forms): None keeps the
    device it was saved from; a device (or its name) takes every tensor there; a dict maps saved
    device names to new ones; a callable gets ``(tensor on cpu, saved device name)`` and returns
    the tensor to use (``lambda storage, loc: storage`` loads on the cpu)."""
    if callable(map_location):
        cpu = get_device("cpu")
        t = map_location(Tensor._wrap(cpu.backend.asarray(array), cpu), saved)
        if not isinstance(t, Tensor):
            raise TypeError(f"load: map_location returned a {type(t).__name__}; it must return a Tensor")
        return t
    if isinstance(map_location, dict):
        target = map_location.get(saved, saved)
    else:
        target = saved if map_location is None else map_location
    dev = get_device(target)
    return Tensor._wrap(dev.backend.asarray(array), dev)


def _decode(obj, arrays, device):
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            t = _place(arrays[obj["__tensor__"]], obj.get("device", "cpu"), device)
            if obj.get("requires_grad"):
                t.requires_grad_(True)
            return t
        if "__ndarray__" in obj:
            return arrays[obj["__ndarray__"]]
        if "__items__" in obj:
            return {k: _decode(v, arrays, device) for k, v in obj["__items__"]}
        if "__list__" in obj:
            return [_decode(v, arrays, device) for v in obj["__list__"]]
        if "__tuple__" in obj:
            return tuple(_decode(v, arrays, device) for v in obj["__tuple__"])
        if "__size__" in obj:
            return Size(obj["__size__"])
        raise ValueError("load: malformed structure in file")
    return obj


def load(f, map_location=None, weights_only: bool = True):
    """Read what ``save`` wrote.  Never unpickles: a file holding pickled objects raises ``ValueError``.

    ``map_location`` as in PyTorch: None puts each tensor back on the device it was saved
    from; a device or its name puts every tensor there; a dict maps saved device names to
    new ones (``{"cuda:0": "cpu"}``); a callable ``f(tensor, saved_device_name)`` returns the
    tensor to use (``lambda storage, loc: storage`` keeps everything on the cpu).
    """
    try:
        data = np.load(f, allow_pickle=False)
    except ValueError as exc:
        raise ValueError(f"load: {f!r} contains pickled data, which is refused (it could run code): {exc}") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ValueError(f"load: {f!r} is not a tapegrad checkpoint (.npz): {exc}") from None
    if not isinstance(data, np.lib.npyio.NpzFile) or "__structure__" not in data.files:
        raise ValueError(f"load: {f!r} is not a tapegrad checkpoint (no structure record)")
    with data:
        try:
            meta = json.loads(str(data["__structure__"]))
            arrays = {k: data[k] for k in data.files if k != "__structure__"}
        except ValueError as exc:
            raise ValueError(f"load: {f!r} holds pickled or malformed data, which is refused: {exc}") from None
    if meta.get("format") != _FORMAT:
        raise ValueError(f"load: unknown checkpoint format {meta.get('format')!r}")
    return _decode(meta["root"], arrays, map_location)


__all__ = ["save", "load", "io"]
