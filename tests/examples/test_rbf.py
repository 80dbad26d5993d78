"""examples/rbf.py: k = 2 Gaussian units fit noisy sin(2 pi x)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from examples import rbf


def test_kmeans_1d_finds_two_separated_clusters():
    np.random.seed(0)
    x = ag.tensor(np.concatenate([np.random.normal(0.2, 0.02, 30), np.random.normal(0.8, 0.02, 30)]),
                  dtype=ag.float64)
    centres, assign = rbf.kmeans_1d(x, 2)
    assert sorted(centres.tolist()) == pytest.approx([0.2, 0.8], abs=0.02)
    assert len(set(assign[:30].tolist())) == len(set(assign[30:].tolist())) == 1


def test_k2_fits_far_below_the_variance_of_y(tmp_path):
    path = tmp_path / "rbf.png"
    metrics = rbf.main(["--epochs", "20", "--no-progress", "--plot", str(path)])
    variance = metrics["variance"]
    assert variance > 0.4
    for choice in ("cluster", "shared"):
        history = metrics["history"][choice]
        assert history[-1] < history[0]
        assert metrics["mse"][choice] < 0.15 * variance
    assert metrics["mse"]["cluster"] < 0.05 * variance
    assert path.stat().st_size > 0
