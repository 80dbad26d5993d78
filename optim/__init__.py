"""Optimizers and learning-rate schedulers with ``torch.optim``'s names and semantics.

Updates run under ``no_grad`` with in-place tensor ops; no raw arrays.
"""
