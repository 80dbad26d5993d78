"""Utilities that mirror ``torch.utils``: ``autograd_core.utils.data`` (datasets, DataLoader) and
``autograd_core.utils.checkpoint`` (recompute activations in backward instead of keeping them)."""

from autograd_core.utils import checkpoint, data

__all__ = ["checkpoint", "data"]
