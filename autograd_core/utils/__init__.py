"""Utilities that mirror ``torch.utils``: ``autograd_core.utils.data`` (datasets, DataLoader)."""

from autograd_core.utils import data

__all__ = ["data"]
