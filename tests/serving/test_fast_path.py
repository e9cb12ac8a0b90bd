"""The package's small-batch fast path scores exactly as the plain pipeline does."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import ThreadpoolController

from bankruptcy.experiment.builder import build_pipeline
from bankruptcy.serving import package as package_module
from bankruptcy.serving.contract import InputContract
from bankruptcy.serving.package import IDENTITY, LABEL, SMALL_BATCH, ModelPackage
from tests.helpers import ratio_frame


@pytest.fixture(scope="module")
def boosted(tmp_path_factory):
    """Gradient boosting (OpenMP) on the default preset, fitted on made-up rows; 5,000 rows."""
    from tests.conftest import compose_config

    out = tmp_path_factory.mktemp("fast_path")
    cfg = compose_config(
        [f"paths.output_dir={out}", "model=gradient_boosting", "preprocess=default",
         "model.max_iter=30"]
    )  # fmt: skip
    X, y = ratio_frame()
    pipeline = build_pipeline(cfg).fit(X, y)
    manifest = {
        "model": {"score_kind": "proba", "calibration": IDENTITY},
        "decision": {
            "threshold": 0.3,
            "bands": [{"name": "low", "from": None}, {"name": "elevated", "from": 0.05},
                      {"name": "high", "from": 0.3}],
        },
    }  # fmt: skip
    package = ModelPackage(pipeline, InputContract.from_training(X, {}, LABEL), manifest)
    rows = ratio_frame(n=5000, seed=1)[0]
    return package, rows


@pytest.mark.parametrize("n_rows", [1, 10, 5000])
def test_scores_equal_the_pipelines_predict_proba(boosted, n_rows, monkeypatch):
    package, rows = boosted
    X = rows.iloc[:n_rows]
    expected = package.pipeline.predict_proba(X)[:, 1]
    openmp = ThreadpoolController().select(user_api="openmp")
    seen = []
    model = package._array_pipeline[-1]  # no step reads column names: arrays all the way
    predict_proba = model.predict_proba

    def spy(X):  # the OpenMP threads the model is called with
        seen.append(min(info["num_threads"] for info in openmp.info()))
        return predict_proba(X)

    monkeypatch.setattr(model, "predict_proba", spy)
    decided = package.decide(X)
    np.testing.assert_allclose(decided["p_bankrupt"], expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(decided["decision"], (expected >= 0.3).astype(np.int8))
    np.testing.assert_array_equal(decided["risk_band"], package.bands.of(expected))
    assert openmp.info(), "scikit-learn's OpenMP runtime is loaded"
    assert seen == [1] if n_rows < SMALL_BATCH else seen[0] == openmp.info()[0]["num_threads"]


def test_the_limit_is_lifted_after_a_small_batch(boosted):
    package, rows = boosted
    before = [info["num_threads"] for info in package_module._openmp().info()]
    package.scores(rows.iloc[:1])
    assert [info["num_threads"] for info in package_module._openmp().info()] == before


def _default_package(*overrides: str) -> ModelPackage:
    """The default model (LightGBM) with `overrides`, fitted on made-up rows, uncalibrated."""
    from tests.conftest import compose_config

    X, y = ratio_frame()
    pipeline = build_pipeline(compose_config(list(overrides))).fit(X, y)
    manifest = {"model": {"score_kind": "proba", "calibration": IDENTITY},
                "decision": {"threshold": 0.5, "bands": []}}  # fmt: skip
    return ModelPackage(pipeline, InputContract.from_training(X, {}, LABEL), manifest)


@pytest.mark.parametrize("n_rows", [10, 5000])
def test_a_batch_run_gives_lightgbm_its_threads_for_large_batches_only(n_rows, monkeypatch):
    package = _default_package("model.n_estimators=20")
    rows = ratio_frame(n=n_rows, seed=1)[0]
    expected = package.scores(rows)
    booster = package._array_pipeline[-1]
    seen = []
    predict_proba = booster.predict_proba
    monkeypatch.setattr(booster, "predict_proba", lambda X: seen.append(booster.n_jobs)
                        or predict_proba(X))  # fmt: skip
    package.batch_threads = 2
    np.testing.assert_allclose(package.scores(rows), expected, rtol=0, atol=1e-12)
    assert seen == [2 if n_rows >= SMALL_BATCH else 1]
    assert booster.n_jobs == 1, "the model's own setting is restored"


def test_a_pipeline_that_reads_column_names_scores_its_dataframe():
    package = _default_package("model.n_estimators=10", "model.monotone={Attr1:1}")
    assert package._array_pipeline is None
    rows = ratio_frame(n=20, seed=1)[0]
    expected = package.pipeline.predict_proba(rows)[:, 1]
    np.testing.assert_array_equal(package.scores(rows), expected)
