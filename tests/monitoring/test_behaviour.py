"""Behaviour on real Polish data: drift found where planted, not where absent; estimates
close to realized metrics; the gate tells a better model from a seed twin."""

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
