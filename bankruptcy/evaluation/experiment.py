"""Run one experiment: CV on the training part, refit, score the test part once. Hydra-free."""

from __future__ import annotations

import logging
import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from bankruptcy.data.dataset import Dataset
from bankruptcy.evaluation import metrics as M
from bankruptcy.evaluation.calibration import NoCalibration, ScoreCalibrator, cross_fit
from bankruptcy.evaluation.protocol import Split
from bankruptcy.horizons.structure import term_structure

log = logging.getLogger(__name__)


@dataclass
class FoldResult:
    """Outcome of one CV fold: validation rows, their scores, metrics and training history.

    ``raw_scores`` are the fold model's own scores; ``scores`` the same rows' PDs from the
    calibration map cross-fitted without them (the raw scores again with ``calibration=none``).
    """

    index: int
    fit_rows: np.ndarray
    val_rows: np.ndarray
    scores: np.ndarray
    raw_scores: np.ndarray
    metrics: dict[str, float]
    history: list[dict] | None = None


@dataclass
class ExperimentResult:
    """Everything later analyses need, with row positions relative to `dataset`.

    Attributes
    ----------
    folds : list of FoldResult
        The CV folds (with repeated CV, every round's).
    test_scores : numpy.ndarray
        PDs of the test rows: the model refitted on all training rows, then the calibration
        map fitted on every fold's validation scores (with ``calibration=none``, its scores).
    score_kind : ScoreKind
        What `test_scores` and the folds' ``scores`` are.
    pipeline : imblearn.pipeline.Pipeline
        That refitted model.
    metrics : dict
        Flat ``cv/<m>``, ``cv/<m>_std``, ``test/<m>``, ``fit_seconds``, ``cv_seconds``,
        ``calibration_seconds``.
    raw_test_scores : numpy.ndarray
        The refitted model's own scores of the test rows (``test_scores`` when None).
    raw_score_kind : ScoreKind
        Their kind (``score_kind`` when None).
    calibration : ScoreCalibrator or None
        The fitted map from raw scores to PDs (`bankruptcy.evaluation.calibration`).
    horizon_pds : numpy.ndarray or None
        With a horizon target (``dataset.horizon``): the test rows' PD of every horizon it
        answers, one column each (a term structure's cumulative PDs); None otherwise.
    """

    dataset: Dataset
    split: Split
    folds: list[FoldResult]
    test_scores: np.ndarray
    score_kind: M.ScoreKind
    pipeline: object
    metrics: dict[str, float] = field(default_factory=dict)
    raw_test_scores: np.ndarray | None = None
    raw_score_kind: M.ScoreKind | None = None
    calibration: object = None
    horizon_pds: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.raw_test_scores is None:
            self.raw_test_scores = self.test_scores
        if self.raw_score_kind is None:
            self.raw_score_kind = self.score_kind

    @property
    def oof_scores(self) -> np.ndarray:
        """Scores of every fold's validation rows, fold after fold (out-of-fold scores)."""
        return _pooled([f.scores for f in self.folds])

    @property
    def oof_rows(self) -> np.ndarray:
        """Positions of the same rows in `dataset` (a row once per CV round)."""
        return _pooled([f.val_rows for f in self.folds])

    @property
    def oof_y(self) -> np.ndarray:
        """Labels of the same rows, in the same order."""
        y = self.dataset.y.to_numpy()
        return _pooled([y[f.val_rows] for f in self.folds])

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


def _pooled(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0)


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
    calibration: ScoreCalibrator | None = None,
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
    calibration : ScoreCalibrator, optional
        Unfitted map from raw scores to PDs (default: none). Fitted on the folds' validation
        scores: cross-fitted for the CV metrics, on all of them for the test rows
        (`bankruptcy.evaluation.calibration`).
    """
    names = M.check_names(metric_names)
    calibration = NoCalibration() if calibration is None else calibration
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
    ranking = [n for n in names if M.METRICS[n].needs == "score"][:3]
    folds = []
    for k, (fit_rows, val_rows) in enumerate(split.folds):
        fit = next(fits)
        folds.append(FoldResult(k, fit_rows, val_rows, fit.scores, fit.scores, {}, fit.history))
        shown = M.compute(ranking, y[val_rows], fit.scores, fit.kind)
        log.info("fold %d/%d: %s", k + 1, len(split.folds), _brief(shown))
    final = next(fits)
    fits.close()  # the workers end (or the thread limit lifts) before the analyses
    seconds = time.perf_counter() - start
    # cv_seconds + fit_seconds is the protocol's wall time either way; with n_jobs > 1 the
    # refit ran beside the folds, and cv_seconds is the rest of the batch
    timings = {"fit_seconds": final.seconds, "cv_seconds": seconds - final.seconds}
    raw = ExperimentResult(dataset, split, folds, final.scores, final.kind, final.model, timings)
    return calibrate(raw, calibration, names)


def calibrate(result: ExperimentResult, calibration: ScoreCalibrator, metric_names):
    """`result` with PDs from `calibration` fitted on its raw out-of-fold scores, and metrics.

    Each fold's PDs come from a map cross-fitted without its rows (`cross_fit`); the test
    rows' from the map fitted on every fold's validation rows. The CV and test metrics are
    computed on the PDs; ``calibration_seconds`` is what fitting and applying the maps took.

    Parameters
    ----------
    result : ExperimentResult
        The protocol's result; only its raw scores are read.
    calibration : ScoreCalibrator
        Unfitted map.
    metric_names : list of str
        Registry metrics to compute.
    """
    y = result.dataset.y.to_numpy()
    raw_kind = result.raw_score_kind
    start = time.perf_counter()
    validated = [(f.val_rows, f.raw_scores, y[f.val_rows]) for f in result.folds]
    fold_pds = cross_fit(calibration, validated, raw_kind)
    fitted = clone(calibration).fit(
        np.concatenate([v[1] for v in validated]),
        np.concatenate([v[2] for v in validated]),
        raw_kind,
    )
    test_pds = fitted.predict(result.raw_test_scores)
    kind = fitted.output_kind(raw_kind)
    seconds = time.perf_counter() - start
    if kind is not M.ScoreKind.PROBA and "brier" in metric_names:
        log.warning("brier is NaN: the model gives no probabilities; calibration=beta adds them")

    folds = [
        replace(f, scores=pds, metrics=M.compute(metric_names, y[f.val_rows], pds, kind))
        for f, pds in zip(result.folds, fold_pds, strict=True)
    ]
    summary = {}
    for name in metric_names:
        values = np.array([f.metrics[name] for f in folds])
        summary[f"cv/{name}"] = float(np.mean(values))
        summary[f"cv/{name}_std"] = float(np.std(values))
    test = M.compute(metric_names, result.y_test, test_pds, kind)
    summary.update({f"test/{name}": value for name, value in test.items()})
    timings = {k: result.metrics[k] for k in ("fit_seconds", "cv_seconds") if k in result.metrics}
    summary.update(timings, calibration_seconds=seconds)
    return replace(
        result,
        folds=folds,
        test_scores=test_pds,
        score_kind=kind,
        metrics=summary,
        calibration=fitted,
        horizon_pds=horizon_pds(result, fitted, test_pds),
    )


def horizon_pds(result: ExperimentResult, calibration, test_pds: np.ndarray):
    """The test rows' PD of every horizon of ``result.dataset.horizon`` (None without one).

    A single horizon's is the PD itself; a term structure's, the cumulative PDs of its
    calibrated yearly hazard (`bankruptcy.horizons.structure`).
    """
    horizon = result.dataset.horizon
    if horizon is None:
        return None
    if horizon.period_column is None:
        return test_pds[:, None]

    def hazard(rows):
        return calibration.predict(M.positive_scores(result.pipeline, rows)[0])

    return term_structure(hazard, result.X_test, len(horizon.years), horizon.period_column)


def _brief(values: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.3f}" for k, v in values.items())
