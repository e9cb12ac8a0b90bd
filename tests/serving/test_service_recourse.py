"""``POST /v1/recourse`` in-process (no server, no data folder): documented in the OpenAPI
document, 200 answers that fit it with plans re-scored below the target, the documented 4xx
for bad input, and a line in the prediction log that monitoring does not count as scoring."""

from __future__ import annotations

import jsonschema_rs
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from bankruptcy.serving import openapi
from bankruptcy.serving.limits import MAX_CHANGES, MAX_PLANS
from bankruptcy.serving.predlog import read_log, read_records
from bankruptcy.serving.service import Settings, create_app

RECOURSE_ROWS = 6


@pytest.fixture(scope="module")
def served(synthetic_job, tmp_path_factory):
    """The app on the synthetic job, its client and log dir."""
    root = tmp_path_factory.mktemp("recourse-app")
    settings = Settings(
        model=str(synthetic_job), log_dir=str(root / "log"), max_rows=20,
        recourse_rows=RECOURSE_ROWS, reload_seconds=0,
    )  # fmt: skip
    app = create_app(settings)
    with TestClient(app) as client:
        yield app, client, root / "log"


@pytest.fixture(scope="module")
def document(served) -> dict:
    return served[1].get("/openapi.json").json()


@pytest.fixture(scope="module")
def firms(served, synthetic_job) -> list[dict]:
    """Five of the synthetic job's firms as JSON rows: the three flagged firms closest to the
    threshold (plans within reach), then two calm ones."""
    app = served[0]
    package = app.state.holder.package
    rows = pd.read_csv(synthetic_job.parent / "firms.csv")
    X = package.contract.check(rows).X
    pd_ = package.scores(X)
    order = pd_.argsort()
    flagged = [i for i in order if pd_[i] >= package.threshold][:3]
    chosen = X.iloc[flagged + list(order[:2])]
    return [
        {k: (None if pd.isna(v) else float(v)) for k, v in r.items()} for _, r in chosen.iterrows()
    ]


def validator(document: dict, component: str):
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return jsonschema_rs.Draft202012Validator(schema)


def test_the_endpoint_is_documented_with_its_options_limits_and_statuses(document):
    operation = document["paths"]["/v1/recourse"]["post"]
    assert set(operation["responses"]) == {"200", "400", "413", "415", "422", "500"}
    schemas = document["components"]["schemas"]
    rows = schemas["RecourseRows"]["properties"]
    assert rows["rows"]["maxItems"] == RECOURSE_ROWS
    assert (rows["plans"]["minimum"], rows["plans"]["maximum"]) == (1, MAX_PLANS)
    assert rows["max_changes"]["maximum"] == MAX_CHANGES
    assert {"number", "string", "null"} == {t["type"] for t in rows["target"]["oneOf"]}
    example = operation["requestBody"]["content"]["application/json"]["example"]
    assert validator(document, "RecourseRequest").is_valid(example)
    assert document["info"]["x-limits"]["recourse_rows"] == RECOURSE_ROWS


def test_plans_fit_the_schema_and_are_rescored_below_the_target(served, document, firms):
    app, client, _ = served
    package = app.state.holder.package
    answer = validator(document, "RecourseAnswer")
    body = {"rows": firms, "plans": 2, "max_changes": 2}
    assert validator(document, "RecourseRequest").is_valid(body)
    found = client.post("/v1/recourse", json=body)
    assert found.status_code == 200, found.text
    result = found.json()
    assert answer.is_valid(result), result
    assert result["target"] == package.threshold
    statuses = [f["status"] for f in result["firms"]]
    assert statuses[-2:] == ["not_needed", "not_needed"] and statuses[:3].count("plan") >= 2
    names = package.contract.names
    for row, firm in zip(firms, result["firms"], strict=True):
        assert len(firm["plans"]) <= 2
        for plan in firm["plans"]:
            changed = {**row, **{k: to for k, (_, to) in plan["changes"].items()}}
            again = package.scores(pd.DataFrame([changed])[names])[0]
            assert abs(again - plan["p_bankrupt_after"]) < 1e-12
            assert again < result["target"] and plan["n_changes"] <= 2
            assert plan["words"].endswith(f"-> {plan['p_bankrupt_after']:.3g}")
            assert all(row[k] is not None for k in plan["changes"])  # no gap filled
    columns = {k: [r[k] for r in firms[:2]] for k in names}
    band = client.post("/v1/recourse", json={"columns": columns, "target": "low", "plans": 1})
    assert band.status_code == 200 and answer.is_valid(band.json())
    assert band.json()["target"] == package.bands.elevated_from


@pytest.mark.parametrize(
    "change, status, kind",
    [
        (lambda r: {"rows": [r], "target": 1.5}, 422, "option"),
        (lambda r: {"rows": [r], "target": 0}, 422, "option"),
        (lambda r: {"rows": [r], "target": "high"}, 422, "option"),
        (lambda r: {"rows": [r], "plans": 0}, 422, "option"),
        (lambda r: {"rows": [r], "plans": MAX_PLANS + 1}, 422, "option"),
        (lambda r: {"rows": [r], "max_changes": True}, 422, "option"),
        (lambda r: {"rows": [r], "explain": 3}, 422, "option"),
        (lambda r: {"rows": [{**r, "Attr3": "high"}]}, 422, "not_a_number"),
        (lambda r: {"rows": [r] * (RECOURSE_ROWS + 1)}, 413, "too_large"),
        (lambda r: [r], 400, "not_json"),
    ],
    ids=["target-above-1", "target-0", "band-high", "no-plans", "too-many-plans",
         "changes-boolean", "predict-option", "text", "too-many-rows", "not-an-object"],
)  # fmt: skip
def test_bad_input_gets_its_documented_status_and_problem(
    served, document, firms, change, status, kind
):
    _, client, _ = served
    body = change(firms[0])
    assert not validator(document, "RecourseRequest").is_valid(body)
    refused = client.post("/v1/recourse", json=body)
    assert refused.status_code == status, refused.text
    assert str(status) in document["paths"]["/v1/recourse"]["post"]["responses"]
    assert validator(document, "Error").is_valid(refused.json())
    assert refused.json()["problems"][0]["kind"] == kind


def test_recourse_is_logged_apart_from_scoring(served, firms):
    _, client, log_dir = served
    scored_before = len(read_log(log_dir))
    assert client.post("/v1/recourse", json={"rows": firms[:1]}).status_code == 200
    assert client.post("/v1/predict", json={"rows": firms[:1]}).status_code == 200
    records = list(read_records(log_dir))
    last = [r for r in records if r["status"] == "recourse"][-1]
    assert last["inputs"] == firms[:1] and last["outputs"]["status"][0] in {"plan", "infeasible"}
    assert len(read_log(log_dir)) == scored_before + 1  # only the scored row counts


def test_the_median_row_example_is_answered(served, document):
    app, client, _ = served
    example = {"rows": [openapi.median_row(app.state.holder.package.contract)]}
    answered = client.post("/v1/recourse", json=example)
    assert answered.status_code == 200 and validator(document, "RecourseAnswer").is_valid(
        answered.json()
    )
