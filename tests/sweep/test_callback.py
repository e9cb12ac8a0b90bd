"""Pieces of the Hydra callback that decide names and statuses."""

from __future__ import annotations

import json
import math

from hydra.core.utils import JobReturn, JobStatus

from bankruptcy.sweep import progress
from bankruptcy.sweep.callback import _outcome, sweep_group


def test_sweep_group_is_the_sweep_path_flattened_and_capped():
    assert sweep_group("outputs/multirun/pb/2026-01-01_10-00-00") == (
        "outputs_multirun_pb_2026-01-01_10-00-00"
    )
    assert sweep_group("/data/sweeps/pb/") == "data_sweeps_pb"
    long = "/elsewhere/" + "x" * 200 + "/my_sweep"
    assert len(sweep_group(long)) == 128 and sweep_group(long).endswith("_my_sweep")


def _returned(value=None, status=JobStatus.COMPLETED):
    ret = JobReturn()
    ret.status, ret.return_value = status, value
    return ret


def test_outcome_tells_fresh_skipped_and_failed_jobs_apart(tmp_path):
    progress.start(tmp_path, total=3)
    started = progress.started_at(tmp_path)
    job = tmp_path / "0"
    job.mkdir()
    (job / "job.json").write_text(json.dumps({"status": "ok", "finished": started + 1}))
    assert _outcome(_returned(0.5), job, tmp_path) == ("ok", 0.5)
    (job / "job.json").write_text(json.dumps({"status": "ok", "finished": started - 60}))
    assert _outcome(_returned(0.5), job, tmp_path) == ("skipped", 0.5)
    status, value = _outcome(_returned(ValueError("x"), JobStatus.FAILED), job, tmp_path)
    assert status == "failed" and math.isnan(value)
