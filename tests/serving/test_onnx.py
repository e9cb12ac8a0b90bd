"""The ONNX export's parts: the project's step converters on the real Polish rows, calibration
maps, refusals, the parity check's diagnosis, and ``--runtime onnx`` in the service in-process.

Real jobs exported end to end (each model family, the registry, ``predict`` and ``serve``) are
in ``test_onnx_jobs.py``.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from onnx import TensorProto, helper
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, RobustScaler

from bankruptcy.evaluation.calibration import (
    BetaCalibration,
    IsotonicCalibration,
    PlattCalibration,
    apply_map,
)
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.preprocess.clean import Cleaner, InfToNaN
from bankruptcy.preprocess.impute import MissingFlags, NumericImputer
from bankruptcy.preprocess.outliers import Winsorizer
from bankruptcy.preprocess.select import CorrelationFilter
from bankruptcy.preprocess.transform import QuantileTransformer, signed_log
from bankruptcy.serving import onnx_export, onnx_steps
from bankruptcy.serving.onnx_calibration import append_calibration
from bankruptcy.serving.onnx_runtime import use_runtime
from bankruptcy.serving.registry import open_model
from bankruptcy.serving.service import Settings, create_app
from tests.helpers import ratio_frame


def run(model, values: np.ndarray) -> np.ndarray:
    return onnx_export.session(model).run(None, {onnx_export.INPUT: values})[0]


def extreme_rows(X: np.ndarray) -> np.ndarray:
    """Rows beyond the training range in both directions, and all-missing."""
    low, high = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
    return np.vstack(
        [high + 10 * (high - low), low - 10 * (high - low), np.full(X.shape[1], np.nan)]
    )


def relative_delta(expected, found) -> float:
    expected = np.asarray(expected, float)
    assert (np.isnan(expected) == np.isnan(found)).all()
    scale = 1 + np.abs(np.nan_to_num(expected))
    return float(np.nanmax(np.abs(expected - found) / scale))


@pytest.fixture(scope="module")
def polish(polish1) -> np.ndarray:
    return InfToNaN().fit_transform(polish1.X)


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
def test_quantile_transform_converts_to_rounding_on_the_real_rows(polish, distribution):
    # skl2onnx's own converter has no normal output and took minutes for 1,000 quantiles
    step = QuantileTransformer(output_distribution=distribution, random_state=0).fit(polish)
    rows = np.vstack([polish, extreme_rows(polish)])
    graph = onnx_export._converted([("transform", step)], rows.shape[1])
    assert relative_delta(step.transform(rows), run(graph, rows)) < 1e-12


def test_the_normal_quantile_matches_scipy_over_its_range():
    # the transform's normal quantile (AS 241) on a dense grid of [1e-7, 1 - 1e-7]
    from scipy.special import ndtri

    p = np.concatenate([np.linspace(1e-7, 1 - 1e-7, 100_001), [1e-7, 0.075, 0.925, 1 - 1e-7]])
    step = QuantileTransformer(n_quantiles=3, output_distribution="normal").fit(
        np.array([[0.0], [0.5], [1.0]])
    )  # quantiles 0, 0.5, 1: the uniform value of x is x itself
    graph = onnx_export._converted([("transform", step)], 1)
    found = run(graph, p[:, None])[:, 0]
    np.testing.assert_allclose(found, step.transform(p[:, None])[:, 0], rtol=1e-13, atol=1e-14)
    inside = (p > 2e-7) & (p < 1 - 2e-7)  # scikit-learn clips at 1e-7 - eps
    np.testing.assert_allclose(found[inside], ndtri(p[inside]), rtol=1e-13, atol=1e-14)


def test_the_preprocessing_steps_convert_to_rounding_on_the_real_rows(polish1):
    X = polish1.X.to_numpy(float)
    steps = [
        ("clean", Cleaner()),
        ("indicator", MissingFlags(min_share=0.0)),
        ("clip", Winsorizer()),
        ("transform", FunctionTransformer(signed_log, feature_names_out="one-to-one")),
        ("imputer", NumericImputer(SimpleImputer(strategy="median", keep_empty_features=True))),
        ("scaler", RobustScaler()),
        ("select", CorrelationFilter(threshold=0.9)),
    ]
    fitted = make_pipeline(*(s for _, s in steps)).fit(X, polish1.y)
    rows = np.vstack([X, extreme_rows(X), np.full((1, X.shape[1]), np.inf)])
    graph = onnx_export._converted(
        list(zip([n for n, _ in steps], fitted, strict=True)), X.shape[1]
    )
    found = run(graph, rows)
    assert found.shape == (len(rows), fitted.transform(rows[:1]).shape[1])
    assert relative_delta(fitted.transform(rows), found) < 1e-12


def identity_graph(output: str = "p_bankrupt"):
    graph = helper.make_graph(
        [helper.make_node("Identity", ["X"], [output])],
        "score",
        [helper.make_tensor_value_info("X", TensorProto.DOUBLE, [None])],
        [helper.make_tensor_value_info(output, TensorProto.DOUBLE, [None])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


@pytest.fixture(scope="module")
def real_scores(polish1):
    """Held-out scores of a logistic regression on half the Polish rows: probabilities and
    decision values, and the labels."""
    X = SimpleImputer().fit_transform(InfToNaN().fit_transform(polish1.X))
    y = polish1.y.to_numpy()
    half = np.arange(len(y)) % 2 == 0
    scaled = FunctionTransformer(signed_log)
    model = make_pipeline(scaled, LogisticRegression(max_iter=2000)).fit(X[half], y[half])
    return model.predict_proba(X[~half])[:, 1], model.decision_function(X[~half]), y[~half]


@pytest.mark.parametrize("method", [PlattCalibration, BetaCalibration, IsotonicCalibration])
@pytest.mark.parametrize("kind", [ScoreKind.PROBA, ScoreKind.DECISION])
def test_every_calibration_map_gives_the_packages_pds(real_scores, method, kind):
    proba, decision, y = real_scores
    scores = proba if kind is ScoreKind.PROBA else decision
    spec = method().fit(scores, y, kind).to_dict()
    # the fitted range and beyond: the map's ends, extreme and exact 0/1 probabilities
    beyond = [0.0, 1e-300, 1.0 - 1e-16, 1.0] if kind is ScoreKind.PROBA else [-800.0, 0.0, 800.0]
    probe = np.concatenate([scores, beyond])
    graph = append_calibration(identity_graph(), spec)
    assert [o.name for o in graph.graph.output] == ["p_bankrupt"]
    np.testing.assert_allclose(run(graph, probe), apply_map(spec, probe), rtol=0, atol=1e-12)
    if method is IsotonicCalibration:
        assert len(spec["x"]) > 2  # a real step function, not a line


def test_an_identity_map_leaves_the_graph_as_it_is():
    graph = identity_graph("score")
    assert append_calibration(graph, {"form": "identity"}) is graph
    assert [n.op_type for n in graph.graph.node] == ["Identity"]


@pytest.fixture
def exported_job(synthetic_job, tmp_path):
    """A copy of the synthetic job (its package gets the export), and its exported graph."""
    job = tmp_path / "job"
    shutil.copytree(synthetic_job, job)
    return job


def test_a_step_without_converter_is_refused_with_one_line(exported_job):
    package = open_model(str(exported_job))
    steps = dict(package.pipeline.steps)
    steps["imputer"].imputer_ = IterativeImputer().fit(np.eye(3))
    with pytest.raises(onnx_export.ExportError) as refused:
        onnx_export.export(package)
    message = str(refused.value)
    assert "\n" not in message
    assert "step 'imputer' (sklearn.impute._iterative.IterativeImputer) has no ONNX" in message
    steps["imputer"] = FunctionTransformer(np.log1p)
    assert onnx_steps.unconvertible(steps["imputer"]) == "FunctionTransformer(func=numpy.log1p)"


def test_a_parity_failure_names_the_step_that_differs(exported_job, monkeypatch):
    package = open_model(str(exported_job))

    def flags_wrong(scope, operator, container):  # a converter bug: every flag says "missing"
        X, _, opset, _ = onnx_steps._parts(operator, container)
        from skl2onnx.algebra.onnx_ops import OnnxConcat, OnnxGather

        kept = operator.raw_operator.flagged_
        ones = OnnxGather(X, np.flatnonzero(kept).astype(np.int64), axis=1, op_version=opset)
        flags = onnx_steps.OnnxMul(ones, np.array([0.0]), op_version=opset)
        flags = onnx_steps.OnnxAdd(flags, np.array([1.0]), op_version=opset)
        onnx_steps._emit(OnnxConcat(X, flags, axis=1, op_version=opset), operator, scope, container)

    monkeypatch.setattr(onnx_steps, "convert_missing_flags", flags_wrong)
    with pytest.raises(onnx_export.ExportError) as refused:
        onnx_export.export(package)
    assert "step 'indicator' (MissingFlags) differs first" in str(refused.value)
    assert not (exported_job / "package" / onnx_export.ONNX_FILE).exists()


def test_onnx_runtime_service_answers_what_the_sklearn_one_does(exported_job, tmp_path):
    target = tmp_path / "model.onnx"
    package = open_model(str(exported_job))
    with pytest.raises(Exception, match="has no ONNX export"):
        use_runtime(package, "onnx")
    exported = onnx_export.export(package)
    onnx_export.save(package, exported, onnx_export.check_target(target))
    assert target.read_bytes() == (exported_job / "package" / "model.onnx").read_bytes()
    assert open_model(str(exported_job)).manifest["onnx"]["parity"]["max_abs_diff"] <= 1e-5
    rows, _ = ratio_frame()
    body = {"columns": {k: [None if pd.isna(v) else v for v in rows[k].head(40)] for k in rows}}
    answers = {}
    for runtime in ("sklearn", "onnx"):
        settings = Settings(model=str(exported_job), log_dir=None, reload_seconds=0,
                            runtime=runtime)  # fmt: skip
        with TestClient(create_app(settings)) as client:
            # json.dumps writes the rows' infinities as Infinity, which the service accepts
            answer = client.post("/v1/predict", content=json.dumps(body)).json()
            answers[runtime] = answer["columns"]
            assert client.get("/v1/model").json()["runtime"] == runtime
    sklearn, onnx = answers["sklearn"], answers["onnx"]
    assert {k: v for k, v in sklearn.items() if k != "p_bankrupt"} == {
        k: v for k, v in onnx.items() if k != "p_bankrupt"
    }
    np.testing.assert_allclose(onnx["p_bankrupt"], sklearn["p_bankrupt"], rtol=0, atol=1e-5)


def test_an_edited_onnx_file_is_refused(exported_job, tmp_path):
    package = open_model(str(exported_job))
    onnx_export.save(package, onnx_export.export(package), tmp_path / "model.onnx")
    (exported_job / "package" / "model.onnx").write_bytes(b"not the export")
    with pytest.raises(Exception, match="differs from the .* its export recorded"):
        use_runtime(open_model(str(exported_job)), "onnx")
