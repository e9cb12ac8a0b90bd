"""Real multiruns of the entrypoint: fail-soft, kill and resume, W&B summary, best re-run."""

from __future__ import annotations

import json
import os
import signal
import time

import pandas as pd
import pytest

from bankruptcy.experiment.outputs import METRICS_FILE, JobStatus
from bankruptcy.sweep.jobs import collect_jobs
from tests.helpers import run_cli, run_sweep, start_sweep
from tests.wandb_offline import read_offline_run, wandb_run_dirs

pytestmark = pytest.mark.slow


def test_failed_job_is_listed_summary_run_logged_and_best_rerun(tmp_path, data_dir):
    sweep = tmp_path / "fail_soft"
    out = run_sweep(
        sweep, data_dir, "dataset=qualitative", "model=logistic", "model.C=0.5,-1",
        "protocol.n_splits=2",
    )  # fmt: skip
    assert "[2/2] failed" in out
    board = pd.read_csv(sweep / "leaderboard.csv")
    assert list(board["status"]) == ["ok", "failed"]
    assert board.loc[1, "model.C"] == -1 and "'C' parameter" in board.loc[1, "error"]
    assert board.loc[0, "cv/pr_auc"] > 0.9  # qualitative ratings separate the classes well
    assert "Traceback" in (sweep / "1" / "error.txt").read_text()
    for name in ("leaderboard.md", "leaderboard.html", "leaderboard.png"):
        assert (sweep / name).stat().st_size > 0

    (summary_dir,) = wandb_run_dirs(sweep)
    summary = read_offline_run(summary_dir)
    (job_dir,) = wandb_run_dirs(sweep / "0")
    job = read_offline_run(job_dir)
    assert summary["tags"] == ["sweep-summary"] and summary["group"] == job["group"]
    assert job["group"].endswith("_fail_soft")
    assert "model:logistic" in job["tags"] and "dataset:qualitative" in job["tags"]
    assert summary["summary"]["jobs/failed"] == 1 and summary["summary"]["jobs/ok"] == 1
    assert summary["summary"]["best/cv/pr_auc"] == pytest.approx(board.loc[0, "cv/pr_auc"])
    assert any(f.startswith("media/table/leaderboard") for f in summary["files"])

    # as the default config leaves it: the sweep dir unresolved in multirun.yaml
    settings = sweep / "multirun.yaml"
    settings.write_text(settings.read_text().replace(str(sweep), "multirun/${now:%H-%M-%S}"))
    done = run_cli("bankruptcy.report", str(sweep), "--wandb", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    summaries = [read_offline_run(d) for d in wandb_run_dirs(sweep)]
    assert len(summaries) == 2 and {s["group"] for s in summaries} == {job["group"]}

    env = {"WANDB_MODE": "disabled"}
    done = run_cli("bankruptcy.report", str(sweep), "--rerun-best", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    best = (sweep / "best.md").read_text()
    rerun = json.loads((sweep / "_best" / METRICS_FILE).read_text())
    assert rerun["cv/pr_auc"] == pytest.approx(board.loc[0, "cv/pr_auc"])  # same config + seed
    assert "(reproduced)" in best and f"| {rerun['test/roc_auc']:.4f} |" in best
    assert len(collect_jobs(sweep)) == 2  # the re-run is not a sweep job


def test_killed_sweep_reruns_only_missing_jobs_even_with_another_launcher(tmp_path, data_dir):
    sweep = tmp_path / "resume"
    overrides = ["model=logistic,dummy", "seed=1,2", "logger=none", "protocol.n_splits=2"]
    proc = start_sweep(sweep, data_dir, *overrides)
    deadline = time.time() + 300
    while len([j for j in collect_jobs(sweep) if j.status == JobStatus.OK]) < 1:
        assert proc.poll() is None and time.time() < deadline, "sweep ended before the kill"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = {j.key: j.path for j in collect_jobs(sweep) if j.status == JobStatus.OK}
    assert 1 <= len(first) < 4
    stamps = {key: (path / METRICS_FILE).stat().st_mtime_ns for key, path in first.items()}

    # Jobs match on overrides, so the re-run may use local parallel workers.
    run_sweep(sweep, data_dir, *overrides, "hydra/launcher=parallel")
    jobs = collect_jobs(sweep)
    assert len(jobs) == 4 and all(j.status == JobStatus.OK for j in jobs)
    for job in jobs:  # completed before the kill: not re-run
        if job.key in stamps:
            assert (job.path / METRICS_FILE).stat().st_mtime_ns == stamps[job.key]
    lines = [json.loads(x) for x in (sweep / "progress.jsonl").read_text().splitlines()]
    assert sorted(e["status"] for e in lines) == sorted(
        ["skipped"] * len(first) + ["ok"] * (4 - len(first))
    )


def test_sweep_ranked_by_an_error_rate_puts_the_lower_rate_first(tmp_path, data_dir):
    """The dummy flags no company: it misses every bankruptcy (type I error 1)."""
    sweep = tmp_path / "type1"
    out = run_sweep(
        sweep, data_dir, "model=logistic,dummy", "objective=cv/type1_error", "logger=none",
        "protocol.n_splits=2",
    )  # fmt: skip
    board = pd.read_csv(sweep / "leaderboard.csv")
    assert board["model"].tolist() == ["logistic", "dummy"]
    assert board["cv/type1_error"].is_monotonic_increasing and board.loc[1, "cv/type1_error"] == 1
    assert "lower is better" in (sweep / "leaderboard.md").read_text()
    assert "best=" + f"{board.loc[0, 'cv/type1_error']:.4f}" in out  # the progress line's best
