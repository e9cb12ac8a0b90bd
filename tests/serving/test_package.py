"""A job's model package: manifest, card, reference statistics, and a refused tampered file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bankruptcy.experiment.outputs import METRICS_FILE, PACKAGE_DIR, PREDICTIONS_FILE
from bankruptcy.serving.package import REFERENCE_ROWS, ModelPackage
from bankruptcy.serving.trusted import UntrustedModel


def test_the_job_writes_a_package_that_scores_like_the_job(job_dir, test_rows):
    package = ModelPackage.load(job_dir / PACKAGE_DIR)
    metrics = json.loads((job_dir / METRICS_FILE).read_text())
    predictions = pd.read_csv(job_dir / PREDICTIONS_FILE)
    rows = pd.read_csv(test_rows)
    checked = package.contract.check(rows)
    assert not checked.problems and package.contract.names == [f"Attr{i}" for i in range(1, 65)]
    np.testing.assert_allclose(package.scores(checked.X), predictions["p_bankrupt"], atol=1e-12)
    assert package.threshold == metrics["threshold"] and package.output_column == "p_bankrupt"
    out = package.predict(checked)
    assert list(out.columns) == ["company", "p_bankrupt", "decision", "risk_band", "warnings"]
    assert (out["decision"] == (out["p_bankrupt"] >= metrics["threshold"])).all()
    assert set(out["risk_band"]) <= {"low", "elevated", "high"}
    assert (out.loc[out["decision"] == 1, "risk_band"] == "high").all()


def test_manifest_holds_contract_decision_data_metrics_and_provenance(job_dir):
    manifest = json.loads((job_dir / PACKAGE_DIR / "package.json").read_text())
    bands = manifest["decision"]["bands"]
    assert [b["name"] for b in bands] == ["low", "elevated", "high"]
    assert bands[1]["from"] == pytest.approx(manifest["data"]["base_rate"])  # below threshold
    assert bands[2]["from"] == manifest["decision"]["threshold"] > bands[1]["from"]
    assert manifest["data"]["train_rows"] + manifest["data"]["test_rows"] == 5910
    assert manifest["metrics"]["test/roc_auc_ci_low"] < manifest["metrics"]["test/roc_auc"]
    assert manifest["model"]["score_kind"] == "proba" and manifest["model"]["calibrated"] is True
    assert len(manifest["git"]["commit"]) == 40 and manifest["versions"]["scikit-learn"]
    assert manifest["config"]["dataset"]["year"] == 5
    factors = manifest["risk_factors"]
    assert factors and all(f["feature"].startswith("Attr") for f in factors)


def test_card_states_data_metrics_with_intervals_threshold_and_limits(job_dir):
    card = (job_dir / PACKAGE_DIR / "MODEL_CARD.md").read_text()
    manifest = json.loads((job_dir / PACKAGE_DIR / "package.json").read_text())
    low = manifest["metrics"]["test/roc_auc_ci_low"]
    assert "## Intended use and limits" in card and "polish_year5" in card
    assert f"{low:.3f}" in card  # the hold-out interval
    assert f"{manifest['decision']['threshold']:.4g}" in card
    assert manifest["risk_factors"][0]["description"] in card
    assert manifest["git"]["commit"][:12] in card


def test_reference_statistics_are_training_rows_and_the_test_scores(job_dir):
    package = ModelPackage.load(job_dir / PACKAGE_DIR)
    features, scores = package.reference()
    assert list(features.columns) == package.contract.names
    assert len(features) == min(REFERENCE_ROWS, package.manifest["data"]["train_rows"])
    predictions = pd.read_csv(job_dir / PREDICTIONS_FILE)
    np.testing.assert_array_equal(scores["score"], predictions["score"])
    np.testing.assert_array_equal(scores["y_true"], predictions["y_true"])


def test_a_modified_package_is_refused(job_dir, tmp_path):
    import shutil

    copy = tmp_path / "package"
    shutil.copytree(job_dir / PACKAGE_DIR, copy)
    model = copy / "model.skops"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(UntrustedModel, match="refused.*modified"):
        ModelPackage.load(copy)
