"""How many native threads (OpenMP, BLAS) a job may use: its share of the cores.

OpenMP pools sized to the whole machine oversubscribe it as soon as anything else runs:
HistGradientBoosting with default threads took ~50x longer per fit while another process
used the CPU. Every job therefore runs inside ``threadpool_limits`` of its share.
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
    threads = int(setting)
    if threads < 1:
        from bankruptcy.errors import UserError

        raise UserError(f"threads={setting}: use a positive number of threads or auto")
    return threads
