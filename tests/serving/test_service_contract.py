"""The service's contracts in-process (no server, no data folder): its OpenAPI document per
package, the requests it allows and refuses as the document says, its limits before a body is
read, and its API keys.

The same contracts against a real server on the real data, schemathesis included:
``test_service_openapi.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from bankruptcy.core.errors import UserError
from bankruptcy.serving import openapi
from bankruptcy.serving.auth import ApiKeys
from bankruptcy.serving.contract import InputContract
from bankruptcy.serving.limits import MAX_FACTORS, body_budget
from bankruptcy.serving.predlog import read_records
from bankruptcy.serving.service import Settings, create_app

MAX_ROWS, EXPLAIN_ROWS = 30, 4
#: Every path but /health and the page's shell needs a key, the unknown ones included.
PROTECTED = [("POST", "/v1/predict"), ("GET", "/v1/model"), ("GET", "/openapi.json"),
             ("GET", "/docs"), ("GET", "/nowhere")]  # fmt: skip
KEYS = {"desk": "desk-key-0123456789abcdef", "nightly": "nightly-key-0123456789abcdef"}


@pytest.fixture(scope="module")
def keyed(synthetic_job, tmp_path_factory):
    """The app on the synthetic job with two API keys: (app, client, log dir)."""
    root = tmp_path_factory.mktemp("keyed")
    key_file = root / "keys.txt"
    key_file.write_text(
        "# name   key\n" + "".join(f"{n}  {k}  # {n}'s\n" for n, k in KEYS.items()) + "\n"
    )
    settings = Settings(
        model=str(synthetic_job),
        log_dir=str(root / "log"),
        max_rows=MAX_ROWS,
        explain_rows=EXPLAIN_ROWS,
        reload_seconds=0,
        api_keys=str(key_file),
    )
    app = create_app(settings)
    with TestClient(app, headers={"X-API-Key": KEYS["desk"]}) as client:
        yield app, client, root / "log"


@pytest.fixture(scope="module")
def document(keyed) -> dict:
    _, client, _ = keyed
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def validator(document: dict, component: str):
    """A JSON Schema validator of one of the document's components."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return jsonschema_rs.Draft202012Validator(schema)


def median_row(app) -> dict:
    """A company at the training medians: the document's example."""
    return openapi.median_row(app.state.holder.package.contract)


def test_the_document_names_every_feature_of_the_served_model(keyed, document):
    app, _, _ = keyed
    contract = app.state.holder.package.contract
    row = document["components"]["schemas"]["Row"]
    assert list(row["properties"]) == contract.names and row["required"] == contract.names
    for feature in contract.features:
        value = row["properties"][feature.name]
        assert value["type"] == ["number", "null"]
        assert "minimum" not in value and "maximum" not in value  # a hint, not a bound
        assert value["x-training-range"] == [feature.min, feature.max]
        assert f"training range [{feature.min:.6g}, {feature.max:.6g}]" in value["description"]
    schemas = document["components"]["schemas"]
    assert schemas["PredictRows"]["properties"]["rows"]["maxItems"] == MAX_ROWS
    assert schemas["PredictRows"]["properties"]["rows"]["minItems"] == 1
    explain = schemas["PredictRows"]["properties"]["explain"]
    assert (explain["minimum"], explain["maximum"]) == (0, MAX_FACTORS)
    columns = schemas["PredictColumns"]["properties"]["columns"]
    assert columns["required"] == contract.names and columns["x-equal-length"] is True
    limits = document["info"]["x-limits"]
    assert limits["max_rows"] == MAX_ROWS and limits["explain_rows"] == EXPLAIN_ROWS
    assert limits["max_body_bytes"] == body_budget(contract, MAX_ROWS)


def test_every_status_is_documented_with_its_body_and_the_keys_as_security(keyed, document):
    paths = document["paths"]
    predict = paths["/v1/predict"]["post"]
    example = predict["requestBody"]["content"]["application/json"]["example"]
    assert validator(document, "PredictRequest").is_valid(example)
    assert keyed[1].post("/v1/predict", json=example).status_code == 200
    assert set(predict["responses"]) == {"200", "400", "401", "413", "415", "422", "500"}
    error = {"$ref": "#/components/schemas/Error"}
    assert all(
        r["content"]["application/json"]["schema"] == error
        for status, r in predict["responses"].items()
        if status != "200"
    )
    assert "WWW-Authenticate" in predict["responses"]["401"]["headers"]
    assert set(paths["/v1/model"]["get"]["responses"]) == {"200", "401", "413", "500"}
    assert set(paths["/health"]["get"]["responses"]) == {"200", "413", "500"}
    assert paths["/health"]["get"]["security"] == [] and paths["/"]["get"]["security"] == []
    assert predict["security"] == [{"bearerKey": []}, {"apiKeyHeader": []}]
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerKey"]["scheme"] == "bearer" and schemes["apiKeyHeader"]["name"] == (
        "X-API-Key"
    )


def test_the_document_follows_the_served_package(keyed, document):
    app, client, _ = keyed
    holder = app.state.holder
    served = holder.package
    fewer = InputContract(served.contract.features[:5], served.contract.label)
    newer = dataclasses.replace(served, contract=fewer, origin={**served.origin, "version": 7})
    holder.package = newer  # what a registry alias moving to another version does
    try:
        changed = client.get("/openapi.json").json()
    finally:
        holder.package = served
    assert changed["components"]["schemas"]["Row"]["required"] == fewer.names
    assert "version 7" in changed["info"]["description"]
    assert changed["info"]["x-limits"]["max_body_bytes"] == body_budget(fewer, MAX_ROWS)
    assert client.get("/openapi.json").json() == document  # and back


def test_requests_the_schema_allows_are_scored_and_answers_fit_their_schema(keyed, document):
    app, client, _ = keyed
    request, answer = validator(document, "PredictRequest"), validator(document, "PredictAnswer")
    row = median_row(app)
    allowed = [
        {"rows": [row]},
        {"rows": [row] * MAX_ROWS},
        {"rows": [row] * EXPLAIN_ROWS, "explain": MAX_FACTORS},
        {"rows": [{**row, "company": "firm-1", "meta": {"x": [1]}}], "ignore_unknown": True},
        {"columns": {k: [v, v] for k, v in row.items()}, "explain": 2},
        {"columns": {**{k: [v] for k, v in row.items()}, "note": "x"}, "ignore_unknown": True},
        {"rows": [{**row, "Attr1": 1e300, "Attr2": None}], "explain": 3.0},
    ]
    for body in allowed:
        assert request.is_valid(body), body
        scored = client.post("/v1/predict", json=body)
        assert scored.status_code == 200, scored.text
        assert answer.is_valid(scored.json()), scored.text


@pytest.mark.parametrize(
    "change, status, kind",
    [
        (lambda r: {"rows": [{k: v for k, v in r.items() if k != "Attr7"}]}, 422,
         "missing_columns"),
        (lambda r: {"rows": [{**r, "Attr3": "0.5"}]}, 422, "not_a_number"),
        (lambda r: {"rows": [{**r, "Attr3": True}]}, 422, "not_a_number"),
        (lambda r: {"rows": [{**r, "Attr3": [1]}]}, 422, "not_a_number"),
        (lambda r: {"rows": [{**r, "sector": "steel"}]}, 422, "extra_columns"),
        (lambda r: {"rows": [r], "explain": MAX_FACTORS + 1}, 422, "option"),
        (lambda r: {"rows": [r], "explain": True}, 422, "option"),
        (lambda r: {"rows": [r], "ignore_unknown": "yes"}, 422, "option"),
        (lambda r: {"rows": [r], "explian": 3}, 422, "option"),
        (lambda r: {"rows": [r], "columns": {}}, 422, "form"),
        (lambda r: {"rows": None, "columns": {k: [v] for k, v in r.items()}}, 422, "form"),
        (lambda r: {}, 422, "form"),
        (lambda r: {"rows": []}, 422, "empty"),
        (lambda r: {"rows": [1]}, 422, "form"),
        (lambda r: {"columns": {k: [] for k in r}}, 422, "empty"),
        (lambda r: {"columns": {**{k: [v] for k, v in r.items()}, "x": [1]}}, 422,
         "extra_columns"),
        (lambda r: {"rows": [r] * (MAX_ROWS + 1)}, 413, "too_large"),
        (lambda r: {"rows": [r] * (EXPLAIN_ROWS + 1), "explain": 1}, 413, "too_large"),
        (lambda r: [r], 400, "not_json"),
    ],
    ids=["missing-feature", "number-as-text", "boolean", "list", "unknown-field",
         "explain-above-max", "explain-boolean", "ignore-unknown-text", "unknown-option",
         "both-forms", "null-form", "no-form", "no-rows", "row-not-object", "empty-columns",
         "unknown-column", "too-many-rows", "too-many-explained", "not-an-object"],
)  # fmt: skip
def test_requests_the_schema_refuses_get_their_documented_status(
    keyed, document, change, status, kind
):
    app, client, _ = keyed
    body = change(median_row(app))
    assert not validator(document, "PredictRequest").is_valid(body)
    refused = client.post("/v1/predict", json=body)
    assert refused.status_code == status
    assert str(status) in document["paths"]["/v1/predict"]["post"]["responses"]
    assert validator(document, "Error").is_valid(refused.json())
    assert refused.json()["problems"][0]["kind"] == kind


def test_bodies_that_are_not_json_or_not_declared_json(keyed, document):
    _, client, _ = keyed
    error = validator(document, "Error")
    for raw, media_type, status in [
        (b'{"rows": [', "application/json", 400),
        (b'{"rows": ["\\ud800"]}', "application/json", 400),  # a lone surrogate
        (b'{"rows": []}', "text/plain", 415),
    ]:
        answer = client.post("/v1/predict", content=raw, headers={"Content-Type": media_type})
        assert answer.status_code == status and error.is_valid(answer.json())
    unknown = client.get("/v2/predict")
    assert unknown.status_code == 404 and error.is_valid(unknown.json())
    wrong_method = client.put("/v1/predict")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"


def asgi_post(app, headers: list[tuple[bytes, bytes]], chunks: list[bytes]):
    """POST /v1/predict straight into the ASGI app: (status, body, chunks it read)."""
    read, sent = [], []

    async def receive():
        if len(read) == len(chunks):
            raise AssertionError("read past the end of the body")
        read.append(chunks[len(read)])
        return {"type": "http.request", "body": read[-1], "more_body": len(read) < len(chunks)}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/predict", "headers": headers,
             "query_string": b"", "http_version": "1.1", "scheme": "http", "root_path": "",
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}  # fmt: skip
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body), len(read)


def test_a_body_above_the_byte_budget_is_refused_before_it_is_read(keyed):
    app, _, log_dir = keyed
    budget = body_budget(app.state.holder.package.contract, MAX_ROWS)
    key = [(b"x-api-key", KEYS["desk"].encode())]
    chunk = b" " * 65536
    declared = [(b"content-length", str(budget + 1).encode())]
    status, body, read = asgi_post(app, key + declared, [chunk])
    assert (status, read) == (413, 0)  # answered from the header: not one chunk read
    assert f"declares {budget + 1:,} bytes; at most {budget:,}" in body["error"]
    assert json.dumps(body).isascii()
    many = budget // len(chunk) + 10
    status, body, read = asgi_post(app, key, [chunk] * many)  # chunked: no Content-Length
    assert status == 413 and read == budget // len(chunk) + 1 < many
    record = list(read_records(log_dir))[-1]
    assert record["problems"][0]["kind"] == "too_large" and "inputs" not in record
    assert record["key_name"] == "desk"


def test_api_keys_either_header_and_the_open_paths(keyed):
    _, client, _ = keyed
    row = median_row(keyed[0])
    for headers in ({"Authorization": f"Bearer {KEYS['nightly']}"}, {"X-API-Key": KEYS["desk"]}):
        assert client.post("/v1/predict", json={"rows": [row]}, headers=headers).status_code == 200
    realm = 'Bearer realm="bankruptcy"'
    for headers, challenge in [
        ({"X-API-Key": ""}, realm),
        ({"X-API-Key": "desk-key-0123456789abcdeX"}, f'{realm}, error="invalid_token"'),
        ({"X-API-Key": "", "Authorization": f"Basic {KEYS['desk']}"}, realm),
    ]:
        for method, path in PROTECTED:
            refused = client.request(method, path, json={"rows": [row]}, headers=headers)
            assert refused.status_code == 401, (path, refused.text)
            assert refused.headers["www-authenticate"] == challenge
            body = refused.json()
            assert body["problems"][0]["kind"] == "unauthorized" and "model" not in body
            assert "\n" not in body["error"]
    assert client.get("/health", headers={"X-API-Key": ""}).status_code == 200
    shell = client.get("/", headers={"X-API-Key": ""})
    assert shell.status_code == 200 and "Attr1" not in shell.text  # no model data in the shell


def test_the_log_names_the_key_and_never_holds_it(keyed):
    app, client, log_dir = keyed
    before = len(list(read_records(log_dir)))
    row = median_row(app)
    client.post("/v1/predict", json={"rows": [row]}, headers={"X-API-Key": KEYS["nightly"]})
    client.post("/v1/predict", json={"rows": [{**row, "Attr1": "x"}]})
    client.post("/v1/predict", json={"rows": [row]}, headers={"X-API-Key": "not-a-key-at-all-0"})
    records = list(read_records(log_dir))[before:]
    assert [(r["status"], r["key_name"]) for r in records] == [
        ("scored", "nightly"),
        ("refused", "desk"),
    ]  # the unauthenticated request left no record
    text = "".join(p.read_text() for p in log_dir.glob("*.jsonl"))
    assert all(key not in text for key in KEYS.values())


@pytest.mark.parametrize(
    "text, message",
    [
        ("desk\n", "line 1: expected NAME KEY, found 1 field(s)"),
        ("# a comment\n\ndesk one two three\n", "line 3: expected NAME KEY, found 4 field(s)"),
        ("desk short\n", "line 1: the key of desk must be at least 16 visible ASCII characters"),
        ("de$k desk-key-0123456789abcdef\n", "line 1: name 'de$k' may hold letters, digits"),
        ("a desk-key-0123456789abcdef\na other-key-0123456789abcd\n", "line 2: name a is already"),
        ("a desk-key-0123456789abcdef\nb desk-key-0123456789abcdef\n", "line 2: the key of b is"),
        ("# nothing but comments\n\n", "the API key file holds no keys"),
        ("desk ключ-0123456789abcdef\n", "line 1: the key of desk must be at least 16 visible"),
    ],
    ids=["one-field", "four-fields", "short", "name", "same-name", "same-key", "empty", "ascii"],
)
def test_a_bad_key_file_is_one_line_naming_file_and_line(tmp_path, text, message):
    path = tmp_path / "keys.txt"
    path.write_text(text)
    with pytest.raises(UserError) as raised:
        ApiKeys.read(path)
    assert str(raised.value).startswith(str(path)) and message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_keys_are_found_by_name_whatever_their_place(tmp_path):
    path = tmp_path / "keys.txt"
    path.write_text("  a  key-a-0123456789abcdef   # first\nb key-b-0123456789abcdef\n")
    keys = ApiKeys.read(path)
    assert [keys.name_of(k) for k in ("key-b-0123456789abcdef", "key-a-0123456789abcdef")] == [
        "b",
        "a",
    ]
    assert keys.name_of("key-a-0123456789abcdeg") is None and keys.name_of(None) is None
    assert "key-a" not in repr(keys)  # digests only
