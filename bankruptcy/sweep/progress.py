"""Sweep progress kept on disk, so jobs in other processes (joblib, Slurm) can report it.

``<sweep>/sweep.json`` holds the start time and the expected number of jobs of the current
multirun; each finished job appends one JSON line to ``<sweep>/progress.jsonl`` (appends of
one short line are atomic on POSIX file systems).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig

from bankruptcy.experiment.outputs import JobStatus

STATE = "sweep.json"
LOG = "progress.jsonl"


@dataclass
class Progress:
    """Where a sweep stands after a job: counts, elapsed time, best objective so far."""

    done: int
    total: int | None
    failed: int
    elapsed: float
    best: float

    def line(self, status: str, label: str, value: float, objective: str) -> str:
        """One human line, e.g. ``[3/6] ok model=svm  cv/pr_auc=0.41  best=0.45  0:01:23``."""
        total = "?" if self.total is None else str(self.total)
        shown = "-" if math.isnan(value) else f"{value:.4f}"
        best = "-" if math.isnan(self.best) else f"{self.best:.4f}"
        minutes, seconds = divmod(int(self.elapsed), 60)
        hours, minutes = divmod(minutes, 60)
        return (
            f"[{self.done}/{total}] {status:<7} {label}  {objective}={shown}  best={best}  "
            f"failed={self.failed}  elapsed {hours}:{minutes:02d}:{seconds:02d}"
        )


def expected_jobs(config: DictConfig) -> int | None:
    """Number of jobs a multirun will launch, when it can be known up front.

    Optuna-style sweepers announce ``n_trials``; a grid is the product of the lengths of the
    sweep overrides (command line and ``hydra.sweeper.params``). Globs are expanded only by
    the sweeper itself, so they give None (unknown).
    """
    sweeper = config.hydra.sweeper
    if "n_trials" in sweeper:
        return int(sweeper.n_trials)
    params = sweeper.get("params") or {}
    raw = {}
    for text in [f"{k}={v}" for k, v in params.items()] + list(config.hydra.overrides.task):
        raw[text.partition("=")[0]] = text  # the command line wins over the config's params
    total = 1
    for override in OverridesParser.create().parse_overrides(list(raw.values())):
        if override.is_sweep_override():
            try:
                total *= len(list(override.sweep_string_iterator()))
            except Exception:  # glob(...) and interval sweeps have no fixed length here
                return None
    return total


def shared_overrides(config: DictConfig) -> list[str]:
    """Command-line overrides that every job of the multirun gets (not sweeps)."""
    task = list(config.hydra.overrides.task)
    parsed = OverridesParser.create().parse_overrides(task)
    return [text for text, o in zip(task, parsed, strict=True) if not o.is_sweep_override()]


def start(sweep_dir: Path, total: int | None, shared: list[str] = ()) -> None:
    """Reset the progress of `sweep_dir` at the start of a multirun.

    Parameters
    ----------
    sweep_dir : pathlib.Path
        The multirun dir (created if missing).
    total : int or None
        Expected number of jobs (:func:`expected_jobs`).
    shared : list of str
        Overrides common to all jobs, left out of the per-job progress lines.
    """
    sweep_dir.mkdir(parents=True, exist_ok=True)
    state = {"started": time.time(), "total": total, "shared": list(shared)}
    (sweep_dir / STATE).write_text(json.dumps(state))
    (sweep_dir / LOG).write_text("")


def started_at(sweep_dir: Path) -> float:
    """Start time of the current multirun (0 when unknown)."""
    return float(_state(sweep_dir).get("started", 0.0))


def job_label(sweep_dir: Path, overrides: list[str]) -> str:
    """A job's own overrides, without those shared by the whole multirun."""
    shared = set(_state(sweep_dir).get("shared", ()))
    return " ".join(o for o in overrides if o not in shared) or "(no overrides)"


def record(sweep_dir: Path, entry: dict, maximize: bool) -> Progress:
    """Append one finished job to the log and summarise the sweep so far."""
    with open(sweep_dir / LOG, "a") as fh:
        fh.write(json.dumps(entry) + "\n")
    entries = [json.loads(line) for line in (sweep_dir / LOG).read_text().splitlines() if line]
    values = [
        e["value"]
        for e in entries
        if e["status"] in (JobStatus.OK, JobStatus.SKIPPED) and e.get("value") is not None
        if not math.isnan(e["value"])
    ]
    state = _state(sweep_dir)
    best = (max if maximize else min)(values) if values else math.nan
    return Progress(
        done=len(entries),
        total=state.get("total"),
        failed=sum(e["status"] == JobStatus.FAILED for e in entries),
        elapsed=time.time() - float(state.get("started", time.time())),
        best=best,
    )


def _state(sweep_dir: Path) -> dict:
    try:
        return json.loads((sweep_dir / STATE).read_text())
    except (OSError, ValueError):
        return {}
