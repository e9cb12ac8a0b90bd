"""The default job's package states calibrated PDs: its map, its card, the monitor's estimate."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from bankruptcy.data.polish import load_polish
from bankruptcy.evaluation.calibration import apply_map
from bankruptcy.evaluation.metrics import positive_scores
from bankruptcy.experiment.job import JobInfo, run_job
from bankruptcy.experiment.outputs import PACKAGE_DIR, PREDICTIONS_FILE
from bankruptcy.serving.package import ModelPackage
from tests.conftest import compose_config
from tests.helpers import NO_ANALYSES, run_cli


@pytest.fixture(scope="module")
def package(job_dir) -> ModelPackage:
    return ModelPackage.load(job_dir / PACKAGE_DIR)


@pytest.fixture(scope="module")
def test_X(job_dir, data_dir) -> pd.DataFrame:
    rows = pd.read_csv(job_dir / PREDICTIONS_FILE)["row"]
    return load_polish(5, data_dir=data_dir).X.loc[rows]


def test_the_package_applies_its_plain_data_map_to_the_models_scores(package, job_dir, test_X):
    spec = package.manifest["model"]["calibration"]
    assert spec["method"] == "beta" and spec["form"] == "logistic"
    assert package.manifest["model"]["raw_score_kind"] == "proba"
    predictions = pd.read_csv(job_dir / PREDICTIONS_FILE)
    raw = positive_scores(package.pipeline, test_X)[0]
    np.testing.assert_allclose(raw, predictions["score"], atol=1e-12)  # the model's own
    pd_ = package.scores(test_X)
    np.testing.assert_allclose(pd_, apply_map(spec, raw), atol=0)
    np.testing.assert_allclose(pd_, predictions["p_bankrupt"], atol=1e-12)
    assert np.abs(pd_ - raw).max() > 0.01  # the map changed them


def test_the_card_compares_expected_and_observed_bankruptcies_per_band(package, job_dir):
    manifest = package.manifest
    bands = manifest["calibration"]["test_by_band"]
    predictions = pd.read_csv(job_dir / PREDICTIONS_FILE)
    assert [b["group"] for b in bands] == ["low", "elevated", "high"]
    assert sum(b["rows"] for b in bands) == manifest["data"]["test_rows"]
    assert sum(b["observed"] for b in bands) == predictions["y_true"].sum()
    assert sum(b["expected"] for b in bands) == pytest.approx(predictions["p_bankrupt"].sum())
    fitted = manifest["calibration"]["fitted_on"]
    assert fitted["rows"] == manifest["data"]["train_rows"] and fitted["folds"] == 3
    card = (job_dir / PACKAGE_DIR / "MODEL_CARD.md").read_text()
    section = card.split("## Calibration", 1)[1].split("## Top risk factors", 1)[0]
    assert "`beta` calibration map" in section and f"{fitted['rows']:,} training rows" in section
    high = bands[2]
    assert (
        f"| high | {high['rows']:,} | {high['mean_pd']:.4f} | {high['expected']:.1f} |" in section
    )
    assert f"{manifest['metrics']['test/calibration_slope']:.4f}" in section


@pytest.fixture(scope="module")
def default_job(data_dir, tmp_path_factory):
    """The default experiment on Polish year 5 (analyses off): the default model's package."""
    out = tmp_path_factory.mktemp("default") / "polish5"
    overrides = [f"paths.data_dir={data_dir}", "dataset.year=5", "logger=none", *NO_ANALYSES]
    run_job(compose_config(overrides), JobInfo(out, name="default"))
    return out


@pytest.mark.slow
def test_monitor_estimates_the_roc_auc_of_held_out_rows_before_their_labels(
    default_job, data_dir, tmp_path
):
    """The default model's package gets a label-free estimate, close to the realized ROC-AUC
    on its hold-out rows (trained on by no model, calibrated on by no map)."""
    predictions = pd.read_csv(default_job / PREDICTIONS_FILE)
    window = load_polish(5, data_dir=data_dir).X.loc[predictions["row"]]
    window.assign(bankrupt=predictions["y_true"].to_numpy()).to_csv(tmp_path / "w.csv", index=False)
    out = tmp_path / "monitor"
    done = run_cli(
        "bankruptcy.monitor", str(default_job), str(tmp_path / "w.csv"),
        "--labels", "bankrupt", "--logger", "none", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    figures = {
        stage: float(re.search(rf"{stage} ROC-AUC (\d\.\d+)", done.stdout).group(1))
        for stage in ("Estimated", "Realized")
    }
    assert abs(figures["Estimated"] - figures["Realized"]) <= 0.03, done.stdout
    report = json.loads((out / "monitor.json").read_text())
    realized = report["performance"]["realized"]
    assert realized["calibration"]["calibration_slope"] > 0
    assert "ece" in realized["metrics"] and "Realized calibration: mean PD" in done.stdout
