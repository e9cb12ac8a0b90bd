"""How a job uses the cores: its share of native threads, and how many of its fits run at once.

OpenMP pools sized to the whole machine oversubscribe it as soon as anything else runs:
HistGradientBoosting with default threads took ~50x longer per fit while another process
used the CPU. Every job therefore runs inside ``threadpool_limits`` of its share; a job whose
launcher runs jobs one at a time spends that share on fitting its CV folds side by side
(``fold_jobs``), one thread each: on Polish year 1 a second spinning thread speeds a
HistGradientBoosting fit up 1.6x (2.0 -> 1.2 s; with the passive waiting `bankruptcy` sets, it
slows it down 3.7x), a second fold fitted beside it 2x.
"""

from __future__ import annotations

import os


def available_cores() -> int:
    """Cores this process may run on (respects CPU affinity, e.g. a Slurm allocation)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def thread_share(setting: int | str, workers: int = 1) -> int:
    """Native threads for one job.

    Parameters
    ----------
    setting : int or "auto"
        The config's ``threads``; ``auto`` is the cores divided among the parallel workers.
    workers : int
        Jobs running at once in this launcher (1 for sequential ones).
    """
    if setting == "auto":
        return max(1, available_cores() // max(1, workers))
    return _positive("threads", setting, "threads")


def launcher_workers(launcher) -> int:
    """Jobs a Hydra launcher runs at once on this machine's cores.

    joblib: its ``n_jobs`` (-1 = every core). submitit and Ray reserve CPUs per job
    (``cpus_per_task``, ``num_cpus``, which Ray allows fractional): the cores this process
    sees divided by them, so a job's share (`thread_share`) is the CPUs it reserved when they
    divide the node's cores. Under Slurm the job's CPU affinity already is its allocation, so
    that gives 1; submitit's local executor and Ray do not pin jobs, so several share the
    cores. Sequential launchers: 1.

    Parameters
    ----------
    launcher : Mapping
        The launcher's config (``hydra.launcher``).
    """
    if launcher.get("n_jobs") is not None:
        n_jobs = int(launcher["n_jobs"])
        return available_cores() if n_jobs == -1 else max(1, n_jobs)
    cpus = launcher.get("cpus_per_task") or launcher.get("num_cpus")
    return max(1, int(available_cores() // float(cpus))) if cpus else 1


def fold_workers(setting: int | str, share: int) -> int:
    """Fits of one job (its CV folds and final refit) run at once, in worker processes.

    Parameters
    ----------
    setting : int or "auto"
        The config's ``fold_jobs``; ``auto`` is one fit per thread of the job's share, so a
        job alone on 2 cores fits two folds at once and a job of a 2-worker sweep one.
    share : int
        The job's native threads (`thread_share`).
    """
    if setting == "auto":
        return share
    return _positive("fold_jobs", setting, "worker processes")


def _positive(key: str, setting, what: str) -> int:
    from bankruptcy.core.errors import UserError

    try:
        value = int(setting)
    except (TypeError, ValueError):
        value = 0
    if value < 1 or str(value) != str(setting).strip():
        raise UserError(f"{key}={setting}: use a positive number of {what} or auto")
    return value
