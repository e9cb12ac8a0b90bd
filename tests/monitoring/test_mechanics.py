"""Mechanics on synthetic data: each measure agrees with its definition or SciPy's twin."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from bankruptcy.core.jsonable import json_ready
from bankruptcy.evaluation.bootstrap import BATCH_METRICS, Bootstrap
from bankruptcy.monitoring import estimate_performance, monitor, to_json, write_html
from bankruptcy.monitoring.compare import compared, versus_reference
from bankruptcy.monitoring.drift import categorical_column, column_kinds
from bankruptcy.monitoring.estimate import NOT_CALIBRATED, expected_metrics, reference_estimate
from bankruptcy.monitoring.gate import delong
from bankruptcy.monitoring.measures import (
    holm,
    ks_test_pvalue,
    ks_test_statistic,
    psi,
    robust_scale,
    wasserstein_effect,
)
from bankruptcy.monitoring.quality import missingness_pvalues, out_of_range


def heavy(n: int, seed: int, shift: float = 0.0) -> np.ndarray:
    """Student-t(1.5) values rounded to 2 decimals: heavy tails and ties, like the ratios."""
    return np.round(stats.t.rvs(1.5, size=n, random_state=seed) + shift, 2)


@pytest.mark.parametrize(("n", "m"), [(5000, 200), (5000, 2000), (300, 40)])
def test_ks_agrees_with_scipy(n, m):
    a, b = np.sort(heavy(n, 1)), np.sort(heavy(m, 2, shift=0.2))
    statistic = ks_test_statistic(a, b)
    exact = stats.ks_2samp(a, b, method="exact")
    assert statistic == pytest.approx(exact.statistic)
    # the limiting law is conservative: p-values at most ~15 % above the exact ones
    assert exact.pvalue <= ks_test_pvalue(a, b, statistic) <= 1.15 * exact.pvalue + 1e-12


def test_holm_adjusts_step_down_and_skips_untested():
    adjusted = holm([0.01, np.nan, 0.04, 0.03, 0.5])
    # sorted 0.01, 0.03, 0.04, 0.5 -> 4*0.01, 3*0.03, max(2*0.04, .09), max(0.5, .09)
    assert adjusted == pytest.approx([0.04, np.nan, 0.09, 0.09, 0.5], nan_ok=True)


def test_psi_is_zero_for_equal_shares_and_large_for_a_shift():
    a = heavy(5000, 3)
    assert psi(a, a) == pytest.approx(0.0)
    assert psi(a, heavy(2000, 4)) < 0.05
    assert psi(a, heavy(2000, 4, shift=2.0)) > 0.25


def test_psi_keeps_a_repeated_value_in_its_own_bin():
    a = np.r_[np.zeros(4000), np.arange(1, 1001)]  # 80 % zeros collapse eight deciles
    b = np.r_[np.zeros(500), np.arange(1, 1501)]
    assert psi(a, a) == pytest.approx(0.0)
    assert psi(a, b) > 1


def test_robust_scale_and_wasserstein_measure_a_pure_shift_in_sd_units():
    a = np.random.default_rng(5).normal(size=20000)
    assert robust_scale(a) == pytest.approx(1.0, abs=0.03)
    b = np.random.default_rng(6).normal(size=20000) + 0.3
    assert wasserstein_effect(a, b, robust_scale(a)) == pytest.approx(0.3, abs=0.04)


def test_robust_scale_falls_back_when_most_values_are_equal():
    a = np.r_[np.zeros(700), np.linspace(1, 10, 300)]
    assert robust_scale(a) > 0
    assert np.isnan(robust_scale(np.ones(50)))


def test_column_kinds_from_reference():
    frame = pd.DataFrame(
        {"ratio": np.linspace(0, 1, 50), "flag": [0, 1] * 25, "grade": list("PAN" * 16) + ["P"] * 2}
    )
    kinds = {"ratio": "numeric", "flag": "categorical", "grade": "categorical"}
    assert column_kinds(frame) == kinds


def test_chi_squared_flags_a_changed_mix_and_pools_unseen_categories():
    reference = pd.Series(list("PAN") * 200)
    same = categorical_column(reference, pd.Series(list("PAN") * 50))
    assert same["pvalue"] == pytest.approx(1.0)
    changed = categorical_column(reference, pd.Series(list("PPPAN") * 30 + ["X"] * 5))
    assert changed["pvalue"] < 1e-4
    assert changed["psi"] > 0.1


def test_missingness_test_and_out_of_range_share():
    p = missingness_pvalues(np.array([0, 100]), 1000, np.array([0, 200]), 200)
    assert p[0] == 1.0 and p[1] < 1e-10
    share, pvalue = out_of_range(pd.Series(np.arange(1000.0)), pd.Series([-1.0, 5, 2000, 7]))
    assert share == 0.5 and pvalue < 1e-4


def test_delong_auc_and_variance():
    rng = np.random.default_rng(7)
    y = (rng.random(3000) < 0.06).astype(int)
    base = rng.normal(size=3000) + 1.5 * y
    a, b = np.round(base + rng.normal(size=3000), 1), base + 0.5 * rng.normal(size=3000)
    auc, cov = delong(y, np.vstack([a, b]))
    assert auc == pytest.approx([roc_auc_score(y, a), roc_auc_score(y, b)])
    # the paired difference's sd against a stratified bootstrap's (same seed: same resamples)
    draws = [
        Bootstrap(1000, seed=3).distributions(y, s, y, {"auc": BATCH_METRICS["roc_auc"]})["auc"]
        for s in (a, b)
    ]
    se = np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert se == pytest.approx(np.std(draws[1] - draws[0]), rel=0.1)


def test_estimate_needs_calibrated_probabilities():
    assert estimate_performance(np.full(100, 0.1), 0.5, calibrated=False) == {
        "status": NOT_CALIBRATED
    }


def test_estimate_matches_labels_drawn_from_the_probabilities():
    rng = np.random.default_rng(8)
    p = rng.beta(0.5, 8, 1000)
    estimate = estimate_performance(p, 0.2, calibrated=True, n_draws=400, seed=1)
    draws = [roc_auc_score(rng.random(1000) < p, p) for _ in range(300)]
    auc = estimate["metrics"]["roc_auc"]
    assert auc["value"] == pytest.approx(np.mean(draws), abs=0.005)
    assert auc["low"] == pytest.approx(np.percentile(draws, 2.5), abs=0.02)
    flagged = p >= 0.2
    assert estimate["metrics"]["precision"]["value"] == pytest.approx(p[flagged].mean(), abs=0.01)
    assert estimate["expected_confusion"]["tp"] == pytest.approx(p[flagged].sum())


def test_the_expected_roc_auc_counts_each_pair_by_its_expected_share():
    """CBPE's ROC-AUC: pairs (i, j) with s_i > s_j weigh p_i (1 - p_j), ties half (a row's
    pair with itself included, as the expected ROC curve has it)."""
    p = np.random.default_rng(3).choice([0.02, 0.1, 0.3, 0.7], size=40)
    above = (p[:, None] > p[None, :]) + 0.5 * (p[:, None] == p[None, :])
    pairs = p[:, None] * (1 - p[None, :])
    expected = expected_metrics(p, 0.3)
    assert expected["roc_auc"][0] == pytest.approx((pairs * above).sum() / pairs.sum())
    assert expected["precision"][0] == pytest.approx(p[p >= 0.3].mean())
    assert expected["recall"][0] == pytest.approx(p[p >= 0.3].sum() / p.sum())
    assert np.isnan(expected_metrics(p, 0.9)["precision"][0])  # nothing flagged


def test_resampled_estimates_spread_like_the_estimate_over_fresh_samples():
    rng = np.random.default_rng(4)
    fresh = [expected_metrics(rng.beta(0.5, 8, 800), 0.2)["roc_auc"][0] for _ in range(200)]
    resampled = expected_metrics(rng.beta(0.5, 8, 800), 0.2, n_resamples=400, seed=1)
    assert np.std(resampled["roc_auc"]) == pytest.approx(np.std(fresh), rel=0.25)


def test_an_estimate_is_judged_against_the_same_estimate_on_the_reference_rows():
    rng = np.random.default_rng(5)
    p = rng.beta(0.5, 8, 1500)
    reference = reference_estimate(p, 0.2, 1000, seed=7)
    same = estimate_performance(p, 0.2, True, reference)
    auc = same["metrics"]["roc_auc"]
    assert auc["reference"] == auc["value"] and auc["difference"] == 0
    assert auc["no_change_low"] < 0 < auc["no_change_high"]
    assert same["verdict"] == "no change" and same["comparison_confidence"] == 1 - 0.05 / 4
    # companies nearer the middle: harder to rank and to flag correctly
    harder = estimate_performance(np.clip(p, 0.05, 0.5), 0.2, True, reference)
    assert harder["verdict"] == "worse" and harder["metrics"]["roc_auc"]["change"] == "worse"


def test_the_no_change_range_is_that_of_windows_of_the_window_size():
    """Windows of 200 rows vary more than windows of 1,500: the range widens; it comes from
    the pooled rows, so a window without spread of its own (identical rows) has one too."""
    p = np.random.default_rng(5).beta(0.5, 8, 1500)
    reference = reference_estimate(p, 0.2, 1000, seed=7)
    small = estimate_performance(p[:200], 0.2, True, reference)["metrics"]["roc_auc"]
    large = estimate_performance(p, 0.2, True, reference)["metrics"]["roc_auc"]
    width = {k: f["no_change_high"] - f["no_change_low"] for k, f in (("s", small), ("l", large))}
    assert width["s"] > 1.8 * width["l"]
    flat = estimate_performance(np.full(200, 0.3), 0.2, True, reference)["metrics"]["precision"]
    assert flat["no_change_high"] - flat["no_change_low"] > 0.02


def test_the_verdict_widens_each_interval_for_the_metrics_compared():
    rng = np.random.default_rng(6)
    draws = {m: rng.normal(size=1000) for m in ("roc_auc", "brier")}
    # roc_auc 2.1 sd better: outside a 95 % interval (1.96 sd), inside the 97.5 % one (2.24)
    values = {"roc_auc": 2.1, "brier": 0.0}

    def comparison(name, each):
        return versus_reference(name, values[name] + draws[name], values[name], zero, 0.0, each)

    zero = np.zeros(1000)
    metrics = {m: {"value": values[m]} for m in draws}
    assert compared(metrics, comparison, ["roc_auc"], 0.95)["verdict"] == "better"
    both = compared(metrics, comparison, ["roc_auc", "brier"], 0.95)
    assert both["verdict"] == "no change" and both["comparison_confidence"] == 0.975
    # lower is better for the Brier score: a higher one is worse
    values["brier"] = 3.5
    brier = compared(metrics, comparison, ["roc_auc", "brier"], 0.95)["metrics"]["brier"]
    assert brier["change"] == "worse"


def test_json_ready_gives_strict_json():
    value = {"a": np.float64("nan"), "b": [np.int64(3), np.inf], "c": np.bool_(True), 1: None}
    assert json_ready(value) == {"a": None, "b": [3, None], "c": True, "1": None}
    assert json.loads(to_json(value)) == {"a": None, "b": [3, None], "c": True, "1": None}


@pytest.fixture
def small_window():
    """Synthetic reference/current frames with a numeric, a flag and a gappy column."""
    rng = np.random.default_rng(9)

    def frame(n, shift):
        return pd.DataFrame(
            {
                "ratio": heavy(n, int(rng.integers(1000)), shift),
                "flag": rng.integers(0, 2, n),
                "gappy": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
            }
        )

    reference, current = frame(600, 0.0), frame(300, 1.0)
    return reference, current, rng.beta(1, 9, 400), rng.beta(1, 9, 300)


def test_report_is_strict_json_and_the_page_is_self_contained(small_window, tmp_path):
    reference, current, ref_scores, cur_scores = small_window
    report = monitor(reference, current, ref_scores, cur_scores, 0.3, calibrated=True)
    json.loads(to_json(report))  # no NaN literal, only JSON types
    assert report["drift"]["columns"] == ["ratio"]
    assert set(report["columns"]) == {"ratio", "flag", "gappy"}
    page = write_html(report, tmp_path / "monitor.html", reference, current, ref_scores, cur_scores)
    text = page.read_text()
    assert text.count("data:image/png;base64,") >= 3
    assert "http://" not in text and "https://" not in text
    for anchor in ("summary", "feature-drift", "scores", "quality", "performance"):
        assert f'id="{anchor}"' in text
