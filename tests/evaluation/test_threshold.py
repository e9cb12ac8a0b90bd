"""Threshold selectors pick what they promise, by brute force on the same scores."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import fbeta_score, recall_score

from bankruptcy.evaluation.threshold import (
    CostThreshold,
    FBetaThreshold,
    FixedThreshold,
    TargetRecallThreshold,
    threshold_table,
)


@pytest.fixture(scope="module")
def oof():
    rng = np.random.default_rng(0)
    y = (rng.random(1500) < 0.06).astype(int)
    scores = np.round(1 / (1 + np.exp(-(rng.normal(size=1500) + 1.8 * y - 3))), 3)
    return y, scores


def candidates(scores):
    return np.unique(np.concatenate([scores, [scores.max() + 1]]))


def test_table_counts_match_direct_counting(oof):
    y, s = oof
    t = threshold_table(y, s)
    for i in (0, 5, len(t["threshold"]) // 2, len(t["threshold"]) - 1):
        flagged = s >= t["threshold"][i]
        assert t["tp"][i] == np.sum(flagged & (y == 1))
        assert t["fp"][i] == np.sum(flagged & (y == 0))
        assert t["tp"][i] + t["fn"][i] == y.sum()
    assert t["tp"][0] == t["fp"][0] == 0  # first candidate flags no-one
    assert np.all(np.diff(t["threshold"]) < 0)


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_fbeta_threshold_is_the_best_one(oof, beta):
    y, s = oof
    chosen = FBetaThreshold(beta).select(y, s)
    best = max(fbeta_score(y, s >= t, beta=beta, zero_division=0) for t in candidates(s))
    assert fbeta_score(y, s >= chosen, beta=beta) == pytest.approx(best)


def test_cost_threshold_minimises_cost_and_falls_as_misses_get_dearer(oof):
    y, s = oof

    def cost(t, n):
        flagged = s >= t
        return n * np.sum(~flagged & (y == 1)) + np.sum(flagged & (y == 0))

    chosen = {n: CostThreshold(n).select(y, s) for n in (1, 5, 20, 100)}
    for n, t in chosen.items():
        assert cost(t, n) == min(cost(c, n) for c in candidates(s))
    assert chosen[1] >= chosen[5] >= chosen[20] >= chosen[100]
    assert chosen[1] > chosen[100]


@pytest.mark.parametrize("target", [0.5, 0.8, 1.0])
def test_target_recall_is_the_highest_threshold_reaching_it(oof, target):
    y, s = oof
    chosen = TargetRecallThreshold(target).select(y, s)
    assert recall_score(y, s >= chosen) >= target
    higher = np.unique(s[s > chosen])
    assert all(recall_score(y, s >= t) < target for t in higher[:1])


def test_fixed_threshold_follows_the_model_rule():
    assert FixedThreshold().select(None, None, "proba") == 0.5
    assert FixedThreshold().select(None, None, "decision") == 0.0
    assert FixedThreshold(0.3).select(None, None, "decision") == 0.3


def test_bad_input_gets_a_clear_error(oof):
    y, s = oof
    with pytest.raises(ValueError, match="one class"):
        FBetaThreshold().select(np.zeros(10), np.arange(10.0))
    with pytest.raises(ValueError, match="NaN"):
        FBetaThreshold().select(y, np.where(y == 1, np.nan, s))
    with pytest.raises(ValueError, match=r"'recall' parameter .* in the range \(0.0, 1.0\]"):
        TargetRecallThreshold(1.5).select(y, s)
    with pytest.raises(ValueError, match=r"'value' parameter .* a probability in \[0, 1\]"):
        FixedThreshold(2.0).select(y, s, "proba")
    assert FixedThreshold(2.0).select(y, s, "decision") == 2.0  # decision scores: any value
