"""Reliability curve and the optional calibration step of the pipeline."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.svm import SVC

from bankruptcy.evaluation.calibration import reliability_curve
from bankruptcy.pipeline.build import build_pipeline


def test_reliability_curve_follows_the_diagonal_for_calibrated_scores():
    rng = np.random.default_rng(0)
    proba = rng.beta(0.5, 8, size=20_000)
    y = (rng.random(proba.size) < proba).astype(int)
    curve = reliability_curve(y, proba, n_bins=8, strategy="quantile")
    assert len(curve["predicted"]) == 8
    assert np.abs(curve["observed"] - curve["predicted"]).max() < 0.02


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_curve_agrees_with_scikit_learn_and_counts_every_row(strategy):
    rng = np.random.default_rng(2)
    proba = rng.beta(0.5, 4, size=3000)
    y = (rng.random(proba.size) < proba).astype(int)
    curve = reliability_curve(y, proba, n_bins=10, strategy=strategy)
    observed, predicted = calibration_curve(y, proba, n_bins=10, strategy=strategy)
    np.testing.assert_allclose(curve["observed"], observed)
    np.testing.assert_allclose(curve["predicted"], predicted)
    assert curve["count"].sum() == proba.size


def test_reliability_curve_exposes_overconfidence():
    rng = np.random.default_rng(1)
    proba = rng.beta(0.5, 8, size=20_000)
    y = (rng.random(proba.size) < proba).astype(int)
    inflated = np.sqrt(proba)  # every probability pushed up
    curve = reliability_curve(y, inflated, n_bins=8, strategy="quantile")
    assert (curve["predicted"] > curve["observed"]).all()
    assert np.mean(curve["predicted"] - curve["observed"]) > 0.1


def test_calibration_none_keeps_the_model(compose):
    pipeline = build_pipeline(compose(["model=svm"]))
    assert isinstance(pipeline[-1], SVC)


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibration_wraps_the_model_with_an_internal_cv(compose, method):
    pipeline = build_pipeline(compose(["model=svm", f"calibration={method}"]))
    model = pipeline[-1]
    assert isinstance(model, CalibratedClassifierCV)
    assert model.method == method
    assert isinstance(model.estimator, SVC)
    assert model.cv == 3


def test_calibrated_svm_gives_probabilities(compose):
    """A decision-score model gains probabilities (and a Brier score) from the wrapper."""
    from hydra.utils import instantiate

    from bankruptcy.evaluation.experiment import run_experiment

    cfg = compose(
        [
            "dataset=qualitative",
            "model=svm",
            "calibration=sigmoid",
            "preprocess=plain",
            "protocol.n_splits=3",
        ]
    )
    dataset = instantiate(cfg.dataset, _convert_="all")
    split = instantiate(cfg.protocol).split(dataset)
    result = run_experiment(dataset, build_pipeline(cfg), split, ["roc_auc", "brier"])
    assert result.score_kind == "proba"
    assert 0 <= result.metrics["test/brier"] < 0.25
    assert len(result.pipeline[-1].calibrated_classifiers_) == 3
