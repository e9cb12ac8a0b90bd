"""The leaderboard's paired test of every job against the best one on the same CV folds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from bankruptcy.evaluation.significance import corrected_resampled_ttest
from bankruptcy.sweep.leaderboard import build_leaderboard
from bankruptcy.sweep.render import to_markdown, write_all
from tests.sweep.fakes import make_job

rng = np.random.default_rng(0)
BEST = 0.95 + rng.normal(0, 0.02, 10)  # 5 folds x 2 rounds
CLOSE = BEST - 0.002 + rng.normal(0, 0.003, 10)
FAR = BEST - 0.05 + rng.normal(0, 0.003, 10)


def job(sweep, name, values, folds_id="A", write_folds=True):
    values = np.asarray(values)
    metrics = {"cv/roc_auc": float(values.mean()), "cv/roc_auc_std": float(values.std())}
    path = make_job(sweep, name, [f"model={name}"], metrics)
    if write_folds:
        record = {
            "folds_id": folds_id,
            "fit_rows": [4496] * len(values),
            "validation_rows": [1125] * len(values),
            "metrics": {"roc_auc": values.tolist()},
        }
        (path / "folds.json").write_text(json.dumps(record))
    return path


def sweep_of(tmp_path):
    job(tmp_path, "best", BEST)
    job(tmp_path, "close", CLOSE)
    job(tmp_path, "far", FAR)
    job(tmp_path, "elsewhere", CLOSE, folds_id="B")  # other folds: not comparable
    job(tmp_path, "old", CLOSE, write_folds=False)  # written before folds.json existed
    make_job(tmp_path, "broken", ["model=broken"], error="ValueError: no")
    return build_leaderboard(tmp_path, objective="cv/roc_auc")


def test_jobs_on_the_best_jobs_folds_are_tested_and_marked_tied_or_not(tmp_path):
    table = sweep_of(tmp_path).table.set_index("job")
    assert pd.isna(table.at["best", "pvalue_vs_best"]) and table.at["best", "tied_with_best"]
    expected = corrected_resampled_ttest(BEST, CLOSE, 1125 / 4496)
    assert table.at["close", "pvalue_vs_best"] == expected and expected > 0.05
    assert table.at["close", "tied_with_best"]
    assert table.at["far", "pvalue_vs_best"] < 0.05 and not table.at["far", "tied_with_best"]
    for name in ("elsewhere", "old", "broken"):
        assert pd.isna(table.at[name, "pvalue_vs_best"]) and pd.isna(
            table.at[name, "tied_with_best"]
        )


def test_the_columns_follow_the_objective_in_every_format(tmp_path):
    board = sweep_of(tmp_path)
    columns = list(board.table.columns)
    at = columns.index("cv/roc_auc_std")
    assert columns[at + 1 : at + 3] == ["pvalue_vs_best", "tied_with_best"]
    paths = write_all(board)
    saved = pd.read_csv(paths["csv"]).set_index("job")
    assert saved.at["far", "tied_with_best"] == False  # noqa: E712 (a CSV's False)
    assert pd.isna(saved.at["old", "tied_with_best"])
    rows = {line.split("|")[3].strip(): line for line in to_markdown(board).splitlines()[4:]}
    assert "| yes |" in rows["close"] and "| no |" in rows["far"]
    assert "tied_with_best" in paths["html"].read_text()


def test_a_test_objective_is_not_tested(tmp_path):
    job(tmp_path, "a", BEST)
    job(tmp_path, "b", FAR)
    for name in ("a", "b"):
        path = tmp_path / name / "metrics.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "test/roc_auc": 0.9}))
    table = build_leaderboard(tmp_path, objective="test/roc_auc").table
    assert table["pvalue_vs_best"].isna().all() and table["tied_with_best"].isna().all()
