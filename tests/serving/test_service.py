"""``python -m bankruptcy.serve`` for real: a uvicorn server on 127.0.0.1, driven over HTTP."""

from __future__ import annotations

import json
import math
import os
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import pytest

from bankruptcy.experiment.outputs import PACKAGE_DIR
from bankruptcy.serving import registry
from bankruptcy.serving.predlog import read_log, read_records
from tests.serving.conftest import Server

pytestmark = pytest.mark.slow  # servers take seconds to start


def strict_json(text: str):
    """Parse as JSON proper: a NaN or Infinity literal is an error."""

    def refuse(constant):
        raise ValueError(f"invalid JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def call(url: str, body=None, raw: bytes | None = None) -> tuple[int, dict]:
    """POST `body` as JSON (or `raw` bytes) to `url`, or GET it; return status and parsed JSON."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, strict_json(response.read().decode())
    except urllib.error.HTTPError as error:
        return error.code, strict_json(error.read().decode())


@pytest.fixture(scope="module")
def served(job_dir, tmp_path_factory):
    """A server on the registry's champion (alias checked every second), with its log dir."""
    root = tmp_path_factory.mktemp("served")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    os.environ["BANKRUPTCY_REGISTRY"] = uri  # for register() here, in this process
    registry.register(job_dir / PACKAGE_DIR, "polish5", alias="champion")
    env = {**os.environ, "BANKRUPTCY_REGISTRY": uri}
    args = ("--max-rows", "2000", "--reload-seconds", "1")
    server = Server("models:/polish5@champion", root / "log", env, *args)
    yield server, root / "log", uri
    server.stop()
    os.environ.pop("BANKRUPTCY_REGISTRY", None)


@pytest.fixture(scope="module")
def rows(test_rows) -> pd.DataFrame:
    return pd.read_csv(test_rows)


def as_row(rows: pd.DataFrame, i: int) -> dict:
    """Row `i` as a JSON object (NaN -> null), without the id column."""
    return {
        k: None if pd.isna(v) else float(v) for k, v in rows.drop(columns="company").iloc[i].items()
    }


def test_health_model_and_docs(served):
    server, _, _ = served
    status, health = call(f"{server.url}/health")
    assert (
        status == 200 and health["model"]["name"] == "polish5" and health["model"]["version"] == 1
    )
    status, model = call(f"{server.url}/v1/model")
    assert len(model["contract"]["features"]) == 64 and "## Intended use" in model["card"]
    with urllib.request.urlopen(f"{server.url}/openapi.json") as response:
        schema = json.loads(response.read())
    assert (
        "/v1/predict" in schema["paths"] and "(polish5 version 1)" in schema["info"]["description"]
    )


def test_rows_and_columns_reproduce_the_jobs_predictions(served, rows, job_dir):
    server, _, _ = served
    expected = pd.read_csv(job_dir / "predictions.csv")["p_bankrupt"].to_numpy()
    status, one = call(f"{server.url}/v1/predict", {"rows": [as_row(rows, 0)]})
    assert status == 200 and one["predictions"][0]["p_bankrupt"] == pytest.approx(
        expected[0], abs=1e-12
    )
    features = rows.drop(columns="company")
    columns = {c: [None if pd.isna(v) else v for v in features[c]] for c in features}
    status, batch = call(f"{server.url}/v1/predict", {"columns": columns})
    assert status == 200
    np.testing.assert_allclose(batch["columns"]["p_bankrupt"], expected, rtol=0, atol=1e-12)
    assert set(batch["columns"]) == {"p_bankrupt", "decision", "risk_band", "warnings"}


def test_bad_input_answers_with_the_problems(served, rows):
    server, _, _ = served
    url = f"{server.url}/v1/predict"
    row = as_row(rows, 0)
    missing = {k: v for k, v in row.items() if k not in ("Attr7", "Attr9")}
    status, body = call(url, {"rows": [row, missing]})
    assert status == 422 and body["problems"][0]["columns"] == ["Attr7", "Attr9"]
    assert body["problems"][0]["rows"] == [1]
    status, body = call(url, {"rows": [{**row, "Attr3": "12,5%"}]})
    problem = body["problems"][0]
    assert status == 422 and problem["kind"] == "not_a_number" and problem["values"] == ["12,5%"]
    status, body = call(url, {"rows": [{**row, "sector": "steel"}]})
    assert status == 422 and body["problems"][0]["columns"] == ["sector"]
    status, body = call(url, {"rows": [{**row, "sector": "steel"}], "ignore_unknown": True})
    assert status == 200 and body["ignored"] == ["sector"]
    assert call(url, {"rows": []})[1]["problems"][0]["kind"] == "empty"
    assert call(url, {"rows": [row] * 2001})[0] == 413
    assert call(url, raw=b'{"rows": [')[0] == 400
    assert call(url, {"rows": [row], "columns": {}})[0] == 422


def test_unusual_values_are_scored_and_flagged(served, rows, job_dir):
    server, _, _ = served
    contract = json.loads((job_dir / PACKAGE_DIR / "package.json").read_text())["contract"]
    never_missing = next(f for f in contract["features"] if not f["missing_in_training"])
    gappy = next(f for f in contract["features"] if f["missing_in_training"])
    row = {**as_row(rows, 0), gappy["name"]: None}
    body = call(f"{server.url}/v1/predict", {"rows": [row]})[1]
    assert body["predictions"][0]["warnings"] == []  # missing, as in training
    far = never_missing["max"] * 1000 + 1
    row = {**row, never_missing["name"]: None, "Attr5": far}
    raw = json.dumps({"rows": [{**row, "Attr27": math.inf}]}).encode()  # Python writes Infinity
    status, body = call(f"{server.url}/v1/predict", raw=raw)
    warnings = " | ".join(body["predictions"][0]["warnings"])
    assert status == 200 and math.isfinite(body["predictions"][0]["p_bankrupt"])
    assert f"{never_missing['name']}: missing (training had no missing values)" in warnings
    assert "Attr5=" in warnings and "outside the training range" in warnings


def test_every_request_is_in_the_log_as_sent(served, rows):
    server, log_dir, _ = served
    before = len(list(read_records(log_dir)))
    sent = {**as_row(rows, 3), "Attr1": "oops"}
    call(f"{server.url}/v1/predict", {"rows": [sent]})
    call(f"{server.url}/v1/predict", {"rows": [as_row(rows, 4)]})
    records = list(read_records(log_dir))[before:]
    assert [r["status"] for r in records] == ["refused", "scored"]
    assert records[0]["inputs"] == [sent] and records[0]["problems"][0]["kind"] == "not_a_number"
    scored = read_log(log_dir)
    assert {"ts", "model_version", "Attr1", "out_p_bankrupt", "out_risk_band"} <= set(
        scored.columns
    )


def test_a_new_champion_is_served_without_a_restart(served, job_dir):
    server, _, uri = served
    os.environ["BANKRUPTCY_REGISTRY"] = uri
    registry.register(job_dir / PACKAGE_DIR, "polish5", alias="champion")  # version 2
    deadline = time.time() + 60
    while call(f"{server.url}/health")[1]["model"]["version"] != 2:
        assert time.time() < deadline, "the server kept version 1"
        time.sleep(0.5)
    document = call(f"{server.url}/openapi.json")[1]  # the contract follows the served model
    assert "(polish5 version 2)" in document["info"]["description"]


def test_a_killed_server_loses_no_acknowledged_prediction(job_dir, rows, tmp_path):
    log_dir = tmp_path / "log"
    server = Server(str(job_dir), log_dir, dict(os.environ))
    acknowledged, stop = [], threading.Event()

    def client(i: int) -> None:
        while not stop.is_set():
            try:
                status, body = call(f"{server.url}/v1/predict", {"rows": [as_row(rows, i)]})
            except OSError:  # the server is gone
                return
            if status == 200:
                acknowledged.append(body["request"])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(3)
    server.stop(kill=True)  # SIGKILL: no shutdown handler runs
    stop.set()
    for t in threads:
        t.join()
    logged = {r["request"] for r in read_records(log_dir)}
    assert len(acknowledged) > 10 and set(acknowledged) <= logged


def test_several_workers_answer(job_dir, rows, tmp_path):
    server = Server(str(job_dir), tmp_path / "log", dict(os.environ), "--workers", "2")
    try:
        answers = [call(f"{server.url}/v1/predict", {"rows": [as_row(rows, i)]}) for i in range(20)]
    finally:
        server.stop()
    assert all(status == 200 for status, _ in answers)


def test_a_reference_that_does_not_exist_is_one_line(tmp_path):
    from tests.helpers import run_cli

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    done = run_cli("bankruptcy.serve", "models:/nope@champion", env={"BANKRUPTCY_REGISTRY": uri})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: no registered model 'nope' in {uri}; registered: none "
        "(python -m bankruptcy.registry register <job dir> --name nope)"
    ]
