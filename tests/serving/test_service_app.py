"""The service's contract in-process (FastAPI's TestClient, no server, no data folder): every
status code, the answers' JSON, the page's HTML and the prediction log.

The same service runs for real (uvicorn on 127.0.0.1, the real data) in ``test_service.py``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from bankruptcy.experiment.outputs import PACKAGE_DIR, PREDICTIONS_FILE
from bankruptcy.serving.package import ModelPackage
from bankruptcy.serving.predlog import read_records
from bankruptcy.serving.service import Settings, create_app
from tests.helpers import ratio_frame

MAX_ROWS, EXPLAIN_ROWS = 50, 5


def strict_json(text: str):
    """Parse as JSON proper: a NaN or Infinity literal is an error."""

    def refuse(constant):
        raise ValueError(f"invalid JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def service(synthetic_job, tmp_path_factory):
    """A client of the app serving the synthetic job's package, and its prediction-log folder."""
    log_dir = tmp_path_factory.mktemp("log")
    settings = Settings(
        model=str(synthetic_job),
        log_dir=str(log_dir),
        max_rows=MAX_ROWS,
        reload_seconds=0,
        explain_rows=EXPLAIN_ROWS,
    )
    with TestClient(create_app(settings)) as client:
        yield client, log_dir


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """The job's own rows (the test rows are among them), as a user would send them."""
    return ratio_frame()[0]


def as_row(rows: pd.DataFrame, i: int) -> dict:
    """Row `i` as a JSON object (NaN -> null)."""
    return {k: None if pd.isna(v) else float(v) for k, v in rows.iloc[i].items()}


def post(client, body=None, raw: bytes | None = None):
    answer = client.post("/v1/predict", content=raw if raw is not None else json.dumps(body))
    return answer.status_code, strict_json(answer.text)


def test_health_model_and_openapi(service, synthetic_job):
    client, _ = service
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    model = client.get("/v1/model").json()
    manifest = json.loads((synthetic_job / PACKAGE_DIR / "package.json").read_text())
    assert [f["name"] for f in model["contract"]["features"]] == [
        f["name"] for f in manifest["contract"]["features"]
    ]
    assert model["decision"]["threshold"] == manifest["decision"]["threshold"]
    assert model["max_rows"] == MAX_ROWS and "## Intended use" in model["card"]
    assert "/v1/predict" in client.get("/openapi.json").json()["paths"]


def test_rows_and_columns_answer_the_jobs_test_predictions(service, rows, synthetic_job):
    client, _ = service
    predictions = pd.read_csv(synthetic_job / PREDICTIONS_FILE)
    test_rows = rows.loc[predictions["row"]]
    status, one = post(client, {"rows": [as_row(test_rows, 0)]})
    assert status == 200
    assert one["predictions"][0]["p_bankrupt"] == pytest.approx(
        predictions["p_bankrupt"].iloc[0], abs=1e-12
    )
    batch = test_rows.iloc[:MAX_ROWS]
    columns = {c: [None if pd.isna(v) else v for v in batch[c]] for c in batch}
    status, answer = post(client, {"columns": columns})
    assert status == 200
    assert set(answer["columns"]) == {"p_bankrupt", "decision", "risk_band", "warnings"}
    np.testing.assert_allclose(
        answer["columns"]["p_bankrupt"], predictions["p_bankrupt"].iloc[:MAX_ROWS], atol=1e-12
    )
    package = ModelPackage.load(synthetic_job / PACKAGE_DIR)
    flagged = np.asarray(answer["columns"]["p_bankrupt"]) >= package.threshold
    assert answer["columns"]["decision"] == flagged.astype(int).tolist()


@pytest.mark.parametrize(
    "change, kind, where",
    [
        (lambda r: {k: v for k, v in r.items() if k not in ("Attr7", "Attr9")}, "missing_columns",
         {"columns": ["Attr7", "Attr9"], "rows": [1]}),
        (lambda r: {**r, "Attr3": "12,5%"}, "not_a_number", {"rows": [1], "values": ["12,5%"]}),
        (lambda r: {**r, "sector": "steel"}, "extra_columns", {"columns": ["sector"]}),
    ],
    ids=["missing-columns", "text-in-a-number", "unknown-column"],
)  # fmt: skip
def test_a_row_outside_the_contract_is_a_422_naming_the_problem(service, rows, change, kind, where):
    client, _ = service
    status, body = post(client, {"rows": [as_row(rows, 0), change(as_row(rows, 1))]})
    assert status == 422
    problem = body["problems"][0]
    assert problem["kind"] == kind and {k: problem[k] for k in where} == where
    assert problem["message"] and "\n" not in problem["message"]


def test_unknown_columns_can_be_ignored_on_request(service, rows):
    client, _ = service
    status, body = post(client, {"rows": [{**as_row(rows, 0), "sector": "steel"}],
                                 "ignore_unknown": True})  # fmt: skip
    assert status == 200 and body["ignored"] == ["sector"]


def test_bodies_the_service_cannot_read(service, rows):
    client, _ = service
    row = as_row(rows, 0)
    assert post(client, raw=b'{"rows": [')[0] == 400  # not JSON
    assert post(client, raw=b"[1, 2]")[0] == 400  # JSON, but not an object
    assert post(client, {"rows": [row], "columns": {}})[0] == 422  # both forms
    status, body = post(client, {"rows": []})
    assert status == 422 and body["problems"][0]["kind"] == "empty"


def test_batches_above_the_limits_are_413(service, rows):
    client, _ = service
    row = as_row(rows, 0)
    assert post(client, {"rows": [row] * MAX_ROWS})[0] == 200
    status, body = post(client, {"rows": [row] * (MAX_ROWS + 1)})
    assert status == 413 and str(MAX_ROWS) in body["error"]
    status, body = post(client, {"rows": [row] * (EXPLAIN_ROWS + 1), "explain": 2})
    assert status == 413 and "explain" in body["error"]


def test_explanations_name_the_top_factors(service, rows):
    client, _ = service
    status, body = post(client, {"rows": [as_row(rows, 0), as_row(rows, 1)], "explain": 3})
    assert status == 200
    factors = body["predictions"][0]["factors"]
    assert len(factors) == 3 and all(set(f) >= {"feature", "shap"} for f in factors)
    sizes = [abs(f["shap"]) for f in factors]
    assert sizes == sorted(sizes, reverse=True)


def test_infinities_and_nan_literals_are_scored_flagged_and_never_answered(service, rows):
    client, _ = service
    row = {**as_row(rows, 2), "Attr5": math.inf, "Attr6": math.nan}
    status, body = post(client, raw=json.dumps({"rows": [row]}).encode())  # Python's literals
    assert status == 200  # strict_json: the answer holds no NaN/Infinity literal
    assert math.isfinite(body["predictions"][0]["p_bankrupt"])
    assert any("Attr5" in w for w in body["predictions"][0]["warnings"])


def test_every_request_is_logged_before_it_is_answered(service, rows):
    client, log_dir = service
    before = len(list(read_records(log_dir)))
    refused = {**as_row(rows, 3), "Attr1": "oops"}
    post(client, {"rows": [refused]})
    post(client, {"rows": [as_row(rows, 4)]})
    records = list(read_records(log_dir))[before:]
    assert [r["status"] for r in records] == ["refused", "scored"]
    assert records[0]["inputs"] == [refused]
    assert records[1]["outputs"]["p_bankrupt"][0] == pytest.approx(
        post(client, {"rows": [as_row(rows, 4)]})[1]["predictions"][0]["p_bankrupt"]
    )


def test_the_page_is_a_self_contained_shell_that_reads_the_model(service, synthetic_job):
    client, _ = service
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    package = ModelPackage.load(synthetic_job / PACKAGE_DIR)
    # no model data in the page itself (it is served without an API key): /v1/model has it
    assert not any(f'"{name}"' in html for name in package.contract.names)
    assert "http://" not in html and "https://" not in html  # no external assets
    assert "<script" in html and "/v1/model" in html and "/v1/predict" in html


def test_an_open_service_declares_no_security(service):
    client, _ = service
    document = client.get("/openapi.json").json()
    assert "securitySchemes" not in document["components"]
    assert all(
        "401" not in operation["responses"] and "security" not in operation
        for path in document["paths"].values()
        for operation in path.values()
    )
