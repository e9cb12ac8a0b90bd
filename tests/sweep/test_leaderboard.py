"""Leaderboard aggregation from job dirs that follow the output contract."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from bankruptcy.sweep.jobs import collect_jobs
from bankruptcy.sweep.leaderboard import build_leaderboard
from bankruptcy.sweep.render import to_markdown
from tests.sweep.fakes import make_job, metrics

SHARED = "experiment=polish_benchmark"


def _grid(sweep):
    make_job(sweep, "0", [SHARED, "model=logistic", "sampler=none"], metrics(0.30, brier=0.04))
    make_job(sweep, "1", [SHARED, "model=svm", "sampler=none"], metrics(0.50, brier=0.06))
    make_job(sweep, "2", [SHARED, "model=logistic", "sampler=smote"], error="ValueError: C<0")
    make_job(sweep, "10", [SHARED, "model=svm", "sampler=smote"], metrics(0.40, brier=0.05))


def test_ranks_successes_by_objective_and_lists_failures_last(tmp_path):
    _grid(tmp_path)
    board = build_leaderboard(tmp_path)
    table = board.table
    assert board.objective == "cv/pr_auc" and board.maximize
    assert list(table["job"]) == ["1", "10", "0", "2"]
    assert list(table["rank"].iloc[:3]) == [1, 2, 3] and pd.isna(table["rank"].iloc[3])
    failed = table.iloc[3]
    assert failed["status"] == "failed" and failed["error"] == "ValueError: C<0"
    assert pd.isna(failed["cv/pr_auc"])
    assert board.params == ["model", "sampler"]
    assert board.fixed == {"experiment": "polish_benchmark"}
    assert list(table.columns[:6]) == ["rank", "status", "job", "model", "sampler", "cv/pr_auc"]
    assert board.best["job"] == "1" and board.counts == {"ok": 3, "failed": 1}


def test_lower_is_better_metric_sorts_ascending(tmp_path):
    _grid(tmp_path)
    board = build_leaderboard(tmp_path, objective="cv/brier")
    assert not board.maximize
    assert list(board.ok["job"]) == ["0", "10", "1"]


@pytest.mark.parametrize(
    "objective",
    ["cv/type1_error", "cv/type2_error", "cv/brier", "cv/log_loss", "test/type1_error@threshold"],
)
def test_every_lower_is_better_metric_ranks_the_lowest_value_first(tmp_path, objective):
    values = {"0": 0.30, "1": 0.10, "2": 0.20}
    for job, value in values.items():
        make_job(tmp_path, job, [f"model=m{job}"], {objective: value, "cv/pr_auc": 0.5})
    board = build_leaderboard(tmp_path, objective=objective)
    assert not board.maximize
    assert list(board.ok["job"]) == ["1", "2", "0"]
    assert "lower is better" in to_markdown(board)


def test_sweeper_direction_from_multirun_yaml_wins(tmp_path):
    _grid(tmp_path)
    cfg = {"objective": "cv/roc_auc", "hydra": {"sweeper": {"direction": "minimize"}}}
    (tmp_path / "multirun.yaml").write_text(yaml.safe_dump(cfg))
    board = build_leaderboard(tmp_path)
    assert board.objective == "cv/roc_auc" and not board.maximize
    assert board.best["job"] == "0"


def test_rerun_of_same_overrides_appears_once_with_its_success(tmp_path):
    job = [SHARED, "model=svm", "sampler=none"]
    make_job(tmp_path, "0", list(reversed(job)), error="RuntimeError: killed", finished=1.0)
    make_job(tmp_path / "archive", "0-later", job, metrics(0.45), finished=2.0)
    jobs = collect_jobs(tmp_path)
    assert len(jobs) == 1 and jobs[0].status == "ok"
    assert jobs[0].path == tmp_path / "archive" / "0-later"


def test_killed_and_unrecorded_jobs_are_incomplete_not_missing(tmp_path):
    make_job(tmp_path, "0", ["model=svm"], record=False)  # killed before writing anything
    make_job(tmp_path, "1", ["model=dummy"], metrics(0.1), record=False)  # ran without guard
    job = make_job(tmp_path, "2", ["model=logistic"], metrics(0.2))
    (job / "metrics.json").unlink()  # claims ok but its metrics are gone
    make_job(tmp_path, "_best", ["model=dummy"], metrics(0.9))  # reserved dir: not a sweep job
    table = build_leaderboard(tmp_path).table.set_index("job")
    assert dict(table["status"]) == {"1": "ok", "0": "incomplete", "2": "incomplete"}
    assert table.loc["2", "error"] == "metrics.json missing"


def test_empty_sweep_gives_empty_table(tmp_path):
    board = build_leaderboard(tmp_path)
    assert board.table.empty and board.best is None
