"""Reliability curve and the calibration map of a job (fitted on out-of-fold scores)."""

from __future__ import annotations

import numpy as np
import pytest

from bankruptcy.evaluation.experiment import run_experiment
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.evaluation.pd_validation import reliability_curve
from bankruptcy.experiment.builder import build_experiment


def test_reliability_curve_follows_the_diagonal_for_calibrated_scores():
    rng = np.random.default_rng(0)
    proba = rng.beta(0.5, 8, size=20_000)
    y = (rng.random(proba.size) < proba).astype(int)
    curve = reliability_curve(y, proba, n_bins=8, strategy="quantile")
    assert len(curve["predicted"]) == 8
    assert np.abs(curve["observed"] - curve["predicted"]).max() < 0.02


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_curve_counts_every_row_in_its_bin(strategy):
    rng = np.random.default_rng(2)
    proba = rng.beta(0.5, 4, size=3000)
    y = (rng.random(proba.size) < proba).astype(int)
    curve = reliability_curve(y, proba, n_bins=10, strategy=strategy)
    assert curve["count"].sum() == proba.size and (curve["count"] > 0).all()
    assert len(curve["count"]) == len(curve["predicted"]) == len(curve["observed"])
    # each bin's observed rate times its count gives back the bankrupt rows
    assert np.sum(curve["observed"] * curve["count"]) == pytest.approx(y.sum())
    if strategy == "quantile":  # equal-frequency bins
        assert curve["count"].max() - curve["count"].min() <= 1


def test_reliability_curve_exposes_overconfidence():
    rng = np.random.default_rng(1)
    proba = rng.beta(0.5, 8, size=20_000)
    y = (rng.random(proba.size) < proba).astype(int)
    inflated = np.sqrt(proba)  # every probability pushed up
    curve = reliability_curve(y, inflated, n_bins=8, strategy="quantile")
    assert (curve["predicted"] > curve["observed"]).all()
    assert np.mean(curve["predicted"] - curve["observed"]) > 0.1


def run(cfg):
    """Build and run `cfg`'s protocol with its calibration map; return the `ExperimentResult`."""
    exp = build_experiment(cfg)
    names = exp.analyses.metric_names
    return run_experiment(exp.dataset, exp.pipeline, exp.split, names, calibration=exp.calibration)


def test_sigmoid_calibration_repairs_an_overconfident_tree(compose):
    """A deep tree says 0 or 1; Platt scaling on out-of-fold scores makes its test log loss sane."""
    grown = ["model=decision_tree", "model.max_depth=12", "model.min_samples_leaf=1"]
    common = [*grown, "protocol.n_splits=2", "metrics.names=[log_loss,brier]", "logger=none"]
    raw = run(compose([*common, "calibration=none"]))
    calibrated = run(compose([*common, "calibration=sigmoid"]))
    assert calibrated.metrics["test/log_loss"] < raw.metrics["test/log_loss"] / 2
    # the tree's certainties (scores of exactly 0 or 1) become PDs a reviewer can accept
    assert np.isin(raw.test_scores, [0.0, 1.0]).mean() > 0.5
    assert ((calibrated.test_scores > 1e-4) & (calibrated.test_scores < 1 - 1e-4)).all()


def test_calibrated_svm_gives_probabilities(compose):
    """A decision-score model gains probabilities (and a Brier score) from the map."""
    cfg = compose(
        [
            "dataset=qualitative",
            "model=svm",
            "calibration=sigmoid",
            "preprocess=plain",
            "protocol.n_splits=3",
            "metrics.names=[roc_auc,brier]",
            "logger=none",
        ]
    )
    result = run(cfg)
    assert result.score_kind is ScoreKind.PROBA
    assert 0 <= result.metrics["test/brier"] < 0.25
