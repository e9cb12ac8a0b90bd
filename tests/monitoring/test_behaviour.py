"""Behaviour on real Polish data: drift found where planted, not where absent; estimates
close to realized metrics and judged against the same estimate on the test rows; the gate
tells a better model from a seed twin."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from bankruptcy.monitoring import monitor, promotion_gate
from tests.monitoring.conftest import calibrated_model, robust_sd, scores

WINDOW = 1500
SHIFTED = ["Attr1", "Attr3", "Attr9", "Attr13", "Attr21", "Attr29", "Attr40", "Attr55"]


def window(package):
    """1,500 unseen rows (the package's test rows are the other 527)."""
    return package.unseen.iloc[:WINDOW].copy()


def monitor_window(package, current):
    """The report on `current`; the package's test rows are the 527 unseen rows after it."""
    test_rows = package.unseen.iloc[WINDOW:]
    return monitor(
        package.reference,
        current,
        package.scores(test_rows),
        package.scores(current),
        package.threshold,
        calibrated=True,
    )


def test_rows_from_the_training_distribution_raise_no_drift(package):
    report = monitor_window(package, window(package))
    assert report["drift"]["dataset"] is False
    assert report["drift"]["columns"] == []
    assert report["drift"]["multivariate"]["drift"] is False
    assert report["scores"]["ks_pvalue"] > 0.05


def test_eight_shifted_ratios_are_found(package):
    current = window(package)
    for name in SHIFTED:
        current[name] += 0.5 * robust_sd(package.reference[name])
    report = monitor_window(package, current)
    assert report["drift"]["dataset"] is True
    assert set(SHIFTED) <= set(report["drift"]["columns"])
    for name in SHIFTED:
        assert report["columns"][name]["wasserstein"] == pytest.approx(0.5, abs=0.15)


def test_a_correlation_change_is_caught_by_the_multivariate_test_only(package):
    """Attr1 (net profit / total assets) shuffled among the window's rows: every column keeps
    exactly its values, only their pairing with the other ratios changes."""
    current = window(package)
    current["Attr1"] = np.random.default_rng(1).permutation(current["Attr1"].to_numpy())
    report = monitor_window(package, current)
    assert report["drift"]["columns"] == []
    assert report["drift"]["multivariate"]["drift"] is True
    assert report["drift"]["multivariate"]["roc_auc"] > 0.6
    assert report["drift"]["dataset"] is True


def test_label_free_estimate_is_close_to_the_realized_auc(package):
    """On the 2,027 unseen rows (82 bankrupt) of a calibrated model, the CBPE estimate of
    ROC-AUC lies within 0.02 of the realized value and the realized value in its band."""
    probabilities = package.scores(package.unseen)
    report = monitor(
        package.reference,
        package.unseen,
        probabilities,
        probabilities,
        package.threshold,
        calibrated=True,
        labels=package.unseen_y,
    )
    estimated = report["performance"]["estimated"]["metrics"]["roc_auc"]
    realized = roc_auc_score(package.unseen_y, probabilities)
    assert report["performance"]["realized"]["metrics"]["roc_auc"]["value"] == pytest.approx(
        realized
    )
    assert estimated["value"] == pytest.approx(realized, abs=0.02)
    assert estimated["low"] <= realized <= estimated["high"]


def test_on_its_own_test_rows_the_monitor_reports_no_change(package):
    """The issue's case: the label-free estimate was judged against the realized ROC-AUC of
    the test rows and called them worse than themselves. Like with like: the estimate
    against the same estimate on the test rows, realized against realized."""
    p = package.scores(package.unseen)
    report = monitor(
        package.reference,
        package.unseen,
        p,
        p,
        package.threshold,
        calibrated=True,
        reference_labels=package.unseen_y,
        labels=package.unseen_y,
    )
    performance = report["performance"]
    estimated, realized = performance["estimated"], performance["realized"]
    auc = estimated["metrics"]["roc_auc"]
    assert auc["reference"] == performance["reference_estimated"]["metrics"]["roc_auc"]["value"]
    assert auc["difference"] == 0 and auc["no_change_low"] < 0 < auc["no_change_high"]
    assert estimated["verdict"] == realized["verdict"] == "no change"
    assert realized["metrics"]["roc_auc"]["reference"] == realized["metrics"]["roc_auc"]["value"]


@pytest.fixture(scope="module")
def year5(data_dir, package):
    """2,000 Polish year-5 companies (bankruptcy within a year; the model learned year 1,
    within five years), with the year-1 model's probabilities and their outcome."""
    from bankruptcy.data.polish import load_polish

    data = load_polish(5, data_dir=data_dir)
    rows = np.random.default_rng(0).choice(len(data.y), 2000, replace=False)
    X = data.X.iloc[rows].reset_index(drop=True)
    return X, package.scores(X), data.y.to_numpy()[rows]


def test_year_five_companies_scored_by_a_year_one_model_are_reported_worse(package, year5):
    """Without labels the drop shows in the expected precision (more companies flagged, with
    lower PDs); with labels in the calibration: year-5 companies fail more often than their
    year-1 PDs say."""
    X, p, y = year5
    test_p = package.scores(package.unseen)
    report = monitor(
        package.reference,
        X,
        test_p,
        p,
        package.threshold,
        calibrated=True,
        reference_labels=package.unseen_y,
        labels=y,
    )
    estimated, realized = report["performance"]["estimated"], report["performance"]["realized"]
    assert estimated["verdict"] == "worse"
    assert estimated["metrics"]["precision"]["change"] == "worse"
    assert realized["verdict"] == "worse"
    assert realized["metrics"]["brier"]["change"] == "worse"


def test_gate_promotes_a_clearly_better_challenger(package, polish):
    X, y = polish
    train = X.index[: len(package.reference)]
    weak = LogisticRegression(max_iter=1000).fit(
        X.loc[train, ["Attr1", "Attr2"]].fillna(0), y[: len(train)]
    )
    champion = weak.predict_proba(package.unseen[["Attr1", "Attr2"]].fillna(0))[:, 1]
    record = promotion_gate(package.unseen_y, champion, package.scores(package.unseen))
    assert record["promoted"] is True
    assert record["p_value"] < 0.05
    assert record["difference"]["roc_auc"]["value"] > 0.1


def test_gate_refuses_a_seed_twin(package, polish):
    X, y = polish
    twin = calibrated_model(package.reference, y[: len(package.reference)], seed=1)
    record = promotion_gate(
        package.unseen_y, package.scores(package.unseen), scores(twin, package.unseen)
    )
    assert record["promoted"] is False
    assert record["reason"].startswith("kept champion")
    assert record["champion"]["roc_auc"] != record["challenger"]["roc_auc"]  # the seed mattered
