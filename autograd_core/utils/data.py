"""Datasets and a batching ``DataLoader``, mirroring ``torch.utils.data``.

Code written against PyTorch ports by changing the import::

    from torch.utils.data import DataLoader, TensorDataset      # PyTorch
    from autograd_core.utils.data import DataLoader, TensorDataset  # tapegrad

Loading runs in the calling process (``num_workers`` is accepted and ignored).  Shuffling
draws a permutation of the indices, host-side metadata, either from the global random
number generator (``ag.manual_seed`` makes it reproducible) or from the loader's own seeded
source when a ``generator`` is given (an ``int`` seed, or an object with ``initial_seed()``
or a ``seed`` attribute): then every epoch gets a new order and the whole sequence of orders
depends on the seed alone, whatever else uses the global generator.

>>> import autograd_core as ag
>>> from autograd_core.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(ag.arange(10.0).reshape(5, 2), ag.arange(5))
>>> loader = DataLoader(ds, batch_size=2, shuffle=True, generator=0)
>>> len(loader), [tuple(y.shape) for _, y in loader]
(3, [(2,), (2,), (1,)])
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

import autograd_core as ag
from autograd_core.tensor import Tensor

__all__ = [
    "Dataset",
    "TensorDataset",
    "Subset",
    "ConcatDataset",
    "StackDataset",
    "IterableDataset",
    "ChainDataset",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "BatchSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "DataLoader",
    "get_worker_info",
    "default_collate",
    "random_split",
]


# -- datasets --------------------------------------------------------------------------


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(i)`` and ``__len__()``.

    >>> from autograd_core.utils.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self): return 4
    ...     def __getitem__(self, i): return i * i
    >>> [Squares()[i] for i in range(4)]
    [0, 1, 4, 9]
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are slices of the given tensors along their first dim: ``ds[i] = (t0[i], t1[i], ...)``.

    >>> import autograd_core as ag
    >>> from autograd_core.utils.data import TensorDataset
    >>> ds = TensorDataset(ag.zeros(3, 2), ag.tensor([0, 1, 2]))
    >>> len(ds), ds[1][1].item()
    (3, 1)
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: argument {i} is a {type(t).__name__}, expected a Tensor")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: argument {i} is a 0-d tensor; samples are taken along dim 0")
        sizes = [t.shape[0] for t in tensors]
        if any(s != sizes[0] for s in sizes):
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: first dims {sizes} (shapes {shapes}); every tensor "
                "must hold the same number of samples along dim 0"
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Datasets one after another."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]



class StackDataset(Dataset):
    """Several datasets of the same length side by side: item ``i`` is the tuple (positional
    datasets) or dict (keyword datasets) of their items ``i``.

    >>> import autograd_core as ag
    >>> from autograd_core.utils.data import StackDataset
    >>> StackDataset(image=ag.arange(3), label=ag.arange(3) * 10)[1]
    {'image': tensor(1), 'label': tensor(10)}
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        self.datasets = args or kwargs
        lengths = {len(d) for d in (args or kwargs.values())}
        if len(lengths) != 1:
            raise ValueError("Size mismatch between datasets")
        self._length = lengths.pop()

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list) -> list:
        return [self[i] for i in indices]

    def __len__(self) -> int:
        return self._length


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses define ``__iter__`` (and, if they know it, ``__len__``).

    A ``DataLoader`` over it takes items in the order the stream gives them and groups them into
    batches of ``batch_size`` (no shuffling or samplers: they need indices).  ``a + b`` chains two.

    >>> from autograd_core.utils.data import DataLoader, IterableDataset
    >>> class Count(IterableDataset):
    ...     def __iter__(self): return iter(range(5))
    >>> [b.tolist() for b in DataLoader(Count(), batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __add__(self, other: IterableDataset) -> ChainDataset:
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Iterable datasets one after another, as one stream."""

    def __init__(self, datasets: Iterable[IterableDataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got {type(d).__name__}")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


# -- random orders -----------------------------------------------------------------------


def _seed_of(generator) -> int:
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return int(generator)
    if hasattr(generator, "initial_seed"):
        return int(generator.initial_seed())
    if hasattr(generator, "seed") and isinstance(generator.seed, (int, np.integer)):
        return int(generator.seed)
    raise TypeError(
        f"generator must be an int seed or an object with initial_seed() or an int 'seed' attribute, "
        f"got {type(generator).__name__}"
    )


class _IndexSource:
    """Random index orders: the global generator (``generator=None``) or a private one seeded once."""

    def __init__(self, generator) -> None:
        self._rng = None if generator is None else random.Random(_seed_of(generator))

    def permutation(self, n: int) -> list[int]:
        if self._rng is None:
            return ag.randperm(n).tolist()
        order = list(range(n))
        self._rng.shuffle(order)
        return order

    def integers(self, high: int, count: int) -> list[int]:
        if self._rng is None:
            return ag.randint(0, high, (count,)).tolist()
        return [self._rng.randrange(high) for _ in range(count)]

    def weighted(self, weights: list[float], count: int, replacement: bool) -> list[int]:
        """``count`` indices drawn in proportion to ``weights`` (``multinomial``'s rules)."""
        if self._rng is None:
            return ag.multinomial(ag.tensor(weights, dtype=ag.float64), count, replacement).tolist()
        if count > len(weights) and not replacement:
            raise RuntimeError(f"multinomial: cannot draw {count} samples from {len(weights)} categories without replacement")
        if replacement:
            return self._rng.choices(range(len(weights)), weights=weights, k=count)
        # without replacement: the largest keys log(u) / w (Efraimidis and Spirakis), as multinomial
        keys = [math.log(1.0 - self._rng.random()) / w if w > 0 else -math.inf for w in weights]
        return sorted(range(len(weights)), key=lambda i: -keys[i])[:count]


# -- samplers ----------------------------------------------------------------------------


class Sampler:
    """Yields dataset indices; subclasses define ``__iter__`` (and ``__len__`` when known)."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the indices (a new one each epoch), or ``num_samples`` draws with replacement."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        self._source = _IndexSource(generator)
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        if self.replacement:
            yield from self._source.integers(n, self.num_samples)
            return
        for _ in range(self.num_samples // n):
            yield from self._source.permutation(n)
        yield from self._source.permutation(n)[: self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order, a new one each epoch (a train/validation split
    of one dataset: one sampler per part).

    >>> from autograd_core.utils.data import SubsetRandomSampler
    >>> sorted(SubsetRandomSampler([7, 3, 5], generator=0))
    [3, 5, 7]
    """

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator
        self._source = _IndexSource(generator)

    def __iter__(self) -> Iterator[int]:
        for i in self._source.permutation(len(self.indices)):
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probability proportional to ``weights`` (one weight per
    sample, need not sum to 1), with replacement by default: the usual fix for imbalanced classes.

    >>> from autograd_core.utils.data import WeightedRandomSampler
    >>> list(WeightedRandomSampler([0.0, 1.0, 0.0], num_samples=3))
    [1, 1, 1]
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True, generator=None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = np.asarray(weights.tolist() if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = ag.tensor(w)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator
        self._source = _IndexSource(generator)

    def __iter__(self) -> Iterator[int]:
        yield from self._source.weighted(self.weights.tolist(), self.num_samples, self.replacement)

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size`` (the last one shorter unless ``drop_last``)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


# -- collation ----------------------------------------------------------------------------


def default_collate(batch: list):
    """Stack a list of samples into a batch, as PyTorch's ``default_collate``.

    Tensors are stacked along a new first dim (``ag.stack``); Python floats become a float64
    tensor, ints int64, bools bool; NumPy arrays become tensors; dicts, tuples and lists are
    collated field by field (tuples come back as lists, as in PyTorch); strings are returned as
    given (a list of strings stays a list; a string field of tuple samples comes back a tuple).

    >>> import autograd_core as ag
    >>> from autograd_core.utils.data import default_collate
    >>> x, y = default_collate([(ag.zeros(2), 1), (ag.ones(2), 0)])
    >>> tuple(x.shape), y.tolist()
    ((2, 2), [1, 0])
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return ag.stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OUS":
            raise TypeError(f"default_collate: batch must contain tensors, numbers, dicts or lists; found {elem.dtype}")
        return ag.stack([ag.from_numpy(np.ascontiguousarray(a)) for a in batch], 0)
    if isinstance(elem, np.generic):
        return ag.tensor(np.array(batch))
    if isinstance(elem, bool):
        return ag.tensor(batch, dtype=ag.bool)
    if isinstance(elem, float):
        return ag.tensor(batch, dtype=ag.float64)
    if isinstance(elem, int):
        return ag.tensor(batch, dtype=ag.int64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(s) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numbers, dicts or lists; found {type(elem)}")


def _convert(sample):
    """What ``batch_size=None`` yields: numbers and arrays become tensors, nothing is stacked."""
    if isinstance(sample, (Tensor, str, bytes)):
        return sample
    if isinstance(sample, np.ndarray):
        return ag.from_numpy(sample)
    if isinstance(sample, Mapping):
        return {k: _convert(v) for k, v in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(_convert(s) for s in sample))
    if isinstance(sample, (list, tuple)):
        return [_convert(s) for s in sample]
    return sample


# -- the loader -------------------------------------------------------------------------------


class DataLoader:
    """Iterate over a dataset in batches.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``).
        batch_size: samples per batch (``None``: yield single samples, unbatched).
        shuffle: a new random order every epoch.
        sampler / batch_sampler: custom index orders (exclusive with ``shuffle``, as in PyTorch).
        collate_fn: turns a list of samples into a batch (default: ``default_collate``).
        drop_last: drop the last, incomplete batch.
        generator: the seed of the shuffling order (an ``int``, or an object with
            ``initial_seed()`` or an int ``seed`` attribute); ``None`` uses the global generator.
        num_workers, pin_memory, ...: accepted for compatibility; loading runs in this process.

    ``len(loader)`` is the number of batches: ``ceil(n / batch_size)``, or ``floor`` with ``drop_last``.
    A ``TensorDataset`` with the default collation is batched with one indexing op per tensor.

    >>> import autograd_core as ag
    >>> from autograd_core.utils.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(ag.arange(7.0)), batch_size=3, drop_last=True)
    >>> len(loader), [b[0].tolist() for b in loader]
    (2, [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    """

    def __init__(
        self,
        dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler=None,
        batch_sampler=None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
    ) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:  # a stream: no indices to shuffle or sample
            for option, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {option} option, "
                                     f"but got {option}={value!r}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.generator = generator
        self._default_collate = collate_fn is None
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else _convert
        self.collate_fn = collate_fn

    @property
    def _index_sampler(self):
        return self.batch_sampler if self.batch_sampler is not None else self.sampler

    def __iter__(self) -> Iterator:
        if self._iterable:
            yield from self._stream()
            return
        fast = self._default_collate and self.batch_sampler is not None and type(self.dataset) is TensorDataset
        for idx in self._index_sampler:
            if self.batch_sampler is None:
                yield self.collate_fn(self.dataset[idx])
            elif fast:
                # one gather per tensor instead of len(idx) slices and a stack: the same batch, faster
                yield [t[list(idx)] for t in self.dataset.tensors]
            else:
                yield self.collate_fn([self.dataset[i] for i in idx])

    def __len__(self) -> int:
        if self._iterable:  # the stream's own length (a TypeError if it has none), in batches
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self._index_sampler)

    def _stream(self) -> Iterator:
        """Batches of an IterableDataset, in the order it gives its items."""
        if self.batch_size is None:
            for item in self.dataset:
                yield self.collate_fn(item)
            return
        batch = []
        for item in self.dataset:
            batch.append(item)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)


def get_worker_info() -> None:
    """Information about the current loader worker process: always ``None`` here, because every
    batch is loaded in the calling process (``num_workers`` is ignored), which is what PyTorch
    returns in the main process.  Dataset code that shards its work per worker then takes its
    single-process branch."""
    return None


def random_split(dataset: Dataset, lengths: Sequence[int | float], generator=None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths (or fractions summing to 1).

    >>> from autograd_core.utils.data import random_split, TensorDataset
    >>> import autograd_core as ag
    >>> train, val = random_split(TensorDataset(ag.arange(10)), [0.8, 0.2], generator=0)
    >>> len(train), len(val)
    (8, 2)
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):  # the remainder goes round-robin, as in PyTorch
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = _IndexSource(generator).permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, order[start : start + length]))
        start += length
    return out
