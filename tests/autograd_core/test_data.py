"""``autograd_core.utils.data``: datasets, samplers, collation and the DataLoader (PyTorch's semantics)."""

from __future__ import annotations

import collections
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
import nn
import optim
from autograd_core import DeviceError
from autograd_core.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    get_worker_info,
    random_split,
)
from tests.helpers.strict_backend import DEVICE as STRICT
from tests.helpers.strict_backend import StrictArray


def host(t):
    return t.detach().to("cpu").numpy().copy()


def dataset(n=10):
    return TensorDataset(ag.arange(float(2 * n)).reshape(n, 2), ag.arange(n))


# ----------------------------------------------------------------------------- datasets
def test_tensor_dataset_items_and_length():
    ds = dataset(4)
    assert len(ds) == 4
    x, y = ds[2]
    assert x.tolist() == [4.0, 5.0] and y.item() == 2


def test_tensor_dataset_refuses_mismatched_sizes():
    with pytest.raises(ValueError, match=r"size mismatch.*\[3, 4\].*\(3, 2\), \(4,\)"):
        TensorDataset(ag.zeros(3, 2), ag.zeros(4))
    with pytest.raises(TypeError, match="argument 1 is a ndarray"):
        TensorDataset(ag.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()


def test_subset_concat_and_random_split():
    ds = dataset(10)
    sub = Subset(ds, [7, 1])
    assert len(sub) == 2 and sub[0][1].item() == 7
    both = ConcatDataset([sub, dataset(3)])
    assert len(both) == 5 and both[2][1].item() == 0 and both[-1][1].item() == 2
    assert len(sub + sub) == 4
    a, b, c = random_split(ds, [5, 3, 2], generator=42)
    assert [len(a), len(b), len(c)] == [5, 3, 2]
    seen = sorted(int(s[i][1].item()) for s in (a, b, c) for i in range(len(s)))
    assert seen == list(range(10))
    again = random_split(ds, [5, 3, 2], generator=42)
    assert again[0].indices == a.indices
    assert [len(s) for s in random_split(ds, [0.5, 0.3, 0.2], generator=0)] == [5, 3, 2]
    assert [len(s) for s in random_split(dataset(7), [0.5, 0.5], generator=0)] == [4, 3]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [4, 4])


# ----------------------------------------------------------------------------- the loader
@given(n=st.integers(1, 23), batch_size=st.integers(1, 8), drop_last=st.booleans(), shuffle=st.booleans())
def test_batches_cover_the_dataset_and_len_is_pytorchs(n, batch_size, drop_last, shuffle):
    loader = DataLoader(dataset(n), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, generator=1)
    batches = list(loader)
    expected_len = n // batch_size if drop_last else math.ceil(n / batch_size)
    assert len(loader) == len(batches) == expected_len
    sizes = [len(b[1]) for b in batches]
    assert all(s == batch_size for s in sizes[:-1])
    if drop_last:
        assert all(s == batch_size for s in sizes)
    ys = [int(v) for b in batches for v in b[1].tolist()]
    assert len(set(ys)) == len(ys) == (expected_len * batch_size if drop_last else n)
    if not shuffle:
        assert ys == list(range(len(ys)))
    for x, y in batches:  # rows stay paired with their labels
        assert isinstance(x, ag.Tensor) and x.shape == (len(y), 2)
        np.testing.assert_array_equal(host(x), np.stack([2 * host(y), 2 * host(y) + 1], axis=1).astype(np.float32))


def test_batches_are_lists_of_tensors_like_pytorch():
    x, y = next(iter(DataLoader(dataset(5), batch_size=2)))
    assert x.tolist() == [[0.0, 1.0], [2.0, 3.0]] and y.tolist() == [0, 1]
    assert x.dtype == ag.float32 and y.dtype == ag.int64
    assert isinstance(next(iter(DataLoader(dataset(5), batch_size=2))), list)


def test_shuffle_is_deterministic_with_a_seed_and_new_every_epoch():
    def orders(generator, epochs=3):
        loader = DataLoader(dataset(12), batch_size=5, shuffle=True, generator=generator)
        return [[int(v) for b in loader for v in b[1].tolist()] for _ in range(epochs)]

    first = orders(7)
    assert first == orders(7)
    assert first != orders(8)
    assert first[0] != first[1]  # each epoch draws a new order
    assert all(sorted(o) == list(range(12)) for o in first)

    class TorchLikeGenerator:
        def initial_seed(self):
            return 7

    assert orders(TorchLikeGenerator()) == first
    assert orders(collections.namedtuple("G", "seed")(7)) == first
    with pytest.raises(TypeError, match="int seed"):
        DataLoader(dataset(3), shuffle=True, generator="seven")


def test_without_a_generator_shuffling_follows_manual_seed():
    def order():
        return [int(v) for b in DataLoader(dataset(12), batch_size=4, shuffle=True) for v in b[1].tolist()]

    ag.manual_seed(3)
    a = order()
    ag.manual_seed(3)
    assert order() == a and sorted(a) == list(range(12))


def test_a_seeded_loader_does_not_depend_on_the_global_generator():
    ag.manual_seed(0)
    a = [b[1].tolist() for b in DataLoader(dataset(9), batch_size=3, shuffle=True, generator=5)]
    ag.manual_seed(1)
    ag.rand(10)
    b = [b[1].tolist() for b in DataLoader(dataset(9), batch_size=3, shuffle=True, generator=5)]
    assert a == b


class Pairs(Dataset):
    """Samples of mixed types, as user datasets return them."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": ag.full((2,), float(i)), "label": i, "weight": 0.5 * i, "name": f"s{i}", "arr": np.ones(3) * i}


def test_default_collation_of_mixed_samples():
    batch = next(iter(DataLoader(Pairs(), batch_size=3)))
    assert batch["x"].tolist() == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]
    assert batch["label"].dtype == ag.int64 and batch["label"].tolist() == [0, 1, 2]
    assert batch["weight"].dtype == ag.float64 and batch["weight"].tolist() == [0.0, 0.5, 1.0]
    assert batch["name"] == ["s0", "s1", "s2"]
    assert isinstance(batch["arr"], ag.Tensor) and batch["arr"].shape == (3, 3)
    Point = collections.namedtuple("Point", "x y")
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3]
    assert default_collate([True, False]).dtype == ag.bool
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found"):
        default_collate([object(), object()])


def test_custom_collate_sampler_batch_sampler_and_unbatched():
    ds = dataset(6)
    sums = list(DataLoader(ds, batch_size=3, collate_fn=lambda samples: sum(int(y.item()) for _, y in samples)))
    assert sums == [0 + 1 + 2, 3 + 4 + 5]
    rev = DataLoader(ds, batch_size=4, sampler=list(reversed(range(6))))
    assert [b[1].tolist() for b in rev] == [[5, 4, 3, 2], [1, 0]]
    bs = DataLoader(ds, batch_sampler=[[0, 5], [2]])
    assert [b[1].tolist() for b in bs] == [[0, 5], [2]] and len(bs) == 2
    single = list(DataLoader(ds, batch_size=None))
    assert len(single) == 6 and single[3][1].item() == 3 and single[3][0].shape == (2,)
    assert list(SequentialSampler(range(3))) == [0, 1, 2]
    assert list(BatchSampler(range(5), 2, drop_last=True)) == [[0, 1], [2, 3]]
    draws = list(RandomSampler(range(4), replacement=True, num_samples=10, generator=0))
    assert len(draws) == 10 and set(draws) <= {0, 1, 2, 3}
    assert len(list(RandomSampler(range(4), num_samples=6, generator=0))) == 6


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(batch_size=0), "batch_size should be a positive integer"),
        (dict(sampler=[0, 1], shuffle=True), "mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
        (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last"),
        (dict(num_workers=-1), "non-negative"),
    ],
)
def test_bad_loader_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(dataset(4), **kwargs)


def test_batches_stay_on_the_datasets_device():
    ds = TensorDataset(ag.arange(12.0, device=STRICT).reshape(6, 2), ag.arange(6, device=STRICT))
    for x, y in DataLoader(ds, batch_size=4, shuffle=True, generator=0):
        assert isinstance(x._data, StrictArray) and isinstance(y._data, StrictArray)
        np.testing.assert_array_equal(host(x)[:, 0], 2 * host(y))
    # the generic path (a user dataset, per-sample items stacked with ag.stack) too
    sub = Subset(ds, [4, 0, 2])
    x, y = next(iter(DataLoader(sub, batch_size=3)))
    assert isinstance(x._data, StrictArray) and host(y).tolist() == [4, 0, 2]


@pytest.mark.cuda
def test_batches_on_cuda_match_cpu():
    try:
        ag.get_device("cuda")
    except DeviceError as e:
        pytest.skip(f"no cuda device: {e}")
    cpu = dataset(7)
    gpu = TensorDataset(*(t.to("cuda") for t in cpu.tensors))
    pairs = zip(
        DataLoader(gpu, batch_size=3, shuffle=True, generator=2),
        DataLoader(cpu, batch_size=3, shuffle=True, generator=2),
    )
    for (xg, yg), (xc, yc) in pairs:
        assert xg.device.type == "cuda"
        np.testing.assert_array_equal(host(xg), host(xc))
        np.testing.assert_array_equal(host(yg), host(yc))


# ----------------------------------------------------------------------------- end to end
def test_fitting_a_linear_regression_with_sgd_and_a_data_loader():
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    y = X @ np.array([[1.5], [-2.0], [0.5]]) + 0.3
    loader = DataLoader(
        TensorDataset(ag.tensor(X, dtype=ag.float32), ag.tensor(y, dtype=ag.float32)),
        batch_size=16,
        shuffle=True,
        generator=0,
    )
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    sched = optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    losses = []
    for _ in range(25):
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
        sched.step()
        losses.append(total / 64)
    assert losses[-1] < 1e-4 < losses[0]
    assert max(losses[5:]) < 0.01 * losses[0]  # it got there quickly and stayed (no blow-up)
    np.testing.assert_allclose(host(model.weight), [[1.5, -2.0, 0.5]], atol=1e-2)
    np.testing.assert_allclose(host(model.bias), [0.3], atol=1e-2)


# ------------------------------------------------------------ samplers and collation, as PyTorch
def test_weighted_random_sampler_draws_in_proportion_to_the_weights():
    ag.manual_seed(0)
    draws = list(WeightedRandomSampler([1.0, 0.0, 3.0], num_samples=4000))
    counts = collections.Counter(draws)
    assert len(draws) == len(WeightedRandomSampler([1.0, 0.0, 3.0], 4000)) == 4000 and counts[1] == 0
    assert abs(counts[2] / 4000 - 0.75) < 0.03
    no_repeat = list(WeightedRandomSampler(ag.tensor([1.0, 0.0, 3.0, 2.0]), 3, replacement=False, generator=7))
    assert sorted(no_repeat) == [0, 2, 3]
    assert list(WeightedRandomSampler([1.0, 2.0], 5, generator=3)) == list(WeightedRandomSampler([1.0, 2.0], 5, generator=3))
    loader = DataLoader(TensorDataset(ag.arange(10)), sampler=WeightedRandomSampler([1.0] * 10, 6), batch_size=4)
    assert [len(b[0]) for b in loader] == [4, 2]


def test_weighted_random_sampler_refuses_what_pytorch_refuses():
    torch = pytest.importorskip("torch")
    bad = [(([1.0, 2.0], 0), ValueError), (([1.0, 2.0], 2.5), ValueError), (([1.0, 2.0], 2, 1), ValueError),
           (([[1.0, 2.0]], 2), ValueError)]
    for args, exc in bad:
        with pytest.raises(exc):
            torch.utils.data.WeightedRandomSampler(*args)
        with pytest.raises(exc, match="num_samples|replacement|weights"):
            WeightedRandomSampler(*args)
    with pytest.raises(RuntimeError):
        list(WeightedRandomSampler([1.0, 2.0], 3, replacement=False))


def test_subset_random_sampler_shuffles_only_its_indices():
    sampler = SubsetRandomSampler([7, 3, 5, 9], generator=1)
    epochs = [list(sampler) for _ in range(3)]
    assert all(sorted(e) == [3, 5, 7, 9] for e in epochs) and len(sampler) == 4
    assert list(SubsetRandomSampler([7, 3, 5, 9], generator=1)) == epochs[0]
    loader = DataLoader(TensorDataset(ag.arange(10) * 10), sampler=SubsetRandomSampler([1, 2, 8]), batch_size=8)
    assert sorted(next(iter(loader))[0].tolist()) == [10, 20, 80]


def test_string_fields_collate_as_pytorch_gives_them():
    """A string field of tuple samples comes back a tuple, a dataset of strings a list (PyTorch)."""
    torch = pytest.importorskip("torch")
    samples = [(1, "a"), (2, "b")]
    ours, theirs = default_collate(samples), torch.utils.data.default_collate(samples)
    assert type(ours) is type(theirs) is list and ours[1] == theirs[1] and type(ours[1]) is type(theirs[1]) is tuple
    assert default_collate(["a", "b"]) == torch.utils.data.default_collate(["a", "b"]) == ["a", "b"]
    assert get_worker_info() is None and torch.utils.data.get_worker_info() is None


# -- iterable datasets, ChainDataset, StackDataset -------------------------------------------


class _Count(IterableDataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


class _SizedCount(_Count):
    def __len__(self) -> int:
        return self.n


@pytest.mark.parametrize("batch_size, drop_last, expected", [
    (3, False, [[0, 1, 2], [3, 4, 5], [6]]),
    (3, True, [[0, 1, 2], [3, 4, 5]]),
    (7, False, [[0, 1, 2, 3, 4, 5, 6]]),
    (10, True, []),
])  # fmt: skip
def test_an_iterable_dataset_is_batched_in_stream_order(batch_size, drop_last, expected):
    loader = DataLoader(_Count(7), batch_size=batch_size, drop_last=drop_last)
    assert [b.tolist() for b in loader] == expected
    assert len(DataLoader(_SizedCount(7), batch_size=batch_size, drop_last=drop_last)) == len(expected)


def test_an_iterable_dataset_unbatched_and_with_a_collate_fn():
    assert list(DataLoader(_Count(3), batch_size=None)) == [0, 1, 2]
    assert list(DataLoader(_Count(4), batch_size=2, collate_fn=sum)) == [1, 5]


def test_an_iterable_dataset_refuses_what_needs_indices_and_len_needs_its_len():
    for option in ({"shuffle": True}, {"sampler": [0, 1]}, {"batch_sampler": [[0, 1]]}):
        with pytest.raises(ValueError, match=f"IterableDataset: expected unspecified {next(iter(option))} option"):
            DataLoader(_Count(3), **option)
    with pytest.raises(TypeError, match="has no len"):
        len(DataLoader(_Count(3), batch_size=2))
    with pytest.raises(NotImplementedError, match="must implement __iter__"):
        iter(IterableDataset())


def test_chained_streams_batch_across_the_boundary():
    assert [b.tolist() for b in DataLoader(_Count(2) + _Count(3), batch_size=2)] == [[0, 1], [0, 1], [2]]
    assert len(ChainDataset([_SizedCount(2), _SizedCount(3)])) == 5
    with pytest.raises(TypeError, match="only supports IterableDataset"):
        list(ChainDataset([_Count(1), TensorDataset(ag.arange(2))]))


def test_stack_dataset_tuples_and_dicts_and_their_batches():
    pairs = StackDataset(ag.arange(3), ag.arange(3) * 10)
    assert len(pairs) == 3 and [t.item() for t in pairs[1]] == [1, 10]
    named = StackDataset(a=ag.arange(3), b=ag.arange(3) * 10)
    batches = list(DataLoader(named, batch_size=2))
    assert [{k: v.tolist() for k, v in b.items()} for b in batches] == [{"a": [0, 1], "b": [0, 10]}, {"a": [2], "b": [20]}]
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset(ag.arange(3), ag.arange(4))
    with pytest.raises(ValueError, match="both types are given"):
        StackDataset(ag.arange(3), b=ag.arange(3))
    with pytest.raises(ValueError, match="At least one dataset"):
        StackDataset()


def test_iterable_datasets_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    from torch.utils import data as tdata

    class TorchCount(tdata.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

    for kwargs in ({"batch_size": 3}, {"batch_size": 2, "drop_last": True}, {"batch_size": None}):
        ours = [b.tolist() if hasattr(b, "tolist") else b for b in DataLoader(_Count(5) + _Count(2), **kwargs)]
        theirs = [b.tolist() if hasattr(b, "tolist") else b for b in tdata.DataLoader(TorchCount(5) + TorchCount(2), **kwargs)]
        assert ours == theirs, kwargs
    ours = StackDataset(x=ag.arange(4.0), y=ag.arange(4))
    theirs = tdata.StackDataset(x=torch.arange(4.0), y=torch.arange(4))
    for ob, tb in zip(DataLoader(ours, batch_size=3), tdata.DataLoader(theirs, batch_size=3)):
        assert {k: v.tolist() for k, v in ob.items()} == {k: v.tolist() for k, v in tb.items()}
