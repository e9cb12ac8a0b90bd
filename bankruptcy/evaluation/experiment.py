"""Run one experiment: CV on the training part, refit, score the test part once. Hydra-free."""

from __future__ import annotations

import logging
import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
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


def _fit_task(pipeline, dataset, fit_rows, score_rows, keep: bool, rng_state) -> _Fit:
    """One fit of the protocol, the same whether it runs here or in a worker process.

    Every fit starts from the same state of the legacy global generators (`random`,
    ``numpy.random``), so code still drawing from them gives the same numbers whichever
    fits ran before it, in this process or another: parallel folds equal sequential ones.
    """
    random.setstate(rng_state[0])
    np.random.set_state(rng_state[1])  # noqa: NPY002
    start = time.perf_counter()
    model, scores, kind = fit_and_score(pipeline, dataset, fit_rows, score_rows)
    history = getattr(model[-1], "history_", None)
    return _Fit(scores, kind, time.perf_counter() - start, history, model if keep else None)


def _fits_here(pipeline, dataset, tasks, threads, rng_state):
    """The protocol's fits one after another in this process, under one thread limit."""
    with threadpool_limits(limits=threads):
        for fit_rows, score_rows, keep in tasks:
            yield _fit_task(pipeline, dataset, fit_rows, score_rows, keep, rng_state)


#: What the forked workers of the running experiment fit (set in each worker by `_install`).
_worker_job: dict = {}


def _install(pipeline, dataset, rng_state) -> None:
    """Worker initializer: keep the experiment, and use one native thread for good."""
    _worker_job.update(pipeline=pipeline, dataset=dataset, rng_state=rng_state)
    _worker_job["limits"] = threadpool_limits(limits=1)


def _worker_fit(fit_rows, score_rows, keep: bool) -> _Fit:
    job = _worker_job
    return _fit_task(job["pipeline"], job["dataset"], fit_rows, score_rows, keep, job["rng_state"])


def _fits_in_workers(pipeline, dataset, tasks, workers: int, rng_state):
    """The protocol's fits in `workers` forked processes of one thread each, in task order.

    Forked, not spawned: a worker starts in milliseconds with everything this process has
    imported and the data it holds (the experiment reaches it without pickling), where a fresh
    interpreter spends ~2 s importing scikit-learn and pandas -- a third of a gradient
    boosting CV on Polish year 1. A forked process must not open OpenMP thread teams (libgomp
    hangs in a child forked after the parent used its threads), so every worker fits with one
    thread (``fold_jobs: auto`` gives each worker one thread of the job's share anyway).
    """
    _import_backends(pipeline)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_install, initargs=(pipeline, dataset, rng_state)
    ) as pool:
        yield from pool.map(_worker_fit, *zip(*tasks, strict=True))


def _import_backends(pipeline) -> None:
    """Import the heavy libraries of `pipeline`'s estimators here, before workers are forked.

    An estimator that imports its backend lazily (the MLP: torch and Lightning, ~4 s) offers
    ``import_backend``; imported in this process, every worker of this and later experiments
    (a sweep's jobs share the process) inherits the modules instead of importing them again.
    """
    estimators = pipeline.get_params(deep=True).values()  # steps, and estimators inside them
    for kind in {type(e) for e in estimators if hasattr(e, "import_backend")}:
        kind.import_backend()


#: Estimator parameters that give a library its own threads or processes.
THREAD_PARAMS = ("n_jobs", "thread_count", "nthread", "num_threads")


def _may_fork(pipeline, n_jobs: int) -> bool:
    """Whether `n_jobs` forked workers may fit `pipeline`: fork exists, and no step asks for
    threads of its own (e.g. ``model.n_jobs=2``), which could hang in a forked worker and which
    the user asked to spend on one fit at a time anyway."""
    if n_jobs < 2:
        return False
    if "fork" not in multiprocessing.get_all_start_methods():
        log.info("fitting the folds one at a time: this platform cannot fork worker processes")
        return False
    threaded = [
        f"{key}={value}"
        for key, value in pipeline.get_params(deep=True).items()
        if key.rsplit("__", 1)[-1] in THREAD_PARAMS
        and isinstance(value, int)
        and value not in (0, 1)
    ]
    if threaded:
        log.info("fitting the folds one at a time: %s asks for threads", ", ".join(threaded))
    return not threaded


def run_experiment(
    dataset: Dataset,
    pipeline,
    split: Split,
    metric_names,
    n_jobs: int = 1,
    threads=None,
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
        Fits run at once: the CV folds and the final refit are independent, so with
        ``n_jobs > 1`` they share one batch in that many forked worker processes of one
        native thread each (5 folds + refit on 2 workers take 3 fit times instead of 6).
        Scores and their order do not depend on it.
    threads : int or None
        Native threads (OpenMP/BLAS) of the fits when ``n_jobs == 1``; None keeps the
        caller's limits.
    """
    names = M.check_names(metric_names)
    y = dataset.y.to_numpy()
    rng_state = (random.getstate(), np.random.get_state())  # noqa: NPY002
    tasks = [(fit_rows, val_rows, False) for fit_rows, val_rows in split.folds]
    tasks.append((split.train, split.test, True))
    n_jobs = min(n_jobs, len(tasks)) if _may_fork(pipeline, n_jobs) else 1
    start = time.perf_counter()
    # in task order as they finish, so each fold's line is logged while later fits still run
    if n_jobs > 1:
        fits = _fits_in_workers(pipeline, dataset, tasks, n_jobs, rng_state)
    else:
        fits = _fits_here(pipeline, dataset, tasks, threads, rng_state)
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
    fits.close()  # the workers end (or the thread limit lifts) before the analyses
    seconds = time.perf_counter() - start
    # cv_seconds + fit_seconds is the protocol's wall time either way; with n_jobs > 1 the
    # refit ran beside the folds, and cv_seconds is the rest of the batch
    cv_seconds = seconds - final.seconds
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
