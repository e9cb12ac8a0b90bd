"""Fail-soft and resume rules of the job guard, on jobs that are plain functions."""

from __future__ import annotations

import json
import math

import pytest
from hydra.types import RunMode
from omegaconf import OmegaConf

from bankruptcy.sweep.guard import guarded
from bankruptcy.sweep.leaderboard import build_leaderboard

CFG = OmegaConf.create({"objective": "cv/pr_auc"})


class Job:
    """A job that writes metrics.json like the core, or raises; counts its calls."""

    def __init__(self, value: float = 0.4, error: Exception | None = None):
        self.value, self.error, self.calls = value, error, 0

    def __call__(self, cfg) -> float:
        from hydra.core.hydra_config import HydraConfig

        self.calls += 1
        if self.error is not None:
            raise self.error
        out = HydraConfig.get().runtime.output_dir
        with open(f"{out}/metrics.json", "w") as fh:
            json.dump({"cv/pr_auc": self.value, "cv/pr_auc_std": 0.01}, fh)
        return self.value


def _record(job_dir):
    return json.loads((job_dir / "job.json").read_text())


def test_single_run_propagates_errors(hydra_job):
    hydra_job("run", ["model.C=-1"], mode=RunMode.RUN)
    with pytest.raises(ValueError, match="C must be"):
        guarded(CFG, Job(error=ValueError("C must be > 0")))


def test_success_is_recorded_and_resumed_without_rerunning(hydra_job):
    first = hydra_job("0", ["model=svm", "sampler=none"])
    job = Job(0.4)
    assert guarded(CFG, job) == 0.4
    assert _record(first)["status"] == "ok" and _record(first)["value"] == 0.4
    # Same overrides in another order and job number: resumed, not re-run.
    other = hydra_job("7", ["sampler=none", "model=svm"])
    assert guarded(CFG, job) == 0.4 and job.calls == 1
    assert _record(other)["status"] == "skipped" and _record(other)["resumed_from"] == "0"
    assert len(build_leaderboard(first.parent).table) == 1


def test_failure_records_error_and_returns_nan(hydra_job):
    job_dir = hydra_job("0", ["model.C=-1"])
    value = guarded(CFG, Job(error=ValueError("C must be > 0\nsecond line")))
    assert math.isnan(value)
    record = _record(job_dir)
    assert record["status"] == "failed" and record["error"] == "ValueError: C must be > 0"
    assert "Traceback" in (job_dir / "error.txt").read_text()
    row = build_leaderboard(job_dir.parent).table.iloc[0]
    assert row["status"] == "failed" and row["error"] == "ValueError: C must be > 0"


def test_fail_soft_off_records_then_reraises(hydra_job):
    job_dir = hydra_job("0", ["model.C=-1"])
    cfg = OmegaConf.create({"objective": "cv/pr_auc", "fail_soft": False})
    with pytest.raises(ValueError):
        guarded(cfg, Job(error=ValueError("C must be > 0")))
    assert _record(job_dir)["status"] == "failed"


def test_failed_job_is_retried_and_its_error_cleared(hydra_job):
    job_dir = hydra_job("0", ["model=svm"])
    guarded(CFG, Job(error=RuntimeError("out of memory")))
    job = Job(0.3)
    assert guarded(CFG, job) == 0.3 and job.calls == 1
    assert not (job_dir / "error.txt").exists() and _record(job_dir)["status"] == "ok"


def test_results_of_other_overrides_in_a_reused_dir_are_archived(hydra_job):
    hydra_job("0", ["model.C=0.1"])
    guarded(CFG, Job(0.2))
    job_dir = hydra_job("0", ["model.C=10"])  # e.g. a continued Optuna study restarts at 0
    guarded(CFG, Job(0.6))
    archived = list((job_dir.parent / "archive").iterdir())
    assert len(archived) == 1 and (archived[0] / "metrics.json").exists()
    board = build_leaderboard(job_dir.parent)
    assert dict(zip(board.table["model.C"], board.table["cv/pr_auc"], strict=True)) == {
        "10": 0.6,
        "0.1": 0.2,
    }


def test_single_run_user_error_exits_with_one_line(hydra_job):
    from bankruptcy.core.errors import UserError

    hydra_job("run", ["dataset.year=9"], mode=RunMode.RUN)
    with pytest.raises(SystemExit, match=r"^error: dataset.year=9 is not a Polish year$"):
        guarded(CFG, Job(error=UserError("dataset.year=9 is not a Polish year")))


def test_user_error_wrapped_by_instantiate_is_still_one_line(hydra_job):
    from hydra.errors import InstantiationException

    from bankruptcy.core.errors import DataError

    def wrapped():
        try:
            raise DataError("polish/9year.arff not found; set dataset.year to 1-5")
        except DataError as cause:
            raise InstantiationException("Error in call to target 'load_polish':") from cause

    class Wrapping(Job):
        def __call__(self, cfg):
            wrapped()

    hydra_job("run", ["dataset.year=9"], mode=RunMode.RUN)
    with pytest.raises(SystemExit, match=r"^error: polish/9year.arff not found"):
        guarded(CFG, Wrapping())
    job_dir = hydra_job("0", ["dataset.year=9"])
    guarded(CFG, Wrapping())
    assert _record(job_dir)["error"] == (
        "DataError: polish/9year.arff not found; set dataset.year to 1-5"
    )
