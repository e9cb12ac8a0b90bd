"""Fail-soft, resumable execution of one sweep job.

``bankruptcy.cli.run.main`` calls :func:`guarded`. In a multirun it

- skips a job whose override set already completed anywhere in the sweep dir (resume),
- sets aside results left in its output dir by a *different* override set (Hydra reuses
  ``<sweep>/<job.num>`` when a grid changes or an Optuna study is continued),
- records ``job.json`` (status, overrides, objective, timings) and, on failure, ``error.txt``,
- returns NaN for a failed job so the sweep goes on (``fail_soft: true``), or re-raises so a
  sweeper that handles failures itself (Optuna's ``max_failure_rate``) sees it.

Outside a multirun it only calls the job: errors propagate and the process exits non-zero, a
:class:`~bankruptcy.core.errors.UserError` as one line (``error: <message>``) without a traceback.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from bankruptcy.core.errors import UserError
from bankruptcy.experiment.outputs import ERROR_FILE, METRICS_FILE, JobStatus
from bankruptcy.sweep.jobs import (
    JobRecord,
    find_completed,
    override_key,
    read_record,
    write_record,
)

log = logging.getLogger(__name__)

ARCHIVE = "archive"  # <sweep>/archive/<job>-<time>/: results replaced by another override set


def guarded(cfg: DictConfig, run_job: Callable[[DictConfig], float]) -> float:
    """Run `run_job(cfg)` with the sweep's resume and fail-soft rules.

    Parameters
    ----------
    cfg : DictConfig
        The job's config; ``cfg.objective`` names the returned metric and ``cfg.fail_soft``
        (default true) whether a failure returns NaN instead of raising.
    run_job : callable
        The job itself, returning the objective.

    Returns
    -------
    float
        The objective: freshly computed, read back from an earlier completed run of the same
        overrides, or NaN for a failed job in fail-soft mode.
    """
    hydra = HydraConfig.get()
    if hydra.mode != RunMode.MULTIRUN:
        try:
            return run_job(cfg)
        except Exception as exc:
            error = user_error(exc)
            if error is None:
                raise
            # A problem in the user's data or options: one clear line, not a traceback.
            raise SystemExit(f"error: {error}") from None
    job_dir = Path(hydra.runtime.output_dir)
    sweep_dir = Path(hydra.sweep.dir)
    overrides = list(hydra.overrides.task)
    objective = str(cfg.get("objective", ""))

    done = find_completed(sweep_dir, overrides)
    if done is not None:
        return _skip(done, job_dir, sweep_dir, overrides, objective)
    set_aside_stale(job_dir, overrides, sweep_dir)
    record = {"overrides": overrides, "objective": objective, "started": time.time()}
    if os.environ.get("SLURM_JOB_ID"):  # where a cluster job ran, for its logs
        record["slurm_job_id"] = os.environ["SLURM_JOB_ID"]
    write_record(job_dir, {**record, "status": JobStatus.RUNNING})
    try:
        value = float(run_job(cfg))
    except Exception as exc:
        record_failure(job_dir, record, one_line(exc), traceback.format_exc())
        if not cfg.get("fail_soft", True):
            raise
        return math.nan
    write_record(
        job_dir, {**record, "status": JobStatus.OK, "value": value, "finished": time.time()}
    )
    return value


def record_failure(job_dir: Path, record: dict, message: str, details: str) -> None:
    """Mark a job failed: ``error.txt`` holds `details`, ``job.json`` `record` + `message`.

    Parameters
    ----------
    job_dir : pathlib.Path
        The job's output dir (created if missing: a launcher may record a job that never ran).
    record : dict
        What is known of the job (``overrides``, ``objective``, ``started``, ...).
    message : str
        One line naming the error (`one_line`).
    details : str
        The traceback, or what the launcher knows of the failure.
    """
    job_dir.mkdir(parents=True, exist_ok=True)
    (job_dir / ERROR_FILE).write_text(details)
    failed = {"status": JobStatus.FAILED, "error": message, "finished": time.time()}
    write_record(job_dir, {**record, **failed})
    overrides = " ".join(record.get("overrides", ()))
    log.error("Job failed (%s): %s; details in %s", overrides, message, job_dir / ERROR_FILE)


def one_line(exc: BaseException) -> str:
    """``"ValueError: C must be > 0"``: type and first message line of the error's root cause.

    The root cause, because Hydra wraps errors raised while instantiating a config in an
    ``InstantiationException`` whose own first line only names the target.
    """
    while exc.__cause__ is not None:
        exc = exc.__cause__
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def user_error(exc: BaseException | None) -> UserError | None:
    """The :class:`UserError` that `exc` is or was raised from (through Hydra's wrapping)."""
    while exc is not None and not isinstance(exc, UserError):
        exc = exc.__cause__
    return exc


def set_aside_stale(job_dir: Path, overrides: list[str], sweep_dir: Path) -> None:
    """Clear `job_dir` of an earlier attempt before this job writes its results.

    Results of the same overrides (a failed or killed attempt) are simply replaced. Results of
    other overrides are moved to ``<sweep>/archive/`` so the leaderboard keeps them.
    """
    record = read_record(job_dir)
    if (
        record is None
        and not (job_dir / METRICS_FILE).exists()
        and not (job_dir / ERROR_FILE).exists()
    ):
        return
    if record is not None and override_key(record.get("overrides", ())) == override_key(overrides):
        for name in (METRICS_FILE, ERROR_FILE):
            (job_dir / name).unlink(missing_ok=True)
        return
    name = job_dir.relative_to(sweep_dir).as_posix().replace("/", "_")
    target = sweep_dir / ARCHIVE / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    target.mkdir(parents=True, exist_ok=True)
    for entry in job_dir.iterdir():
        # Hydra already rewrote .hydra/ for this job and holds its log file open.
        if entry.name != ".hydra" and entry.suffix != ".log":
            shutil.move(str(entry), target / entry.name)
    log.info("Moved results of other overrides from %s to %s", job_dir, target)


def _skip(
    done: JobRecord, job_dir: Path, sweep_dir: Path, overrides: list[str], objective: str
) -> float:
    """Return the earlier result of these overrides without running anything."""
    value = float(read_record(done.path).get("value", done.metrics.get(objective, math.nan)))
    if done.path != job_dir:
        set_aside_stale(job_dir, overrides, sweep_dir)
        write_record(
            job_dir,
            {
                "overrides": overrides,
                "objective": objective,
                "status": JobStatus.SKIPPED,
                "resumed_from": done.path.relative_to(sweep_dir).as_posix(),
                "value": value,
                "finished": time.time(),
            },
        )
    log.info("Skipping %s: completed earlier in %s", " ".join(overrides), done.path)
    return value
