"""CV folds fitted side by side in worker processes give what sequential folds give, in order;
each fit and each job gets its share of the cores."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from omegaconf import OmegaConf
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from threadpoolctl import threadpool_info

from bankruptcy.core import threads
from bankruptcy.core.errors import UserError
from bankruptcy.core.threads import fold_workers, thread_share
from bankruptcy.evaluation.experiment import run_experiment
from bankruptcy.experiment.builder import build_experiment
from tests.helpers import NO_ANALYSES


class ThreadSpy(ClassifierMixin, BaseEstimator):
    """Predicts the prior; records the OpenMP thread limit it was fitted under in ``history_``."""

    def __init__(self, n_jobs=1):
        self.n_jobs = n_jobs

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.prior_ = float(np.mean(y))
        limits = {i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"}
        self.history_ = [{"openmp_threads": sorted(limits), "pid": os.getpid()}]
        return self

    def predict_proba(self, X):
        return np.tile([1 - self.prior_, self.prior_], (len(X), 1))


#: Set by `BackendSpy.import_backend`: the process that imported the spy's "backend".
backend_imported_by = None


class BackendSpy(ThreadSpy):
    """A model with a lazily imported backend; records in ``history_`` who imported it."""

    @staticmethod
    def import_backend():
        global backend_imported_by
        backend_imported_by = os.getpid()

    def fit(self, X, y):
        super().fit(X, y)
        self.history_[0]["backend_imported_by"] = backend_imported_by
        return self


@pytest.fixture(scope="module")
def lightgbm_year1(data_dir):
    from tests.conftest import compose_config

    cfg = compose_config(
        [
            f"paths.data_dir={data_dir}",
            "model=lightgbm",
            "model.n_estimators=60",
            "logger=none",
            *NO_ANALYSES,
        ]
    )
    return build_experiment(cfg)


def run(exp, n_jobs, pipeline=None, threads=None):
    """The protocol with `n_jobs` workers."""
    pipeline = exp.pipeline if pipeline is None else pipeline
    return run_experiment(exp.dataset, pipeline, exp.split, ["roc_auc", "pr_auc"], n_jobs, threads)


def test_parallel_folds_equal_sequential_ones_in_the_same_order(lightgbm_year1):
    sequential, parallel = run(lightgbm_year1, 1), run(lightgbm_year1, 2)
    assert [f.index for f in parallel.folds] == list(range(5))
    for a, b in zip(sequential.folds, parallel.folds, strict=True):
        np.testing.assert_array_equal(a.val_rows, b.val_rows)
        np.testing.assert_array_equal(a.scores, b.scores)
        assert a.metrics == b.metrics
    np.testing.assert_array_equal(sequential.oof_scores, parallel.oof_scores)
    np.testing.assert_array_equal(sequential.test_scores, parallel.test_scores)
    timings = {"fit_seconds", "cv_seconds", "calibration_seconds"}
    assert {k: v for k, v in sequential.metrics.items() if k not in timings} == {
        k: v for k, v in parallel.metrics.items() if k not in timings
    }
    assert sequential.metrics["cv/roc_auc"] > 0.9  # a real model, not a constant
    # the refitted model came back from its worker and scores like the one fitted here
    X_test = parallel.X_test
    np.testing.assert_array_equal(
        parallel.pipeline.predict_proba(X_test)[:, 1], sequential.test_scores
    )


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_cv_and_fit_seconds_add_up_to_the_protocol_wall_time(lightgbm_year1, n_jobs):
    start = time.perf_counter()
    metrics = run(lightgbm_year1, n_jobs).metrics
    wall = time.perf_counter() - start
    # parallel fits overlap the refit with the folds: it must not be counted twice
    assert 0 < metrics["fit_seconds"] < metrics["cv_seconds"] + metrics["fit_seconds"] <= wall


def with_model(exp, model):
    """The experiment's pipeline with `model` as its last step."""
    return exp.pipeline.__class__([*exp.pipeline.steps[:-1], ("model", model)])


def test_fits_draw_the_same_global_random_numbers_in_any_process(lightgbm_year1):
    # DummyClassifier(strategy="stratified") without a seed draws its predictions from numpy's
    # legacy global generator: each fit must start from the same state wherever it runs.
    noisy = with_model(lightgbm_year1, DummyClassifier(strategy="stratified"))
    np.random.seed(7)  # noqa: NPY002
    sequential = run(lightgbm_year1, 1, noisy)
    np.random.seed(7)  # noqa: NPY002
    parallel = run(lightgbm_year1, 2, noisy)
    np.testing.assert_array_equal(sequential.oof_scores, parallel.oof_scores)
    assert len(np.unique(sequential.oof_scores)) == 2  # random 0/1 votes, not a constant


def test_parallel_fits_run_in_workers_of_one_thread_each(lightgbm_year1):
    result = run(lightgbm_year1, 2, with_model(lightgbm_year1, ThreadSpy()), threads=2)
    assert all(fold.history[0]["openmp_threads"] == [1] for fold in result.folds)
    pids = {fold.history[0]["pid"] for fold in result.folds}
    assert os.getpid() not in pids
    assert len(pids) <= 2


def test_workers_inherit_the_backend_the_job_imported_before_forking(lightgbm_year1):
    # an MLP job's workers each spent ~4 s importing torch and Lightning, again for every job
    result = run(lightgbm_year1, 2, with_model(lightgbm_year1, BackendSpy()))
    assert {fold.history[0]["pid"] for fold in result.folds}.isdisjoint({os.getpid()})
    assert {fold.history[0]["backend_imported_by"] for fold in result.folds} == {os.getpid()}


@pytest.mark.parametrize("n_jobs", [2, -1])
def test_a_model_asking_for_threads_fits_its_folds_here(lightgbm_year1, n_jobs):
    # its own threads could hang in a forked worker (libgomp after fork)
    result = run(lightgbm_year1, 2, with_model(lightgbm_year1, ThreadSpy(n_jobs)), threads=1)
    assert {fold.history[0]["pid"] for fold in result.folds} == {os.getpid()}


def test_sequential_fits_run_here_under_the_thread_limit(lightgbm_year1):
    result = run(lightgbm_year1, 1, with_model(lightgbm_year1, ThreadSpy()), threads=1)
    assert {fold.history[0]["pid"] for fold in result.folds} == {os.getpid()}
    assert all(fold.history[0]["openmp_threads"] == [1] for fold in result.folds)


def test_fold_workers_follow_the_job_share():
    assert fold_workers("auto", share=2) == 2
    assert fold_workers("auto", share=1) == 1
    assert fold_workers(3, share=2) == 3
    assert thread_share("auto", workers=10_000) == 1


@pytest.mark.parametrize("value", [0, -1, "two", "1.5"])
def test_bad_fold_jobs_is_one_clear_line(value):
    with pytest.raises(UserError, match=rf"^fold_jobs={value}: use a positive number"):
        fold_workers(value, share=2)


def test_bad_threads_is_one_clear_line():
    with pytest.raises(UserError, match=r"^threads=0: use a positive number of threads or auto"):
        thread_share(0)


@pytest.mark.parametrize(
    "launcher, workers",
    [
        ({"_target_": "hydra._internal.core_plugins.basic_launcher.BasicLauncher"}, 1),
        ({"n_jobs": 2}, 2),
        ({"n_jobs": -1}, 8),  # joblib: every core
        ({"cpus_per_task": 2, "timeout_min": 60}, 4),  # submitit: 8 cores / 2 per job
        ({"num_cpus": 1, "address": "local"}, 8),  # Ray: 8 cores / 1 per job
        ({"num_cpus": 2, "address": "local"}, 4),
        ({"num_cpus": 3, "address": "local"}, 2),
    ],
)
def test_jobs_at_once_follow_the_launcher(monkeypatch, launcher, workers):
    monkeypatch.setattr(threads, "available_cores", lambda: 8)
    assert threads.launcher_workers(OmegaConf.create(launcher)) == workers
    # each job's share never oversubscribes the cores the launcher fills
    assert threads.thread_share("auto", workers) * workers <= 8


def test_fractional_ray_cpus_give_each_job_one_thread(monkeypatch):
    monkeypatch.setattr(threads, "available_cores", lambda: 8)
    workers = threads.launcher_workers(OmegaConf.create({"num_cpus": 0.5}))
    assert workers == 16 and threads.thread_share("auto", workers) == 1
