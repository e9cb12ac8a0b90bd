"""Job records of a sweep directory: what each job ran, how it ended, where its files are.

A job's own record is ``job.json`` in its output dir, written by :mod:`bankruptcy.sweep.guard`
(``overrides``, ``status``, ``objective``, ``value``, ``error``, ``started``, ``finished``).
Jobs without it (killed, or run without the guard) are read from Hydra's
``.hydra/overrides.yaml`` and the output contract's ``metrics.json``/``error.txt``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bankruptcy.experiment.outputs import (
    ERROR_FILE,
    HYDRA_OVERRIDES_FILE,
    METRICS_FILE,
    RECORD_FILE,
    JobStatus,
    read_metrics,
)

# Which record wins when one override set was run more than once (resume, retries).
_STATUS_RANK = {JobStatus.OK: 3, JobStatus.FAILED: 2, JobStatus.RUNNING: 1}
# Folders never holding job records: W&B runs, Hydra's own, and reserved "_" names
# (e.g. the re-run of the best configuration) that must not count as sweep jobs.
_PRUNED = {"wandb", ".hydra", ".submitit"}


def override_key(overrides: Iterable[str]) -> tuple[str, ...]:
    """Canonical identity of a job: its task overrides, order-free.

    Parameters
    ----------
    overrides : iterable of str
        Hydra task overrides such as ``["model=svm", "model.C=0.5"]``.
    """
    return tuple(sorted(str(o).strip() for o in overrides))


def split_override(override: str) -> tuple[str, str]:
    """Split ``"+model.C=0.5"`` into ``("model.C", "0.5")``; a bare ``~key`` gives ``(key, "")``."""
    key, _, value = override.partition("=")
    return key.lstrip("+~"), value


@dataclass
class JobRecord:
    """One job of a sweep as found on disk."""

    path: Path
    overrides: tuple[str, ...]
    status: JobStatus
    metrics: dict = field(default_factory=dict)
    error: str = ""
    finished: float = 0.0

    @property
    def key(self) -> tuple[str, ...]:
        """Identity used to match re-runs of the same job."""
        return override_key(self.overrides)


def read_record(job_dir: Path) -> dict | None:
    """The guard's ``job.json`` of `job_dir`, or None when it has none (or it is unreadable)."""
    try:
        return json.loads((job_dir / RECORD_FILE).read_text())
    except (OSError, ValueError):
        return None


def write_record(job_dir: Path, record: dict) -> None:
    """Write ``job.json`` atomically so a concurrent reader never sees half a file."""
    job_dir.mkdir(parents=True, exist_ok=True)
    tmp = job_dir / f".{RECORD_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(record, indent=2, default=str))
    tmp.replace(job_dir / RECORD_FILE)


def error_summary(text: str) -> str:
    """The last non-empty line of an error text: the exception's own message."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def load_job(job_dir: Path) -> JobRecord | None:
    """Read one job dir into a :class:`JobRecord`; None if it is not a job dir."""
    record = read_record(job_dir)
    metrics = read_metrics(job_dir)
    error_text = _read_text(job_dir / ERROR_FILE)
    if record is not None:
        overrides = tuple(record.get("overrides", ()))
        status = JobStatus(record.get("status", JobStatus.INCOMPLETE))
        error = record.get("error") or error_summary(error_text)
        finished = float(record.get("finished") or record.get("started") or 0.0)
    elif (job_dir / HYDRA_OVERRIDES_FILE).is_file():
        overrides = tuple(yaml.safe_load((job_dir / HYDRA_OVERRIDES_FILE).read_text()) or ())
        status = (
            JobStatus.OK if metrics else JobStatus.FAILED if error_text else JobStatus.INCOMPLETE
        )
        error = error_summary(error_text)
        finished = _mtime(job_dir / METRICS_FILE) or _mtime(job_dir / HYDRA_OVERRIDES_FILE)
    else:
        return None
    if status == JobStatus.OK and not metrics:
        # A record claiming success without its metrics cannot be trusted for resume.
        status, error = JobStatus.INCOMPLETE, f"{METRICS_FILE} missing"
    metrics = metrics if status == JobStatus.OK else {}
    return JobRecord(job_dir, overrides, status, metrics, error, finished)


def iter_job_dirs(sweep_dir: Path) -> Iterator[Path]:
    """Every folder under `sweep_dir` that looks like a job output dir, in path order."""
    for root, dirs, files in os.walk(sweep_dir):
        dirs[:] = sorted(d for d in dirs if d not in _PRUNED and not d.startswith("_"))
        here = Path(root)
        if here != sweep_dir and (RECORD_FILE in files or (here / HYDRA_OVERRIDES_FILE).is_file()):
            yield here


def collect_jobs(sweep_dir: str | os.PathLike) -> list[JobRecord]:
    """All jobs of a sweep, one per override set (the best outcome of its attempts).

    Parameters
    ----------
    sweep_dir : path
        A Hydra multirun sweep dir (``hydra.sweep.dir``).

    Returns
    -------
    list of JobRecord
        In job-dir order; a job re-run after a failure or a kill appears once, with its
        successful (or latest) attempt.
    """
    best: dict[tuple[str, ...], JobRecord] = {}
    for job_dir in iter_job_dirs(Path(sweep_dir)):
        job = load_job(job_dir)
        if job is None:
            continue
        seen = best.get(job.key)
        if seen is None or _preference(job) > _preference(seen):
            best[job.key] = job
    return sorted(best.values(), key=lambda j: _natural(j.path.relative_to(sweep_dir)))


def find_completed(sweep_dir: str | os.PathLike, overrides: Iterable[str]) -> JobRecord | None:
    """The successful job of `sweep_dir` that ran exactly `overrides`, if any."""
    key = override_key(overrides)
    for job_dir in iter_job_dirs(Path(sweep_dir)):
        record = read_record(job_dir)
        ok = record and record.get("status") == JobStatus.OK
        if ok and override_key(record["overrides"]) == key:
            job = load_job(job_dir)
            if job is not None and job.status == JobStatus.OK:
                return job
    return None


def _preference(job: JobRecord) -> tuple[int, float]:
    return _STATUS_RANK.get(job.status, 0), job.finished


def _natural(path: Path) -> tuple:
    """Sort ``2`` before ``10``: numeric path parts compare as numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in path.parts)


def _read_text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
