"""Run one experiment: CV on the training part, refit, score the test part once. Hydra-free."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone

from bankruptcy.data.dataset import Dataset
from bankruptcy.evaluation import metrics as M
from bankruptcy.evaluation.protocol import Split

log = logging.getLogger(__name__)


@dataclass
class FoldResult:
    """Outcome of one CV fold: validation rows, their scores, metrics and training history."""

    index: int
    fit_rows: np.ndarray
    val_rows: np.ndarray
    scores: np.ndarray
    metrics: dict[str, float]
    history: list[dict] | None = None


@dataclass
class ExperimentResult:
    """Everything later analyses need, with row positions relative to `dataset`.

    Attributes
    ----------
    oof_scores : numpy.ndarray
        Out-of-fold score of each training row (aligned with ``split.train``;
        NaN for rows no fold validated, e.g. the first temporal window).
    test_scores : numpy.ndarray
        Scores of the test rows from the model refitted on all training rows.
    pipeline : imblearn.pipeline.Pipeline
        That refitted model.
    metrics : dict
        Flat ``cv/<m>``, ``cv/<m>_std``, ``test/<m>``, ``fit_seconds``, ``cv_seconds``.
    """

    dataset: Dataset
    split: Split
    folds: list[FoldResult]
    oof_scores: np.ndarray
    test_scores: np.ndarray
    score_kind: M.ScoreKind
    pipeline: object
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def X_train(self) -> pd.DataFrame:
        return self.dataset.X.iloc[self.split.train]

    @property
    def y_train(self) -> np.ndarray:
        return self.dataset.y.to_numpy()[self.split.train]

    @property
    def X_test(self) -> pd.DataFrame:
        return self.dataset.X.iloc[self.split.test]

    @property
    def y_test(self) -> np.ndarray:
        return self.dataset.y.to_numpy()[self.split.test]


def fit_and_score(pipeline, dataset: Dataset, fit_rows, score_rows):
    """Fit a fresh clone of `pipeline` on `fit_rows`; return it with the scores of `score_rows`."""
    X, y = dataset.X, dataset.y.to_numpy()
    model = clone(pipeline).fit(X.iloc[fit_rows], y[fit_rows])
    scores, kind = M.positive_scores(model, X.iloc[score_rows])
    return model, scores, kind


def run_experiment(dataset: Dataset, pipeline, split: Split, metric_names) -> ExperimentResult:
    """Cross-validate `pipeline` on the training part of `split`, refit, score the test part.

    Parameters
    ----------
    dataset : Dataset
        The data.
    pipeline : imblearn.pipeline.Pipeline
        Unfitted pipeline; cloned for every fit, so nothing leaks across folds.
    split : Split
        Training/test rows and CV folds (from a protocol).
    metric_names : iterable of str
        Metrics to report (see `bankruptcy.evaluation.metrics.METRICS`).
    """
    names = M.check_names(metric_names)
    y = dataset.y.to_numpy()
    position = {row: i for i, row in enumerate(split.train)}
    oof = np.full(len(split.train), np.nan)
    folds = []
    start = time.perf_counter()
    for k, (fit_rows, val_rows) in enumerate(split.folds):
        model, scores, kind = fit_and_score(pipeline, dataset, fit_rows, val_rows)
        oof[[position[r] for r in val_rows]] = scores
        fold = FoldResult(
            k,
            fit_rows,
            val_rows,
            scores,
            M.compute(names, y[val_rows], scores, kind),
            getattr(model[-1], "history_", None),
        )
        folds.append(fold)
        log.info("fold %d/%d: %s", k + 1, len(split.folds), _brief(fold.metrics))
    cv_seconds = time.perf_counter() - start

    start = time.perf_counter()
    final, test_scores, kind = fit_and_score(pipeline, dataset, split.train, split.test)
    fit_seconds = time.perf_counter() - start
    if kind is not M.ScoreKind.PROBA and "brier" in names:
        log.warning("brier is NaN: the model gives no probabilities; calibration=sigmoid adds them")

    summary = {}
    for name in names:
        values = np.array([f.metrics[name] for f in folds])
        summary[f"cv/{name}"] = float(np.mean(values))
        summary[f"cv/{name}_std"] = float(np.std(values))
    test = M.compute(names, y[split.test], test_scores, kind)
    summary.update({f"test/{name}": value for name, value in test.items()})
    summary.update(fit_seconds=fit_seconds, cv_seconds=cv_seconds)
    return ExperimentResult(dataset, split, folds, oof, test_scores, kind, final, summary)


def _brief(values: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.3f}" for k, v in list(values.items())[:3])
