"""Jobs of a sweep share fitted preprocessing (`bankruptcy.sweep.cache`), on real data."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import read_write

from bankruptcy.cli.run import job_info
from bankruptcy.experiment.dryfit import ROWS as PROBE_ROWS
from bankruptcy.experiment.job import JobInfo, run_job
from bankruptcy.experiment.outputs import METRICS_FILE, PACKAGE_DIR
from bankruptcy.preprocess.transform import QuantileTransformer
from bankruptcy.serving.package import ModelPackage
from bankruptcy.sweep.cache import CACHE_DIR, preprocess_cache
from bankruptcy.sweep.callback import SweepCallback
from tests.conftest import compose_config
from tests.helpers import NO_ANALYSES, run_sweep

# fold_jobs=1: the folds fit in this process, where the spy counts them
SMALL = ["protocol.n_splits=3", "logger=none", "fold_jobs=1", *NO_ANALYSES]
FITS = 3 + 1  # CV folds + the refit


@pytest.fixture
def quantile_fits(monkeypatch):
    """How many times the default preset's quantile transform has been fitted on the data."""
    calls = []
    fit = QuantileTransformer.fit

    def counted(self, X, y=None):
        if len(X) != PROBE_ROWS:  # not the option checks' synthetic rows (never cached)
            calls.append(len(X))
        return fit(self, X, y)

    monkeypatch.setattr(QuantileTransformer, "fit", counted)
    return calls


def scores(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if not k.endswith("_seconds")}


def test_a_later_job_reuses_fitted_steps_with_the_same_scores(compose, tmp_path, quantile_fits):
    cache = preprocess_cache(tmp_path / "sweep")
    run_job(compose(["model=logistic", *SMALL]), JobInfo(tmp_path / "0", preprocess_cache=cache))
    assert len(quantile_fits) == FITS and any(cache.rglob("*.pkl"))

    # the tree on the same preset as the logistic (its own, trees, has no quantile transform)
    tree = compose(["model=decision_tree", "preprocess=default", *SMALL])
    cached = run_job(tree, JobInfo(tmp_path / "1", preprocess_cache=cache))
    assert len(quantile_fits) == FITS  # the same steps on the same rows: read, not fitted
    alone = run_job(tree, JobInfo(tmp_path / "alone"))
    assert len(quantile_fits) == 2 * FITS
    assert scores(cached) == pytest.approx(scores(alone), nan_ok=True)

    # other rows (another seed's split) miss the cache and are fitted
    run_job(
        compose(["model=decision_tree", "preprocess=default", "seed=7", *SMALL]),
        JobInfo(tmp_path / "2", preprocess_cache=cache),
    )
    assert len(quantile_fits) == 3 * FITS

    package = ModelPackage.load(tmp_path / "1" / PACKAGE_DIR)
    assert package.pipeline.memory is None  # a deployed model never points at a sweep's cache


def test_a_new_run_of_the_sweep_command_refits_what_the_last_one_kept(
    compose, tmp_path, quantile_fits
):
    # the key holds a step's options, not its code: a resumed sweep may run code fixed since
    sweep = tmp_path / "sweep"
    job = compose(["model=logistic", *SMALL])
    run_job(job, JobInfo(sweep / "0", preprocess_cache=preprocess_cache(sweep)))
    assert len(quantile_fits) == FITS

    hydra = compose_config(["hydra.sweep.dir=" + str(sweep)], return_hydra_config=True)
    SweepCallback().on_multirun_start(hydra)
    run_job(job, JobInfo(sweep / "0", preprocess_cache=preprocess_cache(sweep)))
    assert len(quantile_fits) == 2 * FITS


@pytest.mark.slow
def test_a_sweep_shares_its_cache_and_deletes_it_at_the_end(compose, tmp_path, data_dir):
    sweep = tmp_path / "models"
    run_sweep(sweep, data_dir, "model=logistic,decision_tree", "protocol.n_splits=3", "logger=none")
    assert not (sweep / CACHE_DIR).exists()
    board = pd.read_csv(sweep / "leaderboard.csv")
    assert list(board["status"]) == ["ok", "ok"]
    # job 1 read job 0's fitted steps; its numbers are those of a job that fits its own
    assert "model=decision_tree" in (sweep / "1" / ".hydra" / "overrides.yaml").read_text()
    swept = json.loads((sweep / "1" / METRICS_FILE).read_text())
    alone = run_job(
        compose(["model=decision_tree", "protocol.n_splits=3", "logger=none", *NO_ANALYSES]),
        JobInfo(tmp_path / "alone"),
    )
    assert scores(swept) == pytest.approx(scores(alone), nan_ok=True)


@pytest.mark.parametrize(
    ("mode", "setting", "shared"),
    [(RunMode.MULTIRUN, True, True), (RunMode.MULTIRUN, False, False), (RunMode.RUN, True, False)],
)
def test_only_the_jobs_of_a_sweep_with_the_option_on_share(tmp_path, mode, setting, shared):
    overrides = [f"preprocess_cache={setting}", f"hydra.sweep.dir={tmp_path}"]
    cfg = compose_config(overrides, return_hydra_config=True)
    with read_write(cfg.hydra):  # what Hydra sets when it runs the job
        cfg.hydra.mode, cfg.hydra.job.num = mode, 0
        cfg.hydra.runtime.output_dir = str(tmp_path / "0")
    HydraConfig.instance().set_config(cfg)
    try:
        info = job_info(cfg)
    finally:
        HydraConfig.instance().cfg = None
    assert info.preprocess_cache == (preprocess_cache(tmp_path) if shared else None)
