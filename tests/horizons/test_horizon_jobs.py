"""Real term-structure jobs on the American firm-years: per-horizon keys and PDs that never fall,
the same pd_<h>y from predict (both runtimes) and the service, a monitor that waits for labels
to mature."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bankruptcy.experiment.job import JobInfo, run_job
from bankruptcy.experiment.outputs import METRICS_FILE, PACKAGE_DIR, PREDICTIONS_FILE
from bankruptcy.monitoring.production import monitor_window
from bankruptcy.serving.batch import score_file
from bankruptcy.serving.onnx_export import export, session
from bankruptcy.serving.onnx_runtime import OnnxScorer
from bankruptcy.serving.package import ModelPackage
from tests.conftest import compose_config
from tests.helpers import NO_ANALYSES

pytestmark = pytest.mark.slow

PD = [f"pd_{h}y" for h in range(1, 6)]


@pytest.fixture(scope="module")
def term_job(data_dir, tmp_path_factory):
    """A small term structure: LightGBM of 40 trees as the hazard learner, panel features."""
    out = tmp_path_factory.mktemp("term")
    overrides = [
        f"paths.data_dir={data_dir}",
        "dataset=american",
        "dataset.file=american_bankruptcy_partial.csv",
        "protocol=temporal",
        "target=term_structure",
        "model.n_estimators=40",
        "model.num_leaves=15",
        "model.min_child_samples=50",
        "logger=none",
        *NO_ANALYSES,
    ]
    run_job(compose_config(overrides), JobInfo(out))
    return out


@pytest.fixture(scope="module")
def panel_file(data_dir, tmp_path_factory):
    """Every statement of the firms with a test statement (their history comes with them)."""
    frame = pd.read_csv(data_dir / "american" / "american_bankruptcy_partial.csv")
    firms = set(frame.loc[frame["year"] >= 2015, "company_name"])
    path = tmp_path_factory.mktemp("panel") / "firms.csv"
    frame[frame["company_name"].isin(firms)].to_csv(path)  # the index: the data file's row
    return path


def test_every_observed_horizon_has_its_keys_and_pds_never_fall(term_job):
    metrics = json.loads((term_job / METRICS_FILE).read_text())
    predictions = pd.read_csv(term_job / PREDICTIONS_FILE)
    # test years 2015-2018: windows of up to 3 years close by 2018
    for h in (1, 2, 3):
        assert 0.75 < metrics[f"test/roc_auc_{h}y"] <= 1
        assert metrics[f"test/rows_{h}y"] > 0
        assert 0 <= metrics[f"test/km_rate_{h}y"] <= 1
    assert "test/roc_auc_4y" not in metrics and np.isfinite(metrics["test/ibs"])
    assert metrics["test/roc_auc_1y"] == pytest.approx(metrics["test/roc_auc"])
    assert (np.diff(predictions[PD].to_numpy(), axis=1) >= 0).all()
    np.testing.assert_allclose(predictions["p_bankrupt"], predictions["pd_1y"], rtol=0, atol=1e-15)
    manifest = json.loads((term_job / PACKAGE_DIR / "package.json").read_text())
    assert manifest["horizons"]["years"] == [1, 2, 3, 4, 5]
    assert "years_ahead" not in [f["name"] for f in manifest["contract"]["features"]]


def test_predict_builds_the_history_and_reproduces_the_jobs_pds(term_job, panel_file, tmp_path):
    package = ModelPackage.load(term_job / PACKAGE_DIR)
    out = tmp_path / "scored.csv"
    score_file(package, panel_file, out, progress=False)
    scored = pd.read_csv(out).set_index("Unnamed: 0")
    job = pd.read_csv(term_job / PREDICTIONS_FILE).set_index("row")
    np.testing.assert_allclose(scored.loc[job.index, PD], job[PD], rtol=0, atol=1e-12)


def test_the_onnx_export_answers_every_horizon(term_job, panel_file, tmp_path):
    package = ModelPackage.load(term_job / PACKAGE_DIR)
    exported = export(package)
    assert exported.max_abs_diff <= 1e-5
    rows = package.with_history(pd.read_csv(panel_file, index_col=0), "firms.csv")
    X = package.contract.check(rows).X
    expected = package.horizon_pds(X)
    scorer = OnnxScorer(session(exported.model))
    np.testing.assert_allclose(scorer.horizon_pds(X), expected, rtol=0, atol=1e-5)
    assert scorer.horizons == PD


def test_the_service_answers_pd_by_horizon(term_job):
    from fastapi.testclient import TestClient

    from bankruptcy.serving.service import Settings, create_app

    package = ModelPackage.load(term_job / PACKAGE_DIR)
    reference, _ = package.reference()
    rows = reference.head(5)
    client = TestClient(create_app(Settings(model=str(term_job), log_dir=None)))
    body = {"rows": json.loads(rows.to_json(orient="records"))}
    answer = client.post("/v1/predict", json=body)
    assert answer.status_code == 200, answer.text
    served = pd.DataFrame(answer.json()["predictions"])
    np.testing.assert_allclose(served[PD], package.horizon_pds(rows), rtol=0, atol=1e-12)


def test_the_monitor_measures_each_horizon_once_its_labels_matured(term_job, data_dir, tmp_path):
    frame = pd.read_csv(data_dir / "american" / "american_bankruptcy_partial.csv")
    window = tmp_path / "window.csv"
    frame[frame["year"] >= 2014].to_csv(window, index=False)
    report = monitor_window(str(term_job), window, tmp_path / "mon", "status_label", logger="none")
    rows = {r["years"]: r for r in report["performance"]["by_horizon"]}
    metrics = json.loads((term_job / METRICS_FILE).read_text())
    # the window's statements of 2015-2017 are the job's test rows of the 1-year horizon
    assert rows[1]["rows"] > metrics["test/rows_1y"]  # 2014 matured too
    assert rows[4]["rows"] > 0 and rows[5]["rows"] == 0  # 2014 + 4 = 2018: the last year
    assert all(0 <= r["mean_pd"] <= 1 for r in rows.values() if "mean_pd" in r)


def test_the_page_draws_a_firms_pd_curve(term_job, tmp_path):
    from tests.serving.test_page import served_page

    package = ModelPackage.load(term_job / PACKAGE_DIR)
    reference, _ = package.reference()
    row = reference.iloc[0]
    with served_page(str(term_job), tmp_path / "log") as (page, errors, _):
        page.wait_for_selector("#fields input")
        for name, value in row.items():
            page.fill(f"#f-{name}", "" if pd.isna(value) else repr(float(value)))
        page.click("#score")
        page.wait_for_selector("#pd-curve")
        assert page.locator("#pd-curve circle").count() == 5
        titles = page.locator("#pd-curve title").all_text_contents()  # "2 y: 0.01234"
        shown = [float(t.split(": ")[1]) for t in titles]
        expected = package.horizon_pds(reference.iloc[[0]])[0]
        np.testing.assert_allclose(shown, expected, rtol=1e-3)
        page.screenshot(path=str(tmp_path / "curve.png"), full_page=True)
        assert errors == []


def test_recourse_plans_leave_a_firms_past_alone_and_reproduce_their_pd(
    term_job, panel_file, tmp_path
):
    from bankruptcy.recourse.engine import Recourser
    from bankruptcy.serving.batch import recourse_file

    package = ModelPackage.load(term_job / PACKAGE_DIR)
    frame = pd.read_csv(panel_file, index_col=0)
    firms = frame["company_name"].drop_duplicates().head(150)
    few = tmp_path / "few.csv"
    frame[frame["company_name"].isin(firms)].to_csv(few, index=False)
    recourser = Recourser(package)
    out = tmp_path / "plans.csv"
    counts = recourse_file(recourser, few, out, progress=False)
    plans = pd.read_csv(out)
    made = plans[plans["status"] == "plan"]
    assert counts["plan"] > 0 and len(made) > 0
    past = set(package.contract.names) - set(package.statement_columns)
    assert "years_reported" in past and "X1_lag1" in past
    assert all(not set(json.loads(c)) & past for c in made["changes"])
    # the plans' rows (the firm's past as it was) scored again give the PD after
    X = package.contract.check(made[package.contract.names]).X
    np.testing.assert_allclose(package.scores(X), made["p_bankrupt_after"], rtol=0, atol=1e-9)
    assert (made["p_bankrupt_after"] < recourser.target).all()
    card = (term_job / PACKAGE_DIR / "MODEL_CARD.md").read_text()
    assert "X1_lag1" in card.split("## Recourse plans")[1].split("One-way")[0]
