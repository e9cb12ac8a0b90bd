"""Real jobs whose packages state calibrated PDs, and a sweep that says which jobs are tied."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bankruptcy.evaluation.pd_validation import CALIBRATION_STATISTICS, wilson_interval
from bankruptcy.experiment.job import JobInfo, run_job
from bankruptcy.experiment.outputs import FOLDS_FILE, METRICS_FILE, PACKAGE_DIR, PREDICTIONS_FILE
from bankruptcy.serving.package import ModelPackage
from tests.conftest import compose_config
from tests.helpers import NO_ANALYSES, run_cli, run_sweep

pytestmark = pytest.mark.slow


def test_the_smote_package_states_the_observed_bankrupt_rate(data_dir, tmp_path):
    """SMOTE trains on a 50 % bankrupt balance; the package's PDs still state the real one.

    Before calibration maps this package's test rows averaged a PD of 0.170 against an observed
    rate of 0.038 (with ``calibration=sigmoid`` too: that wrapper saw the resampled rows).
    """
    out = tmp_path / "job"
    done = run_cli(
        "bankruptcy.run", "dataset=polish", "dataset.year=1", "model=logistic", "sampler=smote",
        f"paths.data_dir={data_dir}", "logger=none", *NO_ANALYSES, f"hydra.run.dir={out}",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    predictions = pd.read_csv(out / PREDICTIONS_FILE)
    y = predictions["y_true"].to_numpy()
    low, high = wilson_interval(y.sum(), len(y))
    assert low <= predictions["p_bankrupt"].mean() <= high
    assert predictions["score"].mean() > 2 * high  # the model's own, resampled-balance scores
    metrics = json.loads((out / METRICS_FILE).read_text())
    new = ["gini", "ece", *CALIBRATION_STATISTICS]
    assert all(np.isfinite(metrics[f"{stage}/{k}"]) for stage in ("cv", "test") for k in new)
    assert metrics["test/gini"] == pytest.approx(2 * metrics["test/roc_auc"] - 1)
    assert 0.8 <= metrics["cv/calibration_slope"] <= 1.2
    package = ModelPackage.load(out / PACKAGE_DIR)
    assert package.manifest["model"]["calibrated"] and package.output_column == "p_bankrupt"
    assert package.bands.elevated_from == pytest.approx(package.manifest["data"]["base_rate"])


def test_a_score_only_model_gets_a_pd_package(data_dir, tmp_path):
    """The SVM gives a decision function only; its package still answers with PDs."""
    overrides = [f"paths.data_dir={data_dir}", "dataset=qualitative", "model=svm"]
    overrides += ["preprocess=plain", "protocol.n_splits=3", "logger=none", *NO_ANALYSES]
    metrics = run_job(compose_config(overrides), JobInfo(tmp_path / "svm"))
    package = ModelPackage.load(tmp_path / "svm" / PACKAGE_DIR)
    assert package.manifest["model"]["raw_score_kind"] == "decision"
    assert package.output_column == "p_bankrupt" and package.manifest["model"]["calibrated"]
    assert 0 <= metrics["test/brier"] < 0.25 and np.isfinite(metrics["test/ece"])
    predictions = pd.read_csv(tmp_path / "svm" / PREDICTIONS_FILE)
    assert predictions["p_bankrupt"].between(0, 1).all() and (predictions["score"] < 0).any()


def test_repeated_cv_records_every_fold_and_counts_each_row_once(data_dir, tmp_path):
    overrides = [f"paths.data_dir={data_dir}", "dataset=qualitative", "model=logistic"]
    overrides += ["protocol.n_splits=3", "protocol.n_repeats=2", "logger=none", *NO_ANALYSES]
    metrics = run_job(compose_config(overrides), JobInfo(tmp_path / "job"))
    folds = json.loads((tmp_path / "job" / FOLDS_FILE).read_text())
    assert len(folds["metrics"]["roc_auc"]) == 6 and len(folds["fit_rows"]) == 6
    assert np.mean(folds["metrics"]["roc_auc"]) == pytest.approx(metrics["cv/roc_auc"])
    package = json.loads((tmp_path / "job" / PACKAGE_DIR / "package.json").read_text())
    n = package["data"]["train_rows"]
    bankrupt = round(package["data"]["base_rate"] * n)
    low, high = wilson_interval(bankrupt, n)  # each training row once, not once per round
    assert (metrics["cv/observed_rate_ci_low"], metrics["cv/observed_rate_ci_high"]) == (
        pytest.approx(low),
        pytest.approx(high),
    )


def test_a_sweeps_leaderboard_marks_the_jobs_tied_with_the_best(data_dir, tmp_path):
    """Two scalers in front of a logistic regression rank alike; a constant model does not."""
    sweep = tmp_path / "sweep"
    run_sweep(
        sweep, data_dir, "dataset=polish", "dataset.year=1", "model=logistic,dummy",
        "preprocess/scaler=robust,standard", "objective=cv/roc_auc", "logger=none",
    )  # fmt: skip
    board = pd.read_csv(sweep / "leaderboard.csv")
    assert list(board["model"]) == ["logistic", "logistic", "dummy", "dummy"]
    assert board["tied_with_best"].tolist() == [True, True, False, False]
    assert np.isnan(board.loc[0, "pvalue_vs_best"]) and board.loc[1, "pvalue_vs_best"] >= 0.05
    assert (board.loc[2:, "pvalue_vs_best"] < 0.05).all()
    assert "| yes |" in (sweep / "leaderboard.md").read_text()
