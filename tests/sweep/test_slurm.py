"""The cluster path for real: sweep jobs submitted to Slurm through submitit.

Needs a running Slurm cluster; on one machine: ``bash scripts/slurm_local.sh start``
(``scripts/setup_tests.sh`` starts it). As root, where that script can start one, a missing
cluster fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pandas as pd
import pytest

from bankruptcy.experiment.outputs import JobStatus
from bankruptcy.sweep.jobs import collect_jobs, read_record
from tests.helpers import run_sweep


def slurm_ready() -> bool:
    """Whether `sinfo` answers with a node that can take jobs."""
    if shutil.which("sinfo") is None:
        return False
    try:
        done = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, check=False, timeout=30
        )
    except subprocess.TimeoutExpired:  # no controller answering
        return False
    return done.returncode == 0 and any(
        s.startswith(("idle", "mixed", "alloc")) for s in done.stdout.split()
    )


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0 and not slurm_ready(),
        reason="no Slurm cluster: run `bash scripts/slurm_local.sh start` (as root)",
    ),
]


def test_sweep_jobs_run_as_slurm_jobs_into_one_leaderboard(tmp_path, data_dir):
    assert slurm_ready(), "no Slurm cluster answers: run `bash scripts/slurm_local.sh start`"
    sweep = tmp_path / "slurm"
    run_sweep(
        sweep, data_dir, "hydra/launcher=slurm", "hydra.launcher.mem_gb=1",
        "dataset=qualitative", "logger=none", "model=logistic,decision_tree",
        "model.class_weight=null,balanced", "protocol.n_splits=2",
    )  # fmt: skip
    jobs = collect_jobs(sweep)
    assert len(jobs) == 4 and all(j.status == JobStatus.OK for j in jobs)
    slurm_ids = {read_record(j.path)["slurm_job_id"] for j in jobs}
    assert len(slurm_ids) == 4  # one Slurm (array) job per sweep job
    assert len(list((sweep / ".submitit").glob("*/*_log.out"))) == 4
    board = pd.read_csv(sweep / "leaderboard.csv")
    assert board["status"].tolist() == ["ok"] * 4 and board["rank"].tolist() == [1, 2, 3, 4]
