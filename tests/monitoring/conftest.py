"""Fixtures of the monitoring tests: a calibrated model "package" on real Polish data.

Polish year 1 (7,027 rows) is split once: 5,000 training rows (the package's reference
sample), then the rest, from which the package's test rows and the monitored windows are
drawn. Every random step is seeded, so each test sees the same rows every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from bankruptcy.data.polish import load_polish

TRAIN_ROWS = 5000


@dataclass
class Package:
    """What a model package holds for monitoring, plus the rows it never trained on."""

    model: object
    reference: pd.DataFrame  # training rows (raw inputs)
    unseen: pd.DataFrame  # rows neither trained on nor in the reference
    unseen_y: np.ndarray
    threshold: float = 0.1

    def scores(self, X: pd.DataFrame) -> np.ndarray:
        return scores(self.model, X)


def calibrated_model(X: pd.DataFrame, y: np.ndarray, seed: int = 0):
    """Gradient boosting (features subsampled by `seed`) calibrated isotonically, fitted.

    One thread: OpenMP's spinning threads make a fit 100x slower on a busy 2-core machine.
    """
    booster = HistGradientBoostingClassifier(max_iter=100, max_features=0.8, random_state=seed)
    with threadpool_limits(limits=1):
        return CalibratedClassifierCV(booster, method="isotonic", cv=3).fit(X, y)


def scores(model, X: pd.DataFrame) -> np.ndarray:
    """Probability of bankruptcy of each row (one thread, see `calibrated_model`)."""
    with threadpool_limits(limits=1):
        return model.predict_proba(X)[:, 1]


@pytest.fixture(scope="session")
def polish(data_dir):
    """Polish year 1 features and labels, rows in a seeded random order."""
    dataset = load_polish(1, data_dir=data_dir)
    order = np.random.default_rng(0).permutation(len(dataset.y))
    return dataset.X.iloc[order].reset_index(drop=True), dataset.y.to_numpy()[order]


@pytest.fixture(scope="session")
def package(polish) -> Package:
    """A calibrated model trained on the first 5,000 rows; the other 2,027 are unseen."""
    X, y = polish
    model = calibrated_model(X.iloc[:TRAIN_ROWS], y[:TRAIN_ROWS])
    return Package(model, X.iloc[:TRAIN_ROWS], X.iloc[TRAIN_ROWS:], y[TRAIN_ROWS:])


def robust_sd(values: pd.Series) -> float:
    """Interquartile range / 1.349: the Polish ratios' sd is dominated by outliers."""
    q1, q3 = values.quantile([0.25, 0.75])
    return (q3 - q1) / 1.349
