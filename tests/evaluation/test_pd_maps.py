"""Calibration maps and PD statistics: mechanics on synthetic scores (data-free, fast)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import expit, logit
from scipy.stats import binomtest, ttest_rel
from scipy.stats import t as student_t

from bankruptcy.core.errors import UserError
from bankruptcy.evaluation.calibration import (
    BetaCalibration,
    IsotonicCalibration,
    NoCalibration,
    PlattCalibration,
    apply_map,
    cross_fit,
)
from bankruptcy.evaluation.metrics import ScoreKind, expected_calibration_error
from bankruptcy.evaluation.pd_validation import (
    calibration_statistics,
    expected_vs_observed,
    wilson_interval,
)
from bankruptcy.evaluation.significance import corrected_resampled_ttest
from bankruptcy.experiment.builder import build_calibration

MAPS = [PlattCalibration(), BetaCalibration(), IsotonicCalibration()]


def distorted(n: int = 20_000, seed: int = 0):
    """Scores whose true PD is sigmoid(0.5 logit(s) - 1): overconfident and too high."""
    rng = np.random.default_rng(seed)
    s = expit(rng.normal(-2.0, 2.5, n))
    y = (rng.random(n) < expit(0.5 * logit(s) - 1.0)).astype(int)
    return s, y


@pytest.mark.parametrize("calibrator", MAPS, ids=lambda c: c.method)
def test_a_map_is_monotone_json_data_that_reproduces_its_pds(calibrator):
    s, y = distorted()
    fitted = calibrator.fit(s, y)
    grid = np.sort(np.r_[s[:2000], 0.0, 1.0, 1e-300])
    pd = fitted.predict(grid)
    assert ((0 <= pd) & (pd <= 1)).all() and (np.diff(pd) >= -1e-12).all()
    spec = json.loads(json.dumps(fitted.to_dict()))  # what package.json holds
    np.testing.assert_array_equal(apply_map(spec, grid), pd)


@pytest.mark.parametrize("calibrator", MAPS, ids=lambda c: c.method)
def test_a_map_makes_distorted_scores_calibrated(calibrator):
    s, y = distorted(seed=0)
    fitted = calibrator.fit(s, y)
    s_new, y_new = distorted(seed=1)  # fresh rows from the same distortion
    raw_gap = abs(s_new.mean() - y_new.mean())
    gap = abs(fitted.predict(s_new).mean() - y_new.mean())
    assert raw_gap > 0.05 and gap < 0.005
    assert expected_calibration_error(y_new, fitted.predict(s_new)) < 0.01
    assert expected_calibration_error(y_new, s_new) > 0.05


def test_platt_and_beta_recover_the_distortion_they_can_express():
    s, y = distorted(200_000)
    platt = PlattCalibration(smoothing=False).fit(s, y).to_dict()
    assert platt["coef"][0] == pytest.approx(0.5, abs=0.02)
    assert platt["intercept"] == pytest.approx(-1.0, abs=0.03)
    beta = BetaCalibration().fit(s, y).to_dict()  # logit = log s - log(1 - s): a = b = 0.5
    assert beta["coef"] == pytest.approx([0.5, -0.5], abs=0.03)


def test_decision_scores_get_pds_and_keep_their_order():
    rng = np.random.default_rng(3)
    x = rng.normal(0, 2, 20_000)  # a decision function's values, not probabilities
    y = (rng.random(x.size) < expit(1.5 * x - 3)).astype(int)
    for calibrator in (PlattCalibration(smoothing=False), BetaCalibration()):
        fitted = calibrator.fit(x, y, ScoreKind.DECISION)
        assert fitted.output_kind(ScoreKind.DECISION) is ScoreKind.PROBA
        pd = fitted.predict(np.sort(x))
        assert (np.diff(pd) >= 0).all() and pd.mean() == pytest.approx(y.mean(), abs=0.005)
    spec = PlattCalibration(smoothing=False).fit(x, y, "decision").to_dict()
    assert spec["input"] == "decision" and spec["coef"][0] == pytest.approx(1.5, abs=0.06)


def test_no_calibration_keeps_scores_and_their_kind():
    x = np.array([-2.0, 0.5, 3.0])
    fitted = NoCalibration().fit(x, np.array([0, 1, 1]), ScoreKind.DECISION)
    assert fitted.output_kind(ScoreKind.DECISION) is ScoreKind.DECISION
    np.testing.assert_array_equal(fitted.predict(x), x)
    assert fitted.to_dict()["form"] == "identity"


def test_isotonic_map_ties_no_scores_inside_its_range():
    s, y = distorted()
    fitted = IsotonicCalibration().fit(s, y)
    spec = fitted.to_dict()
    inside = np.sort(s[(logit(s) > spec["x"][0]) & (logit(s) < spec["x"][-1])])
    assert len(np.unique(fitted.predict(inside))) == len(np.unique(inside))


def test_cross_fitted_pds_of_a_fold_do_not_depend_on_its_labels():
    rng = np.random.default_rng(4)
    rows = rng.permutation(3000)
    folds = [rows[k::3] for k in range(3)]
    s = expit(rng.normal(-2, 2, 3000))
    y = (rng.random(3000) < s).astype(int)
    parts = [(f, s[f], y[f]) for f in folds]
    before = cross_fit(BetaCalibration(), parts, ScoreKind.PROBA)
    flipped = [(f, sc, 1 - lab) if k == 0 else (f, sc, lab) for k, (f, sc, lab) in enumerate(parts)]
    after = cross_fit(BetaCalibration(), flipped, ScoreKind.PROBA)
    np.testing.assert_array_equal(before[0], after[0])  # fold 0's own labels never used
    assert not np.allclose(before[1], after[1])  # fold 1's map did use fold 0's labels


def test_cross_fitting_over_repeated_folds_skips_other_rounds_of_the_same_rows():
    rng = np.random.default_rng(5)
    first, second = rng.permutation(2000), rng.permutation(2000)
    folds = [first[:1000], first[1000:], second[:1000], second[1000:]]
    s = expit(rng.normal(-2, 2, 2000))
    y = (rng.random(2000) < s).astype(int)
    parts = [(f, s[f], y[f]) for f in folds]
    pds = cross_fit(PlattCalibration(), parts, ScoreKind.PROBA)
    # fold 0's map is the one fitted on fold 1 alone: the second round overlaps fold 0
    alone = PlattCalibration().fit(s[folds[1]], y[folds[1]]).predict(s[folds[0]])
    np.testing.assert_array_equal(pds[0], alone)


def test_calibration_statistics_tell_calibrated_from_overconfident_pds():
    rng = np.random.default_rng(6)
    p = expit(rng.normal(-3.5, 1.5, 50_000))
    y = (rng.random(p.size) < p).astype(int)
    good = calibration_statistics(y, p)
    assert good["calibration_slope"] == pytest.approx(1, abs=0.05)
    assert good["calibration_intercept"] == pytest.approx(0, abs=0.05)
    assert good["observed_rate_ci_low"] <= good["mean_pd"] <= good["observed_rate_ci_high"]
    assert good["calibration_pvalue"] > 0.01 and good["mean_pd_pvalue"] > 0.01
    extreme = calibration_statistics(y, expit(2 * logit(p) + 1))  # too extreme and too high
    assert extreme["calibration_slope"] == pytest.approx(0.5, abs=0.03)
    assert extreme["calibration_pvalue"] < 1e-6 and extreme["mean_pd_pvalue"] < 1e-6


def test_wilson_interval_is_scipys():
    low, high = wilson_interval(7, 180)
    expected = binomtest(7, 180).proportion_ci(0.95, method="wilson")
    assert (low, high) == pytest.approx((expected.low, expected.high), rel=1e-9)


def test_expected_vs_observed_counts_each_group():
    y = np.array([0, 1, 0, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.1, 0.5, 0.6, 0.9])
    bands = np.array(["low", "low", "low", "high", "high", "high"])
    table = expected_vs_observed(y, p, bands, ["low", "elevated", "high"])
    assert [t["rows"] for t in table] == [3, 0, 3]
    assert table[0]["expected"] == pytest.approx(0.4) and table[0]["observed"] == 1
    assert table[2]["observed_rate"] == pytest.approx(2 / 3) and "mean_pd" not in table[1]


def test_ece_is_the_share_weighted_gap_per_bin():
    p = np.array([0.05, 0.05, 0.05, 0.05, 0.55, 0.55])
    y = np.array([0, 0, 0, 1, 1, 1])
    # bin [0, 0.1): 4 rows, mean PD 0.05 vs rate 0.25; bin [0.5, 0.6): 2 rows, 0.55 vs 1
    assert expected_calibration_error(y, p) == pytest.approx((4 * 0.2 + 2 * 0.45) / 6)


def test_corrected_resampled_ttest_is_stricter_than_the_naive_paired_test():
    rng = np.random.default_rng(7)
    a = 0.95 + rng.normal(0, 0.01, 25)
    b = a - 0.004 + rng.normal(0, 0.004, 25)
    corrected = corrected_resampled_ttest(a, b, test_to_train=1 / 4)
    naive = ttest_rel(a, b).pvalue
    assert naive < 0.01 < corrected
    d = a - b
    t = d.mean() / np.sqrt((1 / 25 + 1 / 4) * d.var(ddof=1))
    assert corrected == pytest.approx(2 * student_t.sf(abs(t), 24))
    assert corrected_resampled_ttest(a, a, 0.25) == 1.0
    assert np.isnan(corrected_resampled_ttest(a[:1], b[:1], 0.25))


def test_calibration_options_are_checked_before_any_data(make_config):
    with pytest.raises(UserError, match=r"calibration\.monotone=3"):
        build_calibration(make_config(["calibration=beta", "calibration.monotone=3"]).calibration)
    with pytest.raises(UserError, match=r"calibration=beta\|sigmoid\|isotonic\|none"):
        build_calibration({"_target_": "sklearn.linear_model.LogisticRegression"})


def test_a_config_written_before_calibration_maps_gets_the_map_it_asked_for():
    """A champion's saved config (retrained) named the old wrapper or the identity function."""
    wrapper = {"_target_": "sklearn.calibration.CalibratedClassifierCV", "cv": 3}
    assert isinstance(build_calibration({**wrapper, "method": "sigmoid"}), PlattCalibration)
    assert isinstance(build_calibration({**wrapper, "method": "isotonic"}), IsotonicCalibration)
    old_none = {"_target_": "bankruptcy.evaluation.calibration.uncalibrated"}
    assert isinstance(build_calibration(old_none), NoCalibration)
