"""``save`` / ``load``: exact round trips, atomic writes, and files that cannot run code."""

from __future__ import annotations

import json
import os
import pathlib
import pickle

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import serialization

UNPICKLED = []


def _record_unpickling():
    """Called only if someone unpickles an ``Evil`` object."""
    UNPICKLED.append("code ran")
    return "pwned"


class Evil:
    def __reduce__(self):
        return (_record_unpickling, ())


@pytest.fixture(autouse=True)
def nothing_unpickled():
    UNPICKLED.clear()
    yield
    assert UNPICKLED == [], "a file was unpickled: loading ran code"


def assert_same(a, b):
    """Structural, exact equality, including container and number types."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, ag.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.requires_grad == b.requires_grad
        assert a.is_leaf and b.is_leaf and b.grad is None
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float):
        assert repr(a) == repr(b)  # bit-exact, sign of zero and nan included
    else:
        assert a == b


def nested_checkpoint():
    ag.manual_seed(0)
    return {
        "model": {
            "weight": ag.randn(3, 4),
            "bias": ag.zeros(4, dtype=ag.float64, requires_grad=True),
            "half": ag.tensor([1.5, -2.25], dtype=ag.float16),
        },
        "optimizer": {
            "state": [ag.arange(5), ag.tensor([True, False]), ag.tensor(7, dtype=ag.int32)],
            "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False, "name": None}],
        },
        "step": 1234,
        "loss": 0.1 + 0.2,  # not exactly 0.3: must come back bit for bit
        "big": 2**62 + 1,
        "special": [float("inf"), -0.0, 1e-310, float("nan")],
        "nested": ((1, 2.5, "three"), [ag.tensor(3.0)]),
        "empty": [ag.zeros(0, 3), {}, [], ()],
        "array": np.arange(6, dtype=np.int16).reshape(2, 3),
        "scalar0d": ag.tensor(2.5, dtype=ag.float64),
        "nan": ag.tensor([float("nan"), float("inf")]),
    }


def test_nested_structure_round_trips_exactly(tmp_path):
    obj = nested_checkpoint()
    path = tmp_path / "ckpt.npz"
    ag.save(obj, str(path))
    assert_same(obj, ag.load(str(path)))


def test_path_objects_and_file_objects_work(tmp_path):
    obj = {"w": ag.ones(2, 2), "n": 3}
    path = tmp_path / "via_pathlib.npz"
    ag.save(obj, path)
    assert_same(obj, ag.load(path))
    with open(tmp_path / "via_handle.npz", "wb") as fh:
        ag.save(obj, fh)
    with open(tmp_path / "via_handle.npz", "rb") as fh:
        assert_same(obj, ag.load(fh))


def test_a_non_leaf_tensor_is_saved_by_value(tmp_path):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    ag.save({"y": y}, tmp_path / "y.npz")
    loaded = ag.load(tmp_path / "y.npz")["y"]
    assert loaded.is_leaf and loaded.grad_fn is None
    assert loaded.tolist() == [3.0, 6.0]


def test_loaded_tensors_do_not_share_memory_with_the_saved_ones(tmp_path):
    t = ag.tensor([1.0, 2.0])
    ag.save(t, tmp_path / "t.npz")
    loaded = ag.load(tmp_path / "t.npz")
    loaded.add_(1.0)
    assert t.tolist() == [1.0, 2.0]


def test_map_location_takes_pytorchs_forms(tmp_path):
    ag.save({"w": ag.ones(2), "b": ag.zeros(1, requires_grad=True)}, tmp_path / "w.npz")
    path = tmp_path / "w.npz"
    assert ag.load(path)["w"].device == "cpu"  # the device it was saved from
    assert ag.load(path, map_location="cpu")["w"].device == "cpu"
    assert ag.load(path, map_location=ag.device("cpu"))["w"].device == "cpu"
    assert ag.load(path, map_location={"cuda:0": "cpu"})["w"].device == "cpu"  # only cuda:0 is remapped
    seen = []

    def where(storage, loc):
        seen.append(loc)
        return storage * 2.0

    out = ag.load(path, map_location=where)
    assert seen == ["cpu", "cpu"] and out["w"].tolist() == [2.0, 2.0] and out["b"].requires_grad
    assert ag.load(path, map_location=lambda storage, loc: storage)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="map_location returned a list; it must return a Tensor"):
        ag.load(path, map_location=lambda storage, loc: [1.0])


# ---------------------------------------------------------------------------- atomic writes
def _files(directory: pathlib.Path):
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize(
    "bad",
    [object(), {"ok": ag.ones(1), "bad": object()}, [ag.ones(1), Evil()], {(1, 2): ag.ones(1)}, {"f": lambda: 0}],
    ids=["object", "object-in-dict", "picklable-object", "tuple-key", "function"],
)
def test_failing_save_leaves_the_old_file_intact_and_no_temp_files(tmp_path, bad):
    path = tmp_path / "ckpt.npz"
    ag.save({"version": 1, "w": ag.tensor([1.0, 2.0])}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        ag.save(bad, path)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["ckpt.npz"]
    assert ag.load(path)["version"] == 1


def test_a_crash_while_writing_leaves_the_old_file_intact_and_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    ag.save({"version": 1}, path)
    before = path.read_bytes()

    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(serialization.os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        ag.save({"version": 2, "w": ag.ones(1000)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["ckpt.npz"]


def test_a_failing_first_save_creates_nothing(tmp_path):
    with pytest.raises(TypeError):
        ag.save({"bad": object()}, tmp_path / "new.npz")
    assert _files(tmp_path) == []


# ---------------------------------------------------------------------------- refusing code
def test_npz_with_a_pickled_object_array_is_refused_and_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    structure = json.dumps({"format": "tapegrad-v1", "root": {"__tensor__": "a0", "requires_grad": False}})
    np.savez(path, __structure__=np.array(structure), a0=np.array([Evil()], dtype=object))
    with pytest.raises(ValueError):
        ag.load(path)


def test_npz_whose_structure_record_is_pickled_is_refused(tmp_path):
    path = tmp_path / "evil_structure.npz"
    np.savez(path, __structure__=np.array([Evil()], dtype=object))
    with pytest.raises(ValueError):
        ag.load(path)


def test_a_plain_pickle_file_is_refused_and_never_unpickled(tmp_path):
    path = tmp_path / "model.pt"
    with open(path, "wb") as fh:
        pickle.dump({"w": Evil()}, fh)
    with pytest.raises(ValueError):
        ag.load(path)


@pytest.mark.parametrize("content", [b"", b"not a checkpoint", b"PK\x03\x04 truncated zip"])
def test_garbage_files_are_refused_with_value_error(tmp_path, content):
    path = tmp_path / "garbage.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError):
        ag.load(path)


def test_an_npz_that_is_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.ones(3))
    with pytest.raises(ValueError, match="checkpoint"):
        ag.load(path)


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises((FileNotFoundError, ValueError)):
        ag.load(tmp_path / "nope.npz")


def test_pickling_a_tensor_is_refused_with_a_hint():
    with pytest.raises(TypeError, match="save"):
        pickle.dumps(ag.ones(2))
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps({"w": [ag.ones(2)]})


def test_saved_file_is_a_plain_npz_readable_without_pickle(tmp_path):
    path = tmp_path / "ckpt.npz"
    ag.save({"w": ag.tensor([1.0, 2.0])}, path)
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    assert any(np.array_equal(v, np.array([1.0, 2.0], dtype=np.float32)) for v in arrays.values())
    assert os.path.getsize(path) > 0


def test_int_keys_round_trip_as_ints(tmp_path):
    # Optimizer state_dicts key their state by parameter index, as torch.save allows.
    path = tmp_path / "opt.npz"
    ag.save({"state": {0: {"step": 3, "exp_avg": ag.ones(2)}, 1: {}}, "param_groups": [{"params": [0, 1]}]}, path)
    loaded = ag.load(path)
    assert list(loaded["state"]) == [0, 1]
    assert loaded["state"][0]["step"] == 3
    assert loaded["state"][0]["exp_avg"].tolist() == [1.0, 1.0]
    assert loaded["param_groups"] == [{"params": [0, 1]}]
