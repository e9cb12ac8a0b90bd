"""Analyses: threshold from training scores only, CI / threshold / extra-metric keys, figures."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from bankruptcy.evaluation.analysis import choose_threshold
from bankruptcy.evaluation.experiment import run_experiment
from bankruptcy.evaluation.metrics import ScoreKind, label_metrics
from bankruptcy.experiment.builder import build_analyses, build_experiment
from bankruptcy.experiment.outputs import METRICS_FILE

FAST = ["bootstrap.n_resamples=200", "interpret=none", "logger=none"]
FIGURES = {"roc", "pr", "confusion", "calibration", "scores", "threshold"}


def experiment(cfg):
    """Build `cfg`'s experiment and run its protocol; return (analyses, result)."""
    exp = build_experiment(cfg)
    result = run_experiment(exp.dataset, exp.pipeline, exp.split, exp.analyses.metric_names)
    return exp.analyses, result


@pytest.fixture
def qualitative(compose):
    """Logistic regression on the Qualitative Bankruptcy data (small, real, fast)."""
    return experiment(
        compose(["dataset=qualitative", "model=logistic", "protocol.n_splits=3", *FAST])
    )


class SpySelector:
    """Records what a threshold selector is shown."""

    def select(self, y, scores, score_kind="proba"):
        self.seen = (np.asarray(y).copy(), np.asarray(scores).copy())
        return 0.42


def test_threshold_selector_sees_out_of_fold_training_scores_only(qualitative):
    _, result = qualitative
    spy = SpySelector()
    assert choose_threshold(spy, result) == 0.42
    y_seen, scores_seen = spy.seen
    # every training row once (its fold's validation score), never a test row
    np.testing.assert_array_equal(np.sort(result.oof_rows), result.split.train)
    np.testing.assert_array_equal(y_seen, result.oof_y)
    np.testing.assert_array_equal(scores_seen, result.oof_scores)
    assert not np.isin(scores_seen, result.test_scores).all()


@pytest.mark.parametrize("option", ["f1", "cost", "recall"])
def test_permuting_test_labels_leaves_the_threshold_unchanged(qualitative, make_config, option):
    _, result = qualitative
    analyses = build_analyses(make_config([f"threshold={option}", "plots=none", *FAST]))
    first = analyses.run(result).metrics
    y = result.dataset.y.copy()
    test = result.split.test
    y.iloc[test] = np.random.default_rng(0).permutation(y.iloc[test].to_numpy())
    assert (y.iloc[test] != result.dataset.y.iloc[test]).any()
    result.dataset.y = y
    second = analyses.run(result).metrics
    assert second["threshold"] == first["threshold"]
    # the test metrics did see the new labels
    assert second["test/f1@threshold"] != first["test/f1@threshold"]


def test_analysis_keys_intervals_and_figures(qualitative):
    analyses, result = qualitative
    found = analyses.run(result)
    out = found.metrics
    names = analyses.metric_names
    assert out["threshold_default"] == 0.5
    labels = label_metrics(names)
    assert {f"test/{n}@threshold" for n in labels} <= set(out)
    for name in names:
        low, high = out[f"test/{name}_ci_low"], out[f"test/{name}_ci_high"]
        assert low <= result.metrics[f"test/{name}"] <= high, name
    for name in labels:
        assert out[f"test/{name}@threshold_ci_low"] <= out[f"test/{name}@threshold"]
        assert out[f"test/{name}@threshold"] <= out[f"test/{name}@threshold_ci_high"]
    assert set(found.figures) == FIGURES and not found.tables


@pytest.mark.slow
def test_job_on_polish_year1_writes_intervals_threshold_extra_metrics_and_plots(compose, tmp_path):
    """A whole job on real data (small model, 3 folds, interpretation cut down), W&B offline."""
    from bankruptcy.experiment.job import JobInfo, run_job
    from bankruptcy.experiment.outputs import PLOTS_DIR
    from tests.wandb_offline import read_offline_run, wandb_run_dirs

    cfg = compose(
        [
            "dataset.year=1",
            "model.n_estimators=50",
            "protocol.n_splits=3",
            "logger=wandb",
            "bootstrap.n_resamples=300",
            "interpret.n_repeats=1",
            "interpret.shap_rows=200",
            "interpret.pdp_features=1",
            "interpret.pdp_rows=100",
        ]
    )
    out = tmp_path / "job"
    run_job(cfg, JobInfo(output_dir=out))
    metrics = json.loads((out / METRICS_FILE).read_text())
    for name in ("roc_auc", "pr_auc", "g_mean", "ks", "log_loss", "recall_at_fpr5"):
        point = metrics[f"test/{name}"]
        assert metrics[f"test/{name}_ci_low"] <= point <= metrics[f"test/{name}_ci_high"], name
        assert metrics[f"test/{name}_ci_high"] - metrics[f"test/{name}_ci_low"] > 0
    assert 0 < metrics["threshold"] < 1 and not math.isnan(metrics["test/f1@threshold"])
    # F1-optimal threshold on training scores should not do worse than 0.5 by much on test
    assert metrics["test/f1@threshold"] > metrics["test/f1"] - 0.1
    pngs = {p.stem for p in (out / PLOTS_DIR).glob("*.png")}
    assert pngs >= FIGURES
    assert pngs >= {"permutation_importance", "shap_summary", "company_factors"}

    (run_dir,) = wandb_run_dirs(out)
    run = read_offline_run(run_dir)
    logged = {key: value for row in run["history"] for key, value in row.items()}
    for image in ("plots/roc", "plots/confusion", "plots/shap_summary"):
        assert logged[f"{image}/_type"] == "image-file", image
    assert logged["interpret/company_factors/_type"] == "table-file"
    assert logged["interpret/company_factors/nrows"] == 5 * 5  # companies x factors
    assert run["summary"]["test/pr_auc_ci_low"] == pytest.approx(metrics["test/pr_auc_ci_low"])


def test_decision_score_model_uses_its_own_rule_and_skips_probability_analyses(compose):
    """An SVM without probabilities: default threshold 0, no Brier CI, no calibration plot."""
    cfg = compose(
        [
            "dataset=qualitative",
            "model=svm",
            "protocol.n_splits=3",
            "bootstrap.n_resamples=100",
            "logger=none",
            "interpret.n_repeats=1",
            "interpret.agnostic_rows=5",
            "interpret.background_rows=20",
            "interpret.pdp_features=1",
        ]
    )
    analyses, result = experiment(cfg)
    assert result.score_kind is ScoreKind.DECISION
    found = analyses.run(result)
    out = found.metrics
    assert out["threshold_default"] == 0.0
    assert "test/roc_auc_ci_low" in out and "test/brier_ci_low" not in out
    assert set(found.figures) >= FIGURES - {"calibration"} and "calibration" not in found.figures
    factors = found.tables["company_factors"].to_csv()
    assert "Risk" in factors or "risk" in factors  # qualitative ratings are the factors
