"""An EBM package end to end on real Polish data: the job's metrics and shape tables, exact
explanations in predict and serve, an edited package whose shape changed and whose card records
it (registered as a challenger), and the ONNX export's parity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from scipy.special import expit

from bankruptcy.evaluation.calibration import apply_map
from bankruptcy.experiment.job import JobInfo, run_job
from bankruptcy.serving.batch import score_file
from bankruptcy.serving.package import ModelPackage
from bankruptcy.serving.service import Settings, create_app
from tests.conftest import compose_config

pytestmark = pytest.mark.slow

# small but real: fewer rounds, folds and pairs; the shapes are written whatever the analyses
JOB = [
    "dataset=polish",
    "dataset.year=1",
    "model=ebm",
    "model.max_rounds=200",
    "model.interactions=4",
    "protocol.n_splits=3",
    "logger=none",
    "interpret=none",
    "plots=none",
    "bootstrap=none",
]
# CV ROC-AUC of this small EBM on Polish year 1, measured 0.87 (the full model: ~0.95)
FLOOR = 0.82


@pytest.fixture(scope="module")
def ebm_job(data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("ebm") / "job"
    metrics = run_job(compose_config([f"paths.data_dir={data_dir}", *JOB]), JobInfo(out))
    return out, metrics


@pytest.fixture(scope="module")
def package(ebm_job):
    return ModelPackage.load(ebm_job[0] / "package")


@pytest.fixture(scope="module")
def rows(ebm_job, data_dir, package):
    """60 of the job's test rows, as a user sends them (contract columns, raw values)."""
    from bankruptcy.data.polish import load_polish

    test = pd.read_csv(ebm_job[0] / "predictions.csv")["row"]
    X = load_polish(1, data_dir=data_dir).X.loc[test]
    return X[package.contract.names].iloc[:60].reset_index(drop=True)


def test_the_job_reaches_the_floor_and_writes_the_shapes(ebm_job, package):
    out, metrics = ebm_job
    assert metrics["cv/roc_auc"] >= FLOOR
    assert metrics["ebm/n_terms"] == 64 + 4 and metrics["ebm/n_interactions"] == 4
    terms = pd.read_csv(out / "interpret" / "ebm_terms.csv")
    model = package.pipeline[-1]
    assert list(terms.columns[:3]) == ["term", "meaning", "bin"]
    assert set(terms["term"]) == set(model.term_names_)
    assert terms["std_error"].notna().mean() > 0.9  # two outer bags: standard errors
    importance = pd.read_csv(out / "interpret" / "ebm_importance.csv")
    assert importance["importance"].is_monotonic_decreasing
    top = importance["term"].iloc[0]
    assert (out / "plots" / "ebm_importance.png").is_file()
    assert (out / "plots" / f"ebm_{top.replace(' & ', '_x_')}.png").is_file()
    card = (out / "package" / "MODEL_CARD.md").read_text()
    assert "## Shapes (Explainable Boosting Machine)" in card and f"| {top} |" in card
    assert package.manifest["shapes"]["summary"]


def test_predict_explains_each_row_with_its_exact_terms(package, rows, tmp_path):
    rows.to_csv(tmp_path / "rows.csv", index=False)
    score_file(package, tmp_path / "rows.csv", tmp_path / "out.csv", explain=3, progress=False)
    out = pd.read_csv(tmp_path / "out.csv")
    model = package.pipeline[-1]
    inputs = package.model_rows(rows)
    terms = model.contributions(inputs)
    # the terms add up to the model's log-odds, which the calibration map turns into the PD
    logit = model.intercept_ + terms.sum(axis=1).to_numpy()
    np.testing.assert_allclose(logit, model.decision_function(inputs), atol=1e-9, rtol=0)
    pd_ = apply_map(package.calibration, expit(logit))
    np.testing.assert_allclose(out["p_bankrupt"], pd_, atol=1e-12)
    for k in (1, 2, 3):
        term = out[f"factor_{k}"].str.split(": ").str[0]
        found = [terms.at[i, t] for i, t in enumerate(term)]
        np.testing.assert_allclose(out[f"factor_{k}_logit"], found, atol=1e-12)
    largest = terms.to_numpy().max(axis=1)
    np.testing.assert_allclose(out["factor_1_logit"], largest, atol=1e-12)
    bins = model.term_bins(inputs)
    first = out["factor_1"].str.split(": ").str[0]
    assert list(out["factor_1_bin"]) == [bins.at[i, t] for i, t in enumerate(first)]
    main = [i for i, t in enumerate(first) if " & " not in t]
    values = [inputs.at[i, first[i]] for i in main]
    shown = out["factor_1_value"].iloc[main].replace("missing", np.nan).astype(float)
    np.testing.assert_allclose(shown, values, rtol=1e-5)


def test_the_service_answers_the_same_explanations(ebm_job, package, rows):
    settings = Settings(model=str(ebm_job[0]), log_dir=None, reload_seconds=0)
    body = {"rows": rows.iloc[:5].astype(object).where(rows.iloc[:5].notna(), None)
            .to_dict("records"), "explain": 4}  # fmt: skip
    with TestClient(create_app(settings)) as client:
        answer = client.post("/v1/predict", json=body).json()
    model = package.pipeline[-1]
    terms = model.contributions(package.model_rows(rows.iloc[:5]))
    for i, prediction in enumerate(answer["predictions"]):
        factors = prediction["factors"]
        assert len(factors) == 4 and set(factors[0]) == {"feature", "logit", "value", "bin"}
        names = [f["feature"].split(": ")[0] for f in factors]
        assert [f["logit"] for f in factors] == pytest.approx(
            [terms.at[i, n] for n in names], abs=1e-12
        )
        assert factors[0]["logit"] >= factors[-1]["logit"]
    assert [p["p_bankrupt"] for p in answer["predictions"]] == pytest.approx(
        package.scores(rows.iloc[:5]), abs=1e-12
    )


def test_the_service_scores_arrays_as_the_pipeline_scores_frames(package, rows):
    """An EBM reads column names only when it fits: the serving hot path hands it arrays
    (pandas' checks cost more than the model for one row), with the same PDs."""
    assert package._array_pipeline is not None
    by_frame = package.model_scores(package.model_rows(rows))
    for batch in (rows.iloc[:1], rows):
        np.testing.assert_array_equal(package.scores(batch), by_frame[: len(batch)])


def test_an_edited_package_changes_the_shape_and_records_the_edit(
    ebm_job, package, rows, tmp_path, registry_db, capsys
):
    from bankruptcy.cli.edit import main
    from bankruptcy.serving.registry import open_model

    model = package.pipeline[-1]
    feature = next(t for t in model.term_importances().index if " & " not in t)
    free = model.term_table().query("term == @feature and low == low")["score"].to_numpy()
    rising = np.diff(free) > 0
    assert rising.any() and (~rising).any()  # the learned shape goes both ways
    direction = "increasing" if rising.mean() > 0.5 else "decreasing"
    out = tmp_path / "edited"
    code = main([str(ebm_job[0]), str(out), f"--monotone={feature}={direction}",
                 "--drop=Attr5", "--register=polish-ebm"])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0 and f"monotone {feature}" in printed and "@challenger" in printed
    edited = open_model("models:/polish-ebm@challenger")
    shape = edited.pipeline[-1].term_table().query("term == @feature and low == low")["score"]
    steps = np.diff(shape.to_numpy())
    assert np.all(steps >= -1e-12) if direction == "increasing" else np.all(steps <= 1e-12)
    assert "Attr5" not in edited.pipeline[-1].term_names_
    assert not any(feature in t.split(" & ") for t in edited.pipeline[-1].term_names_
                   if " & " in t)  # fmt: skip
    manifest = edited.manifest
    sign = 1 if direction == "increasing" else -1
    assert manifest["config"]["model"]["edits"] == {"drop": ["Attr5"], "monotone": {feature: sign}}
    assert manifest["edited_from"]["sha256"] == package.manifest["model"]["sha256"]
    card = (out / "package" / "MODEL_CARD.md").read_text()
    assert "## Edited shapes" in card and f"monotone `{feature}`" in card
    # the edited model's own CV and calibration, not the original's
    assert manifest["metrics"]["cv/roc_auc"] != package.manifest["metrics"]["cv/roc_auc"]
    assert manifest["calibration"]["fitted_on"]["rows"] > 0
    assert edited.scores(rows).shape == (len(rows),)


def test_the_onnx_export_keeps_parity(package, rows, tmp_path):
    pytest.importorskip("onnxruntime")
    from bankruptcy.serving import onnx_export
    from bankruptcy.serving.onnx_runtime import use_runtime

    exported = onnx_export.export(package)
    assert exported.max_abs_diff <= 1e-9  # float64 lookups: rounding only (the bound is 1e-5)
    onnx_export.save(package, exported, tmp_path / "model.onnx")
    onnx = use_runtime(ModelPackage.load(package.directory), "onnx")
    np.testing.assert_allclose(onnx.scores(rows), package.scores(rows), atol=1e-9, rtol=0)
