"""The Altman Z-score baseline: fixed formula, classic cut-off, raw inputs, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from bankruptcy.core.errors import UserError
from bankruptcy.evaluation.experiment import run_experiment
from bankruptcy.experiment.builder import build_experiment, build_pipeline
from bankruptcy.models.altman import AltmanZ
from tests.conftest import concepts_of


def polish_frame(data_dir):
    from bankruptcy.data.polish import load_polish

    return load_polish(year=1, data_dir=data_dir, concepts=concepts_of("polish"))


@pytest.fixture(scope="module")
def american(data_dir):
    """The derived American file with the concepts of conf/dataset/american.yaml."""
    from bankruptcy.data.american import load_american

    return load_american(
        "american_bankruptcy_partial.csv", data_dir=data_dir, concepts=concepts_of("american")
    )


def test_score_is_the_z_prime_formula_and_the_label_its_cut_off(data_dir):
    ds = polish_frame(data_dir)
    X = ds.X.fillna(ds.X.median())
    model = AltmanZ(ds.concepts).fit(X, ds.y)
    z = 0.717 * X.Attr3 + 0.847 * X.Attr6 + 3.107 * X.Attr7 + 0.420 * X.Attr8 + 0.998 * X.Attr9
    assert model.form_ == "z_prime" and model.cutoff_ == 1.23
    np.testing.assert_allclose(model.z_score(X), z)
    np.testing.assert_allclose(model.decision_function(X), 1.23 - z)
    np.testing.assert_array_equal(model.predict(X), (z < 1.23).astype(int))
    assert not hasattr(model, "predict_proba")  # a fixed score is no probability
    # the 1968 rule ranks real bankruptcies better than chance, far from a fitted model
    assert 0.55 < roc_auc_score(ds.y, model.decision_function(X)) < 0.8


def test_model_option_selects_raw_preprocessing_and_runs_on_polish(compose):
    exp = build_experiment(compose(["model=altman_z", "logger=none"]))
    dataset = exp.dataset
    result = run_experiment(dataset, exp.pipeline, exp.split, ["roc_auc", "pr_auc"])
    assert result.pipeline[-1].form_ == "z_prime"
    assert result.metrics["cv/roc_auc"] > 0.55
    # the model sees the ratios in their own units: complete rows pass through unchanged
    complete = dataset.X.dropna().iloc[:200]
    pd.testing.assert_frame_equal(result.pipeline[:-2].transform(complete), complete)


def test_model_runs_on_american_with_the_original_market_value_form(compose, american):
    cfg = compose(["model=altman_z", "dataset=american"])
    rows = np.random.default_rng(0).choice(len(american.y), 5000, replace=False)
    X, y = american.X.iloc[rows], american.y.iloc[rows]
    pipeline = build_pipeline(cfg).fit(X, y)
    assert pipeline[-1].form_ == "original" and pipeline[-1].cutoff_ == 1.81
    scores = pipeline.decision_function(X)
    assert np.isfinite(scores).all() and roc_auc_score(y, scores) > 0.55


def test_a_dataset_without_concepts_is_a_clear_error_before_its_data_is_read(compose):
    cfg = compose(["model=altman_z", "dataset=qualitative", "logger=none"])
    with pytest.raises(UserError, match=r"model=altman_z needs dataset\.concepts"):
        build_experiment(cfg)  # the builder checks the model before loading the dataset
