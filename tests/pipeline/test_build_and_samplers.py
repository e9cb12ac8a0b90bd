"""Pipeline assembly from config, sampler safety, and the no-leak guarantee."""

from __future__ import annotations

import numpy as np
import pytest
from imblearn import FunctionSampler
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression

from bankruptcy.data.synthetic import load_synthetic
from bankruptcy.evaluation.experiment import run_experiment
from bankruptcy.evaluation.protocol import HoldoutCV
from bankruptcy.experiment.builder import build_pipeline
from bankruptcy.pipeline.samplers import CappedNeighbors

SAMPLERS = [
    "none",
    "random_over",
    "smote",
    "borderline_smote",
    "adasyn",
    "random_under",
    "smote_tomek",
    "smote_enn",
]


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_every_sampler_composes_and_survives_a_fold_with_few_positives(make_config, sampler):
    cfg = make_config([f"sampler={sampler}", "model=logistic"])
    pipeline = build_pipeline(cfg)
    ds = load_synthetic(n_samples=300, n_features=6, positive_rate=0.03, random_state=1)
    keep = np.flatnonzero(ds.y.to_numpy() == 0)[:200].tolist() + np.flatnonzero(ds.y)[:4].tolist()
    X, y = ds.X.iloc[keep], ds.y.iloc[keep]  # 4 bankrupt rows < SMOTE's default k=5 + 1
    fitted = pipeline.fit(X, y)
    assert fitted.predict_proba(X).shape == (len(keep), 2)


def test_capped_neighbors_caps_nested_params_and_refuses_single_positive():
    ds = load_synthetic(n_samples=200, n_features=6, positive_rate=0.05, random_state=0)
    X, y = ds.X.to_numpy(), ds.y.to_numpy()
    rows = np.r_[np.flatnonzero(y == 0)[:100], np.flatnonzero(y == 1)[:3]]
    sampler = CappedNeighbors(SMOTE(k_neighbors=5, random_state=0))
    Xr, yr = sampler.fit_resample(X[rows], y[rows])
    assert sampler.sampler_.k_neighbors == 2 and yr.sum() == 100
    rows = np.r_[np.flatnonzero(y == 0)[:100], np.flatnonzero(y == 1)[:1]]
    with pytest.raises(ValueError, match="protocol.n_splits"):
        sampler.fit_resample(X[rows], y[rows])


def test_sampler_and_scaler_never_see_validation_or_test_rows(data_dir):
    """A spy sampler records the rows it is given; they must be the fold's training rows only."""
    from bankruptcy.data.polish import load_polish

    seen: list[np.ndarray] = []

    def spy(X, y):
        seen.append(X.index.to_numpy().copy())
        return X, y

    ds = load_polish(1, data_dir=data_dir)
    split = HoldoutCV(test_size=0.2, n_splits=3, random_state=0).split(ds)
    from sklearn.impute import SimpleImputer

    pipeline = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("sampler", FunctionSampler(func=spy, validate=False)),
            ("model", LogisticRegression(max_iter=200)),
        ]
    ).set_output(transform="pandas")
    result = run_experiment(ds, pipeline, split, ["roc_auc"])
    expected = [fit for fit, _ in split.folds] + [split.train]
    assert len(seen) == len(expected)
    test_labels = set(ds.X.index[split.test])
    for rows, fit in zip(seen, expected, strict=True):
        assert set(rows) == set(ds.X.index[fit])
        assert not set(rows) & test_labels
    # the imputer of the final model learnt its medians from training rows only
    medians = result.pipeline.named_steps["impute"].statistics_
    np.testing.assert_allclose(medians, np.nanmedian(ds.X.iloc[split.train], axis=0))
