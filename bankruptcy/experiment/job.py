"""One job: build the experiment from config, run it, hand the results to the job's outputs."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf
from threadpoolctl import threadpool_limits

from bankruptcy.core.threads import fold_workers, thread_share
from bankruptcy.data.dataset import Dataset
from bankruptcy.evaluation.experiment import run_experiment
from bankruptcy.experiment.builder import build_experiment
from bankruptcy.experiment.outputs import JobOutputs
from bankruptcy.experiment.settings import check_settings
from bankruptcy.interpret.ebm import ebm_artifacts
from bankruptcy.interpret.scorecard import scorecard_artifacts
from bankruptcy.pipeline.assembly import model_input_features
from bankruptcy.serving.package import build_package
from bankruptcy.tracking.keys import choice_keys

log = logging.getLogger(__name__)


@dataclass
class JobInfo:
    """Where a job writes, how its tracking run is named, which config options it chose.

    ``choices`` (Hydra's chosen option per config group) are logged as flat run-config keys
    ``choice/<group>`` beside the nested config, for comparing the jobs of a sweep.
    """

    output_dir: Path
    name: str = "job"
    group: str | None = None
    tags: list[str] = field(default_factory=list)
    workers: int = 1  # jobs the launcher runs at once (they share the cores)
    choices: dict[str, str] = field(default_factory=dict)
    # the command line's overrides (ensemble candidates they change are checked even unused)
    overrides: list[str] = field(default_factory=list)
    # where the jobs of a sweep share fitted preprocessing steps (`bankruptcy.sweep.cache`)
    preprocess_cache: Path | None = None


def run_job(cfg: DictConfig, info: JobInfo, dataset: Dataset | None = None) -> dict[str, float]:
    """Run the experiment `cfg` describes; write outputs under ``info.output_dir``.

    Parameters
    ----------
    cfg : DictConfig
        The composed experiment.
    info : JobInfo
        Where to write and how to name the tracking run.
    dataset : Dataset, optional
        Data to use instead of ``cfg.dataset`` (a retrain on new rows).

    Returns
    -------
    dict
        The flat metrics also written to ``metrics.json``.

    Raises
    ------
    UserError
        A bad option or combination, before any data is read (see `build_experiment`).
    """
    check_settings(cfg)
    # Components get `random_state` from config; the global seeds cover third-party code
    # that still draws from the legacy global generators.
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)  # noqa: NPY002
    share = thread_share(cfg.threads, info.workers)
    # configs saved before the key existed (e.g. a champion's, retrained) fit folds as today's do
    workers = fold_workers(OmegaConf.select(cfg, "fold_jobs", default="auto"), share)
    with threadpool_limits(limits=share):
        return _run(cfg, info, dataset, workers, share)


def _run(
    cfg: DictConfig, info: JobInfo, dataset: Dataset | None, workers: int, threads: int
) -> dict[str, float]:
    exp = build_experiment(cfg, dataset, info.overrides, info.choices)
    if info.preprocess_cache is not None:
        exp.pipeline.set_params(memory=str(info.preprocess_cache))
    log.info("%s", exp.dataset.summary())
    config = OmegaConf.to_container(cfg, resolve=True)
    with exp.tracker.start(
        name=info.name,
        config={**config, **choice_keys(info.choices)},
        directory=info.output_dir,
        group=info.group,
        tags=info.tags,
    ):
        outputs = JobOutputs(info.output_dir, exp.tracker)
        result = run_experiment(
            exp.dataset,
            exp.pipeline,
            exp.split,
            exp.analyses.metric_names,
            workers,
            threads,
            exp.calibration,
        )
        # the refitted pipeline outlives the sweep (package, registry): no path to its cache
        result.pipeline.set_params(memory=None)
        start = time.perf_counter()
        found = exp.analyses.run(result)
        # a scorecard's points table and an EBM's shapes are the model itself: written
        # whatever `interpret` says
        model, descriptions = result.pipeline[-1], exp.dataset.descriptions
        found.add(scorecard_artifacts(model, descriptions))
        found.add(ebm_artifacts(model, descriptions))
        outputs.artifacts(found)
        analysis_seconds = time.perf_counter() - start
        log.info("analyses took %.1f s", analysis_seconds)
        metrics = {**result.metrics, **found.metrics, "analysis_seconds": analysis_seconds}
        outputs.result(result, metrics, model_input_features(result.pipeline, result.X_train))
        tracking = {"name": info.name, "group": info.group, "project": cfg.logger.get("project")}
        package = build_package(result, metrics, config, found.tables, cfg.seed, tracking)
        outputs.package(*package)
    return metrics


def objective(metrics: dict[str, float], key: str) -> float:
    """The value a sweeper optimises (`key` was checked before the job ran: `check_settings`)."""
    return float(metrics[key])
