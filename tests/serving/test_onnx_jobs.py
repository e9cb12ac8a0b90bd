"""ONNX export of real jobs: each model family's parity on its test rows, and the commands.

Polish year 1 jobs (two folds) of the default experiment (LightGBM on its mean-imputed
preset), gradient boosting (few trees) on the trees, default and none presets, XGBoost and
logistic regression: the exported graph in ONNX Runtime must reproduce the job's
``predictions.csv`` to 1e-5. Then, on the deployment tests' registered job, ``export``,
``predict --runtime onnx`` and ``serve --runtime onnx`` as a user runs them.
"""

from __future__ import annotations

import json
import os
import urllib.request
from functools import partial

import numpy as np
import pandas as pd
import pytest

from bankruptcy.data.polish import load_polish
from bankruptcy.experiment.job import JobInfo, run_job
from bankruptcy.serving import onnx_export
from bankruptcy.serving.registry import open_model
from tests.conftest import compose_config
from tests.helpers import NO_ANALYSES, run_cli
from tests.serving.conftest import Server

pytestmark = pytest.mark.slow  # real jobs, commands and servers

SMALL = ["dataset=polish", "dataset.year=1", "protocol.n_splits=2", "logger=none", "threads=1",
         *NO_ANALYSES]  # fmt: skip
FAMILIES = {
    "default": [],  # LightGBM on its mean-imputed preset, its 100 trees
    # the constrained booster is exported as itself (the wrapper's `delegate_`)
    "monotone": ["model.n_estimators=60", "model.monotone={Attr27:-1,Attr2:1}"],
    # gradient boosting on the trees preset (flags, median imputation), with the quantile
    # transform and scaling, and on raw ratios with NaN
    "hgb": ["model=gradient_boosting"],
    "hgb_default_preset": ["model=gradient_boosting", "preprocess=default"],
    "hgb_none_preset": ["model=gradient_boosting", "preprocess=none"],
    "xgboost": ["model=xgboost", "model.n_estimators=80"],
    "logistic": ["model=logistic"],
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_export_reproduces_the_jobs_test_predictions(family, data_dir, tmp_path):
    out = tmp_path / family
    boosted = family.startswith("hgb")
    overrides = FAMILIES[family] + (["model.max_iter=100"] if boosted else [])
    run_job(compose_config([f"paths.data_dir={data_dir}", *SMALL, *overrides]), JobInfo(out))
    package = open_model(str(out))
    exported = onnx_export.export(package)
    assert exported.max_abs_diff <= onnx_export.TOLERANCE and exported.rows > 1000
    predictions = pd.read_csv(out / "predictions.csv")
    X = load_polish(1, data_dir=data_dir).X.loc[predictions["row"], package.contract.names]
    found = onnx_export.session(exported.model).run(None, {"X": X.to_numpy(np.float64)})[0]
    np.testing.assert_allclose(found, predictions["p_bankrupt"], rtol=0, atol=1e-5)
    assert [o.name for o in exported.model.graph.output] == ["p_bankrupt"]


def test_export_predict_and_serve_a_registered_champion(job_dir, test_rows, registry_db, tmp_path):
    cli = partial(run_cli, cwd=tmp_path, env={"BANKRUPTCY_REGISTRY": registry_db})
    done = cli("bankruptcy.registry", "register", str(job_dir), "--name", "polish5", "--alias",
               "champion")  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = cli("bankruptcy.predict", "models:/polish5@champion", str(test_rows),
               str(tmp_path / "x.csv"), "--runtime", "onnx")  # fmt: skip
    assert done.returncode == 2 and "has no ONNX export" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

    target = tmp_path / "model.onnx"
    done = cli("bankruptcy.export", "models:/polish5@champion", str(target))
    assert done.returncode == 0 and target.is_file(), done.stderr
    assert "max |delta p_bankrupt|" in done.stdout
    again = cli("bankruptcy.export", "models:/polish5@champion", str(target))
    assert again.returncode == 2 and "exists" in again.stderr
    listed = cli("bankruptcy.registry", "list")
    assert "polish5 v1" in listed.stdout

    from bankruptcy.serving import registry

    version = registry.list_versions("polish5")[0]
    assert float(version.tags["onnx_parity"]) <= 1e-5
    assert version.tags["onnx_opset"] == "ai.onnx=18,ai.onnx.ml=3"  # float64 trees
    assert (
        open_model("models:/polish5@champion").manifest["onnx"]["sha256"]
        == (version.tags["onnx_sha256"])
    )

    scored = {}
    for runtime in ("sklearn", "onnx"):
        out = tmp_path / f"{runtime}.parquet"
        done = cli("bankruptcy.predict", "models:/polish5@champion", str(test_rows), str(out),
                   "--runtime", runtime)  # fmt: skip
        assert done.returncode == 0, done.stderr
        scored[runtime] = pd.read_parquet(out)
    sklearn, onnx = scored["sklearn"], scored["onnx"]
    assert list(onnx.columns) == list(sklearn.columns)
    pd.testing.assert_frame_equal(
        onnx.drop(columns="p_bankrupt"), sklearn.drop(columns="p_bankrupt")
    )
    expected = pd.read_csv(job_dir / "predictions.csv")["p_bankrupt"]
    np.testing.assert_allclose(onnx["p_bankrupt"], expected, rtol=0, atol=1e-5)

    rows = pd.read_csv(test_rows).drop(columns="company").head(20)
    body = json.dumps({"columns": {k: [None if pd.isna(v) else v for v in rows[k]] for k in rows}})
    answers = {}
    for runtime in ("sklearn", "onnx"):
        env = {**os.environ, "BANKRUPTCY_REGISTRY": registry_db}
        server = Server("models:/polish5@champion", tmp_path / f"log-{runtime}", env,
                        "--runtime", runtime)  # fmt: skip
        try:
            headers = {"Content-Type": "application/json"}
            url = f"{server.url}/v1/predict"
            request = urllib.request.Request(url, data=body.encode(), headers=headers)
            with urllib.request.urlopen(request, timeout=60) as response:
                answers[runtime] = json.loads(response.read())["columns"]
        finally:
            server.stop()
    p = {r: answers[r].pop("p_bankrupt") for r in answers}
    assert answers["onnx"] == answers["sklearn"]
    np.testing.assert_allclose(p["onnx"], p["sklearn"], rtol=0, atol=1e-5)
