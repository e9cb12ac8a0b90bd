"""Hydra callback: one progress line per finished job, a leaderboard at the end of a multirun.

Registered in ``conf/config.yaml`` under ``hydra.callbacks``. ``on_job_end`` runs wherever
the job ran (main process, joblib worker, Slurm node), so it keeps its state in the sweep
dir (:mod:`bankruptcy.sweep.progress`), never in memory.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from hydra.core import utils as hydra_utils
from hydra.core.utils import JobReturn
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from bankruptcy.experiment.builder import build_tracker
from bankruptcy.experiment.outputs import JobStatus
from bankruptcy.sweep import cache, progress
from bankruptcy.sweep.jobs import read_record
from bankruptcy.sweep.leaderboard import Leaderboard, build_leaderboard, settings_from
from bankruptcy.sweep.render import print_top, write_all

log = logging.getLogger(__name__)


def sweep_group(sweep_dir: str) -> str:
    """W&B group of a sweep's runs: the sweep dir as configured, ``/`` -> ``_``.

    Never made relative to the working directory, which differs between launchers' workers.
    W&B caps group names at 128 characters; the tail (the sweep's own name) is kept.
    """
    return Path(sweep_dir).as_posix().strip("/").replace("/", "_")[-128:]


class SweepCallback(Callback):
    """Progress lines, leaderboard files and a W&B "sweep-summary" run.

    Parameters
    ----------
    summary_run : bool
        Log the leaderboard to a summary run through the configured ``logger``.
    top : int
        Rows of the leaderboard printed to the console at the end.
    """

    def __init__(self, summary_run: bool = True, top: int = 10) -> None:
        self.summary_run = summary_run
        self.top = top

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        # a resumed sweep may run changed code: its steps must not be read from the last run's
        cache.clear(sweep_dir)
        total = progress.expected_jobs(config)
        progress.start(sweep_dir, total, progress.shared_overrides(config))
        # Hydra's basic sweeper saves the sweep's config as multirun.yaml, other sweepers
        # (Optuna) do not; the report reads objective, logger and command from it.
        OmegaConf.save(config, sweep_dir / "multirun.yaml")
        log.info("Sweep %s: %s jobs", sweep_dir, "?" if total is None else total)

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        if config.hydra.mode != RunMode.MULTIRUN:
            return
        sweep_dir = Path(config.hydra.sweep.dir)
        status, value = _outcome(job_return, Path(config.hydra.runtime.output_dir), sweep_dir)
        objective, maximize = _settings(config)
        label = progress.job_label(sweep_dir, list(config.hydra.overrides.task))
        entry = {"job": config.hydra.job.num, "status": status, "value": value}
        line = progress.record(sweep_dir, entry, maximize).line(status, label, value, objective)
        _console().print(line, markup=False, highlight=False)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        cache.clear(sweep_dir)
        objective, maximize = _settings(config)
        board = build_leaderboard(sweep_dir, objective, maximize)
        paths = write_all(board)
        print_top(board, self.top)
        log.info("Leaderboard: %s", paths["html"])
        if self.summary_run:
            log_summary_run(build_tracker(config.logger), board, paths, sweep_group(str(sweep_dir)))


def log_summary_run(tracker, board: Leaderboard, paths: dict[str, Path], group: str) -> None:
    """Log the leaderboard as a W&B table (plus page and chart) in a "sweep-summary" run.

    Parameters
    ----------
    tracker : bankruptcy.tracking tracker
        From `bankruptcy.experiment.builder.build_tracker`.
    board : Leaderboard
        The sweep's leaderboard.
    paths : dict of str to pathlib.Path
        Files written by :func:`~bankruptcy.sweep.render.write_all`.
    group : str
        The group of the sweep's job runs.
    """
    best = board.best
    summary: dict[str, object] = {f"jobs/{k}": v for k, v in board.counts.items()}
    if best is not None:
        summary.update({f"best/{k}": best[k] for k in board.table.columns if "/" in k})
        summary.update({"best/job": best["job"], "best/overrides": best["overrides"]})
        summary = {k: v for k, v in summary.items() if not _is_missing(v)}
    config = {"sweep_dir": str(board.sweep_dir), "objective": board.objective, **board.fixed}
    with tracker.start(
        name=f"{board.sweep_dir.name}-summary",
        config=config,
        directory=board.sweep_dir,
        group=group,
        tags=["sweep-summary"],
        job_type="sweep-summary",
    ):
        tracker.log_table("leaderboard", _plain(board.table))
        tracker.log_summary(summary)
        tracker.log_file(paths["html"])
        if "png" in paths:
            tracker.log_image("leaderboard_chart", paths["png"], caption=board.objective)


def _outcome(job_return: JobReturn, job_dir: Path, sweep_dir: Path) -> tuple[JobStatus, float]:
    """Status and objective value of a finished job, from its return and its record."""
    if job_return.status != hydra_utils.JobStatus.COMPLETED:
        return JobStatus.FAILED, math.nan
    value = job_return.return_value
    value = float(value) if isinstance(value, int | float) else math.nan
    record = read_record(job_dir) or {}
    status = JobStatus(record.get("status", JobStatus.OK))
    earlier = float(record.get("finished", math.inf)) < progress.started_at(sweep_dir)
    if status == JobStatus.OK and earlier:
        status = JobStatus.SKIPPED  # completed by an earlier run of this sweep
    return status, value


def _settings(config: DictConfig) -> tuple[str, bool]:
    direction = config.hydra.sweeper.get("direction")
    if OmegaConf.is_list(direction):
        direction = list(direction)
    return settings_from(config.get("objective"), direction)


def _plain(table):
    """Object columns with None for missing values: what W&B tables accept."""
    return table.astype(object).where(table.notna(), None)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _console():
    from rich.console import Console

    return Console(width=160)
