"""run_analyses: threshold from training scores only, CI / threshold / extra-metric keys, plots."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hydra.utils import instantiate

from bankruptcy.evaluation.analysis import choose_threshold, run_analyses
from bankruptcy.evaluation.experiment import run_experiment
from bankruptcy.evaluation.metrics import METRICS
from bankruptcy.pipeline.build import build_pipeline
from bankruptcy.tracking.base import NullTracker

FAST = ["bootstrap.n_resamples=200", "interpret=none", "logger=none"]


@pytest.fixture
def qualitative(compose):
    """Logistic regression on the Qualitative Bankruptcy data (small, real, fast)."""
    cfg = compose(["dataset=qualitative", "model=logistic", "protocol.n_splits=3", *FAST])
    dataset = instantiate(cfg.dataset, _convert_="all")
    split = instantiate(cfg.protocol).split(dataset)
    result = run_experiment(dataset, build_pipeline(cfg), split, cfg.metrics.names)
    return cfg, result


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
    np.testing.assert_array_equal(y_seen, result.y_train)
    np.testing.assert_array_equal(scores_seen, result.oof_scores)
    assert not np.isin(scores_seen, result.test_scores).all()


@pytest.mark.parametrize("option", ["f1", "cost", "recall"])
def test_permuting_test_labels_leaves_the_threshold_unchanged(
    qualitative, compose, tmp_path, option
):
    _, result = qualitative
    cfg = compose(["dataset=qualitative", f"threshold={option}", "plots=none", *FAST])
    first = run_analyses(result, cfg, tmp_path / "a", NullTracker())
    y = result.dataset.y.copy()
    test = result.split.test
    y.iloc[test] = np.random.default_rng(0).permutation(y.iloc[test].to_numpy())
    assert (y.iloc[test] != result.dataset.y.iloc[test]).any()
    result.dataset.y = y
    second = run_analyses(result, cfg, tmp_path / "b", NullTracker())
    assert second["threshold"] == first["threshold"]
    # the test metrics did see the new labels
    assert second["test/f1@threshold"] != first["test/f1@threshold"]


def test_analysis_keys_and_intervals(qualitative, tmp_path):
    cfg, result = qualitative
    out = run_analyses(result, cfg, tmp_path, NullTracker())
    names = list(cfg.metrics.names)
    assert out["threshold_default"] == 0.5
    labels = [n for n in names if METRICS[n].needs == "label"]
    assert {f"test/{n}@threshold" for n in labels} <= set(out)
    for name in names:
        low, high = out[f"test/{name}_ci_low"], out[f"test/{name}_ci_high"]
        assert low <= result.metrics[f"test/{name}"] <= high, name
    for name in labels:
        assert out[f"test/{name}@threshold_ci_low"] <= out[f"test/{name}@threshold"]
        assert out[f"test/{name}@threshold"] <= out[f"test/{name}@threshold_ci_high"]
    # the extra metrics are consistent with the base ones
    assert result.metrics["test/type1_error"] == pytest.approx(1 - result.metrics["test/recall"])
    assert {p.name for p in (tmp_path / "plots").iterdir()} == {
        f"{k}.png" for k in ("roc", "pr", "confusion", "calibration", "scores", "threshold")
    }


@pytest.mark.slow
def test_job_on_polish_year1_writes_intervals_threshold_extra_metrics_and_plots(compose, tmp_path):
    """A whole job on real data (small model, 3 folds, interpretation cut down), W&B offline."""
    from bankruptcy.job import JobInfo, run_job
    from bankruptcy.tracking import read_offline_run, wandb_run_dirs

    cfg = compose(
        [
            "dataset.year=1",
            "model.max_iter=60",
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
    metrics = json.loads(Path(out / "metrics.json").read_text())
    for name in ("roc_auc", "pr_auc", "g_mean", "ks", "log_loss", "recall_at_fpr5"):
        point = metrics[f"test/{name}"]
        assert metrics[f"test/{name}_ci_low"] <= point <= metrics[f"test/{name}_ci_high"], name
        assert metrics[f"test/{name}_ci_high"] - metrics[f"test/{name}_ci_low"] > 0
    assert 0 < metrics["threshold"] < 1 and not math.isnan(metrics["test/f1@threshold"])
    # F1-optimal threshold on training scores should not do worse than 0.5 by much on test
    assert metrics["test/f1@threshold"] > metrics["test/f1"] - 0.1
    pngs = {p.stem for p in (out / "plots").glob("*.png")}
    assert pngs >= {"roc", "pr", "confusion", "calibration", "scores", "threshold"}
    assert pngs >= {"permutation_importance", "shap_summary", "company_factors"}

    (run_dir,) = wandb_run_dirs(out)
    run = read_offline_run(run_dir)
    logged = {key: value for row in run["history"] for key, value in row.items()}
    for image in ("plots/roc", "plots/confusion", "plots/shap_summary"):
        assert logged[f"{image}/_type"] == "image-file", image
    assert logged["interpret/company_factors/_type"] == "table-file"
    assert logged["interpret/company_factors/nrows"] == 5 * 5  # companies x factors
    assert run["summary"]["test/pr_auc_ci_low"] == pytest.approx(metrics["test/pr_auc_ci_low"])


def test_decision_score_model_uses_its_own_rule_and_skips_probability_analyses(compose, tmp_path):
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
    dataset = instantiate(cfg.dataset, _convert_="all")
    split = instantiate(cfg.protocol).split(dataset)
    result = run_experiment(dataset, build_pipeline(cfg), split, cfg.metrics.names)
    assert result.score_kind == "decision"
    out = run_analyses(result, cfg, tmp_path, NullTracker())
    assert out["threshold_default"] == 0.0
    assert "test/roc_auc_ci_low" in out and "test/brier_ci_low" not in out
    assert not (tmp_path / "plots" / "calibration.png").exists()
    factors = (tmp_path / "interpret" / "company_factors.csv").read_text()
    assert "Risk" in factors or "risk" in factors  # qualitative ratings are the factors
