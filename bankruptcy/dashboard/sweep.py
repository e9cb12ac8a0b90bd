"""What a sweep's dashboard is built from: its leaderboard and the W&B runs it left on disk."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bankruptcy.core.errors import UserError
from bankruptcy.sweep.leaderboard import Leaderboard, build_leaderboard
from bankruptcy.tracking.offline import LoggedRun, find_runs, main_group

#: Job type of the sweep's summary run and of the deployment monitor's runs.
SUMMARY_JOB_TYPE = "sweep-summary"
MONITOR_JOB_TYPE = "monitor"
#: Jobs whose test curves the dashboard overlays, by default.
TOP_JOBS = 5


class DashboardError(UserError):
    """A dashboard that cannot be built; the message says why and what to do."""


@dataclass
class SweepRuns:
    """A sweep's leaderboard and the W&B runs of its group found under its directory.

    Attributes
    ----------
    board : Leaderboard
        The sweep's jobs, best first.
    group : str
        The W&B group of the sweep's runs.
    project, entity : str
        Where the runs go when synced (entity empty: the API key's default).
    jobs : list of LoggedRun
        One run per job that logged one (its latest), in leaderboard order.
    summary : LoggedRun or None
        The "sweep-summary" run (leaderboard table and chart).
    monitors : list of LoggedRun
        Runs of job type "monitor" in the group (deployment monitoring).
    """

    board: Leaderboard
    group: str
    project: str
    entity: str = ""
    jobs: list[LoggedRun] = field(default_factory=list)
    summary: LoggedRun | None = None
    monitors: list[LoggedRun] = field(default_factory=list)

    @property
    def objective(self) -> str:
        return self.board.objective

    def top(self, n: int) -> list[LoggedRun]:
        """The runs of the `n` best jobs that logged the objective."""
        scored = [run for run in self.jobs if _number(run.summary.get(self.objective))]
        return scored[:n]


def read_sweep(sweep_dir: str | Path, entity: str | None = None, project: str | None = None):
    """Read the leaderboard and the W&B runs of `sweep_dir` (a multirun dir).

    The sweep's group is the one its jobs' runs were logged to (a sweep dir may have moved
    since, and ``multirun.yaml`` keeps its path unresolved).

    Raises
    ------
    DashboardError
        When `sweep_dir` is not a sweep dir or its jobs logged no W&B run.
    """
    sweep_dir = Path(sweep_dir)
    settings = sweep_dir / "multirun.yaml"
    if not settings.is_file():
        raise DashboardError(
            f"{sweep_dir} is not a sweep dir (no multirun.yaml): pass the hydra.sweep.dir of a "
            "multirun (python -m bankruptcy.run -m ...)"
        )
    board = build_leaderboard(sweep_dir)
    runs = find_runs(sweep_dir)
    by_job: dict[str, LoggedRun] = {}
    for run in runs:  # path order: a job's later (resumed) run wins
        by_job[run.path.parent.parent.relative_to(sweep_dir).as_posix()] = run
    jobs = [by_job[job] for job in board.table["job"] if job in by_job]
    if not jobs:
        raise DashboardError(
            f"the jobs in {sweep_dir} logged no W&B runs: run the sweep with logger=wandb "
            "(WANDB_MODE=offline writes the runs to disk)"
        )
    group = main_group(jobs) or ""
    grouped = [run for run in runs if run.group == group]
    logger = (yaml.safe_load(settings.read_text()) or {}).get("logger") or {}
    return SweepRuns(
        board=board,
        group=group,
        project=project or jobs[0].project or logger.get("project") or "",
        entity=entity or jobs[0].entity or logger.get("entity") or "",
        jobs=[run for run in jobs if run.group == group],
        summary=next((r for r in reversed(grouped) if r.job_type == SUMMARY_JOB_TYPE), None),
        monitors=[r for r in grouped if r.job_type == MONITOR_JOB_TYPE],
    )


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not math.isnan(value)
