"""Adaptive softmax (Grave et al. 2016, "Efficient softmax approximation for GPUs").

Frequent classes (the shortlist, below ``cutoffs[0]``) are scored by the ``head``;
rarer classes are split into clusters, each scored by its own small ``tail``
projection, and the head gives one extra logit per cluster: the log-probability of a
rare class is its cluster's head log-probability plus its log-probability inside the
cluster.  Submodules and parameter names follow PyTorch (``head``, ``tail.i.0``,
``tail.i.1``), so a PyTorch state_dict loads.

>>> import autograd_core as ag, nn
>>> asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[4, 7])
>>> out = asm(ag.randn(5, 8), ag.tensor([0, 3, 5, 8, 9]))
>>> out.output.shape, out.loss.shape
(torch.Size([5]), torch.Size([]))
>>> [round(p, 5) for p in asm.log_prob(ag.randn(2, 8)).exp().sum(1).tolist()]
[1.0, 1.0]
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

import autograd_core as ag
from autograd_core import Tensor
from nn.containers import ModuleList, Sequential
from nn.functional import _activation as F
from nn.module import Module
from nn.modules.linear import Linear

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive log-softmax over ``n_classes`` classes split at ``cutoffs``; cluster ``i``'s projection
    has ``in_features // div_value ** (i + 1)`` hidden units.

    ``forward(input, target)`` returns ``(output, loss)``: the log-probability of each target and the
    mean negative log-likelihood.  ``log_prob(input)`` gives the full ``(N, n_classes)``
    log-distribution, ``predict(input)`` the most probable class.
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int], div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError(
                "cutoffs should be a sequence of unique, positive integers sorted in an increasing order, where "
                f"each value is between 1 and n_classes-1 (got cutoffs={cutoffs}, n_classes={n_classes})"
            )
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, device=device, dtype=dtype),
                                        Linear(hidden, size, bias=False, device=device, dtype=dtype)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for projection in self.tail:
            for linear in projection:
                linear.reset_parameters()

    def _check(self, input: Tensor, target: Tensor) -> None:
        if target.ndim == 1:
            if input.shape[0] != target.shape[0]:
                raise RuntimeError(
                    "Input and target should have the same size in the batch dimension (input "
                    f"{tuple(input.shape)}, target {tuple(target.shape)})."
                )
            if input.ndim != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{tuple(input.shape)}")
        elif target.ndim == 0:
            if input.ndim != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{tuple(input.shape)}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.numel() and bool(((target < 0) | (target >= self.n_classes)).any()):
            raise RuntimeError(
                f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{target.min().item()}, {target.max().item()}] were found. "
            )

    def forward(self, input: Tensor, target: Tensor) -> _ASMoutput:
        self._check(input, target)
        batched = target.ndim > 0
        if not batched:
            input, target = input.unsqueeze(0), target.unsqueeze(0)
        target = target.long()
        # Which head column scores each target: its own in the shortlist, else its cluster's.
        cluster = ag.zeros_like(target)
        for low in self.cutoffs[:-1]:
            cluster = cluster + (target >= low).long()
        head_column = ag.where(cluster == 0, target, self.shortlist_size + cluster - 1)
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = head_logprob.gather(1, head_column.unsqueeze(1)).squeeze(1)
        # Each cluster's tail runs only on the rows whose target falls in it (the point of the method).
        for i in range(self.n_clusters):
            rows = ag.nonzero(cluster == i + 1).reshape(-1)
            if rows.numel() == 0:
                continue
            local = F.log_softmax(self.tail[i](input.index_select(0, rows)), dim=1)
            relative = (target.index_select(0, rows) - self.cutoffs[i]).unsqueeze(1)
            output = output.index_add(0, rows, local.gather(1, relative).squeeze(1))
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, : self.shortlist_size]]
        for i in range(self.n_clusters):
            column = self.shortlist_size + i
            parts.append(F.log_softmax(self.tail[i](input), dim=1) + head_logprob[:, column : column + 1])
        return ag.cat(parts, dim=1)

    def log_prob(self, input: Tensor) -> Tensor:
        """Log-probabilities of all ``n_classes`` classes for each row of ``input``: ``(N, n_classes)``."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most probable class of each row: ``log_prob(input).argmax(1)``, except that a row whose head
        argmax is a shortlist class takes it directly (no rarer class can beat it), as in PyTorch."""
        head_output = self.head(input)
        head_best = head_output.argmax(1)
        full_best = self._full_log_prob(input, head_output).argmax(1)
        return ag.where(head_best < self.shortlist_size, head_best, full_best)
