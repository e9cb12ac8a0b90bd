"""Vectorised bootstrap metrics agree with scikit-learn; intervals behave like intervals."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from bankruptcy.evaluation import metrics as M
from bankruptcy.evaluation.bootstrap import BATCH_METRICS, Batch, Bootstrap, batch_metric


def scored(n: int, seed: int, positive_rate: float = 0.08, separation: float = 1.2):
    """Labels and probability-like scores with ties (rounded), as from a real classifier."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < positive_rate).astype(int)
    y[:2] = [0, 1]  # both classes always present
    logit = rng.normal(size=n) + separation * y - 2.5
    return y, np.round(1 / (1 + np.exp(-logit)), 2)


@pytest.mark.parametrize("name", sorted(BATCH_METRICS))
def test_batch_metric_equals_registry_metric(name):
    y, s = scored(400, seed=1)
    threshold = 0.2
    labels = (s >= threshold).astype(int)
    expected = M.compute([name], y, s, "proba", threshold)[name]
    got = BATCH_METRICS[name](Batch(y[None], s[None], labels[None]))
    assert got.shape == (1,)
    assert got[0] == pytest.approx(expected, abs=1e-12)


def test_batch_metric_is_per_row_of_the_batch():
    (y1, s1), (y2, s2) = scored(300, seed=2), scored(300, seed=3)
    batch = Batch(np.stack([y1, y2]), np.stack([s1, s2]), np.stack([s1 >= 0.3, s2 >= 0.3]))
    got = BATCH_METRICS["roc_auc"](batch)
    assert got == pytest.approx([skm.roc_auc_score(y1, s1), skm.roc_auc_score(y2, s2)])


def test_metric_without_vectorised_version_falls_back_to_a_loop(monkeypatch):
    monkeypatch.setitem(
        M.METRICS, "npv", M.Metric(lambda y, lab: np.mean(y[lab == 0] == 0), "label")
    )
    y, s = scored(200, seed=4)
    labels = (s >= 0.3).astype(int)
    got = batch_metric("npv")(Batch(np.stack([y, y]), np.stack([s, s]), np.stack([labels] * 2)))
    assert got == pytest.approx([np.mean(y[labels == 0] == 0)] * 2)


def test_resamples_keep_the_class_counts():
    y, _ = scored(500, seed=5)
    idx = Bootstrap(seed=0).resample_indices(y, np.random.default_rng(0), 50)
    assert idx.shape == (50, 500)
    assert (y[idx].sum(axis=1) == y.sum()).all()


def test_interval_contains_point_estimate_and_narrows_with_more_test_rows():
    boot = Bootstrap(n_resamples=400, confidence=0.95, seed=0)
    widths = []
    for n in (300, 1200, 4800):
        y, s = scored(n, seed=6)
        labels = (s >= 0.2).astype(int)
        ci = boot.intervals(y, s, labels, {k: BATCH_METRICS[k] for k in ("roc_auc", "f1")})
        for name in ("roc_auc", "f1"):
            point = M.compute([name], y, s, "proba", 0.2)[name]
            low, high = ci[name]
            assert low < point < high, (n, name, low, point, high)
        widths.append(ci["roc_auc"][1] - ci["roc_auc"][0])
    assert widths[0] > widths[1] > widths[2]
    # sampling error shrinks like 1/sqrt(n): 4x the rows roughly halves the width
    assert widths[2] < 0.75 * widths[0] / 1.5


def test_same_seed_same_interval_and_chunks_cover_all_resamples():
    y, s = scored(800, seed=7)
    labels = (s >= 0.2).astype(int)
    metrics = {"pr_auc": BATCH_METRICS["pr_auc"]}
    first = Bootstrap(n_resamples=300, seed=3).intervals(y, s, labels, metrics)
    assert first == Bootstrap(n_resamples=300, seed=3).intervals(y, s, labels, metrics)
    assert first != Bootstrap(n_resamples=300, seed=4).intervals(y, s, labels, metrics)
    chunked = Bootstrap(n_resamples=300, seed=3, max_cells=800 * 7)
    assert chunked.distributions(y, s, labels, metrics)["pr_auc"].shape == (300,)


def test_zero_resamples_disables_intervals():
    y, s = scored(100, seed=8)
    assert Bootstrap(n_resamples=0).intervals(y, s, s >= 0.5, BATCH_METRICS) == {}
