"""Run one experiment: CV on the training part, refit, score the test part once. Hydra-free."""

from __future__ import annotations

import itertools
import logging
import random
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from threadpoolctl import threadpool_limits

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


@dataclass
class _Fit:
    """What one fit of the protocol hands back: its scores, and the model where it is kept."""

    scores: np.ndarray
    kind: M.ScoreKind
    seconds: float
    history: list[dict] | None
    model: object = None


def _fit_task(pipeline, dataset, fit_rows, score_rows, keep: bool, threads, rng_state) -> _Fit:
    """One fit of the protocol, the same whether it runs here or in a worker process.

    Every fit starts from the same state of the legacy global generators (`random`,
    ``numpy.random``), so code still drawing from them gives the same numbers whichever
    fits ran before it, in this process or another: parallel folds equal sequential ones.
    """
    random.setstate(rng_state[0])
    np.random.set_state(rng_state[1])  # noqa: NPY002
    start = time.perf_counter()
    with threadpool_limits(limits=threads):
        model, scores, kind = fit_and_score(pipeline, dataset, fit_rows, score_rows)
    history = getattr(model[-1], "history_", None)
    return _Fit(scores, kind, time.perf_counter() - start, history, model if keep else None)


#: Seconds a fit must take for the protocol's other fits to go to worker processes: starting
#: them (imports included) costs ~2 s, more than a sub-second model's whole CV (measured:
#: logistic regression on Polish year 1, 5 folds and refit, 0.5 s in-process, 2.3 s pooled).
POOL_AFTER_SECONDS = 1.0


class _Workers:
    """Whether this process has started joblib's worker processes (they stay for later jobs)."""

    started = False


_workers = _Workers()


def run_experiment(
    dataset: Dataset,
    pipeline,
    split: Split,
    metric_names,
    n_jobs: int = 1,
    threads=None,
    pool_after: float = POOL_AFTER_SECONDS,
) -> ExperimentResult:
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
    n_jobs : int
        Fits run at once in joblib worker processes: the CV folds and the final refit are
        independent, so with ``n_jobs > 1`` they share one batch (5 folds + refit on 2 workers
        take 3 fit times instead of 6). Scores and their order do not depend on it.
    threads : int or None
        Native threads (OpenMP/BLAS) of each fit; None keeps the caller's limits.
    pool_after : float
        Until this process has started its workers, the first fold is fitted here, and the
        other fits go to the `n_jobs` workers only if it took at least this many seconds (a
        quick model stays in this process). joblib keeps the workers for later jobs of a
        sweep, which then use them from the start.
    """
    names = M.check_names(metric_names)
    y = dataset.y.to_numpy()
    rng_state = (random.getstate(), np.random.get_state())  # noqa: NPY002
    tasks = [(fit_rows, val_rows, False) for fit_rows, val_rows in split.folds]
    tasks.append((split.train, split.test, True))
    start = time.perf_counter()
    done = []
    if n_jobs > 1 and not _workers.started:
        done.append(_fit_task(pipeline, dataset, *tasks[0], threads, rng_state))
        if done[0].seconds < pool_after:
            n_jobs = 1
    _workers.started |= n_jobs > 1
    # in task order as they finish, so each fold's line is logged while later fits still run
    rest = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_task)(pipeline, dataset, rows, score_rows, keep, threads, rng_state)
        for rows, score_rows, keep in tasks[len(done) :]
    )
    fits = itertools.chain(done, rest)
    position = {row: i for i, row in enumerate(split.train)}
    oof = np.full(len(split.train), np.nan)
    folds = []
    for k, (fit_rows, val_rows) in enumerate(split.folds):
        fit = next(fits)
        oof[[position[r] for r in val_rows]] = fit.scores
        metrics = M.compute(names, y[val_rows], fit.scores, fit.kind)
        folds.append(FoldResult(k, fit_rows, val_rows, fit.scores, metrics, fit.history))
        log.info("fold %d/%d: %s", k + 1, len(split.folds), _brief(metrics))
    final = next(fits)
    seconds = time.perf_counter() - start
    # with n_jobs > 1 the refit ran beside the folds: the CV stage is the batch's wall time
    cv_seconds = seconds - final.seconds if n_jobs == 1 else seconds
    if final.kind is not M.ScoreKind.PROBA and "brier" in names:
        log.warning("brier is NaN: the model gives no probabilities; calibration=sigmoid adds them")

    summary = {}
    for name in names:
        values = np.array([f.metrics[name] for f in folds])
        summary[f"cv/{name}"] = float(np.mean(values))
        summary[f"cv/{name}_std"] = float(np.std(values))
    test = M.compute(names, y[split.test], final.scores, final.kind)
    summary.update({f"test/{name}": value for name, value in test.items()})
    summary.update(fit_seconds=final.seconds, cv_seconds=cv_seconds)
    return ExperimentResult(
        dataset, split, folds, oof, final.scores, final.kind, final.model, summary
    )


def _brief(values: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.3f}" for k, v in list(values.items())[:3])
